//! Joining: a group submits itself, receives its private edit link once,
//! and waits for a moderator. Bots meet a honeypot, a minimum fill time and
//! a per-address rate limit (addresses are counted in memory, never
//! stored).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use solidarity_map_core::ErrorBody;
use solidarity_map_core::moderation::{SubmissionCreated, SubmissionRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::WriteErrors;
use super::{ApiError, ApiJson, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit))
}

/// A group adds itself. The entry waits for a moderator; the answer holds
/// the private edit link, shown this once. A contact address and consent
/// are required; the contact address is never public.
#[utoipa::path(post, path = "/submissions", tag = "join", request_body(content = SubmissionRequest, example = json!({
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
    ApiJson(req): ApiJson<SubmissionRequest>,
) -> Result<(StatusCode, Json<SubmissionCreated>), ApiError> {
    let created = state.service().submit(&req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
