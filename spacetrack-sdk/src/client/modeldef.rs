//! The live `modeldef` of a class, and its drift from this build's schemas.

use std::sync::Arc;

use super::Client;
use crate::error::{Error, Result};
use crate::modeldef::{ModeldefColumn, SchemaDrift};
use crate::request::Spec;

impl Client {
    /// The live `modeldef` of a class in this build (searched in the
    /// reference client's controller order), fetched at most once a day:
    /// answers are cached in memory and on disk (see
    /// [`ClientBuilder::modeldef_cache_dir`](crate::ClientBuilder::modeldef_cache_dir)) and the disk cache is shared
    /// safely by concurrent processes.
    pub async fn get_predicates(&self, class: &str) -> Result<Arc<[ModeldefColumn]>> {
        let info = crate::schema::find_class(class, None).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "class `{class}` is not in this build's schemas; use get_predicates_in(controller, class)"
            ))
        })?;
        self.get_predicates_in(info.controller, info.class).await
    }

    /// [`get_predicates`](Self::get_predicates) for any controller and class.
    pub async fn get_predicates_in(
        &self,
        controller: &str,
        class: &str,
    ) -> Result<Arc<[ModeldefColumn]>> {
        let base = self.inner.base.as_str();
        self.inner
            .modeldef
            .get(base, controller, class, || async {
                let mut spec = Spec::new(controller, class);
                spec.action = "modeldef";
                let body = self.get_body(&spec, None).await?;
                let answer: crate::modeldef::ModeldefAnswer = crate::de::decode_any(class, &body)?;
                Ok(answer.data)
            })
            .await
    }

    /// Compares a class's live modeldef (through the same daily cache) with
    /// the schema compiled into this build: added, removed and retyped
    /// columns. A non-empty drift means `spacetrack schemas pull` and a
    /// rebuild would change the generated API.
    pub async fn schema_drift(&self, class: &str) -> Result<SchemaDrift> {
        let info = crate::schema::find_class(class, None).ok_or_else(|| {
            Error::InvalidArgument(format!("class `{class}` is not in this build's schemas"))
        })?;
        let live = self.get_predicates_in(info.controller, info.class).await?;
        Ok(SchemaDrift::compare(info, &live))
    }
}
