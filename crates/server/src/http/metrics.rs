//! Operators' numbers in the Prometheus text format: requests and their
//! latency per route and status, the map index's size and lag behind the
//! change log, the database pool's use, submissions, decisions and
//! rate-limit refusals.
//!
//! They are served on an address of their own (`--metrics-addr`), never on
//! the public port: how busy the map is, and when, is for whoever runs it.
//! Without that flag nothing is recorded (the `metrics` macros go nowhere
//! while no recorder is installed).

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;

/// Upper bounds of the latency buckets, in seconds: from a cached tile to
/// the slowest export page.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder, once (a second call returns the same
/// handle): from then on what the server does is counted.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(h) = HANDLE.get() {
        return Ok(h.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(&LATENCY_BUCKETS)?
        .install_recorder()?;
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// The help text of each metric, for whoever reads the scrape.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by method, route and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by method, route and status"
    );
    describe_gauge!(
        "map_index_points",
        "Published entries in this instance's clustering index"
    );
    describe_gauge!(
        "map_index_applied_change",
        "Number of the last change of the change log the index has applied"
    );
    describe_gauge!(
        "map_index_lag_changes",
        "Committed changes the index has yet to apply"
    );
    describe_gauge!(
        "db_pool_connections",
        "Database connections of this instance, by state (idle or in_use)"
    );
    describe_counter!(
        "submissions_total",
        "Entries submitted through the join form"
    );
    describe_counter!(
        "decisions_total",
        "Moderators' decisions, by decision (approved or rejected)"
    );
    describe_counter!(
        "relay_messages_total",
        "Messages visitors sent a group through the contact relay"
    );
    describe_counter!(
        "mail_sent_total",
        "Mails this instance sent through the SMTP server"
    );
    describe_counter!(
        "mail_failures_total",
        "Tries to send a mail that failed (each is tried again later)"
    );
    describe_counter!(
        "rate_limited_total",
        "Requests refused by a rate limit (limits are per instance)"
    );
}

/// Middleware: counts each request and times it, under its route's
/// pattern (`/api/organizations/{id}`), so that the number of series stays
/// small whatever the paths asked for.
pub async fn track(req: Request, next: Next) -> Response {
    // without `--metrics-addr` nothing records: no labels to build
    if HANDLE.get().is_none() {
        return next.run(req).await;
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The scrape endpoint, for the operators' address.
pub fn router(handle: PrometheusHandle, state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state((handle, state))
}

/// Reads what is a state rather than an event (the index, the pool) at
/// the moment of the scrape, then renders everything.
async fn scrape(State((handle, state)): State<(PrometheusHandle, AppState)>) -> Response {
    gauge("map_index_points", state.clusters.len());
    let applied = state.follower.applied();
    metrics::gauge!("map_index_applied_change").set(applied as f64);
    match state.follower.lag().await {
        Ok(lag) => metrics::gauge!("map_index_lag_changes").set(lag as f64),
        Err(e) => tracing::warn!(error = %e, "metrics: the change log cannot be read"),
    }
    let pool = state.store.pool_use();
    gauge_labelled("db_pool_connections", "idle", pool.idle);
    gauge_labelled("db_pool_connections", "in_use", pool.in_use);
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn gauge(name: &'static str, value: usize) {
    metrics::gauge!(name).set(value as f64);
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn gauge_labelled(name: &'static str, state: &'static str, value: usize) {
    metrics::gauge!(name, "state" => state).set(value as f64);
}
