//! `GET /api/places`: city suggestions for the join form, from the offline
//! gazetteer ([`crate::gazetteer::search`]), so a group can place itself by
//! typing its city in any script.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use solidarity_map_core::Place;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{ApiError, AppState};
use crate::gazetteer;

#[derive(Deserialize)]
struct PlaceQuery {
    #[serde(default)]
    q: String,
}

#[derive(Deserialize)]
struct PointQuery {
    lat: f64,
    lon: f64,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(places))
        .routes(routes!(nearest))
}

/// Cities (over 15 000 people) whose name in English, Arabic, Hebrew or
/// their own language starts with `q`, the largest first; works offline.
#[utoipa::path(get, path = "/places", tag = "map", responses((status = 200, body = Vec<Place>), ReadErrors),
    params(("q" = Option<String>, Query, max_length = 100, description = "The start of a city's name")))]
async fn places(
    State(_): State<AppState>,
    query: Result<Query<PlaceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Place>>, ApiError> {
    let Query(query) = query.map_err(ApiError::from)?;
    if query.q.chars().count() > 100 {
        return Err(ApiError::field("q", "must be at most 100 characters"));
    }
    // the search is CPU work over 34 000 names: off the async threads
    let q = query.q;
    let found = tokio::task::spawn_blocking(move || gazetteer::search(&q))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(found))
}

/// The city nearest to a point, within 30 km, or `null`: what the join
/// form fills in when a group clicks the map. Works offline.
#[utoipa::path(get, path = "/places/nearest", tag = "map",
    responses((status = 200, body = Option<Place>), ReadErrors),
    params(
        ("lat" = f64, Query, minimum = -90, maximum = 90, description = "Latitude, WGS 84"),
        ("lon" = f64, Query, minimum = -180, maximum = 180, description = "Longitude, WGS 84"),
    ))]
async fn nearest(
    State(_): State<AppState>,
    query: Result<Query<PointQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Option<Place>>, ApiError> {
    let Query(p) = query.map_err(ApiError::from)?;
    // the parameters are `lat` and `lon`, not a form's `location.lat`
    let at = solidarity_map_core::LatLon::new(p.lat, p.lon).map_err(|e| {
        let field = e.field.trim_start_matches("location.").to_owned();
        ApiError::BadRequest(vec![solidarity_map_core::FieldError { field, ..e }])
    })?;
    let found = tokio::task::spawn_blocking(move || gazetteer::nearest(at.lat(), at.lon()))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(found))
}
