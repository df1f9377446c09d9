//! The private edit link: whoever holds the token sees the entry, proposes
//! changes (which wait for a moderator) or withdraws it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use solidarity_map_core::OrganizationInput;
use solidarity_map_core::moderation::EditView;

use super::secrets::{parse_token, token_hash};
use super::{ApiError, AppState, json_body};

pub fn router() -> Router<AppState> {
    Router::new().route("/edit/{token}", get(view).put(update).delete(withdraw))
}

async fn open(state: &AppState, token: &str) -> Result<EditView, ApiError> {
    let token = parse_token(token).ok_or(ApiError::NotFound("edit link"))?;
    state
        .store
        .edit_view(&token_hash(token))
        .await?
        .ok_or(ApiError::NotFound("edit link"))
}

async fn view(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<EditView>, ApiError> {
    Ok(Json(open(&state, &token).await?))
}

async fn update(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Result<Json<OrganizationInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<EditView>, ApiError> {
    let entry = open(&state, &token).await?;
    let input = json_body(body)?;
    let mut org = input.validate().map_err(ApiError::BadRequest)?;
    if org.contact_email.is_none() {
        org.contact_email = entry.current.contact_email.clone();
    }
    if !state.store.propose_edit(entry.id, &org).await? {
        return Err(ApiError::Conflict(
            "not_editable",
            vec![solidarity_map_core::FieldError::new(
                "status",
                "this entry was withdrawn or rejected and can no longer be edited",
            )],
        ));
    }
    Ok(Json(open(&state, &token).await?))
}

async fn withdraw(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    let entry = open(&state, &token).await?;
    state.store.withdraw(entry.id).await?;
    state.clusters.remove(entry.id);
    Ok(StatusCode::NO_CONTENT)
}
