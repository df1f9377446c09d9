//! Domain and wire types of Solidarity Map, shared by the server and the
//! browser client.
//!
//! Every rule about what a valid organisation is lives here, once, as
//! parsing newtypes: the join form and the HTTP API run the same code, so
//! they cannot disagree. This crate does no I/O and compiles for `wasm32`.

/// The conversions of a newtype over a `String` that only `parse` makes:
/// serde goes through `TryFrom<String>`, so a value read from JSON or a
/// database is checked by the same rules as one typed in a form.
macro_rules! string_newtype {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = $crate::FieldError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        string_newtype!(@conversions $name);
    };
    // the conversions out, for a type that reads itself its own way
    (@conversions $name:ident) => {
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

pub mod category;
pub mod changes;
pub mod cluster;
pub mod country;
pub mod error;
pub mod fields;
pub mod freshness;
pub mod geo;
pub mod geojson;
pub mod mirror;
pub mod moderation;
pub mod org;
pub mod outbox;
pub mod query;
pub mod relay;
pub mod site;
pub mod stats;
pub mod text;

pub use category::{Category, CategoryCount, CategorySlug, FacetCount, Facets};
pub use country::CountryCode;
pub use error::{ErrorBody, FieldError};
pub use fields::{City, Description, Email, MessageText, OrgName, SenderName, Tag, WebUrl};
pub use geo::{BBox, LatLon, Precision};
pub use geojson::{Feature, FeatureCollection, Geometry};
pub use org::{
    NewOrganization, OrgId, Organization, OrganizationInput, PublicOrganization, RevisionId, Status,
};
pub use query::{OrgFilter, PageKey};
pub use site::{
    ClientBundle, OWN_TILE_ATTRIBUTION, OWN_TILE_URL, Place, PlaceLabel, PublicUrl, SiteConfig,
    TileKind, site_link,
};
pub use stats::{Freshness, MonthCount, Stats};
pub use text::{LangCode, LocalizedText};
