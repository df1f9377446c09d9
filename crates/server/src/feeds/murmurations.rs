//! Murmurations profiles: each published organisation that has not opted
//! out is described at `/org/{id}/murmurations.json` by a profile valid
//! against Murmurations' `organizations_schema-v1.0.0`
//! (`data/schemas/`), so the network's index and the maps that read it
//! can list the group. Only its public view goes in: name, description,
//! its website and page on this map, kind of group and tags, city and
//! country, and the point at its public precision. Murmurations has one
//! language per profile: each field is English where the group wrote it,
//! else its first language.

use serde_json::{Value, json};
use solidarity_map_core::Organization;

/// The schema every profile is valid against.
pub const SCHEMA: &str = "organizations_schema-v1.0.0";

/// The language profiles are written in where the group wrote it.
const LANG: &str = "en";

/// The path of an organisation's profile.
pub fn path(id: &impl std::fmt::Display) -> String {
    format!("/org/{id}/murmurations.json")
}

/// The profile of a published organisation, its addresses under `base`
/// (the site's absolute address).
pub fn profile(org: &Organization, base: &str) -> Value {
    let p = org.public_view();
    let page = format!("{base}/org/{}", org.id);
    let point = org.public_location();
    let mut urls = Vec::new();
    let mut seen = Vec::new();
    let mut push = |name: &str, url: &str| {
        if !seen.iter().any(|u: &String| u == url) {
            seen.push(url.to_owned());
            urls.push(json!({"name": name, "url": url}));
        }
    };
    if let Some(w) = &p.website {
        push("Website", w.as_str());
    }
    push("Solidarity Map", &page);
    for l in &p.links {
        push("Link", l.as_str());
    }
    let mut tags = vec![p.category.to_string()];
    for t in &p.tags {
        if !tags.iter().any(|x| x == t.as_str()) {
            tags.push(t.as_str().to_owned());
        }
    }
    json!({
        "linked_schemas": [SCHEMA],
        "name": p.name.text().best(LANG).1,
        "description": p.description.text().best(LANG).1,
        "primary_url": p.website.as_ref().map_or(page.as_str(), |w| w.as_str()),
        "urls": urls,
        "tags": tags,
        "locality": p.city.as_str(),
        "country_iso_3166": p.country.as_str(),
        "geolocation": {"lat": point.lat(), "lon": point.lon()},
        "status": "active",
    })
}
