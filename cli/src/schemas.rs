//! `spacetrack schemas pull` and `spacetrack schemas diff`.

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use spacetrack::modeldef::ModeldefAnswer;
use spacetrack::{CLASSES, ClassInfo, Client, ModeldefColumn, SchemaDrift};

use crate::exit::Failure;

/// The `x-spacetrack` notes of the schemas this build was generated from.
mod build_notes {
    include!(concat!(env!("OUT_DIR"), "/notes.rs"));
}

/// This build's notes of a class: what `pull` starts from in a folder that
/// has none, since a modeldef answer carries none of them.
fn notes_of(info: &ClassInfo) -> serde_json::Map<String, serde_json::Value> {
    build_notes::NOTES
        .iter()
        .find(|(controller, class, _)| *controller == info.controller && *class == info.class)
        .and_then(|(_, _, json)| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// The classes named by `--class` (all by default).
fn selected(m: &ArgMatches) -> Result<Vec<&'static ClassInfo>, Failure> {
    let Some(names) = m.get_many::<String>("class") else {
        return Ok(CLASSES.to_vec());
    };
    names
        .map(|name| {
            let (controller, class) = match name.split_once('/') {
                Some((c, k)) => (Some(c), k),
                None => (None, name.as_str()),
            };
            spacetrack::schema::find_class(class, controller)
                .ok_or_else(|| Failure::Usage(format!("`{name}` is not a class of this build")))
        })
        .collect()
}

fn file_of(dir: &Path, info: &ClassInfo) -> PathBuf {
    dir.join(info.controller)
        .join(format!("{}.json", info.class))
}

/// Fetches each class's modeldef and writes it in Space-Track's shape,
/// with the `x-spacetrack` notes of this build's schema of the class (semantic
/// types, key, deprecations, column docs), those of an existing file winning.
pub async fn pull(client: &Client, m: &ArgMatches, quiet: bool) -> Result<(), Failure> {
    let dir = m
        .get_one::<PathBuf>("dir")
        .cloned()
        .unwrap_or_else(|| "schemas".into());
    let today = chrono::Utc::now().format("%Y-%m-%d");
    let (mut changed, mut same, mut failed) = (0, 0, 0);
    let mut refused = None;
    let classes = selected(m)?;
    let pb = crate::output::class_progress(quiet, classes.len());
    for info in classes {
        pb.set_message(format!("{}/{}", info.controller, info.class));
        let live = fetch(client, info, &pb, &mut refused).await?;
        pb.inc(1);
        let Some(live) = live else {
            failed += 1;
            continue;
        };
        let path = file_of(&dir, info);
        let old: Option<serde_json::Value> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Failure::io(&path, e)),
        };
        let data = serde_json::to_value(&*live).map_err(json_failure)?;
        if old.as_ref().and_then(|o| o.get("data")) == Some(&data) {
            same += 1;
            continue;
        }
        // This build's notes, then the file's own where it has them.
        let mut meta = notes_of(info);
        if let Some(theirs) = old
            .as_ref()
            .and_then(|o| o.get("x-spacetrack"))
            .and_then(|m| m.as_object())
        {
            meta.extend(theirs.clone());
        }
        // The types are now Space-Track's own, not our inference.
        meta.remove("inferred_types");
        meta.insert("class".into(), info.class.into());
        meta.insert(
            "confidence".into(),
            format!(
                "high: modeldef pulled from {} on {today}",
                client.base_url()
            )
            .into(),
        );
        let doc = serde_json::json!({
            "controller": info.controller,
            "data": data,
            "x-spacetrack": meta,
        });
        let mut text = serde_json::to_string_pretty(&doc).map_err(json_failure)?;
        text.push('\n');
        write_atomically(&path, text.as_bytes())?;
        changed += 1;
        pb.println(format!("updated {}", path.display()));
    }
    pb.finish_and_clear();
    println!(
        "{changed} schema(s) written, {same} unchanged, {failed} failed in {}{}",
        dir.display(),
        if changed > 0 {
            "; rebuild to regenerate the typed API"
        } else {
            ""
        }
    );
    refused.map_or(Ok(()), Err)
}

/// One class's live modeldef. Space-Track refusing one class (an error
/// answer) is reported and kept in `refused` while the other classes go on;
/// anything else (credentials, network, rate limit) stops the command.
async fn fetch(
    client: &Client,
    info: &ClassInfo,
    pb: &indicatif::ProgressBar,
    refused: &mut Option<Failure>,
) -> Result<Option<std::sync::Arc<[ModeldefColumn]>>, Failure> {
    match client.get_predicates_in(info.controller, info.class).await {
        Ok(live) => Ok(Some(live)),
        Err(e @ spacetrack::Error::Api { .. }) => {
            pb.suspend(|| eprintln!("{}/{}: {e}", info.controller, info.class));
            refused.get_or_insert(Failure::Sdk(e));
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn json_failure(e: serde_json::Error) -> Failure {
    Failure::Usage(format!("cannot encode a schema: {e}"))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Failure::io(parent, e))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Failure::io(path, e)
        })
}

/// Compares the live modeldef, or the files in `--dir`, with the build.
pub async fn diff(client: Option<&Client>, m: &ArgMatches, quiet: bool) -> Result<(), Failure> {
    let dir = m.get_one::<PathBuf>("dir");
    let mut differing = 0;
    let mut refused = None;
    let classes = selected(m)?;
    let pb = crate::output::class_progress(quiet || dir.is_some(), classes.len());
    for info in &classes {
        pb.set_message(format!("{}/{}", info.controller, info.class));
        pb.inc(1);
        let live: Vec<ModeldefColumn> = match (dir, client) {
            (Some(dir), _) => {
                let path = file_of(dir, info);
                let bytes = match std::fs::read(&path) {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        pb.suspend(|| {
                            println!(
                                "{}/{}: no file at {}",
                                info.controller,
                                info.class,
                                path.display()
                            )
                        });
                        continue;
                    }
                    Err(e) => return Err(Failure::io(&path, e)),
                };
                let answer: ModeldefAnswer = serde_json::from_slice(&bytes).map_err(|e| {
                    Failure::Usage(format!(
                        "{} is not a modeldef document: {e}",
                        path.display()
                    ))
                })?;
                answer.data
            }
            (None, Some(client)) => match fetch(client, info, &pb, &mut refused).await? {
                Some(live) => live.to_vec(),
                None => continue,
            },
            (None, None) => return Err(Failure::Usage("diff needs a client or --dir".into())),
        };
        let drift = SchemaDrift::compare(info, &live);
        if !drift.is_empty() {
            differing += 1;
            pb.suspend(|| println!("{drift}"));
        }
    }
    pb.finish_and_clear();
    println!(
        "{differing} of {} class(es) differ from this build{}",
        classes.len(),
        if differing > 0 {
            ": `spacetrack schemas pull` then rebuild to regenerate"
        } else {
            ""
        }
    );
    match (refused, differing) {
        (Some(error), _) => Err(error),
        (None, 0) => Ok(()),
        (None, _) => Err(Failure::Differences),
    }
}
