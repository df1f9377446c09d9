//! For operators and load balancers: `/healthz` says the process and its
//! database answer; `/readyz` says whether to send it traffic, which waits
//! until its map has applied every change another instance (or an import)
//! committed, so a starting or lagging instance is drained, not served.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::AppState;

/// Whether the service can answer, and with which database.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    status: &'static str,
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    database: &'static str,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "site",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.store.backend();
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database,
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database,
                }),
            )
        }
    }
}

/// Whether this instance should get traffic: its database answers and its
/// map has applied every committed change.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready`, `catching_up` (the index has changes to apply: just
    /// started, or lagging) or `unavailable` (the database does not
    /// answer).
    #[schema(example = "ready")]
    status: &'static str,
    /// The number of the last change the map has applied.
    applied: i64,
    /// How many committed changes it has yet to apply.
    behind: i64,
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "site",
    responses(
        (status = 200, description = "The database answers and the map is up to date", body = Readiness),
        (status = 503, description = "Starting, lagging, or the database does not answer: send traffic elsewhere", body = Readiness),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let applied = state.follower.applied();
    let (code, status, behind) = match state.follower.lag().await {
        Ok(0) => (StatusCode::OK, "ready", 0),
        Ok(n) => (StatusCode::SERVICE_UNAVAILABLE, "catching_up", n),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable", 0)
        }
    };
    (
        code,
        Json(Readiness {
            status,
            applied,
            behind,
        }),
    )
}
