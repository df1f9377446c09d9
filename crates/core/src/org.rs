//! The organisation: what a group submits, what is stored, and the public
//! view that is the only thing ever sent to visitors.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::geojson::{Feature, Geometry};
use crate::mirror::DataSource;
use crate::{
    CategorySlug, City, CountryCode, Description, Email, FieldError, LangCode, LatLon, OrgName,
    Precision, Tag, WebUrl,
};

/// How many public links besides the website an entry may have.
pub const MAX_LINKS: usize = 10;
/// How many working languages an entry may list.
pub const MAX_LANGUAGES: usize = 20;

/// A uuid with a meaning: each kind of id is its own type, so one cannot be
/// passed where another is meant. Parsed from and shown as the hyphenated
/// uuid.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(
            feature = "openapi",
            derive(utoipa::ToSchema),
            schema(value_type = String, format = Uuid)
        )]
        pub struct $name(pub Uuid);

        impl FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                const WHY: &str = concat!("is not a valid ", $what, " id (UUID)");
                Uuid::parse_str(s).map(Self).map_err(|_| FieldError::new("id", WHY))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// An organisation's identifier.
    OrgId,
    "organisation"
);

uuid_id!(
    /// A revision's identifier: one submission or edit of an organisation,
    /// which a moderator decides on.
    RevisionId,
    "revision"
);

/// Where an entry stands in moderation. Only `Published` is ever public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    Pending,
    Published,
    Rejected,
    /// Taken down by the group itself through its edit link.
    Withdrawn,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Published => "published",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        [
            Status::Pending,
            Status::Published,
            Status::Rejected,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
        .ok_or_else(|| FieldError::new("status", "unknown status"))
    }
}

/// A location as submitted, before range checks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawLocation {
    pub lat: f64,
    pub lon: f64,
}

/// An organisation as a person or a file submits it: plain strings, to be
/// checked. Every problem is reported, not just the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationInput {
    pub name: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub category: String,
    pub city: String,
    pub country: String,
    pub location: Option<RawLocation>,
    pub precision: Option<String>,
    pub website: Option<String>,
    pub links: Vec<String>,
    pub languages: Vec<String>,
    pub tags: Vec<String>,
    pub contact_email: Option<String>,
}

/// A valid organisation, not yet stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOrganization {
    pub name: OrgName,
    pub description: Description,
    pub category: CategorySlug,
    pub city: City,
    pub country: CountryCode,
    pub location: LatLon,
    pub precision: Precision,
    pub website: Option<WebUrl>,
    pub links: Vec<WebUrl>,
    pub languages: Vec<LangCode>,
    pub tags: Vec<Tag>,
    pub contact_email: Option<Email>,
}

fn localized(
    field: &str,
    raw: &BTreeMap<String, String>,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<LangCode, String> {
    let mut out = BTreeMap::new();
    for (lang, text) in raw {
        match LangCode::parse(lang) {
            Ok(l) => {
                out.insert(l, text.clone());
            }
            Err(e) => errors.push(e.at(field)),
        }
    }
    out
}

fn ok<T>(r: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

fn optional(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl OrganizationInput {
    /// Checks every field and returns the valid organisation, or every
    /// problem found, each naming its field.
    pub fn validate(&self) -> Result<NewOrganization, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name_raw = localized("name", &self.name, &mut errors);
        let name = ok(
            OrgName::parse(name_raw).and_then(OrgName::without_bidi_controls),
            &mut errors,
        );
        let desc_raw = localized("description", &self.description, &mut errors);
        let description = ok(Description::parse(desc_raw), &mut errors);
        let category = ok(CategorySlug::parse(&self.category), &mut errors);
        let city = ok(
            City::parse(&self.city).and_then(City::without_bidi_controls),
            &mut errors,
        );
        let country = ok(CountryCode::parse(&self.country), &mut errors);
        let location = match self.location {
            Some(l) => ok(LatLon::new(l.lat, l.lon), &mut errors),
            None => {
                errors.push(
                    FieldError::new(
                        "location",
                        "is required: choose a place on the map or a city",
                    )
                    .code("location_required"),
                );
                None
            }
        };
        let precision = match optional(&self.precision) {
            Some(p) => ok(Precision::parse(p), &mut errors),
            None => Some(Precision::default()),
        };
        let website = match optional(&self.website) {
            Some(w) => ok(WebUrl::parse(w).map(Some), &mut errors),
            None => Some(None),
        };
        let mut links = Vec::new();
        if self.links.len() > MAX_LINKS {
            errors.push(
                FieldError::new("links", format!("at most {MAX_LINKS} links"))
                    .code("too_many_links")
                    .limit(MAX_LINKS),
            );
        }
        for (i, l) in self
            .links
            .iter()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
        {
            match WebUrl::parse(l) {
                Ok(u) => links.push(u),
                Err(e) => errors.push(e.at(format!("links[{i}]"))),
            }
        }
        let mut languages = Vec::new();
        if self.languages.len() > MAX_LANGUAGES {
            errors.push(
                FieldError::new("languages", format!("at most {MAX_LANGUAGES} languages"))
                    .code("too_many_languages")
                    .limit(MAX_LANGUAGES),
            );
        }
        for l in self.languages.iter().filter(|l| !l.trim().is_empty()) {
            match LangCode::parse(l) {
                Ok(code) if !languages.contains(&code) => languages.push(code),
                Ok(_) => {}
                Err(e) => errors.push(e.at("languages")),
            }
        }
        let mut tags = Vec::new();
        if self.tags.len() > Tag::MAX_COUNT {
            errors.push(
                FieldError::new("tags", format!("at most {} tags", Tag::MAX_COUNT))
                    .code("too_many_tags")
                    .limit(Tag::MAX_COUNT),
            );
        }
        for (i, t) in self.tags.iter().enumerate() {
            if t.trim().is_empty() {
                continue;
            }
            match Tag::parse(t) {
                Ok(tag) if !tags.contains(&tag) => tags.push(tag),
                Ok(_) => {}
                // `tags[i]`: the error names the one tag that is wrong
                Err(e) => errors.push(FieldError {
                    field: format!("tags[{i}]"),
                    message: format!("\"{}\" {}", t.trim(), e.message),
                    ..e
                }),
            }
        }
        let contact_email = match optional(&self.contact_email) {
            Some(e) => ok(Email::parse(e).map(Some), &mut errors),
            None => Some(None),
        };
        match (
            name,
            description,
            category,
            city,
            country,
            location,
            precision,
            website,
            contact_email,
        ) {
            (
                Some(name),
                Some(description),
                Some(category),
                Some(city),
                Some(country),
                Some(location),
                Some(precision),
                Some(website),
                Some(contact_email),
            ) if errors.is_empty() => Ok(NewOrganization {
                name,
                description,
                category,
                city,
                country,
                location,
                precision,
                website,
                links,
                languages,
                tags,
                contact_email,
            }),
            _ => Err(errors),
        }
    }
}

/// An organisation as stored. Holds private fields: never serialise this to
/// the public; use [`Organization::public_view`].
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: OrgId,
    pub data: NewOrganization,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the entry was last confirmed as active: its approval, an
    /// approved edit, or the group's answer to a "still active?" mail.
    pub confirmed_at: DateTime<Utc>,
    /// Nobody confirmed it for the operator's period and the reminder
    /// after it (see the server's freshness job): the map fades it.
    pub stale: bool,
    /// Mirrored from another map, which alone may change it (see
    /// [`crate::mirror`]); `None` for an entry kept here.
    pub source: Option<DataSource>,
}

/// The public fields of an organisation: the only shape visitors, GIS tools
/// and partner sites ever receive. Built field by field, so a private field
/// added to [`Organization`] later cannot leak by accident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicOrganization {
    pub id: OrgId,
    pub name: OrgName,
    pub description: Description,
    pub category: CategorySlug,
    pub city: City,
    pub country: CountryCode,
    pub precision: Precision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<WebUrl>,
    #[serde(default)]
    pub links: Vec<WebUrl>,
    #[serde(default)]
    pub languages: Vec<LangCode>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    pub updated_at: DateTime<Utc>,
    /// When the entry was last confirmed as active (see
    /// [`Organization::confirmed_at`]).
    pub last_confirmed: DateTime<Utc>,
    /// Not confirmed for the operator's period and a reminder: shown
    /// faded, and left out by `hide_stale=true`.
    #[serde(default)]
    pub stale: bool,
    /// The map this entry is mirrored from, and its licence: shown on the
    /// card, and kept by whoever mirrors this map in turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<DataSource>,
}

impl Organization {
    /// The location the public sees: rounded to the entry's precision.
    pub fn public_location(&self) -> LatLon {
        self.data.location.rounded(self.data.precision)
    }

    pub fn public_view(&self) -> PublicOrganization {
        let d = &self.data;
        PublicOrganization {
            id: self.id,
            name: d.name.clone(),
            description: d.description.clone(),
            category: d.category.clone(),
            city: d.city.clone(),
            country: d.country,
            precision: d.precision,
            website: d.website.clone(),
            links: d.links.clone(),
            languages: d.languages.clone(),
            tags: d.tags.clone(),
            updated_at: self.updated_at,
            last_confirmed: self.confirmed_at,
            stale: self.stale,
            source: self.source.clone(),
        }
    }

    /// The public view as a GeoJSON Feature.
    pub fn to_feature(&self) -> Feature<PublicOrganization> {
        Feature::new(
            self.id.to_string(),
            Geometry::point(self.public_location()),
            self.public_view(),
        )
    }
}

impl NewOrganization {
    /// Everything search looks at, folded by
    /// [`crate::text::normalize_for_search`]: names and descriptions in
    /// every language, city and tags.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(self.name.text().iter().map(|(_, t)| t));
        parts.extend(self.description.text().iter().map(|(_, t)| t));
        parts.push(self.city.as_str());
        parts.extend(self.tags.iter().map(Tag::as_str));
        crate::text::normalize_for_search(&parts.join(" \u{1f} "))
    }

    /// The key lists are sorted by: the English name, else the first.
    pub fn sort_name(&self) -> String {
        crate::text::normalize_for_search(self.name.text().best("en").1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_about_one_tag_names_it() {
        let mut input = OrganizationInput {
            tags: vec!["housing".into(), " ".into(), "x".repeat(41)],
            ..OrganizationInput::default()
        };
        input.tags.push("mutual aid".into());
        let errors = input.validate().unwrap_err();
        let tag = errors.iter().find(|e| e.field.starts_with("tags")).unwrap();
        assert_eq!(tag.field, "tags[2]");
        assert!(
            tag.message.starts_with(&format!("\"{}\"", "x".repeat(41))),
            "{}",
            tag.message
        );
        assert_eq!(tag.code, "too_long");
    }

    pub(crate) fn input() -> OrganizationInput {
        OrganizationInput {
            name: BTreeMap::from([
                ("en".into(), "Ir Amim".into()),
                ("he".into(), "עיר עמים".into()),
            ]),
            description: BTreeMap::from([("en".into(), "For an equitable Jerusalem.".into())]),
            category: "jerusalem".into(),
            city: "Jerusalem".into(),
            country: "IL".into(),
            location: Some(RawLocation {
                lat: 31.7683,
                lon: 35.2137,
            }),
            precision: None,
            website: Some("https://www.ir-amim.org.il".into()),
            links: vec![],
            languages: vec!["he".into(), "en".into(), "ar".into()],
            tags: vec!["Advocacy".into()],
            contact_email: Some("info@example.org".into()),
        }
    }

    #[test]
    fn valid_input_parses_with_city_precision_by_default() {
        let org = input().validate().unwrap();
        assert_eq!(org.precision, Precision::City);
        assert_eq!(org.tags[0].as_str(), "advocacy");
        assert!(org.search_text().contains("ir amim"));
        assert!(org.search_text().contains("עיר עמימ"));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut i = input();
        i.name.clear();
        i.country = "XX".into();
        i.website = Some("javascript:alert(1)".into());
        i.location = Some(RawLocation {
            lat: 91.0,
            lon: 0.0,
        });
        i.contact_email = Some("nope".into());
        i.links = vec!["ftp://x.org".into()];
        let errs = i.validate().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "country",
                "location.lat",
                "website",
                "links[0]",
                "contact_email"
            ]
        );
    }

    #[test]
    fn direction_controls_are_refused_in_names_and_cities_only() {
        let mut i = input();
        // "Ir Amim" that shows as "mimA rI" and a city in an isolate
        i.name.insert("en".into(), "\u{202E}mimA rI".into());
        i.city = "\u{2067}Jerusalem\u{2069}".into();
        i.description.insert(
            "en".into(),
            "We quote \u{2067}עיר עמים\u{2069} here.".into(),
        );
        let errs = i.validate().unwrap_err();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [("name.en", "bidi_controls"), ("city", "bidi_controls")]
        );
    }

    #[test]
    fn public_view_has_no_email_and_rounds() {
        let org = Organization {
            id: OrgId(Uuid::nil()),
            data: input().validate().unwrap(),
            status: Status::Published,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            confirmed_at: Utc::now(),
            stale: false,
            source: None,
        };
        let json = serde_json::to_string(&org.to_feature()).unwrap();
        assert!(!json.contains("info@example.org"));
        assert!(json.contains("[35.2,31.8]"), "{json}");
    }
}
