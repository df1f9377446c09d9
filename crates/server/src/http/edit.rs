//! The private edit link: whoever holds the token sees the entry, proposes
//! changes (which wait for a moderator), withdraws it, or erases it.

use axum::Json;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use solidarity_map_core::moderation::{EditView, MurmurationsChoice, NewEditLink};
use solidarity_map_core::relay::RelaySetting;
use solidarity_map_core::{ErrorBody, OrganizationInput};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::WriteErrors;
use super::{ApiError, ApiJson, AppState};
use crate::service::Service;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(view, update, withdraw))
        .routes(routes!(replace))
        .routes(routes!(erase))
        .routes(routes!(murmurations))
        .routes(routes!(relay, set_relay))
}

/// The private token of an edit link, from the path.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct EditToken {
    /// The private token of the edit link
    token: String,
}

/// Whoever holds an edit link: the use cases, and the token they act on.
struct Holder {
    service: Service,
    token: String,
}

impl FromRequestParts<AppState> for Holder {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Path(EditToken { token }) = Path::<EditToken>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::field("token", e.body_text()))?;
        let service = state.service();
        Ok(Self { service, token })
    }
}

/// The group's own entry, private fields included, and its change waiting
/// for a moderator, if any.
#[utoipa::path(get, path = "/edit/{token}", operation_id = "view_entry", tag = "join",
    params(EditToken), responses((status = 200, body = EditView),
    (status = 404, description = "No entry has this edit link", body = ErrorBody), WriteErrors))]
async fn view(h: Holder) -> Result<Json<EditView>, ApiError> {
    Ok(Json(h.service.edit_view(&h.token).await?))
}

/// Proposes a change; the public entry changes when a moderator approves
/// it. An empty contact address keeps the one on file.
#[utoipa::path(put, path = "/edit/{token}", operation_id = "update_entry", tag = "join",
    params(EditToken), request_body = OrganizationInput, responses(
        (status = 200, description = "The entry with the proposed change", body = EditView),
        (status = 404, description = "No entry has this edit link", body = ErrorBody),
        (status = 409, description = "`not_editable`: the entry was withdrawn or rejected",
         body = ErrorBody), WriteErrors))]
async fn update(
    h: Holder,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> Result<Json<EditView>, ApiError> {
    Ok(Json(h.service.propose_edit(&h.token, &input).await?))
}

/// Takes the entry off the map at once.
#[utoipa::path(delete, path = "/edit/{token}", operation_id = "withdraw_entry", tag = "join",
    params(EditToken),
    responses((status = 404, description = "No entry has this edit link", body = ErrorBody),
        (status = 204, description = "Withdrawn"), WriteErrors))]
async fn withdraw(h: Holder) -> Result<StatusCode, ApiError> {
    h.service.withdraw(&h.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the edit link: the answer holds the new one, shown once; the
/// old one stops working at once.
#[utoipa::path(post, path = "/edit/{token}/replace", operation_id = "replace_edit_link",
    tag = "join", params(EditToken), responses(
        (status = 200, description = "The new edit link", body = NewEditLink),
        (status = 404, description = "No entry has this edit link", body = ErrorBody), WriteErrors))]
async fn replace(h: Holder) -> Result<Json<NewEditLink>, ApiError> {
    Ok(Json(h.service.replace_edit_link(&h.token).await?))
}

/// Erases the entry at once: withdrawn if it is not yet, its contact
/// address and exact point removed from everything stored about it (what
/// the retention period would remove later), and the edit link stops
/// working. The audit log keeps that the group erased it, nothing more.
#[utoipa::path(post, path = "/edit/{token}/erase", operation_id = "erase_entry", tag = "join",
    params(EditToken), responses((status = 204, description = "Erased; the edit link no longer works"),
    (status = 404, description = "No entry has this edit link", body = ErrorBody), WriteErrors))]
async fn erase(h: Holder) -> Result<StatusCode, ApiError> {
    h.service.erase(&h.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the entry in the Murmurations network (the default) or takes it
/// out, at once: no moderator needs to see this. Out of it, its profile
/// (`/org/{id}/murmurations.json`) answers 404.
#[utoipa::path(put, path = "/edit/{token}/murmurations", operation_id = "choose_murmurations",
    tag = "join", params(EditToken), request_body = MurmurationsChoice, responses(
        (status = 200, description = "The entry with its choice", body = EditView),
        (status = 404, description = "No entry has this edit link", body = ErrorBody), WriteErrors))]
async fn murmurations(
    h: Holder,
    ApiJson(choice): ApiJson<MurmurationsChoice>,
) -> Result<Json<EditView>, ApiError> {
    Ok(Json(
        h.service.set_murmurations(&h.token, choice.listed).await?,
    ))
}

/// Whether the entry takes messages through the map's contact form (the
/// relay, which never shows the group's address).
#[utoipa::path(get, path = "/edit/{token}/relay", operation_id = "relay_setting", tag = "join",
    params(EditToken), responses((status = 200, body = RelaySetting),
    (status = 404, description = "No entry has this edit link", body = ErrorBody), WriteErrors))]
async fn relay(h: Holder) -> Result<Json<RelaySetting>, ApiError> {
    Ok(Json(h.service.relay_setting(&h.token).await?))
}

/// Switches the contact form on or off, at once: off, the card shows no
/// form and the map passes on no message.
#[utoipa::path(put, path = "/edit/{token}/relay", operation_id = "set_relay", tag = "join",
    params(EditToken), request_body = RelaySetting, responses(
        (status = 200, description = "The setting now", body = RelaySetting),
        (status = 404, description = "No entry has this edit link", body = ErrorBody), WriteErrors))]
async fn set_relay(
    h: Holder,
    ApiJson(setting): ApiJson<RelaySetting>,
) -> Result<Json<RelaySetting>, ApiError> {
    Ok(Json(h.service.set_relay(&h.token, setting).await?))
}
