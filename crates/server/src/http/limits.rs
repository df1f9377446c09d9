//! A global limit on requests in flight that sheds load instead of queueing:
//! when every slot is taken the request is answered 503 at once, with
//! `Retry-After: 1` and the usual JSON error body.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use solidarity_map_core::ErrorBody;
use tokio::sync::Semaphore;

/// The slots shared by every request of one app.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    /// `max` requests at once (at least one).
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(
            max.clamp(1, Semaphore::MAX_PERMITS),
        )))
    }
}

/// Middleware: holds a slot while the request is handled, or sheds it.
pub async fn shed(State(slots): State<InFlight>, req: Request, next: Next) -> Response {
    let Ok(_slot) = slots.0.try_acquire() else {
        let mut res = (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(ErrorBody {
                error: "overloaded".into(),
                message: "the service is busy, please try again in a moment".into(),
                fields: Vec::new(),
            }),
        )
            .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return res;
    };
    next.run(req).await
}
