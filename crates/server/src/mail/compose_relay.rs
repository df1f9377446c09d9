//! The mails of the contact relay and of a lost edit link: a visitor's
//! message passed on to a group (its answer goes to the visitor, through
//! `Reply-To`, and a link lets the group block the sender), and a new
//! edit link sent to the address an entry gave.
//!
//! Both hold what only the group may read (the visitor's words and
//! address, a live edit link): they are written only when they will
//! really leave, and emptied in the outbox once sent.

use solidarity_map_core::relay::RelayMessage;
use solidarity_map_core::{NewOrganization, OrgId};

use super::MailPolicy;
use super::compose::{Para, fill, one_line};
use super::texts::text;
use crate::store::NewMail;

/// `template` with `{name}` and `{sender}` filled in.
fn fill_sender(template: &str, name: &str, sender: &str) -> String {
    fill(&template.replace("{sender}", sender), name, 0)
}

impl MailPolicy {
    /// A new private edit link for an entry, at `edit_path`, asked for by
    /// its contact address; the old one no longer works.
    pub fn recovered(&self, org: &NewOrganization, edit_path: &str) -> Option<NewMail> {
        let subject = |lang, name: &str| fill(text(lang, "recovered.subject"), name, 0);
        self.to_group_with(org, "recovered", subject, |lang, name| {
            let mut paras = vec![Para::Text(fill(text(lang, "recovered.body"), name, 0))];
            self.link(lang, edit_path, &mut paras);
            paras.push(Para::Text(text(lang, "received.keep").to_owned()));
            paras.push(Para::Text(text(lang, "recovered.not_asked").to_owned()));
            paras
        })
    }

    /// A visitor's message to entry `id`, answered through `Reply-To`, with
    /// the link at `report_path` that blocks the sender.
    pub fn relayed(
        &self,
        id: OrgId,
        org: &NewOrganization,
        message: &RelayMessage,
        report_path: &str,
    ) -> Option<NewMail> {
        let sender = one_line(message.name.as_str());
        let subject = |lang, name: &str| fill_sender(text(lang, "relay.subject"), name, &sender);
        let mut mail = self.to_group_with(org, "relay", subject, |lang, name| {
            let said = |key| Para::Text(fill_sender(text(lang, key), name, &sender));
            let mut paras = vec![
                said("relay.body"),
                Para::Quote(message.message.as_str().to_owned()),
                said("relay.reply"),
                said("relay.report"),
            ];
            self.link(lang, report_path, &mut paras);
            paras.push(said("relay.switch_off"));
            paras
        })?;
        mail.org = Some(id);
        mail.reply_to = Some(message.reply_to.as_str().to_owned());
        Some(mail)
    }
}

#[cfg(test)]
mod tests {
    use solidarity_map_core::OrganizationInput;
    use solidarity_map_core::org::RawLocation;
    use solidarity_map_core::relay::RelayRequest;

    use super::*;

    fn group(lang: &str) -> NewOrganization {
        OrganizationInput {
            name: [(lang.to_owned(), "Group {sender}".to_owned())].into(),
            description: [(lang.to_owned(), "We meet.".to_owned())].into(),
            category: "media".into(),
            city: "Haifa".into(),
            country: "IL".into(),
            location: Some(RawLocation {
                lat: 32.8,
                lon: 35.0,
            }),
            languages: vec![lang.to_owned()],
            contact_email: Some("group@example.org".into()),
            ..OrganizationInput::default()
        }
        .validate()
        .expect("a valid entry")
    }

    #[test]
    fn a_relayed_message_answers_the_visitor_and_offers_a_block() {
        let message = RelayRequest {
            name: "Rana\u{7}".into(),
            reply_to: "rana@example.net".into(),
            message: "<b>Hello</b>\nsecond line".into(),
            ..RelayRequest::default()
        };
        // a bell is not a control a name may hold
        assert!(message.validate().is_err());
        let message = RelayRequest {
            name: "Rana".into(),
            ..message
        }
        .validate()
        .expect("valid");
        let id = OrgId(uuid::Uuid::nil());
        let mail = MailPolicy::default()
            .relayed(id, &group("he"), &message, "/relay/block/t")
            .expect("a mail");
        assert_eq!(mail.kind, "relay");
        assert_eq!(mail.to, "group@example.org");
        assert_eq!(mail.reply_to.as_deref(), Some("rana@example.net"));
        assert_eq!(mail.org, Some(id));
        assert_eq!(mail.lang, "he");
        assert!(mail.subject.contains("Rana"), "{}", mail.subject);
        assert!(mail.text.contains("> <b>Hello</b>\n> second line"));
        assert!(mail.text.contains("/relay/block/t"));
        assert!(!mail.html.contains("<b>Hello"), "escaped: {}", mail.html);
        let mut silent = group("en");
        silent.contact_email = None;
        assert!(
            MailPolicy::default()
                .relayed(id, &silent, &message, "/x")
                .is_none()
        );
    }

    #[test]
    fn a_recovered_link_is_in_the_mail() {
        let mail = MailPolicy::default()
            .recovered(&group("ar"), "/edit/abc")
            .expect("a mail");
        assert_eq!((mail.kind, mail.lang), ("recovered", "ar"));
        assert!(mail.text.contains("/edit/abc"));
    }
}
