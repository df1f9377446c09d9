//! `first-markers --base http://127.0.0.1:PORT [--loads 3] [--path /]
//! [--slow]`: the time from navigation to the first markers on the map,
//! and the bytes transferred until then, in headless Chromium, for `cargo
//! xtask bench`. `--slow` loads the page as a phone on a congested network
//! would: "slow 4G" and a CPU four times slower.
//!
//! Each load starts a fresh browser (own profile, cold cache). A
//! MutationObserver installed before any of the page's scripts notes
//! `performance.now()` (milliseconds since navigation start) when the first
//! server-drawn cluster (`.sm-cluster-marker`) or single marker
//! (`.sm-marker`) appears in Leaflet's marker pane, and the bytes the page
//! and every resource finished by then took on the wire (map tiles left
//! out: they come in their own time). Prints one JSON object
//! on standard output: the loads, their median, and the page's errors; or
//! `{"skipped": …}` when Chromium is missing outside CI.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use solidarity_map_e2e::Browser;

/// Runs before the page's own scripts, in every new document.
const OBSERVER: &str = r"
(() => {
  const SEL = '.leaflet-marker-pane .sm-cluster-marker, .leaflet-marker-pane .sm-marker';
  const check = () => {
    if (window.__smFirst !== undefined) return true;
    const el = document.querySelector(SEL);
    if (!el) return false;
    const ms = performance.now();
    const tile = (e) => /\/tiles\/|\/basemap\//.test(new URL(e.name).pathname);
    const entries = performance.getEntriesByType('navigation')
      .concat(performance.getEntriesByType('resource'))
      .filter(e => e.responseEnd > 0 && e.responseEnd <= ms && !tile(e));
    window.__smFirst = {
      ms,
      kind: el.classList.contains('sm-cluster-marker') ? 'cluster' : 'marker',
      markers: document.querySelectorAll(SEL).length,
      bytes: entries.reduce((sum, e) => sum + (e.transferSize || 0), 0),
    };
    return true;
  };
  const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
  obs.observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
})();
";

struct Args {
    base: String,
    loads: usize,
    path: String,
    slow: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        base: String::new(),
        loads: 3,
        path: "/".to_owned(),
        slow: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--slow" {
            a.slow = true;
            continue;
        }
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base" => a.base = value,
            "--loads" => a.loads = value.parse().context("--loads is a number")?,
            "--path" => a.path = value,
            _ => bail!("unknown flag {flag} (--base URL [--loads N] [--path /] [--slow])"),
        }
    }
    if a.base.is_empty() {
        bail!("--base http://127.0.0.1:PORT is required");
    }
    Ok(a)
}

/// One fresh load: the first-marker record and DOMContentLoaded, or None
/// when there is no browser.
async fn load(url: &str, slow: bool) -> Result<Option<(Value, Vec<String>)>> {
    let Some(browser) = Browser::start(1280, 800).await? else {
        return Ok(None);
    };
    browser.on_every_page(OBSERVER).await?;
    if slow {
        browser.slow_phone(4.0).await?;
    }
    browser.client.goto(url).await?;
    let deadline = Instant::now() + Duration::from_secs(if slow { 180 } else { 60 });
    let first = loop {
        let v = browser
            .client
            .execute("return window.__smFirst || null", vec![])
            .await?;
        if !v.is_null() {
            break v;
        }
        if Instant::now() > deadline {
            let errors = browser.page_errors().await.unwrap_or_default();
            bail!("no marker in time after navigating to {url} (page errors: {errors:?})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let dcl = browser
        .client
        .execute(
            "const n = performance.getEntriesByType('navigation')[0];
             return n ? n.domContentLoadedEventEnd : null;",
            vec![],
        )
        .await?;
    let errors = browser.page_errors().await?;
    browser.close().await?;
    Ok(Some((
        json!({
            "first_marker_ms": first["ms"],
            "kind": first["kind"],
            "markers": first["markers"],
            "bytes": first["bytes"],
            "dom_content_loaded_ms": dcl,
        }),
        errors,
    )))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let url = format!("{}{}", args.base.trim_end_matches('/'), args.path);
    let mut loads = Vec::new();
    let mut errors = Vec::new();
    for i in 0..args.loads.max(1) {
        let Some((one, errs)) = load(&url, args.slow).await? else {
            println!(
                "{}",
                json!({"skipped": "chromium and chromedriver are not installed"})
            );
            return Ok(());
        };
        eprintln!("load {}: {one}", i + 1);
        loads.push(one);
        errors.extend(errs);
    }
    let field = |k: &str| -> Vec<f64> { loads.iter().filter_map(|l| l[k].as_f64()).collect() };
    let out = json!({
        "url": url,
        "median_ms": median(field("first_marker_ms")),
        "median_dom_content_loaded_ms": median(field("dom_content_loaded_ms")),
        "median_bytes": median(field("bytes")),
        "slow": args.slow,
        "loads": loads,
        "errors": errors,
    });
    println!("{out}");
    Ok(())
}
