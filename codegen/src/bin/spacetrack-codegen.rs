//! Prints the code generated from a schemas folder, for review.
//!
//! ```text
//! spacetrack-codegen [SCHEMAS_DIR] [--class CLASS]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut dir = PathBuf::from("schemas");
    let mut class: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--class" => match args.next() {
                Some(c) => class = Some(c),
                None => {
                    eprintln!("--class needs a class name");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: spacetrack-codegen [SCHEMAS_DIR] [--class CLASS]");
                return ExitCode::SUCCESS;
            }
            other => dir = PathBuf::from(other),
        }
    }
    let result = spacetrack_codegen::schema::load_dir(&dir).and_then(|mut classes| {
        if let Some(c) = &class {
            classes.retain(|s| &s.class == c);
            if classes.is_empty() {
                return Err(spacetrack_codegen::SchemaError {
                    file: dir.clone(),
                    column: None,
                    message: format!("no class `{c}`"),
                });
            }
        }
        for w in classes.iter().flat_map(|c| &c.warnings) {
            eprintln!("warning: {w}");
        }
        spacetrack_codegen::emit::generate(&classes)
    });
    match result {
        Ok(src) => {
            print!("{src}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
