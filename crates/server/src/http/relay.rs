//! Writing to a group through the map (the contact relay), blocking a
//! sender from a relayed mail, and asking for a lost edit link by address.
//!
//! Strangers use all three, so each has a per-address limit, and the relay
//! and the recovery one per e-mail address they name and (the relay) one
//! per group: a flood from many addresses still reaches a group slowly.
//! Their answers never depend on private data (see `service::relay`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use solidarity_map_core::relay::{Accepted, RecoveryRequest, RelayRequest, RelaySetting};
use solidarity_map_core::{Email, ErrorBody, OrgId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{ReadErrors, WriteErrors};
use super::rate_limit::{PerKey, RateLimits};
use super::{ApiError, ApiJson, AppState};

/// The limits per e-mail address and per group.
#[derive(Clone)]
struct Limits {
    /// Messages from one reply address.
    sender: PerKey,
    /// Messages to one group, from anyone.
    group: PerKey,
    /// Recoveries asked for one address.
    recovery: PerKey,
}

pub fn router(limits: &mut RateLimits) -> OpenApiRouter<AppState> {
    let keyed = Limits {
        // five, then one every ten minutes
        sender: limits.per_key(600, 5),
        // ten, then one every six minutes
        group: limits.per_key(360, 10),
        // two, then one every half hour
        recovery: limits.per_key(1800, 2),
    };
    let relay = OpenApiRouter::new()
        .routes(routes!(send))
        .layer(limits.per_address(60, 5));
    let recovery = OpenApiRouter::new()
        .routes(routes!(recover))
        .layer(limits.per_address(60, 3));
    let block = OpenApiRouter::new()
        .routes(routes!(block))
        .layer(limits.per_address(10, 10));
    OpenApiRouter::new()
        .routes(routes!(status))
        .merge(relay)
        .merge(recovery)
        .merge(block)
        .layer(Extension(keyed))
}

/// An organisation's id from the path: a 400 when it is not one.
fn org_id(raw: &str) -> Result<OrgId, ApiError> {
    raw.parse().map_err(|e| ApiError::BadRequest(vec![e]))
}

/// Whether a published organisation takes messages through the map: it
/// did not switch the relay off, and the map sends mail. (Whether it gave
/// an address is private, and not said.)
#[utoipa::path(get, path = "/organizations/{id}/relay", tag = "map",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    responses((status = 200, body = RelaySetting),
        (status = 404, description = "No published organisation has this id", body = ErrorBody),
        ReadErrors))]
async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RelaySetting>, ApiError> {
    let open = state.service().relay_open(org_id(&id)?).await?;
    Ok(Json(RelaySetting { open }))
}

/// Writes to a group. The map mails the message to the group's address,
/// which the sender never sees, with `reply_to` as the mail's `Reply-To`:
/// the group decides whether to answer. The message is not kept once
/// sent. The answer is `accepted` whether or not the group can be
/// reached or blocked the sender.
#[utoipa::path(post, path = "/organizations/{id}/messages", tag = "map",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    request_body(content = RelayRequest, example = json!({
        "name": "Rana", "reply_to": "rana@example.net",
        "message": "Hello, could we meet next week?", "started_at": 1767225600000_i64
    })),
    responses((status = 202, description = "Taken, to be mailed if the group can be reached",
        body = Accepted),
        (status = 404, description = "No published organisation has this id", body = ErrorBody),
        (status = 409, description = "`relay_off`: the group takes no messages; \
            `mail_unavailable`: this map sends no mail", body = ErrorBody),
        WriteErrors))]
async fn send(
    State(state): State<AppState>,
    Extension(limits): Extension<Limits>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RelayRequest>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let id = org_id(&id)?;
    limits.group.check(&id.to_string())?;
    if let Ok(sender) = Email::parse(&req.reply_to) {
        limits.sender.check(&sender.folded())?;
    }
    state.service().relay_message(id, &req).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted::new())))
}

/// The private token of a relayed mail's "report abuse" link.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct ReportToken {
    /// The token of the link, from the mail
    token: String,
}

/// The group blocks the sender of a relayed message, through the link in
/// that message: the map passes on nothing more from that address to it.
#[utoipa::path(post, path = "/relay/block/{token}", tag = "join", params(ReportToken),
    responses((status = 204, description = "Blocked"),
        (status = 404, description = "No message has this link, or it is too old",
         body = ErrorBody), WriteErrors))]
async fn block(
    State(state): State<AppState>,
    Path(ReportToken { token }): Path<ReportToken>,
) -> Result<StatusCode, ApiError> {
    state.service().block_sender(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A group that lost its edit link asks for a new one: every pending or
/// published entry with this contact address gets a new link by mail, and
/// its old link stops working. The answer is `accepted` whether or not
/// any entry has the address.
#[utoipa::path(post, path = "/edit/recover", tag = "join",
    request_body(content = RecoveryRequest, example = json!({
        "email": "hello@library.example.org", "started_at": 1767225600000_i64
    })),
    responses((status = 202, description = "A new link is on its way if the address is listed",
        body = Accepted),
        (status = 409, description = "`mail_unavailable`: this map sends no mail",
         body = ErrorBody), WriteErrors))]
async fn recover(
    State(state): State<AppState>,
    Extension(limits): Extension<Limits>,
    ApiJson(req): ApiJson<RecoveryRequest>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    if let Ok(email) = Email::parse(&req.email) {
        limits.recovery.check(&email.folded())?;
    }
    state.service().recover_edit_links(&req)?;
    Ok((StatusCode::ACCEPTED, Json(Accepted::new())))
}
