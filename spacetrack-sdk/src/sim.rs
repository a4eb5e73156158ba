//! Clients for the simulator (feature `sim`): `sim.client()` instead of
//! the six lines that point a builder at it.
//!
//! [`spacetrack_sim`] runs a Space-Track on loopback for tests, demos and
//! scripts. [`SimulatorExt`] gives its handle a ready client, a builder to
//! change first, and a blocking client; rate limits are off (the
//! simulator is no account to protect) unless the builder sets them.
//!
//! ```
//! use spacetrack::sim::SimulatorExt;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = spacetrack_sim::Simulator::builder().objects(50).start().await?;
//! let st = sim.client()?;
//! let iss = st.gp().norad_cat_id(25544).send().await?;
//! assert_eq!(iss.len(), 1);
//! # Ok(()) }
//! ```
//!
//! From blocking code, with the simulator on a runtime of its own:
//!
//! ```
//! use spacetrack::sim::SimulatorExt;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = spacetrack_sim::Simulator::builder().objects(50).start_blocking()?;
//! let st = sim.blocking_client()?;
//! let boxscore = st.boxscore().send()?;
//! assert!(!boxscore.is_empty());
//! # Ok(()) }
//! ```

pub use spacetrack_sim::{BlockingSimulator, SimBuilder, Simulator};

use crate::client::{Client, ClientBuilder};
use crate::error::Result;

/// Clients for a running simulator (see the [module](self) docs).
pub trait SimulatorExt {
    /// A builder pointed at the simulator with its account, plain HTTP
    /// allowed (loopback) and no rate limits; change anything before
    /// `build()`.
    fn client_builder(&self) -> ClientBuilder;

    /// A client for the simulator ([`client_builder`](Self::client_builder)
    /// built as it is).
    fn client(&self) -> Result<Client> {
        self.client_builder().build()
    }

    /// A blocking client for the simulator, for code without an async
    /// runtime (it runs its own).
    fn blocking_client(&self) -> Result<crate::blocking::Client> {
        crate::blocking::Client::from_async(self.client()?)
    }
}

impl SimulatorExt for Simulator {
    fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url())
            .allow_http(true)
            .identity(self.identity())
            .password(self.password())
            // No account to protect: a test or a demo runs at full speed.
            .rate_limits([])
    }
}

impl SimulatorExt for BlockingSimulator {
    fn client_builder(&self) -> ClientBuilder {
        (**self).client_builder()
    }
}
