//! The field enum of a class: one variant per column, for ordering,
//! selecting and schema checks.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Class, docs};

/// The field enum with its names, lookup and ordering helpers, `Display`
/// and `schema::Field` impls.
pub(super) fn field_enum(class: &Class) -> TokenStream {
    let fenum = class.field_enum();
    let index_fn = &class.index_fn;
    let variants = class.columns.iter().map(|c| {
        let doc_attrs = docs::attrs(&docs::field_variant(c.schema));
        let vid = &c.variant;
        quote! { #doc_attrs #vid, }
    });
    let all_variants = class.columns.iter().map(|c| &c.variant);
    let name_arms = class.columns.iter().map(|c| {
        let (vid, colname) = (&c.variant, &c.schema.name);
        quote!(#fenum::#vid => #colname,)
    });
    let doc_attrs = docs::attrs(&docs::field_enum(class.schema, class.names));
    quote! {
        #doc_attrs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #fenum {
            #(#variants)*
        }

        impl #fenum {
            /// Every column, in modeldef order.
            pub const ALL: &'static [#fenum] = &[#(#fenum::#all_variants),*];

            /// The Space-Track column name.
            pub const fn name(self) -> &'static str {
                match self { #(#name_arms)* }
            }

            /// Looks a column up by its Space-Track name (exact, then ignoring ASCII case).
            pub fn from_name(name: &str) -> Option<Self> {
                match #index_fn(name) {
                    Some(i) => Some(Self::ALL[i as usize]),
                    None => Self::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(name)),
                }
            }

            /// Ascending order on this column.
            pub fn asc(self) -> crate::query::Order<Self> {
                crate::query::Order::asc(self)
            }

            /// Descending order on this column.
            pub fn desc(self) -> crate::query::Order<Self> {
                crate::query::Order::desc(self)
            }
        }

        impl std::fmt::Display for #fenum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl crate::schema::Field for #fenum {
            fn name(self) -> &'static str {
                #fenum::name(self)
            }
            fn from_name(name: &str) -> Option<Self> {
                #fenum::from_name(name)
            }
        }
    }
}
