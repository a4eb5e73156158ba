//! A worker process for the shared-limiter test: sends N queries to a
//! simulator through a client whose limiter state lives in Redis (or, with
//! `memory`, in this process only).
//!
//! ```text
//! limit-worker BASE_URL IDENTITY REDIS_URL|memory|file:DIR PREFIX N
//! ```
//! The password comes from `SPACETRACK_PASSWORD` so it never appears in a
//! process listing.

use std::sync::Arc;
use std::time::Duration;

use spacetrack::Rate;
use spacetrack::ratelimit::{FileStore, LimiterStore, MemoryStore, RedisStore};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, identity, store, prefix, n] = args.as_slice() else {
        eprintln!("usage: limit-worker BASE_URL IDENTITY REDIS_URL|memory|file:DIR PREFIX N");
        std::process::exit(2);
    };
    let password = std::env::var("SPACETRACK_PASSWORD").expect("SPACETRACK_PASSWORD");
    let store: Arc<dyn LimiterStore> = if store == "memory" {
        Arc::new(MemoryStore::new())
    } else if let Some(dir) = store.strip_prefix("file:") {
        Arc::new(FileStore::new(dir))
    } else {
        Arc::new(RedisStore::connect(store, prefix).await.expect("redis"))
    };
    let st = spacetrack::Client::builder()
        .base_url(base)
        .allow_http(true)
        .identity(identity)
        .password(password)
        .rate_limits([Rate::new(10, Duration::from_secs(2)).burst(2)])
        .limiter_store(store)
        .build()
        .expect("client");
    for _ in 0..n.parse::<usize>().expect("N") {
        st.launch_site().limit(1).send().await.expect("query");
    }
}
