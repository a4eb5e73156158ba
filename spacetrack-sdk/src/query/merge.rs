//! Merging the answers of a long value list's requests: records sorted as
//! Space-Track's `orderby` would have sorted one answer.

use std::cmp::Ordering;

/// Sorts `rows` (serialised records) the way Space-Track's `orderby` would:
/// each key is `column` or `column desc`; nulls first when ascending, text
/// compared ignoring ASCII case like MySQL's default collation. Stable, so
/// rows equal on every key keep the order in which they arrived.
pub(crate) fn sort_rows<T>(
    rows: &mut [(serde_json::Value, T)],
    order: &[String],
    class: &crate::schema::ClassInfo,
) {
    let keys: Vec<(String, bool, Vec<String>)> = order
        .iter()
        .map(|k| {
            let (name, desc) = match k.strip_suffix(" desc") {
                Some(name) => (name.to_ascii_uppercase(), true),
                None => (k.to_ascii_uppercase(), false),
            };
            let members = class
                .column(&name)
                .map(|c| enum_members(c.sql_type))
                .unwrap_or_default();
            (name, desc, members)
        })
        .collect();
    rows.sort_by(|(a, _), (b, _)| {
        for (name, desc, members) in &keys {
            let (x, y) = (field(a, name), field(b, name));
            // MySQL sorts an enum by its members' order, not as text.
            let rank = |v: &serde_json::Value| {
                v.as_str()
                    .and_then(|s| members.iter().position(|m| m == s))
                    .map(|i| serde_json::Value::from(i as u64))
            };
            let ord = match (members.is_empty(), rank(x), rank(y)) {
                (false, Some(i), Some(j)) => compare(&i, &j),
                _ => compare(x, y),
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
}

/// The members of `enum('a','b',...)`, in order; empty for other types.
fn enum_members(sql_type: &str) -> Vec<String> {
    let Some(inner) = sql_type
        .strip_prefix("enum(")
        .and_then(|t| t.strip_suffix(')'))
    else {
        return Vec::new();
    };
    inner
        .split(',')
        .map(|m| m.trim().trim_matches('\'').to_owned())
        .collect()
}

fn field<'a>(row: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let obj = row.as_object();
    obj.and_then(|o| {
        o.get(name).or_else(|| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    })
    .unwrap_or(&serde_json::Value::Null)
}

fn compare(a: &serde_json::Value, b: &serde_json::Value) -> Ordering {
    use serde_json::Value::*;
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Null, _) => Ordering::Less,
        (_, Null) => Ordering::Greater,
        (Number(x), Number(y)) => {
            // Integers exactly (a bigint above 2^53 is not an f64).
            let int = |n: &serde_json::Number| {
                n.as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from))
            };
            match (int(x), int(y)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => {
                    let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                    x.total_cmp(&y)
                }
            }
        }
        (String(x), String(y)) => {
            let ord = x
                .bytes()
                .map(|c| c.to_ascii_lowercase())
                .cmp(y.bytes().map(|c| c.to_ascii_lowercase()));
            ord.then_with(|| x.cmp(y))
        }
        (Bool(x), Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_compare_exactly() {
        let (a, b) = (
            serde_json::json!(9_007_199_254_740_993u64),
            serde_json::json!(9_007_199_254_740_992u64),
        );
        assert_eq!(compare(&a, &b), Ordering::Greater);
        assert_eq!(
            compare(&serde_json::json!(-1), &serde_json::json!(u64::MAX)),
            Ordering::Less
        );
        assert_eq!(
            compare(&serde_json::json!(1.5), &serde_json::json!(1)),
            Ordering::Greater
        );
    }

    #[test]
    fn enums_sort_by_member_order() {
        let v = |t: &str| serde_json::json!({"OBJECT_TYPE": t});
        let mut rows = vec![(v("DEBRIS"), 0), (v("PAYLOAD"), 1), (v("ROCKET BODY"), 2)];
        let info = crate::schema::ClassInfo {
            controller: "x",
            class: "x",
            rust_name: "X",
            confidence: "",
            columns: &[crate::schema::ColumnInfo {
                name: "OBJECT_TYPE",
                sql_type: "enum('PAYLOAD','ROCKET BODY','DEBRIS','UNKNOWN')",
                nullable: true,
                inferred: false,
                semantic: None,
                doc: None,
                unit: None,
            }],
            key: &[],
        };
        sort_rows(&mut rows, &["object_type".into()], &info);
        assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 2, 0]);
    }

    #[test]
    fn rows_sort_like_orderby() {
        let v = |n: Option<i64>, s: &str| serde_json::json!({"N": n, "S": s});
        let mut rows = vec![
            (v(Some(2), "b"), 0),
            (v(None, "a"), 1),
            (v(Some(1), "B"), 2),
            (v(Some(2), "A"), 3),
        ];
        sort_rows(
            &mut rows,
            &["n".into(), "s desc".into()],
            <crate::Gp as crate::Record>::CLASS,
        );
        assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 2, 0, 3]);
    }
}
