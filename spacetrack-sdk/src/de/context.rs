//! The decode context: which record, column and value an error is about,
//! kept per thread while serde runs (serde's errors carry only text).

use std::cell::RefCell;

use serde::de;

#[derive(Default)]
pub(super) struct Context {
    pub(super) field: Option<&'static str>,
    pub(super) value: Option<String>,
    pub(super) record: Option<usize>,
}

thread_local! {
    pub(super) static CONTEXT: RefCell<Context> = RefCell::new(Context::default());
}

pub(super) fn reset_context() {
    CONTEXT.with(|c| *c.borrow_mut() = Context::default());
}

const MAX_VALUE_IN_ERROR: usize = 120;

pub(super) fn shown(value: &str) -> String {
    if value.len() <= MAX_VALUE_IN_ERROR {
        value.to_owned()
    } else {
        let mut end = MAX_VALUE_IN_ERROR;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &value[..end], value.len())
    }
}

pub(super) fn field_error<E: de::Error>(
    field: &'static str,
    value: Option<&str>,
    message: String,
) -> E {
    let value = value.map(shown);
    let text = match &value {
        Some(v) => format!("column `{field}`: invalid value {v:?}: {message}"),
        None => format!("column `{field}`: {message}"),
    };
    CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        c.field = Some(field);
        c.value = value;
    });
    E::custom(text)
}
