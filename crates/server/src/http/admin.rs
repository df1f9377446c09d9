//! Moderation: sign-in, the queue of submissions and edits, decisions, and
//! the audit log. Every route here needs a moderator's session; requests
//! that change anything also need the session's CSRF token in
//! `X-CSRF-Token` (on top of the SameSite=Strict cookie).

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use solidarity_map_core::moderation::{
    ApproveRequest, AuditEntry, LoginRequest, RejectRequest, Revision, SessionInfo,
};
use solidarity_map_core::{ErrorBody, FieldError, RevisionId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{ModeratorErrors, WriteErrors};
use super::secrets::{new_token, parse_token, token_hash, verify_password};
use super::{ApiError, AppState, json_body};
use crate::store::{Decided, Decision};

const COOKIE: &str = "sm_session";
const SESSION_HOURS: i64 = 12;

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
pub struct Moderator {
    pub username: String,
    token_hash: String,
}

impl FromRequestParts<AppState> for Moderator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(COOKIE)
            .and_then(|c| parse_token(c.value()).map(str::to_owned))
            .ok_or(ApiError::Unauthorized)?;
        let hash = token_hash(&token);
        let session = state
            .store
            .session(&hash)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf_token.as_str()) {
                return Err(ApiError::Forbidden);
            }
        }
        Ok(Moderator {
            username: session.username,
            token_hash: hash,
        })
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

// a hash to verify against when the user does not exist, so that timing
// does not tell which user names exist
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2q3Wq3pK7q6Gm4Xw8d1f8m2l8yJ5rQ0fR1bT2n3v4w0";

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
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(CookieJar, Json<SessionInfo>), ApiError> {
    let req = json_body(body)?;
    let user = state.store.user(req.username.trim()).await?;
    let ok = match &user {
        Some(u) => verify_password(&req.password, &u.password_hash),
        None => {
            let _ = verify_password(&req.password, DUMMY_HASH);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!("failed moderator sign-in");
        return Err(ApiError::Unauthorized);
    };
    let internal = |e: anyhow::Error| ApiError::Internal(e.to_string());
    let token = new_token().map_err(internal)?;
    let csrf = new_token().map_err(internal)?;
    let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
    state
        .store
        .create_session(&token_hash(&token), &user.id, &csrf, expires)
        .await?;
    tracing::info!(user = %user.username, "moderator signed in");
    Ok((
        jar.add(session_cookie(token, SESSION_HOURS, state.secure_cookies)),
        Json(SessionInfo {
            username: user.username,
            csrf_token: csrf,
        }),
    ))
}

/// The signed-in moderator and the session's CSRF token.
#[utoipa::path(get, path = "/me", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = SessionInfo), ModeratorErrors))]
async fn me(State(state): State<AppState>, m: Moderator) -> Result<Json<SessionInfo>, ApiError> {
    let session = state
        .store
        .session(&m.token_hash)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(Json(session))
}

/// Ends the session.
#[utoipa::path(post, path = "/logout", tag = "moderation", security(("session" = [])),
    params(("X-CSRF-Token" = String, Header, description = "The CSRF token of the session")),
    responses((status = 204, description = "Signed out"), ModeratorErrors))]
async fn logout(
    State(state): State<AppState>,
    m: Moderator,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode), ApiError> {
    state.store.delete_session(&m.token_hash).await?;
    Ok((
        jar.remove(session_cookie(String::new(), 0, state.secure_cookies)),
        StatusCode::NO_CONTENT,
    ))
}

/// Submissions and edits waiting for a decision, oldest first.
#[utoipa::path(get, path = "/submissions", tag = "moderation", security(("session" = [])),
    responses((status = 200, body = Vec<Revision>), ModeratorErrors))]
async fn queue(
    State(state): State<AppState>,
    _m: Moderator,
) -> Result<Json<Vec<Revision>>, ApiError> {
    Ok(Json(state.store.pending_revisions().await?))
}

fn revision_id(raw: &str) -> Result<RevisionId, ApiError> {
    raw.parse().map_err(|e| ApiError::BadRequest(vec![e]))
}

/// The answer to a decision; a decided entry's point on the clustered map
/// follows it at once.
async fn decided(state: &AppState, d: Decided) -> Result<StatusCode, ApiError> {
    match d {
        Decided::Done(org) => {
            state.clusters.refresh(state.store.as_ref(), org).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Decided::NotFound => Err(ApiError::NotFound("submission")),
        Decided::NotPending => Err(ApiError::Conflict(
            "already_decided",
            vec![FieldError::new(
                "id",
                "this submission was already decided or replaced",
            )],
        )),
    }
}

/// Approves a submission or an edit, optionally with a moderator's
/// corrections; the entry is public at once.
#[utoipa::path(
    post,
    path = "/submissions/{id}/approve",
    tag = "moderation",
    security(("session" = [])),
    params(("id" = String, Path, format = Uuid, description = "The revision's id"), ("X-CSRF-Token" = String, Header, description = "The CSRF token of the session")),
    request_body(content = Option<ApproveRequest>, description = "Corrections, if any"),
    responses(
        (status = 204, description = "Approved"),
        (status = 400, description = "A correction is invalid", body = ErrorBody),
        (status = 404, description = "No such submission", body = ErrorBody),
        (status = 409, description = "`already_decided`", body = ErrorBody),
        ModeratorErrors,
    )
)]
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
    let edited = match request.edited {
        Some(input) => Some(input.validate().map_err(ApiError::BadRequest)?),
        None => None,
    };
    let d = state
        .store
        .decide(id, Decision::Approve(edited.map(Box::new)), &m.username)
        .await?;
    decided(&state, d).await
}

/// Rejects a submission or an edit, with a reason.
#[utoipa::path(
    post,
    path = "/submissions/{id}/reject",
    tag = "moderation",
    security(("session" = [])),
    params(("id" = String, Path, format = Uuid, description = "The revision's id"), ("X-CSRF-Token" = String, Header, description = "The CSRF token of the session")),
    request_body = RejectRequest,
    responses(
        (status = 204, description = "Rejected"),
        (status = 400, description = "No reason, or a reason over 1000 characters", body = ErrorBody),
        (status = 404, description = "No such submission", body = ErrorBody),
        (status = 409, description = "`already_decided`", body = ErrorBody),
        ModeratorErrors,
    )
)]
async fn reject(
    State(state): State<AppState>,
    m: Moderator,
    Path(id): Path<String>,
    body: Result<Json<RejectRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = revision_id(&id)?;
    let reason = json_body(body)?.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::field(
            "reason",
            "say why, in at most 1000 characters",
        ));
    }
    let d = state
        .store
        .decide(id, Decision::Reject(reason), &m.username)
        .await?;
    decided(&state, d).await
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
