//! The columns of a record that its schema does not list.

/// The columns of a record that its schema does not list, in the order the
/// answer sent them, with their values exactly as sent (Space-Track sends
/// strings and nulls). Every generated record has them
/// ([`Record::unknown_columns`](crate::schema::Record::unknown_columns)), and
/// serialises them back after its typed fields, so decoding and encoding
/// loses nothing.
///
/// [`get`](Self::get) gives a value as sent; the typed getters
/// ([`get_f64`](Self::get_f64), [`get_i64`](Self::get_i64),
/// [`get_datetime`](Self::get_datetime), [`get_date`](Self::get_date),
/// [`get_as::<T>`](Self::get_as)) decode it as a known column of that
/// type would be, `Ok(None)` when absent or null.
///
/// ```
/// # fn main() -> spacetrack::Result<()> {
/// let body = br#"[{"NORAD_CAT_ID":"25544","OBJECT_NAME":"ISS (ZARYA)","REENTRY_RISK":"0.01"}]"#;
/// let rows: Vec<spacetrack::Satellite> = spacetrack::de::from_json_slice(body)?;
/// let extra = rows[0].unknown_columns();
/// assert_eq!(extra.get_str("REENTRY_RISK"), Some("0.01"));
/// assert_eq!(extra.get_f64("REENTRY_RISK")?, Some(0.01));
/// assert!(serde_json::to_string(&rows[0]).unwrap().contains(r#""REENTRY_RISK":"0.01""#));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownColumns(pub(crate) Vec<(String, serde_json::Value)>);

impl UnknownColumns {
    /// Whether the record had no unknown column.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// How many unknown columns the record had.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// The value of an unknown column (exact name first, then ignoring
    /// ASCII case).
    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v)
    }
    /// The value of an unknown column when it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name)?.as_str()
    }
    /// The names, in the order the answer sent them.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }
    /// `(name, value)` pairs, in the order the answer sent them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}

/// `(name, value)` pairs, owned, in the order the answer sent them.
impl IntoIterator for UnknownColumns {
    type Item = (String, serde_json::Value);
    type IntoIter = std::vec::IntoIter<(String, serde_json::Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a UnknownColumns {
    type Item = (&'a str, &'a serde_json::Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, serde_json::Value)>,
        fn(&'a (String, serde_json::Value)) -> (&'a str, &'a serde_json::Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}
