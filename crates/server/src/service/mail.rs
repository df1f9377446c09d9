//! The outbox as moderators read it, and each moderator's own mail: an
//! address for the digest of the queue, and whether they want it.

use solidarity_map_core::Email;
use solidarity_map_core::outbox::{ModeratorSettings, OutboxPage};

use super::{Error, Result, Service};

/// What moderators read instead of a relayed message.
const RELAYED_UNREAD: &str = "(a visitor's message to the group through the map: not shown)";

/// The most mails the outbox shows at once.
pub const OUTBOX_LIMIT: u32 = 200;

impl Service {
    /// The newest mails first, sent or not, and where mail goes. A
    /// received or recovered mail on its way holds the group's edit link:
    /// moderators read it without (`/edit/…`), as nobody but the group may
    /// hold it. A relayed message is between a visitor and the group:
    /// moderators see that it exists, never its words.
    pub async fn outbox(&self, limit: u32) -> Result<OutboxPage> {
        let mut items = self.store.outbox(limit.min(OUTBOX_LIMIT)).await?;
        for mail in &mut items {
            mail.text = if mail.kind == "relay" {
                RELAYED_UNREAD.to_owned()
            } else {
                without_edit_links(&mail.text)
            };
        }
        Ok(OutboxPage {
            delivery: self.mail.delivery.as_str().to_owned(),
            items,
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

/// `text` with the secret of every edit link (`/edit/<token>`) cut out.
fn without_edit_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("/edit/") {
        let (before, link) = rest.split_at(at + "/edit/".len());
        out.push_str(before);
        out.push('…');
        rest = link.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_links_are_cut_out() {
        let text = "Your link:\nhttps://map.example.org/edit/Ab3_x-9Z\nKeep it.";
        assert_eq!(
            super::without_edit_links(text),
            "Your link:\nhttps://map.example.org/edit/…\nKeep it."
        );
        assert_eq!(super::without_edit_links("no link"), "no link");
    }
}
