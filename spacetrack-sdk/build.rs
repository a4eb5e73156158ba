//! Generates the typed layer from `../schemas` into `OUT_DIR/generated.rs`.
//! Changing, adding or removing a schema file regenerates the API on the
//! next build.

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = spacetrack_codegen::schema::find_schemas_dir(&manifest)
        .expect("schemas/ folder not found next to the crate or in the workspace");
    println!("cargo::rerun-if-changed={}", dir.display());
    for entry in walk(&dir) {
        println!("cargo::rerun-if-changed={}", entry.display());
    }
    let source = match spacetrack_codegen::generate_dir(&dir) {
        Ok(s) => s,
        Err(e) => {
            // A clear, single-line message instead of a panic backtrace.
            println!("cargo::error=schema error: {e}");
            std::process::exit(1);
        }
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("generated.rs");
    std::fs::write(&out, source).expect("write generated.rs");
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
