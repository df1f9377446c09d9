//! `sitemap.xml` (sitemaps.org 0.9): the page of every published
//! organisation, for search engines, with absolute addresses. A map of
//! more than [`MAX_URLS`] entries gets a sitemap index instead, which
//! names one sitemap per first two hex digits of the entries' ids (ids
//! are random, so each holds about a 256th), so no sitemap goes over the
//! limit until a map holds millions.

use std::fmt::Write;

use solidarity_map_core::{OrgId, Organization};

use super::xml::escape;
use crate::store::{Result, Store};

/// The most addresses one sitemap may hold (the protocol's limit).
pub const MAX_URLS: u64 = 50_000;

/// How many entries one read takes.
const PAGE: u32 = 1000;

const URLSET: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                      <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";

fn url(out: &mut String, loc: &str, lastmod: Option<&Organization>) {
    let _ = write!(out, "<url><loc>{}</loc>", escape(loc));
    if let Some(org) = lastmod {
        let _ = write!(
            out,
            "<lastmod>{}</lastmod>",
            org.updated_at.format("%Y-%m-%d")
        );
    }
    out.push_str("</url>\n");
}

/// The first id of share `part` (0 to 255) and the last id before it.
fn bounds(part: u8) -> (Option<OrgId>, Option<OrgId>) {
    let start = |p: u8| OrgId(uuid::Uuid::from_u128(u128::from(p) << 120));
    let before = |p: u8| OrgId(uuid::Uuid::from_u128((u128::from(p) << 120) - 1));
    let after = (part > 0).then(|| before(part));
    let end = part.checked_add(1).map(start);
    (after, end)
}

/// Every published entry from `after` (exclusive) until `end`
/// (exclusive), in id order, as `<url>` lines.
async fn urls(
    store: &dyn Store,
    base: &str,
    mut after: Option<OrgId>,
    end: Option<OrgId>,
    out: &mut String,
) -> Result<()> {
    loop {
        let page = store.published_after(after, PAGE).await?;
        for org in &page {
            if end.is_some_and(|e| org.id >= e) {
                return Ok(());
            }
            url(out, &format!("{base}/org/{}", org.id), Some(org));
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = Some(last.id),
            _ => return Ok(()),
        }
    }
}

/// `/sitemap.xml`: every page, or the index of the parts of a large map.
pub async fn sitemap(store: &dyn Store, base: &str, published: u64) -> Result<String> {
    if published > MAX_URLS {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for part in 0..=u8::MAX {
            let _ = writeln!(
                out,
                "<sitemap><loc>{}</loc></sitemap>",
                escape(&format!("{base}/sitemaps/{part:02x}.xml"))
            );
        }
        out.push_str("</sitemapindex>\n");
        return Ok(out);
    }
    let mut out = String::from(URLSET);
    url(&mut out, &format!("{base}/"), None);
    urls(store, base, None, None, &mut out).await?;
    out.push_str("</urlset>\n");
    Ok(out)
}

/// `/sitemaps/{hh}.xml`: the pages of the entries whose id starts with
/// the two hex digits `part`.
pub async fn part(store: &dyn Store, base: &str, part: u8) -> Result<String> {
    let (after, end) = bounds(part);
    let mut out = String::from(URLSET);
    if part == 0 {
        url(&mut out, &format!("{base}/"), None);
    }
    urls(store, base, after, end, &mut out).await?;
    out.push_str("</urlset>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_cover_every_id_once() {
        assert_eq!(bounds(0).0, None);
        let (after, end) = bounds(0xab);
        assert_eq!(
            after.unwrap().to_string(),
            "aaffffff-ffff-ffff-ffff-ffffffffffff"
        );
        assert_eq!(
            end.unwrap().to_string(),
            "ac000000-0000-0000-0000-000000000000"
        );
        assert_eq!(bounds(0xff).1, None);
    }
}
