//! The private edit link: whoever holds the token sees the entry, proposes
//! changes (which wait for a moderator), withdraws it, or erases it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use solidarity_map_core::moderation::{EditView, NewEditLink};
use solidarity_map_core::{ErrorBody, OrganizationInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::WriteErrors;
use super::{ApiError, ApiJson, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(view, update, withdraw))
        .routes(routes!(replace))
        .routes(routes!(erase))
}

/// The group's own entry, private fields included, and its change waiting
/// for a moderator, if any.
#[utoipa::path(
    get,
    path = "/edit/{token}",
    operation_id = "view_entry",
    tag = "join",
    params(("token" = String, Path, description = "The private token of the edit link")),
    responses(
        (status = 200, body = EditView),
        (status = 404, description = "No entry has this edit link", body = ErrorBody),
        WriteErrors,
    )
)]
async fn view(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<EditView>, ApiError> {
    Ok(Json(state.service().edit_view(&token).await?))
}

/// Proposes a change; the public entry changes when a moderator approves
/// it. An empty contact address keeps the one on file.
#[utoipa::path(
    put,
    path = "/edit/{token}",
    operation_id = "update_entry",
    tag = "join",
    params(("token" = String, Path, description = "The private token of the edit link")),
    request_body = OrganizationInput,
    responses(
        (status = 200, description = "The entry with the proposed change", body = EditView),
        (status = 404, description = "No entry has this edit link", body = ErrorBody),
        (status = 409, description = "`not_editable`: the entry was withdrawn or rejected",
         body = ErrorBody),
        WriteErrors,
    )
)]
async fn update(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> Result<Json<EditView>, ApiError> {
    Ok(Json(state.service().propose_edit(&token, &input).await?))
}

/// Takes the entry off the map at once.
#[utoipa::path(
    delete,
    path = "/edit/{token}",
    operation_id = "withdraw_entry",
    tag = "join",
    params(("token" = String, Path, description = "The private token of the edit link")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "No entry has this edit link", body = ErrorBody),
        WriteErrors,
    )
)]
async fn withdraw(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service().withdraw(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the edit link: the answer holds the new one, shown once; the
/// old one stops working at once.
#[utoipa::path(
    post,
    path = "/edit/{token}/replace",
    operation_id = "replace_edit_link",
    tag = "join",
    params(("token" = String, Path, description = "The private token of the edit link")),
    responses(
        (status = 200, description = "The new edit link", body = NewEditLink),
        (status = 404, description = "No entry has this edit link", body = ErrorBody),
        WriteErrors,
    )
)]
async fn replace(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<NewEditLink>, ApiError> {
    Ok(Json(state.service().replace_edit_link(&token).await?))
}

/// Erases the entry at once: withdrawn if it is not yet, its contact
/// address and exact point removed from everything stored about it (what
/// the retention period would remove later), and the edit link stops
/// working. The audit log keeps that the group erased it, nothing more.
#[utoipa::path(
    post,
    path = "/edit/{token}/erase",
    operation_id = "erase_entry",
    tag = "join",
    params(("token" = String, Path, description = "The private token of the edit link")),
    responses(
        (status = 204, description = "Erased; the edit link no longer works"),
        (status = 404, description = "No entry has this edit link", body = ErrorBody),
        WriteErrors,
    )
)]
async fn erase(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service().erase(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}
