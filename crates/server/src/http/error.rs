//! The one place errors become HTTP responses: 4xx bodies say what to fix,
//! 5xx bodies say nothing about the inside and are logged instead.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use solidarity_map_core::{ErrorBody, FieldError};

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
    /// duplicate); the fields say what.
    #[error("conflict")]
    Conflict(&'static str, Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("request body too large")]
    TooLarge,
    /// Anything else that should not happen; logged, never shown.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest(vec![FieldError::new(field, message)])
    }
}

fn body(status: StatusCode, error: &str, message: String, fields: Vec<FieldError>) -> Response {
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest(fields) => {
                let message = fields
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                body(
                    StatusCode::BAD_REQUEST,
                    "invalid_parameter",
                    message,
                    fields,
                )
            }
            ApiError::NotFound(what) => body(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no such {what}"),
                Vec::new(),
            ),
            ApiError::Unauthorized => body(
                StatusCode::UNAUTHORIZED,
                "unauthorised",
                "sign in as a moderator".into(),
                Vec::new(),
            ),
            ApiError::Forbidden => body(
                StatusCode::FORBIDDEN,
                "forbidden",
                "missing or wrong X-CSRF-Token".into(),
                Vec::new(),
            ),
            ApiError::Conflict(code, fields) => {
                let message = fields
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                body(StatusCode::CONFLICT, code, message, fields)
            }
            ApiError::Store(StoreError::Conflict(what)) => body(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
                Vec::new(),
            ),
            ApiError::Store(StoreError::UnknownCategory(slug)) => body(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                format!("category: unknown category \"{slug}\""),
                vec![
                    FieldError::new("category", format!("unknown category \"{slug}\""))
                        .code("category"),
                ],
            ),
            ApiError::Store(e @ StoreError::Unavailable(_)) => {
                tracing::warn!(error = %e, "database unavailable");
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service is temporarily unavailable, please try again shortly".into(),
                    Vec::new(),
                )
            }
            ApiError::TooLarge => body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "body: the request is larger than 64 KiB".into(),
                vec![FieldError::new("body", "the request is larger than 64 KiB")],
            ),
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "request failed");
                body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side".into(),
                    Vec::new(),
                )
            }
            ApiError::Store(e) => {
                tracing::error!(error = %e, "request failed");
                body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side".into(),
                    Vec::new(),
                )
            }
        }
    }
}

/// Reads a JSON body, turning a malformed one into a 400 that says why.
pub fn json_body<T: serde::de::DeserializeOwned>(
    body: Result<Json<T>, JsonRejection>,
) -> Result<T, ApiError> {
    body.map(|Json(v)| v).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::field("body", e.body_text())
        }
    })
}
