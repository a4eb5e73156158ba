//! Rust names for Space-Track classes and columns.

/// Rust keywords that cannot be field or method names.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Methods of the query builder that a column method must not shadow.
pub const RESERVED_METHODS: &[&str] = &[
    "order_by",
    "limit",
    "offset",
    "distinct",
    "metadata",
    "empty_result_show",
    "favorites",
    "select",
    "send",
    "send_json",
    "send_text",
    "send_bytes",
    "send_with_metadata",
    "url",
    "stream",
    "lines",
    "bytes",
    "timeout",
    "format",
    "predicate",
    "predicates",
    "client",
    "new",
    "clone",
    "into_raw",
    "raw",
    "raw_predicate",
    "first",
    "send_partial",
    "stream_partial",
    "paginate",
    "into_query",
    "filter",
];

/// `NORAD_CAT_ID` → `norad_cat_id`, `gp_history` → `gp_history`.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            // camelCase boundary: aB → a_b (ALL-CAPS stays one word).
            if i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit()) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `cdm_public` → `CdmPublic`, `NORAD_CAT_ID` → `NoradCatId`, `3le` → `_3le`.
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    for part in snake(name).split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, 'V');
    }
    out
}

/// A field or method identifier: keywords get a trailing underscore.
pub fn field_ident(column: &str) -> String {
    let s = snake(column);
    if KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// The builder method for a column: like [`field_ident`], but a column that
/// would shadow a builder method gets a `_field` suffix.
pub fn method_ident(column: &str) -> String {
    let s = field_ident(column);
    if RESERVED_METHODS.contains(&s.as_str()) {
        format!("{s}_field")
    } else {
        s
    }
}

/// A variant name for an enum member such as `ROCKET BODY` or `a-b/c`.
pub fn variant(member: &str) -> String {
    let cleaned: String = member
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let lower = cleaned.to_ascii_lowercase();
    let p = pascal(&lower);
    if p == "Other" { "Other_".into() } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("NORAD_CAT_ID"), "norad_cat_id");
        assert_eq!(snake("org_name"), "org_name");
        assert_eq!(pascal("cdm_public"), "CdmPublic");
        assert_eq!(pascal("NORAD_CAT_ID"), "NoradCatId");
        assert_eq!(field_ident("TYPE"), "type_");
        assert_eq!(method_ident("LIMIT"), "limit_field");
        assert_eq!(method_ident("FILE"), "file");
        assert_eq!(variant("ROCKET BODY"), "RocketBody");
        assert_eq!(variant("TBA"), "Tba");
        assert_eq!(variant("1"), "V1");
        assert_eq!(variant("other"), "Other_");
    }
}
