//! Embeds the `x-spacetrack` notes of the schemas this build was generated
//! from (`SPACETRACK_SCHEMAS_DIR`, else the bundled `schemas/`, as the
//! `spacetrack` crate's build does), so that `spacetrack schemas pull`
//! into a new folder keeps what Space-Track's modeldef does not say:
//! semantic types, key columns, deprecations and column docs.

use std::fmt::Write;
use std::path::PathBuf;

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
    let mut out = String::from(
        "/// `(controller, class, x-spacetrack block as JSON)` of every schema of this build.\n\
         pub static NOTES: &[(&str, &str, &str)] = &[\n",
    );
    let mut controllers: Vec<_> = std::fs::read_dir(&dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    controllers.sort();
    for controller in controllers {
        println!("cargo::rerun-if-changed={}", controller.display());
        let mut files: Vec<_> = std::fs::read_dir(&controller)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for file in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
        {
            println!("cargo::rerun-if-changed={}", file.display());
            let text = std::fs::read_to_string(file).expect("read a schema");
            let doc: serde_json::Value = serde_json::from_str(&text).expect("a schema is JSON");
            let Some(meta) = doc.get("x-spacetrack") else {
                continue;
            };
            let name = |p: &std::path::Path| p.file_stem().unwrap().to_string_lossy().into_owned();
            writeln!(
                out,
                "    ({:?}, {:?}, {:?}),",
                name(&controller),
                name(file),
                meta.to_string()
            )
            .unwrap();
        }
    }
    out.push_str("];\n");
    let path = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("notes.rs");
    std::fs::write(path, out).expect("write notes.rs");
}
