//! Moderation: sign-in, the queue of submissions and edits, decisions, and
//! the audit log. Every route here needs a moderator's session; requests
//! that change anything also need the session's CSRF token in
//! `X-CSRF-Token` (on top of the SameSite=Strict cookie).

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use solidarity_map_core::moderation::{
    ApproveRequest, AuditEntry, LoginRequest, QueuePage, RejectRequest, SessionInfo,
};
use solidarity_map_core::{ErrorBody, RevisionId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{ModeratorErrors, WriteErrors};
use super::{ApiError, ApiJson, AppState};
use crate::service::{SESSION_HOURS, Session};

const COOKIE: &str = "sm_session";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(logout))
        .routes(routes!(queue))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(audit))
        .fallback(unknown)
}

/// The login route, apart so it can have its own rate limit.
pub fn login_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login))
}

/// A request made in a moderator's valid session.
pub struct Moderator(Session);

impl FromRequestParts<AppState> for Moderator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(COOKIE).ok_or(ApiError::Unauthorized)?;
        let session = state
            .service()
            .session(token.value())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            if sent != Some(session.info.csrf_token.as_str()) {
                return Err(ApiError::Forbidden);
            }
        }
        Ok(Moderator(session))
    }
}

impl Moderator {
    pub(super) fn username(&self) -> &str {
        &self.0.info.username
    }
}

/// The session cookie; `Secure` when the site is served over HTTPS, so it
/// never travels in clear.
fn session_cookie(value: String, max_age_hours: i64, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/api")
        .max_age(cookie::time::Duration::hours(max_age_hours))
        .build()
}

/// Signs a moderator in: sets the session cookie and answers with the
/// session's CSRF token.
#[utoipa::path(
    post,
    path = "/login",
    tag = "moderation",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the `sm_session` cookie is set", body = SessionInfo),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        WriteErrors,
    )
)]
async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<(CookieJar, Json<SessionInfo>), ApiError> {
    let session = state
        .service()
        .sign_in(&req.username, &req.password)
        .await?;
    let cookie = session_cookie(session.token, SESSION_HOURS, state.secure_cookies);
    Ok((jar.add(cookie), Json(session.info)))
}

/// The signed-in moderator and the session's CSRF token.
#[utoipa::path(get, path = "/me", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = SessionInfo), ModeratorErrors))]
async fn me(m: Moderator) -> Json<SessionInfo> {
    Json(m.0.info)
}

/// Ends the session.
#[utoipa::path(post, path = "/logout", tag = "moderation", security(("session" = [])),
    params(Csrf), responses((status = 204, description = "Signed out"), ModeratorErrors))]
async fn logout(
    State(state): State<AppState>,
    m: Moderator,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode), ApiError> {
    state.service().sign_out(&m.0).await?;
    Ok((
        jar.remove(session_cookie(String::new(), 0, state.secure_cookies)),
        StatusCode::NO_CONTENT,
    ))
}

/// Submissions and edits waiting for a decision, oldest first, a page at a
/// time, each with the entries it may duplicate.
#[utoipa::path(get, path = "/submissions", tag = "moderation", security(("session" = [])),
    params(QueueParams),
    responses(
        (status = 200, body = QueuePage),
        (status = 400, description = "`offset` or `limit` is not a whole number", body = ErrorBody),
        ModeratorErrors,
    ))]
async fn queue(
    State(state): State<AppState>,
    _m: Moderator,
    page: Result<Query<QueueParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<QueuePage>, ApiError> {
    let Query(page) = page.map_err(ApiError::from)?;
    let limit = page.limit.unwrap_or(QUEUE_PAGE).clamp(1, MAX_QUEUE_PAGE);
    let offset = page.offset.unwrap_or(0);
    Ok(Json(state.store.pending_page(offset, limit).await?))
}

/// How many revisions a page of the queue has, unless asked otherwise…
const QUEUE_PAGE: u32 = 50;
/// … and at most.
const MAX_QUEUE_PAGE: u32 = 200;

/// Which page of the queue.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueParams {
    /// How many revisions to skip.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    offset: Option<u32>,
    /// How many to return (1 to 200, 50 when not given; more is read as 200).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    limit: Option<u32>,
}

/// The session's CSRF token, which every request that changes something
/// carries.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub(super) struct Csrf {
    /// The CSRF token of the session
    #[param(rename = "X-CSRF-Token")]
    x_csrf_token: String,
}

fn revision_id(raw: &str) -> Result<RevisionId, ApiError> {
    raw.parse().map_err(|e| ApiError::BadRequest(vec![e]))
}

/// Approves a submission or an edit, optionally with a moderator's
/// corrections; the entry is public at once.
#[utoipa::path(post, path = "/submissions/{id}/approve", tag = "moderation", security(("session" = [])),
    request_body(content = Option<ApproveRequest>, description = "Corrections, if any"),
    params(("id" = String, Path, format = Uuid, description = "The revision's id"), Csrf),
    responses((status = 204, description = "Approved"),
        (status = 400, description = "A correction is invalid", body = ErrorBody),
        (status = 404, description = "No such submission", body = ErrorBody),
        (status = 409, description = "`already_decided`", body = ErrorBody), ModeratorErrors))]
async fn approve(
    State(state): State<AppState>,
    m: Moderator,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let id = revision_id(&id)?;
    // no body approves as submitted; a body must be a valid ApproveRequest
    let request: ApproveRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApproveRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::field("body", e.to_string()))?
    };
    state
        .service()
        .approve(id, request.edited.as_ref(), m.username())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rejects a submission or an edit, with a reason.
#[utoipa::path(post, path = "/submissions/{id}/reject", tag = "moderation", security(("session" = [])),
    params(("id" = String, Path, format = Uuid, description = "The revision's id"), Csrf),
    responses((status = 204, description = "Rejected"),
        (status = 400, description = "No reason, or a reason over 1000 characters", body = ErrorBody),
        (status = 404, description = "No such submission", body = ErrorBody),
        (status = 409, description = "`already_decided`", body = ErrorBody), ModeratorErrors),
    request_body = RejectRequest)]
async fn reject(
    State(state): State<AppState>,
    m: Moderator,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RejectRequest>,
) -> Result<StatusCode, ApiError> {
    let id = revision_id(&id)?;
    state
        .service()
        .reject(id, &request.reason, m.username())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest 500 decisions, newest first: who decided what, and when.
#[utoipa::path(get, path = "/audit", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = Vec<AuditEntry>), ModeratorErrors))]
async fn audit(
    State(state): State<AppState>,
    _m: Moderator,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    Ok(Json(state.store.audit_log(500).await?))
}

async fn unknown(_m: Moderator) -> ApiError {
    ApiError::NotFound("API endpoint")
}
