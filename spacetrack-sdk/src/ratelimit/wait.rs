//! Waits, as they are said: which limit holds a request back, for how
//! long, and whether the requests filling its window came from this
//! process or from others sharing the account's ledger.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use super::{Rate, Snapshot, Window, admit};

/// A wait imposed by the limiter, reported to observers before sleeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// How long the request will wait.
    pub duration: Duration,
    /// When it will be tried again (wall clock).
    pub until: SystemTime,
    /// Why: the client-side limiter or a server-side violation.
    pub reason: WaitReason,
}

/// Why a request waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// The client-side limiter.
    Limiter,
    /// Space-Track reported a rate-limit violation.
    ServerRateLimit,
    /// A transient failure (connection, timeout, 502/503/504).
    Transient,
}

/// A callback for [`Wait`]s.
pub type WaitObserver = Arc<dyn Fn(&Wait) + Send + Sync>;

/// Waits longer than this are said at `info` as they start; shorter ones
/// at `debug`.
pub(crate) const ANNOUNCED: Duration = Duration::from_secs(1);

/// Tells the observer and the log that a request waits `duration`.
/// `detail` says which limit holds it (limiter waits, when the store can
/// tell).
pub(crate) fn notify(
    observer: Option<&WaitObserver>,
    duration: Duration,
    reason: WaitReason,
    detail: Option<&str>,
) {
    let w = Wait {
        duration,
        until: SystemTime::now() + duration,
        reason,
    };
    let what = match (reason, detail) {
        (WaitReason::Limiter, Some(detail)) => format!("for the account's rate limit: {detail}"),
        (WaitReason::Limiter, None) => "for the account's rate limit (the ledger counts every \
             client, process and machine of the account)"
            .to_owned(),
        (WaitReason::ServerRateLimit, _) => {
            "before retrying: Space-Track reported a rate-limit violation".to_owned()
        }
        (WaitReason::Transient, _) => "before retrying after a transient failure".to_owned(),
    };
    if duration > ANNOUNCED {
        tracing::info!("waiting {:.1} s {what}", duration.as_secs_f64());
    } else {
        tracing::debug!("waiting {} ms {what}", duration.as_millis());
    }
    if let Some(o) = observer {
        o(&w);
    }
}

/// A wait before a retry: said at `warn` as it starts, with the error
/// that caused it (the failed request's own line is at `info`), and told
/// to the observer.
pub(crate) fn retrying(
    observer: Option<&WaitObserver>,
    duration: Duration,
    reason: WaitReason,
    error: &crate::Error,
) {
    tracing::warn!("{error}; retrying in {:.1} s", duration.as_secs_f64());
    if let Some(o) = observer {
        o(&Wait {
            duration,
            until: SystemTime::now() + duration,
            reason,
        });
    }
}

/// What each window of a limiter is, in words, in the order of
/// [`Rate::windows`].
pub(crate) fn labels(rate: &Rate) -> Vec<String> {
    let per = |d: Duration| match d.as_secs() {
        60 if d.subsec_nanos() == 0 => "a minute".to_owned(),
        3600 if d.subsec_nanos() == 0 => "an hour".to_owned(),
        86_400 if d.subsec_nanos() == 0 => "a day".to_owned(),
        _ => format!("per {}", span(d)),
    };
    let whose = if (rate.count, rate.period) == (30, Duration::from_secs(60))
        || (rate.count, rate.period) == (300, Duration::from_secs(3600))
    {
        "Space-Track's limit"
    } else {
        "the limit"
    };
    let limit = format!(
        "{whose} of fewer than {} requests {}",
        rate.count,
        per(rate.period)
    );
    let mut out = vec![limit.clone()];
    if rate.burst < rate.count.saturating_sub(1) {
        let spread = rate.period * rate.burst / rate.count;
        out.push(format!(
            "the pacing of {limit} (at most {} in any {})",
            rate.burst,
            span(spread)
        ));
    }
    out
}

/// A duration as people say it: `45 s`, `6 min`, `1.5 h`.
fn span(d: Duration) -> String {
    let s = d.as_secs_f64();
    let trim = |x: f64| {
        let t = format!("{x:.1}");
        t.strip_suffix(".0").map(str::to_owned).unwrap_or(t)
    };
    if s >= 3600.0 {
        format!("{} h", trim(s / 3600.0))
    } else if s >= 60.0 {
        format!("{} min", trim(s / 60.0))
    } else {
        format!("{} s", trim(s))
    }
}

/// Which window holds a request back under `snapshot`, said with its
/// label, and how many of the requests in it this process did not send
/// (`own_within` counts this process's admissions within a span).
pub(crate) fn detail(
    snapshot: &Snapshot,
    windows: &[Window],
    labels: &[String],
    own_within: impl Fn(Duration) -> usize,
) -> Option<String> {
    let (i, _) = windows
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let mut log: VecDeque<u64> = snapshot.log.iter().copied().collect();
            admit(snapshot.now_ms, std::slice::from_ref(w), &mut log)
                .err()
                .map(|wait| (i, wait))
        })
        .max_by_key(|&(_, wait)| wait)?;
    let w = windows[i];
    let label = labels.get(i)?;
    let inside = snapshot
        .log
        .iter()
        .filter(|&&t| t + w.ms > snapshot.now_ms)
        .count();
    let others = inside.saturating_sub(own_within(Duration::from_millis(w.ms)));
    let requests = |n: usize| format!("{n} request{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "{label} is reached ({} in the last {})",
        requests(inside),
        span(Duration::from_millis(w.ms))
    );
    if others > 0 {
        out.push_str(&format!(
            "; {} of them from other processes or machines using the account",
            others
        ));
    }
    Some(out)
}

/// The admissions this process made, per ledger: what tells this
/// process's requests from those of others sharing a ledger.
fn own() -> &'static Mutex<HashMap<String, VecDeque<Instant>>> {
    static OWN: OnceLock<Mutex<HashMap<String, VecDeque<Instant>>>> = OnceLock::new();
    OWN.get_or_init(Default::default)
}

/// Notes an admission of this process in the ledger `key`, keeping those
/// of the last `horizon`.
pub(crate) fn note_own(key: &str, horizon: Duration) {
    let mut all = own().lock().unwrap_or_else(|p| p.into_inner());
    let log = all.entry(key.to_owned()).or_default();
    let now = Instant::now();
    while log
        .front()
        .is_some_and(|t| now.duration_since(*t) > horizon)
    {
        log.pop_front();
    }
    log.push_back(now);
}

/// How many admissions this process made in the ledger `key` within the
/// last `span`.
pub(crate) fn own_within(key: &str, span: Duration) -> usize {
    let all = own().lock().unwrap_or_else(|p| p.into_inner());
    all.get(key).map_or(0, |log| {
        log.iter().rev().take_while(|t| t.elapsed() < span).count()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute_limit() -> (Vec<Window>, Vec<String>) {
        let r = Rate::new(2, Duration::from_secs(60));
        (r.windows().unwrap(), labels(&r))
    }

    #[test]
    fn labels_name_the_limit_and_its_pacing() {
        let per_minute = labels(&Rate::per_minute_default());
        assert_eq!(
            per_minute,
            [
                "Space-Track's limit of fewer than 30 requests a minute",
                "the pacing of Space-Track's limit of fewer than 30 requests a minute (at most 5 in any 10 s)"
            ]
        );
        assert_eq!(
            labels(&Rate::per_hour_default())[0],
            "Space-Track's limit of fewer than 300 requests an hour"
        );
        assert_eq!(
            labels(&Rate::new(3, Duration::from_secs(3)).burst(1))[0],
            "the limit of fewer than 3 requests per 3 s"
        );
        for r in [
            Rate::per_minute_default(),
            Rate::new(9, Duration::from_secs(90)),
        ] {
            assert_eq!(labels(&r).len(), r.windows().unwrap().len());
        }
    }

    #[test]
    fn detail_names_the_window_that_holds_and_who_filled_it() {
        let (windows, labels) = minute_limit();
        let snapshot = Snapshot {
            now_ms: 10_000,
            log: vec![5_000],
        };
        // This process sent it.
        let mine = detail(&snapshot, &windows, &labels, |_| 1).unwrap();
        assert_eq!(
            mine,
            "the limit of fewer than 2 requests a minute is reached (1 request in the last 1 min)"
        );
        // Another process did.
        let theirs = detail(&snapshot, &windows, &labels, |_| 0).unwrap();
        assert!(
            theirs.ends_with("; 1 of them from other processes or machines using the account"),
            "{theirs}"
        );
        // Nothing holds: nothing to say.
        let free = Snapshot {
            now_ms: 100_000,
            log: vec![5_000],
        };
        assert_eq!(detail(&free, &windows, &labels, |_| 0), None);
    }

    #[test]
    fn own_admissions_are_counted_per_ledger() {
        note_own("wait-test-a", Duration::from_secs(60));
        note_own("wait-test-a", Duration::from_secs(60));
        assert_eq!(own_within("wait-test-a", Duration::from_secs(60)), 2);
        assert_eq!(own_within("wait-test-b", Duration::from_secs(60)), 0);
    }
}
