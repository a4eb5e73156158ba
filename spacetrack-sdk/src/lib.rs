//! # spacetrack
//!
//! A strongly typed async client for [Space-Track.org](https://www.space-track.org),
//! generated from Space-Track's own `modeldef` schemas.
//!
//! Every request class (`gp`, `satcat`, `decay`, `tip`, `cdm_public`, ...) has a
//! record struct with Rust-typed fields (such as [`Gp`]), a field enum (such as
//! [`GpField`]) and a fluent query builder whose predicate methods take the
//! column's own type:
//!
//! ```no_run
//! use spacetrack::{op, GpField};
//!
//! # async fn demo() -> spacetrack::Result<()> {
//! let st = spacetrack::Client::from_env()?; // SPACETRACK_IDENTITY / SPACETRACK_PASSWORD
//! let iss: Vec<spacetrack::Gp> = st.gp().norad_cat_id(25544).send().await?;
//! let recent = st
//!     .gp()
//!     .epoch(op::gt(op::now_minus_days(1)))
//!     .mean_motion(0.99..=1.01)
//!     .order_by(GpField::Epoch.desc())
//!     .limit(100)
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The examples below run against the simulator of the `spacetrack-sim`
//! crate, a local HTTP server that behaves like Space-Track; the hidden
//! lines of each start one and point `st` at it. Against the real service,
//! use [`Client::from_env`] or [`Client::new`].
//!
//! ## The query builder
//!
//! `st.<class>()` starts the class's own builder ([`GpQuery`],
//! [`SatcatQuery`], ...: one page per class, listing its filters with each
//! column's type and meaning). Each column is a method; `order_by`,
//! `limit`, `offset`, `distinct` and `select` shape the answer; `send`
//! decodes it and `first` returns the first record or `None`. Nothing is
//! sent before `send` (or `stream`, `paginate`, `lines`, ...). Every builder
//! converts into the generic [`Query`] for code that handles any class.
//!
//! ```
//! use spacetrack::{SatcatField, op};
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
//! # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
//! #     .identity(sim.identity()).password(sim.password()).build()?;
//! let payloads = st
//!     .satcat()
//!     .object_type("PAYLOAD")
//!     .country("US")
//!     .launch(op::gt(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()))
//!     .order_by(SatcatField::Launch.desc())
//!     .limit(10)
//!     .send()
//!     .await?;
//! assert!(payloads.len() <= 10);
//! for s in &payloads {
//!     assert_eq!(s.object_type.as_deref(), Some("PAYLOAD"));
//! }
//! // The URL it requested, for logs and for the curious:
//! let url = st.satcat().object_type("PAYLOAD").limit(10).url()?;
//! assert!(url.ends_with("/basicspacedata/query/class/satcat/object_type/PAYLOAD/limit/10/format/json"));
//! # Ok(()) }
//! ```
//!
//! ## Operators
//!
//! A predicate method accepts a value of the column's type, a list
//! (`[a, b]`, any of), a range (`a..=b`), `None` (null) or an operator from
//! [`op`]:
//!
//! | Rust | Space-Track |
//! |---|---|
//! | `.norad_cat_id(25544)` | `25544` |
//! | `.norad_cat_id([25544, 20580])` | `25544,20580` |
//! | `.mean_motion(0.99..=1.01)`, `op::range(a, b)` (alias `op::between`) | `0.99--1.01` |
//! | `op::gt(x)`, `op::lt(x)`, `op::ne(x)` | `>x`, `<x`, `<>x` |
//! | `op::like("DEB")` (alias `op::contains`), `op::starts_with("STARLINK")` | `~~DEB`, `^STARLINK` |
//! | `None`, `op::null()`, `op::not_null()` | `null-val`, `<>null-val` |
//! | `op::now()`, `op::now_minus_days(7)`, `op::now_plus_days(1.5)` (date columns only) | `now`, `now-7`, `now+1.5` |
//! | `op::gt(1).or(op::lt(-1))`, `op::any_of(...)` | `>1,<-1` |
//!
//! Values are percent-encoded, so no value can add a path segment.
//!
//! ## What each column type accepts
//!
//! | column type (Rust field) | accepts |
//! |---|---|
//! | integer (`u32`, `i64`, ...) | any integer type (`25544`, a `u16`, an `i64`, a `usize`), range-checked: a value out of the column's range is [`Error::InvalidArgument`] when sent, never truncated (a bare literal is typed `i32`: write `4_294_967_296u64` beyond it) |
//! | decimal (`f64`) | `f64`, and integer types `f64` holds exactly (`i32`, `u32` and smaller); operators take an `f64` (`op::gt(1.0)`) |
//! | text (`String`) | `&str`, `String`, `&String` |
//! | date (`NaiveDate`) | `NaiveDate`, [`op::now`] and its offsets |
//! | datetime (`DateTime<Utc>`) | `DateTime<Utc>`, a `NaiveDate` (that whole day, UTC; `d1..=d2` covers both days; in an operator such as `op::gt(day)`, its midnight), [`op::now`] and its offsets |
//! | enum (`GpObjectType`, ...) | the enum |
//! | every type | `None` (null), a reference to an accepted value (`&T`), an operator from [`op`] on the column's type, and lists of the accepted value types: arrays, `&[T]`, `Vec<T>`, `&Vec<T>`, `&[T; N]` (text: also of `&str`); inclusive ranges `a..=b`; any iterator through [`op::one_of`], of values or references |
//!
//! ```
//! use chrono::NaiveDate;
//! use spacetrack::op;
//! # fn demo(st: spacetrack::Client) {
//! let ids: Vec<u32> = vec![25544, 20580];
//! let from_db: i64 = 43013;
//! let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
//! st.gp().norad_cat_id(&ids[..]);                      // a slice
//! st.gp().norad_cat_id(&ids);                          // &Vec<u32>
//! st.gp().norad_cat_id(op::one_of(ids.iter().copied())); // any iterator
//! st.gp().norad_cat_id(op::one_of(ids.iter()));        // ... of references too
//! let small: Vec<u16> = vec![5, 6];
//! st.gp().norad_cat_id(op::one_of(small.iter()));      // &u16 items on a u32 column
//! st.gp().norad_cat_id(&ids[0]);                       // &u32
//! st.gp().norad_cat_id(from_db);                       // i64 on a u32 column
//! st.gp().norad_cat_id(7u16..=9u16);                   // a u16 range
//! st.gp().mean_motion(15);                             // an integer on a decimal column
//! st.gp().epoch(day);                                  // all of 2026-11-01, UTC
//! st.gp().epoch(op::gt(day));
//! st.gp().object_type(vec!["PAYLOAD".to_string()].as_slice());
//! st.gp().limit(ids.len()).offset(2u8);                // any unsigned integer
//! # }
//! ```
//!
//! An integer out of the column's range fails when the query is sent, and
//! nothing reaches the server:
//!
//! ```
//! # fn demo(st: spacetrack::Client) {
//! let q = st.gp().norad_cat_id(-1);
//! assert!(matches!(q.url(), Err(spacetrack::Error::InvalidArgument(_))));
//! let q = st.gp().norad_cat_id(u64::MAX);
//! assert!(q.url().unwrap_err().to_string().contains("out of range"));
//! # }
//! ```
//!
//! ```
//! use spacetrack::op;
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
//! # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
//! #     .identity(sim.identity()).password(sim.password()).build()?;
//! let debris_soon = st
//!     .gp()
//!     .object_name(op::like("DEB"))
//!     .periapsis(op::lt(300.0))
//!     .decay_date(None)
//!     .epoch(op::gt(op::now_minus_days(30)))
//!     .send()
//!     .await?;
//! assert!(debris_soon.iter().all(|g| g.object_name.as_deref().unwrap_or("").contains("DEB")));
//! # Ok(()) }
//! ```
//!
//! ## Formats
//!
//! `send` decodes JSON into records. [`Query::send_text`] asks for a text
//! [`Format`] (`csv`, `xml`, `html`, `tle`, `3le`, `kvn`) and normalises line
//! endings; [`Query::send_json`] returns the JSON untouched; `select` keeps
//! some columns and returns JSON objects ([`Projection`]).
//!
//! An answer that matched nothing is empty whichever way it is read: no
//! record, `""` from `send_text`, no line from `lines`, no byte from
//! `bytes` and `send_bytes`. Space-Track's `NO RESULTS RETURNED` (its text
//! answer with [`Query::empty_result_show`]) is never handed on as data;
//! [`Query::send_text_answer`] says in its type ([`TextAnswer::NoResults`])
//! that nothing matched.
//!
//! ```
//! use spacetrack::{Format, GpField};
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
//! # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
//! #     .identity(sim.identity()).password(sim.password()).build()?;
//! let tle = st.gp().norad_cat_id(25544).send_text(Format::ThreeLe).await?;
//! assert!(tle.starts_with("0 ISS (ZARYA)\n1 25544U"));
//!
//! let rows = st
//!     .gp()
//!     .norad_cat_id(25544)
//!     .select([GpField::NoradCatId, GpField::Epoch])
//!     .send()
//!     .await?;
//! assert_eq!(rows[0].len(), 2);
//! # Ok(()) }
//! ```
//!
//! ## Streaming
//!
//! [`Query::stream`] yields records as they arrive, holding one at a time:
//! a gp_history download of gigabytes runs in a few megabytes. A body cut
//! short is an error at the end of the stream, never a shorter list.
//! [`Query::lines`] does the same for text formats.
//!
//! ```
//! use futures_util::TryStreamExt;
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
//! # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
//! #     .identity(sim.identity()).password(sim.password()).build()?;
//! let mut history = st.gp_history().norad_cat_id(25544).stream().await?;
//! let mut n = 0;
//! while let Some(gp) = history.try_next().await? {
//!     assert_eq!(gp.norad_cat_id, 25544);
//!     n += 1;
//! }
//! assert!(n > 0);
//! # Ok(()) }
//! ```
//!
//! ## Rate limits and retries
//!
//! Space-Track allows fewer than 30 requests a minute and 300 an hour per
//! account. Every request waits its turn in the account's ledger
//! ([`ratelimit`]): every client of one identity and server in the process
//! shares it, processes of a machine can share it through a
//! `ratelimit::FileStore` and machines through Redis
//! (`ratelimit::RedisStore`, feature `redis`). Logins run one at a time per
//! account, and refused credentials are not retried for a while (see
//! [`LoginPolicy`]). A rate-limit answer from the server is retried after
//! a minute, and connection failures and 502/503/504 with backoff
//! ([`RetryPolicy`]). [`ClientBuilder::on_wait`] reports every wait.
//!
//! ```
//! use std::time::Duration;
//! use spacetrack::{Client, Rate, RetryPolicy};
//!
//! let st = Client::builder()
//!     .identity("me@example.com")
//!     .password(std::env::var("MY_PASSWORD").unwrap_or_default())
//!     // A stricter budget of our own, on top of Space-Track's two limits.
//!     .extra_rate_limit(Rate::new(10, Duration::from_secs(60)))
//!     .retry(RetryPolicy { rate_limit_retries: 1, ..RetryPolicy::default() })
//!     .on_wait(|w| eprintln!("waiting {:?} ({:?})", w.duration, w.reason))
//!     .build();
//! # let _ = st;
//! ```
//!
//! ## Sessions shared between processes
//!
//! A login is a request Space-Track asks clients to make rarely: one
//! session, reused until it expires. With
//! [`ClientBuilder::session_store`] (a [`FileSessionStore`] is what the
//! command line uses) the processes of an account adopt one stored session
//! instead of logging in, renew it once when Space-Track expires it, and
//! share a refusal of the credentials. A login runs as a task of its own:
//! a caller cancelled while it is in flight does not cancel it, and its
//! outcome serves the next caller.
//!
//! ## What the client says
//!
//! Through `tracing` (no output of its own): each request at `info` once
//! its answer is read (`GET <url> -> 200: 48213 bytes in 312 ms`, the
//! limiter's wait before it, logins and failed attempts too), headers
//! without cookies at `debug`, a wait over a second at `info` as it starts
//! (with the limit that holds it and how much of it other processes or
//! machines used), retries and usage-guidance notes at `warn`. No event
//! holds a password or a session cookie.
//!
//! ## Errors
//!
//! Every failure is one [`Error`], with a variant per kind: refused
//! credentials ([`Error::Auth`]), Space-Track's error answers
//! ([`Error::Api`], [`Error::RateLimited`]), undecodable data naming the
//! column, value and record ([`Error::Decode`]), transport and timeouts,
//! invalid arguments, configuration, local files. No error holds the
//! password or the session cookie.
//!
//! ```
//! use spacetrack::Error;
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = spacetrack_sim::Simulator::builder().objects(50).start().await?;
//! let st = spacetrack::Client::builder()
//!     .base_url(sim.base_url())
//!     .allow_http(true)
//!     .identity(sim.identity())
//!     .password(format!("{}-but-wrong", sim.password()))
//!     .build()?;
//! match st.gp().norad_cat_id(25544).send().await {
//!     Err(Error::Auth(message)) => eprintln!("check your credentials: {message}"),
//!     Err(Error::RateLimited { .. }) => eprintln!("try again in an hour"),
//!     Err(e @ Error::Decode(_)) => eprintln!("Space-Track changed the class? {e}"),
//!     Err(other) => return Err(other.into()),
//!     Ok(_) => unreachable!("the password is wrong"),
//! }
//! # Ok(()) }
//! ```
//!
//! ## More
//!
//! * [`blocking`]: the same API without async.
//! * [`files`]: fileshare and spephemeris uploads and downloads, public files.
//! * [`Client::get_predicates`] and [`Client::schema_drift`]: the live
//!   `modeldef` of a class, compared with this build's schemas.
//! * [`Client::request`]: untyped queries of any class.
//! * Feature `sgp4`: `gp` and `gp_history` records convert to
//!   `sgp4::Elements` (see `orbit`); the crate is re-exported as
//!   `spacetrack::sgp4`, so its version cannot drift from the one
//!   converted to.
//! * Feature `redis`: a rate limit shared by processes.
//!
//! ## What does not compile
//!
//! A misspelled column:
//!
//! ```compile_fail,E0599
//! # fn demo(st: spacetrack::Client) {
//! st.gp().norad_catid(25544);
//! # }
//! ```
//!
//! A value of the wrong type:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().norad_cat_id("25544");
//! # }
//! ```
//!
//! A decimal where an integer is expected, or an integer `f64` cannot hold
//! exactly:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().norad_cat_id(25544.0);
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().mean_motion(15u64);
//! # }
//! ```
//!
//! A number on a text column, a list of the wrong type, an iterator
//! without [`op::one_of`]:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().object_name(25544);
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! let names = vec!["ISS"];
//! st.gp().norad_cat_id(&names);
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! let ids = vec![25544u32];
//! st.gp().norad_cat_id(ids.iter().copied());
//! # }
//! ```
//!
//! A date column wants a date, and `now` only works on dates:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().epoch(5);
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().mean_motion(spacetrack::op::gt(spacetrack::op::now()));
//! # }
//! ```
//!
//! A date column does not take a datetime (it would lose the time):
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.satcat().launch(chrono::Utc::now());
//! # }
//! ```
//!
//! A filter of another class (each builder has only its own columns):
//!
//! ```compile_fail,E0599
//! # fn demo(st: spacetrack::Client) {
//! st.boxscore().norad_cat_id(25544);
//! # }
//! ```
//!
//! Sorting takes the class's own field enum:
//!
//! ```compile_fail,E0599
//! # fn demo(st: spacetrack::Client) {
//! st.gp().order_by(spacetrack::GpField::Epok.desc());
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().order_by(spacetrack::SatcatField::Launch);
//! # }
//! ```

#![warn(missing_docs)]

mod class_query;
mod client;
pub mod de;
mod elements;
pub mod engine;
mod error;
pub mod files;
pub mod guidance;
pub mod modeldef;
pub mod op;
#[cfg(feature = "sgp4")]
pub mod orbit;
pub mod query;
pub mod ratelimit;
mod request;
pub mod schema;
#[cfg(feature = "sim")]
pub mod sim;

/// The generated typed layer: one record struct, field enum and set of
/// predicate methods per class in `schemas/`.
#[allow(clippy::all)]
#[macro_use]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

// After `generated`: it uses the generated `for_each_class!`.
pub mod blocking;

pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_LINE_BYTES,
    DEFAULT_TIMEOUT, FileSessionStore, LoginPolicy, Refusal, RetryPolicy, SessionStore,
};
pub use de::UnknownColumns;
pub use error::{DecodeError, Error, Result};
pub use files::{Download, PublicFile, Upload};
pub use generated::*;
pub use modeldef::{ModeldefColumn, SchemaDrift};
pub use query::{
    Async, Format, Mode, Order, Page, Partial, Plan, PlannedRequest, Progress, Projection, Query,
    RawQuery, TextAnswer,
};
pub use ratelimit::Rate;
pub use request::MAX_URL_BYTES;
pub use schema::{Cell, ClassInfo, ColumnInfo, Field, IntoCell, Record, Semantic};

/// The [`sgp4`](https://docs.rs/sgp4) crate that `gp` and `gp_history`
/// records convert to (feature `sgp4`), re-exported: name it as
/// `spacetrack::sgp4` and its version always matches the one the
/// conversions are written for, whatever `sgp4` the application depends on.
///
/// ```
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sim = spacetrack_sim::Simulator::builder().objects(500).start().await?;
/// # let st = spacetrack::Client::builder().base_url(sim.base_url()).allow_http(true)
/// #     .identity(sim.identity()).password(sim.password()).build()?;
/// use spacetrack::sgp4;
///
/// let iss = st.gp().norad_cat_id(25544).first().await?.expect("the ISS is in the catalog");
/// let elements = sgp4::Elements::try_from(&iss)?;
/// let constants = sgp4::Constants::from_elements(&elements)?;
/// let [x, y, z] = constants.propagate(sgp4::MinutesSinceEpoch(90.0))?.position;
/// assert!((6_000.0..8_000.0).contains(&(x * x + y * y + z * z).sqrt())); // km from the centre
/// # Ok(()) }
/// ```
#[cfg(feature = "sgp4")]
pub use sgp4;

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
