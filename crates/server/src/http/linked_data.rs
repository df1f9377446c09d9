//! Linked data: the page of a published organisation (`/org/{id}`) is the
//! client's `index.html` with a schema.org `Organization` in JSON-LD, its
//! name as the title and its description as the meta description, so that
//! search engines and other machines can read what the map knows without
//! running the client.
//!
//! Only what the public API shows goes in: the entry's public view and its
//! rounded point, never a contact or the exact location. The JSON sits in a
//! `<script type="application/ld+json">` data block, which browsers never
//! run, so the Content-Security-Policy needs no hash for it; every `<` in it
//! is written `\u003c`, so no text a group submitted can close the element.
//! Any other id (unknown, pending, withdrawn) gets the plain `index.html`.

use serde_json::{Map, Value, json};
use solidarity_map_core::text::escape_html;
use solidarity_map_core::{Feature, PublicOrganization, PublicUrl, site_link};

/// The language the title, description and `name` are given in when the
/// entry has it (else its first language).
const MAIN_LANG: &str = "en";

/// How much of the description goes in the meta description.
const META_DESCRIPTION_CHARS: usize = 300;

/// The schema.org `Organization` for a published entry. Its page is
/// absolute under the site's public address when the operator gave one,
/// else relative (`/org/{id}`), which JSON-LD resolves against the page's
/// address.
pub fn organization(org: &Feature<PublicOrganization>, public: Option<&PublicUrl>) -> Value {
    let p = &org.properties;
    let page = site_link(public, &format!("/org/{}", org.id));
    let (name_lang, name) = p.name.text().best(MAIN_LANG);
    let alternate: Vec<&str> = p
        .name
        .text()
        .iter()
        .filter(|(l, t)| *l != name_lang && *t != name)
        .map(|(_, t)| t)
        .collect();
    let (lat, lon) = org.geometry.lat_lon();
    let mut out = Map::new();
    out.insert("@context".into(), json!("https://schema.org"));
    out.insert("@type".into(), json!("Organization"));
    out.insert("@id".into(), json!(page));
    out.insert("url".into(), json!(page));
    out.insert("name".into(), json!(name));
    if !alternate.is_empty() {
        out.insert("alternateName".into(), json!(alternate));
    }
    out.insert(
        "description".into(),
        json!(p.description.text().best(MAIN_LANG).1),
    );
    // the group's own site first, then its other pages
    let same_as: Vec<&str> = p
        .website
        .iter()
        .chain(p.links.iter())
        .map(|u| u.as_str())
        .collect();
    if !same_as.is_empty() {
        out.insert("sameAs".into(), json!(same_as));
    }
    out.insert(
        "address".into(),
        json!({
            "@type": "PostalAddress",
            "addressLocality": p.city.as_str(),
            "addressCountry": p.country.as_str(),
        }),
    );
    // the point the map shows: rounded to the precision the group chose
    out.insert(
        "location".into(),
        json!({
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": p.city.as_str(),
                "addressCountry": p.country.as_str(),
            },
            "geo": {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon},
        }),
    );
    if !p.languages.is_empty() {
        let languages: Vec<&str> = p.languages.iter().map(|l| l.as_str()).collect();
        out.insert("knowsLanguage".into(), json!(languages));
    }
    if !p.tags.is_empty() {
        let tags: Vec<&str> = p.tags.iter().map(|t| t.as_str()).collect();
        out.insert("keywords".into(), json!(tags.join(", ")));
    }
    out.insert("dateModified".into(), json!(p.updated_at.to_rfc3339()));
    Value::Object(out)
}

/// `value` as the text of a `<script>` element: every `<`, `>` and `&` as
/// a JSON escape, so the text cannot end the element or open a comment.
pub fn script_text(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The organisation's page: `index` with its title, meta description and
/// JSON-LD in the head. `None` when `index` has no `</head>` to put them in.
pub fn page(
    index: &str,
    org: &Feature<PublicOrganization>,
    public: Option<&PublicUrl>,
) -> Option<String> {
    let p = &org.properties;
    let title = format!("{} · Solidarity Map", p.name.text().best(MAIN_LANG).1);
    let description: String = p
        .description
        .text()
        .best(MAIN_LANG)
        .1
        .chars()
        .take(META_DESCRIPTION_CHARS)
        .collect();
    let head_end = index.find("</head>")?;
    let mut head = index[..head_end].to_owned();
    let body = &index[head_end..];
    head = replace_element(&head, "<title>", "</title>", &escape_html(&title));
    head = replace_meta_description(&head, &escape_html(&description));
    Some(format!(
        "{head}<script type=\"application/ld+json\">{}</script>\n{body}",
        script_text(&organization(org, public))
    ))
}

/// `html` with the content of the first `open…close` element replaced, or
/// with the element added when there is none.
fn replace_element(html: &str, open: &str, close: &str, content: &str) -> String {
    if let Some(start) = html.find(open)
        && let Some(len) = html[start..].find(close)
    {
        let end = start + len;
        return format!("{}{open}{content}{}", &html[..start], &html[end..]);
    }
    format!("{html}{open}{content}{close}\n")
}

/// `html` with the `content` of its `<meta name="description">` replaced,
/// or with one added.
fn replace_meta_description(html: &str, content: &str) -> String {
    let tag = format!("<meta name=\"description\" content=\"{content}\" />");
    if let Some(start) = html.find("<meta name=\"description\"")
        && let Some(len) = html[start..].find('>')
    {
        let end = start + len + 1;
        return format!("{}{tag}{}", &html[..start], &html[end..]);
    }
    format!("{html}{tag}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_can_close_the_script() {
        let v = json!({"name": "</script><script>alert(1)</script><!--"});
        let text = script_text(&v);
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn title_and_description_are_replaced() {
        let html = "<html><head><meta name=\"description\" content=\"old\" />\
                    <title>Solidarity Map</title></head><body></body></html>";
        let head = replace_element(html, "<title>", "</title>", "A &amp; B");
        assert!(head.contains("<title>A &amp; B</title>"), "{head}");
        let head = replace_meta_description(&head, "new &quot;one&quot;");
        assert!(head.contains("content=\"new &quot;one&quot;\""), "{head}");
        assert!(!head.contains("old"));
        assert_eq!(escape_html("<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
    }
}
