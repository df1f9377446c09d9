//! The contact relay and the recovery of lost edit links, as stored.
//!
//! A relayed message is never stored as such: it is a mail in the outbox,
//! emptied once sent. What stays is what lets a group block a sender (the
//! "report abuse" link of each message, and the blocks it made), with the
//! sender's address only as a hash. A recovery gives every live entry of
//! an address a new edit link and queues its mail, in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use solidarity_map_core::{NewOrganization, OrgId};

use super::Result;
use super::outbox::NewMail;

/// Writes the mail of a relayed message to an entry (its contact address
/// is in the entry), if any.
pub type RelayMail<'a> = &'a (dyn Fn(&NewOrganization) -> Option<NewMail> + Send + Sync);

/// For an entry whose edit link is recovered: the hash of its new token
/// and the mail that carries the token, or `None` to leave it be.
pub type RecoveryMail<'a> =
    &'a (dyn Fn(OrgId, &NewOrganization) -> Option<(String, NewMail)> + Send + Sync);

/// A relayed message, as the store needs it: never its text.
#[derive(Debug, Clone, Copy)]
pub struct Relayed<'a> {
    pub org: OrgId,
    /// The sender's address, hashed ([`crate::secrets::token_hash`] of it
    /// in lower case).
    pub sender: &'a str,
    /// The hash of the token of the message's "report abuse" link.
    pub report: &'a str,
    pub at: DateTime<Utc>,
}

/// Whether an entry is published, and whether it takes messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayState {
    pub published: bool,
    /// The group has not switched the relay off.
    pub open: bool,
}

#[async_trait]
pub trait Relay: Send + Sync {
    /// Whether entry `org` is published and takes messages; `None` when
    /// there is no such entry.
    async fn relay_state(&self, org: OrgId) -> Result<Option<RelayState>>;

    /// Entry `org` takes messages, or no longer does.
    async fn set_relay_open(&self, org: OrgId, open: bool) -> Result<()>;

    /// Queues the message `mail` writes to the entry, in one transaction
    /// with its "report abuse" link, if the entry is published, takes
    /// messages, has a contact address and has not blocked the sender.
    /// Whether it was queued (which only the server may know).
    async fn relay_message(&self, message: Relayed<'_>, mail: RelayMail<'_>) -> Result<bool>;

    /// The entry a "report abuse" link (its token's hash) names blocks the
    /// link's sender, unless the link was made before `made_after`. False
    /// when the link is unknown or too old.
    async fn block_sender(
        &self,
        report: &str,
        made_after: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Every pending or published entry whose contact address is `email`
    /// (in lower case) gets the edit token and mail `link` writes, in one
    /// transaction; the old links stop working. How many did.
    async fn recover_edit_links(
        &self,
        email: &str,
        at: DateTime<Utc>,
        link: RecoveryMail<'_>,
    ) -> Result<u64>;

    /// Forgets the "report abuse" links made at `before` or earlier.
    async fn prune_relay_reports(&self, before: DateTime<Utc>) -> Result<u64>;
}
