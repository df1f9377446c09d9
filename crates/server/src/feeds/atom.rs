//! The Atom feed of newly published groups (`/feed.atom`, RFC 4287), so a
//! feed reader or a partner site can follow "new groups in Jerusalem":
//! the newest first, filtered like the map (kind of group, country,
//! language, words, box), titled and summarised in the feed's language
//! (`lang`: en, ar or he) where the group wrote in it.
//!
//! Each entry is the public view only: name, description, city and
//! country, kind of group, the page on the map, and the point at its
//! public precision (GeoRSS). The name and description carry the
//! language they are written in (`xml:lang`), and the description is
//! isolated with `dir="auto"`, so an Arabic name in an English feed reads
//! right, and the other way round.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use solidarity_map_core::{Category, Organization};

use super::texts::text;
use super::xml::escape;
use crate::open_data::Licence;
use crate::store::FeedOrg;

/// How many entries a feed holds.
pub const ENTRIES: u32 = 50;

/// What a feed is made of besides its entries.
pub struct Feed<'a> {
    /// The site's absolute address, no trailing slash.
    pub base: &'a str,
    /// The feed's own path and query (`/feed.atom?…`).
    pub path: &'a str,
    /// en, ar or he.
    pub lang: &'a str,
    /// Whether a filter narrows it (said in the title).
    pub filtered: bool,
    pub categories: &'a [Category],
    pub licence: &'a Licence,
}

/// The whole document.
pub fn render(feed: &Feed<'_>, entries: &[FeedOrg]) -> String {
    let lang = feed.lang;
    let mut title = text(lang, "title").to_owned();
    if feed.filtered {
        let _ = write!(title, " ({})", text(lang, "filtered"));
    }
    let updated = entries
        .iter()
        .map(|e| e.org.updated_at)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" \
         xmlns:georss=\"http://www.georss.org/georss\" xml:lang=\"{lang}\">\n\
         <id>{id}</id>\n<title>{title}</title>\n<subtitle>{subtitle}</subtitle>\n\
         <updated>{updated}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{id}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{home}\"/>\n\
         <link rel=\"license\" href=\"{licence_url}\"/>\n\
         <rights>{licence}</rights>\n\
         <author><name>Solidarity Map</name><uri>{home}</uri></author>\n\
         <generator>Solidarity Map</generator>\n",
        id = escape(&format!("{}{}", feed.base, feed.path)),
        title = escape(&title),
        subtitle = escape(text(lang, "subtitle")),
        updated = updated.to_rfc3339(),
        home = escape(&format!("{}/", feed.base)),
        licence_url = escape(feed.licence.url.as_str()),
        licence = escape(&feed.licence.name),
    );
    for e in entries {
        entry(&mut out, feed, e);
    }
    out.push_str("</feed>\n");
    out
}

fn entry(out: &mut String, feed: &Feed<'_>, e: &FeedOrg) {
    let org: &Organization = &e.org;
    let p = org.public_view();
    let (name_lang, name) = p.name.text().best(feed.lang);
    let (desc_lang, desc) = p.description.text().best(feed.lang);
    let page = format!("{}/org/{}", feed.base, org.id);
    let point = org.public_location();
    let label = feed
        .categories
        .iter()
        .find(|c| c.slug == p.category)
        .map_or(p.category.as_str(), |c| c.labels.best(feed.lang).1);
    let published = e.published_at.unwrap_or(org.created_at);
    let _ = write!(
        out,
        "<entry>\n<id>urn:uuid:{id}</id>\n\
         <title type=\"text\" xml:lang=\"{name_lang}\">{name}</title>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{page}\"/>\n\
         <published>{published}</published>\n<updated>{updated}</updated>\n\
         <category term=\"{slug}\" label=\"{label}\"/>\n\
         <summary type=\"xhtml\" xml:lang=\"{desc_lang}\">\
         <div xmlns=\"http://www.w3.org/1999/xhtml\" dir=\"auto\">{desc}</div></summary>\n\
         <content type=\"xhtml\" xml:lang=\"{desc_lang}\">\
         <div xmlns=\"http://www.w3.org/1999/xhtml\">\
         <p dir=\"auto\">{desc}</p>\
         <p>{place_label}: <bdi>{city}</bdi>, {country}</p>\
         <p>{category_label}: <bdi>{label}</bdi></p></div></content>\n\
         <georss:point>{lat} {lon}</georss:point>\n</entry>\n",
        id = org.id,
        name = escape(name),
        page = escape(&page),
        published = published.to_rfc3339(),
        updated = org.updated_at.to_rfc3339(),
        slug = escape(p.category.as_str()),
        label = escape(label),
        desc = escape(desc),
        place_label = escape(text(feed.lang, "place")),
        city = escape(p.city.as_str()),
        country = escape(p.country.as_str()),
        category_label = escape(text(feed.lang, "category")),
        lat = point.lat(),
        lon = point.lon(),
    );
}
