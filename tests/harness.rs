//! The end-to-end harness: the real `solidarity-map` binary on a free port
//! with a fresh SQLite database, the built web client, and headless
//! Chromium driven through chromedriver.
//!
//! Outside CI a missing piece (Chromium, the built client) skips a test
//! with a line `cargo test` shows; with `CI=true` it fails the test (see
//! `solidarity_map_testkit::skip`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
pub use solidarity_map_testkit::{postgres_admin_url, require, with_database};

/// How long to wait for the page: generous, because CI machines are shared
/// and slow; a passing wait returns as soon as its condition holds.
const WAIT: Duration = Duration::from_secs(45);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The file at `path` under the workspace, which `cargo xtask run` and
/// `test` install, as an argument; `None` (a skip; a failure in CI) when
/// it is not there.
fn installed(path: &str, what: &str) -> Option<String> {
    let file = workspace_root().join(path);
    let there = require(
        file.is_file(),
        &format!(
            "{what} is not installed at {} (cargo xtask run or test)",
            file.display()
        ),
    );
    there.then(|| file.to_string_lossy().into_owned())
}

fn dist_dir() -> PathBuf {
    std::env::var_os("DIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"))
}

/// The server binary, built if it is not there yet.
fn server_bin() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("SOLIDARITY_MAP_BIN") {
        return Ok(PathBuf::from(p));
    }
    let root = workspace_root();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--package", "solidarity-map-server"])
        .current_dir(&root)
        .status()
        .context("cargo build")?;
    if !status.success() {
        bail!("building the server failed");
    }
    Ok(root.join("target/debug/solidarity-map"))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until `{base}/healthz` answers 200; each try is bounded, so that
/// a server that hangs fails the wait instead of stalling it.
async fn healthy_within(base: &str, within: Duration) -> Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let deadline = Instant::now() + within;
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the server did not become healthy within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running server with its own database, stopped on drop.
pub struct Server {
    // behind a lock so that a test can stop it while it shares it
    child: Mutex<Child>,
    pub base: String,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server with the demo data, after importing `extra` (a
    /// GeoJSON FeatureCollection of organisations) as published entries.
    pub async fn start(extra: Option<&Value>) -> Result<Option<Server>> {
        Self::start_with(extra, &[]).await
    }

    /// [`Server::start`] with more `serve` flags (`--embed-origins …`).
    pub async fn start_with(extra: Option<&Value>, flags: &[&str]) -> Result<Option<Server>> {
        // outlines only: the tests of the map itself do not wait for tiles
        Self::start_serving(extra, &[&["--tile-url", ""], flags].concat()).await
    }

    /// The server with the demo data and its default tile settings: the
    /// bundled basemap (`state/basemap.mbtiles` of the workspace, which
    /// `cargo xtask test` installs), served by the server itself. `None`
    /// (skipped; a failure in CI) when the basemap is not installed.
    pub async fn start_with_basemap() -> Result<Option<Server>> {
        let Some(basemap) = installed("state/basemap.mbtiles", "the basemap") else {
            return Ok(None);
        };
        Self::start_with_basemap_file(Path::new(&basemap)).await
    }

    /// The server with the demo data serving the basemap `file` (MBTiles
    /// or PMTiles) with its default tile settings.
    pub async fn start_with_basemap_file(file: &Path) -> Result<Option<Server>> {
        let file = file.to_string_lossy().into_owned();
        Self::start_serving(None, &["--basemap", &file]).await
    }

    async fn start_serving(extra: Option<&Value>, flags: &[&str]) -> Result<Option<Server>> {
        let dist = dist_dir();
        if !require(
            dist.join("index.html").exists(),
            &format!(
                "the web client is not built in {} (cargo xtask build)",
                dist.display()
            ),
        ) {
            return Ok(None);
        }
        // every map has the app's own outlines where it has no tiles
        let Some(outlines) = installed("state/countries-10m.json", "the country outlines") else {
            return Ok(None);
        };
        let bin = server_bin()?;
        let dir = tempfile::tempdir()?;
        let database_url = format!("sqlite:{}", dir.path().join("e2e.db").display());
        // The demo data first, so that the imported entries come on top.
        let seeded = Command::new(&bin)
            .args(["--database-url", &database_url, "seed"])
            .stdout(Stdio::null())
            .status()?;
        if !seeded.success() {
            bail!("seed failed");
        }
        if let Some(fc) = extra {
            let file = dir.path().join("extra.geojson");
            std::fs::write(&file, fc.to_string())?;
            let status = Command::new(&bin)
                .args(["--database-url", &database_url, "import", "--publish"])
                .arg(&file)
                .stdout(Stdio::null())
                .status()?;
            if !status.success() {
                bail!("import failed");
            }
        }
        let port = free_port()?;
        let child = Command::new(&bin)
            .args(["--database-url", &database_url, "serve"])
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--dist-dir")
            .arg(&dist)
            .args(["--outlines", &outlines])
            .args(flags)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = Server {
            child: Mutex::new(child),
            base: format!("http://127.0.0.1:{port}"),
            database_url,
            _dir: dir,
        };
        healthy_within(&server.base, Duration::from_secs(30)).await?;
        Ok(Some(server))
    }

    pub async fn get_json(&self, path: &str) -> Result<Value> {
        Ok(reqwest::get(format!("{}{path}", self.base))
            .await?
            .error_for_status()?
            .json()
            .await?)
    }
}

impl Server {
    /// Creates a moderator with the real command, password on stdin.
    pub fn add_moderator(&self, username: &str, password: &str) -> Result<()> {
        add_moderator(&self.database_url, username, password)
    }

    /// Stops the server now, e.g. to see how the page copes.
    pub fn stop(&self) {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Headless Chromium through chromedriver, closed on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Script run before any of the page's own: records uncaught errors,
/// rejected promises and console errors, and any `alert` call.
const ERROR_TRAP: &str = r"
window.__errors = [];
window.addEventListener('error', e => window.__errors.push('error: ' + (e.message || e.type)));
window.addEventListener('unhandledrejection', e => window.__errors.push('rejection: ' + e.reason));
const origError = console.error;
console.error = function (...args) { window.__errors.push('console: ' + args.join(' ')); origError.apply(console, args); };
window.alert = function (m) { window.__alerts = (window.__alerts || 0) + 1; };
";

/// A chromedriver-specific command: run a Chrome DevTools Protocol method.
#[derive(Debug)]
struct Cdp {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.method, "params": self.params}).to_string()),
        )
    }
}

impl Browser {
    pub async fn start(width: u32, height: u32) -> Result<Option<Browser>> {
        if !require(
            on_path("chromium") && on_path("chromedriver"),
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        ) {
            return Ok(None);
        }
        let port = free_port()?;
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("chromedriver")?;
        let profile = tempfile::tempdir()?;
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({"args": args, "binary": "/usr/bin/chromium"}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        let client = loop {
            let mut builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            match builder.capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => bail!("chromedriver: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        let browser = Browser {
            client,
            driver,
            _profile: profile,
        };
        browser.on_every_page(ERROR_TRAP).await?;
        Ok(Some(browser))
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn eval(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Errors the page reported since it was loaded.
    pub async fn page_errors(&self) -> Result<Vec<String>> {
        Ok(serde_json::from_value(
            self.eval("return window.__errors || []").await?,
        )?)
    }

    /// How many times the page called `alert`.
    pub async fn alerts(&self) -> Result<u64> {
        Ok(self
            .eval("return window.__alerts || 0")
            .await?
            .as_u64()
            .unwrap_or(0))
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_count(&self, css: &str, n: usize) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self.client.find_all(Locator::Css(css)).await?.len();
            if found == n {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("expected {n} elements matching {css}, found {found}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for an element and returns it.
    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        Ok(self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await?)
    }

    /// Waits for an element and clicks it.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    /// Waits for an element and types into it.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.wait_for(css).await?.send_keys(text).await?;
        Ok(())
    }

    /// Waits for an element and returns its text.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// Opens `path` (with its query, if any) on `server`.
    pub async fn open(&self, server: &Server, path: &str) -> Result<()> {
        self.client.goto(&format!("{}{path}", server.base)).await?;
        Ok(())
    }

    /// Fills in the sign-in form on the page and sends it.
    pub async fn log_in(&self, username: &str, password: &str) -> Result<()> {
        self.type_into("#username", username).await?;
        self.type_into("#password", password).await?;
        self.click(".login button[type=submit]").await
    }

    /// Opens `/admin` on `server`, signs in as `username` unless the
    /// session is still open, and waits for the queue.
    pub async fn sign_in(&self, server: &Server, username: &str, password: &str) -> Result<()> {
        self.open(server, "/admin").await?;
        self.wait_until("the sign-in form or the queue", || async {
            Ok(!self
                .client
                .find_all(Locator::Css("#username, .revision"))
                .await?
                .is_empty())
        })
        .await?;
        if self.client.find(Locator::Css("#username")).await.is_ok() {
            self.log_in(username, password).await?;
        }
        self.wait_for(".revision").await?;
        Ok(())
    }

    /// Approves the first entry of the open moderation queue and waits for
    /// the page to confirm it (in English).
    pub async fn approve_first(&self) -> Result<()> {
        self.click(".revision .approve").await?;
        self.wait_status("Approved").await
    }

    /// Waits until one of the page's status lines says `word` (in
    /// English), the page's word that a save or a decision went through
    /// (said beside what was done, so a page may have several).
    pub async fn wait_status(&self, word: &str) -> Result<()> {
        self.wait_until(&format!("the status to say {word:?}"), || async {
            let said = self
                .eval(
                    "return [...document.querySelectorAll('.form-status')]
                        .map(e => e.textContent).join(' | ')",
                )
                .await?;
            Ok(said.as_str().is_some_and(|s| s.contains(word)))
        })
        .await
    }

    /// Chooses the interface language with the page's own picker.
    pub async fn choose_language(&self, lang: &str) -> Result<()> {
        self.wait_for(".lang-picker select")
            .await?
            .select_by_value(lang)
            .await?;
        Ok(())
    }

    /// How many organisations the map draws: single markers plus the counts
    /// of the clusters (drawn by the browser, or by the server at scale).
    pub async fn drawn(&self) -> Result<u64> {
        let v = self
            .client
            .execute(
                "let n = document.querySelectorAll('.leaflet-marker-pane .sm-marker').length;
                 for (const c of document.querySelectorAll('.leaflet-marker-pane .marker-cluster span:not(.visually-hidden)')) {
                     n += parseInt(c.textContent, 10);
                 }
                 for (const c of document.querySelectorAll('.leaflet-marker-pane .sm-cluster')) {
                     n += parseInt(c.dataset.count, 10);
                 }
                 return n;",
                vec![],
            )
            .await?;
        v.as_u64().context("a number")
    }

    /// Waits until `f` holds, polling.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut f: F) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let deadline = Instant::now() + WAIT;
        loop {
            if f().await? {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The page's path and query.
    pub async fn url(&self) -> Result<String> {
        let u = self.client.current_url().await?;
        Ok(match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
    }

    /// Runs axe-core (from the npm package) on the page for WCAG 2.1 A and
    /// AA, and returns the serious and critical violations as
    /// `rule: target…` lines.
    pub async fn axe_serious(&self) -> Result<Vec<String>> {
        let axe =
            std::fs::read_to_string(workspace_root().join("node_modules/axe-core/axe.min.js"))
                .context("node_modules/axe-core (npm ci)")?;
        self.client.execute(&axe, vec![]).await?;
        let v = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})
                    .then(r => done(r.violations
                        .filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                    .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    /// Saves a screenshot under target/screenshots/ for people to look at.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let dir = workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    pub async fn close(mut self) -> Result<()> {
        let client = self.client.clone();
        client.close().await?;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // a browser left behind by a failed test (its driver is gone, so
        // nothing else would stop it): found by its own profile directory
        let _ = Command::new("pkill")
            .args([
                "-KILL",
                "-f",
                "--",
                &format!("--user-data-dir={}", self._profile.path().display()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A GeoJSON FeatureCollection with one organisation, for `Server::start`.
pub fn one_org(id: &str, name: &str, description: &str, lat: f64, lon: f64) -> Value {
    json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "id": id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "name": {"en": name},
                "description": {"en": description},
                "category": "media",
                "city": "Ramallah",
                "country": "PS",
                "precision": "city",
                "tags": ["test"]
            }
        }]
    })
}

/// `n` generated organisations around a few cities, for tests at scale.
pub fn many_orgs(n: usize) -> Value {
    let cities = [
        (31.78, 35.22, "Jerusalem", "PS"),
        (51.51, -0.13, "London", "GB"),
        (40.71, -74.0, "New York", "US"),
        (-33.87, 151.21, "Sydney", "AU"),
        (-23.55, -46.63, "São Paulo", "BR"),
        (6.52, 3.38, "Lagos", "NG"),
    ];
    // every category but Jerusalem's own
    let categories = "solidarity student faith diaspora media research";
    let categories: Vec<&str> = categories.split(' ').collect();
    let features: Vec<Value> = (0..n)
        .map(|i| {
            let (lat, lon, city, country) = cities[i % cities.len()];
            // a deterministic spread of a few degrees around the city
            let dx = ((i * 7919) % 1000) as f64 / 250.0 - 2.0;
            let dy = ((i * 104_729) % 1000) as f64 / 250.0 - 2.0;
            json!({
                "type": "Feature",
                "id": format!("00000000-0000-4000-8000-{i:012}"),
                "geometry": {"type": "Point", "coordinates": [lon + dx, lat + dy]},
                "properties": {
                    "name": {"en": format!("Generated group {i}")},
                    "description": {"en": "A generated organisation for tests at scale."},
                    "category": categories[i % categories.len()],
                    "city": city,
                    "country": country,
                    "precision": "neighbourhood"
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// Script run before any of the page's own, like the error trap: records
/// every Content-Security-Policy violation the page reports.
const CSP_TRAP: &str = r"
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || '')));
";

impl Browser {
    /// Runs `source` in every page from now on, before the page's own
    /// scripts.
    pub async fn on_every_page(&self, source: &str) -> Result<()> {
        self.client
            .issue_cmd(Cdp {
                method: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({ "source": source }),
            })
            .await?;
        Ok(())
    }

    /// Slows this browser down as a phone on a congested network would be:
    /// "slow 4G" (1.6 Mbit/s down, 750 kbit/s up, 150 ms round trips) and
    /// the CPU `cpu_slowdown` times slower, through the DevTools protocol.
    pub async fn slow_phone(&self, cpu_slowdown: f64) -> Result<()> {
        self.client
            .issue_cmd(Cdp {
                method: "Network.enable",
                params: json!({}),
            })
            .await?;
        self.client
            .issue_cmd(Cdp {
                method: "Network.emulateNetworkConditions",
                params: json!({
                    "offline": false,
                    "latency": 150,
                    "downloadThroughput": 1_600_000 / 8,
                    "uploadThroughput": 750_000 / 8,
                }),
            })
            .await?;
        self.client
            .issue_cmd(Cdp {
                method: "Emulation.setCPUThrottlingRate",
                params: json!({ "rate": cpu_slowdown }),
            })
            .await?;
        Ok(())
    }

    /// From now on, records Content-Security-Policy violations; read them
    /// with [`Browser::csp_violations`].
    pub async fn watch_csp(&self) -> Result<()> {
        self.on_every_page(CSP_TRAP).await
    }

    /// The Content-Security-Policy violations the page reported since it
    /// was loaded (after [`Browser::watch_csp`]).
    pub async fn csp_violations(&self) -> Result<Vec<String>> {
        Ok(serde_json::from_value(
            self.eval("return window.__csp || []").await?,
        )?)
    }
}

/// The server binary (built if it is not there yet), for tests that start
/// it their own way.
pub fn server_binary() -> Result<PathBuf> {
    server_bin()
}

/// A free TCP port on 127.0.0.1.
pub fn free_tcp_port() -> Result<u16> {
    free_port()
}

/// Runs one SQL statement with `psql`; false when it fails (e.g. no server).
pub fn psql(url: &str, sql: &str) -> bool {
    Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs the real `solidarity-map` command against `database_url` with
/// `args`, `stdin` on its standard input: its standard output, or an error
/// with its standard error when it fails.
pub fn cli(database_url: &str, args: &[&str], stdin: &str) -> Result<String> {
    use std::io::Write;
    let mut child = Command::new(server_bin()?)
        .args(["--database-url", database_url])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "solidarity-map {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Creates a moderator on `database_url` with the real command, the
/// password on standard input.
pub fn add_moderator(database_url: &str, username: &str, password: &str) -> Result<()> {
    let args = [
        "admin",
        "add-user",
        "--username",
        username,
        "--password-stdin",
    ];
    cli(database_url, &args, &format!("{password}\n")).map(drop)
}

/// The first value `sql` selects, as `psql` prints it; `None` when it fails.
pub fn psql_value(url: &str, sql: &str) -> Option<String> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A fresh database on the test Postgres server, dropped after the test.
pub struct PgDatabase {
    admin: String,
    pub name: String,
}

impl PgDatabase {
    /// Creates `{prefix}_{pid}`; `None` when Postgres is not reachable (a
    /// skip, a failure in CI).
    pub fn create(prefix: &str) -> Option<PgDatabase> {
        let admin = postgres_admin_url();
        if !require(
            psql(&admin, "select 1"),
            &format!("Postgres is not reachable at {admin} (set TEST_DATABASE_URL or start it)"),
        ) {
            return None;
        }
        let db = PgDatabase {
            admin,
            name: format!("{prefix}_{}", std::process::id()),
        };
        let drop = format!("drop database if exists {} with (force)", db.name);
        psql(&db.admin, &drop);
        assert!(psql(&db.admin, &format!("create database {}", db.name)));
        Some(db)
    }

    /// Its URL.
    pub fn url(&self) -> String {
        with_database(&self.admin, &self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        psql(
            &self.admin,
            &format!("drop database if exists {} with (force)", self.name),
        );
    }
}

/// `solidarity-map serve` on a free port against `database_url`, without
/// demo data, web client or tiles; killed (SIGKILL) on drop.
pub struct ServeProcess {
    child: Child,
    pub base: String,
    _dist: tempfile::TempDir,
}

impl ServeProcess {
    /// Starts it with `extra` serve flags and waits until `/healthz` is 200.
    pub async fn start(database_url: &str, extra: &[&str]) -> Result<ServeProcess> {
        Self::start_at(database_url, free_port()?, extra).await
    }

    /// [`ServeProcess::start`] on `port`: e.g. the port of one that was
    /// killed, so that whoever reads it finds it there again.
    pub async fn start_at(database_url: &str, port: u16, extra: &[&str]) -> Result<ServeProcess> {
        let bin = server_bin()?;
        let dist = tempfile::tempdir()?;
        let child = Command::new(&bin)
            .args(["--database-url", database_url, "serve", "--no-demo"])
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--dist-dir")
            .arg(dist.path())
            .args(["--tile-url", ""])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start the server")?;
        let server = ServeProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dist: dist,
        };
        server.wait_healthy(Duration::from_secs(60)).await?;
        Ok(server)
    }

    /// Waits until `/healthz` answers 200.
    pub async fn wait_healthy(&self, within: Duration) -> Result<()> {
        healthy_within(&self.base, within).await
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_default()
    }

    /// The process id, e.g. to send it a signal.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills it at once (SIGKILL on Unix): no graceful shutdown.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
