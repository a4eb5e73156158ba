//! Generates the mirror's table definitions (`OUT_DIR/tables.rs`) from the
//! same schemas as the `spacetrack` crate: `SPACETRACK_SCHEMAS_DIR` when set,
//! else the bundled `schemas/`.

use std::path::PathBuf;

/// The classes the mirror keeps.
const CLASSES: &[&str] = &[
    "gp",
    "gp_history",
    "satcat",
    "decay",
    "tip",
    "cdm_public",
    "boxscore",
    "launch_site",
];

fn main() {
    println!("cargo::rerun-if-env-changed=SPACETRACK_SCHEMAS_DIR");
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = match std::env::var_os("SPACETRACK_SCHEMAS_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => spacetrack_codegen::schema::find_schemas_dir(&manifest)
            .expect("schemas/ folder not found next to the crate or in the workspace"),
    };
    println!("cargo::rerun-if-changed={}", dir.display());
    let classes = match spacetrack_codegen::schema::load_dir(&dir) {
        Ok(c) => c,
        Err(e) => {
            println!("cargo::error=schema error: {e}");
            std::process::exit(1);
        }
    };
    let mut chosen = Vec::new();
    for name in CLASSES {
        match classes
            .iter()
            .find(|c| c.class == *name && c.controller == "basicspacedata")
        {
            Some(c) => {
                println!("cargo::rerun-if-changed={}", c.path.display());
                chosen.push(c);
            }
            None => {
                println!(
                    "cargo::error=the mirror needs basicspacedata/{name}.json in {}",
                    dir.display()
                );
                std::process::exit(1);
            }
        }
    }
    let source = spacetrack_codegen::sql::mirror_tables(&chosen);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("tables.rs");
    std::fs::write(&out, source).expect("write tables.rs");
}
