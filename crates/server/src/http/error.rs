//! The one place errors become HTTP responses: 4xx bodies say what to fix,
//! 5xx bodies say nothing about the inside and are logged instead.

use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use solidarity_map_core::{ErrorBody, FieldError};

use crate::service::{self, joined};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid request")]
    BadRequest(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// No valid moderator session.
    #[error("unauthorised")]
    Unauthorized,
    /// A session, but the request lacks its CSRF token.
    #[error("forbidden")]
    Forbidden,
    /// The request is valid but clashes with what exists (e.g. a likely
    /// duplicate); the code says how, the fields say what.
    #[error("conflict")]
    Conflict(&'static str, Vec<FieldError>),
    /// No longer kept; the code says what to do instead.
    #[error("gone")]
    Gone(&'static str, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("request body too large")]
    TooLarge,
    /// A rate limit a handler checks ([`super::rate_limit::PerKey`]).
    #[error("too many requests")]
    RateLimited,
    /// Anything else that should not happen; logged with its causes,
    /// never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest(vec![FieldError::new(field, message)])
    }
}

/// Each kind of failure of a use case is the API's own.
impl From<service::Error> for ApiError {
    fn from(e: service::Error) -> Self {
        match e {
            service::Error::Invalid(fields) => ApiError::BadRequest(fields),
            service::Error::NotFound(what) => ApiError::NotFound(what),
            service::Error::Conflict(code, fields) => ApiError::Conflict(code, fields),
            service::Error::Gone(code, why) => ApiError::Gone(code, why),
            service::Error::Unauthorized => ApiError::Unauthorized,
            service::Error::Store(e) => ApiError::Store(e),
            service::Error::Internal(e) => ApiError::Internal(e),
        }
    }
}

/// A malformed JSON body is a 400 that says why; one over the size limit a
/// 413.
impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::field("body", e.body_text())
        }
    }
}

/// A query string that does not fit its parameters is a 400 naming the
/// parameter at fault (`lat`, `zoom`…), as serde says which; `query`
/// only when it does not.
impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        let text = e.body_text();
        ApiError::field(query_field(&text).unwrap_or("query"), text.clone())
    }
}

/// The parameter a query-string error names: `missing field `lon``, or
/// `lat: invalid float literal` after axum's prefix.
fn query_field(text: &str) -> Option<&str> {
    let detail = text.split_once(": ").map_or(text, |(_, d)| d);
    let name = match detail.strip_prefix("missing field `") {
        Some(rest) => rest.split('`').next()?,
        None => detail.split_once(": ")?.0,
    };
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// A JSON request body whose rejection is the API's own error.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message, fields) = match self {
            ApiError::RateLimited => return super::rate_limit::too_many_requests(),
            ApiError::BadRequest(fields) => (
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                joined(&fields),
                fields,
            ),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no such {what}"),
                Vec::new(),
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorised",
                "sign in as a moderator".into(),
                Vec::new(),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "missing or wrong X-CSRF-Token".into(),
                Vec::new(),
            ),
            ApiError::Gone(code, why) => (StatusCode::GONE, code, why, Vec::new()),
            ApiError::Conflict(code, fields) => {
                (StatusCode::CONFLICT, code, joined(&fields), fields)
            }
            ApiError::Store(StoreError::Conflict(what)) => (
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
                Vec::new(),
            ),
            ApiError::Store(StoreError::UnknownCategory(slug)) => {
                return ApiError::BadRequest(vec![
                    FieldError::new("category", format!("unknown category \"{slug}\""))
                        .code("category"),
                ])
                .into_response();
            }
            ApiError::Store(e @ StoreError::Unavailable(_)) => {
                tracing::warn!(error = %e, "database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service is temporarily unavailable, please try again shortly".into(),
                    Vec::new(),
                )
            }
            ApiError::TooLarge => {
                let fields = vec![FieldError::new("body", "the request is larger than 64 KiB")];
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    joined(&fields),
                    fields,
                )
            }
            ApiError::Store(e) => return ApiError::Internal(e.into()).into_response(),
            ApiError::Internal(e) => {
                tracing::error!(error = %format_args!("{e:#}"), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side".into(),
                    Vec::new(),
                )
            }
        };
        (
            status,
            Json(ErrorBody {
                error: error.to_owned(),
                message,
                fields,
            }),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Named {
        name: String,
    }

    async fn answer(app: Router, body: &'static str) -> (StatusCode, serde_json::Value) {
        let req = Request::post("/")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let res = app.oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn a_bad_json_body_names_the_body_and_what_is_wrong() {
        let app = Router::new().route(
            "/",
            post(|ApiJson(n): ApiJson<Named>| async move { n.name }),
        );
        let (status, v) = answer(app, r#"{"name": 1}"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"], "invalid_parameter");
        assert_eq!(v["fields"][0]["field"], "body");
        let problem = v["fields"][0]["message"].as_str().unwrap();
        assert!(problem.contains("name: invalid type"), "{problem}");
    }

    #[tokio::test]
    async fn an_internal_error_says_nothing_of_its_cause() {
        let fail = || async {
            let cause = anyhow::anyhow!("secret detail");
            ApiError::Internal(cause.context("reading the thing"))
        };
        let app = Router::new().route("/", post(fail));
        let (status, v) = answer(app, "{}").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(v["error"], "internal");
        assert!(!v.to_string().contains("secret"), "{v}");
    }
}
