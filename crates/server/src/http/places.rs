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
    let found = tokio::task::spawn_blocking(move || gazetteer::search(&q))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(found))
}
