//! The map in numbers: published organisations by the month they were
//! added, for the statistics page (counts per category and per country are
//! in `/api/categories` and `/api/facets`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use solidarity_map_core::Stats;

use super::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(stats))
}

async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(Stats {
        monthly: state.store.published_by_month().await?,
    }))
}
