//! What moderators see of mirroring (the maps this one follows, and
//! where each stands) and the one thing they do with a mirrored entry:
//! hide it from this map, whatever its source does, or show it again.
//! The operator adds and removes mirrors on the command line. Same rules
//! as the rest of moderation: a session, and its CSRF token for a change.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use solidarity_map_core::ErrorBody;
use solidarity_map_core::mirror::MirrorsPage;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::admin::{Csrf, Moderator};
use super::openapi::ModeratorErrors;
use super::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mirrors))
        .routes(routes!(hide))
        .routes(routes!(show))
}

/// The maps this one mirrors (where each is, why one stopped) and the
/// mirrored entries moderators hid.
#[utoipa::path(get, path = "/mirrors", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = MirrorsPage), ModeratorErrors))]
async fn mirrors(
    State(state): State<AppState>,
    _m: Moderator,
) -> Result<Json<MirrorsPage>, ApiError> {
    Ok(Json(state.service().mirrors_page().await?))
}

/// Hides a mirrored entry: off this map at once, and it stays off
/// whatever its source does; the audit log says who hid it.
#[utoipa::path(post, path = "/mirrored/{id}/hide", tag = "moderation", security(("session" = [])),
    params(("id" = String, Path, format = Uuid, description = "The entry's id"), Csrf),
    responses((status = 204, description = "Hidden"),
        (status = 400, description = "`id` is not a UUID", body = ErrorBody),
        (status = 404, description = "No such mirrored entry", body = ErrorBody),
        ModeratorErrors))]
async fn hide(
    State(state): State<AppState>,
    m: Moderator,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_hidden(&state, &m, &id, true).await
}

/// Shows a hidden mirrored entry again: public again if its source still
/// has it (or waiting for a moderator, as the mirror's new entries do).
#[utoipa::path(post, path = "/mirrored/{id}/show", tag = "moderation", security(("session" = [])),
    params(("id" = String, Path, format = Uuid, description = "The entry's id"), Csrf),
    responses((status = 204, description = "Shown"),
        (status = 400, description = "`id` is not a UUID", body = ErrorBody),
        (status = 404, description = "No such mirrored entry", body = ErrorBody),
        ModeratorErrors))]
async fn show(
    State(state): State<AppState>,
    m: Moderator,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_hidden(&state, &m, &id, false).await
}

async fn set_hidden(
    state: &AppState,
    m: &Moderator,
    id: &str,
    hidden: bool,
) -> Result<StatusCode, ApiError> {
    let id = id.parse().map_err(|e| ApiError::BadRequest(vec![e]))?;
    state
        .service()
        .hide_mirrored(id, hidden, m.username())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
