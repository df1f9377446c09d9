//! A small HTTP load generator: a bounded number of GET requests to one URL
//! over a fixed number of concurrent keep-alive connections on loopback,
//! every latency recorded.
//!
//! It asks for gzip and never decodes it on the fly (reqwest is built
//! without its `gzip` feature), so the body it reads is what goes over the
//! wire; [`gunzip`] decodes one body afterwards for the checks.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};

/// What one scenario measured.
#[derive(Debug, Clone)]
pub struct Stats {
    pub concurrency: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub requests_per_s: f64,
    /// Body bytes as sent (compressed when `encoding` says so), median.
    pub body_bytes: usize,
    /// The `Content-Encoding` of the answers (`identity` when none).
    pub encoding: String,
    /// The last body, as sent.
    pub sample: Vec<u8>,
    /// How many were answered `503` (the server shedding load, or its
    /// database pool busy past its timeout): counted, with their latency,
    /// not an error, so an overloaded scenario is reported as such.
    pub shed: usize,
}

/// A client for loopback: HTTP/1.1 only (the workspace builds reqwest
/// without HTTP/2 and TLS), no proxy, enough idle connections to keep
/// every worker's connection alive.
pub fn client(concurrency: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .build()
        .context("building the HTTP client")
}

/// One GET with `Accept-Encoding: gzip`: the status, encoding and body as
/// sent.
async fn get(client: &reqwest::Client, url: &str) -> Result<(u16, String, Vec<u8>)> {
    let resp = client
        .get(url)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = resp.status().as_u16();
    let encoding = resp
        .headers()
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_owned();
    let body = resp.bytes().await.with_context(|| format!("GET {url}"))?;
    Ok((status, encoding, body.to_vec()))
}

/// Sends `total` requests to `url` from `concurrency` workers (each keeps
/// one connection), after `concurrency` unrecorded warm-up requests that
/// open the connections. Any answer other than 200 is an error.
pub async fn run(
    client: &reqwest::Client,
    url: &str,
    total: usize,
    concurrency: usize,
) -> Result<Stats> {
    run_on(client, &[url.to_owned()], total, concurrency).await
}

/// [`run`] against several servers answering the same path: request `k`
/// goes to `urls[k % urls.len()]`, as a round-robin balancer would send it.
pub async fn run_on(
    client: &reqwest::Client,
    urls: &[String],
    total: usize,
    concurrency: usize,
) -> Result<Stats> {
    let concurrency = concurrency.clamp(1, total.max(1));
    // warm-up: open the connections, fill the server's caches
    let _ = drive(client, urls, concurrency.max(urls.len()), concurrency).await?;
    let started = Instant::now();
    let results = drive(client, urls, total, concurrency).await?;
    let wall = started.elapsed().as_secs_f64();

    let mut latencies: Vec<f64> = results.iter().map(|r| r.0).collect();
    latencies.sort_by(f64::total_cmp);
    let mut sizes: Vec<usize> = results.iter().map(|r| r.1).collect();
    sizes.sort_unstable();
    let shed = results.iter().filter(|r| r.4 == 503).count();
    let (encoding, sample) = results
        .iter()
        .rev()
        .find(|r| r.4 == 200 && !r.3.is_empty())
        .map(|r| (r.2.clone(), r.3.clone()))
        .context("no request was answered 200")?;
    Ok(Stats {
        concurrency,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        requests_per_s: latencies.len() as f64 / wall.max(1e-9),
        body_bytes: sizes.get(sizes.len() / 2).copied().unwrap_or(0),
        encoding,
        sample,
        shed,
    })
}

/// (latency ms, body bytes, encoding, body, status) of each request; only
/// the last one's body is kept.
type Outcome = (f64, usize, String, Vec<u8>, u16);

async fn drive(
    client: &reqwest::Client,
    urls: &[String],
    total: usize,
    concurrency: usize,
) -> Result<Vec<Outcome>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, urls, next) = (client.clone(), urls.to_vec(), Arc::clone(&next));
        workers.spawn(async move {
            let mut out: Vec<Outcome> = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total {
                    break;
                }
                let url = &urls[k % urls.len()];
                let t = Instant::now();
                let (status, encoding, body) = get(&client, url).await?;
                let ms = t.elapsed().as_secs_f64() * 1e3;
                if status != 200 && status != 503 {
                    bail!(
                        "GET {url} answered {status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    );
                }
                let len = body.len();
                // keep one body per worker (its last 200), not thousands
                let body = if status == 200 {
                    if let Some(kept) = out.iter_mut().rev().find(|o| !o.3.is_empty()) {
                        kept.3 = Vec::new();
                    }
                    body
                } else {
                    Vec::new()
                };
                out.push((ms, len, encoding, body, status));
            }
            Ok(out)
        });
    }
    let mut all = Vec::with_capacity(total);
    while let Some(done) = workers.join_next().await {
        all.extend(done.context("a load worker panicked")??);
    }
    // the one body kept last is a real one
    if let Some(pos) = all.iter().rposition(|o| !o.3.is_empty() && o.4 == 200) {
        let kept = all.remove(pos);
        all.push(kept);
    }
    Ok(all)
}

/// The nearest-rank percentile of sorted values.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "p is in [0, 1], so the rank is in 0..=len (and `as` saturates)"
)]
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The body as the server meant it: gunzipped when it was sent gzipped.
pub fn gunzip(stats: &Stats) -> Result<Vec<u8>> {
    match stats.encoding.as_str() {
        "gzip" => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(stats.sample.as_slice())
                .read_to_end(&mut out)
                .context("the gzipped body does not decode")?;
            Ok(out)
        }
        "identity" => Ok(stats.sample.clone()),
        other => bail!("unexpected Content-Encoding {other}"),
    }
}

/// A one-off GET (health checks, counts): status and decoded body.
pub async fn fetch(client: &reqwest::Client, url: &str) -> Result<(u16, Vec<u8>)> {
    let (status, encoding, body) = get(client, url).await?;
    let stats = Stats {
        concurrency: 1,
        p50_ms: 0.0,
        p99_ms: 0.0,
        max_ms: 0.0,
        requests_per_s: 0.0,
        body_bytes: body.len(),
        encoding,
        sample: body,
        shed: 0,
    };
    Ok((status, gunzip(&stats)?))
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert!(percentile(&[], 0.5).is_nan());
    }
}
