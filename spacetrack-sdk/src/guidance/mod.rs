//! Space-Track's usage guidance, consulted before a query is sent.
//!
//! Beyond the hard limits (30 requests a minute, 300 an hour, kept by the
//! [`ratelimit`](crate::ratelimit) module), Space-Track asks its users to
//! fetch each kind of data no more often than it changes, to batch objects
//! into one query, to take current elements from `gp` rather than
//! `gp_history`, and not to ask for the classes it removed in 2026. The
//! client checks each query against these rules before sending it:
//!
//! | rule ([`Rule`]) | what it catches | the better query |
//! |---|---|---|
//! | [`RemovedClass`](Rule::RemovedClass) | `tle`, `tle_latest`, `tle_publish`, `omm` | `gp`, `gp_history` |
//! | [`Cadence`](Rule::Cadence) | the same query again within its class's cadence (gp: an hour; satcat, boxscore, cdm_public: a day; decay: a week; ...) | keep the answer: [`ClientBuilder::answer_cache`](crate::ClientBuilder::answer_cache), or a mirror |
//! | [`HistoryForCurrent`](Rule::HistoryForCurrent) | `gp_history` ordered by `EPOCH desc` with a small limit, or `EPOCH >now-N` with a small N | `gp` |
//! | [`OneQueryPerObject`](Rule::OneQueryPerObject) | many single-object queries of one class within a minute | one query with a list of objects (the builder splits long lists) |
//!
//! What happens then is the [`Policy`]: [`Warn`](Policy::Warn) (the
//! default) sends the query and emits one `tracing` warning per rule and
//! class naming the better query; [`Strict`](Policy::Strict) refuses it
//! with [`Error::Guideline`] and sends nothing;
//! [`Off`](Policy::Off) checks nothing. A removed class is refused under
//! `Warn` too: Space-Track would only answer it with an error that counts
//! against the account's limits.
//!
//! The figures are [`Guidance`]'s defaults, taken from Space-Track's
//! published guidance; those it marks unverified (`tip` every ten minutes
//! near a re-entry, `gp_history` "once per lifetime") are defaults like the
//! others, and every one can be changed. [`Query::plan`](crate::Query::plan)
//! reports the notes a query would raise without sending it.
//!
//! ```
//! use std::time::Duration;
//! use spacetrack::guidance::{Cadence, Guidance, Policy};
//!
//! # fn main() -> spacetrack::Result<()> {
//! let st = spacetrack::Client::builder()
//!     .identity("me@example.com")
//!     .password("secret")
//!     .policy(Policy::Strict)
//!     .guidance(Guidance::default().cadence("tip", Cadence::every(Duration::from_secs(600))))
//!     .build()?;
//! # Ok(()) }
//! ```

mod cache;
mod ledger;
mod rules;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use cache::AnswerCache;
pub(crate) use ledger::Ledger;
pub(crate) use rules::Shape;

use crate::error::{Error, Result};
pub use crate::error::{Note, Rule};
use crate::request::Spec;

/// The note for a class Space-Track removed (`tle`, `tle_latest`,
/// `tle_publish`, `omm`), naming what replaced it; `None` for any other
/// class.
///
/// ```
/// let note = spacetrack::guidance::removed_class("tle_latest").unwrap();
/// assert!(note.better.contains("gp"));
/// assert!(spacetrack::guidance::removed_class("gp").is_none());
/// ```
pub fn removed_class(class: &str) -> Option<Note> {
    rules::removed(class)
}

/// What the client does with a query that goes against the guidance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Policy {
    /// Send it, and warn once per rule and class (through `tracing`),
    /// naming the better query. A removed class is still refused.
    #[default]
    Warn,
    /// Refuse it with [`Error::Guideline`]: nothing is sent.
    Strict,
    /// Check nothing.
    Off,
}

impl Policy {
    /// Parses `warn`, `strict` or `off`.
    pub fn parse(s: &str) -> Option<Policy> {
        match s.to_ascii_lowercase().as_str() {
            "warn" => Some(Policy::Warn),
            "strict" => Some(Policy::Strict),
            "off" => Some(Policy::Off),
            _ => None,
        }
    }
}

/// How often a class's data is worth fetching: the same broad query (no
/// object named) no more often than `broad`, the same query about named
/// objects no more often than `narrow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// For a query that names no object (the whole catalog, a date window).
    pub broad: Duration,
    /// For a query that names objects (`NORAD_CAT_ID`, `CDM_ID`, ...).
    pub narrow: Duration,
}

impl Cadence {
    /// The same interval for broad and narrow queries.
    pub fn every(interval: Duration) -> Cadence {
        Cadence {
            broad: interval,
            narrow: interval,
        }
    }

    /// The interval for a query of this [`Shape`].
    pub(crate) fn for_shape(&self, narrow: bool) -> Duration {
        if narrow { self.narrow } else { self.broad }
    }
}

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// The figures the rules use. [`Default`] holds Space-Track's published
/// guidance (see `usage-guidance` in the project's reference notes):
///
/// | class | broad | narrow |
/// |---|---|---|
/// | `gp` | 1 h | 1 h |
/// | `gp_history` | 1 day (*unverified*: "once per lifetime, then incremental") | 1 day |
/// | `satcat`, `boxscore` | 1 day | 1 day |
/// | `cdm_public` | 1 day | 1 h (a specific conjunction) |
/// | `decay` | 7 days | 1 day |
/// | `tip` | 1 h | 10 min (*unverified*: near a re-entry) |
///
/// Other classes have no cadence rule; the [answer
/// cache](crate::ClientBuilder::answer_cache) keeps their answers for
/// [`default_cadence`](Guidance::default_cadence) (1 h). `gp_history` counts
/// as asked for current elements when ordered by `EPOCH desc` with a limit
/// of at most 10, or filtered by `EPOCH >now-N` with N at most 2 days; ten
/// single-object queries of one class within a minute are a burst.
#[derive(Debug, Clone)]
pub struct Guidance {
    cadences: BTreeMap<String, Cadence>,
    default_cadence: Duration,
    history_limit: u64,
    history_days: f64,
    burst: u32,
    burst_window: Duration,
}

impl Default for Guidance {
    fn default() -> Self {
        let mut cadences = BTreeMap::new();
        let mut set = |class: &str, broad, narrow| {
            cadences.insert(class.to_owned(), Cadence { broad, narrow });
        };
        set("gp", HOUR, HOUR);
        set("gp_history", DAY, DAY);
        set("satcat", DAY, DAY);
        set("boxscore", DAY, DAY);
        set("cdm_public", DAY, HOUR);
        set("decay", 7 * DAY, DAY);
        set("tip", HOUR, Duration::from_secs(600));
        Guidance {
            cadences,
            default_cadence: HOUR,
            history_limit: 10,
            history_days: 2.0,
            burst: 10,
            burst_window: Duration::from_secs(60),
        }
    }
}

impl Guidance {
    /// Sets `class`'s cadence.
    pub fn cadence(mut self, class: &str, cadence: Cadence) -> Self {
        self.cadences.insert(class.to_ascii_lowercase(), cadence);
        self
    }

    /// Removes `class`'s cadence rule (its answers are still cached for
    /// the default cadence).
    pub fn no_cadence(mut self, class: &str) -> Self {
        self.cadences.remove(&class.to_ascii_lowercase());
        self
    }

    /// How long the answer cache keeps the answers of classes without a
    /// cadence (1 h).
    pub fn default_cadence(mut self, interval: Duration) -> Self {
        self.default_cadence = interval;
        self
    }

    /// When `gp_history` counts as asked for current elements: ordered by
    /// `EPOCH desc` with a limit of at most `limit`, or filtered by
    /// `EPOCH >now-N` with N at most `days`.
    pub fn history_for_current(mut self, limit: u64, days: f64) -> Self {
        self.history_limit = limit;
        self.history_days = days;
        self
    }

    /// How many single-object queries of one class within `window` are a
    /// burst (the query that reaches `count` raises the note).
    pub fn one_query_per_object(mut self, count: u32, window: Duration) -> Self {
        self.burst = count.max(2);
        self.burst_window = window;
        self
    }

    /// `class`'s cadence rule, if it has one.
    pub fn cadence_for(&self, class: &str) -> Option<Cadence> {
        self.cadences.get(&class.to_ascii_lowercase()).copied()
    }

    /// How long an answer of `class` stays fresh in the answer cache.
    pub(crate) fn freshness(&self, class: &str, narrow: bool) -> Duration {
        self.cadence_for(class)
            .map_or(self.default_cadence, |c| c.for_shape(narrow))
    }

    /// The longest interval any rule looks back over (how long the ledger
    /// keeps an entry).
    pub(crate) fn horizon(&self) -> Duration {
        self.cadences
            .values()
            .flat_map(|c| [c.broad, c.narrow])
            .chain([self.burst_window])
            .max()
            .unwrap_or(HOUR)
    }
}

/// The guidance as one client applies it: the policy, the figures, the
/// ledger of what was sent, and the warnings already given.
pub(crate) struct Guide {
    pub(crate) policy: Policy,
    pub(crate) guidance: Guidance,
    pub(crate) ledger: Arc<Ledger>,
    warned: Mutex<HashSet<(Rule, String)>>,
}

impl Guide {
    pub(crate) fn new(policy: Policy, guidance: Guidance, ledger: Arc<Ledger>) -> Guide {
        Guide {
            policy,
            guidance,
            ledger,
            warned: Mutex::default(),
        }
    }

    /// The notes `spec` raises now (nothing under [`Policy::Off`]).
    pub(crate) fn notes(&self, spec: &Spec) -> Vec<Note> {
        if self.policy == Policy::Off {
            return Vec::new();
        }
        let shape = Shape::of(spec);
        let recent = self.ledger.recent(&self.guidance);
        rules::check(&self.guidance, &shape, &recent, ledger::now_ms())
    }

    /// A removed class's note (refused under every policy but `Off`).
    pub(crate) fn removed(&self, class: &str) -> Result<()> {
        if self.policy == Policy::Off {
            return Ok(());
        }
        match rules::removed(class) {
            Some(note) => Err(Error::Guideline(Box::new(note))),
            None => Ok(()),
        }
    }

    /// Checks `spec` before it is sent: refuses it (strict, or a removed
    /// class) or warns once per rule and class, then records it in the
    /// ledger.
    pub(crate) fn before_sending(&self, spec: &Spec) -> Result<()> {
        let notes = self.notes(spec);
        for note in notes {
            if self.policy == Policy::Strict || note.rule == Rule::RemovedClass {
                return Err(Error::Guideline(Box::new(note)));
            }
            let first = self
                .warned
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert((note.rule, note.class.clone()));
            if first {
                tracing::warn!(rule = note.rule.name(), class = %note.class, "{note}");
            } else {
                tracing::debug!(rule = note.rule.name(), class = %note.class, "{note}");
            }
        }
        if self.policy != Policy::Off {
            self.ledger.record(&Shape::of(spec), &self.guidance);
        }
        Ok(())
    }
}
