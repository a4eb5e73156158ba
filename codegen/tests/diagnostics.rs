//! The compiler's errors for filters that do not fit their column, as
//! shown in the docs of `spacetrack::op`.
//!
//! rustdoc checks only the error code of a `compile_fail` example, so this
//! test compiles each `compile_fail,E0277` example of
//! `spacetrack-sdk/src/op.rs` against the `spacetrack` library and checks
//! that the compiler prints the lines of the `text` block that follows it:
//! the `error[E0277]: ...` message and each `= note: ...` (`…` stands for any
//! text). It builds the library with `cargo build -p spacetrack` (nothing to
//! do when it is built already) and then runs `rustc` once on all examples.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// One `compile_fail` example of the docs and the lines shown after it.
struct Case {
    /// Line of the example's opening fence in op.rs, for messages.
    doc_line: usize,
    code: String,
    message: String,
    notes: Vec<String>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace folder")
        .to_path_buf()
}

/// The `compile_fail,E0277` examples of op.rs's docs, each with the
/// `text` block after it.
fn cases(source: &str) -> Vec<Case> {
    let doc: Vec<(usize, &str)> = source
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim_start();
            let text = l.strip_prefix("//!").or_else(|| l.strip_prefix("///"))?;
            Some((i + 1, text.strip_prefix(' ').unwrap_or(text)))
        })
        .collect();
    // Each fenced block: (line of its fence, info string, lines).
    let mut blocks: Vec<(usize, &str, Vec<&str>)> = Vec::new();
    let mut lines = doc.iter();
    while let Some(&(n, l)) = lines.next() {
        if let Some(info) = l.strip_prefix("```") {
            let body = lines
                .by_ref()
                .take_while(|(_, l)| *l != "```")
                .map(|&(_, l)| l)
                .collect();
            blocks.push((n, info, body));
        }
    }
    let mut out = Vec::new();
    for (i, (n, info, body)) in blocks.iter().enumerate() {
        if *info != "compile_fail,E0277" {
            continue;
        }
        let shown = match blocks.get(i + 1) {
            Some((_, "text", shown)) => shown,
            _ => panic!("op.rs:{n}: a compile_fail example without the `text` block of its error"),
        };
        let code = body
            .iter()
            .map(|l| match *l {
                "#" => "",
                l => l.strip_prefix("# ").unwrap_or(l),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let message = shown
            .first()
            .and_then(|l| l.strip_prefix("error[E0277]: "))
            .unwrap_or_else(|| panic!("op.rs:{n}: the text block must start with `error[E0277]: `"))
            .to_owned();
        let notes = shown[1..]
            .iter()
            .map(|l| {
                l.trim_start()
                    .strip_prefix("= note: ")
                    .unwrap_or_else(|| panic!("op.rs:{n}: not a `= note: ` line: {l}"))
                    .to_owned()
            })
            .collect();
        out.push(Case {
            doc_line: *n,
            code,
            message,
            notes,
        });
    }
    out
}

/// Whether `text` is `pattern`, where `…` in the pattern matches any text.
fn matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.len() >= part.len() && rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Builds the library and returns the `--extern` paths of `spacetrack` and
/// `chrono` (which the examples name), both in cargo's deps/ folder.
fn build_library() -> (PathBuf, PathBuf) {
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(["build", "-p", "spacetrack", "--message-format=json"])
        .current_dir(workspace());
    // The variables cargo sets for this test are not the user's: a build
    // script that watches one (ring watches CARGO_MANIFEST_DIR) would be
    // rebuilt here and again by the user's next build.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
            || name.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
            ]
            .contains(&name.as_ref())
            || ["CARGO_TARGET_TMPDIR", "OUT_DIR"].contains(&name.as_ref())
        {
            cargo.env_remove(name.as_ref());
        }
    }
    let out = cargo.output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo build -p spacetrack failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let library = |crate_name: &str| -> PathBuf {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == crate_name)
            .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f.as_str().map(PathBuf::from))
            // The copy in deps/, next to its dependencies: the metadata is
            // all a check needs (cargo lists the rlib itself outside deps/).
            .find(|f| {
                f.extension().is_some_and(|e| e == "rmeta" || e == "rlib")
                    && f.parent().is_some_and(|p| p.ends_with("deps"))
            })
            .unwrap_or_else(|| panic!("no library of {crate_name} in cargo's output"))
    };
    (library("spacetrack"), library("chrono"))
}

#[test]
fn op_docs_show_the_compilers_errors() {
    let op = workspace().join("spacetrack-sdk/src/op.rs");
    let cases = cases(&std::fs::read_to_string(&op).expect("read op.rs"));
    assert!(cases.len() >= 5, "found only {} examples", cases.len());

    // One file, one module per example; the lines of each module.
    let mut source = String::new();
    let mut ranges = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let start = source.lines().count() + 1;
        source.push_str(&format!("mod case_{i} {{\n{}\n}}\n", case.code));
        ranges.push(start..=source.lines().count());
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diagnostics");
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let file = dir.join("cases.rs");
    std::fs::write(&file, &source).expect("write the examples");

    let (spacetrack, chrono) = build_library();
    let deps = spacetrack.parent().expect("deps folder");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--edition", "2024", "--crate-type", "lib", "--crate-name"])
        .arg("diagnostics_cases")
        .args(["--emit", "metadata", "--error-format", "json", "-o"])
        .arg(dir.join("cases.rmeta"))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--extern")
        .arg(format!("spacetrack={}", spacetrack.display()))
        .arg("--extern")
        .arg(format!("chrono={}", chrono.display()))
        .args(["-A", "warnings"])
        .arg(&file)
        .output()
        .expect("run rustc");
    let errors: Vec<Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|d| d["level"] == "error" && !d["code"].is_null())
        .collect();

    for (case, lines) in cases.iter().zip(&ranges) {
        let here: Vec<&Value> = errors
            .iter()
            .filter(|e| {
                e["spans"].as_array().into_iter().flatten().any(|s| {
                    s["is_primary"] == true
                        && s["line_start"]
                            .as_u64()
                            .is_some_and(|l| lines.contains(&(l as usize)))
                })
            })
            .collect();
        let [error] = here.as_slice() else {
            panic!(
                "op.rs:{}: expected one error, got {}:\n{}",
                case.doc_line,
                here.len(),
                case.code
            );
        };
        let rendered = error["rendered"].as_str().unwrap_or_default();
        assert_eq!(
            error["code"]["code"], "E0277",
            "op.rs:{}:\n{rendered}",
            case.doc_line
        );
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            matches(&case.message, message),
            "op.rs:{}: the docs show\n  {}\nbut the compiler says\n  {message}",
            case.doc_line,
            case.message
        );
        let notes: Vec<&str> = error["children"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["level"] == "note")
            .filter_map(|c| c["message"].as_str())
            .collect();
        for note in &case.notes {
            assert!(
                notes.iter().any(|n| matches(note, n)),
                "op.rs:{}: the docs show the note\n  {note}\nbut the compiler's notes are\n  {}",
                case.doc_line,
                notes.join("\n  ")
            );
        }
    }
}

#[test]
fn ellipsis_matches_any_text() {
    assert!(matches("a `…` b", "a `Copied<Iter<'_, u32>>` b"));
    assert!(matches("exact", "exact"));
    assert!(matches("…", ""));
    assert!(!matches("exact", "exact and more"));
    assert!(!matches("a … b", "a x c"));
    assert!(!matches("ab…ba", "aba"));
}
