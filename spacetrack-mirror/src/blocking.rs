//! The mirror without async, like `spacetrack::blocking`: the same typed
//! queries, sent with `send()` instead of `send().await`.
//!
//! ```no_run
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let m = spacetrack_mirror::blocking::Mirror::open("sqlite:st.db")?;
//! for gp in m.gp().norad_cat_id(25544).send()? {
//!     println!("{:?} {:?}", gp.object_name, gp.epoch);
//! }
//! # Ok(()) }
//! ```

use spacetrack::blocking::Blocking;
use spacetrack::{Query, Record};

use crate::{ClassStatus, ExportFormat, Result, SyncOptions, SyncReport};

/// A mirror whose calls block; it runs its own small runtime. Do not use
/// it inside an async runtime (that is an error, not a deadlock).
#[derive(Clone)]
pub struct Mirror {
    inner: crate::Mirror,
    mode: Blocking,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Mirror")
            .field(&self.inner)
            .finish()
    }
}

impl Mirror {
    /// Opens a mirror (see [`crate::Mirror::open`]).
    pub fn open(url: &str) -> Result<Mirror> {
        let mode = Blocking::new()?;
        let inner = mode.run(crate::Mirror::open(url))?;
        Ok(Mirror { inner, mode })
    }

    /// The async mirror this one drives.
    pub fn as_async(&self) -> &crate::Mirror {
        &self.inner
    }

    /// A typed query of any class the mirror keeps (see
    /// [`crate::Mirror::query`]).
    pub fn query<R: Record>(&self) -> Query<R, Blocking> {
        Query::with_engine(self.inner.engine(), self.mode.clone())
    }

    /// Syncs with `client` (see [`crate::Mirror::sync`]).
    pub fn sync(
        &self,
        client: &spacetrack::blocking::Client,
        opts: &SyncOptions,
    ) -> Result<SyncReport> {
        self.mode.run(self.inner.sync(client.as_async(), opts))
    }

    /// Per class: rows, removed rows, last and next sync (see
    /// [`crate::Mirror::status`]).
    pub fn status(&self) -> Result<Vec<ClassStatus>> {
        self.mode.run(self.inner.status())
    }

    /// Writes a class's rows (see [`crate::Mirror::export`]).
    pub fn export<W: std::io::Write + Send + 'static>(
        &self,
        class: &str,
        format: ExportFormat,
        out: W,
        include_removed: bool,
    ) -> Result<u64> {
        self.mode
            .run(self.inner.export(class, format, out, include_removed))
    }
}

macro_rules! class_methods {
    ($($method:ident, $rec:ident, $query:ident;)*) => {
        impl Mirror {
            $(
                #[doc = concat!("A blocking typed query of the mirror's `", stringify!($method), "` table (see [`crate::Mirror::", stringify!($method), "`]).")]
                pub fn $method(&self) -> spacetrack::$query<Blocking> {
                    self.query::<spacetrack::$rec>().into()
                }
            )*
        }
    };
}

class_methods! {
    gp, Gp, GpQuery;
    gp_history, GpHistory, GpHistoryQuery;
    satcat, Satcat, SatcatQuery;
    decay, Decay, DecayQuery;
    tip, Tip, TipQuery;
    cdm_public, CdmPublic, CdmPublicQuery;
    boxscore, Boxscore, BoxscoreQuery;
    launch_site, LaunchSite, LaunchSiteQuery;
}
