//! Categories with their published counts: the legend and the filter.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use solidarity_map_core::CategoryCount;

use super::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/categories", get(list))
}

async fn list(State(state): State<AppState>) -> Result<Json<Vec<CategoryCount>>, ApiError> {
    Ok(Json(state.store.categories().await?))
}
