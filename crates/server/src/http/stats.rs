//! The map in numbers: published organisations by the month they were
//! added and by freshness, for the statistics page (counts per category and per country are
//! in `/api/categories` and `/api/facets`).

use axum::Json;
use axum::extract::State;
use solidarity_map_core::Stats;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stats))
}

/// Published organisations by the month (UTC) they were added, oldest
/// first (months with none are left out), and how many are confirmed as
/// active lately (`fresh`) or `stale`.
#[utoipa::path(get, path = "/stats", tag = "map",
    responses((status = 200, body = Stats), ReadErrors))]

async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(Stats {
        monthly: state.store.published_by_month().await?,
        freshness: state.store.freshness_counts().await?,
    }))
}
