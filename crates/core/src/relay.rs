//! Writing to a group without learning its address (the contact relay),
//! and asking for a new edit link by address: the wire types the forms
//! and the API share, and their rules, so that both refuse the same.
//!
//! Neither answer may depend on private data ("no oracle"): a message is
//! "sent" whether or not the group gave an address, and a recovery is
//! "on its way if the address is listed" whether or not it is. So the
//! answers carry nothing but that word.

use serde::{Deserialize, Serialize};

use crate::fields::{MessageText, SenderName};
use crate::moderation::check_fill_time;
use crate::{Email, FieldError};

/// `POST /api/organizations/{id}/messages`: a visitor writes to a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelayRequest {
    /// Who writes (at most 100 characters, one line).
    pub name: String,
    /// Where the group's answer goes: the group sees it only in the mail
    /// (as its `Reply-To`).
    pub reply_to: String,
    /// The message (at most 4000 characters). It is not kept once sent.
    pub message: String,
    /// When the form was opened (milliseconds since the epoch), required
    /// as on the join form.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true))]
    pub started_at: Option<i64>,
    /// A field people never see; bots fill it in.
    pub nickname: String,
}

/// A valid message to relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayMessage {
    pub name: SenderName,
    pub reply_to: Email,
    pub message: MessageText,
}

impl RelayRequest {
    /// Every problem with the fields, each naming its field.
    pub fn validate(&self) -> Result<RelayMessage, Vec<FieldError>> {
        let name = SenderName::parse(&self.name);
        let reply_to = Email::parse(&self.reply_to).map_err(|e| e.at("reply_to"));
        let message = MessageText::parse(&self.message);
        match (name, reply_to, message) {
            (Ok(name), Ok(reply_to), Ok(message)) => Ok(RelayMessage {
                name,
                reply_to,
                message,
            }),
            (name, reply_to, message) => Err([name.err(), reply_to.err(), message.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }

    /// The minimum fill time (see [`check_fill_time`]).
    pub fn check_fill_time(&self, now_millis: i64) -> Result<(), FieldError> {
        check_fill_time(self.started_at, now_millis)
    }
}

/// The answer to a message: always the same, whether or not the group
/// can be reached (that is private), blocked the sender, or gave no
/// address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    /// Always `accepted`.
    pub status: String,
}

impl Accepted {
    pub fn new() -> Self {
        Self {
            status: "accepted".to_owned(),
        }
    }
}

impl Default for Accepted {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a group takes messages through the relay: public (the card
/// shows the form or not), and what the group sets on its edit page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelaySetting {
    /// On the card: the form is shown. On the edit page: the group takes
    /// messages.
    pub open: bool,
}

/// `POST /api/edit/recover`: a group lost its edit link and asks for a
/// new one at its contact address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryRequest {
    /// The contact address the entry gave.
    pub email: String,
    /// When the form was opened (milliseconds since the epoch).
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true))]
    pub started_at: Option<i64>,
    /// A field people never see; bots fill it in.
    pub nickname: String,
}

impl RecoveryRequest {
    /// The address, if it is one.
    pub fn validate(&self) -> Result<Email, Vec<FieldError>> {
        Email::parse(&self.email).map_err(|e| vec![e.at("email")])
    }

    /// The minimum fill time (see [`check_fill_time`]).
    pub fn check_fill_time(&self, now_millis: i64) -> Result<(), FieldError> {
        check_fill_time(self.started_at, now_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RelayRequest {
        RelayRequest {
            name: "Rana".into(),
            reply_to: "rana@example.org".into(),
            message: "Hello,\r\ncan we meet?".into(),
            started_at: None,
            nickname: String::new(),
        }
    }

    #[test]
    fn a_message_is_checked_field_by_field() {
        let ok = request().validate().unwrap();
        assert_eq!(ok.message.as_str(), "Hello,\ncan we meet?");
        let bad = RelayRequest {
            name: "a\u{202E}b".into(),
            reply_to: "nope".into(),
            message: "x".repeat(MessageText::MAX_CHARS + 1),
            ..request()
        };
        let errors = bad.validate().unwrap_err();
        let named: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("name", "bidi_controls"),
                ("reply_to", "email"),
                ("message", "too_long")
            ]
        );
        assert_eq!(errors[2].limit, Some(MessageText::MAX_CHARS));
        let empty = RelayRequest::default().validate().unwrap_err();
        assert!(empty.iter().all(|e| e.code == "required"), "{empty:?}");
        assert_eq!(
            MessageText::parse("a\u{7}b").unwrap_err().code,
            "control_chars"
        );
        assert_eq!(SenderName::parse("a\nb").unwrap_err().code, "single_line");
    }

    #[test]
    fn a_recovery_names_an_address() {
        let r = RecoveryRequest {
            email: " Info@Example.org ".into(),
            ..RecoveryRequest::default()
        };
        assert_eq!(r.validate().unwrap().folded(), "info@example.org");
        let e = RecoveryRequest::default().validate().unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].code.as_str()),
            ("email", "required")
        );
        assert_eq!(r.check_fill_time(0).unwrap_err().field, "started_at");
    }
}
