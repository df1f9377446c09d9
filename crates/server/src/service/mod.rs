//! The use cases: every change to what is stored goes through here, so that
//! the store and what follows it stay in step whoever asks for the change.
//!
//! A submission, an edit, a withdrawal, an erasure, a moderator's
//! decision, an import, a retention scrub and a new moderator account are
//! each one method of [`Service`], called
//! by the HTTP handlers and by the command line alike. A use case checks
//! what `core` cannot (a session, a bot's speed, a likely duplicate),
//! changes the store, then brings along what follows the store: today the
//! clustering index this process serves; the change log and the mail
//! outbox belong here too. Plain reads (the map, the lists, the exports,
//! the moderation queue) go to the store and the index directly: they
//! change nothing and check nothing.

mod accounts;
mod edits;
mod error;
mod imports;
mod moderation;
mod retention;
mod submissions;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use solidarity_map_core::OrgId;

pub use accounts::{NewSession, SESSION_HOURS, Session};
pub(crate) use error::joined;
pub use error::{Error, Result};
pub use retention::{DEFAULT_RETENTION_DAYS, SCRUB_EVERY};

use crate::clusters::Clusters;
use crate::store::Store;

/// The use cases over one store, and the clustering index they keep in
/// step with it when this process serves one. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    /// None in a command that serves no map (`import`, `admin`): the server
    /// reads the store when it starts.
    index: Option<Arc<Clusters>>,
}

impl Service {
    /// The use cases over `store`, with no index to keep in step.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, index: None }
    }

    /// Keeps `index` in step with every change.
    #[must_use]
    pub fn with_index(mut self, index: Arc<Clusters>) -> Self {
        self.index = Some(index);
        self
    }

    /// After a change to one organisation: its public point follows, in
    /// the index when it is published, out of it otherwise.
    async fn follow(&self, org: OrgId) -> Result<()> {
        if let Some(index) = &self.index {
            index.refresh(self.store.as_ref(), org).await?;
        }
        Ok(())
    }

    /// After a change to many organisations at once: the index is built
    /// again from the store.
    async fn follow_all(&self) -> Result<()> {
        if let Some(index) = &self.index {
            index.reload(self.store.as_ref()).await?;
        }
        Ok(())
    }
}
