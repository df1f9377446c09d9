//! The mail outbox: every mail is a row before it is a message.
//!
//! A change that causes mail (a submission, a decision) writes the mail in
//! its own transaction, so a change is never stored without its mail and a
//! failed change queues none. The server's worker then claims a due mail
//! (for a while: a lease, so of several instances only one sends it, and
//! another takes it over only if the first stopped before it was done),
//! sends it and marks it sent, or says when to try again. Without an SMTP
//! server the mail stays here, where moderators read it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use solidarity_map_core::moderation::RevisionKind;
use solidarity_map_core::outbox::{ModeratorSettings, OutboxMail};
use solidarity_map_core::{NewOrganization, OrgId};

use super::Result;

/// Transactional mail (links, decisions) or notifications (digests): the
/// operator switches each off on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailClass {
    Transactional,
    Notification,
}

impl MailClass {
    pub fn as_str(self) -> &'static str {
        match self {
            MailClass::Transactional => "transactional",
            MailClass::Notification => "notification",
        }
    }
}

/// A mail to queue, written in full: what is stored is what is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// `received`, `recovered`, `published`, `rejected`, `edit_live`,
    /// `relay` or `digest`.
    pub kind: &'static str,
    pub class: MailClass,
    pub org: Option<OrgId>,
    pub to: String,
    /// `en`, `ar` or `he`.
    pub lang: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The `List-Unsubscribe` header's value, for a notification.
    pub unsubscribe: Option<String>,
    /// The `Reply-To` header: a relayed message's sender.
    pub reply_to: Option<String>,
    /// Stored but never sent from here: mail is disabled, or its class is
    /// switched off.
    pub held: bool,
}

/// A mail the worker claimed, to send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMail {
    pub id: uuid::Uuid,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub unsubscribe: Option<String>,
    pub reply_to: Option<String>,
    /// Tries so far, this one included.
    pub attempts: u32,
}

/// What a decision was, for the mail that tells the group.
#[derive(Debug, Clone, Copy)]
pub struct DecisionMailContext<'a> {
    pub org: OrgId,
    /// The entry as it is after the decision (what was approved), or as
    /// it was (a rejection).
    pub data: &'a NewOrganization,
    pub kind: RevisionKind,
    /// `None` for an approval; the moderator's reason for a rejection.
    pub rejected: Option<&'a str>,
}

/// Writes the mail a decision causes, if any, in the decision's
/// transaction.
pub type DecisionMail<'a> = &'a (dyn Fn(DecisionMailContext<'_>) -> Option<NewMail> + Send + Sync);

/// Writes a digest of `pending` waiting revisions for the moderator with
/// this address.
pub type DigestMail<'a> = &'a (dyn Fn(&str, u64) -> NewMail + Send + Sync);

#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims the oldest pending mail that is due at `now` and not claimed
    /// by a worker whose lease runs, until `until`; counts the try. Of
    /// several workers on one database only one gets each mail.
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<ClaimedMail>>;

    /// The claimed mail went out.
    async fn mail_sent(&self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<()>;

    /// The claimed mail could not be sent: why, and when to try again.
    async fn mail_failed(&self, id: uuid::Uuid, error: &str, next: DateTime<Utc>) -> Result<()>;

    /// When the next pending mail is due, if any is pending.
    async fn next_mail_due(&self) -> Result<Option<DateTime<Utc>>>;

    /// Marks every pending mail held (mail is disabled): how many.
    async fn hold_pending_mail(&self) -> Result<u64>;

    /// Forgets the mail sent at `before` or earlier: how many.
    async fn prune_sent_mail(&self, before: DateTime<Utc>) -> Result<u64>;

    /// The newest `limit` mails, any status, for the moderators.
    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMail>>;

    /// Gives moderator `username` the address `email` (none: `None`).
    /// False when there is no such moderator.
    async fn set_user_email(&self, username: &str, email: Option<&str>) -> Result<bool>;

    /// Whether moderator `username` wants digests. False when there is no
    /// such moderator.
    async fn set_user_digest(&self, username: &str, digest: bool) -> Result<bool>;

    /// Moderator `username`'s address and whether they want digests.
    async fn user_mail(&self, username: &str) -> Result<Option<ModeratorSettings>>;

    /// For every moderator with an address who wants digests and got none
    /// since `since`, queues one (when any revision is pending) and notes
    /// the time, each in one transaction: of several workers only one
    /// queues each digest. How many were queued.
    async fn queue_digests(
        &self,
        at: DateTime<Utc>,
        since: DateTime<Utc>,
        mail: DigestMail<'_>,
    ) -> Result<u64>;
}
