//! The moderation half of the store: submissions, edits through private
//! links, decisions, moderators, their sessions, and the audit log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use solidarity_map_core::moderation::{AuditEntry, EditView, QueuePage, Revision, SessionInfo};
use solidarity_map_core::{LatLon, NewOrganization, OrgId, RevisionId};

use super::Result;
use super::outbox::{DecisionMail, NewMail};

/// A moderator's decision on a revision.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Publish the revision, or the moderator's corrected version of it.
    Approve(Option<Box<NewOrganization>>),
    Reject(String),
}

/// What became of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Decided; the organisation it was about, whose public point may have
    /// changed.
    Done(OrgId),
    /// No such revision.
    NotFound,
    /// Already decided (by someone else, or superseded).
    NotPending,
    /// An approval with corrections of an entry mirrored from another map
    /// (named), which alone may change it: nothing was decided.
    KeptBySource(String),
}

/// A moderator account as stored.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub password_hash: String,
}

/// A moderator account as the command line lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub username: String,
    pub created_at: DateTime<Utc>,
    /// Sessions that have not expired.
    pub live_sessions: u64,
}

#[async_trait]
pub trait Moderation: Send + Sync {
    /// Stores a new pending organisation with its edit-token hash and its
    /// first revision, in one transaction.
    async fn submit(&self, org: &NewOrganization, token_hash: &str) -> Result<OrgId> {
        self.submit_mailing(org, token_hash, None).await
    }

    /// [`Moderation::submit`], queueing `mail` (about the new entry) in
    /// the same transaction.
    async fn submit_mailing(
        &self,
        org: &NewOrganization,
        token_hash: &str,
        mail: Option<&NewMail>,
    ) -> Result<OrgId>;

    /// Published entries with the same folded name whose public point is
    /// within about 20 km of `near`: likely the same group. Public data
    /// only, as the answer goes to whoever submits.
    async fn similar(&self, sort_name: &str, near: LatLon) -> Result<Vec<OrgId>>;

    /// The entry an edit token opens.
    async fn edit_view(&self, token_hash: &str) -> Result<Option<EditView>>;

    /// A change proposed through the edit link: a new pending revision that
    /// replaces any older pending one. The entry stays as it is until a
    /// moderator approves. False when the entry can no longer be edited.
    async fn propose_edit(&self, org_id: OrgId, org: &NewOrganization) -> Result<bool>;

    /// The group takes its entry down. It is kept, but never public.
    async fn withdraw(&self, org_id: OrgId) -> Result<()>;

    /// Scrubs every withdrawn or rejected entry whose status changed at
    /// `before` or earlier and whose private fields are still kept: its
    /// contact address goes, its exact point becomes its public point, in
    /// its row and in the json of each of its revisions; what the audit
    /// needs (who decided what, when, and why) stays. Each entry in one
    /// transaction, with an audit line (`scrubbed` by `retention`) that
    /// holds no personal data. Pending and published entries are never
    /// touched, and an entry is scrubbed once: running it again changes
    /// nothing. How many entries were scrubbed.
    async fn scrub_expired(&self, before: DateTime<Utc>) -> Result<u64>;

    /// The group erases its entry at once: withdrawn first when it is
    /// still pending or published (and logged as withdrawn), then scrubbed
    /// as [`Moderation::scrub_expired`] does, and its edit link stops
    /// working; logged as `erased` by `group`. All in one transaction.
    /// False when there is no such entry.
    async fn erase(&self, org_id: OrgId) -> Result<bool>;

    /// A page of the pending revisions, oldest first: `limit` from the
    /// `offset`th, each with its possible duplicates, and how many wait.
    async fn pending_page(&self, offset: u32, limit: u32) -> Result<QueuePage>;

    /// Every pending revision, oldest first.
    async fn pending_revisions(&self) -> Result<Vec<Revision>> {
        Ok(self.pending_page(0, u32::MAX).await?.items)
    }

    /// Gives the entry whose edit link has the token hash `old` the link
    /// of `new`; the old one stops working. False when `old` opens nothing.
    async fn replace_edit_token(&self, old: &str, new: &str) -> Result<bool>;

    /// Approves or rejects a revision atomically, and logs it: of two
    /// decisions on one revision, or a decision and a withdrawal, the first
    /// to commit wins and the other finds it no longer pending.
    async fn decide(
        &self,
        revision: RevisionId,
        decision: Decision,
        moderator: &str,
    ) -> Result<Decided> {
        self.decide_mailing(revision, decision, moderator, &|_| None)
            .await
    }

    /// [`Moderation::decide`], queueing the mail `mail` writes of the
    /// decision, if any, in the same transaction.
    async fn decide_mailing(
        &self,
        revision: RevisionId,
        decision: Decision,
        moderator: &str,
        mail: DecisionMail<'_>,
    ) -> Result<Decided>;

    async fn create_user(&self, username: &str, password_hash: &str) -> Result<()>;

    async fn user(&self, username: &str) -> Result<Option<UserRecord>>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The unexpired session a cookie token opens.
    async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>>;

    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Every moderator account, by user name.
    async fn users(&self) -> Result<Vec<UserSummary>>;

    /// Removes a moderator and their sessions, in one transaction. What
    /// they decided keeps their name: the audit log and the revisions name
    /// moderators as text. False when there is no such user.
    async fn delete_user(&self, username: &str) -> Result<bool>;

    /// Replaces a moderator's password hash and ends their sessions, in
    /// one transaction. False when there is no such user.
    async fn set_password_hash(&self, username: &str, password_hash: &str) -> Result<bool>;

    /// Ends every session of a moderator: how many there were, or `None`
    /// when there is no such user.
    async fn delete_sessions_of(&self, username: &str) -> Result<Option<u64>>;

    /// Deletes the sessions that have expired, which nothing reads again:
    /// how many there were.
    async fn purge_expired_sessions(&self) -> Result<u64>;

    /// The newest entries of the audit log first.
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>>;
}
