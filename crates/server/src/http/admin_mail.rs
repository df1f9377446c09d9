//! The moderators' side of mail: the outbox (what the map sent, or holds
//! for want of an SMTP server) and each moderator's digest setting. Same
//! rules as the rest of moderation: a session, and its CSRF token for a
//! change; never cached (`/api/admin` is private).

use axum::Json;
use axum::extract::State;
use solidarity_map_core::ErrorBody;
use solidarity_map_core::outbox::{ModeratorSettings, OutboxPage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::admin::Moderator;
use super::openapi::ModeratorErrors;
use super::{ApiError, ApiJson, AppState};
use crate::service::OUTBOX_LIMIT;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outbox))
        .routes(routes!(settings, set_settings))
}

/// The newest 200 mails of the outbox, sent or not, with their text: on
/// an install without an SMTP server, how a group's link or a decision
/// reaches it at all (a moderator passes it on).
#[utoipa::path(get, path = "/outbox", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = OutboxPage), ModeratorErrors))]
async fn outbox(
    State(state): State<AppState>,
    _m: Moderator,
) -> Result<Json<OutboxPage>, ApiError> {
    Ok(Json(state.service().outbox(OUTBOX_LIMIT).await?))
}

/// The signed-in moderator's address (set with `admin set-email`) and
/// whether they get the digest of the queue.
#[utoipa::path(get, path = "/settings", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = ModeratorSettings), ModeratorErrors))]
async fn settings(
    State(state): State<AppState>,
    m: Moderator,
) -> Result<Json<ModeratorSettings>, ApiError> {
    Ok(Json(
        state.service().moderator_settings(m.username()).await?,
    ))
}

/// Turns the signed-in moderator's digest on or off (the address is the
/// operator's to set, and is ignored here).
#[utoipa::path(put, path = "/settings", tag = "moderation", security(("session" = [])),
    request_body = ModeratorSettings,
    responses((status = 200, body = ModeratorSettings),
        (status = 400, description = "Not a settings object", body = ErrorBody),
        ModeratorErrors))]
async fn set_settings(
    State(state): State<AppState>,
    m: Moderator,
    ApiJson(request): ApiJson<ModeratorSettings>,
) -> Result<Json<ModeratorSettings>, ApiError> {
    Ok(Json(
        state
            .service()
            .set_digest(m.username(), request.digest)
            .await?,
    ))
}
