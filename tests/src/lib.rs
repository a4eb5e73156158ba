//! Helpers shared by the end-to-end tests.

use spacetrack::Client;
use spacetrack_sim::Simulator;

/// Starts a simulator with `objects` objects and a client for it.
pub async fn sim_and_client(objects: usize) -> (Simulator, Client) {
    let sim = Simulator::builder()
        .objects(objects)
        .start()
        .await
        .expect("simulator starts");
    let client = client_for(&sim);
    (sim, client)
}

/// A client logged into `sim`'s account.
pub fn client_for(sim: &Simulator) -> Client {
    Client::builder()
        .base_url(sim.base_url())
        .allow_http(true)
        .identity(sim.identity())
        .password(sim.password())
        .build()
        .expect("client builds")
}

/// How many login requests `sim` received.
pub fn logins(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.ends_with("ajaxauth/login"))
        .count()
}

/// Paths of the query requests `sim` received.
pub fn query_paths(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.contains("/query/"))
        .map(|r| r.path)
        .collect()
}
