//! Writing to a group through the map, and a lost edit link sent again to
//! the entry's address.
//!
//! Both answer strangers, so neither answer may depend on private data
//! ("no oracle"): whether a group gave an address, blocked a sender, or
//! whether an address is listed at all. What the answer may depend on is
//! checked first (the request itself, whether the entry is published and
//! takes messages, whether this map sends mail: all public); the work
//! that reads private data runs after the answer, in a task of its own,
//! so the answer, its status and its timing are the same either way.

use chrono::{TimeDelta, Utc};
use solidarity_map_core::relay::{RecoveryRequest, RelayMessage, RelayRequest, RelaySetting};
use solidarity_map_core::{Email, FieldError, OrgId};

use super::{Error, Result, Service};
use crate::secrets::{new_token, parse_token, token_hash};
use crate::store::{MailClass, Relayed};

/// How long a relayed message's "report abuse" link works.
pub const REPORT_LINK_DAYS: i64 = 30;

/// The refusal when this map sends no group mail (no SMTP server, mail
/// disabled or group mail held): the operator's choice, the same for
/// every group and every address.
fn mail_unavailable() -> Error {
    Error::Conflict(
        "mail_unavailable",
        vec![FieldError::new(
            "form",
            "this map sends no mail to groups, so it cannot pass this on",
        )],
    )
}

/// What is kept of a sender's address: its hash, in lower case.
fn sender_key(address: &Email) -> String {
    token_hash(&address.folded())
}

impl Service {
    /// Whether this map mails groups at all (public: it is configuration).
    pub fn mails_groups(&self) -> bool {
        self.mail.sends(MailClass::Transactional)
    }

    /// Whether published entry `id` takes messages through the map: the
    /// group did not switch the relay off, and the map sends mail.
    pub async fn relay_open(&self, id: OrgId) -> Result<bool> {
        match self.store.relay_state(id).await? {
            Some(s) if s.published => Ok(s.open && self.mails_groups()),
            _ => Err(Error::NotFound("organisation")),
        }
    }

    /// Takes a visitor's message to published entry `id`, to mail it to
    /// the group. The answer is the same whether the group gave an
    /// address, blocked the sender, or neither: that is decided after it.
    pub async fn relay_message(&self, id: OrgId, req: &RelayRequest) -> Result<()> {
        if !req.nickname.is_empty() {
            return Err(Error::field("form", "the message could not be accepted"));
        }
        req.check_fill_time(Utc::now().timestamp_millis())
            .map_err(|e| Error::Invalid(vec![e]))?;
        let message = req.validate().map_err(Error::Invalid)?;
        // what the mail's Reply-To header takes, or the mail would never go
        if message
            .reply_to
            .as_str()
            .parse::<lettre::Address>()
            .is_err()
        {
            return Err(Error::field(
                "reply_to",
                "must be an e-mail address like name@example.org",
            ));
        }
        if !self.relay_open(id).await? {
            if !self.mails_groups() {
                return Err(mail_unavailable());
            }
            return Err(Error::Conflict(
                "relay_off",
                vec![FieldError::new(
                    "form",
                    "this group takes no messages through the map",
                )],
            ));
        }
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(e) = service.pass_on(id, &message).await {
                tracing::warn!(error = %e, "a relayed message could not be queued");
            }
        });
        metrics::counter!("relay_messages_total").increment(1);
        Ok(())
    }

    /// Queues the message, if the group has an address and has not
    /// blocked the sender.
    async fn pass_on(&self, id: OrgId, message: &RelayMessage) -> Result<()> {
        let token = new_token()?;
        let report_path = format!("/relay/block/{token}");
        let sender = sender_key(&message.reply_to);
        let report = token_hash(&token);
        let relayed = Relayed {
            org: id,
            sender: &sender,
            report: &report,
            at: Utc::now(),
        };
        let policy = &self.mail;
        let queued = self
            .store
            .relay_message(relayed, &|org| {
                policy.relayed(id, org, message, &report_path)
            })
            .await?;
        if queued {
            self.mail.wake.notify_one();
        }
        Ok(())
    }

    /// The group blocks the sender of a message through the message's
    /// "report abuse" link: the map passes on nothing more from that
    /// address to this group.
    pub async fn block_sender(&self, token: &str) -> Result<()> {
        let token = parse_token(token).ok_or(Error::NotFound("report link"))?;
        let now = Utc::now();
        let since = now - TimeDelta::days(REPORT_LINK_DAYS);
        if !self
            .store
            .block_sender(&token_hash(token), since, now)
            .await?
        {
            return Err(Error::NotFound("report link"));
        }
        tracing::info!("a group blocked a sender of the relay");
        Ok(())
    }

    /// Whether the entry an edit link opens takes messages.
    pub async fn relay_setting(&self, token: &str) -> Result<RelaySetting> {
        let entry = self.edit_view(token).await?;
        let state = self.store.relay_state(entry.id).await?;
        let state = state.ok_or(Error::NotFound("edit link"))?;
        Ok(RelaySetting { open: state.open })
    }

    /// The group switches the relay of the entry an edit link opens on or
    /// off, at once (no moderator needed: it only ever stops mail).
    pub async fn set_relay(&self, token: &str, setting: RelaySetting) -> Result<RelaySetting> {
        let entry = self.edit_view(token).await?;
        self.store.set_relay_open(entry.id, setting.open).await?;
        self.relay_setting(token).await
    }

    /// A group that lost its edit link asks for a new one at its contact
    /// address. Every pending or published entry with that address gets a
    /// new link by mail (the old one stops working); the answer is the
    /// same whether any has it: the answer comes before the work, which runs in a task of its own
    /// (on the caller's Tokio runtime).
    pub fn recover_edit_links(&self, req: &RecoveryRequest) -> Result<()> {
        if !req.nickname.is_empty() {
            return Err(Error::field("form", "the request could not be accepted"));
        }
        req.check_fill_time(Utc::now().timestamp_millis())
            .map_err(|e| Error::Invalid(vec![e]))?;
        let email = req.validate().map_err(Error::Invalid)?;
        // a link that only waited in the outbox would replace the old one
        // and reach nobody
        if !self.mails_groups() {
            return Err(mail_unavailable());
        }
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(e) = service.send_new_links(&email).await {
                tracing::warn!(error = %e, "new edit links could not be queued");
            }
        });
        Ok(())
    }

    /// Gives every live entry with `email` a new edit link, by mail.
    async fn send_new_links(&self, email: &Email) -> Result<u64> {
        let policy = &self.mail;
        let sent = self
            .store
            .recover_edit_links(&email.folded(), Utc::now(), &|id, org| {
                let token = new_token().ok()?;
                let mut mail = policy.recovered(org, &format!("/edit/{token}"))?;
                mail.org = Some(id);
                Some((token_hash(&token), mail))
            })
            .await?;
        if sent > 0 {
            self.mail.wake.notify_one();
            tracing::info!(count = sent, "edit links sent again by mail");
        }
        Ok(sent)
    }
}
