//! The mirror as a second engine of the typed API: `mirror.gp()` is the
//! same builder as `client.gp()`, answered from the database instead of
//! Space-Track, with Space-Track's semantics (see `sql`).

mod grammar;
mod render;
mod sql;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use spacetrack::engine::{Answer, AnswerFuture, Engine, Request};
use spacetrack::{Async, Format, Query, Record};

use crate::backend::Backend;
use crate::value::Value;
use crate::{Error, Mirror};

/// The bytes of an answer sent at a time.
const CHUNK: usize = 64 << 10;

/// Answers typed queries from a mirror's tables.
pub(crate) struct MirrorEngine {
    pub(crate) backend: Arc<Mutex<Box<dyn Backend>>>,
    pub(crate) name: String,
}

impl Engine for MirrorEngine {
    fn name(&self) -> &str {
        &self.name
    }

    fn answer(&self, request: Request, format: Format) -> AnswerFuture {
        let backend = self.backend.clone();
        let name = self.name.clone();
        Box::pin(async move {
            let now = chrono::Utc::now().naive_utc();
            let plan = grammar::plan(&request, format, now).map_err(|e| api(&name, e))?;
            render::supported(&plan).map_err(|e| api(&name, e))?;
            let (tx, mut rx) = tokio::sync::mpsc::channel::<spacetrack::Result<Bytes>>(4);
            tokio::task::spawn_blocking(move || {
                let sent = tx.clone();
                if let Err(e) = produce(&backend, &plan, &tx) {
                    let _ = sent.blocking_send(Err(api(&name, e)));
                }
            });
            let chunks = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
            Ok(Answer::new(chunks))
        })
    }
}

/// The mirror's error as the client's: a request the mirror cannot answer
/// is an invalid argument, anything else the engine's failure.
fn api(name: &str, e: Error) -> spacetrack::Error {
    match e {
        Error::InvalidArgument(m) => spacetrack::Error::InvalidArgument(m),
        Error::Api(e) => e,
        other => spacetrack::Error::Engine {
            engine: name.to_owned(),
            source: Box::new(other),
        },
    }
}

/// Runs the plan and sends the answer in chunks; on a blocking thread.
fn produce(
    backend: &Mutex<Box<dyn Backend>>,
    plan: &grammar::Plan,
    tx: &tokio::sync::mpsc::Sender<spacetrack::Result<Bytes>>,
) -> crate::Result<()> {
    let mut db = backend
        .lock()
        .map_err(|_| Error::Task("the database connection was poisoned".into()))?;
    let dialect = db.dialect();
    let kinds = render::kinds(plan);
    // Columns this build's schemas no longer list come back as unknown
    // columns (nothing stored is lost from an answer).
    let retired = crate::migrate::retired(plan.table, &db.shape(plan.table.class)?);
    let stmt = sql::select(plan, dialect, &retired);
    let mut writer = render::Writer::new(plan);
    let mut out = String::with_capacity(CHUNK + 4096);
    // The receiver is gone (the caller dropped the answer): stop reading.
    let send = |out: &mut String| {
        tx.blocking_send(Ok(Bytes::from(std::mem::take(out))))
            .is_ok()
    };
    if plan.distinct {
        // Duplicates go after sorting, the first kept, then the limit: as
        // Space-Track answers (and `COUNT` would count the duplicates).
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::new();
        db.query(&stmt, &kinds, &mut |values, unknown| {
            let key: Vec<String> = plan
                .columns
                .iter()
                .map(|&c| format!("{:?}", values[c]))
                .collect();
            if seen.insert(key) {
                rows.push((values, unknown));
            }
            Ok(true)
        })?;
        drop(db);
        writer.begin(&mut out, Some(rows.len() as u64));
        let take = plan.limit.map_or(usize::MAX, |l| l as usize);
        for (values, unknown) in rows.into_iter().skip(plan.offset as usize).take(take) {
            writer.row(&mut out, &values, unknown.as_deref());
            if out.len() >= CHUNK && !send(&mut out) {
                return Ok(());
            }
        }
    } else {
        let total = if plan.metadata {
            Some(db.count(&sql::count(plan, dialect))?)
        } else {
            None
        };
        writer.begin(&mut out, total);
        let mut open = true;
        db.query(&stmt, &kinds, &mut |values: Vec<Value>, unknown| {
            writer.row(&mut out, &values, unknown.as_deref());
            if out.len() >= CHUNK {
                open = send(&mut out);
            }
            Ok(open)
        })?;
        if !open {
            return Ok(());
        }
    }
    writer.end(&mut out);
    send(&mut out);
    Ok(())
}

macro_rules! class_methods {
    ($($method:ident, $rec:ident, $query:ident, $class:literal;)*) => {
        impl Mirror {
            $(
                #[doc = concat!(
                    "A typed query of the mirror's `", $class, "` table: the builder of ",
                    "[`Client::", stringify!($method), "`](spacetrack::Client::", stringify!($method),
                    "), answered from the database (nothing is sent to Space-Track). Rows ",
                    "marked removed are left out unless [`include_removed`](spacetrack::", stringify!($query),
                    "::include_removed) is called."
                )]
                pub fn $method(&self) -> spacetrack::$query {
                    self.query::<spacetrack::$rec>().into()
                }
            )*
        }
    };
}

class_methods! {
    gp, Gp, GpQuery, "gp";
    gp_history, GpHistory, GpHistoryQuery, "gp_history";
    satcat, Satcat, SatcatQuery, "satcat";
    decay, Decay, DecayQuery, "decay";
    tip, Tip, TipQuery, "tip";
    cdm_public, CdmPublic, CdmPublicQuery, "cdm_public";
    boxscore, Boxscore, BoxscoreQuery, "boxscore";
    launch_site, LaunchSite, LaunchSiteQuery, "launch_site";
}

impl Mirror {
    /// The mirror as an [`Engine`] of the typed API.
    pub fn engine(&self) -> Arc<dyn Engine> {
        Arc::new(MirrorEngine {
            backend: self.backend.clone(),
            name: self.url.clone(),
        })
    }

    /// A typed query of any class the mirror keeps (an error when sent
    /// for another class), for code generic over the record type.
    pub fn query<R: Record>(&self) -> Query<R> {
        Query::with_engine(self.engine(), Async)
    }
}

/// The records of `rows` (every column of `table`, then `_unknown`),
/// decoded as the engine's answers are: rendered as Space-Track's JSON,
/// then decoded strictly into `R`.
pub(crate) fn records<R: Record>(
    table: &'static crate::tables::TableDef,
    rows: &[(Vec<Value>, Option<String>)],
) -> crate::Result<Vec<R>> {
    let info = spacetrack::schema::find_class(table.class, Some(table.controller))
        .ok_or_else(|| Error::UnknownClass(table.class.to_owned()))?;
    let plan = grammar::Plan {
        table,
        info,
        filters: Vec::new(),
        order: Vec::new(),
        limit: None,
        offset: 0,
        columns: (0..table.columns.len()).collect(),
        selected: false,
        distinct: false,
        metadata: false,
        empty_show: true,
        include_removed: false,
        format: Format::Json,
    };
    let mut writer = render::Writer::new(&plan);
    let mut out = String::new();
    writer.begin(&mut out, None);
    for (values, unknown) in rows {
        writer.row(&mut out, values, unknown.as_deref());
    }
    writer.end(&mut out);
    Ok(spacetrack::de::from_json_slice::<R>(out.as_bytes())?)
}
