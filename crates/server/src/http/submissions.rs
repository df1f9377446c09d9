//! Joining: a group submits itself, receives its private edit link once,
//! and waits for a moderator. Bots meet a honeypot, a minimum fill time and
//! a per-address rate limit (addresses are counted in memory, never
//! stored).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use solidarity_map_core::moderation::{SubmissionCreated, SubmissionRequest};
use solidarity_map_core::{ErrorBody, FieldError, Status};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::WriteErrors;
use super::secrets::{new_token, token_hash};
use super::{ApiError, AppState, json_body};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit))
}

/// A group adds itself. The entry waits for a moderator; the answer holds
/// the private edit link, shown this once. A contact address and consent
/// are required; the contact address is never public.
#[utoipa::path(
    post,
    path = "/submissions",
    tag = "join",
    request_body(content = SubmissionRequest, example = json!({
        "name": {"en": "Neighbourhood Library", "ar": "مكتبة الحي"},
        "description": {"en": "A lending library and homework club."},
        "category": "jerusalem",
        "city": "Jerusalem",
        "country": "PS",
        "location": {"lat": 31.78, "lon": 35.23},
        "precision": "city",
        "website": "https://library.example.org/",
        "languages": ["ar", "en"],
        "tags": ["books"],
        "contact_email": "hello@library.example.org",
        "consent": true,
        "started_at": 1767225600000_i64
    })),
    responses(
        (status = 201, description = "Received; waiting for a moderator", body = SubmissionCreated,
         // the private link's operations, reachable with the token just made
         links(("view" = (operation_id = "view_entry", parameters(("token" = "$response.body#/edit_token")))), ("update" = (operation_id = "update_entry", parameters(("token" = "$response.body#/edit_token")))), ("withdraw" = (operation_id = "withdraw_entry", parameters(("token" = "$response.body#/edit_token")))))),
        (status = 409, description = "`possible_duplicate`: a similar entry is listed near \
            this place; send again with `confirm_duplicate` to submit anyway", body = ErrorBody),
        WriteErrors,
    )
)]
async fn submit(
    State(state): State<AppState>,
    body: Result<Json<SubmissionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<SubmissionCreated>), ApiError> {
    let req = json_body(body)?;
    if !req.nickname.is_empty() {
        return Err(ApiError::field(
            "form",
            "the submission could not be accepted",
        ));
    }
    req.check_fill_time(chrono::Utc::now().timestamp_millis())
        .map_err(|e| ApiError::BadRequest(vec![e]))?;
    let org = req.validate().map_err(ApiError::BadRequest)?;
    if !req.confirm_duplicate {
        let similar = state.store.similar(&org.sort_name(), org.location).await?;
        if !similar.is_empty() {
            return Err(ApiError::Conflict(
                "possible_duplicate",
                vec![FieldError::new(
                    "name",
                    "an organisation with this name is already listed near this place; \
                     send again to submit anyway",
                )],
            ));
        }
    }
    let token = new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = state.store.submit(&org, &token_hash(&token)).await?;
    tracing::info!(%id, "submission received");
    Ok((
        StatusCode::CREATED,
        Json(SubmissionCreated {
            id,
            status: Status::Pending,
            edit_url: format!("/edit/{token}"),
            edit_token: token,
        }),
    ))
}
