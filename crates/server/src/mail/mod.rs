//! The map's mail: what it says, when it is queued, and how it leaves.
//!
//! Mail is never sent from a request. A change that causes mail writes it,
//! whole, into the outbox in the change's own transaction (see
//! [`crate::store::outbox`]); the [`worker`] sends it over SMTP later,
//! retrying across outages and restarts. With no SMTP server configured
//! the mail stays in the outbox, where moderators read it (`mail list`,
//! the moderation page): a fresh install loses nothing. This module holds
//! the operator's choices ([`MailPolicy`]), the texts in each language
//! (`texts.rs`) and the mails written from them (`compose.rs`).

pub mod compose;
pub mod compose_relay;
pub mod smtp;
pub mod texts;
pub mod worker;

use std::sync::Arc;

use solidarity_map_core::PublicUrl;
use tokio::sync::Notify;

use crate::store::MailClass;

/// Where the mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// No SMTP server: the mail stays in the outbox to be read.
    #[default]
    Outbox,
    /// Sent through the configured SMTP server.
    Smtp,
    /// `--mail-disabled`: nothing is sent; mail is kept, marked held.
    Disabled,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Outbox => "outbox",
            Delivery::Smtp => "smtp",
            Delivery::Disabled => "disabled",
        }
    }
}

/// What the operator chose about mail, as the use cases need it to write
/// mail. The default is a fresh install's: no SMTP server, both classes
/// on, no public address.
#[derive(Debug, Clone)]
pub struct MailPolicy {
    pub delivery: Delivery,
    /// The site's public address, for absolute links.
    pub public_url: Option<PublicUrl>,
    /// The sender's bare address, for the unsubscribe `mailto:`.
    pub from_address: Option<String>,
    /// Links and decisions are mailed (`--no-transactional-mail` turns
    /// them off: they are kept, held).
    pub transactional: bool,
    /// Digests are mailed (`--no-notification-mail` turns them off: none
    /// is written).
    pub notification: bool,
    /// Wakes this process's worker when a mail was queued.
    pub wake: Arc<Notify>,
}

impl Default for MailPolicy {
    fn default() -> Self {
        Self {
            delivery: Delivery::default(),
            public_url: None,
            from_address: None,
            transactional: true,
            notification: true,
            wake: Arc::new(Notify::new()),
        }
    }
}

impl MailPolicy {
    /// Whether mail of `class` is kept but never sent from here.
    pub fn held(&self, class: MailClass) -> bool {
        let on = match class {
            MailClass::Transactional => self.transactional,
            MailClass::Notification => self.notification,
        };
        self.delivery == Delivery::Disabled || !on
    }

    /// Whether mail of `class` queued now goes out through SMTP.
    pub fn sends(&self, class: MailClass) -> bool {
        self.delivery == Delivery::Smtp && !self.held(class)
    }
}
