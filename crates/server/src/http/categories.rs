//! What the map's filters offer: categories with their published counts
//! (the legend), and the countries and languages present.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use solidarity_map_core::{CategoryCount, Facets};

use super::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/categories", get(list))
        .route("/facets", get(facets))
}

async fn list(State(state): State<AppState>) -> Result<Json<Vec<CategoryCount>>, ApiError> {
    Ok(Json(state.store.categories().await?))
}

async fn facets(State(state): State<AppState>) -> Result<Json<Facets>, ApiError> {
    Ok(Json(state.store.facets().await?))
}
