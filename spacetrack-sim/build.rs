//! Embeds the schemas/ snapshots so the simulator serves the same modeldef
//! the SDK was generated from.

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = spacetrack_codegen::schema::find_schemas_dir(&manifest)
        .expect("schemas/ folder not found next to the crate or in the workspace");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut entries = Vec::new();
    for controller in std::fs::read_dir(&dir).expect("read schemas").flatten() {
        if !controller.path().is_dir() {
            continue;
        }
        println!("cargo::rerun-if-changed={}", controller.path().display());
        for file in std::fs::read_dir(controller.path())
            .expect("read controller")
            .flatten()
        {
            let p = file.path();
            if p.extension().and_then(|e| e.to_str()) == Some("json") {
                println!("cargo::rerun-if-changed={}", p.display());
                let rel = format!(
                    "{}/{}",
                    controller.file_name().to_string_lossy(),
                    file.file_name().to_string_lossy()
                );
                entries.push((rel, p.canonicalize().expect("canonical path")));
            }
        }
    }
    entries.sort();
    let mut src = String::from(
        "/// `(relative path, modeldef JSON)` for every embedded schema.\npub static SCHEMAS: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in entries {
        src.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("schemas.rs");
    std::fs::write(out, src).expect("write schemas.rs");
}
