//! The operators' metrics: the scrape parses as the Prometheus text
//! format, counts a request made to the app, a submission and a decision,
//! and reads the index and the pool; the public app does not serve it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::Router;
use axum::http::StatusCode;
use prometheus_parse::{Sample, Scrape, Value};
use solidarity_map_server::http::metrics;

use crate::support::{Session, get, setup, submission, submit};

async fn scrape(router: &Router) -> Vec<Sample> {
    let r = get(router, "/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    let lines: Vec<_> = text.lines().map(|l| Ok(l.to_owned())).collect();
    let samples = Scrape::parse(lines.into_iter()).unwrap().samples;
    // and every line that is not a comment is `name{labels} number`
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, number) = line.rsplit_once(' ').unwrap();
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "a bad name: {line}"
        );
        assert!(
            series[name_end..].is_empty() || series.ends_with('}'),
            "{line}"
        );
        assert!(number == "+Inf" || number.parse::<f64>().is_ok(), "{line}");
    }
    samples
}

/// The value of the first sample of `name` whose labels include `labels`
/// (0 when there is none yet).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map_or(0.0, |s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            // how many were timed: the count of the last (+Inf) bucket
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            other => panic!("{name} is not a number: {other:?}"),
        })
}

#[tokio::test]
async fn the_scrape_counts_what_the_app_did() {
    let handle = metrics::install().unwrap();
    let mut state = None;
    let app = setup()
        .moderator()
        .start_with(|s| state = Some(s.clone()))
        .await;
    let operators = metrics::router(handle, state.unwrap());
    let categories = [
        ("method", "GET"),
        ("route", "/api/categories"),
        ("status", "200"),
    ];

    let before = scrape(&operators).await;
    assert_eq!(
        get(&app.app, "/api/categories").await.status,
        StatusCode::OK
    );
    submit(&app.app, submission("Counted Group")).await;
    Session::sign_in(&app.app)
        .await
        .approve_next(&app.app)
        .await;
    let after = scrape(&operators).await;

    // other tests of this binary share the process's recorder: at least
    let grew = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(grew("http_requests_total", &categories) >= 1.0);
    assert!(grew("http_request_duration_seconds", &categories) >= 1.0);
    assert!(grew("submissions_total", &[]) >= 1.0);
    assert!(grew("decisions_total", &[("decision", "approved")]) >= 1.0);
    assert!(value(&after, "map_index_points", &[]) >= 0.0);
    assert!(
        after
            .iter()
            .any(|s| s.metric == "db_pool_connections" && s.labels.get("state") == Some("idle"))
    );
    assert!(after.iter().any(|s| s.metric == "map_index_lag_changes"));

    // the public port has no metrics
    let public = get(&app.app, "/metrics").await;
    assert!(!public.text().contains("http_requests_total"));
}
