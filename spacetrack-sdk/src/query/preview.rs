//! What sending a query would do, told without sending it:
//! [`Query::plan`].

use std::time::Duration;

use crate::error::Result;
use crate::guidance::Note;
use crate::request::{Format, Spec};
use crate::schema::Record;

use super::target::Target;
use super::{Async, Query};

/// What sending a query would do (see [`Query::plan`]): its requests, the
/// wait the account's limits would impose, and the notes the usage
/// guidance raises. Nothing is sent to make it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Plan {
    /// The requests, in the order they would be sent: one, or several for
    /// a value list too long for one URL.
    pub requests: Vec<PlannedRequest>,
    /// How long the last request would wait for the account's limits,
    /// under the ledger as it stands now; `None` when the limiter's store
    /// cannot tell. Zero for an engine (nothing is sent).
    pub expected_wait: Option<Duration>,
    /// What the query does against Space-Track's usage guidance (see
    /// [`guidance`](crate::guidance)); under
    /// [`Policy::Strict`](crate::guidance::Policy::Strict) sending it
    /// would be refused.
    pub notes: Vec<Note>,
    /// Whether the query is answered by an engine other than Space-Track
    /// (a mirror): then nothing is sent at all.
    pub local: bool,
}

/// One request of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedRequest {
    /// The full URL (no credentials: they never travel in URLs).
    pub url: String,
    /// Answered from the answer cache (see
    /// [`ClientBuilder::answer_cache`](crate::ClientBuilder::answer_cache)):
    /// not sent.
    pub cached: bool,
}

impl Plan {
    /// How many requests would reach the server.
    pub fn sends(&self) -> usize {
        if self.local {
            0
        } else {
            self.requests.iter().filter(|r| !r.cached).count()
        }
    }
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.requests.len();
        writeln!(
            f,
            "{n} request{}, {} sent{}",
            if n == 1 { "" } else { "s" },
            self.sends(),
            if self.local {
                " (answered locally)"
            } else {
                ""
            }
        )?;
        for r in &self.requests {
            let tag = if r.cached {
                "  (from the answer cache)"
            } else {
                ""
            };
            writeln!(f, "  GET {}{tag}", r.url)?;
        }
        match self.expected_wait {
            Some(w) if w.is_zero() => writeln!(f, "expected wait: none")?,
            Some(w) => writeln!(
                f,
                "expected wait: {:.1} s (the account's limits)",
                w.as_secs_f64()
            )?,
            None => writeln!(
                f,
                "expected wait: unknown (the limiter's store cannot tell)"
            )?,
        }
        for note in &self.notes {
            writeln!(f, "guidance: {note}")?;
        }
        Ok(())
    }
}

impl<R: Record> Query<R, Async> {
    /// What [`send`](Self::send) would do, without sending anything: the
    /// URL(s) (a long value list is several requests), the wait under the
    /// account's limits as they stand, and the usage guidance's notes.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> spacetrack::Result<()> {
    /// let st = spacetrack::Client::new("me@example.com", "secret")?;
    /// let ids: Vec<u32> = (1..=3000).collect();
    /// let plan = st.gp().norad_cat_id(ids).plan().await?;
    /// assert!(plan.requests.len() > 1, "a list this long is split");
    /// assert_eq!(plan.sends(), plan.requests.len());
    /// println!("{plan}");
    /// # Ok(()) }
    /// ```
    pub async fn plan(&self) -> Result<Plan> {
        self.plan_for(Format::Json).await
    }

    /// What asking for the answer in `format` (`send_text`, `lines`, ...)
    /// would do; see [`plan`](Self::plan).
    pub async fn plan_for(&self, format: Format) -> Result<Plan> {
        let parts = match format {
            Format::Json => self.parts(Some(format))?,
            _ => self.text_parts(format)?,
        };
        plan_parts(&self.target, &parts, format).await
    }
}

async fn plan_parts(target: &Target, parts: &[Spec], format: Format) -> Result<Plan> {
    let mut requests = Vec::with_capacity(parts.len());
    let mut notes: Vec<Note> = Vec::new();
    let client = match target {
        Target::SpaceTrack(c) => Some(c),
        Target::Engine(_) => None,
    };
    for spec in parts {
        let url = target.url_for(&spec.path(Some(format))?);
        let cached = match client {
            Some(c) => c.would_answer_from_cache(spec, Some(format))?,
            None => false,
        };
        if let (Some(c), false) = (client, cached) {
            for note in c.guide().notes(spec) {
                if !notes.iter().any(|n| n.rule == note.rule) {
                    notes.push(note);
                }
            }
        }
        requests.push(PlannedRequest { url, cached });
    }
    let sent = requests.iter().filter(|r| !r.cached).count();
    let expected_wait = match client {
        Some(c) => c.expected_wait(sent).await?,
        None => Some(Duration::ZERO),
    };
    Ok(Plan {
        requests,
        expected_wait,
        notes,
        local: client.is_none(),
    })
}
