//! The sync engine: per class, fetch the least Space-Track allows and
//! apply it in transactions that also carry the class's new state.

/// `$body` with `$rec` the generated record type of the mirrored class
/// `$class` (the one list of mirrored classes and their records); an
/// unknown class returns [`crate::Error::UnknownClass`].
macro_rules! with_record {
    ($class:expr, $rec:ident => $body:expr) => {
        with_record!(@ $class, $rec => $body;
            "gp" => Gp, "gp_history" => GpHistory, "satcat" => Satcat, "decay" => Decay,
            "tip" => Tip, "cdm_public" => CdmPublic, "boxscore" => Boxscore,
            "launch_site" => LaunchSite)
    };
    (@ $class:expr, $rec:ident => $body:expr; $($name:literal => $ty:ident),*) => {
        match $class {
            $($name => {
                type $rec = spacetrack::$ty;
                $body
            })*
            other => return Err(crate::Error::UnknownClass(other.to_owned())),
        }
    };
}

mod diff;
mod digest;
mod gp;
mod history;
mod options;
mod rows;
mod run;
mod strategies;
mod tasks;
mod typed;

pub use options::{ClassReport, Outcome, SyncOptions, SyncReport};
pub(crate) use rows::text_of;
pub(crate) use tasks::classes;

/// The progress text of a gp_history range pulled from `from` to `to`
/// (both days included), whose windows are done.
pub(crate) fn history_progress(from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    history::Range::done_through(from, to).text()
}

/// Table rows of typed records, converted off the async threads.
pub(crate) async fn typed_rows<R: spacetrack::Record>(
    t: &'static crate::tables::TableDef,
    records: Vec<R>,
) -> crate::Result<Vec<crate::backend::Row>> {
    tokio::task::spawn_blocking(move || {
        let columns = typed::columns_of::<R>(t);
        records
            .into_iter()
            .map(|r| typed::row_of(t, &columns, r))
            .collect()
    })
    .await
    .map_err(|e| crate::Error::Task(e.to_string()))?
}

/// The gp_history range a sync state's progress records: its first day
/// and the day its pulled windows reach.
pub(crate) fn history_range(progress: &str) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    history::Range::parse(progress).map(|r| (r.from, r.done))
}

use crate::Error;

/// Whether an error stops the whole sync rather than one class: what
/// concerns the account (credentials, rate limits, the shared limiter) or
/// the database would only fail again, or cost the account, for the next
/// class.
pub(crate) fn stops_the_sync(e: &Error) -> bool {
    use spacetrack::Error as Api;
    match e {
        Error::Api(api) => matches!(
            api,
            Api::Auth(_) | Api::RateLimited { .. } | Api::Store(_) | Api::Config(_)
        ),
        Error::Database(_) | Error::Task(_) | Error::Url(_) => true,
        _ => false,
    }
}
