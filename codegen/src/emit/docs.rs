//! The documentation of everything the generator emits: the text of each
//! doc comment, built from the schema's types, notes and semantic types.
//! The other parts of `emit` only place it with [`attrs`].

use proc_macro2::TokenStream;
use quote::quote;

use crate::mysql::SqlType;
use crate::names;
use crate::schema::{ClassSchema, Column, Semantic};

use super::ClassNames;

/// One `#[doc]` attribute per line, each with a leading space, so that
/// prettyplease prints `/// text`.
pub(super) fn attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote!(#(#[doc = #lines])*)
}

/// The column's meaning and unit, when the schema has them, as Markdown
/// (the notes are plain text: `[8,8]` must not become a link, `m**2` not
/// bold).
fn meaning(col: &Column) -> Option<String> {
    fn trimmed(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|t| !t.is_empty())
    }
    let doc = trimmed(col.note.doc.as_deref()).map(markdown_text);
    let unit = trimmed(col.note.unit.as_deref()).map(|u| format!("`{}`", u.replace('`', "'")));
    match (doc, unit) {
        (None, None) => None,
        (Some(d), None) => Some(d),
        (None, Some(u)) => Some(format!("Unit: {u}.")),
        (Some(d), Some(u)) => Some(format!("{d} Unit: {u}.")),
    }
}

/// Plain text made safe for rustdoc Markdown.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '[' | ']' | '<' | '>' | '*' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// How to filter a text column that carries datetimes.
fn semantic_filter_advice(col: &Column, class: &ClassSchema) -> Option<String> {
    let example = match col.semantic? {
        Semantic::DateTime => "`2026-11-26 0:29`, the hour not zero-padded",
        Semantic::Date => "`1998-11-20`",
    };
    let alternative = class
        .columns
        .iter()
        .find(|c| c.sql.is_temporal())
        .map(|c| {
            format!(
                " For time ranges filter on a datetime column such as `{}` instead.",
                c.name
            )
        })
        .unwrap_or_default();
    let kind = match col.semantic? {
        Semantic::DateTime => "a UTC datetime",
        Semantic::Date => "a date",
    };
    Some(format!(
        "Space-Track stores this column as text (for example {example}), so the record field \
         is decoded into {kind}, but the server compares filter values as text: `>`, `<` and \
         ranges order strings, not times, and `now` is not understood. Filter it with an exact \
         value or a prefix (`op::starts_with(\"2026-11-26\")`).{alternative}"
    ))
}

/// A field of the record: meaning, MySQL type, nullability, default, and
/// how to filter a text column that carries datetimes.
pub(super) fn record_field(col: &Column, class: &ClassSchema) -> String {
    let mut doc = String::new();
    if let Some(m) = meaning(col) {
        doc.push_str(&m);
        doc.push_str("\n\n");
    }
    doc.push_str(&format!(
        "`{}`: `{}`, {}",
        col.name,
        col.raw_type,
        if col.nullable { "nullable" } else { "not null" }
    ));
    match &col.default {
        Some(d) if d.is_empty() => doc.push_str(", default: empty string."),
        Some(d) => doc.push_str(&format!(", default `{d}`.")),
        None => doc.push('.'),
    }
    if let Some(advice) = semantic_filter_advice(col, class) {
        doc.push_str("\n\n");
        doc.push_str(&advice);
    }
    if col.inferred {
        doc.push_str(
            "\n\nThe type is inferred from the column name: no published modeldef gives it.",
        );
    }
    doc
}

/// A filter method of the query builder.
pub(super) fn filter_method(col: &Column, class: &ClassSchema) -> String {
    let mut doc = format!(
        "Filters on `{}` (`{}`{}): a value, a list (`[a, b]`), a range (`a..=b`) or an operator from [`op`](crate::op).",
        col.name,
        col.raw_type,
        if col.nullable { ", nullable" } else { "" }
    );
    if let Some(m) = meaning(col) {
        doc.push_str("\n\n");
        doc.push_str(&m);
    }
    if let Some(advice) = semantic_filter_advice(col, class) {
        doc.push_str("\n\n");
        doc.push_str(&advice);
    }
    doc
}

/// A variant of the field enum.
pub(super) fn field_variant(col: &Column) -> String {
    format!("`{}` (`{}`).", col.name, col.raw_type)
}

/// The record struct.
pub(super) fn record(class: &ClassSchema, n: &ClassNames) -> String {
    let (controller, class_name) = (&class.controller, &class.class);
    let confidence = class.confidence.as_deref().unwrap_or("unknown");
    format!(
        "A record of the `{class_name}` class (`{controller}/query/class/{class_name}`).\n\n\
         Generated from `schemas/{controller}/{class_name}.json` (schema confidence: {confidence}). \
         Query it with [`Client::{m}`](crate::Client::{m}), whose builder [`{q}`] has one filter per column.",
        m = n.method,
        q = n.query
    )
}

/// The field enum.
pub(super) fn field_enum(class: &ClassSchema, n: &ClassNames) -> String {
    format!(
        "The columns of `{class_name}`, for [`order_by`]({q}::order_by), \
         [`select`]({q}::select) and schema checks.",
        class_name = class.class,
        q = n.query
    )
}

/// The `Client` method that starts a query.
pub(super) fn client_method(class: &ClassSchema, n: &ClassNames) -> String {
    format!(
        "Starts a query on `{controller}/{class_name}`, returning [`{record_name}`] records: \
         see [`{q}`] for its filters.",
        controller = class.controller,
        class_name = class.class,
        record_name = n.record,
        q = n.query
    )
}

/// The page of a class's query builder: what it returns, where its
/// filters come from, and an example using one of its columns.
pub(super) fn query_builder(class: &ClassSchema, n: &ClassNames) -> String {
    let (controller, class_name, m, rec) = (&class.controller, &class.class, &n.method, &n.record);
    let q = &n.query;
    let example_filter = class
        .columns
        .iter()
        .filter(|c| c.deprecated.is_none())
        .find_map(|c| {
            let value = match (&c.sql, c.semantic) {
                (_, Some(_)) => return None,
                (SqlType::Int { .. }, _) => "op::gt(0)".to_owned(),
                (SqlType::Date | SqlType::DateTime { .. }, _) => {
                    "op::gt(op::now_minus_days(30))".to_owned()
                }
                (SqlType::Text { .. }, _) => "op::like(\"A\")".to_owned(),
                _ => return None,
            };
            Some(format!("\n    .{}({value})", names::method_ident(&c.name)))
        })
        .unwrap_or_default();
    let filters = class
        .columns
        .iter()
        .filter(|c| !matches!(c.sql, SqlType::Blob));
    // Filters not named the column's snake case: a Rust keyword gets `_`, a
    // builder method's name `_field`.
    let renamed: Vec<String> = filters
        .clone()
        .filter(|c| names::method_ident(&c.name) != names::snake(&c.name))
        .map(|c| format!("`{}` is `{}`", c.name, names::method_ident(&c.name)))
        .collect();
    let naming = filters
        .clone()
        .filter(|c| c.deprecated.is_none())
        .find(|c| names::method_ident(&c.name) == names::snake(&c.name))
        .map(|c| {
            let m = names::method_ident(&c.name);
            let except = if renamed.is_empty() {
                String::new()
            } else {
                format!(", except that {}", renamed.join(", "))
            };
            format!(
                ", named after the column in snake case (`{}` is [`{m}`](Self::{m}){except})",
                c.name
            )
        })
        .unwrap_or_default();
    let key = if class.key.is_empty() {
        "no known key: [`paginate`](Self::paginate) orders by every column".to_owned()
    } else {
        format!(
            "key {}: [`paginate`](Self::paginate) orders by it after the query's own order",
            class
                .key
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "The query builder of `{controller}/{class_name}`, returning [`{rec}`] records.\n\n\
         Made by [`Client::{m}`](crate::Client::{m}) (or the blocking client's method of the same \
         name). Each column of the class is a filter method below{naming}, documented with the \
         column's MySQL type and meaning; each takes the column's own type, lists, ranges and the \
         operators of [`op`](crate::op). A value of another type is a compile error that names \
         the type the filter takes ([more](crate::op#when-a-filter-does-not-compile)), and a \
         method this page does not list is not a filter of `{class_name}` (error E0599, \
         \"no method named … found for struct `{q}`\"). The methods common to every class \
         (ordering, limits, \
         sending, streaming) follow the filters; [`into_query`](Self::into_query) gives the \
         generic [`Query`](crate::Query) for code that handles any class. Schema: \
         `schemas/{controller}/{class_name}.json`, {key}.\n\n\
         ```no_run\n\
         use spacetrack::op;\n\
         # async fn demo(st: spacetrack::Client) -> spacetrack::Result<()> {{\n\
         let rows: Vec<spacetrack::{rec}> = st\n    .{m}(){example_filter}\n    .limit(10)\n    .send()\n    .await?;\n\
         # Ok(()) }}\n\
         ```"
    )
}

/// The enum of an `enum(...)` column's values.
pub(super) fn value_enum(class: &ClassSchema, col: &Column) -> String {
    format!(
        "Values of `{}.{}` (`{}`). Unknown values sent by the server are kept in `Other`.",
        class.class, col.name, col.raw_type
    )
}

/// One member of a value enum.
pub(super) fn value_enum_member(member: &str) -> String {
    format!("`{member}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_page_names_filters_after_columns() {
        let text = r#"{"controller":"basicspacedata","data":[
            {"Field":"PAYLOAD","Type":"blob","Null":"YES","Key":"","Default":null,"Extra":""},
            {"Field":"TYPE","Type":"varchar(8)","Null":"YES","Key":"","Default":null,"Extra":""},
            {"Field":"OBJECT_ID","Type":"int(10)","Null":"YES","Key":"","Default":null,"Extra":""},
            {"Field":"LIMIT","Type":"int(10)","Null":"YES","Key":"","Default":null,"Extra":""}]}"#;
        let class = ClassSchema::parse(std::path::Path::new("schemas/basicspacedata/x.json"), text)
            .unwrap();
        let names = &super::super::class_names(std::slice::from_ref(&class))[0];
        let doc = query_builder(&class, names);
        assert!(
            doc.contains(
                "named after the column in snake case (`OBJECT_ID` is \
                 [`object_id`](Self::object_id), except that `TYPE` is `type_`, \
                 `LIMIT` is `limit_field`)"
            ),
            "{doc}"
        );
        assert!(doc.contains("not a filter of `x` (error E0599"), "{doc}");
    }

    #[test]
    fn notes_are_plain_text_in_docs() {
        assert_eq!(
            markdown_text("Element [8,8] of C, in m**2 <i>"),
            "Element \\[8,8\\] of C, in m\\*\\*2 \\<i\\>"
        );
    }
}
