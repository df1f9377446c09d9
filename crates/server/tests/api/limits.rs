//! Limits under load, over real loopback connections: beyond the limit on
//! requests in flight a request is shed at once with 503 (it does not
//! queue), a flood of submissions gets 429s while the map keeps
//! answering, the rate limits count each visitor behind a trusted proxy
//! apart (and believe no forwarding header from anyone else), and sign-in
//! is limited per user name as well as per address.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use solidarity_map_server::http::client_ip::TrustedProxies;
use tokio::io::AsyncWriteExt;

struct Env {
    base: String,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _app: support::TestApp,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The app on a free loopback port, handling at most `max_concurrent`
/// requests at once.
async fn serve(max_concurrent: usize) -> Env {
    serve_behind(max_concurrent, "").await
}

/// [`serve`] behind the `trusted` proxies (`--trusted-proxies`).
async fn serve_behind(max_concurrent: usize, trusted: &str) -> Env {
    let proxies = TrustedProxies::new(trusted, Default::default()).unwrap();
    let app = support::setup()
        .demo()
        .moderator()
        .on_sockets()
        .start_with(|state| {
            state.max_concurrent = max_concurrent;
            state.trusted_proxies = proxies;
        })
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(solidarity_map_server::http::serve(
        listener,
        app.app.clone(),
    ));
    Env {
        base,
        server,
        _app: app,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A request that takes a slot and keeps it: the headers announce a body
/// that never comes, so the handler waits for it.
async fn stalled_request(base: &str) -> tokio::net::TcpStream {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "POST /api/submissions HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    s
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "p is in [0, 1], so the rank is in 0..=len (and `as` saturates)"
)]
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

#[tokio::test]
async fn beyond_the_concurrency_limit_requests_are_shed_at_once_with_503() {
    let env = serve(2).await;
    let http = client();
    let map = format!("{}/api/organizations", env.base);
    assert_eq!(http.get(&map).send().await.unwrap().status(), 200);

    // both slots taken by requests whose bodies never arrive
    let a = stalled_request(&env.base).await;
    let b = stalled_request(&env.base).await;
    // they are in flight once the next request is refused
    let deadline = Instant::now() + Duration::from_secs(10);
    let res = loop {
        let res = http.get(&map).send().await.unwrap();
        if res.status() == 503 || Instant::now() > deadline {
            break res;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    // the security headers are still there
    assert!(res.headers().contains_key("content-security-policy"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "overloaded", "{body}");

    // shed, not queued: each answer comes long before a slot would free up
    // (the stalled requests hold theirs until the connections close)
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let res = http.get(&map).send().await.unwrap();
        slowest = slowest.max(t.elapsed());
        assert_eq!(res.status(), 503);
    }
    println!("shed answers: slowest of 20 took {slowest:?}");
    // generous, so that a slow machine does not fail: a queued request
    // would wait for the 30 s timeout instead
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");

    // the slots come back when the stalled requests end
    drop((a, b));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = http.get(&map).send().await.unwrap().status();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_flood_of_submissions_gets_429s_while_map_requests_keep_succeeding() {
    const SENDERS: usize = 8;
    const PER_SENDER: usize = 50;
    let env = serve(512).await;
    let http = client();

    let flooding = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reader = {
        let http = http.clone();
        let base = env.base.clone();
        let flooding = flooding.clone();
        tokio::spawn(async move {
            let paths = [
                "/api/organizations",
                "/api/clusters?zoom=3",
                "/api/categories",
            ];
            let mut times = Vec::new();
            let mut failures = Vec::new();
            let mut i = 0;
            while flooding.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                let res = http
                    .get(format!("{base}{}", paths[i % paths.len()]))
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                res.bytes().await.unwrap();
                times.push(t.elapsed());
                if status != 200 {
                    failures.push(status);
                }
                i += 1;
            }
            (times, failures)
        })
    };

    let started = Instant::now();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let http = http.clone();
            let url = format!("{}/api/submissions", env.base);
            tokio::spawn(async move {
                let mut out = Vec::new();
                for i in 0..PER_SENDER {
                    let t = Instant::now();
                    let res = http
                        .post(&url)
                        .json(&support::confirmed_submission(&format!("Flood {s}-{i}")))
                        .send()
                        .await
                        .unwrap();
                    out.push((res.status().as_u16(), t.elapsed()));
                }
                out
            })
        })
        .collect();
    let mut results = Vec::new();
    for s in senders {
        results.extend(s.await.unwrap());
    }
    let flood_took = started.elapsed();
    flooding.store(false, std::sync::atomic::Ordering::Relaxed);
    let (mut map_times, failures) = reader.await.unwrap();

    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let mut limited: Vec<Duration> = results
        .iter()
        .filter(|(s, _)| *s == 429)
        .map(|(_, t)| *t)
        .collect();
    map_times.sort();
    limited.sort();
    println!(
        "flood: {} submissions from one address in {flood_took:?}: {created} created, {} got 429 \
         (p99 {:?}); map requests during the flood: {} (p50 {:?}, p99 {:?}, max {:?})",
        results.len(),
        limited.len(),
        percentile(&limited, 0.99),
        map_times.len(),
        percentile(&map_times, 0.50),
        percentile(&map_times, 0.99),
        map_times.last().copied().unwrap_or_default(),
    );
    // the address's burst is accepted, everything after it refused
    assert_eq!(created, 5, "{results:?}");
    assert_eq!(limited.len(), SENDERS * PER_SENDER - 5);
    assert!(!map_times.is_empty());
    assert!(failures.is_empty(), "map requests failed: {failures:?}");
}

/// Joining as the visitor `headers` describe: the status of an empty
/// submission (400 while the limit allows it, then 429).
async fn join_status(env: &Env, headers: &[(&str, &str)]) -> u16 {
    let mut req = client()
        .post(format!("{}/api/submissions", env.base))
        .json(&json!({}));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap().status().as_u16()
}

/// The statuses of `n` empty submissions from the visitor `headers`
/// describe.
async fn join_statuses(env: &Env, n: usize, headers: &[(&str, &str)]) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(join_status(env, headers).await);
    }
    out
}

const XFF: &str = "x-forwarded-for";

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let env = serve_behind(512, "127.0.0.1, 10.0.0.0/8").await;
    // a visitor uses the burst of joining (5), then is refused
    let a = [(XFF, "203.0.113.5")];
    assert_eq!(join_statuses(&env, 5, &a).await, [400; 5]);
    assert_eq!(join_status(&env, &a).await, 429);
    // another visitor behind the same proxy is not
    assert_eq!(join_status(&env, &[(XFF, "203.0.113.6")]).await, 400);
    // the refused visitor cannot escape by writing another address in
    // front of the one the proxy appended, in one header line or another,
    // nor by naming a client in the other header
    for spoofed in [
        vec![(XFF, "198.51.100.1, 203.0.113.5")],
        vec![(XFF, "198.51.100.1"), (XFF, "203.0.113.5")],
        vec![(XFF, "garbage, 203.0.113.5")],
        vec![("forwarded", "for=198.51.100.2"), (XFF, "203.0.113.5")],
        // through a second trusted proxy
        vec![(XFF, "198.51.100.3, 203.0.113.5, 10.1.2.3")],
    ] {
        assert_eq!(join_status(&env, &spoofed).await, 429, "{spoofed:?}");
    }
    // and a client of the second proxy is counted as itself
    assert_eq!(
        join_status(&env, &[(XFF, "203.0.113.7, 10.1.2.3")]).await,
        400
    );
}

#[tokio::test]
async fn without_trusted_proxies_forwarding_headers_are_ignored() {
    let env = serve(512).await;
    // every request claims another client; all are the peer's
    let mut statuses = Vec::new();
    for i in 0..6 {
        let claimed = format!("203.0.113.{i}");
        let forwarded = format!("for={claimed}");
        statuses.push(join_status(&env, &[(XFF, &claimed), ("forwarded", &forwarded)]).await);
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429]);
}

#[tokio::test]
async fn ipv6_clients_are_counted_by_their_64() {
    let env = serve_behind(512, "127.0.0.1").await;
    let first = [(XFF, "2001:db8:1:2::1")];
    assert_eq!(join_statuses(&env, 5, &first).await, [400; 5]);
    // another address of the same /64 shares the bucket
    assert_eq!(
        join_status(&env, &[(XFF, "2001:db8:1:2:ffff:eeee:dddd:cccc")]).await,
        429
    );
    // the next /64 is another visitor
    assert_eq!(join_status(&env, &[(XFF, "2001:db8:1:3::1")]).await, 400);
}

/// A sign-in attempt from `address` (behind the trusted proxy): its status
/// and body.
async fn sign_in(env: &Env, address: &str, username: &str) -> (u16, Value) {
    let res = client()
        .post(format!("{}/api/admin/login", env.base))
        .header(XFF, address)
        .json(&json!({"username": username, "password": "not the password"}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn sign_in_is_limited_per_user_name_across_addresses() {
    // 10 attempts per user name; each from a new address, so that the
    // per-address limit (5) is never what refuses them
    const PER_NAME: usize = 10;
    let env = serve_behind(512, "127.0.0.1").await;
    let mut refused = Vec::new();
    // a moderator's name and a name nobody has: the same answers
    for (n, username) in ["mod", "nobody"].into_iter().enumerate() {
        for i in 0..PER_NAME {
            let (status, body) = sign_in(&env, &format!("198.51.{n}.{i}"), username).await;
            assert_eq!(status, 401, "{username} attempt {i}: {body}");
        }
        let (status, body) = sign_in(&env, &format!("198.51.{n}.200"), username).await;
        assert_eq!(status, 429, "{username}: {body}");
        assert_eq!(body["error"], "rate_limited");
        refused.push(body);
    }
    assert_eq!(refused[0], refused[1], "the answer tells which names exist");
    // the name as typed differently is the same name
    assert_eq!(sign_in(&env, "198.51.9.1", " MOD ").await.0, 429);
    // another name, from an address that just tried, is not limited
    assert_eq!(sign_in(&env, "198.51.0.1", "someone").await.0, 401);
    // and the per-address limit is as the other refusals
    let (_, per_address) = {
        for _ in 0..5 {
            sign_in(&env, "203.0.113.99", "someone else").await;
        }
        sign_in(&env, "203.0.113.99", "a third").await
    };
    assert_eq!(per_address, refused[0]);
}

#[tokio::test]
async fn a_hanging_request_holds_up_shutdown_until_the_deadline_only() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("shutdown.db").display());
    let env = [("SHUTDOWN_TIMEOUT", "2"), ("MAX_CONCURRENT", "1")];
    let mut server = support::Served::start(&url, "127.0.0.1", &env).await;
    // a request whose body never comes; it is in flight once the one slot
    // is taken (it would end only at the 30 s request timeout). If it
    // arrives while a check below holds the slot it is shed itself: then
    // it is sent again.
    let mut stalled = stalled_request(&server.base).await;
    let http = client();
    let in_flight = Instant::now() + Duration::from_secs(10);
    while http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap()
        .status()
        != 503
    {
        assert!(
            Instant::now() < in_flight,
            "the request never took the slot"
        );
        let mut answer = [0u8; 64];
        if !matches!(stalled.try_read(&mut answer), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        {
            stalled = stalled_request(&server.base).await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(15),
            "still running 15 s after SIGTERM, held up by a hanging request"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    // it did wait for the request in flight, up to the deadline
    assert!(
        sent.elapsed() >= Duration::from_secs(2),
        "{:?}",
        sent.elapsed()
    );
}
