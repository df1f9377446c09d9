//! The moderators' list of stale entries (nobody confirmed them as active
//! for the operator's period and a reminder after it) and the one thing
//! to do with one: archive it, which takes it off the map. Same rules as
//! the rest of moderation: a session, and its CSRF token for a change.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use solidarity_map_core::ErrorBody;
use solidarity_map_core::freshness::StalePage;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::admin::{Csrf, Moderator};
use super::openapi::ModeratorErrors;
use super::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stale))
        .routes(routes!(archive))
}

/// The stale entries, longest stale first (at most 500), and how many
/// there are.
#[utoipa::path(get, path = "/stale", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = StalePage), ModeratorErrors))]
async fn stale(State(state): State<AppState>, _m: Moderator) -> Result<Json<StalePage>, ApiError> {
    Ok(Json(state.service().stale_entries().await?))
}

/// Archives a stale entry: it is withdrawn, off the map at once, and the
/// audit log says who did it (`archived`).
#[utoipa::path(post, path = "/stale/{id}/archive", tag = "moderation", security(("session" = [])),
    params(("id" = String, Path, format = Uuid, description = "The entry's id"), Csrf),
    responses((status = 204, description = "Archived"),
        (status = 400, description = "`id` is not a UUID", body = ErrorBody),
        (status = 404, description = "No such stale entry", body = ErrorBody),
        ModeratorErrors))]
async fn archive(
    State(state): State<AppState>,
    m: Moderator,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse().map_err(|e| ApiError::BadRequest(vec![e]))?;
    state.service().archive_stale(id, m.username()).await?;
    Ok(StatusCode::NO_CONTENT)
}
