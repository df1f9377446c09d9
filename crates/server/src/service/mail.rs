//! The outbox as moderators read it, and each moderator's own mail: an
//! address for the digest of the queue, and whether they want it.

use solidarity_map_core::Email;
use solidarity_map_core::outbox::{ModeratorSettings, OutboxPage};

use super::{Error, Result, Service};

/// The most mails the outbox shows at once.
pub const OUTBOX_LIMIT: u32 = 200;

impl Service {
    /// The newest mails first, sent or not, and where mail goes.
    pub async fn outbox(&self, limit: u32) -> Result<OutboxPage> {
        Ok(OutboxPage {
            delivery: self.mail.delivery.as_str().to_owned(),
            items: self.store.outbox(limit.min(OUTBOX_LIMIT)).await?,
        })
    }

    /// Gives a moderator an address for the digest, or takes it away
    /// (`None`).
    pub async fn set_moderator_email(&self, username: &str, email: Option<&str>) -> Result<()> {
        let email = email
            .map(|e| Email::parse(e).map_err(|e| Error::Invalid(vec![e.at("email")])))
            .transpose()?;
        let email = email.as_ref().map(Email::as_str);
        if !self.store.set_user_email(username, email).await? {
            return Err(Error::NotFound("moderator"));
        }
        Ok(())
    }

    /// Whether a moderator gets the digest of the queue.
    pub async fn set_digest(&self, username: &str, digest: bool) -> Result<ModeratorSettings> {
        if !self.store.set_user_digest(username, digest).await? {
            return Err(Error::NotFound("moderator"));
        }
        self.moderator_settings(username).await
    }

    /// A moderator's address and digest setting.
    pub async fn moderator_settings(&self, username: &str) -> Result<ModeratorSettings> {
        self.store
            .user_mail(username)
            .await?
            .ok_or(Error::NotFound("moderator"))
    }
}
