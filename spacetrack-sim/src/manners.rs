//! What the simulator notices about its clients' manners, on its side of
//! the wire: logins per account, and breaches of Space-Track's usage
//! guidance (`usage-guidance.md` in the project's reference notes). Tests
//! assert on these, never on what a client believes it sent; each breach
//! is also logged (`tracing`, warn).
//!
//! The rules, with the windows of [`GuidanceRules`] (the defaults here):
//!
//! * `login-storm`: more than 3 logins of one account within a minute;
//! * `cadence`: the same query (format and answer options aside) again
//!   within its class's cadence (gp and tip: an hour; satcat, boxscore,
//!   cdm_public: a day; decay: a week);
//! * `history-for-current`: gp_history ordered by `EPOCH desc` with a
//!   limit of at most 10, or filtered by `EPOCH >now-N` with N at most 2;
//! * `one-query-per-object`: 10 single-object queries of one class within
//!   a minute;
//! * `removed-class`: `tle`, `tle_latest`, `tle_publish` or `omm`.
//!
//! Time is the simulator's: real time since it started plus whatever
//! [`crate::Simulator::advance`] moved its clock by, so a test can step
//! past a cadence instead of waiting for it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The windows of the usage-guidance rules the simulator checks (see
/// [`crate::Simulator::guidance_breaches`]). The defaults are Space-Track's
/// published guidance; some of its figures are unverified, so every one
/// can be changed with [`crate::SimBuilder::guidance_rules`].
///
/// ```
/// use std::time::Duration;
/// let rules = spacetrack_sim::GuidanceRules {
///     burst: 5,
///     ..Default::default()
/// }
/// .cadence("gp", Duration::from_secs(600));
/// assert_eq!(rules.cadence_of("gp"), Some(Duration::from_secs(600)));
/// assert_eq!(rules.cadence_of("satcat"), Some(Duration::from_secs(86_400)));
/// assert_eq!(rules.cadence_of("gp_history"), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GuidanceRules {
    /// More logins of one account than this within [`login_window`](Self::login_window)
    /// are a storm (default 3).
    pub login_storm: usize,
    /// The login-storm window (default a minute).
    pub login_window: Duration,
    /// This many single-object queries of one class within
    /// [`burst_window`](Self::burst_window) are one query per object
    /// where a batched one was due (default 10).
    pub burst: usize,
    /// The single-object window (default a minute).
    pub burst_window: Duration,
    /// Per class, how long before the same query may be asked again
    /// (default: gp and tip an hour; satcat, boxscore and cdm_public a day;
    /// decay a week). A class not listed has no cadence.
    pub cadences: Vec<(String, Duration)>,
    /// gp_history ordered by `EPOCH desc` with a limit of at most this is
    /// asking it for current elements (default 10).
    pub history_limit: u64,
    /// gp_history filtered by `EPOCH >now-N` with N at most this (days) is
    /// asking it for current elements (default 2).
    pub history_days: f64,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

impl Default for GuidanceRules {
    fn default() -> Self {
        let cadences = [
            ("gp", HOUR),
            ("tip", HOUR),
            ("satcat", DAY),
            ("boxscore", DAY),
            ("cdm_public", DAY),
            ("decay", 7 * DAY),
        ];
        GuidanceRules {
            login_storm: 3,
            login_window: MINUTE,
            burst: 10,
            burst_window: MINUTE,
            cadences: cadences
                .iter()
                .map(|&(class, every)| (class.to_owned(), every))
                .collect(),
            history_limit: 10,
            history_days: 2.0,
        }
    }
}

impl GuidanceRules {
    /// Sets (or adds) the cadence of `class`.
    pub fn cadence(mut self, class: &str, every: Duration) -> Self {
        let class = class.to_ascii_lowercase();
        self.cadences.retain(|(c, _)| *c != class);
        self.cadences.push((class, every));
        self
    }

    /// The cadence of `class`, if it has one.
    pub fn cadence_of(&self, class: &str) -> Option<Duration> {
        self.cadences
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(class))
            .map(|&(_, every)| every)
    }

    /// The longest window any rule looks back over.
    fn horizon(&self) -> Duration {
        self.cadences
            .iter()
            .map(|&(_, d)| d)
            .chain([self.burst_window])
            .max()
            .unwrap_or(DAY)
    }
}

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

/// Logins, recent queries and breaches. Times are the simulator's clock
/// (see the module docs), given by the caller.
pub(crate) struct Manners {
    rules: GuidanceRules,
    logins: Mutex<HashMap<String, Vec<Duration>>>,
    /// Recent queries: when, the query's key, its class, single-object.
    recent: Mutex<VecDeque<(Duration, String, String, bool)>>,
    breaches: Mutex<Vec<Breach>>,
}

impl Default for Manners {
    fn default() -> Self {
        Manners::new(GuidanceRules::default())
    }
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
    pub(crate) fn new(rules: GuidanceRules) -> Manners {
        Manners {
            rules,
            logins: Mutex::default(),
            recent: Mutex::default(),
            breaches: Mutex::default(),
        }
    }

    fn flag(&self, rule: &'static str, path: &str) {
        tracing::warn!(rule, path, "usage guidance breached");
        self.breaches.lock().expect("breaches").push(Breach {
            rule,
            path: path.to_owned(),
            at: SystemTime::now(),
        });
    }

    /// A successful login of `identity` at `now` (the simulator's clock).
    pub(crate) fn login(&self, identity: &str, now: Duration) {
        let window = self.rules.login_window;
        let storm = {
            let mut logins = self.logins.lock().expect("logins");
            let times = logins.entry(identity.to_ascii_lowercase()).or_default();
            times.push(now);
            times
                .iter()
                .filter(|t| now.saturating_sub(**t) < window)
                .count()
                > self.rules.login_storm
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

    /// A query request's path, arrived at `now` (the simulator's clock).
    pub(crate) fn query(&self, path: &str, now: Duration) {
        let rules = &self.rules;
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
                .is_some_and(|l| l <= rules.history_limit);
            let epoch_desc = get("orderby").is_some_and(|o| {
                o.split(',')
                    .next()
                    .is_some_and(|f| f.trim().eq_ignore_ascii_case("epoch desc"))
            });
            let recent = get("epoch")
                .and_then(|v| v.strip_prefix(">now-"))
                .and_then(|n| n.parse::<f64>().ok())
                .is_some_and(|n| n <= rules.history_days);
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
        let since = |t: &Duration| now.saturating_sub(*t);
        let (repeat, burst) = {
            let mut recent = self.recent.lock().expect("recent");
            let horizon = rules.horizon();
            while recent.front().is_some_and(|(t, ..)| since(t) > horizon) {
                recent.pop_front();
            }
            let repeat = rules.cadence_of(&class).is_some_and(|every| {
                recent
                    .iter()
                    .any(|(t, k, ..)| *k == key && since(t) < every)
            });
            let burst = single
                && recent
                    .iter()
                    .filter(|(t, _, c, s)| *s && *c == class && since(t) < rules.burst_window)
                    .count()
                    + 1
                    >= rules.burst;
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

    const T0: Duration = Duration::ZERO;

    #[test]
    fn each_rule_is_flagged_once_it_is_breached() {
        let defaults = GuidanceRules::default();
        let m = Manners::default();
        let gp = "/basicspacedata/query/class/gp/EPOCH/%3Enow-10/format/json";
        m.query(gp, T0);
        assert!(rules(&m).is_empty());
        m.query(&gp.replace("json", "3le"), T0 + MINUTE);
        assert_eq!(rules(&m), ["cadence"]);
        assert_eq!(m.breaches()[0].path, gp.replace("json", "3le"));

        let m = Manners::default();
        m.query("/basicspacedata/query/class/gp_history/NORAD_CAT_ID/25544/orderby/EPOCH%20desc/limit/1/format/json", T0);
        m.query(
            "/basicspacedata/query/class/gp_history/EPOCH/%3Enow-1/format/json",
            T0,
        );
        m.query(
            "/basicspacedata/query/class/gp_history/EPOCH/%3Enow-30/format/json",
            T0,
        );
        assert_eq!(rules(&m), ["history-for-current", "history-for-current"]);

        let m = Manners::default();
        for id in 0..defaults.burst {
            m.query(
                &format!("/basicspacedata/query/class/satcat/NORAD_CAT_ID/{id}/format/json"),
                T0,
            );
        }
        assert_eq!(rules(&m), ["one-query-per-object"]);

        let m = Manners::default();
        m.query(
            "/basicspacedata/query/class/tle_latest/NORAD_CAT_ID/25544/format/tle",
            T0,
        );
        assert_eq!(rules(&m), ["removed-class"]);

        let m = Manners::default();
        for _ in 0..=defaults.login_storm {
            m.login("Me@Example.com", T0);
        }
        assert_eq!(rules(&m), ["login-storm"]);
        assert_eq!(m.logins_for("me@example.com"), defaults.login_storm + 1);
        assert_eq!(m.logins(), defaults.login_storm + 1);
    }

    #[test]
    fn the_windows_are_the_configured_ones_on_the_simulated_clock() {
        let gp = "/basicspacedata/query/class/gp/EPOCH/%3Enow-10/format/json";
        // Past the cadence, the same query is due again.
        let m = Manners::default();
        m.query(gp, T0);
        m.query(gp, T0 + HOUR + MINUTE);
        assert!(rules(&m).is_empty(), "{:?}", m.breaches());
        // A shorter cadence, set by the user.
        let m = Manners::new(GuidanceRules::default().cadence("gp", 10 * MINUTE));
        m.query(gp, T0);
        m.query(gp, T0 + 11 * MINUTE);
        m.query(gp, T0 + 12 * MINUTE);
        assert_eq!(rules(&m), ["cadence"]);
        // Logins spread wider than the window are no storm; a lower
        // threshold makes a storm of fewer.
        let m = Manners::default();
        for i in 0..6 {
            m.login("a", T0 + 30 * i * Duration::from_secs(1));
        }
        assert!(rules(&m).is_empty(), "{:?}", m.breaches());
        let m = Manners::new(GuidanceRules {
            login_storm: 1,
            burst: 3,
            history_limit: 1,
            history_days: 0.5,
            ..Default::default()
        });
        m.login("a", T0);
        m.login("b", T0);
        assert!(rules(&m).is_empty(), "accounts are counted apart");
        m.login("A", T0);
        assert_eq!(rules(&m), ["login-storm"]);
        for id in 0..3 {
            m.query(
                &format!("/basicspacedata/query/class/gp/NORAD_CAT_ID/{id}"),
                T0 + DAY,
            );
        }
        m.query(
            "/basicspacedata/query/class/gp_history/orderby/EPOCH%20desc/limit/2",
            T0,
        );
        m.query("/basicspacedata/query/class/gp_history/EPOCH/%3Enow-1", T0);
        m.query(
            "/basicspacedata/query/class/gp_history/orderby/EPOCH%20desc/limit/1",
            T0,
        );
        m.query(
            "/basicspacedata/query/class/gp_history/EPOCH/%3Enow-0.5",
            T0,
        );
        assert_eq!(
            rules(&m),
            [
                "login-storm",
                "one-query-per-object",
                "history-for-current",
                "history-for-current"
            ]
        );
    }
}
