//! The record struct of a class, its `Record` impl with the class's
//! `ClassInfo`, and its serde impls (a map visitor that looks each key up
//! in a generated index, and a `Serialize` that writes the columns back in
//! modeldef order).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::schema::Semantic;

use super::{Class, deprecated, docs};

/// The record struct, with one public field per column.
pub(super) fn declaration(class: &Class) -> TokenStream {
    let rec = class.record();
    let fields = class.columns.iter().map(|c| {
        let doc_attrs = docs::attrs(&docs::record_field(c.schema, class.schema));
        let deprecated = deprecated(c.schema);
        let (fid, fty) = (&c.field, &c.field_type);
        quote! {
            #doc_attrs
            #deprecated
            pub #fid: #fty,
        }
    });
    let doc_attrs = docs::attrs(&docs::record(class.schema, class.names));
    quote! {
        #doc_attrs
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct #rec {
            #(#fields)*
            /// Columns the answer carried that this build's schema does not list.
            unknown_columns: crate::de::UnknownColumns,
        }

        impl #rec {
            /// The columns the answer carried that this build's schema does not
            /// list, by name and value exactly as sent. They are written back by
            /// `Serialize`, so nothing is lost; `spacetrack schemas diff` shows
            /// what changed, and regenerating makes them typed fields.
            pub fn unknown_columns(&self) -> &crate::de::UnknownColumns {
                &self.unknown_columns
            }
        }
    }
}

/// `Record` (with the `ClassInfo` of the class), the column index used by
/// the field enum and the deserializer, and the serde impls.
pub(super) fn impls(class: &Class) -> TokenStream {
    let mut out = record_impl(class);
    out.extend(column_index(class));
    out.extend(deserialize(class));
    out.extend(serialize(class));
    out
}

fn record_impl(class: &Class) -> TokenStream {
    let (rec, fenum) = (class.record(), class.field_enum());
    let schema = class.schema;
    let (controller, class_name, record_name) =
        (&schema.controller, &schema.class, &class.names.record);
    let confidence = schema.confidence.as_deref().unwrap_or("unknown");
    let key_cols = &schema.key;
    let opt = |v: Option<&str>| match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    };
    let column_infos = class.columns.iter().map(|c| {
        let col = c.schema;
        let (colname, sql_type, nullable, inferred) =
            (&col.name, &col.raw_type, col.nullable, col.inferred);
        let note_doc = opt(col.note.doc.as_deref());
        let note_unit = opt(col.note.unit.as_deref());
        let semantic = match col.semantic {
            Some(Semantic::DateTime) => quote!(Some(crate::schema::Semantic::DateTime)),
            Some(Semantic::Date) => quote!(Some(crate::schema::Semantic::Date)),
            None => quote!(None),
        };
        quote! {
            crate::schema::ColumnInfo {
                name: #colname, sql_type: #sql_type, nullable: #nullable, inferred: #inferred,
                semantic: #semantic, doc: #note_doc, unit: #note_unit,
            }
        }
    });
    let cells = class.columns.iter().map(|c| {
        let (fid, idx) = (&c.field, usize::from(c.index));
        quote!(cell(#idx, crate::schema::IntoCell::into_cell(self.#fid));)
    });
    quote! {
        impl crate::schema::Record for #rec {
            type Field = #fenum;
            fn unknown_columns(&self) -> &crate::de::UnknownColumns {
                &self.unknown_columns
            }
            #[allow(deprecated)]
            fn into_cells(self, cell: &mut dyn FnMut(usize, crate::schema::Cell)) -> crate::de::UnknownColumns {
                #(#cells)*
                self.unknown_columns
            }
            const CLASS: &'static crate::schema::ClassInfo = &crate::schema::ClassInfo {
                controller: #controller,
                class: #class_name,
                rust_name: #record_name,
                confidence: #confidence,
                columns: &[#(#column_infos),*],
                key: &[#(#key_cols),*],
            };
        }
    }
}

/// A column's index from its exact Space-Track name.
fn column_index(class: &Class) -> TokenStream {
    let index_fn = &class.index_fn;
    let arms = class.columns.iter().map(|c| {
        let (colname, idx) = (&c.schema.name, c.index);
        quote!(#colname => Some(#idx),)
    });
    quote! {
        fn #index_fn(key: &str) -> Option<u16> {
            match key {
                #(#arms)*
                _ => None,
            }
        }
    }
}

fn deserialize(class: &Class) -> TokenStream {
    let rec = class.record();
    let index_fn = &class.index_fn;
    let class_name = &class.schema.class;
    let expecting = format!("a Space-Track `{class_name}` record (a JSON object)");
    let visitor = format_ident!("{}Visitor", class.names.record);
    let slots_ty = format_ident!("{}Slots", class.names.record);
    let unset_msg = format!("{class_name}: a column was left unset");
    let cols = &class.columns;
    let slots = cols.iter().map(|c| {
        let (fid, fty) = (&c.field, &c.field_type);
        quote!(#fid: Option<#fty>,)
    });
    let fills = cols.iter().map(|c| {
        let (fid, colname, idx) = (&c.field, &c.schema.name, c.index);
        quote!(crate::de::Key::Known(#idx) => crate::de::fill(&mut map, &mut slots.#fid, #colname)?,)
    });
    let settles = cols.iter().map(|c| {
        let (fid, colname) = (&c.field, &c.schema.name);
        quote!(crate::de::settle(&mut slots.#fid, #colname)?;)
    });
    let binds = cols.iter().map(|c| {
        let fid = &c.field;
        quote!(#fid: Some(#fid),)
    });
    let takes = cols.iter().map(|c| {
        let fid = &c.field;
        quote!(#fid,)
    });
    quote! {
        impl<'de> serde::Deserialize<'de> for #rec {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map(#visitor)
            }
        }

        struct #visitor;

        // One value holds every column read so far: an early return (a bad
        // value) then drops one struct, not each of hundreds of locals
        // (cdm has 311 columns; per-column locals made the drop code grow
        // with the square of the column count and stalled optimised builds).
        #[derive(Default)]
        struct #slots_ty {
            #(#slots)*
        }

        impl<'de> serde::de::Visitor<'de> for #visitor {
            type Value = #rec;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(#expecting)
            }

            #[allow(deprecated)]
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#rec, A::Error> {
                let mut slots = #slots_ty::default();
                let mut unknown_columns = crate::de::UnknownColumns::default();
                while let Some(key) = map.next_key_seed(crate::de::KeySeed(#index_fn))? {
                    match key {
                        #(#fills)*
                        crate::de::Key::Unknown(name) => crate::de::fill_unknown(&mut map, &mut unknown_columns, name)?,
                        crate::de::Key::Known(_) => { map.next_value::<serde::de::IgnoredAny>()?; }
                    }
                }
                if !unknown_columns.is_empty() {
                    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
                    crate::de::warn_unknown_once(&WARNED, #class_name, &unknown_columns);
                }
                #(#settles)*
                // Every slot is filled now; binding them all in one pattern
                // keeps the record's construction free of early returns.
                let #slots_ty { #(#binds)* } = slots else {
                    return Err(serde::de::Error::custom(#unset_msg));
                };
                Ok(#rec { #(#takes)* unknown_columns })
            }
        }
    }
}

fn serialize(class: &Class) -> TokenStream {
    let rec = class.record();
    let ncols = class.columns.len();
    let entries = class.columns.iter().map(|c| {
        let (fid, colname) = (&c.field, &c.schema.name);
        quote!(state.serialize_entry(#colname, &crate::de::Wire(&self.#fid))?;)
    });
    quote! {
        impl serde::Serialize for #rec {
            #[allow(deprecated)]
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut state = serializer.serialize_map(Some(#ncols + self.unknown_columns.len()))?;
                #(#entries)*
                for (name, value) in self.unknown_columns.iter() {
                    state.serialize_entry(name, value)?;
                }
                state.end()
            }
        }
    }
}
