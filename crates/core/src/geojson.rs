//! RFC 7946 GeoJSON, the format of the public API: what Leaflet, QGIS and
//! GDAL read without a plug-in.

use serde::{Deserialize, Serialize};

use crate::LatLon;

/// A point geometry. Coordinates are `[longitude, latitude]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Geometry {
    Point { coordinates: [f64; 2] },
}

impl Geometry {
    pub fn point(p: LatLon) -> Self {
        Geometry::Point {
            coordinates: [p.lon(), p.lat()],
        }
    }

    /// The point as latitude and longitude.
    pub fn lat_lon(&self) -> (f64, f64) {
        match self {
            Geometry::Point {
                coordinates: [lon, lat],
            } => (*lat, *lon),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FeatureTag {
    #[default]
    Feature,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FeatureCollectionTag {
    #[default]
    FeatureCollection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feature<P> {
    #[serde(rename = "type")]
    pub kind: FeatureTag,
    pub id: String,
    pub geometry: Geometry,
    pub properties: P,
}

impl<P> Feature<P> {
    pub fn new(id: String, geometry: Geometry, properties: P) -> Self {
        Self {
            kind: FeatureTag::Feature,
            id,
            geometry,
            properties,
        }
    }
}

/// A link to more of the same collection (OGC API – Features style).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Link {
    pub rel: String,
    pub href: String,
    #[serde(rename = "type")]
    pub media_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeatureCollection<P> {
    #[serde(rename = "type")]
    pub kind: FeatureCollectionTag,
    pub features: Vec<Feature<P>>,
    /// How many features match the query in all pages.
    #[serde(
        rename = "numberMatched",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub number_matched: Option<u64>,
    #[serde(
        rename = "numberReturned",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub number_returned: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

impl<P> FeatureCollection<P> {
    pub fn new(features: Vec<Feature<P>>) -> Self {
        Self {
            kind: FeatureCollectionTag::FeatureCollection,
            features,
            number_matched: None,
            number_returned: None,
            links: Vec::new(),
        }
    }
}
