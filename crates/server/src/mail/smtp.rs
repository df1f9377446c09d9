//! The SMTP side: a transport from the operator's `--smtp-url`, and a
//! queued mail turned into a message (plain text and HTML alternatives,
//! `List-Unsubscribe` on notifications).
//!
//! `smtps://` is TLS from the first byte. `smtp://` upgrades with
//! STARTTLS, which is required unless the host is the loopback address
//! (a local relay, or a test's server, may offer none): credentials and
//! private edit links never cross a network in clear unless the URL says
//! so (`?tls=opportunistic`).

use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::store::outbox::ClaimedMail;

/// How long one SMTP exchange may take before the try counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// An SMTP server to send through, and who the mail is from.
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the URL: it holds the password
        f.debug_struct("Smtp").field("from", &self.from).finish()
    }
}

/// The `--smtp-url` with the TLS lettre is to use said explicitly: the
/// operator's own `tls=` wins; else STARTTLS required, or used when
/// offered on loopback.
fn with_tls(raw: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(raw).map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // smtp is not a scheme the URL standard knows: its IPv4 hosts
        // stay text
        Some(url::Host::Domain(name)) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => anyhow::bail!("--smtp-url names no host"),
    };
    match url.scheme() {
        "smtps" => {}
        "smtp" if url.query_pairs().any(|(k, _)| k == "tls") => {}
        "smtp" => {
            let tls = if loopback {
                "opportunistic"
            } else {
                "required"
            };
            url.query_pairs_mut().append_pair("tls", tls);
        }
        other => anyhow::bail!("--smtp-url: {other}:// is neither smtp:// nor smtps://"),
    }
    Ok(url.into())
}

impl Smtp {
    /// The server `url` names (`smtp://user:pass@host:port`, `smtps://…`),
    /// sending as `from` (`Name <address>` or an address).
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from.parse().map_err(|e| {
            anyhow::anyhow!("--mail-from {from:?}: not an address like Map <map@example.org> ({e})")
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&with_tls(url)?)
            .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self { transport, from })
    }

    /// The sender's bare address.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// The message of a queued mail: plain text and HTML alternatives,
    /// `List-Unsubscribe` when it has one.
    fn message(&self, mail: &ClaimedMail) -> Result<Message, String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| format!("recipient {:?}: {e}", mail.to))?;
        // the same id on every try: a receiver can tell a mail sent twice
        let id = format!("<{}@{}>", mail.id, self.from.email.domain());
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(id));
        if let Some(unsubscribe) = &mail.unsubscribe {
            message = message.header(ListUnsubscribe(unsubscribe.clone()));
        }
        if let Some(reply_to) = &mail.reply_to {
            let reply_to: Mailbox = reply_to
                .parse()
                .map_err(|e| format!("reply-to {reply_to:?}: {e}"))?;
            message = message.reply_to(reply_to);
        }
        message
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| e.to_string())
    }

    /// Sends one mail; the error says why not, for the outbox.
    pub async fn send(&self, mail: &ClaimedMail) -> Result<(), String> {
        self.transport
            .send(self.message(mail)?)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The `List-Unsubscribe` header (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starttls_is_required_but_on_loopback() {
        let tls = |u: &str| with_tls(u).expect("a good url");
        assert!(tls("smtp://u:p@mail.example.org:587").ends_with("?tls=required"));
        assert!(tls("smtp://127.0.0.1:2525").ends_with("?tls=opportunistic"));
        assert!(tls("smtp://localhost:2525").ends_with("?tls=opportunistic"));
        assert!(tls("smtp://[::1]:2525").ends_with("?tls=opportunistic"));
        assert!(tls("smtp://h:25?tls=opportunistic").ends_with("?tls=opportunistic"));
        assert_eq!(tls("smtps://u:p@h"), "smtps://u:p@h");
        assert!(with_tls("http://h").is_err());
        assert!(Smtp::new("smtp://127.0.0.1:2525", "not an address").is_err());
        assert!(Smtp::new("smtp://127.0.0.1:2525", "Map <map@example.org>").is_ok());
    }

    #[test]
    fn a_message_has_both_bodies_and_unsubscribe_when_it_should() {
        let smtp = Smtp::new("smtp://127.0.0.1:2525", "Map <map@example.org>").expect("smtp");
        let mut mail = ClaimedMail {
            id: uuid::Uuid::nil(),
            to: "group@example.org".into(),
            subject: "تلقّينا".into(),
            text: "plain".into(),
            html: "<p>html</p>".into(),
            unsubscribe: Some("<https://map.example.org/admin>".into()),
            reply_to: None,
            attempts: 1,
        };
        let raw =
            String::from_utf8(smtp.message(&mail).expect("a message").formatted()).expect("ascii");
        assert!(
            raw.contains("List-Unsubscribe: <https://map.example.org/admin>"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
        assert!(raw.contains("Message-ID: <00000000-0000-0000-0000-000000000000@example.org>"));
        // encoded, never raw Arabic in a header
        assert!(!raw.contains("تلقّينا"));
        assert!(!raw.contains("Reply-To"), "{raw}");
        mail.unsubscribe = None;
        mail.reply_to = Some("visitor@example.net".into());
        let raw = smtp.message(&mail).expect("a message").formatted();
        let raw = String::from_utf8_lossy(&raw);
        assert!(!raw.contains("List-Unsubscribe"));
        assert!(raw.contains("Reply-To: visitor@example.net"), "{raw}");
        mail.reply_to = Some("not an address".into());
        assert!(smtp.message(&mail).is_err());
        mail.reply_to = None;
        mail.to = "not an address".into();
        assert!(smtp.message(&mail).is_err());
    }
}
