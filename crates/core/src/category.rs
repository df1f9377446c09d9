//! Categories are data, not code: an operator can add one without a release.

use serde::{Deserialize, Serialize};

use crate::{FieldError, LocalizedText};

/// A category's stable identifier, e.g. `solidarity`, `jerusalem`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "media"))]
pub struct CategorySlug(String);

impl CategorySlug {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        let ok = (1..=40).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(v.to_owned()))
        } else {
            Err(FieldError::new(
                "category",
                format!(
                    "\"{}\" is not a category slug (lower-case letters, digits and -)",
                    v.chars().take(40).collect::<String>()
                ),
            )
            .code("category"))
        }
    }
}

string_newtype!(CategorySlug);

/// A kind of group, with its labels and the colour of its markers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub slug: CategorySlug,
    pub labels: LocalizedText,
    /// `#rrggbb`, chosen to be distinguishable and to keep AA contrast with
    /// white text.
    pub colour: String,
    /// A short symbol drawn in the marker, so colour is never the only cue.
    #[serde(default)]
    pub symbol: String,
}

/// A category with the number of published organisations in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryCount {
    #[serde(flatten)]
    pub category: Category,
    pub count: u64,
}

/// Checks a `#rrggbb` colour.
pub fn parse_colour(raw: &str) -> Result<String, FieldError> {
    let ok =
        raw.len() == 7 && raw.starts_with('#') && raw[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(FieldError::new("colour", "must be #rrggbb"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(CategorySlug::parse("faith-based").is_ok());
        assert!(CategorySlug::parse("Faith").is_err());
        assert!(CategorySlug::parse("a b").is_err());
        assert!(CategorySlug::parse("").is_err());
        assert_eq!(parse_colour("#A1b2C3").unwrap(), "#a1b2c3");
        assert!(parse_colour("red").is_err());
    }
}

/// How many published organisations there are per category, country and
/// working language: the options of the map's filters. Under a filter,
/// each facet counts what the other filters let through (the country
/// counts ignore the chosen country, so the other countries still say
/// what choosing them would show).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    /// By category slug; a category with none is left out.
    #[serde(default)]
    pub categories: Vec<FacetCount>,
    pub countries: Vec<FacetCount>,
    pub languages: Vec<FacetCount>,
}

impl Facets {
    /// The count of `code` in `facet`, 0 when it is not there.
    pub fn count(facet: &[FacetCount], code: &str) -> u64 {
        facet.iter().find(|f| f.code == code).map_or(0, |f| f.count)
    }
}

/// One value of a facet and its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetCount {
    pub code: String,
    pub count: u64,
}
