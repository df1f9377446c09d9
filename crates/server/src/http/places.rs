//! The offline gazetteer: GeoNames cities (CC BY 4.0) with their Arabic and
//! Hebrew names, so a group can place itself by typing its city in any of
//! the three scripts. Loaded once, searched in memory; nothing leaves the
//! server.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use solidarity_map_core::Place;
use solidarity_map_core::text::normalize_for_search;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{ApiError, AppState};

const CITIES: &str = include_str!("../../../../data/cities.tsv");
const MAX_RESULTS: usize = 8;

pub(super) struct Entry {
    pub(super) place: Place,
    /// Every name, folded for search, with the name as written.
    names: Vec<(String, String)>,
}

impl Entry {
    /// The names as written: the English one first, then the others.
    pub(super) fn written_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|(_, written)| written.as_str())
    }
}

/// The gazetteer, the largest cities first.
pub(super) fn gazetteer() -> &'static [Entry] {
    static CELL: OnceLock<Vec<Entry>> = OnceLock::new();
    CELL.get_or_init(|| {
        CITIES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|line| {
                let mut f = line.split('\t');
                let name = f.next()?.to_owned();
                let lat = f.next()?.parse().ok()?;
                let lon = f.next()?.parse().ok()?;
                let country = f.next()?.to_owned();
                let population = f.next()?.parse().ok()?;
                let mut names = vec![(normalize_for_search(&name), name.clone())];
                names.extend(
                    f.next()
                        .unwrap_or("")
                        .split('|')
                        .filter(|a| !a.is_empty())
                        .map(|a| (normalize_for_search(a), a.to_owned())),
                );
                Some(Entry {
                    place: Place {
                        name,
                        matched: None,
                        country,
                        lat,
                        lon,
                        population,
                    },
                    names,
                })
            })
            .collect()
    })
}

/// Cities whose name (in any script) starts with the query, the largest
/// first (the file is sorted by population).
pub fn search(q: &str) -> Vec<Place> {
    let q = normalize_for_search(q);
    if q.is_empty() {
        return Vec::new();
    }
    gazetteer()
        .iter()
        .filter_map(|e| {
            let (_, written) = e.names.iter().find(|(folded, _)| folded.starts_with(&q))?;
            let mut place = e.place.clone();
            if *written != place.name {
                place.matched = Some(written.clone());
            }
            Some(place)
        })
        .take(MAX_RESULTS)
        .collect()
}

#[derive(Deserialize)]
struct PlaceQuery {
    #[serde(default)]
    q: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(places))
}

/// Cities (over 15 000 people) whose name in English, Arabic, Hebrew or
/// their own language starts with `q`, the largest first; works offline.
#[utoipa::path(get, path = "/places", tag = "map", responses((status = 200, body = Vec<Place>), ReadErrors),
    params(("q" = Option<String>, Query, max_length = 100, description = "The start of a city's name")))]
async fn places(
    State(_): State<AppState>,
    query: Result<Query<PlaceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Place>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::field("q", e.body_text()))?;
    if query.q.chars().count() > 100 {
        return Err(ApiError::field("q", "must be at most 100 characters"));
    }
    // the search is CPU work over 34 000 names: off the async threads
    let q = query.q;
    let found = tokio::task::spawn_blocking(move || search(&q))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cities_in_three_scripts() {
        let ar = search("القدس");
        assert_eq!(ar[0].name, "Jerusalem", "{ar:?}");
        assert_eq!(ar[0].matched.as_deref(), Some("القدس"));
        let he = search("ירושלים");
        assert!(he.iter().any(|p| p.name == "Jerusalem"), "{he:?}");
        let en = search("ramal");
        assert!(
            en.iter().any(|p| p.name == "Ramallah" && p.country == "PS"),
            "{en:?}"
        );
        assert_eq!(search("lond")[0].name, "London");
        assert!(search("").is_empty());
        assert!(search("zzzzqqq").is_empty());
        assert!(search("a").len() <= MAX_RESULTS);
    }
}
