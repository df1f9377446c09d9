//! City names for the map where the basemap has none (beyond its zoom
//! levels, or everywhere without one): the largest cities in view from
//! the offline gazetteer, spaced so that no two labels overlap, named in
//! the visitor's language. The browser writes them as text, so Arabic and
//! Hebrew are shaped and run right to left as everywhere else on the page.
//!
//! The gazetteer lists many Arabic- and Hebrew-script names per city
//! (Persian, Urdu and Yiddish among them, and old names), in no order. A
//! label takes the first name written in Arabic's own letters, or in
//! Hebrew's, unless `data/place-names.tsv` names the one people use (the
//! cities around Jerusalem, where the map opens).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use solidarity_map_core::{BBox, PlaceLabel};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::places::{Entry, gazetteer};
use super::{ApiError, AppState};

const CHOSEN_NAMES: &str = include_str!("../../../../data/place-names.tsv");
/// At most this many labels in one view.
const MAX_LABELS: usize = 40;
/// Two labels closer than this (pixels, across and down) would overlap:
/// the smaller city's is left out.
const SPACING: (f64, f64) = (110.0, 28.0);
/// Beyond this zoom level the view holds no more cities.
const MAX_ZOOM: u8 = 20;

/// A city's label name in each script, where the gazetteer has one.
#[derive(Default)]
struct Scripts {
    arabic: Option<String>,
    hebrew: Option<String>,
}

fn is_arabic_letter(c: char) -> bool {
    // hamza to yeh, and the vowel marks: Arabic's own letters, not the
    // ones Persian, Urdu or Uyghur add (پ, چ, ک, ی, ە…)
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{0652}')
}

fn is_hebrew_letter(c: char) -> bool {
    matches!(c, '\u{05B0}'..='\u{05F4}')
}

/// The first of `names` made only of `letter`s (with spaces, hyphens and
/// apostrophes between words).
fn first_in<'a>(names: impl Iterator<Item = &'a str>, letter: fn(char) -> bool) -> Option<String> {
    names
        .filter(|n| n.chars().any(letter))
        .find(|n| {
            n.chars()
                .all(|c| letter(c) || matches!(c, ' ' | '-' | '\''))
        })
        .map(str::to_owned)
}

/// `(name, country)` to `(arabic, hebrew)`.
type Chosen = HashMap<(&'static str, &'static str), (&'static str, &'static str)>;

/// The names `data/place-names.tsv` chooses, by (name, country).
fn chosen() -> &'static Chosen {
    static CELL: OnceLock<Chosen> = OnceLock::new();
    CELL.get_or_init(|| {
        CHOSEN_NAMES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some(((f.next()?, f.next()?), (f.next()?, f.next()?)))
            })
            .collect()
    })
}

/// Each gazetteer entry's names in Arabic and Hebrew script, in the
/// gazetteer's order.
fn scripts() -> &'static [Scripts] {
    static CELL: OnceLock<Vec<Scripts>> = OnceLock::new();
    CELL.get_or_init(|| {
        gazetteer()
            .iter()
            .map(|e: &Entry| {
                let key = (e.place.name.as_str(), e.place.country.as_str());
                if let Some((ar, he)) = chosen().get(&key) {
                    return Scripts {
                        arabic: Some((*ar).to_owned()),
                        hebrew: Some((*he).to_owned()),
                    };
                }
                Scripts {
                    arabic: first_in(e.written_names().skip(1), is_arabic_letter),
                    hebrew: first_in(e.written_names().skip(1), is_hebrew_letter),
                }
            })
            .collect()
    })
}

/// Where `(lat, lon)` falls on the world at `zoom`, in pixels; `lon` is
/// first moved to at most 360° east of `west`, so a box across the
/// antimeridian measures its two sides together.
fn pixel(lat: f64, lon: f64, west: f64, zoom: u8) -> (f64, f64) {
    let world = 256.0 * f64::from(1u32 << zoom);
    let lon = if lon < west { lon + 360.0 } else { lon };
    let phi = lat.clamp(-85.05, 85.05).to_radians();
    let y = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0;
    ((lon - west) / 360.0 * world, y * world)
}

/// The labels for the view `bbox` at `zoom`, in `lang` (`ar`, `he`; any
/// other: the English names).
pub fn labels(bbox: &BBox, zoom: u8, lang: &str) -> Vec<PlaceLabel> {
    let mut placed: Vec<(f64, f64)> = Vec::new();
    let mut out = Vec::new();
    for (entry, names) in gazetteer().iter().zip(scripts()) {
        let p = &entry.place;
        let Ok(at) = solidarity_map_core::LatLon::new(p.lat, p.lon) else {
            continue;
        };
        if !bbox.contains(at) {
            continue;
        }
        let (x, y) = pixel(p.lat, p.lon, bbox.min_lon, zoom);
        if placed
            .iter()
            .any(|(px, py)| (px - x).abs() < SPACING.0 && (py - y).abs() < SPACING.1)
        {
            continue;
        }
        placed.push((x, y));
        let name = match lang {
            "ar" => names.arabic.clone(),
            "he" => names.hebrew.clone(),
            _ => None,
        };
        out.push(PlaceLabel {
            name: name.unwrap_or_else(|| p.name.clone()),
            lat: p.lat,
            lon: p.lon,
        });
        if out.len() == MAX_LABELS {
            break;
        }
    }
    out
}

#[derive(Deserialize)]
struct LabelQuery {
    bbox: String,
    zoom: u8,
    #[serde(default)]
    lang: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(place_labels))
}

/// The names of the largest cities in `bbox`, spaced for a map at `zoom`
/// so that no two overlap (at most 40), in Arabic or Hebrew where the
/// gazetteer has the name, else in English. For the map where the
/// basemap has no tiles.
#[utoipa::path(get, path = "/places/labels", tag = "map",
    responses((status = 200, body = Vec<PlaceLabel>), ReadErrors),
    params(
        ("bbox" = String, Query, description = "The view: minLon,minLat,maxLon,maxLat"),
        ("zoom" = u8, Query, maximum = 20, description = "The map's zoom level"),
        ("lang" = Option<String>, Query, description = "ar, he or en (the default)"),
    ))]
async fn place_labels(
    State(_): State<AppState>,
    query: Result<Query<LabelQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<PlaceLabel>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::field("query", e.body_text()))?;
    let bbox = BBox::parse(&query.bbox).map_err(|e| ApiError::BadRequest(vec![e]))?;
    if query.zoom > MAX_ZOOM {
        return Err(ApiError::field(
            "zoom",
            "must be a whole number from 0 to 20",
        ));
    }
    let found = tokio::task::spawn_blocking(move || labels(&bbox, query.zoom, &query.lang))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(bbox: &str, zoom: u8, lang: &str) -> Vec<String> {
        let bbox = BBox::parse(bbox).unwrap();
        labels(&bbox, zoom, lang)
            .into_iter()
            .map(|l| l.name)
            .collect()
    }

    #[test]
    fn jerusalem_is_named_in_each_language() {
        let view = "35.0,31.6,35.4,31.95";
        assert_eq!(names(view, 11, "en")[0], "Jerusalem");
        assert_eq!(names(view, 11, "ar")[0], "القدس");
        assert_eq!(names(view, 11, "he")[0], "ירושלים");
        // the first Arabic-letter name, not a Persian one: تل أبيب
        let coast = "34.70,32.03,34.85,32.12";
        assert!(names(coast, 12, "ar").contains(&"تل أبيب".to_owned()));
    }

    #[test]
    fn labels_do_not_overlap_and_are_few() {
        let world = names("-180,-85,180,85", 3, "en");
        assert!(world.len() <= MAX_LABELS && world.len() >= 10, "{world:?}");
        // Shanghai, the largest, is in; its close neighbours are not
        assert_eq!(world[0], "Shanghai");
        let view = BBox::parse("34.0,31.0,36.0,33.0").unwrap();
        let ls = labels(&view, 9, "en");
        for (i, a) in ls.iter().enumerate() {
            for b in &ls[i + 1..] {
                let (ax, ay) = pixel(a.lat, a.lon, view.min_lon, 9);
                let (bx, by) = pixel(b.lat, b.lon, view.min_lon, 9);
                assert!(
                    (ax - bx).abs() >= SPACING.0 || (ay - by).abs() >= SPACING.1,
                    "{} and {} overlap",
                    a.name,
                    b.name
                );
            }
        }
    }

    #[test]
    fn a_view_across_the_antimeridian_has_both_sides() {
        let fiji_samoa = names("176,-20,-170,-12", 5, "en");
        // Fiji's largest city east of 180°, Samoa's capital west of it
        assert!(fiji_samoa.iter().any(|n| n == "Nasinu"), "{fiji_samoa:?}");
        assert!(fiji_samoa.iter().any(|n| n == "Apia"), "{fiji_samoa:?}");
    }

    #[test]
    fn every_chosen_name_is_a_city_of_the_gazetteer() {
        for (name, country) in chosen().keys() {
            assert!(
                gazetteer()
                    .iter()
                    .any(|e| e.place.name == *name && e.place.country == *country),
                "data/place-names.tsv: {name} ({country}) is not in cities.tsv"
            );
        }
        assert!(chosen().len() >= 20);
    }

    #[test]
    fn only_arabic_letters_make_an_arabic_name() {
        let names = ["تلاویو", "تل آویو", "تل أبيب"];
        assert_eq!(
            first_in(names.into_iter(), is_arabic_letter).as_deref(),
            Some("تل أبيب")
        );
        assert_eq!(first_in(["London"].into_iter(), is_hebrew_letter), None);
    }
}
