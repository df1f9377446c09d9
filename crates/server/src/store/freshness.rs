//! Freshness: whether a published entry is still confirmed as active.
//!
//! Each entry has a time it was last confirmed (its approval, an approved
//! edit, the group's answer to a "still active?" mail). The server's
//! freshness job asks the groups whose confirmation is old, reminds those
//! who did not answer, and marks stale those who still did not (see
//! [`crate::service`]'s freshness module for the periods). Each step is
//! one transaction per entry that changes the entry only while it still
//! qualifies, and queues the step's mail in the same transaction: of
//! several instances on one database exactly one takes each step, so no
//! group is asked twice. A change of staleness, and a confirmation, is a
//! public change, recorded in the change log like a decision.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use solidarity_map_core::freshness::StalePage;
use solidarity_map_core::{Freshness as FreshnessCounts, OrgId, Organization};

use super::{NewMail, Result};

/// When each step of the job is due, as times: an entry is asked when it
/// was confirmed at `ask_confirmed_by` or before, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshnessTimes {
    /// The job's clock: what it writes.
    pub at: DateTime<Utc>,
    /// Ask the group when confirmed at this time or before.
    pub ask_confirmed_by: DateTime<Utc>,
    /// Remind it when asked at this time or before.
    pub remind_asked_by: DateTime<Utc>,
    /// Mark it stale when reminded at this time or before…
    pub stale_reminded_by: DateTime<Utc>,
    /// … or, never asked (no address, no mail), confirmed at this time or
    /// before.
    pub stale_unasked_confirmed_by: DateTime<Utc>,
}

/// What one run of the job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FreshnessRun {
    pub asked: u64,
    pub reminded: u64,
    pub stale: u64,
}

/// Writes the "still active?" mail (`reminder`: its reminder) to the group
/// of an entry, as it is when the step is taken; `None` when it cannot be
/// written.
pub type FreshnessMail<'a> = &'a (dyn Fn(&Organization, bool) -> Option<NewMail> + Send + Sync);

#[async_trait]
pub trait Freshness: Send + Sync {
    /// Runs the job's steps once at `times`: asks (only with `mail`: a map
    /// that sends none asks nobody), reminds (the reminder's mail only
    /// with `mail`), marks stale. Each entry's step is its own
    /// transaction, taken only while the entry still qualifies.
    async fn run_freshness(
        &self,
        times: &FreshnessTimes,
        mail: Option<FreshnessMail<'_>>,
    ) -> Result<FreshnessRun>;

    /// Confirms a published entry as active at `at`, by `actor` (`group`):
    /// fresh again, asked nothing, and logged. False when it is not
    /// published.
    async fn confirm_fresh(&self, org: OrgId, actor: &str) -> Result<bool>;

    /// Takes a stale entry off the map (withdrawn), for `moderator`. False
    /// when it is not published and stale.
    async fn archive_stale(&self, org: OrgId, moderator: &str) -> Result<bool>;

    /// Gives a published entry a new edit link (the hash of its token);
    /// the old one stops working. False when it is not published.
    async fn renew_edit_token(&self, org: OrgId, token_hash: &str) -> Result<bool>;

    /// The stale entries, longest stale first, at most `limit`, and how
    /// many there are.
    async fn stale_page(&self, limit: u32) -> Result<StalePage>;

    /// How many published entries are fresh and how many stale.
    async fn freshness_counts(&self) -> Result<FreshnessCounts>;

    /// The key named `name` that signs links, made from `candidate` by the
    /// first to ask: every instance on the database gets the same.
    async fn link_key(&self, name: &str, candidate: &str) -> Result<String>;
}
