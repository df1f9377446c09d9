//! Writes each mail the map sends, whole, before it is queued: subject,
//! plain text and a simple HTML version (right to left in Arabic and
//! Hebrew), in the group's language, with absolute links when the site's
//! public address is known and a word saying so when it is not.
//!
//! Everything a group typed (its name, a moderator's reason) is text: it
//! is escaped in the HTML and never read as markup.

use solidarity_map_core::NewOrganization;
use solidarity_map_core::moderation::RevisionKind;
use solidarity_map_core::text::escape_html;

use super::MailPolicy;
use super::texts::{LANGUAGES, rtl, text};
use crate::store::outbox::DecisionMailContext;
use crate::store::{MailClass, NewMail};

/// A paragraph of a mail.
pub(super) enum Para {
    Text(String),
    /// A link, alone on its line.
    Link(String),
    /// Someone's words, set apart (a moderator's reason).
    Quote(String),
}

/// The language a group's mail is written in: the first of its working
/// languages that mail is written in, else the first its name is written
/// in, else English.
pub fn group_lang(org: &NewOrganization) -> &'static str {
    let known = |code: &str| LANGUAGES.into_iter().find(|l| *l == code);
    org.languages
        .iter()
        .find_map(|l| known(l.as_str()))
        .or_else(|| org.name.text().iter().find_map(|(l, _)| known(l.as_str())))
        .unwrap_or("en")
}

/// `template` with `{name}` and `{count}` filled in.
pub(super) fn fill(template: &str, name: &str, count: u64) -> String {
    template
        .replace("{name}", name)
        .replace("{count}", &count.to_string())
}

/// One line: no control character may break a header.
pub(super) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The plain text and the HTML of a mail's paragraphs.
pub(super) fn render(lang: &str, subject: &str, paras: &[Para]) -> (String, String) {
    let text = paras
        .iter()
        .map(|p| match p {
            Para::Text(t) | Para::Link(t) => t.clone(),
            Para::Quote(t) => t
                .lines()
                .map(|l| format!("> {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let dir = if rtl(lang) { "rtl" } else { "ltr" };
    let mut html = format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head><meta charset=\"utf-8\">\
         <title>{}</title></head>\n<body>\n",
        escape_html(subject)
    );
    for p in paras {
        let line = match p {
            Para::Text(t) => format!("<p>{}</p>\n", escape_html(t)),
            // a link reads left to right in any language
            Para::Link(url) => format!(
                "<p dir=\"ltr\"><a href=\"{0}\">{0}</a></p>\n",
                escape_html(url)
            ),
            Para::Quote(t) => format!(
                "<blockquote dir=\"auto\">{}</blockquote>\n",
                escape_html(t).replace('\n', "<br>")
            ),
        };
        html.push_str(&line);
    }
    html.push_str("</body>\n</html>\n");
    (text, html)
}

impl MailPolicy {
    /// The link to a path of the site, and a paragraph saying it is only
    /// a path when the public address is not configured.
    pub(super) fn link(&self, lang: &str, path: &str, paras: &mut Vec<Para>) {
        match &self.public_url {
            Some(url) => paras.push(Para::Link(url.join(path))),
            None => {
                paras.push(Para::Link(path.to_owned()));
                paras.push(Para::Text(text(lang, "no_public_url").to_owned()));
            }
        }
    }

    /// A mail of `class` to a group, or `None` when it gave no address:
    /// its subject is the text of `subject_key` with the group's name.
    fn to_group(
        &self,
        org: &NewOrganization,
        kind: &'static str,
        subject_key: &'static str,
        body: impl FnOnce(&'static str, &str) -> Vec<Para>,
    ) -> Option<NewMail> {
        let subject = |lang, name: &str| fill(text(lang, subject_key), name, 0);
        self.to_group_with(org, kind, subject, body)
    }

    /// [`MailPolicy::to_group`] with the subject `subject` writes in the
    /// group's language with its name.
    pub(super) fn to_group_with(
        &self,
        org: &NewOrganization,
        kind: &'static str,
        subject: impl FnOnce(&'static str, &str) -> String,
        body: impl FnOnce(&'static str, &str) -> Vec<Para>,
    ) -> Option<NewMail> {
        let to = org.contact_email.as_ref()?.as_str().to_owned();
        let lang = group_lang(org);
        let name = one_line(org.name.text().best(lang).1);
        let subject = subject(lang, &name);
        let mut paras = body(lang, &name);
        paras.push(Para::Text(fill(text(lang, "footer"), &name, 0)));
        let (text, html) = render(lang, &subject, &paras);
        let class = MailClass::Transactional;
        Some(NewMail {
            kind,
            class,
            org: None,
            to,
            lang,
            subject,
            text,
            html,
            unsubscribe: None,
            reply_to: None,
            held: self.held(class),
        })
    }

    /// "We received …", with the private edit link at `edit_path` when
    /// the mail will really leave. A mail that only waits in the outbox
    /// (no SMTP server, or group mail held) never holds the link: the
    /// database keeps no edit link in the clear, and moderators, who read
    /// the outbox, never see one. The group saw it when it joined.
    pub fn received(&self, org: &NewOrganization, edit_path: &str) -> Option<NewMail> {
        let carries_link = self.sends(MailClass::Transactional);
        self.to_group(org, "received", "received.subject", |lang, name| {
            let mut paras = vec![Para::Text(fill(text(lang, "received.body"), name, 0))];
            if carries_link {
                paras.push(Para::Text(text(lang, "received.link").to_owned()));
                self.link(lang, edit_path, &mut paras);
                paras.push(Para::Text(text(lang, "received.keep").to_owned()));
            } else {
                paras.push(Para::Text(text(lang, "received.link_shown").to_owned()));
            }
            paras
        })
    }

    /// What a moderator decided: published, an edit live, or not
    /// published with the reason.
    pub fn decided(&self, d: DecisionMailContext<'_>) -> Option<NewMail> {
        let page = format!("/org/{}", d.org);
        let (kind, subject_key, body) = match (d.rejected, d.kind) {
            (Some(_), _) => ("rejected", "rejected.subject", "rejected.body"),
            (None, RevisionKind::Submission) => {
                ("published", "published.subject", "published.body")
            }
            (None, RevisionKind::Edit) => ("edit_live", "edit_live.subject", "edit_live.body"),
        };
        let mut mail = self.to_group(d.data, kind, subject_key, |lang, name| {
            let mut paras = vec![Para::Text(fill(text(lang, body), name, 0))];
            match d.rejected {
                Some(reason) => paras.push(Para::Quote(reason.to_owned())),
                None => self.link(lang, &page, &mut paras),
            }
            paras
        })?;
        mail.org = Some(d.org);
        Some(mail)
    }

    /// A moderator's digest of `pending` waiting revisions, in English
    /// (moderators choose no language), with a List-Unsubscribe header.
    pub fn digest(&self, to: &str, pending: u64) -> NewMail {
        let lang = "en";
        let subject = fill(text(lang, "digest.subject"), "", pending);
        let mut paras = vec![Para::Text(fill(text(lang, "digest.body"), "", pending))];
        self.link(lang, "/admin", &mut paras);
        paras.push(Para::Text(text(lang, "digest.stop").to_owned()));
        let (body, html) = render(lang, &subject, &paras);
        let class = MailClass::Notification;
        NewMail {
            kind: "digest",
            class,
            org: None,
            to: to.to_owned(),
            lang,
            subject,
            text: body,
            html,
            unsubscribe: Some(self.unsubscribe()),
            reply_to: None,
            held: self.held(class),
        }
    }

    /// Where a moderator turns the digest off: the moderation page, and
    /// a mail to the sender's address.
    fn unsubscribe(&self) -> String {
        let mut ways = Vec::new();
        if let Some(url) = &self.public_url {
            ways.push(format!("<{}>", url.join("/admin")));
        }
        if let Some(from) = &self.from_address {
            ways.push(format!("<mailto:{from}?subject=unsubscribe>"));
        }
        ways.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_a_group_typed_and_follows_the_direction() {
        let paras = [
            Para::Text("<script>alert(1)</script> & co".into()),
            Para::Quote("line\n<b>".into()),
        ];
        let (text, html) = render("ar", "x", &paras);
        assert!(text.contains("<script>") && text.contains("> <b>"));
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        assert!(html.contains("dir=\"rtl\"") && html.contains("&lt;script&gt;"));
        assert!(render("en", "x", &paras).1.contains("dir=\"ltr\""));
    }

    #[test]
    fn a_header_never_breaks() {
        assert_eq!(one_line("a\r\nBcc: x"), "a  Bcc: x");
    }
}
