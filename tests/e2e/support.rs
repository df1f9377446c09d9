//! Steps the browser tests share: starting a server and a browser, asking
//! the page and the API, and the checks every page must pass. Like the
//! tests themselves, they fail the test (panic) on an error instead of
//! returning it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use fantoccini::Locator;
use serde_json::Value;
use solidarity_map_e2e::{Browser, Server};

/// The moderator the tests sign in as, and a password long enough for the
/// server to take it.
pub const MODERATOR: &str = "moderator";
pub const PASSWORD: &str = "a very long password";

/// Keys for `send_keys`, as WebDriver names them.
pub const TAB: &str = "\u{e004}";
pub const ENTER: &str = "\u{e007}";
pub const ESCAPE: &str = "\u{e00c}";
pub const ARROW_UP: &str = "\u{e013}";
pub const ARROW_RIGHT: &str = "\u{e014}";
pub const ARROW_DOWN: &str = "\u{e015}";

/// What a browser test runs against: the server with the demo data (and
/// more, if asked) and a browser window of a given size.
pub struct Setup {
    width: u32,
    height: u32,
    extra: Option<Value>,
    moderator: bool,
    flags: Vec<&'static str>,
}

impl Setup {
    /// The demo data, in a `width`×`height` window.
    pub fn new(width: u32, height: u32) -> Setup {
        Setup {
            width,
            height,
            extra: None,
            moderator: false,
            flags: Vec::new(),
        }
    }

    /// With these `serve` flags too.
    pub fn flags(mut self, flags: &[&'static str]) -> Setup {
        self.flags.extend_from_slice(flags);
        self
    }

    /// [`Setup::new`], with the organisations of `orgs` (a GeoJSON
    /// FeatureCollection) published on top of the demo data.
    pub fn with_orgs(orgs: Value, width: u32, height: u32) -> Setup {
        Setup {
            extra: Some(orgs),
            ..Setup::new(width, height)
        }
    }

    /// [`Setup::new`], with [`MODERATOR`] able to sign in.
    pub fn moderated(width: u32, height: u32) -> Setup {
        Setup {
            moderator: true,
            ..Setup::new(width, height)
        }
    }

    /// Starts the server and the browser, runs `test` with them and closes
    /// the browser; the test is skipped when either cannot start outside
    /// CI. On a runtime of its own, the one `#[tokio::test]` would make, so
    /// that each test is a plain `#[test]` that says only what it checks.
    pub fn run(self, test: impl AsyncFnOnce(&Server, &Browser)) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let started = Server::start_with(self.extra.as_ref(), &self.flags).await;
            let Some(server) = started.unwrap() else {
                return;
            };
            if self.moderator {
                server.add_moderator(MODERATOR, PASSWORD).unwrap();
            }
            let Some(browser) = Browser::start(self.width, self.height).await.unwrap() else {
                return;
            };
            test(&server, &browser).await;
            browser.close().await.unwrap();
        });
    }
}

/// Opens `path` on the server and waits until `css` shows: the page is
/// ready for the test once what it is about is there.
pub async fn visit(browser: &Browser, server: &Server, path: &str, css: &str) {
    browser.open(server, path).await.unwrap();
    browser.wait_for(css).await.unwrap();
}

/// Signs in on `/admin` as [`MODERATOR`] and waits for the queue.
pub async fn sign_in(browser: &Browser, server: &Server) {
    browser.sign_in(server, MODERATOR, PASSWORD).await.unwrap();
}

/// What `script` returns in the page.
pub async fn js(browser: &Browser, script: &str) -> Value {
    browser.eval(script).await.unwrap()
}

/// Sends `keys` to whatever has the focus, as someone at the keyboard.
pub async fn press(browser: &Browser, keys: &str) {
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// Waits until the page's writing direction is `dir` (`rtl` once Arabic or
/// Hebrew is chosen).
pub async fn wait_dir(browser: &Browser, dir: &str) {
    browser
        .wait_until(&format!("the page to turn {dir}"), || async {
            Ok(browser.eval("return document.documentElement.dir").await? == dir)
        })
        .await
        .unwrap();
}

/// Waits until the map draws `n` organisations.
pub async fn wait_drawn(browser: &Browser, n: u64) {
    browser
        .wait_until(&format!("{n} on the map"), || async {
            Ok(browser.drawn().await? == n)
        })
        .await
        .unwrap();
}

/// How many published organisations the API matches for `query` (a query
/// string without its `?`, empty for all).
pub async fn api_count(server: &Server, query: &str) -> u64 {
    let fc = server
        .get_json(&format!("/api/organizations?{query}"))
        .await
        .unwrap();
    fc["numberMatched"].as_u64().unwrap()
}

/// Sends `entry` to the join API as a group would, expects it taken (201),
/// and returns the answer (with the group's edit token).
pub async fn submit_entry(server: &Server, entry: &Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/api/submissions", server.base))
        .json(entry)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 201, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// How many elements match `css` now, without waiting for any.
pub async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .client
        .find_all(Locator::Css(css))
        .await
        .unwrap()
        .len()
}

/// Sends the join or edit form on the page, as its submit button does.
pub async fn send_form(browser: &Browser) {
    browser
        .click(".org-form button[type=submit]")
        .await
        .unwrap();
}

/// Opens the card of the first organisation in the list and waits for
/// its title.
pub async fn open_first_card(browser: &Browser) {
    browser.click(".org-item").await.unwrap();
    browser.wait_for(".card h2").await.unwrap();
}

/// Fails the test unless the element `css` (waited for) says `words`.
pub async fn assert_says(browser: &Browser, css: &str, words: &str) {
    let text = browser.text(css).await.unwrap();
    assert!(text.contains(words), "{css} says {text:?}, not {words:?}");
}

/// Fails the test on any serious or critical WCAG 2.1 A/AA violation axe
/// finds on the page as it is now; `what` names the page in the message.
pub async fn assert_accessible(browser: &Browser, what: &str) {
    assert_eq!(
        browser.axe_serious().await.unwrap(),
        Vec::<String>::new(),
        "{what}"
    );
}

/// Fails the test if the page reported a Content-Security-Policy
/// violation (watched with `Browser::watch_csp`) or an error.
pub async fn assert_no_violation_or_error(browser: &Browser) {
    assert_eq!(
        browser.csp_violations().await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
}

/// An HTTP client for the tests' own requests to a server, with a timeout
/// so a server that stops answering fails the test instead of hanging it.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("an HTTP client")
}

/// The body of `GET url`, as text.
pub async fn get_text(url: &str) -> String {
    http()
        .get(url)
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a text body")
}
