//! Mirroring: entries another map keeps, followed through its public
//! change feed and shown here with their source and licence. The types
//! both sides read are here: the source a mirrored entry names on its
//! card (and hands on to whoever mirrors this map, so the licence
//! travels with the data), what part of another map is mirrored, and what
//! moderators see of each mirror.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::geojson::Feature;
use crate::{
    BBox, CategorySlug, FieldError, NewOrganization, OrgId, PublicOrganization, PublicUrl, WebUrl,
};

/// The longest name of a source, in characters.
pub const MAX_SOURCE_NAME: usize = 120;

/// The longest licence name, in characters.
pub const MAX_LICENCE_NAME: usize = 200;

/// Where a mirrored entry comes from: the map that keeps it (it alone may
/// change it) and the licence its data is under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataSource {
    /// The map's name, as the operator who mirrors it called it.
    pub name: String,
    /// The map's address; the entry's page there is `{url}/org/{id}`.
    pub url: PublicUrl,
    /// The data's licence (an SPDX identifier where there is one).
    pub license: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_url: Option<WebUrl>,
}

impl DataSource {
    /// A source from what another map says of itself: names shortened to
    /// their limits, control characters dropped (they are shown as text,
    /// never as markup, but a stranger's map wrote them).
    pub fn new(name: &str, url: PublicUrl, license: &str, license_url: Option<&str>) -> Self {
        Self {
            name: clean(name, MAX_SOURCE_NAME),
            url,
            license: clean(license, MAX_LICENCE_NAME),
            license_url: license_url.and_then(|u| WebUrl::parse(u).ok()),
        }
    }

    /// The entry's own page on its source map.
    pub fn page_of(&self, id: &OrgId) -> String {
        self.url.join(&format!("/org/{id}"))
    }
}

fn clean(text: &str, max: usize) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// What part of another map is mirrored: entries of these categories (all
/// when empty) inside this box (the world when `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MirrorScope {
    #[serde(default)]
    pub categories: Vec<CategorySlug>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub bbox: Option<BBox>,
}

impl MirrorScope {
    /// Whether an entry of the other map, as its public view, is mirrored.
    pub fn takes(&self, feature: &Feature<PublicOrganization>) -> bool {
        let category =
            self.categories.is_empty() || self.categories.contains(&feature.properties.category);
        let (lat, lon) = feature.geometry.lat_lon();
        let place = match (self.bbox, crate::LatLon::new(lat, lon)) {
            (None, _) => true,
            (Some(b), Ok(p)) => b.contains(p),
            (Some(_), Err(_)) => false,
        };
        category && place
    }
}

/// An entry of another map as this one stores it: its public fields, at
/// the point and precision that map shows (never finer), and no contact
/// address. What the other map sent is held to the rules a form here is
/// (each field was parsed by its type when the JSON was read; the counts
/// are checked here), so a mirror stores nothing a group could not.
pub fn stored_form(feature: &Feature<PublicOrganization>) -> Result<NewOrganization, FieldError> {
    let p = &feature.properties;
    let (lat, lon) = feature.geometry.lat_lon();
    if p.links.len() > crate::org::MAX_LINKS {
        return Err(FieldError::new("links", "too many links"));
    }
    if p.languages.len() > crate::org::MAX_LANGUAGES {
        return Err(FieldError::new("languages", "too many languages"));
    }
    if p.tags.len() > crate::Tag::MAX_COUNT {
        return Err(FieldError::new("tags", "too many tags"));
    }
    if feature.id != p.id.to_string() {
        return Err(FieldError::new("id", "the feature's id is not its entry's"));
    }
    Ok(NewOrganization {
        name: p.name.clone(),
        description: p.description.clone(),
        category: p.category.clone(),
        city: p.city.clone(),
        country: p.country,
        location: crate::LatLon::new(lat, lon)?,
        precision: p.precision,
        website: p.website.clone(),
        links: p.links.clone(),
        languages: p.languages.clone(),
        tags: p.tags.clone(),
        contact_email: None,
    })
}

/// Whether a mirror is following its map, or stopped on an answer it
/// could not use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MirrorState {
    Following,
    /// Stopped with the reason in `error`: nothing of the bad answer was
    /// applied; `solidarity-map mirror resume` starts it again.
    Stopped,
}

impl MirrorState {
    pub fn as_str(&self) -> &'static str {
        match self {
            MirrorState::Following => "following",
            MirrorState::Stopped => "stopped",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "following" => Ok(MirrorState::Following),
            "stopped" => Ok(MirrorState::Stopped),
            _ => Err(FieldError::new("state", "must be following or stopped")),
        }
    }
}

/// One mirror, as moderators and operators see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MirrorInfo {
    pub id: i64,
    pub source: DataSource,
    pub scope: MirrorScope,
    /// New entries are published at once (or wait for a moderator).
    pub publish: bool,
    pub state: MirrorState,
    /// Why it stopped, or the last failure it is retrying after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it last read the other map's feed successfully.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_read: Option<DateTime<Utc>>,
    /// How many entries it keeps here, public or not.
    pub entries: u64,
    /// How many of them a moderator hid.
    pub hidden: u64,
}

/// A mirrored entry a moderator hid: off this map whatever its source
/// does, until it is shown again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HiddenEntry {
    pub id: OrgId,
    pub name: String,
    pub source: DataSource,
}

/// The moderators' view of mirroring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MirrorsPage {
    pub mirrors: Vec<MirrorInfo>,
    pub hidden: Vec<HiddenEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strangers_source_name_is_cleaned_and_bounded() {
        let url = PublicUrl::parse("https://other.example").unwrap();
        let s = DataSource::new(
            "  Other\u{7}\n map  ",
            url.clone(),
            "ODbL-1.0",
            Some("javascript:alert(1)"),
        );
        assert_eq!(s.name, "Other map");
        assert_eq!(s.license_url, None);
        let long = DataSource::new(&"x".repeat(500), url, "CC0", None);
        assert_eq!(long.name.chars().count(), MAX_SOURCE_NAME);
        let id: OrgId = "3f2a9d6e-1b7c-4c2e-9a44-0c6f3e1d2b5a".parse().unwrap();
        assert_eq!(
            long.page_of(&id),
            "https://other.example/org/3f2a9d6e-1b7c-4c2e-9a44-0c6f3e1d2b5a"
        );
    }
}
