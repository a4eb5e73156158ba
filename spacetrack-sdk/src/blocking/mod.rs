//! A blocking client, for scripts and programs without an async runtime
//! (like `reqwest::blocking`).
//!
//! It has the same typed queries, sent without `.await`:
//!
//! ```no_run
//! # fn demo() -> spacetrack::Result<()> {
//! use spacetrack::GpHistoryField;
//!
//! let st = spacetrack::blocking::Client::from_env()?;
//! let iss = st.gp().norad_cat_id(25544).send()?;
//! for gp in st.gp_history().norad_cat_id(25544).order_by(GpHistoryField::Epoch.desc()).stream()? {
//!     println!("{:?}", gp?.epoch);
//! }
//! # Ok(()) }
//! ```
//!
//! Everything else the async [`crate::Client`] offers is reachable through
//! [`Client::run`]. The client runs its own small Tokio runtime; it must
//! not be used from inside an async runtime (that is an error, not a
//! deadlock or a panic). Dropping the last handle logs out.

mod query;

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::query::Query;
use crate::schema::Record;

pub use query::Iter;
pub(crate) use query::blocking_builder;

/// The runtime and the async client it drives (none for a query answered
/// by an engine).
struct Shared {
    client: Option<crate::Client>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        let Some(rt) = self.runtime.take() else {
            return;
        };
        if let (Err(_), Some(client)) = (tokio::runtime::Handle::try_current(), &self.client) {
            let client = client.clone();
            let _ = rt.block_on(async move {
                tokio::time::timeout(Duration::from_secs(10), client.logout()).await
            });
        }
        rt.shutdown_background();
    }
}

/// The blocking [`Mode`](crate::query::Mode) of a [`Query`]: sent with
/// `send()` instead of `send().await`.
#[derive(Clone)]
pub struct Blocking {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Blocking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blocking")
    }
}

impl Blocking {
    /// A blocking mode on a small runtime of its own, for queries answered
    /// by an [`Engine`](crate::engine::Engine) (see
    /// [`Query::with_engine`](crate::Query::with_engine)). The blocking
    /// [`Client`] has one already.
    pub fn new() -> Result<Blocking> {
        Ok(Blocking {
            shared: Arc::new(Shared {
                client: None,
                runtime: Some(runtime()?),
            }),
        })
    }

    /// Runs `f` to completion on this mode's runtime (an error when called
    /// inside an async runtime). `E` is any error that can say so.
    pub fn run<T, E: From<Error>>(
        &self,
        f: impl std::future::Future<Output = std::result::Result<T, E>>,
    ) -> std::result::Result<T, E> {
        self.block_on(f)?
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> Result<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Config(
                "the blocking client cannot run inside an async runtime; use spacetrack::Client there"
                    .into(),
            ));
        }
        let rt = self
            .shared
            .runtime
            .as_ref()
            .ok_or_else(|| Error::Config("the blocking runtime is shut down".into()))?;
        let mut out = None;
        run_erased(
            rt,
            Box::pin(async {
                out = Some(f.await);
            }),
        );
        out.ok_or_else(|| {
            Error::Config("the blocking runtime stopped a call before it ended".into())
        })
    }
}

/// The runtime every blocking mode runs on: one worker thread.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("spacetrack-blocking")
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the blocking runtime: {e}")))
}

/// Runs one type-erased future to completion. Every blocking call goes
/// through this one instantiation of tokio's `block_on`: instantiating it
/// per call site (hundreds of generated methods) made the crate's
/// optimised build several times slower and its code several MB larger.
fn run_erased(
    rt: &tokio::runtime::Runtime,
    f: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>,
) {
    rt.block_on(f)
}

/// A blocking Space-Track client. Cheap to clone; clones share the session
/// and the runtime.
#[derive(Clone)]
pub struct Client {
    client: crate::Client,
    mode: Blocking,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.client)
            .finish()
    }
}

/// Builds a blocking [`Client`] with every option of the async
/// [`ClientBuilder`](crate::ClientBuilder), like `reqwest::blocking`.
///
/// ```no_run
/// # fn demo() -> spacetrack::Result<()> {
/// use std::time::Duration;
/// let st = spacetrack::blocking::Client::builder()
///     .identity("me@example.com")
///     .password(std::env::var("SPACETRACK_PASSWORD").unwrap_or_default())
///     .timeout(Duration::from_secs(60))
///     .build()?;
/// let iss = st.gp().norad_cat_id(25544).first()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder(crate::ClientBuilder);

macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        $(#[$doc])*
        pub fn $name(self, $($arg: $ty),*) -> Self {
            ClientBuilder(self.0.$name($($arg),*))
        }
    )*};
}

impl ClientBuilder {
    forward! {
        /// See [`crate::ClientBuilder::identity`].
        identity(identity: impl Into<String>);
        /// See [`crate::ClientBuilder::password`].
        password(password: impl Into<String>);
        /// See [`crate::ClientBuilder::base_url`].
        base_url(url: impl Into<String>);
        /// See [`crate::ClientBuilder::allow_http`].
        allow_http(allow: bool);
        /// See [`crate::ClientBuilder::http_client`].
        http_client(client: reqwest::Client);
        /// See [`crate::ClientBuilder::timeout`].
        timeout(timeout: Duration);
        /// See [`crate::ClientBuilder::rate_limits`].
        rate_limits(rates: impl IntoIterator<Item = crate::Rate>);
        /// See [`crate::ClientBuilder::extra_rate_limit`].
        extra_rate_limit(rate: crate::Rate);
        /// See [`crate::ClientBuilder::limiter_store`].
        limiter_store(store: Arc<dyn crate::ratelimit::LimiterStore>);
        /// See [`crate::ClientBuilder::login_policy`].
        login_policy(policy: crate::LoginPolicy);
        /// See [`crate::ClientBuilder::max_answer_bytes`].
        max_answer_bytes(bytes: u64);
        /// See [`crate::ClientBuilder::max_line_bytes`].
        max_line_bytes(bytes: u64);
        /// See [`crate::ClientBuilder::on_wait`].
        on_wait(observer: impl Fn(&crate::ratelimit::Wait) + Send + Sync + 'static);
        /// See [`crate::ClientBuilder::retry`].
        retry(policy: crate::RetryPolicy);
        /// See [`crate::ClientBuilder::modeldef_cache_dir`].
        modeldef_cache_dir(dir: Option<std::path::PathBuf>);
    }

    /// Builds the client and its runtime. Nothing is sent until the first
    /// query. Call it outside any async runtime.
    pub fn build(self) -> Result<Client> {
        Client::from_async(self.0.build()?)
    }
}

impl Client {
    /// A [`ClientBuilder`] with the async builder's options.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Wraps a configured async client (see [`crate::Client::builder`]).
    pub fn from_async(client: crate::Client) -> Result<Client> {
        Ok(Client {
            mode: Blocking {
                shared: Arc::new(Shared {
                    client: Some(client.clone()),
                    runtime: Some(runtime()?),
                }),
            },
            client,
        })
    }

    /// A client from `SPACETRACK_IDENTITY` and `SPACETRACK_PASSWORD` (see
    /// [`crate::Client::from_env`]).
    pub fn from_env() -> Result<Client> {
        Client::from_async(crate::Client::from_env()?)
    }

    /// A client for Space-Track with these credentials.
    pub fn new(identity: impl Into<String>, password: impl Into<String>) -> Result<Client> {
        Client::from_async(crate::Client::new(identity, password)?)
    }

    fn inner(&self) -> &crate::Client {
        &self.client
    }

    /// The async client this one drives, for APIs that take one (such as
    /// `spacetrack-mirror`'s sync). Its futures must run on a Tokio
    /// runtime; [`run`](Self::run) runs them here.
    pub fn as_async(&self) -> &crate::Client {
        &self.client
    }

    /// Runs any async operation of the client to completion:
    ///
    /// ```no_run
    /// # fn demo(st: spacetrack::blocking::Client) -> spacetrack::Result<()> {
    /// let bytes = st.run(|c| async move { c.fileshare_download().file_id(7).send().await })?;
    /// # Ok(()) }
    /// ```
    pub fn run<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(crate::Client) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        self.mode.block_on(f(self.inner().clone()))?
    }

    pub(crate) fn query<R: Record>(&self) -> Query<R, Blocking> {
        Query::with_mode(self.inner().clone(), self.mode.clone())
    }

    /// Logs in now.
    pub fn login(&self) -> Result<()> {
        self.run(|c| async move { c.login().await })
    }

    /// Logs out (see [`crate::Client::close`]).
    pub fn close(self) -> Result<()> {
        self.run(|c| async move { c.logout().await })
    }

    /// See [`crate::Client::get_predicates`].
    pub fn get_predicates(&self, class: &str) -> Result<Arc<[crate::ModeldefColumn]>> {
        let class = class.to_owned();
        self.run(|c| async move { c.get_predicates(&class).await })
    }

    /// See [`crate::Client::schema_drift`].
    pub fn schema_drift(&self, class: &str) -> Result<crate::SchemaDrift> {
        let class = class.to_owned();
        self.run(|c| async move { c.schema_drift(&class).await })
    }

    /// See [`crate::Client::upload`].
    pub fn upload(&self, folder_id: u64, file: crate::Upload) -> Result<String> {
        self.run(|c| async move { c.upload(folder_id, file).await })
    }

    /// See [`crate::Client::public_dirs`].
    pub fn public_dirs(&self) -> Result<Vec<String>> {
        self.run(|c| async move { c.public_dirs().await })
    }

    /// See [`crate::Client::public_files`].
    pub fn public_files(&self) -> Result<Vec<crate::PublicFile>> {
        self.run(|c| async move { c.public_files().await })
    }
}

macro_rules! blocking_class_methods {
    ($rec:ident, $field:ident, $query:ident, $method:ident, $controller:literal, $class:literal) => {
        impl Client {
            #[doc = concat!("Starts a blocking query on `", $controller, "/", $class, "`, returning [`", stringify!($rec), "`](crate::", stringify!($rec), ") records.")]
            pub fn $method(&self) -> crate::$query<Blocking> {
                crate::$query::new(self.query())
            }
        }
    };
}
for_each_class!(blocking_class_methods);
