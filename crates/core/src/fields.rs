//! Parsing newtypes for the fields of an organisation. A value of one of
//! these types is valid by construction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{FieldError, LangCode, LocalizedText};

macro_rules! localized_field {
    ($name:ident, $field:literal, $max:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "LocalizedText", into = "LocalizedText")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = std::collections::BTreeMap<String, String>))]
        pub struct $name(LocalizedText);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: BTreeMap<LangCode, String>) -> Result<Self, FieldError> {
                LocalizedText::parse($field, raw, $max).map(Self)
            }

            pub fn text(&self) -> &LocalizedText {
                &self.0
            }
        }

        impl TryFrom<LocalizedText> for $name {
            type Error = FieldError;
            fn try_from(value: LocalizedText) -> Result<Self, Self::Error> {
                Self::parse(value.into())
            }
        }

        impl From<$name> for LocalizedText {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

localized_field!(
    OrgName,
    "name",
    200,
    "An organisation's name, in one or more languages."
);
localized_field!(
    Description,
    "description",
    5000,
    "What an organisation does, in one or more languages."
);

fn plain_line(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "is required").code("required"));
    }
    if v.chars().count() > max {
        return Err(
            FieldError::new(field, format!("must be at most {max} characters"))
                .code("too_long")
                .limit(max),
        );
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must be a single line of text").code("single_line"));
    }
    Ok(v.to_owned())
}

/// Unicode's explicit direction controls: embeddings and overrides
/// (U+202A–U+202E) and isolates (U+2066–U+2069). They change how the text
/// *around* them is shown, so a name could read as another on the map, on
/// a card or in the moderation queue (U+202E turns what follows around).
/// Arabic and Hebrew need none of them in a name: the page gives each text
/// its own direction.
fn refuse_bidi_controls(field: &str, text: &str) -> Result<(), FieldError> {
    if text
        .chars()
        .any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
    {
        return Err(FieldError::new(
            field,
            "must not contain characters that change the direction of the text around \
             them (U+202A to U+202E, U+2066 to U+2069)",
        )
        .code("bidi_controls"));
    }
    Ok(())
}

impl OrgName {
    /// The name, if no translation holds a direction control. A rule for
    /// what is submitted (see [`crate::OrganizationInput::validate`]), not
    /// for what is stored: an entry from before the rule still loads.
    pub fn without_bidi_controls(self) -> Result<Self, FieldError> {
        for (lang, text) in self.0.iter() {
            refuse_bidi_controls(&format!("name.{lang}"), text)?;
        }
        Ok(self)
    }
}

/// The city (or town, village, neighbourhood) an organisation is based in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct City(String);
string_newtype!(City);

impl City {
    pub const MAX_CHARS: usize = 100;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        plain_line("city", raw, Self::MAX_CHARS).map(Self)
    }

    /// The city, if it holds no direction control (as
    /// [`OrgName::without_bidi_controls`]).
    pub fn without_bidi_controls(self) -> Result<Self, FieldError> {
        refuse_bidi_controls("city", &self.0)?;
        Ok(self)
    }
}

/// A public web address. Only `http` and `https`: a `javascript:` link on a
/// card would run a stranger's script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "https://example.org/"))]
pub struct WebUrl(String);
string_newtype!(@conversions WebUrl);

impl TryFrom<String> for WebUrl {
    type Error = FieldError;
    /// On the server: [`WebUrl::parse`]. In the browser, what is read is
    /// what the server sent and parsed: see [`received_web_address`].
    fn try_from(value: String) -> Result<Self, FieldError> {
        #[cfg(target_arch = "wasm32")]
        return received_web_address("website", &value, Self::MAX_CHARS).map(Self);
        #[cfg(not(target_arch = "wasm32"))]
        Self::parse(&value)
    }
}

/// A web address the browser reads from the server, which parsed it
/// (`WebUrl::parse`, `PublicUrl::parse`) before storing it. The browser
/// checks again what keeps a card safe: one line, `http` or `https` (a
/// `javascript:` link would run a stranger's script), a host and no user
/// name. Without the full WHATWG parser and its tables of international
/// domain names, which were a sixth of the map's download; the join form
/// still parses what it sends with the full rules.
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) fn received_web_address(
    field: &str,
    raw: &str,
    max: usize,
) -> Result<String, FieldError> {
    let v = plain_line(field, raw, max)?;
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(|| {
            FieldError::new(field, "must start with https:// or http://").code("url_scheme")
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || v.chars().any(char::is_whitespace) {
        return Err(FieldError::new(field, "must be a full web address (https://…)").code("url"));
    }
    if host.contains('@') {
        return Err(
            FieldError::new(field, "must not contain a user name or password")
                .code("url_credentials"),
        );
    }
    Ok(v)
}

impl WebUrl {
    pub const MAX_CHARS: usize = 2000;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = plain_line("website", raw, Self::MAX_CHARS)?;
        let url = url::Url::parse(&v).map_err(|_| {
            FieldError::new("website", "must be a full web address (https://…)").code("url")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(
                FieldError::new("website", "must start with https:// or http://")
                    .code("url_scheme"),
            );
        }
        if url.host_str().is_none_or(|h| !h.contains('.')) {
            return Err(
                FieldError::new("website", "must name a host, e.g. example.org").code("url_host"),
            );
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                FieldError::new("website", "must not contain a user name or password")
                    .code("url_credentials"),
            );
        }
        Ok(Self(url.to_string()))
    }
}

/// A contact e-mail address. Private: never part of any public response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct Email(String);
string_newtype!(Email);

impl Email {
    pub const MAX_CHARS: usize = 254;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = plain_line("contact_email", raw, Self::MAX_CHARS)?;
        let bad = || {
            FieldError::new(
                "contact_email",
                "must be an e-mail address like name@example.org",
            )
            .code("email")
        };
        let (local, domain) = v.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(bad());
        }
        if v.chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';'))
        {
            return Err(bad());
        }
        Ok(Self(v))
    }

    /// The address as it is compared: in lower case, so that
    /// `Info@Example.org` and `info@example.org` are one.
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
    }
}

/// The name a visitor signs a relayed message with: one line, no
/// direction controls (a group reads it in its mail's first line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct SenderName(String);
string_newtype!(SenderName);

impl SenderName {
    pub const MAX_CHARS: usize = 100;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = plain_line("name", raw, Self::MAX_CHARS)?;
        refuse_bidi_controls("name", &v)?;
        Ok(Self(v))
    }
}

/// What a visitor writes to a group through the relay: any number of
/// lines, no other control character, at most [`MessageText::MAX_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct MessageText(String);
string_newtype!(MessageText);

impl MessageText {
    pub const MAX_CHARS: usize = 4000;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let field = "message";
        let v = raw.trim();
        if v.is_empty() {
            return Err(FieldError::new(field, "is required").code("required"));
        }
        if v.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            )
            .code("too_long")
            .limit(Self::MAX_CHARS));
        }
        if v.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(
                FieldError::new(field, "must not contain control characters").code("control_chars"),
            );
        }
        Ok(Self(v.replace("\r\n", "\n")))
    }
}

/// A free keyword, e.g. `youth`, `housing`, `فن`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct Tag(String);
string_newtype!(Tag);

impl Tag {
    pub const MAX_CHARS: usize = 40;
    /// How many tags an organisation may have.
    pub const MAX_COUNT: usize = 20;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = plain_line("tags", raw, Self::MAX_CHARS)?;
        Ok(Self(v.to_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http() {
        assert!(WebUrl::parse("https://www.ir-amim.org.il").is_ok());
        assert!(WebUrl::parse("http://example.org/a?b=c").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org",
            "example.org",
            "https://localhost",
            "https://u:p@example.org",
            "data:text/html,x",
        ] {
            assert_eq!(WebUrl::parse(bad).unwrap_err().field, "website", "{bad}");
        }
    }

    /// The browser's lighter check takes every address the server's parse
    /// gives, unchanged, and refuses what would make a card unsafe.
    #[test]
    fn the_browser_takes_what_the_server_parsed() {
        for raw in [
            "https://www.ir-amim.org.il",
            "HTTP://Example.ORG/a?b=c#d",
            "https://bücher.example/straße?q=ü ö",
            "https://example.org:8443/path/",
            "https://example.org/[2001:db8::1]/",
            "https://example.org/?next=https://u:p@evil.example",
        ] {
            let parsed = WebUrl::parse(raw).expect(raw).0;
            assert_eq!(
                received_web_address("website", &parsed, 2000),
                Ok(parsed.clone())
            );
            let public = crate::PublicUrl::parse(raw.split(['?', '#']).next().unwrap_or_default())
                .expect(raw);
            let public = public.as_str().to_owned();
            assert_eq!(
                received_web_address("public_url", &public, 2000),
                Ok(public.clone())
            );
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript://example.org/%0aalert(1)",
            "data:text/html,x",
            "ftp://example.org",
            "https://",
            "https:///path",
            "https://u:p@example.org",
            "https://example.org/a b",
            "https://example.org/\nx",
            "example.org",
        ] {
            assert!(
                received_web_address("website", bad, 2000).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn email_shape() {
        assert!(Email::parse("info@example.org").is_ok());
        assert!(Email::parse("a.b+c@sub.example.co.uk").is_ok());
        for bad in [
            "",
            "no-at",
            "@example.org",
            "a@b",
            "a@@b.org",
            "a b@c.org",
            "a@.org",
            "a@b..org",
            "<a@b.org>",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().field,
                "contact_email",
                "{bad}"
            );
        }
    }

    #[test]
    fn city_and_tag_limits() {
        assert_eq!(City::parse(" القدس ").unwrap().as_str(), "القدس");
        assert!(City::parse("").is_err());
        assert!(City::parse(&"x".repeat(101)).is_err());
        assert!(City::parse("a\nb").is_err());
        assert_eq!(Tag::parse("Youth").unwrap().as_str(), "youth");
    }

    #[test]
    fn names_and_cities_refuse_direction_controls() {
        let en = LangCode::parse("en").unwrap();
        let ar = LangCode::parse("ar").unwrap();
        let name = |ar_name: String| {
            OrgName::parse(BTreeMap::from([
                (en.clone(), "Plain".to_owned()),
                (ar.clone(), ar_name),
            ]))
            .unwrap()
            .without_bidi_controls()
        };
        let city = |c: String| City::parse(&c).unwrap().without_bidi_controls();
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let e = name(format!("مكتبة{c}الحي")).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("name.ar", "bidi_controls")
            );
            let e = city(format!("Haifa{c}")).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("city", "bidi_controls")
            );
        }
        // a mark that sets the direction of one place only is fine, and so
        // is text in several scripts
        assert!(name("مكتبة \u{200F}2024".into()).is_ok());
        assert!(city("תל אביב-יפו".into()).is_ok());
    }

    #[test]
    fn localized_fields_limit_length() {
        let en = LangCode::parse("en").unwrap();
        assert!(OrgName::parse(BTreeMap::from([(en.clone(), "x".repeat(200))])).is_ok());
        let e = OrgName::parse(BTreeMap::from([(en, "x".repeat(201))])).unwrap_err();
        assert_eq!(e.field, "name.en");
        assert_eq!(
            Description::parse(BTreeMap::new()).unwrap_err().field,
            "description"
        );
    }
}
