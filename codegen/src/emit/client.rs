//! The `Client` method that starts a query on a class.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Class, docs};

/// `Client::{class}()`, returning the class's query builder.
pub(super) fn method(class: &Class) -> TokenStream {
    let (qtype, method) = (class.query(), class.method());
    let doc_attrs = docs::attrs(&docs::client_method(class.schema, class.names));
    quote! {
        impl crate::Client {
            #doc_attrs
            pub fn #method(&self) -> #qtype {
                #qtype::new(crate::query::Query::new(self.clone()))
            }
        }
    }
}
