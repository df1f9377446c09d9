//! What mirroring keeps: the maps followed and where in each one's
//! change feed this map is, and the entries each keeps here.
//!
//! A page of another map's feed is applied in one transaction with the
//! move of its cursor, and only if the cursor is still where the reader
//! found it: so a page is applied once, whatever stops the process or
//! however many instances share the database, and a page that cannot be
//! applied changes nothing. An entry keeps its id from the map it comes
//! from; one whose id is already here and not this mirror's (this map's
//! own, or another mirror's) is left alone, which is what keeps two maps
//! that mirror each other from sending an entry round for ever.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use solidarity_map_core::mirror::{DataSource, HiddenEntry, MirrorInfo, MirrorScope};
use solidarity_map_core::{NewOrganization, OrgId};

use super::Result;

/// A map to follow, as the operator names it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMirror {
    pub source: DataSource,
    pub scope: MirrorScope,
    pub publish: bool,
}

/// One change of another map's feed, as it is to be applied here.
#[derive(Debug, Clone, PartialEq)]
pub enum MirrorItem {
    /// The entry as its map shows it now, and the source its card names.
    Put {
        id: OrgId,
        org: Box<NewOrganization>,
        source: DataSource,
        /// When its own map last had it confirmed as active, and whether
        /// it is stale there: freshness is that map's to judge.
        confirmed: DateTime<Utc>,
        stale: bool,
    },
    /// Gone from its map, or out of the mirror's scope.
    Remove(OrgId),
}

/// A page of another map's feed, ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct MirrorPage {
    /// The feed's cursor after this page.
    pub next: String,
    /// The licence the feed names now.
    pub license: String,
    pub license_url: Option<String>,
    pub items: Vec<MirrorItem>,
    /// The page is the whole of what the mirror takes (a full read): what
    /// it kept and the page does not name is gone.
    pub complete: bool,
}

/// What applying a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MirrorCounts {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    /// Entries already here and not this mirror's: left alone.
    pub skipped: usize,
}

/// A mirror and where it is: what the follower needs.
#[derive(Debug, Clone, PartialEq)]
pub struct MirrorRecord {
    pub info: MirrorInfo,
    /// Where in the feed it is; `None` until the first full read.
    pub cursor: Option<String>,
}

#[async_trait]
pub trait Mirrors {
    /// Stores a new mirror: its id, or `Conflict` when that map is
    /// mirrored already.
    async fn add_mirror(&self, mirror: &NewMirror) -> Result<i64>;

    /// Every mirror, oldest first, with its counts.
    async fn mirrors(&self) -> Result<Vec<MirrorRecord>>;

    /// Applies a page of mirror `id`'s feed, if its cursor is still
    /// `from` and it is following: `None` when it is not (another
    /// instance applied it, or the mirror was stopped or removed).
    async fn apply_mirror_page(
        &self,
        id: i64,
        from: Option<&str>,
        page: &MirrorPage,
    ) -> Result<Option<MirrorCounts>>;

    /// Notes a failure the mirror retries after (`stop`: false), or one
    /// that stops it until an operator resumes it.
    async fn mirror_failed(&self, id: i64, error: &str, stop: bool) -> Result<()>;

    /// Starts a stopped mirror again, from where it stopped: false when
    /// there is no such mirror.
    async fn resume_mirror(&self, id: i64) -> Result<bool>;

    /// Forgets a mirror and takes its entries off this map (they are
    /// withdrawn, and kept no longer than withdrawn entries are): how
    /// many were public.
    async fn remove_mirror(&self, id: i64) -> Result<Option<u64>>;

    /// Hides a mirrored entry from this map (`hidden`), whatever its
    /// source does, or shows it again: false when it is not a mirrored
    /// entry. The audit log names the moderator.
    async fn hide_mirrored(&self, id: OrgId, hidden: bool, moderator: &str) -> Result<bool>;

    /// The mirrored entries moderators hid, newest change first.
    async fn hidden_entries(&self) -> Result<Vec<HiddenEntry>>;
}
