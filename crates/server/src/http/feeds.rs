//! The feeds people and machines follow outside the API: the Atom feed of
//! new groups (`/feed.atom`) and the sitemap (`/sitemap.xml`, and its
//! parts under `/sitemaps/` on a large map) and each group's Murmurations
//! profile (`/org/{id}/murmurations.json`). See [`crate::feeds`].

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use solidarity_map_core::{FieldError, OrgFilter, OrgId, Status};

use super::organizations::Filtered;
use super::{ApiError, AppState};
use crate::feeds::{self, atom, murmurations, sitemap, texts};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feed.atom", get(atom_feed))
        .route("/sitemap.xml", get(sitemap_xml))
        .route("/sitemaps/{part}", get(sitemap_part))
        .route("/org/{id}/murmurations.json", get(murmurations_profile))
}

fn base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    feeds::base(state.site.public_url.as_ref(), host)
}

fn xml(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The language a feed is asked for: `lang=en|ar|he`, English when none.
fn feed_lang(raw: &str) -> Result<&'static str, ApiError> {
    let asked = url::form_urlencoded::parse(raw.as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned());
    match asked.as_deref() {
        None | Some("") => Ok(texts::LANGUAGES[0]),
        Some(l) => texts::LANGUAGES
            .into_iter()
            .find(|known| *known == l)
            .ok_or_else(|| {
                ApiError::BadRequest(vec![FieldError::new("lang", "must be en, ar or he")])
            }),
    }
}

/// `GET /feed.atom`: the newest published groups, filtered like the map.
async fn atom_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Filtered(filter): Filtered<OrgFilter>,
) -> Result<Response, ApiError> {
    let raw = raw.unwrap_or_default();
    let lang = feed_lang(&raw)?;
    let entries = state.store.newest_published(&filter, atom::ENTRIES).await?;
    let filtered = filter.bbox.is_some()
        || !filter.categories.is_empty()
        || filter.country.is_some()
        || filter.language.is_some()
        || filter.q.is_some();
    let path = if raw.is_empty() {
        "/feed.atom".to_owned()
    } else {
        format!("/feed.atom?{raw}")
    };
    let base = base(&state, &headers);
    let feed = atom::Feed {
        base: &base,
        path: &path,
        lang,
        filtered,
        categories: &state.categories,
        licence: &state.licence,
    };
    Ok(xml(
        "application/atom+xml; charset=utf-8",
        atom::render(&feed, &entries),
    ))
}

/// `GET /sitemap.xml`.
async fn sitemap_xml(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let published = state.clusters.len() as u64;
    let body = sitemap::sitemap(state.store.as_ref(), &base(&state, &headers), published).await?;
    Ok(xml("application/xml; charset=utf-8", body))
}

/// `GET /sitemaps/{hh}.xml`: one part of a large map's sitemap.
async fn sitemap_part(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(part): Path<String>,
) -> Result<Response, ApiError> {
    let part = part
        .strip_suffix(".xml")
        .filter(|p| p.len() == 2)
        .and_then(|p| u8::from_str_radix(p, 16).ok())
        .ok_or(ApiError::NotFound("sitemap"))?;
    let body = sitemap::part(state.store.as_ref(), &base(&state, &headers), part).await?;
    Ok(xml("application/xml; charset=utf-8", body))
}

/// `GET /org/{id}/murmurations.json`: the profile of a published
/// organisation kept here that has not opted out; 404 for any other id.
/// An entry mirrored from another map has its profile there, not twice.
async fn murmurations_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let gone = ApiError::NotFound("profile");
    let id: OrgId = id.parse().map_err(|_| ApiError::NotFound("profile"))?;
    let org = match state.store.organization(id).await? {
        Some(org) if org.status == Status::Published && org.source.is_none() => org,
        _ => return Err(gone),
    };
    if state.store.murmurations_listed(id).await? != Some(true) {
        return Err(gone);
    }
    let profile = murmurations::profile(&org, &base(&state, &headers));
    Ok(axum::Json(profile).into_response())
}
