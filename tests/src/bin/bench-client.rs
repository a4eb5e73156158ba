//! The Rust side of the end-to-end benchmark (bench/run.sh): one mode per
//! process, so that peak memory belongs to that mode alone.
//!
//! bench-client MODE RUNS, with SPACETRACK_* pointing at a simulator.
//! Prints one JSON object per run, then one with the peak RSS.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use futures_util::TryStreamExt;
use spacetrack::Format;

/// The system allocator, counting live heap bytes and their peak, so that
/// `*-heap` modes can compare send()'s peak with the records it returns.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only counters are
// added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU seconds (user + system, all threads) used by this process so far.
fn cpu_seconds() -> f64 {
    // /proc/self/stat: fields 14 and 15 are utime and stime in clock ticks
    // (100 per second on Linux), after the parenthesised command name.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().ok_or("usage: bench-client MODE RUNS")?;
    let runs: usize = args.next().map_or(Ok(1), |r| r.parse())?;
    // The simulator has no limits to respect; the real defaults would
    // only add waits to the figures.
    let st = spacetrack::Client::builder()
        .identity(std::env::var("SPACETRACK_IDENTITY")?)
        .password(std::env::var("SPACETRACK_PASSWORD")?)
        .base_url(std::env::var("SPACETRACK_BASE_URL")?)
        .allow_http(true)
        .rate_limits([])
        .modeldef_cache_dir(None)
        .build()?;
    st.login().await?;
    if let Some(which) = mode.strip_suffix("-heap") {
        // The records' heap (live bytes after send minus before) and the
        // heap's peak above the same baseline during send.
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let n = match which {
            "gp" => heap_of(st.gp().send().await?),
            "history" => heap_of(st.gp_history().send().await?),
            other => return Err(format!("unknown mode {other}-heap").into()),
        };
        let (records, peak) = n;
        println!(
            "{{\"client\":\"rust\",\"mode\":\"{mode}\",\"records_heap\":{},\"peak_heap\":{}}}",
            records - base,
            peak - base
        );
        return Ok(());
    }
    for run in 0..runs {
        let t = Instant::now();
        let cpu = cpu_seconds();
        let records = match mode.as_str() {
            "gp-send" => st.gp().send().await?.len(),
            "gp-stream" => count(st.gp().stream().await?).await?,
            "history-send" => st.gp_history().send().await?.len(),
            "history-stream" => count(st.gp_history().stream().await?).await?,
            "history-lines" => count(st.gp_history().lines(Format::ThreeLe).await?).await?,
            other => return Err(format!("unknown mode {other}").into()),
        };
        println!(
            "{{\"client\":\"rust\",\"mode\":\"{mode}\",\"run\":{run},\"seconds\":{:.4},\"cpu_seconds\":{:.2},\"records\":{records}}}",
            t.elapsed().as_secs_f64(),
            cpu_seconds() - cpu
        );
    }
    println!(
        "{{\"client\":\"rust\",\"mode\":\"{mode}\",\"peak_rss_kib\":{}}}",
        peak_rss_kib().unwrap_or(0)
    );
    st.close().await?;
    Ok(())
}

/// Live heap while `rows` is held, and the peak so far.
fn heap_of<T>(rows: Vec<T>) -> (usize, usize) {
    let live = LIVE.load(Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed);
    std::hint::black_box(&rows);
    drop(rows);
    (live, peak)
}

async fn count<T>(
    mut s: impl futures_util::Stream<Item = spacetrack::Result<T>> + Unpin,
) -> spacetrack::Result<usize> {
    let mut n = 0;
    while let Some(item) = s.try_next().await? {
        std::hint::black_box(&item);
        n += 1;
    }
    Ok(n)
}
