//! The mail outbox as moderators read it (`GET /api/admin/outbox`), and a
//! moderator's own mail settings: the wire types the moderation page
//! shares with the API.
//!
//! Without an SMTP server the map's mail stays in the outbox, so these
//! are how the private links and decisions reach anyone at all on a fresh
//! install: the moderators read them here and pass them on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::OrgId;

/// One mail, sent or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMail {
    pub id: uuid::Uuid,
    pub created_at: DateTime<Utc>,
    /// `received`, `published`, `rejected`, `edit_live`, `fresh_ask`
    /// ("still active?"), `fresh_remind` (its reminder) or `digest`.
    pub kind: String,
    /// `transactional` or `notification`.
    pub class: String,
    pub org_id: Option<OrgId>,
    pub to: String,
    /// `en`, `ar` or `he`.
    pub lang: String,
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// `pending` (waiting to be sent, or for an SMTP server), `sent`, or
    /// `held` (mail is disabled here: it is never sent).
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// `GET /api/admin/outbox`: the newest mails first, and whether this
/// server sends mail at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxPage {
    /// `smtp` (an SMTP server is configured), `outbox` (none: mail stays
    /// here to be read) or `disabled` (`--mail-disabled`).
    pub delivery: String,
    pub items: Vec<OutboxMail>,
}

/// `GET`/`PUT /api/admin/settings`: the signed-in moderator's mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModeratorSettings {
    /// Set with `admin set-email`; the digest goes there.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether a digest of the queue is mailed (at most every
    /// `--moderator-digest-hours`, never when the queue is empty).
    pub digest: bool,
}
