//! Generates the typed layer into `OUT_DIR/generated.rs` from the schemas
//! folder named by `SPACETRACK_SCHEMAS_DIR` when it is set (a folder written
//! by `spacetrack schemas pull`, so crate users regenerate without a fork),
//! else from the crate's bundled `schemas/`. Changing, adding or removing a
//! schema file regenerates the API on the next build.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=SPACETRACK_SCHEMAS_DIR");
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = match std::env::var_os("SPACETRACK_SCHEMAS_DIR").filter(|d| !d.is_empty()) {
        Some(d) => {
            let d = PathBuf::from(d);
            if !d.is_dir() {
                println!(
                    "cargo::error=SPACETRACK_SCHEMAS_DIR is `{}`, which is not a folder (write one with `spacetrack schemas pull --dir DIR`)",
                    d.display()
                );
                std::process::exit(1);
            }
            println!(
                "cargo::warning=spacetrack: generating the typed API from SPACETRACK_SCHEMAS_DIR={}",
                d.display()
            );
            d
        }
        None => spacetrack_codegen::schema::find_schemas_dir(&manifest)
            .expect("schemas/ folder not found next to the crate or in the workspace"),
    };
    println!("cargo::rerun-if-changed={}", dir.display());
    for entry in walk(&dir) {
        println!("cargo::rerun-if-changed={}", entry.display());
    }
    let generated = match spacetrack_codegen::generate_dir(&dir) {
        Ok(g) => g,
        Err(e) => {
            // A clear, single-line message instead of a panic backtrace.
            println!("cargo::error=schema error: {e}");
            std::process::exit(1);
        }
    };
    for w in &generated.warnings {
        println!("cargo::warning=spacetrack schema: {w}");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("generated.rs");
    std::fs::write(&out, generated.source).expect("write generated.rs");
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.push(p.clone());
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
