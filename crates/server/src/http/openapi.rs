//! The API described as OpenAPI 3.1, built from the handlers' own
//! annotations and the wire types of `core`, so the document cannot drift
//! from the routes: every route is registered through `routes!`, which
//! records its path and method in the document as it adds it to the router.
//! Partners read it at `/api/openapi.json` (or as a page at `/api/docs`),
//! and the fuzzing run generates its requests from it.

use std::sync::Arc;

use axum::Extension;
use axum::http::header;
use axum::response::IntoResponse;
use solidarity_map_core::ErrorBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi};

/// The document's fixed parts; the paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Solidarity Map API",
        description = "The public map data (GeoJSON, RFC 7946), joining and the private edit \
                       link, and moderation. Public answers carry only public fields and points \
                       rounded to each entry's precision. Errors are JSON: `error` is a stable \
                       code, `fields` names each field and its problem.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    modifiers(&Session),
    tags(
        (name = "map", description = "Published organisations, clusters and what the filters offer"),
        (name = "join", description = "Joining, and the private edit link a group receives"),
        (name = "moderation", description = "For moderators: sign-in, the queue, decisions, the audit log"),
        (name = "site", description = "Settings for clients, health, this document"),
    )
)]
struct ApiDoc;

/// The moderator's session: an HttpOnly cookie set by `POST /api/admin/login`.
struct Session;

impl Modify for Session {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sm_session",
                "Set by POST /api/admin/login. Requests that change anything also send the \
                 session's CSRF token in X-CSRF-Token.",
            ))),
        );
    }
}

/// The document with no paths yet: the routers add theirs.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The finished document, rendered once.
#[derive(Clone)]
pub struct Document {
    json: Arc<str>,
    page: Arc<str>,
}

impl Document {
    pub fn new(doc: &utoipa::openapi::OpenApi) -> Self {
        let json = doc.to_pretty_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot render the OpenAPI document");
            "{}".to_owned()
        });
        Self {
            json: json.into(),
            page: super::api_page::render(doc).into(),
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "site",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
pub async fn json(Extension(doc): Extension<Document>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.json.to_string(),
    )
}

/// This document as a page, for people.
#[utoipa::path(get, path = "/docs", tag = "site",
    responses((status = 200, description = "HTML", content_type = "text/html")))]
pub async fn page(Extension(doc): Extension<Document>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        doc.page.to_string(),
    )
}

/// `GET /api/docs.css`: the page's style (the CSP allows no inline style).
pub async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("api_page.css"),
    )
}

/// The filters of the map, as `OrgFilter` parses them: documented here,
/// parsed in `core`. Unknown parameters are ignored.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FilterParams {
    /// `minLon,minLat,maxLon,maxLat` in WGS 84 degrees; west greater than
    /// east crosses the antimeridian.
    #[param(example = "34.9,31.6,35.5,32.0")]
    bbox: Option<String>,
    /// Category slugs, comma-separated or repeated; any of them matches.
    #[param(style = Form, explode = true, example = json!(["media"]))]
    category: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2 country code.
    #[param(example = "PS")]
    country: Option<String>,
    /// A working language (BCP 47 primary tag, e.g. `ar`).
    #[param(example = "ar")]
    language: Option<String>,
    /// Words in the name, description, city or tags, in any script; case,
    /// accents, Arabic letter forms and Hebrew niqqud are ignored. A city's
    /// whole name in any language also finds its other names.
    #[param(max_length = 200, example = "القدس")]
    q: Option<String>,
    /// `true` leaves out stale entries: nobody confirmed them as active
    /// for the operator's period (a year by default) and a reminder.
    #[param(example = true)]
    hide_stale: Option<bool>,
}

/// Paging of `/api/organizations`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// Page size.
    #[param(minimum = 1, maximum = 10000, default = 1000)]
    limit: Option<u32>,
    /// How many matches to skip (slow deep into a large list: prefer the
    /// `next` link, which carries `after`).
    #[param(minimum = 0, maximum = 100000000, default = 0)]
    offset: Option<u64>,
    /// Where the previous page ended, as the `next` link gives it; not
    /// with `offset`.
    after: Option<String>,
}

/// The errors any public read can answer.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ReadErrors {
    /// A parameter is wrong; `fields` says which and why.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// The server is at its limit of requests in flight, or the database
    /// does not answer: try again shortly (`Retry-After`).
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// The errors of a request that changes something, on top of [`ReadErrors`].
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum WriteErrors {
    /// The body or a parameter is wrong; `fields` says which and why.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// The body is larger than 64 KiB.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// Too many requests from this address: wait a little.
    #[response(status = 429)]
    TooMany(ErrorBody),
    /// The server is at its limit, or the database does not answer.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// The errors of a moderator's request.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ModeratorErrors {
    /// No valid session: sign in.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// A change without the session's `X-CSRF-Token`.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// The server is at its limit, or the database does not answer.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}
