//! The map's public answers kept in memory, compressed, until the map
//! changes.
//!
//! Every visitor's first screen asks the same few questions (the legend,
//! the filters' counts, the world's clusters, the first page of a list),
//! and visitors of one city ask that city's. Each answer is a function of
//! what is published, and a 100-entry list costs more to compress than to
//! find (gzip of 60 KB: about a millisecond). So a successful answer to
//! those paths is kept as sent (body compressed, `ETag` and all) under the
//! request's path, query and `Accept-Encoding`, and given again, or a
//! `304` for a tag the client has, until the clustering index applies a
//! change: any change, from this instance or another, starts a new
//! generation, and an answer is only ever given in the generation that
//! made it. Nothing private is kept: only the public map's paths, without
//! cookies or credentials in play.
//!
//! The memory is bounded (`--answer-cache-mb`; 0 turns this off): when an
//! answer would not fit, everything kept so far is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cache;
use crate::clusters::Clusters;

/// The paths whose answers depend on the published entries alone, with
/// `/api/organizations/{id}`.
const KEPT_PATHS: [&str; 4] = [
    "/api/organizations",
    "/api/clusters",
    "/api/categories",
    "/api/facets",
];

/// No one answer takes more than this share of the memory.
const LARGEST_SHARE: usize = 8;

/// The headers an answer is given again with (the security headers are
/// added outside, to every response).
const KEPT_HEADERS: [header::HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::CONTENT_ENCODING,
    header::ETAG,
    header::CACHE_CONTROL,
    header::VARY,
];

/// Which answer: the path and query as asked, and how the client takes
/// compression (the encoding chosen follows from it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    path_and_query: String,
    accept_encoding: Option<HeaderValue>,
}

#[derive(Debug, Clone)]
struct Kept {
    headers: HeaderMap,
    body: Bytes,
}

/// The answers of one generation of the index.
#[derive(Debug, Default)]
struct Shelf {
    generation: u64,
    answers: HashMap<Key, Kept>,
    bytes: usize,
}

/// Shared by all requests.
#[derive(Debug)]
pub struct Answers {
    index: Arc<Clusters>,
    budget: usize,
    shelf: Mutex<Shelf>,
}

impl Answers {
    /// Answers made under `index`'s generations, in at most `budget` bytes.
    pub fn new(index: Arc<Clusters>, budget: usize) -> Self {
        Self {
            index,
            budget,
            shelf: Mutex::new(Shelf::default()),
        }
    }

    fn shelf(&self) -> std::sync::MutexGuard<'_, Shelf> {
        self.shelf.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &Key) -> Option<Kept> {
        let now = self.index.generation();
        let shelf = self.shelf();
        if shelf.generation != now {
            return None;
        }
        shelf.answers.get(key).cloned()
    }

    /// Keeps an answer made in `generation`, unless the index has moved on
    /// since (then it may describe entries as they no longer are).
    fn put(&self, key: Key, generation: u64, kept: Kept) {
        let size = kept.body.len() + key.path_and_query.len();
        if size > self.budget / LARGEST_SHARE {
            return;
        }
        let mut shelf = self.shelf();
        // read under the lock: a change applied after this read finds the
        // answer on the shelf and clears it with the rest
        if self.index.generation() != generation {
            return;
        }
        if shelf.generation != generation || shelf.bytes + size > self.budget {
            *shelf = Shelf {
                generation,
                ..Shelf::default()
            };
        }
        let key_len = key.path_and_query.len();
        shelf.bytes += size;
        if let Some(old) = shelf.answers.insert(key, kept) {
            shelf.bytes -= old.body.len() + key_len;
        }
    }
}

/// The middleware: `axum::middleware::from_fn_with_state(answers, answers::serve)`,
/// outside the compression layer, so that what is kept is what was sent.
pub async fn serve(State(answers): State<Arc<Answers>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // the lists and one entry (`/api/organizations/{id}`), not what hangs
    // below an entry (its contact form's state is not the map's)
    let kept_path = KEPT_PATHS.contains(&path)
        || path
            .strip_prefix("/api/organizations/")
            .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if answers.budget == 0 || req.method() != Method::GET || !kept_path {
        return next.run(req).await;
    }
    let key = Key {
        path_and_query: req
            .uri()
            .path_and_query()
            .map_or_else(|| path.to_owned(), |p| p.as_str().to_owned()),
        accept_encoding: req.headers().get(header::ACCEPT_ENCODING).cloned(),
    };
    let if_none_match = cache::if_none_match(req.headers());
    if let Some(hit) = answers.get(&key) {
        return given_again(hit, &if_none_match);
    }
    // the generation before the answer is made: if a change is applied
    // meanwhile, the answer is not kept
    let generation = answers.index.generation();
    let res = next.run(req).await;
    if res.status() != StatusCode::OK || !res.headers().contains_key(header::ETAG) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot read an answer to keep it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut headers = HeaderMap::new();
    for name in KEPT_HEADERS {
        for value in parts.headers.get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    answers.put(
        key,
        generation,
        Kept {
            headers,
            body: bytes.clone(),
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// A kept answer, or `304 Not Modified` when the client has its tag.
fn given_again(kept: Kept, if_none_match: &[HeaderValue]) -> Response {
    if let Some(tag) = kept.headers.get(header::ETAG)
        && cache::matches(if_none_match, tag)
    {
        // as the tagging layer answers: no encoding, one `Vary`
        let mut headers = kept.headers;
        headers.remove(header::CONTENT_ENCODING);
        headers.remove(header::VARY);
        return cache::not_modified(headers);
    }
    let mut res = Response::new(Body::from(kept.body));
    *res.headers_mut() = kept.headers;
    res
}
