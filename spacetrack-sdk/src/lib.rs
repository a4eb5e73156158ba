//! # spacetrack
//!
//! A strongly typed async client for [Space-Track.org](https://www.space-track.org),
//! generated from Space-Track's own `modeldef` schemas.
//!
//! Every request class (`gp`, `satcat`, `decay`, `cdm_public`, ...) has a
//! record struct with Rust-typed fields, a field enum and a fluent query
//! builder whose predicate methods take the column's own type:
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
//! A misspelled column does not compile:
//!
//! ```compile_fail,E0599
//! # fn demo(st: spacetrack::Client) {
//! st.gp().norad_catid(25544);
//! # }
//! ```
//!
//! Nor does a value of the wrong type:
//!
//! ```compile_fail,E0277
//! # fn demo(st: spacetrack::Client) {
//! st.gp().norad_cat_id("25544");
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
//!
//! See [`op`] for operators, [`Format`] for text formats and
//! [`Client::request`] for classes without a schema.

#![warn(missing_docs)]

mod auth;
mod client;
pub mod de;
mod error;
pub mod files;
pub mod modeldef;
pub mod op;
#[cfg(feature = "sgp4")]
pub mod orbit;
pub mod query;
pub mod ratelimit;
pub mod schema;
mod stream;

/// The generated typed layer: one record struct, field enum and set of
/// predicate methods per class in `schemas/`.
#[allow(missing_docs, clippy::all)]
#[macro_use]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

// After `generated`: it uses the generated `for_each_class!`.
pub mod blocking;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, RetryPolicy};
pub use error::{DecodeError, Error, Result};
pub use files::{Download, PublicFile, Upload};
pub use generated::*;
pub use modeldef::{ModeldefColumn, SchemaDrift};
pub use query::{Async, Format, Mode, Order, Page, Projection, Query, RawQuery};
pub use ratelimit::Rate;
pub use schema::{ClassInfo, ColumnInfo, Field, Record};

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
