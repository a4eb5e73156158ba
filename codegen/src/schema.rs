//! Loading and validating the `schemas/` snapshots.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::mysql::SqlType;

/// Controllers in the order the reference client searches them.
pub const CONTROLLERS: &[&str] = &[
    "basicspacedata",
    "expandedspacedata",
    "fileshare",
    "spephemeris",
    "publicfiles",
];

/// A modeldef document exactly as Space-Track returns it, plus our own
/// `x-spacetrack` block that the server never sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeldefDocument {
    /// The controller, e.g. `basicspacedata`.
    pub controller: String,
    /// The columns, in Space-Track's order.
    pub data: Vec<ModeldefRow>,
    #[serde(
        rename = "x-spacetrack",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    /// Our provenance notes.
    pub meta: Option<SnapshotMeta>,
}

/// One row of a modeldef answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeldefRow {
    #[serde(rename = "Field")]
    /// Column name.
    pub field: String,
    #[serde(rename = "Type")]
    /// MySQL type.
    pub ty: String,
    #[serde(rename = "Null")]
    /// `YES` or `NO`.
    pub null: String,
    #[serde(rename = "Key", default)]
    /// Index information.
    pub key: String,
    #[serde(rename = "Default", default)]
    /// Default value.
    pub default: Option<String>,
    #[serde(rename = "Extra", default)]
    /// Extra information (`auto_increment`, ...).
    pub extra: String,
}

/// Provenance of a snapshot. Ignored by the type mapping.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SnapshotMeta {
    #[serde(default)]
    /// The class the snapshot is of.
    pub class: Option<String>,
    #[serde(default)]
    /// How sure the snapshot is, and why.
    pub confidence: Option<String>,
    #[serde(default)]
    /// Where the snapshot came from.
    pub sources: serde_json::Value,
    #[serde(default)]
    /// Free-form notes.
    pub notes: serde_json::Value,
    /// Columns whose type is our inference, not a published modeldef.
    #[serde(default)]
    pub inferred_types: Vec<String>,
    /// Columns that still exist but should not be used, with the reason.
    #[serde(default)]
    pub deprecated_columns: std::collections::BTreeMap<String, String>,
    /// Text columns that carry another kind of value, e.g.
    /// `{"DECAY_EPOCH": "datetime"}`: the record field gets that type while
    /// filtering stays textual, as on the server.
    #[serde(default)]
    pub semantic_types: std::collections::BTreeMap<String, String>,
    /// What each column means and its unit, from Space-Track's documentation
    /// or the CCSDS standards.
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, ColumnNote>,
    /// The columns that identify a row (our reading of the class: modeldef
    /// reports no keys). Pagination orders by them to make its order total.
    #[serde(default)]
    pub key: Vec<String>,
}

/// The meaning of one column (`x-spacetrack.columns`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnNote {
    /// What the column is, in a sentence or two.
    #[serde(default)]
    pub doc: Option<String>,
    /// Its unit, when it has one (`km`, `deg`, `rev/day`, `m**2`).
    #[serde(default)]
    pub unit: Option<String>,
}

/// What a text column carries, when the schema says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semantic {
    /// A UTC datetime written as text (`2026-11-26 0:29`): decoded into a
    /// datetime, filtered as text.
    DateTime,
    /// A date written as text (`1998-11-20`, gp_history `LAUNCH_DATE`):
    /// decoded into a date, filtered as text.
    Date,
}

impl Semantic {
    /// The name used in `x-spacetrack.semantic_types`.
    pub fn as_str(self) -> &'static str {
        match self {
            Semantic::DateTime => "datetime",
            Semantic::Date => "date",
        }
    }
}

/// A column ready for code generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name, e.g. `NORAD_CAT_ID`.
    pub name: String,
    /// The MySQL type as written in the schema.
    pub raw_type: String,
    /// The parsed type.
    pub sql: SqlType,
    /// Whether the column may be null.
    pub nullable: bool,
    /// Default value.
    pub default: Option<String>,
    /// Whether the type is our inference rather than a published modeldef.
    pub inferred: bool,
    /// Why the column should not be used, when it is deprecated.
    pub deprecated: Option<String>,
    /// What a text column carries, when the schema declares it.
    pub semantic: Option<Semantic>,
    /// What the column means and its unit.
    pub note: ColumnNote,
}

/// One (controller, class) schema.
#[derive(Debug, Clone)]
pub struct ClassSchema {
    /// The controller, e.g. `basicspacedata`.
    pub controller: String,
    /// The class, e.g. `gp`.
    pub class: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// The columns, in modeldef order.
    pub columns: Vec<Column>,
    /// The snapshot's confidence note.
    pub confidence: Option<String>,
    /// The columns that identify a row (`x-spacetrack.key`), possibly none.
    pub key: Vec<String>,
    /// Problems that did not stop generation (an unknown MySQL type read as
    /// text, a note about a column that no longer exists), each naming the
    /// file and the column. `build.rs` prints them as `cargo::warning`s.
    pub warnings: Vec<String>,
}

/// Why a schema could not be loaded. Always names the file, and the column
/// when one is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The schema file.
    pub file: PathBuf,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SchemaError {}

impl ClassSchema {
    /// Parses one modeldef document. `path` is only used in messages and
    /// must end in `{controller}/{class}.json`.
    pub fn parse(path: &Path, text: &str) -> Result<ClassSchema, SchemaError> {
        let err = |column: Option<&str>, message: String| SchemaError {
            file: path.to_path_buf(),
            column: column.map(str::to_owned),
            message,
        };
        let doc: ModeldefDocument = serde_json::from_str(text)
            .map_err(|e| err(None, format!("not a modeldef document: {e}")))?;
        let class = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| err(None, "file name is not a class name".into()))?
            .to_owned();
        if !class
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(err(
                None,
                format!("class name `{class}` must be lower-case snake case"),
            ));
        }
        let dir = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if dir != doc.controller {
            return Err(err(
                None,
                format!(
                    "controller `{}` does not match its folder `{dir}`",
                    doc.controller
                ),
            ));
        }
        if !CONTROLLERS.contains(&doc.controller.as_str()) {
            return Err(err(
                None,
                format!("unknown controller `{}`", doc.controller),
            ));
        }
        let meta = doc.meta.unwrap_or_default();
        if doc.data.is_empty() {
            return Err(err(None, "modeldef has no fields".into()));
        }
        let mut columns = Vec::with_capacity(doc.data.len());
        let mut warnings = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for row in &doc.data {
            let name = row.field.as_str();
            if name.is_empty()
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || name.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(err(Some(name), "field name must be an identifier".into()));
            }
            if !seen.insert(name.to_ascii_lowercase()) {
                return Err(err(
                    Some(name),
                    "duplicate field (names are case-insensitive)".into(),
                ));
            }
            // Space-Track has added MySQL types before (the reference client
            // broke on `mediumtext` in 2024): an unknown type must not break
            // a user's build, so it becomes text, with a warning.
            let sql = match SqlType::parse(&row.ty) {
                Ok(sql) => sql,
                Err(e) => {
                    warnings.push(format!(
                        "{}, column `{name}`: {}; the column is generated as text",
                        path.display(),
                        e.0
                    ));
                    SqlType::Text { max_len: None }
                }
            };
            let nullable = match row.null.as_str() {
                "YES" => true,
                "NO" => false,
                other => {
                    return Err(err(
                        Some(name),
                        format!("`Null` must be YES or NO, not `{other}`"),
                    ));
                }
            };
            let semantic = match meta.semantic_types.get(name).map(String::as_str) {
                None => None,
                Some(kind @ ("datetime" | "date")) if matches!(sql, SqlType::Text { .. }) => {
                    Some(if kind == "date" {
                        Semantic::Date
                    } else {
                        Semantic::DateTime
                    })
                }
                Some("datetime" | "date") => {
                    warnings.push(format!(
                        "{}, column `{name}`: a semantic type applies to text columns only; ignored",
                        path.display()
                    ));
                    None
                }
                Some(other) => {
                    return Err(err(
                        Some(name),
                        format!("unknown semantic type `{other}` (known: datetime, date)"),
                    ));
                }
            };
            columns.push(Column {
                name: name.to_owned(),
                raw_type: row.ty.clone(),
                sql,
                nullable,
                default: row.default.clone(),
                inferred: meta.inferred_types.iter().any(|c| c == name),
                deprecated: meta.deprecated_columns.get(name).cloned(),
                semantic,
                note: meta.columns.get(name).cloned().unwrap_or_default(),
            });
        }
        // Notes about columns the modeldef no longer lists (a refreshed
        // schema keeps our notes) are stale, not fatal.
        let notes = [
            (
                "deprecated",
                meta.deprecated_columns.keys().collect::<Vec<_>>(),
            ),
            ("semantic type", meta.semantic_types.keys().collect()),
            ("column note", meta.columns.keys().collect()),
        ];
        for (what, names) in notes {
            for name in names {
                if !columns.iter().any(|c| &c.name == name) {
                    warnings.push(format!(
                        "{}, column `{name}`: has a {what} note but is not a field; ignored",
                        path.display()
                    ));
                }
            }
        }
        for name in &meta.key {
            if !columns.iter().any(|c| &c.name == name) {
                return Err(err(
                    Some(name),
                    "is named in `x-spacetrack.key` but is not a column".into(),
                ));
            }
        }
        Ok(ClassSchema {
            controller: doc.controller,
            class,
            path: path.to_path_buf(),
            columns,
            confidence: meta.confidence,
            key: meta.key,
            warnings,
        })
    }
}

/// The schemas folder for a crate: its own `schemas/` copy when packaged,
/// else the workspace's top-level `schemas/`.
pub fn find_schemas_dir(manifest_dir: &Path) -> Option<PathBuf> {
    [
        manifest_dir.join("schemas"),
        manifest_dir.join("../schemas"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
}

/// Loads `dir/{controller}/{class}.json` for every file present, in
/// controller order, then class order.
pub fn load_dir(dir: &Path) -> Result<Vec<ClassSchema>, SchemaError> {
    let io = |p: &Path, e: std::io::Error| SchemaError {
        file: p.to_path_buf(),
        column: None,
        message: e.to_string(),
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let sub = entry.path();
        if !sub.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if !CONTROLLERS.contains(&name.as_str()) {
            return Err(SchemaError {
                file: sub,
                column: None,
                message: format!("unknown controller folder (expected one of {CONTROLLERS:?})"),
            });
        }
        for file in std::fs::read_dir(&sub).map_err(|e| io(&sub, e))? {
            let path = file.map_err(|e| io(&sub, e))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            out.push(ClassSchema::parse(&path, &text)?);
        }
    }
    out.sort_by(|a, b| {
        let rank = |c: &str| {
            CONTROLLERS
                .iter()
                .position(|x| *x == c)
                .unwrap_or(usize::MAX)
        };
        (rank(&a.controller), &a.class).cmp(&(rank(&b.controller), &b.class))
    });
    if out.is_empty() {
        return Err(SchemaError {
            file: dir.to_path_buf(),
            column: None,
            message: "no schemas found".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(ty: &str, null: &str) -> String {
        format!(
            r#"{{"controller":"basicspacedata","data":[{{"Field":"A","Type":"{ty}","Null":"{null}","Key":"","Default":null,"Extra":""}}]}}"#
        )
    }

    #[test]
    fn unknown_type_becomes_text_with_a_warning_naming_file_and_column() {
        let path = Path::new("schemas/basicspacedata/x.json");
        let s = ClassSchema::parse(path, &doc("geometry", "NO")).unwrap();
        assert_eq!(s.columns[0].sql, SqlType::Text { max_len: None });
        assert_eq!(s.warnings.len(), 1);
        let text = &s.warnings[0];
        assert!(text.contains("basicspacedata/x.json"), "{text}");
        assert!(text.contains("column `A`"), "{text}");
        assert!(text.contains("geometry"), "{text}");
    }

    #[test]
    fn semantic_types_and_notes() {
        let path = Path::new("schemas/basicspacedata/x.json");
        let text = r#"{"controller":"basicspacedata","data":[
            {"Field":"A","Type":"varchar(24)","Null":"YES","Key":"","Default":null,"Extra":""},
            {"Field":"B","Type":"int(10)","Null":"YES","Key":"","Default":null,"Extra":""}],
            "x-spacetrack":{"semantic_types":{"A":"datetime","B":"datetime","GONE":"datetime"},
            "columns":{"A":{"doc":"When.","unit":null},"GONE":{"doc":"x"}}}}"#;
        let s = ClassSchema::parse(path, text).unwrap();
        assert_eq!(s.columns[0].semantic, Some(Semantic::DateTime));
        assert_eq!(s.columns[0].note.doc.as_deref(), Some("When."));
        assert_eq!(s.columns[1].semantic, None, "not a text column");
        assert_eq!(s.warnings.len(), 3, "{:?}", s.warnings);
        let bad = text.replace(r#""A":"datetime""#, r#""A":"geometry""#);
        assert!(ClassSchema::parse(path, &bad).is_err());
    }

    #[test]
    fn null_must_be_yes_or_no() {
        let path = Path::new("schemas/basicspacedata/x.json");
        let e = ClassSchema::parse(path, &doc("int(10)", "maybe")).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("A"));
    }

    #[test]
    fn controller_must_match_folder() {
        let path = Path::new("schemas/fileshare/x.json");
        assert!(ClassSchema::parse(path, &doc("int(10)", "NO")).is_err());
    }

    #[test]
    fn loads_the_repository_schemas() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let all = load_dir(&dir).unwrap();
        assert_eq!(all.len(), 22);
        assert_eq!(all[0].controller, "basicspacedata");
        assert_eq!(all[0].class, "announcement");
        let gp = all.iter().find(|c| c.class == "gp").unwrap();
        assert_eq!(gp.columns.len(), 40);
    }
}
