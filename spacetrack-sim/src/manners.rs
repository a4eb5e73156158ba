//! What the simulator notices about its clients' manners, on its side of
//! the wire: logins per account, and breaches of Space-Track's usage
//! guidance (`usage-guidance.md` in the project's reference notes). Tests
//! assert on these, never on what a client believes it sent; each breach
//! is also logged (`tracing`, warn).
//!
//! The rules, over real time:
//!
//! * `login-storm`: more than [`LOGIN_STORM`] logins of one account within
//!   a minute;
//! * `cadence`: the same query (format and answer options aside) again
//!   within its class's cadence (gp and tip: an hour; satcat, boxscore,
//!   cdm_public: a day; decay: a week);
//! * `history-for-current`: gp_history ordered by `EPOCH desc` with a
//!   limit of at most 10, or filtered by `EPOCH >now-N` with N at most 2;
//! * `one-query-per-object`: [`BURST`] single-object queries of one class
//!   within a minute;
//! * `removed-class`: `tle`, `tle_latest`, `tle_publish` or `omm`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Logins of one account within a minute beyond which they are a storm.
pub const LOGIN_STORM: usize = 3;
/// Single-object queries of one class within a minute that make a burst.
pub const BURST: usize = 10;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// A breach of the usage guidance, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The rule: `login-storm`, `cadence`, `history-for-current`,
    /// `one-query-per-object` or `removed-class`.
    pub rule: &'static str,
    /// The request's path (percent-encoded, as received), or the account
    /// for a login storm.
    pub path: String,
    /// When it arrived.
    pub at: SystemTime,
}

#[derive(Default)]
pub(crate) struct Manners {
    logins: Mutex<HashMap<String, Vec<Instant>>>,
    /// Recent queries: when, the query's key, its class, single-object.
    recent: Mutex<VecDeque<(Instant, String, String, bool)>>,
    breaches: Mutex<Vec<Breach>>,
}

fn cadence(class: &str) -> Option<Duration> {
    Some(match class {
        "gp" | "tip" => HOUR,
        "satcat" | "boxscore" | "cdm_public" => DAY,
        "decay" => 7 * DAY,
        _ => return None,
    })
}

/// `(key, value)` pairs of a query path after `/class/{class}`, decoded.
fn segments(path: &str) -> Option<(String, Vec<(String, String)>)> {
    let path = path.split('?').next().unwrap_or(path);
    let rest = path.split("/query/class/").nth(1)?;
    let mut parts = rest.split('/');
    let class = parts.next()?.to_ascii_lowercase();
    let parts: Vec<String> = parts
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let pairs = parts
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0].to_ascii_lowercase(), c[1].clone()))
        .collect();
    Some((class, pairs))
}

impl Manners {
    fn flag(&self, rule: &'static str, path: &str) {
        tracing::warn!(rule, path, "usage guidance breached");
        self.breaches.lock().expect("breaches").push(Breach {
            rule,
            path: path.to_owned(),
            at: SystemTime::now(),
        });
    }

    /// A successful login of `identity`.
    pub(crate) fn login(&self, identity: &str) {
        let now = Instant::now();
        let storm = {
            let mut logins = self.logins.lock().expect("logins");
            let times = logins.entry(identity.to_ascii_lowercase()).or_default();
            times.push(now);
            times.iter().filter(|t| now - **t < MINUTE).count() > LOGIN_STORM
        };
        if storm {
            self.flag("login-storm", identity);
        }
    }

    pub(crate) fn logins(&self) -> usize {
        self.logins
            .lock()
            .expect("logins")
            .values()
            .map(Vec::len)
            .sum()
    }

    pub(crate) fn logins_for(&self, identity: &str) -> usize {
        self.logins
            .lock()
            .expect("logins")
            .get(&identity.to_ascii_lowercase())
            .map_or(0, Vec::len)
    }

    pub(crate) fn breaches(&self) -> Vec<Breach> {
        self.breaches.lock().expect("breaches").clone()
    }

    /// A query request's path.
    pub(crate) fn query(&self, path: &str) {
        let Some((class, pairs)) = segments(path) else {
            return;
        };
        if matches!(class.as_str(), "tle" | "tle_latest" | "tle_publish" | "omm") {
            self.flag("removed-class", path);
            return;
        }
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        if class == "gp_history" {
            let small_limit = get("limit")
                .and_then(|l| l.split(',').next()?.parse::<u64>().ok())
                .is_some_and(|l| l <= 10);
            let epoch_desc = get("orderby").is_some_and(|o| {
                o.split(',')
                    .next()
                    .is_some_and(|f| f.trim().eq_ignore_ascii_case("epoch desc"))
            });
            let recent = get("epoch")
                .and_then(|v| v.strip_prefix(">now-"))
                .and_then(|n| n.parse::<f64>().ok())
                .is_some_and(|n| n <= 2.0);
            if (epoch_desc && small_limit) || recent {
                self.flag("history-for-current", path);
            }
        }
        let key: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "format" | "emptyresult" | "metadata"))
            .map(|(k, v)| format!("{k}/{v}"))
            .collect();
        let key = format!("{class}/{}", key.join("/"));
        let single = get("norad_cat_id")
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
        let now = Instant::now();
        let (repeat, burst) = {
            let mut recent = self.recent.lock().expect("recent");
            while recent.front().is_some_and(|(t, ..)| now - *t > 7 * DAY) {
                recent.pop_front();
            }
            let repeat = cadence(&class).is_some_and(|every| {
                recent
                    .iter()
                    .any(|(t, k, ..)| *k == key && now - *t < every)
            });
            let burst = single
                && recent
                    .iter()
                    .filter(|(t, _, c, s)| *s && *c == class && now - *t < MINUTE)
                    .count()
                    + 1
                    >= BURST;
            recent.push_back((now, key, class, single));
            (repeat, burst)
        };
        if repeat {
            self.flag("cadence", path);
        }
        if burst {
            self.flag("one-query-per-object", path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(m: &Manners) -> Vec<&'static str> {
        m.breaches().iter().map(|b| b.rule).collect()
    }

    #[test]
    fn each_rule_is_flagged_once_it_is_breached() {
        let m = Manners::default();
        let gp = "/basicspacedata/query/class/gp/EPOCH/%3Enow-10/format/json";
        m.query(gp);
        assert!(rules(&m).is_empty());
        m.query(&gp.replace("json", "3le"));
        assert_eq!(rules(&m), ["cadence"]);

        let m = Manners::default();
        m.query("/basicspacedata/query/class/gp_history/NORAD_CAT_ID/25544/orderby/EPOCH%20desc/limit/1/format/json");
        m.query("/basicspacedata/query/class/gp_history/EPOCH/%3Enow-1/format/json");
        m.query("/basicspacedata/query/class/gp_history/EPOCH/%3Enow-30/format/json");
        assert_eq!(rules(&m), ["history-for-current", "history-for-current"]);

        let m = Manners::default();
        for id in 0..BURST {
            m.query(&format!(
                "/basicspacedata/query/class/satcat/NORAD_CAT_ID/{id}/format/json"
            ));
        }
        assert_eq!(rules(&m), ["one-query-per-object"]);

        let m = Manners::default();
        m.query("/basicspacedata/query/class/tle_latest/NORAD_CAT_ID/25544/format/tle");
        assert_eq!(rules(&m), ["removed-class"]);

        let m = Manners::default();
        for _ in 0..=LOGIN_STORM {
            m.login("Me@Example.com");
        }
        assert_eq!(rules(&m), ["login-storm"]);
        assert_eq!(m.logins_for("me@example.com"), LOGIN_STORM + 1);
        assert_eq!(m.logins(), LOGIN_STORM + 1);
    }
}
