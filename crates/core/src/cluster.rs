//! The clustered view of the map, for when there are too many
//! organisations to send them all: the query (a box, a zoom and the usual
//! filters) and the properties of its features, shared by the server that
//! answers and the client that draws.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{FieldError, OrgFilter};

/// The deepest zoom a client may ask for (Leaflet's usual maximum).
pub const MAX_ZOOM: u8 = 22;

/// `GET /api/clusters?zoom=…&bbox=…&category=…&country=…&language=…&q=…`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterQuery {
    /// The filters, as for `/api/organizations` (`limit` and `offset` are
    /// ignored: every match in the box is counted).
    pub filter: OrgFilter,
    /// The map's zoom level, a whole number from 0 to [`MAX_ZOOM`].
    pub zoom: u8,
}

impl ClusterQuery {
    /// Parses a URL query string (without `?`); `zoom` is required.
    pub fn from_query(raw: &str) -> Result<Self, Vec<FieldError>> {
        let filter = OrgFilter::from_query(raw);
        let mut zooms = form_urlencoded::parse(raw.as_bytes())
            .filter(|(k, _)| k == "zoom")
            .map(|(_, v)| v.into_owned());
        let zoom = match (zooms.next(), zooms.next()) {
            (None, _) => Err(FieldError::new("zoom", "is required")),
            (Some(_), Some(_)) => Err(FieldError::new("zoom", "must be given only once")),
            (Some(z), None) => z
                .parse::<u8>()
                .ok()
                .filter(|z| *z <= MAX_ZOOM)
                .ok_or_else(|| {
                    FieldError::new(
                        "zoom",
                        format!("must be a whole number from 0 to {MAX_ZOOM}"),
                    )
                }),
        };
        match (filter, zoom) {
            (Ok(filter), Ok(zoom)) => Ok(Self { filter, zoom }),
            (f, z) => {
                let mut errors = f.err().unwrap_or_default();
                errors.extend(z.err());
                Err(errors)
            }
        }
    }

    pub fn to_query(&self) -> String {
        let filter = OrgFilter {
            limit: None,
            offset: 0,
            after: None,
            ..self.filter.clone()
        };
        let rest = filter.to_query();
        if rest.is_empty() {
            format!("zoom={}", self.zoom)
        } else {
            format!("zoom={}&{rest}", self.zoom)
        }
    }
}

/// The properties of a feature of `/api/clusters`: either a cluster of
/// several organisations, or one organisation (its id is the feature's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterProperties {
    pub cluster: bool,
    /// How many organisations (1 for a single one).
    pub count: u64,
    /// A cluster's organisations by category slug.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, u64>,
    /// The zoom at which a cluster splits: where a click on it goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expansion_zoom: Option<u8>,
    /// A single organisation's category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// A single organisation that is stale (not confirmed for the
    /// operator's period and a reminder): the map fades it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zoom_and_filters_together() {
        let q = ClusterQuery::from_query("zoom=12&bbox=35,31,36,32&category=media&country=ps")
            .expect("valid");
        assert_eq!(q.zoom, 12);
        assert_eq!(q.filter.categories.len(), 1);
        assert_eq!(
            q.filter.country.map(|c| c.as_str().to_owned()),
            Some("PS".into())
        );
        let again = ClusterQuery::from_query(&q.to_query()).expect("round trip");
        assert_eq!(again, q);
    }

    #[test]
    fn every_problem_is_named() {
        let errors = ClusterQuery::from_query("zoom=23&bbox=1,2").expect_err("two problems");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["bbox", "zoom"]);
        let errors = ClusterQuery::from_query("").expect_err("zoom missing");
        assert_eq!(errors[0].field, "zoom");
        assert!(ClusterQuery::from_query("zoom=1&zoom=2").is_err());
        assert!(ClusterQuery::from_query("zoom=-1").is_err());
    }
}
