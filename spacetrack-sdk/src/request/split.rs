//! Long value lists: a query whose URL would be longer than
//! [`MAX_URL_BYTES`] is sent as several requests, each with part of its
//! longest value list, and the answers are merged in the query's order.

use crate::error::{Error, Result};

use super::{Format, Spec, encode_segment};

/// The longest URL a query sends, in bytes. A query with a longer URL is
/// split into several requests, each under this bound, by dividing its
/// longest value list (`norad_cat_id([...])`); every request goes through the
/// rate limiter. 4,000 bytes stays well under the 8 KiB request line that
/// common web servers and proxies accept (Apache's `LimitRequestLine` is
/// 8,190) and holds about 400 NORAD catalog numbers.
pub const MAX_URL_BYTES: usize = 4000;

/// Path segments that are not filters, so never split.
pub(crate) const CONTROL_KEYS: &[&str] = &[
    "orderby",
    "predicates",
    "limit",
    "metadata",
    "distinct",
    "emptyresult",
    "favorites",
];

/// The requests that together answer `spec`: `spec` itself when its URL
/// (`base_len` bytes of base URL plus the path) fits in `max_url`, else one
/// request per part of its longest value list, in the list's order.
pub(crate) fn split(
    spec: &Spec,
    format: Option<Format>,
    base_len: usize,
    max_url: usize,
) -> Result<Vec<Spec>> {
    let len = base_len + spec.path(format)?.len();
    if len <= max_url {
        return Ok(vec![spec.clone()]);
    }
    let too_long = |why: &str| {
        Error::InvalidArgument(format!(
            "the request URL would be {len} bytes, over the {max_url}-byte bound, and {why}"
        ))
    };
    let (index, list) = spec
        .segments
        .iter()
        .enumerate()
        .filter(|(_, (k, v))| !CONTROL_KEYS.contains(&k.as_str()) && v.contains(','))
        .max_by_key(|(_, (_, v))| encode_segment(v).len())
        .map(|(i, (_, v))| (i, v.clone()))
        .ok_or_else(|| too_long("has no value list to split"))?;
    // Only a list of plain values can be divided: each record then matches
    // exactly one value, so no record comes back from two requests. Values
    // repeated (ignoring case, as MySQL compares text) are sent once.
    let mut seen = std::collections::HashSet::new();
    let mut terms = Vec::new();
    for term in list.split(',') {
        let operator = term.starts_with(['>', '<', '^'])
            || term.starts_with("~~")
            || term.contains("--")
            || term.eq_ignore_ascii_case("null-val");
        if operator {
            return Err(too_long(&format!(
                "its longest list holds the operator term `{}`: only a list of plain values \
                 can be divided between requests without returning a record twice",
                term.chars().take(40).collect::<String>()
            )));
        }
        if seen.insert(term.to_lowercase()) {
            terms.push(term);
        }
    }
    let list_len = encode_segment(&list).len();
    let list = terms.join(",");
    if len - list_len + encode_segment(&list).len() <= max_url {
        let mut s = spec.clone();
        s.segments[index].1 = list;
        return Ok(vec![s]);
    }
    let fixed = len - list_len;
    let room = max_url
        .checked_sub(fixed)
        .filter(|&r| r > 0)
        .ok_or_else(|| too_long("is too long even without its value list"))?;
    const COMMA: usize = 3; // `%2C`
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for term in list.split(',') {
        let term_len = encode_segment(term).len();
        if term_len > room {
            return Err(too_long(&format!(
                "the value `{}` alone does not fit",
                term.chars().take(40).collect::<String>()
            )));
        }
        if !current.is_empty() && current_len + COMMA + term_len > room {
            parts.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if !current.is_empty() {
            current.push(',');
            current_len += COMMA;
        }
        current.push_str(term);
        current_len += term_len;
    }
    parts.push(current);
    Ok(parts
        .into_iter()
        .map(|part| {
            let mut s = spec.clone();
            s.segments[index].1 = part;
            s
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with(ids: &[u32]) -> Spec {
        let mut s = Spec::new("basicspacedata", "gp");
        let list: Vec<String> = ids.iter().map(u32::to_string).collect();
        s.set("norad_cat_id", list.join(","));
        s.set("orderby", "epoch desc".into());
        s
    }

    #[test]
    fn short_queries_are_one_request() {
        let s = spec_with(&[1, 2, 3]);
        assert_eq!(split(&s, Some(Format::Json), 30, 4000).unwrap().len(), 1);
    }

    #[test]
    fn long_lists_split_in_order_under_the_bound() {
        let ids: Vec<u32> = (10_000..12_000).collect();
        let s = spec_with(&ids);
        let parts = split(&s, Some(Format::Json), 30, 500).unwrap();
        assert!(parts.len() > 1);
        let mut seen = Vec::new();
        for p in &parts {
            assert!(30 + p.path(Some(Format::Json)).unwrap().len() <= 500);
            assert_eq!(p.segments[1], ("orderby".into(), "epoch desc".into()));
            seen.extend(
                p.segments[0]
                    .1
                    .split(',')
                    .map(|v| v.parse::<u32>().unwrap()),
            );
        }
        assert_eq!(seen, ids);
    }

    #[test]
    fn only_plain_lists_split_and_repeats_are_sent_once() {
        let mut s = Spec::new("basicspacedata", "gp");
        let mut terms: Vec<String> = (10_000..10_200).map(|i| i.to_string()).collect();
        terms.push(">5".into());
        s.set("norad_cat_id", terms.join(","));
        let e = split(&s, None, 30, 500).unwrap_err();
        assert!(e.to_string().contains("operator term"), "{e}");
        // 40 distinct values written 30 times each fit once deduplicated.
        let mut s = Spec::new("basicspacedata", "gp");
        let list: Vec<String> = (0..1200).map(|i| (10_000 + i % 40).to_string()).collect();
        s.set("norad_cat_id", list.join(","));
        let parts = split(&s, None, 30, 500).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].segments[0].1.split(',').count(), 40);
    }

    #[test]
    fn unsplittable_queries_are_refused() {
        let mut s = Spec::new("basicspacedata", "gp");
        s.set("object_name", "X".repeat(600));
        let e = split(&s, None, 30, 500).unwrap_err();
        assert!(e.to_string().contains("no value list"), "{e}");
        let mut s = Spec::new("basicspacedata", "gp");
        s.set("object_name", format!("A,{}", "X".repeat(600)));
        let e = split(&s, None, 30, 500).unwrap_err();
        assert!(e.to_string().contains("alone does not fit"), "{e}");
    }
}
