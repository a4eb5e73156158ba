//! The embedded schemas: the classes the simulator serves, with their
//! modeldef, and the columns a simulator adds to them.

use spacetrack_codegen::ClassSchema;
use spacetrack_codegen::schema::ModeldefRow;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/schemas.rs"));
}

/// The classes the simulator serves, parsed from the embedded schemas.
pub fn schemas() -> Vec<(ClassSchema, Vec<ModeldefRow>)> {
    schemas_with(&[]).expect("embedded schemas are valid (checked by codegen tests)")
}

/// The embedded schemas with `extra` columns appended to their classes'
/// modeldef, parsed by the generator's own parser (an unknown type becomes
/// text, a bad or duplicate name is an error naming the column).
pub(crate) fn schemas_with(
    extra: &[(String, String, ModeldefRow)],
) -> Result<Vec<(ClassSchema, Vec<ModeldefRow>)>, spacetrack_codegen::SchemaError> {
    embedded::SCHEMAS
        .iter()
        .map(|(rel, text)| {
            let path = std::path::Path::new("schemas").join(rel);
            let mut doc: spacetrack_codegen::schema::ModeldefDocument =
                serde_json::from_str(text).expect("embedded schema is JSON");
            let class = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            doc.data.extend(
                extra
                    .iter()
                    .filter(|(ctl, cls, _)| *ctl == doc.controller && cls == class)
                    .map(|(_, _, row)| row.clone()),
            );
            let text = serde_json::to_string(&doc).expect("a modeldef document serialises");
            let schema = ClassSchema::parse(&path, &text)?;
            Ok((schema, doc.data))
        })
        .collect()
}
