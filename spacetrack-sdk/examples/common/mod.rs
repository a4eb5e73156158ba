//! Shared by the examples: the real Space-Track when `SPACETRACK_IDENTITY`
//! is set, otherwise the simulator embedded in this process, so that every
//! example runs without an account.

use spacetrack::Client;
use spacetrack_sim::Simulator;

/// A client, and the simulator behind it when there is one (it stops when
/// this is dropped).
pub struct Connection {
    pub client: Client,
    _sim: Option<Simulator>,
}

pub async fn connect() -> Result<Connection, Box<dyn std::error::Error>> {
    if std::env::var_os("SPACETRACK_IDENTITY").is_some() {
        let client = Client::from_env()?;
        eprintln!("Using Space-Track at {}", client.base_url());
        return Ok(Connection { client, _sim: None });
    }
    let sim = Simulator::builder().objects(5_000).start().await?;
    eprintln!(
        "SPACETRACK_IDENTITY is not set: using the embedded simulator at {}",
        sim.base_url()
    );
    let client = Client::builder()
        .base_url(sim.base_url())
        .allow_http(true) // loopback simulator only
        .identity(sim.identity())
        .password(sim.password())
        .build()?;
    Ok(Connection {
        client,
        _sim: Some(sim),
    })
}
