//! Imports: organisations from another source, already read and checked
//! (`open_data::import`), stored in one transaction; what became public
//! is on the map at once.

use solidarity_map_core::Status;

use super::{Result, Service};
use crate::store::{ExternalOrg, ImportCounts};

impl Service {
    /// Stores the rows of `source`, all or none: new ones are published
    /// when `publish` says so and pending otherwise; rows imported from
    /// the source before are updated in place. `progress` is told how many
    /// rows are done.
    pub async fn import(
        &self,
        source: &str,
        rows: &[ExternalOrg],
        publish: bool,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportCounts> {
        let status = publish.then_some(Status::Published);
        let counts = self
            .store
            .import_external(source, rows, status, progress)
            .await?;
        tracing::info!(
            added = counts.added,
            updated = counts.updated,
            source,
            "imported"
        );
        self.follow().await?;
        Ok(counts)
    }
}
