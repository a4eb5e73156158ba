//! The simulated file areas.
//!
//! - fileshare: folders and files that `upload` adds, `delete` removes,
//!   `download` returns (one file by `file_id`, or a folder as a zip
//!   archive, its subfolders too with `recursive/true`), and the `file` and
//!   `folder` classes list.
//! - spephemeris: read-only ephemeris files for the first catalog objects,
//!   listed by `file` and `file_history` and returned by `download`
//!   (`file_id`, or every file as a zip archive).
//! - publicfiles: `dirs` (directory slugs), `loadpublicdata` (a flat
//!   listing: source, type, date, size, link, name) and `download?name=`
//!   with a `link` from that listing, as a third-party client observed them
//!   live in 2026-07.
//!
//! Space-Track does not document the answers of upload, delete and folder
//! downloads; the simulator's choices are marked below.

use std::collections::BTreeMap;
use std::io::Write;

use bytes::Bytes;
use chrono::{Duration, NaiveDateTime};
use spacetrack_codegen::ClassSchema;

use crate::catalog::{Catalog, mix};
use crate::table::Val;

/// A fileshare folder.
#[derive(Debug, Clone)]
pub struct Folder {
    pub id: u64,
    pub parent: Option<u64>,
    pub name: String,
}

/// A fileshare file.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: u64,
    pub folder: u64,
    pub name: String,
    pub content: Bytes,
    pub uploaded: NaiveDateTime,
}

#[derive(Debug, Clone)]
struct SpFile {
    id: u64,
    norad: u32,
    name: String,
    content: Bytes,
    created: NaiveDateTime,
    start: NaiveDateTime,
    stop: NaiveDateTime,
}

#[derive(Debug, Clone)]
struct PublicFile {
    dir: String,
    source: String,
    kind: String,
    date: NaiveDateTime,
    link: String,
    name: String,
    content: Bytes,
}

/// Every simulated file.
#[derive(Debug)]
pub struct Files {
    folders: Vec<Folder>,
    files: BTreeMap<u64, Stored>,
    next_id: u64,
    sp: Vec<SpFile>,
    public: Vec<PublicFile>,
}

/// Deterministic text of `len` bytes.
fn filler(seed: u64, len: usize) -> Bytes {
    let mut out = Vec::with_capacity(len);
    let mut k = 0u64;
    while out.len() < len {
        let line = format!("line {k:06} {:016x}\r\n", mix(seed ^ k));
        out.extend_from_slice(line.as_bytes());
        k += 1;
    }
    out.truncate(len);
    out.into()
}

impl Files {
    pub fn new(cat: &Catalog) -> Files {
        let t0 = cat.anchor - Duration::days(3);
        let folders = vec![
            Folder {
                id: 1,
                parent: None,
                name: "Operator Data".into(),
            },
            Folder {
                id: 2,
                parent: Some(1),
                name: "Ephemerides".into(),
            },
            Folder {
                id: 3,
                parent: None,
                name: "Shared".into(),
            },
        ];
        let mut files = BTreeMap::new();
        for (id, folder, name, len) in [
            (101, 1, "readme.txt", 120),
            (102, 2, "ephemeris_25544.oem", 40_000),
            (103, 3, "maneuver plan #7.txt", 300),
        ] {
            files.insert(
                id,
                Stored {
                    id,
                    folder,
                    name: name.into(),
                    content: filler(cat.seed ^ id, len),
                    uploaded: t0 + Duration::hours(id as i64 - 100),
                },
            );
        }
        let sp = cat
            .objects
            .iter()
            .take(5)
            .enumerate()
            .map(|(i, o)| {
                let id = 5001 + i as u64;
                let created = cat.anchor - Duration::hours(6 * (i as i64 + 1));
                let mut text = format!(
                    "CCSDS_OEM_VERS = 2.0\r\nCREATION_DATE = {}\r\nORIGINATOR = SIM\r\nOBJECT_ID = {}\r\n",
                    created.format("%Y-%m-%dT%H:%M:%S"),
                    o.norad
                );
                text.push_str(&String::from_utf8_lossy(&filler(cat.seed ^ id, 2_000)));
                SpFile {
                    id,
                    norad: o.norad,
                    name: format!("MEME_{}_SIM_{}.txt", o.norad, created.format("%j%H%M")),
                    content: text.into_bytes().into(),
                    created,
                    start: created,
                    stop: created + Duration::days(7),
                }
            })
            .collect();
        let public = (0..4)
            .map(|i| {
                let dir = [
                    "public-data-files-1-operator-ephemeris-prod",
                    "public-data-files-2-kuiper-prod",
                ][i % 2];
                let source = ["SpaceX", "Kuiper"][i % 2];
                let date = cat.anchor - Duration::days(i as i64);
                let name = format!("{source}_ephemeris_{}.zip", date.format("%Y%m%d"));
                PublicFile {
                    dir: dir.into(),
                    source: source.into(),
                    kind: "Ephemeris".into(),
                    date,
                    link: format!("{dir}/{name}"),
                    name,
                    content: filler(cat.seed ^ 0x9_0000 ^ i as u64, 5_000 + 1_000 * i),
                }
            })
            .collect();
        Files {
            folders,
            files,
            next_id: 1_000,
            sp,
            public,
        }
    }

    fn folder(&self, id: u64) -> Option<&Folder> {
        self.folders.iter().find(|f| f.id == id)
    }

    fn folder_path(&self, id: u64) -> String {
        let mut parts = Vec::new();
        let mut cur = self.folder(id);
        while let Some(f) = cur {
            parts.push(f.name.clone());
            cur = f.parent.and_then(|p| self.folder(p));
        }
        parts.reverse();
        parts.join("/")
    }

    /// Adds a file (upload). Simulator's answer: the new file's row.
    pub fn upload(
        &mut self,
        folder: u64,
        name: String,
        content: Bytes,
        now: NaiveDateTime,
    ) -> Result<u64, String> {
        if self.folder(folder).is_none() {
            return Err(format!("Folder {folder} not found"));
        }
        if name.is_empty() || name.contains('/') {
            return Err("Invalid file name".into());
        }
        let id = self.next_id;
        self.next_id += 1;
        self.files.insert(
            id,
            Stored {
                id,
                folder,
                name,
                content,
                uploaded: now,
            },
        );
        Ok(id)
    }

    /// Removes a file (delete); the removed file's ids, if it existed.
    pub fn delete(&mut self, id: u64) -> Option<(u64, u64)> {
        self.files.remove(&id).map(|f| (f.id, f.folder))
    }

    /// One fileshare file.
    pub fn file(&self, id: u64) -> Option<&Stored> {
        self.files.get(&id)
    }

    /// A fileshare folder as a zip archive (paths relative to it).
    pub fn folder_zip(&self, id: u64, recursive: bool) -> Option<Bytes> {
        self.folder(id)?;
        let mut entries = Vec::new();
        let mut stack = vec![(id, String::new())];
        while let Some((fid, prefix)) = stack.pop() {
            for f in self.files.values().filter(|f| f.folder == fid) {
                entries.push((format!("{prefix}{}", f.name), f.content.clone()));
            }
            if recursive {
                for sub in self.folders.iter().filter(|s| s.parent == Some(fid)) {
                    stack.push((sub.id, format!("{prefix}{}/", sub.name)));
                }
            }
        }
        Some(zip(entries))
    }

    /// One spephemeris file, or all of them as a zip archive.
    pub fn ephemeris(&self, id: Option<u64>) -> Option<(String, Bytes)> {
        match id {
            Some(id) => self
                .sp
                .iter()
                .find(|f| f.id == id)
                .map(|f| (f.name.clone(), f.content.clone())),
            None => Some((
                "ephemerides.zip".into(),
                zip(self
                    .sp
                    .iter()
                    .map(|f| (f.name.clone(), f.content.clone()))
                    .collect()),
            )),
        }
    }

    /// publicfiles `dirs`.
    pub fn public_dirs(&self) -> Vec<String> {
        let mut d: Vec<String> = self.public.iter().map(|p| p.dir.clone()).collect();
        d.sort();
        d.dedup();
        d
    }

    /// publicfiles `loadpublicdata`.
    pub fn public_listing(&self) -> serde_json::Value {
        self.public
            .iter()
            .map(|p| {
                serde_json::json!({
                    "source": p.source,
                    "type": p.kind,
                    "date": p.date.format("%Y-%m-%d %H:%M:%S").to_string(),
                    "size": format!("{:.2} KB", p.content.len() as f64 / 1024.0),
                    "link": p.link,
                    "name": p.name,
                })
            })
            .collect()
    }

    /// publicfiles `download?name=<link>`.
    pub fn public_file(&self, link: &str) -> Option<(String, Bytes)> {
        self.public
            .iter()
            .find(|p| p.link == link)
            .map(|p| (p.name.clone(), p.content.clone()))
    }

    /// Rows of the classes backed by files, by column name, or `None` for
    /// the other classes.
    pub fn rows(&self, schema: &ClassSchema) -> Option<Vec<Vec<Val>>> {
        let (ctl, class) = (schema.controller.as_str(), schema.class.as_str());
        let cells: Vec<Vec<(&str, Val)>> = match (ctl, class) {
            ("fileshare", "file") => self
                .files
                .values()
                .map(|f| {
                    let path = self.folder_path(f.folder);
                    vec![
                        ("FOLDER_ID", Val::Int(f.folder as i64)),
                        (
                            "FOLDER_NAME",
                            Val::Text(
                                self.folder(f.folder)
                                    .map(|d| d.name.clone())
                                    .unwrap_or_default(),
                            ),
                        ),
                        ("FILE_FULLPATH", Val::Text(format!("{path}/{}", f.name))),
                        ("FILE_ID", Val::Int(f.id as i64)),
                        ("FILE_NAME", Val::Text(f.name.clone())),
                        ("FILE_UPLOADED", Val::DateTime(f.uploaded)),
                        ("FILE_BYTES", Val::Int(f.content.len() as i64)),
                        ("FILE_DELETE", Val::Text("0".into())),
                        (
                            "FILE_LINK",
                            Val::Text(format!("fileshare/query/class/download/file_id/{}", f.id)),
                        ),
                        ("FILE_TYPE", Val::Text(mime(&f.name).into())),
                    ]
                })
                .collect(),
            ("fileshare", "folder") => self
                .folders
                .iter()
                .map(|d| {
                    vec![
                        ("bloc_id", Val::Int(1)),
                        ("folder_id", Val::Int(d.id as i64)),
                        ("folder_path", Val::Text(self.folder_path(d.id))),
                        ("folder_name", Val::Text(d.name.clone())),
                        ("permissions", Val::Text("read,write,delete".into())),
                    ]
                })
                .collect(),
            ("spephemeris", "file") => self
                .sp
                .iter()
                .map(|f| {
                    vec![
                        ("FILE_ID", Val::Int(f.id as i64)),
                        ("NORAD_CAT_ID", Val::Int(f.norad as i64)),
                        ("FILE_NAME", Val::Text(f.name.clone())),
                        (
                            "FILE_LINK",
                            Val::Text(format!("spephemeris/query/class/download/file_id/{}", f.id)),
                        ),
                        ("FILE_SIZE", Val::Int(f.content.len() as i64)),
                        ("CREATED", Val::DateTime(f.created)),
                        ("EPOCH_START", Val::DateTime(f.start)),
                        ("EPOCH_STOP", Val::DateTime(f.stop)),
                    ]
                })
                .collect(),
            ("spephemeris", "file_history") => self
                .sp
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    vec![
                        ("file_history_id", Val::Int(9001 + i as i64)),
                        ("file_name", Val::Text(f.name.clone())),
                        ("file_uploaded", Val::DateTime(f.created)),
                        ("file_size", Val::Int(f.content.len() as i64)),
                        // A checksum-shaped value (the simulator does not
                        // compute real MD5 sums).
                        (
                            "file_md5",
                            Val::Text(format!("{:016x}{:016x}", mix(f.id), mix(!f.id))),
                        ),
                        ("file_id", Val::Int(f.id as i64)),
                    ]
                })
                .collect(),
            _ => return None,
        };
        Some(
            cells
                .into_iter()
                .map(|row| {
                    schema
                        .columns
                        .iter()
                        .map(|c| {
                            let v = row
                                .iter()
                                .find(|(n, _)| n.eq_ignore_ascii_case(&c.name))
                                .map(|(_, v)| v.clone())
                                .unwrap_or(Val::Null);
                            crate::table::coerce(v, c)
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

fn mime(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("txt") => "text/plain",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

/// A zip archive of `entries`, stored without compression.
fn zip(entries: Vec<(String, Bytes)>) -> Bytes {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in entries {
        // Writing to memory cannot fail.
        let _ = w.start_file(name, opts);
        let _ = w.write_all(&content);
    }
    w.finish()
        .map(|c| Bytes::from(c.into_inner()))
        .unwrap_or_default()
}
