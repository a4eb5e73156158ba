//! The Rust types of column values: the type of each record field and
//! filter parameter, and the enum emitted for each `enum(...)` column.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::mysql::SqlType;
use crate::names;
use crate::schema::{Column, SchemaError, Semantic};

use super::{Class, docs, ident};

/// The Rust type of a column's value, without `Option`.
pub(super) fn value_type(col: &Column, enum_name: &str) -> TokenStream {
    match &col.sql {
        SqlType::Int { bytes, unsigned } => match (bytes, unsigned) {
            (1, true) => quote!(u8),
            (1, false) => quote!(i8),
            (2, true) => quote!(u16),
            (2, false) => quote!(i16),
            (3 | 4, true) => quote!(u32),
            (3 | 4, false) => quote!(i32),
            (_, true) => quote!(u64),
            (_, false) => quote!(i64),
        },
        SqlType::Real { .. } => quote!(f64),
        SqlType::Date => quote!(chrono::NaiveDate),
        SqlType::DateTime { .. } => quote!(chrono::DateTime<chrono::Utc>),
        SqlType::Text { .. } if col.semantic == Some(Semantic::DateTime) => {
            quote!(chrono::DateTime<chrono::Utc>)
        }
        SqlType::Text { .. } if col.semantic == Some(Semantic::Date) => quote!(chrono::NaiveDate),
        SqlType::Text { .. } => quote!(String),
        SqlType::Blob => quote!(Vec<u8>),
        SqlType::Enum(_) => {
            let e = ident(enum_name);
            quote!(#e)
        }
    }
}

/// The type a predicate method takes: the value type, except for text
/// columns with a semantic type, which the server still compares as text.
pub(super) fn filter_type(col: &Column, enum_name: &str) -> TokenStream {
    match col.semantic {
        Some(_) => quote!(String),
        None => value_type(col, enum_name),
    }
}

/// The variant of each member of an `enum(...)` column, or an error when
/// two members map to the same variant.
pub(super) fn enum_variants(
    col: &Column,
    members: &[String],
) -> Result<Vec<(String, Ident)>, SchemaError> {
    let mut seen = BTreeSet::new();
    members
        .iter()
        .map(|m| {
            let v = names::variant(m);
            if !seen.insert(v.clone()) {
                return Err(SchemaError {
                    file: Default::default(),
                    column: Some(col.name.clone()),
                    message: format!("enum members map to the same variant `{v}`"),
                });
            }
            Ok((m.clone(), ident(&v)))
        })
        .collect()
}

/// The value enums of a class, in column order.
pub(super) fn value_enums(class: &Class) -> TokenStream {
    class
        .columns
        .iter()
        .filter_map(|c| {
            let members = c.enum_members.as_deref()?;
            Some(value_enum(class, c.schema, &c.enum_name, members))
        })
        .collect()
}

fn value_enum(class: &Class, col: &Column, name: &str, members: &[(String, Ident)]) -> TokenStream {
    let id = ident(name);
    let variants = members.iter().map(|(m, v)| {
        let doc_attrs = docs::attrs(&docs::value_enum_member(m));
        quote!(#doc_attrs #v,)
    });
    let to_str = members.iter().map(|(m, v)| quote!(#id::#v => #m,));
    let from_str = members.iter().map(|(m, v)| quote!(#m => #id::#v,));
    let doc_attrs = docs::attrs(&docs::value_enum(class.schema, col));
    quote! {
        #doc_attrs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #id {
            #(#variants)*
            /// A value the schema snapshot does not list.
            Other(String),
        }

        impl #id {
            /// The value as Space-Track writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    #id::Other(s) => s.as_str(),
                }
            }
        }

        impl std::fmt::Display for #id {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::de::FromWire for #id {
            const EXPECTING: &'static str = "one of the enum's values";
            fn from_wire_str(s: &str) -> Result<Self, String> {
                Ok(match s {
                    #(#from_str)*
                    other => #id::Other(other.to_owned()),
                })
            }
        }

        impl crate::de::ToWire for #id {
            fn to_wire(&self, out: &mut String) -> Result<(), String> {
                out.push_str(self.as_str());
                Ok(())
            }
            fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl crate::schema::IntoCell for #id {
            fn into_cell(self) -> crate::schema::Cell {
                crate::schema::Cell::Text(match self {
                    #id::Other(s) => s,
                    known => known.as_str().to_owned(),
                })
            }
        }
    }
}
