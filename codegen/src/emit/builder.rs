//! The query builder of a class: its struct, the methods common to every
//! class (through `class_query!`) and one filter method per column.

use proc_macro2::TokenStream;
use quote::quote;

use crate::mysql::SqlType;
use crate::names;

use super::{Class, deprecated, docs, ident};

/// The builder struct and its filter methods.
pub(super) fn builder(class: &Class) -> TokenStream {
    let (rec, qtype) = (class.record(), class.query());
    let methods = class
        .columns
        .iter()
        // A blob has no value the server can compare.
        .filter(|c| !matches!(c.schema.sql, SqlType::Blob))
        .map(|c| {
            let col = c.schema;
            let doc_attrs = docs::attrs(&docs::filter_method(col, class.schema));
            let deprecated = deprecated(col);
            let mname = ident(&names::method_ident(&col.name));
            let key = col.name.to_ascii_lowercase();
            let pty = &c.filter_type;
            quote! {
                #doc_attrs
                #deprecated
                pub fn #mname(self, value: impl crate::op::IntoPredicate<#pty>) -> Self {
                    self.filter(#key, value.into_predicate())
                }
            }
        });
    let doc_attrs = docs::attrs(&docs::query_builder(class.schema, class.names));
    quote! {
        #doc_attrs
        #[must_use = "a query does nothing until it is sent"]
        pub struct #qtype<M = crate::query::Async> {
            inner: crate::query::Query<#rec, M>,
        }

        crate::class_query::class_query!(#qtype, #rec);

        #[allow(deprecated)]
        impl<M: crate::query::Mode> #qtype<M> {
            #(#methods)*
        }
    }
}
