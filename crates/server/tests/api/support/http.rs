//! Requests to the application in process, and what the tests read of
//! the answers: one way to build a request and read its answer, instead
//! of one per module.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::header::{self, AsHeaderName};
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The body as text (every answer the tests read as text is UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("a UTF-8 body")
    }

    /// The body as JSON; a body that is not JSON fails the test, naming it.
    /// The English names of a feature collection's entries, in order.
    pub fn names(&self) -> Vec<String> {
        self.json()["features"]
            .as_array()
            .expect("a feature collection")
            .iter()
            .map(|f| {
                f["properties"]["name"]["en"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: not JSON: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The value of the header `name`, if the answer has it.
    pub fn header(&self, name: impl AsHeaderName) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("a header in ASCII"))
    }

    /// The cookie the answer sets, as a browser sends it back: `name=value`
    /// without its attributes.
    pub fn cookie(&self) -> Option<String> {
        let set = self.header(header::SET_COOKIE)?;
        Some(set.split(';').next().unwrap_or_default().to_owned())
    }
}

/// The directives of the Content-Security-Policy in `headers`, each with
/// its sources; an answer without one fails the test.
pub fn csp(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .expect("a Content-Security-Policy")
        .to_str()
        .expect("a policy in ASCII");
    policy
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut parts = d.split_whitespace().map(str::to_owned);
            let name = parts.next().expect("a directive's name");
            (name, parts.collect())
        })
        .collect()
}

/// Sends `req` to `app` and reads the whole answer.
pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.expect("an answer");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res
        .into_body()
        .collect()
        .await
        .expect("the whole body")
        .to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

/// `GET uri`, with no header of its own.
pub async fn get(app: &Router, uri: &str) -> Answer {
    send(
        app,
        Request::get(uri).body(Body::empty()).expect("a request"),
    )
    .await
}

/// `method uri` with `headers`, and `body` as JSON when there is one.
pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    send(app, req.expect("a request")).await
}
