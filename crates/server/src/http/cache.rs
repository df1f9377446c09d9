//! Conditional requests for the public API and the basemap's tiles.
//!
//! With a million organisations a map view can be megabytes of GeoJSON, and
//! visitors pan back and forth over the same areas. An `ETag` over the
//! response body lets a browser ask "has this changed?" and receive an
//! empty `304 Not Modified` when it has not. The tag is weak (`W/`): the
//! same content is sent plain, gzip or brotli, which a strong tag would
//! have to tell apart. It is computed from
//! the body the handler produced, so it is right by construction and needs
//! no invalidation: a moderator's approval changes the body, hence the tag.
//! `Cache-Control: public, no-cache` makes clients revalidate every time, so
//! a change shows at once.
//!
//! The basemap's tiles (`/tiles/…`) are tagged the same way; their handler
//! sets a long `Cache-Control` of its own, which is kept. Vector tiles that
//! a PMTiles archive stores gzipped reach this layer uncompressed (see
//! `basemap::Basemap::tile`): a body that already carries a
//! `Content-Encoding` is passed on untagged, and compression skips it.
//!
//! Private responses (moderation, edit links, submissions) get
//! `Cache-Control: no-store`: no shared or browser cache may keep them.
//!
//! This sits inside the compression layer, so the tag is of the identity
//! body (the same whatever the client accepts) and compression still adds
//! `Vary: Accept-Encoding`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Paths under `/api` that are never cached: they belong to one person.
const PRIVATE_PREFIXES: [&str; 3] = ["/api/admin", "/api/edit", "/api/submissions"];

/// Marks a response whose body is streamed (the exports): it is passed on
/// untagged, since tagging would read it whole into memory first.
#[derive(Debug, Clone, Copy)]
pub struct Streamed;

const PUBLIC_REVALIDATE: HeaderValue = HeaderValue::from_static("public, no-cache");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// Who may keep a response to this path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Not the API (the web client's files have their own rules).
    NotApi,
    Public,
    Private,
}

fn audience(path: &str) -> Audience {
    if path.starts_with("/tiles/") {
        return Audience::Public;
    }
    if !path.starts_with("/api/") {
        return Audience::NotApi;
    }
    let private = PRIVATE_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if private {
        Audience::Private
    } else {
        Audience::Public
    }
}

/// The middleware: `axum::middleware::from_fn(cache::etag)`.
pub async fn etag(mut req: Request, next: Next) -> Response {
    match audience(req.uri().path()) {
        Audience::NotApi => next.run(req).await,
        Audience::Private => {
            let mut res = next.run(req).await;
            res.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
            res
        }
        Audience::Public => {
            let method = req.method().clone();
            if method != Method::GET && method != Method::HEAD {
                return next.run(req).await;
            }
            let if_none_match = if_none_match(req.headers());
            // a HEAD must carry the tag its GET would: ask for the body,
            // and drop it below
            if method == Method::HEAD {
                *req.method_mut() = Method::GET;
            }
            let res = next.run(req).await;
            tag_public(res, &if_none_match, method == Method::HEAD).await
        }
    }
}

async fn tag_public(mut res: Response, if_none_match: &[HeaderValue], head: bool) -> Response {
    if res.extensions().get::<Streamed>().is_some() {
        res.headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(PUBLIC_REVALIDATE);
        return if head { without_body(res) } else { res };
    }
    if res.status() != StatusCode::OK || res.headers().contains_key(header::CONTENT_ENCODING) {
        return if head { without_body(res) } else { res };
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a response body to tag it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let tag = weak_tag(&bytes);
    parts.headers.insert(header::ETAG, tag.clone());
    if !parts.headers.contains_key(header::CACHE_CONTROL) {
        parts
            .headers
            .insert(header::CACHE_CONTROL, PUBLIC_REVALIDATE);
    }
    if matches(if_none_match, &tag) {
        return not_modified(parts.headers);
    }
    if head {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, bytes.len().into());
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `W/"` + the first 128 bits of the body's SHA-256 in hex + `"`.
fn weak_tag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let mut tag = String::with_capacity(36);
    tag.push_str("W/\"");
    for b in &digest[..16] {
        tag.push_str(&format!("{b:02x}"));
    }
    tag.push('"');
    // hex digits and quotes are always a valid header value
    HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""))
}

/// The request's `If-None-Match` values.
pub(super) fn if_none_match(headers: &HeaderMap) -> Vec<HeaderValue> {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .cloned()
        .collect()
}

/// Whether any `If-None-Match` entry names `tag`. The comparison is weak
/// (RFC 9110 §13.1.2): a `W/` prefix is ignored, `*` matches anything.
pub(super) fn matches(if_none_match: &[HeaderValue], tag: &HeaderValue) -> bool {
    let Ok(tag) = tag.to_str() else {
        return false;
    };
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    if_none_match
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|candidate| {
            candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
        })
}

/// 304 with the headers a 200 would carry about caching, and no body.
pub(super) fn not_modified(mut headers: HeaderMap) -> Response {
    for h in [
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::TRANSFER_ENCODING,
    ] {
        headers.remove(h);
    }
    // compression does not touch an empty body, but the 200 it stands for
    // varied by encoding
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NOT_MODIFIED;
    *res.headers_mut() = headers;
    res
}

fn without_body(res: Response) -> Response {
    let (parts, _) = res.into_parts();
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_paths() {
        assert_eq!(audience("/api/organizations"), Audience::Public);
        assert_eq!(audience("/api/categories"), Audience::Public);
        assert_eq!(audience("/api/admin/queue"), Audience::Private);
        assert_eq!(audience("/api/admin"), Audience::Private);
        assert_eq!(audience("/api/edit/abc"), Audience::Private);
        assert_eq!(audience("/api/submissions"), Audience::Private);
        assert_eq!(audience("/api/administrators"), Audience::Public);
        assert_eq!(audience("/index.html"), Audience::NotApi);
        assert_eq!(audience("/tiles/3/4/2.png"), Audience::Public);
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = HeaderValue::from_static("W/\"abc\"");
        let m = |v: &'static str| matches(&[HeaderValue::from_static(v)], &tag);
        assert!(m("\"abc\""));
        assert!(m("W/\"abc\""));
        assert!(m("\"x\", W/\"abc\""));
        assert!(m("*"));
        assert!(!m("\"abcd\""));
        assert!(!m("abc"));
        assert!(!matches(&[], &tag));
    }
}
