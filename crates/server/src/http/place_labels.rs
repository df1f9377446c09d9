//! `GET /api/places/labels`: city names for the map where the basemap
//! has none, from the gazetteer ([`crate::gazetteer::labels`]).

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use solidarity_map_core::{BBox, PlaceLabel};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{ApiError, AppState};
use crate::gazetteer;

/// Beyond this zoom level the view holds no more cities.
const MAX_ZOOM: u8 = 20;

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
    let Query(query) = query.map_err(ApiError::from)?;
    let bbox = BBox::parse(&query.bbox).map_err(|e| ApiError::BadRequest(vec![e]))?;
    if query.zoom > MAX_ZOOM {
        return Err(ApiError::field(
            "zoom",
            "must be a whole number from 0 to 20",
        ));
    }
    let found =
        tokio::task::spawn_blocking(move || gazetteer::labels(&bbox, query.zoom, &query.lang))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(found))
}
