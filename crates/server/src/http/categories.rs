//! What the map's filters offer: categories with their published counts
//! (the legend), and the counts per category, country and language under
//! the filters already chosen.

use axum::Json;
use axum::extract::State;
use solidarity_map_core::{CategoryCount, Facets, OrgFilter};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{FilterParams, ReadErrors};
use super::organizations::Filtered;
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
async fn list(State(state): State<AppState>) -> Json<Vec<CategoryCount>> {
    // counts from the clustering index, which the change log keeps exact
    // (the index numbers the same categories in the same order)
    let counts = state
        .categories
        .iter()
        .zip(state.clusters.category_totals())
        .map(|(category, (_, count))| CategoryCount {
            category: category.clone(),
            count,
        })
        .collect();
    Json(counts)
}

/// Published counts per category, country and working language. Under a
/// filter (`category`, `country`, `language`, `q`, as for the list; a
/// `bbox` is ignored) each facet counts what the other conditions let
/// through, so the filters' options say what choosing them would show.
/// Without words the counts come from the clustering index, which keeps
/// them exact as changes are applied; words, and leaving out stale
/// entries, need the database.
#[utoipa::path(get, path = "/facets", tag = "map",
    params(FilterParams),
    responses((status = 200, body = Facets), ReadErrors))]
async fn facets(
    State(state): State<AppState>,
    Filtered(filter): Filtered<OrgFilter>,
) -> Result<Json<Facets>, ApiError> {
    match state.clusters.facets(&filter) {
        Some(facets) => Ok(Json(facets)),
        None => Ok(Json(state.store.facets(&filter).await?)),
    }
}
