//! What the public feeds read: the change feed (`/api/changes`), the Atom
//! feed of new groups and the sitemap. Each reads the stored record with
//! the time the entry was first public, and answers only with what was
//! or is public: an entry that never was public is never named.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use solidarity_map_core::{OrgFilter, OrgId, Organization, Status};

use super::Result;

/// An entry as a feed sees it: the stored record (its public view is what
/// goes out) and when it was first public, `None` if it never was.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedOrg {
    pub org: Organization,
    pub published_at: Option<DateTime<Utc>>,
}

impl FeedOrg {
    /// Public now.
    pub fn is_public(&self) -> bool {
        self.org.status == Status::Published
    }

    /// Was public once (it may be gone since).
    pub fn was_public(&self) -> bool {
        self.published_at.is_some()
    }
}

#[async_trait]
pub trait Feeds {
    /// The entries named that are or once were public, as they are now,
    /// in no particular order; others are left out.
    async fn feed_orgs(&self, ids: &[OrgId]) -> Result<Vec<FeedOrg>>;

    /// Up to `limit` entries that are or once were public and were last
    /// written at `at` exactly (by one change to many, an import), in id
    /// order after `after`, or from the first when `None`.
    async fn feed_orgs_written(
        &self,
        at: DateTime<Utc>,
        after: Option<OrgId>,
        limit: u32,
    ) -> Result<Vec<FeedOrg>>;

    /// Up to `limit` published entries matching the filter's category,
    /// country, language, words and box, newest first by the time they
    /// were first public.
    async fn newest_published(&self, filter: &OrgFilter, limit: u32) -> Result<Vec<FeedOrg>>;

    /// Whether entry `id` is listed in the Murmurations network (the
    /// default); `None` when no entry has this id.
    async fn murmurations_listed(&self, id: OrgId) -> Result<Option<bool>>;

    /// Lists entry `id` in the Murmurations network or takes it out, at
    /// once (no moderator needs to see it): a change to what the public
    /// sees when the entry is or was public, so the index hears of it.
    async fn set_murmurations_listed(&self, id: OrgId, listed: bool) -> Result<()>;

    /// How far into the change log the Murmurations index has been told.
    async fn murmurations_cursor(&self) -> Result<i64>;

    /// Moves that place from `from` to `to`; false when it was no longer
    /// at `from` (another instance moved it).
    async fn set_murmurations_cursor(&self, from: i64, to: i64) -> Result<bool>;
}
