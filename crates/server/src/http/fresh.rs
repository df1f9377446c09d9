//! The pages the one-click links of a "still active?" mail open
//! (`/fresh/{token}`, see [`crate::links`]): plain HTML from the server,
//! in the group's language, that work without the client's script.
//!
//! A `GET` never changes anything: mail scanners and link previews fetch
//! links on their own, so each link shows what it would do and a button,
//! and only the `POST` of that button acts. A refused link (forged,
//! expired, used, or the entry changed since) says so and changes
//! nothing. The token is a secret: the pages send no `Referer` and the
//! request log hides it (see `security.rs`), and nothing is cached.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use solidarity_map_core::Organization;
use solidarity_map_core::text::escape_html;

use super::{ApiError, AppState};
use crate::links::FreshAction;
use crate::mail::compose::group_lang;
use crate::mail::texts::{LANGUAGES, rtl, text};
use crate::service::{LinkRefused, LinkUsed};

pub fn router() -> Router<AppState> {
    Router::new().route("/fresh/{token}", get(show).post(act))
}

/// The language of a page: the group's, else the first of the visitor's
/// that the pages speak, else English.
fn lang(org: Option<&Organization>, headers: &HeaderMap) -> &'static str {
    if let Some(org) = org {
        return group_lang(&org.data);
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accepted
        .split(',')
        .filter_map(|part| part.split(';').next())
        .filter_map(|tag| tag.trim().get(..2))
        .find_map(|code| LANGUAGES.into_iter().find(|l| l.eq_ignore_ascii_case(code)))
        .unwrap_or("en")
}

/// The entry's name in `lang`, for the page.
fn name(org: &Organization, lang: &str) -> String {
    org.data.name.text().best(lang).1.to_owned()
}

/// A whole page: a heading, a paragraph, maybe a button that posts back.
fn page(status: StatusCode, lang: &str, title: &str, body: &str, button: Option<&str>) -> Response {
    let dir = if rtl(lang) { "rtl" } else { "ltr" };
    let form = button.map_or_else(String::new, |b| {
        format!(
            "<form method=\"post\"><button type=\"submit\">{}</button></form>\n",
            escape_html(b)
        )
    });
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/api/docs.css\"></head>\n<body><main>\n\
         <h1>{title}</h1>\n<p role=\"status\">{body}</p>\n{form}<p><a href=\"/\">{map}</a></p>\n\
         </main></body>\n</html>\n",
        title = escape_html(title),
        body = escape_html(body),
        map = escape_html(text(lang, "page.map")),
    );
    let mut res = (status, html).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The page of a refused link: nothing was changed, and why.
fn refused(why: &LinkRefused, headers: &HeaderMap) -> Response {
    let (org, key, status) = match why {
        LinkRefused::Forged => (None, "page.refused.forged", StatusCode::NOT_FOUND),
        LinkRefused::Expired(org) => (org.as_ref(), "page.refused.expired", StatusCode::GONE),
        LinkRefused::Used(org) => (org.as_ref(), "page.refused.used", StatusCode::GONE),
    };
    let lang = lang(org, headers);
    page(
        status,
        lang,
        text(lang, "page.refused.title"),
        text(lang, key),
        None,
    )
}

/// `{name}` filled in.
fn say(lang: &str, key: &'static str, name: &str) -> String {
    text(lang, key).replace("{name}", name)
}

/// What the link would do, and the button that does it.
async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let check = match state.service().fresh_link(&token).await? {
        Ok(check) => check,
        Err(why) => return Ok(refused(&why, &headers)),
    };
    let lang = lang(Some(&check.org), &headers);
    let name = name(&check.org, lang);
    let (title, body, button) = match check.action {
        FreshAction::StillActive => (
            "page.active.title",
            "page.active.body",
            "page.active.button",
        ),
        FreshAction::Update => (
            "page.update.title",
            "page.update.body",
            "page.update.button",
        ),
        FreshAction::Stopped => (
            "page.stopped.title",
            "page.stopped.body",
            "page.stopped.button",
        ),
    };
    Ok(page(
        StatusCode::OK,
        lang,
        &say(lang, title, &name),
        &say(lang, body, &name),
        Some(text(lang, button)),
    ))
}

/// Does what the link says: confirms, takes off the map, or opens the
/// edit page with a new edit link.
async fn act(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let used = match state.service().use_fresh_link(&token).await? {
        Ok(used) => used,
        Err(why) => return Ok(refused(&why, &headers)),
    };
    let (org, key) = match used {
        LinkUsed::Update(link) => return Ok(Redirect::to(&link.edit_url).into_response()),
        LinkUsed::Confirmed(org) => (org, "page.done.active"),
        LinkUsed::Withdrawn(org) => (org, "page.done.stopped"),
    };
    let lang = lang(Some(&org), &headers);
    let name = name(&org, lang);
    let title = say(lang, key, &name);
    Ok(page(StatusCode::OK, lang, &title, &title, None))
}
