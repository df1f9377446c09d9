//! `GET /api/changes`: the public change feed (see
//! [`crate::feeds::changes`]), for partner maps and mirrors that follow
//! this one without reading it whole again.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use solidarity_map_core::ErrorBody;
use solidarity_map_core::changes::{ChangePage, ChangesQuery};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(changes))
}

/// The query of the change feed: documented here, parsed in `core`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ChangesParams {
    /// Where to start: the `next` of an earlier answer (opaque), `now` for
    /// the end of the log (take it before reading the whole map from
    /// `/api/export.geojson`, then follow from it), or nothing for the
    /// log's first change.
    #[param(example = "now")]
    since: Option<String>,
    /// Page size.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
}

/// Every change to what the public sees, in the order it was made: an
/// entry published or changed comes with its public view (the fields and
/// rounded point of `/api/organizations`), one no longer public as a
/// tombstone (`removed`, no data). Pass `next` back as `since` for what
/// follows; `more` says whether to ask again at once. The log keeps 30
/// days: an older cursor is answered `410` with `cursor_expired`, and the
/// client starts over from a full export.
#[utoipa::path(get, path = "/changes", tag = "map", params(ChangesParams),
    responses(
        (status = 200, description = "A page of changes, with the data's licence",
         body = ChangePage,
         headers(("Link" = String, description = "`<licence URL>; rel=\"license\"`"))),
        (status = 410, description = "The cursor is older than the log (`cursor_expired`): \
         start over from a full export", body = ErrorBody),
        ReadErrors,
    ))]
async fn changes(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query =
        ChangesQuery::from_query(raw.as_deref().unwrap_or("")).map_err(ApiError::BadRequest)?;
    let page = crate::feeds::changes::page(
        state.store.as_ref(),
        &query,
        &state.licence,
        state.site.public_url.as_ref(),
    )
    .await?;
    let mut res = Json(page).into_response();
    if let Ok(link) = HeaderValue::from_str(&state.licence.link_header()) {
        res.headers_mut().insert(header::LINK, link);
    }
    Ok(res)
}
