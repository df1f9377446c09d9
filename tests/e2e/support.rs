//! Steps the browser tests share: starting a server and a browser, asking
//! the page and the API, and the checks every page must pass. Like the
//! tests themselves, they fail the test (panic) on an error instead of
//! returning it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use serde_json::Value;
use solidarity_map_e2e::{Browser, Server};

/// The moderator the tests sign in as, and a password long enough for the
/// server to take it.
pub const MODERATOR: &str = "moderator";
pub const PASSWORD: &str = "a very long password";

/// Keys for `send_keys`, as WebDriver names them.
pub const TAB: &str = "\u{e004}";
pub const ENTER: &str = "\u{e007}";

/// The server with the demo data and a `width`×`height` browser; `None`
/// when one of them cannot start outside CI, for the test to skip.
pub async fn start(width: u32, height: u32) -> Option<(Server, Browser)> {
    start_with(None, width, height).await
}

/// [`start`], with the organisations of `extra` (a GeoJSON
/// FeatureCollection) published on top of the demo data.
pub async fn start_with(
    extra: Option<&Value>,
    width: u32,
    height: u32,
) -> Option<(Server, Browser)> {
    let server = Server::start(extra).await.unwrap()?;
    let browser = Browser::start(width, height).await.unwrap()?;
    Some((server, browser))
}

/// [`start`], with [`MODERATOR`] able to sign in.
pub async fn start_moderated(width: u32, height: u32) -> Option<(Server, Browser)> {
    let (server, browser) = start(width, height).await?;
    server.add_moderator(MODERATOR, PASSWORD).unwrap();
    Some((server, browser))
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
pub async fn submit(server: &Server, entry: &Value) -> Value {
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
