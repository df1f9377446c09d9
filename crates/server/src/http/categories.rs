//! What the map's filters offer: categories with their published counts
//! (the legend), and the countries and languages present.

use axum::Json;
use axum::extract::State;
use solidarity_map_core::{CategoryCount, Facets};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(facets))
}

/// Every category in its order, with its labels, colour, symbol and the
/// number of published organisations in it.
#[utoipa::path(get, path = "/categories", tag = "map",
    responses((status = 200, body = Vec<CategoryCount>), ReadErrors))]
async fn list(State(state): State<AppState>) -> Result<Json<Vec<CategoryCount>>, ApiError> {
    Ok(Json(state.store.categories().await?))
}

/// Published counts per country and per working language.
#[utoipa::path(get, path = "/facets", tag = "map",
    responses((status = 200, body = Facets), ReadErrors))]
async fn facets(State(state): State<AppState>) -> Result<Json<Facets>, ApiError> {
    Ok(Json(state.store.facets().await?))
}
