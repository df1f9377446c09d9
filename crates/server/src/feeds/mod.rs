//! What other sites and programs follow: the change feed
//! (`/api/changes`), the Atom feed of new groups, the sitemap and the
//! Murmurations profiles. Each is built from the public view of an entry,
//! as `/api/organizations` gives it, never from the stored record, and
//! says nothing of an entry that never was public.

pub mod atom;
pub mod changes;
pub mod murmurations;
pub mod murmurations_index;
pub mod sitemap;
pub mod texts;
mod xml;

use crate::open_data::Licence;
use solidarity_map_core::PublicUrl;

/// The credit the licence asks of those who reuse the data: the map's
/// name and address, and the licence.
pub fn attribution(licence: &Licence, public: Option<&PublicUrl>) -> String {
    let source = match public {
        Some(url) => format!("Solidarity Map ({})", url.as_str()),
        None => "Solidarity Map".to_owned(),
    };
    format!(
        "Contains information from {source}, made available under {} ({})",
        licence.name, licence.url
    )
}

/// The site's absolute address, no trailing slash: the operator's
/// `--public-url`, else the address this request was sent to (the `Host`
/// it names, when that is a plain host name or address).
pub fn base(public: Option<&PublicUrl>, host: Option<&str>) -> String {
    if let Some(url) = public {
        return url.as_str().to_owned();
    }
    let plain = |h: &&str| {
        !h.is_empty()
            && h.len() <= 255
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    };
    format!("http://{}", host.filter(plain).unwrap_or("localhost"))
}
