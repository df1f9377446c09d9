//! What the server tells the client about itself at start-up.

use serde::{Deserialize, Serialize};

/// `GET /api/config`: operator settings the browser needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteConfig {
    /// A Leaflet tile URL template, e.g.
    /// `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. Empty: no tiles,
    /// only the app's own country outlines.
    pub tile_url: String,
    /// The tiles' attribution (HTML set by the operator, never by users).
    pub tile_attribution: String,
}

/// A city from the gazetteer, for placing a group on the map by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    pub name: String,
    /// The name that matched, when it was another one (e.g. `القدس`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub population: u64,
}
