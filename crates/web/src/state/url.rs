//! What the visitor is looking at (filters, map view, open card) and its
//! URL form, so that every view can be shared, reloaded, and reached with
//! back and forward.

use solidarity_map_core::{CategorySlug, CountryCode, LangCode, OrgFilter};

/// The filters a visitor has set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filters {
    pub categories: Vec<String>,
    pub country: Option<String>,
    pub language: Option<String>,
    pub q: String,
    /// Leave out the entries nobody confirmed as active lately.
    pub hide_stale: bool,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// Appends these filters to a query string, as every page's address
    /// carries them: `category` (repeated), `country`, `language`, `q`.
    pub fn append_to(&self, q: &mut form_urlencoded::Serializer<'_, String>) {
        for c in &self.categories {
            q.append_pair("category", c);
        }
        if let Some(c) = &self.country {
            q.append_pair("country", c);
        }
        if let Some(l) = &self.language {
            q.append_pair("language", l);
        }
        if !self.q.trim().is_empty() {
            q.append_pair("q", self.q.trim());
        }
        if self.hide_stale {
            q.append_pair("hide_stale", "true");
        }
    }

    /// The API query for these filters. Values that do not parse (from a
    /// hand-edited URL) are dropped rather than sent.
    pub fn to_org_filter(&self) -> OrgFilter {
        OrgFilter {
            categories: self
                .categories
                .iter()
                .filter_map(|c| CategorySlug::parse(c).ok())
                .collect(),
            country: self
                .country
                .as_deref()
                .and_then(|c| CountryCode::parse(c).ok()),
            language: self
                .language
                .as_deref()
                .and_then(|l| LangCode::parse(l).ok()),
            q: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            hide_stale: self.hide_stale,
            ..OrgFilter::default()
        }
    }
}

/// The API's box for the map's visible extent: longitudes wrapped into
/// ±180 (the box may then cross the antimeridian), none for the whole
/// world.
pub fn bbox_of([west, south, east, north]: [f64; 4]) -> Option<solidarity_map_core::BBox> {
    if east - west >= 360.0 {
        return Some(solidarity_map_core::BBox {
            min_lon: -180.0,
            min_lat: south.max(-90.0),
            max_lon: 180.0,
            max_lat: north.min(90.0),
        });
    }
    let wrap = |x: f64| {
        if (-180.0..=180.0).contains(&x) {
            x
        } else {
            (x + 180.0).rem_euclid(360.0) - 180.0
        }
    };
    Some(solidarity_map_core::BBox {
        min_lon: wrap(west),
        min_lat: south.clamp(-90.0, 90.0),
        max_lon: wrap(east),
        max_lat: north.clamp(-90.0, 90.0),
    })
}

/// A map view: centre and zoom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub lat: f64,
    pub lon: f64,
    pub zoom: f64,
}

impl View {
    pub const WORLD: View = View {
        lat: 25.0,
        lon: 15.0,
        zoom: 2.0,
    };

    fn to_param(self) -> String {
        format!("{}/{:.4}/{:.4}", self.zoom.round(), self.lat, self.lon)
    }

    fn parse(s: &str) -> Option<View> {
        let mut it = s.split('/').map(str::parse::<f64>);
        let (zoom, lat, lon) = (it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?);
        let ok = (0.0..=19.0).contains(&zoom) && (-90.0..=90.0).contains(&lat) && lon.is_finite();
        ok.then_some(View { lat, lon, zoom })
    }
}

/// Named views with their own short URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Jerusalem framed, every kind of group in it shown (the place is no
    /// category: its community organisations are one filter among others).
    Jerusalem,
}

/// Jerusalem's extent: west, south, east, north.
pub const JERUSALEM_BOUNDS: [f64; 4] = [35.12, 31.70, 35.32, 31.88];

/// Everything a URL can say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UrlState {
    pub filters: Filters,
    pub view: Option<View>,
    pub org: Option<String>,
    pub preset: Option<Preset>,
    /// A box to fit the map to (`bbox=west,south,east,north`, as the API
    /// takes it): read, never written, since the map's own view is `map=`.
    pub fit: Option<[f64; 4]>,
}

/// The extent to fit for an API box; one across the antimeridian goes on
/// east of 180°, as Leaflet draws it.
fn fit_of(b: &solidarity_map_core::BBox) -> [f64; 4] {
    let east = if b.crosses_antimeridian() {
        b.max_lon + 360.0
    } else {
        b.max_lon
    };
    [b.min_lon, b.min_lat, east, b.max_lat]
}

impl UrlState {
    /// Reads `/`, `/org/{id}` or `/jerusalem` with their query.
    pub fn parse(path: &str, query: &str) -> UrlState {
        let mut s = UrlState::default();
        let path = path.trim_end_matches('/');
        if let Some(id) = path.strip_prefix("/org/") {
            if !id.is_empty() && !id.contains('/') {
                s.org = Some(id.to_owned());
            }
        } else if path == "/jerusalem" {
            s.preset = Some(Preset::Jerusalem);
        }
        let query = query.strip_prefix('?').unwrap_or(query);
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "category" => {
                    for c in v.split(',').filter(|c| !c.is_empty()) {
                        if !s.filters.categories.iter().any(|x| x == c) {
                            s.filters.categories.push(c.to_owned());
                        }
                    }
                }
                "country" if !v.is_empty() => s.filters.country = Some(v.to_uppercase()),
                "language" if !v.is_empty() => s.filters.language = Some(v.to_lowercase()),
                "q" => s.filters.q = v.into_owned(),
                "hide_stale" => s.filters.hide_stale = v == "true" || v == "1",
                "map" => s.view = View::parse(&v),
                "bbox" => {
                    s.fit = solidarity_map_core::BBox::parse(&v)
                        .ok()
                        .map(|b| fit_of(&b));
                }
                _ => {}
            }
        }
        s
    }

    /// The path and query for this state.
    pub fn to_url(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        self.filters.append_to(&mut q);
        if let Some(v) = self.view {
            q.append_pair("map", &v.to_param());
        }
        let query = q.finish().replace("%2F", "/");
        let path = match &self.org {
            Some(id) => format!("/org/{id}"),
            None => "/".to_owned(),
        };
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let s = UrlState {
            filters: Filters {
                categories: vec!["faith".into(), "media".into()],
                country: Some("PS".into()),
                language: Some("ar".into()),
                q: "القدس".into(),
                hide_stale: true,
            },
            view: Some(View {
                lat: 31.7812,
                lon: 35.2213,
                zoom: 12.0,
            }),
            org: Some("abc".into()),
            preset: None,
            fit: None,
        };
        let url = s.to_url();
        let (path, query) = url.split_once('?').unwrap();
        assert_eq!(path, "/org/abc");
        assert!(query.contains("map=12/31.7812/35.2213"), "{query}");
        assert_eq!(UrlState::parse(path, query), s);
    }

    #[test]
    fn presets_and_bad_values() {
        let s = UrlState::parse("/jerusalem", "");
        assert_eq!(s.preset, Some(Preset::Jerusalem));
        assert!(s.filters.categories.is_empty());
        let s = UrlState::parse("/", "?map=99/1/2&country=");
        assert_eq!(s.view, None);
        assert_eq!(s.filters.country, None);
        assert_eq!(UrlState::default().to_url(), "/");
    }

    #[test]
    fn a_box_to_fit() {
        let s = UrlState::parse("/embed", "?bbox=34.2,29.5,35.9,33.3&category=media");
        assert_eq!(s.fit, Some([34.2, 29.5, 35.9, 33.3]));
        assert_eq!(s.filters.categories, ["media"]);
        let across = UrlState::parse("/embed", "?bbox=170,-20,-170,0");
        assert_eq!(across.fit, Some([170.0, -20.0, 190.0, 0.0]));
        assert_eq!(UrlState::parse("/embed", "?bbox=1,2,3").fit, None);
    }
}
