//! Security headers on every kind of response, and a Content-Security-Policy
//! that matches the built client, the tile server and the framing setting.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use solidarity_map_server::http::security::SecurityConfig;

use crate::support::{self, TestApp, csp, get, send};

const LOADER: &str = "\nimport init from '/app.js';\nawait init();\n";

fn index_html(script: &str) -> String {
    format!(
        "<!doctype html><html><head><title>map</title>\
         <script src=\"/leaflet/leaflet.js\"></script>\
         <script type=\"module\">{script}</script></head><body></body></html>"
    )
}

async fn env(tile_url: &str, security: SecurityConfig) -> TestApp {
    support::setup()
        .demo()
        .site(support::tiles_from(tile_url))
        .file("index.html", index_html(LOADER))
        .file("app.js", "export default function () {}")
        .security(security)
        .start()
        .await
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).map(|v| v.to_str().unwrap())
}

fn sha256_source(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

fn assert_headers(what: &str, h: &HeaderMap) {
    let policy = csp(h);
    for (directive, want) in [
        ("default-src", "'self'"),
        ("connect-src", "'self'"),
        ("style-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("form-action", "'self'"),
        ("frame-ancestors", "'none'"),
    ] {
        assert_eq!(
            policy.get(directive).map(|s| s.join(" ")).as_deref(),
            Some(want),
            "{what}: {directive}"
        );
    }
    let scripts = &policy["script-src"];
    assert!(
        scripts.contains(&"'self'".to_owned())
            && scripts.contains(&"'wasm-unsafe-eval'".to_owned()),
        "{what}: {scripts:?}"
    );
    for source in policy.values().flatten() {
        assert!(
            !matches!(
                source.as_str(),
                "'unsafe-inline'" | "'unsafe-eval'" | "*" | "http:" | "https:"
            ),
            "{what}: {source} in the policy"
        );
    }
    assert_eq!(
        header(h, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    // which one is tested below
    assert!(
        matches!(
            header(h, "referrer-policy"),
            Some("strict-origin-when-cross-origin" | "no-referrer")
        ),
        "{what}"
    );
    assert_eq!(header(h, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        header(h, "cross-origin-opener-policy"),
        Some("same-origin"),
        "{what}"
    );
    let permissions = header(h, "permissions-policy").unwrap_or_default();
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"] {
        assert!(
            permissions.contains(&format!("{feature}=()")),
            "{what}: {permissions}"
        );
    }
    assert_eq!(header(h, "strict-transport-security"), None, "{what}");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let env = env(
        "https://tile.example.org/{z}/{x}/{y}.png",
        SecurityConfig::default(),
    )
    .await;
    let app = &env.app;
    for (what, uri, want) in [
        ("GeoJSON", "/api/organizations", StatusCode::OK),
        ("clusters", "/api/clusters?zoom=3", StatusCode::OK),
        ("JSON", "/api/categories", StatusCode::OK),
        ("health", "/healthz", StatusCode::OK),
        ("static file", "/app.js", StatusCode::OK),
        ("index.html", "/", StatusCode::OK),
        ("client route", "/edit/abc", StatusCode::OK),
        ("missing file", "/missing.js", StatusCode::NOT_FOUND),
        ("unknown API path", "/api/nothing", StatusCode::NOT_FOUND),
        (
            "unknown organisation",
            "/api/organizations/00000000-0000-4000-8000-000000000000",
            StatusCode::NOT_FOUND,
        ),
        (
            "bad parameter",
            "/api/organizations?bbox=1,2",
            StatusCode::BAD_REQUEST,
        ),
        (
            "not signed in",
            "/api/admin/submissions",
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let r = get(app, uri).await;
        assert_eq!(r.status, want, "{what}");
        assert_headers(what, &r.headers);
    }
    let too_large = Request::post("/api/submissions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(vec![b' '; 70 * 1024]))
        .unwrap();
    let r = send(app, too_large).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "too large");
    assert_headers("too large", &r.headers);

    // a revalidated response (304) too
    let etag = get(app, "/api/categories")
        .await
        .header("etag")
        .expect("an ETag")
        .to_owned();
    let again = [("if-none-match", etag.as_str())];
    let r = support::call(app, "GET", "/api/categories", None, &again).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert_headers("not modified", &r.headers);
}

#[tokio::test]
async fn the_policy_allows_exactly_the_inline_scripts_of_index_html() {
    let env = env("", SecurityConfig::default()).await;
    let h = get(&env.app, "/").await.headers;
    let scripts = &csp(&h)["script-src"];
    assert_eq!(
        scripts,
        &vec![
            "'self'".to_owned(),
            "'wasm-unsafe-eval'".to_owned(),
            sha256_source(LOADER)
        ]
    );

    // a rebuilt client gets a policy for its new loader, without a restart
    let rebuilt = "\nimport init from '/app-2.js';\nawait init();\n";
    std::fs::write(env.dist.path().join("index.html"), index_html(rebuilt)).unwrap();
    let h = get(&env.app, "/join").await.headers;
    assert_eq!(csp(&h)["script-src"][2], sha256_source(rebuilt));
    // and other responses follow
    let h = get(&env.app, "/api/config").await.headers;
    assert_eq!(csp(&h)["script-src"][2], sha256_source(rebuilt));
}

/// The client's two programs, each with its own page and loader: a path
/// gets the page of the program that draws it, and one policy allows both
/// loaders (each hash once).
#[tokio::test]
async fn each_program_has_its_page_and_both_loaders_are_allowed() {
    let pages_loader = "\nimport init from '/pages/pages.js';\nawait init();\n";
    let env = support::setup()
        .file("index.html", index_html(LOADER))
        .file("pages/index.html", index_html(pages_loader))
        .start()
        .await;
    for (path, loader) in [
        ("/", LOADER),
        ("/jerusalem", LOADER),
        ("/embed", LOADER),
        ("/join", pages_loader),
        ("/admin", pages_loader),
        ("/edit/some-secret", pages_loader),
        ("/stats/", pages_loader),
    ] {
        let r = get(&env.app, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            body.contains(loader),
            "{path} is not drawn by its program: {body}"
        );
        assert_eq!(
            csp(&r.headers)["script-src"][2..],
            [sha256_source(LOADER), sha256_source(pages_loader)],
            "{path}"
        );
    }
    // a client built before the pages had a program of their own
    std::fs::remove_file(env.dist.path().join("pages/index.html")).unwrap();
    let r = get(&env.app, "/join").await;
    assert!(String::from_utf8_lossy(&r.body).contains(LOADER));
}

/// The real client, when it is built: every inline script of Trunk's
/// pages (the map's and the other pages') is allowed by its hash, and
/// nothing else inline.
#[tokio::test]
async fn the_policy_matches_the_built_client() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist");
    let (Ok(map), Ok(pages)) = (
        std::fs::read_to_string(dist.join("index.html")),
        std::fs::read_to_string(dist.join("pages/index.html")),
    ) else {
        solidarity_map_testkit::skip(&format!(
            "the web client is not built in {} (cargo xtask build)",
            dist.display()
        ));
        return;
    };
    let env = env("", SecurityConfig::default()).await;
    std::fs::write(env.dist.path().join("index.html"), &map).unwrap();
    std::fs::create_dir_all(env.dist.path().join("pages")).unwrap();
    std::fs::write(env.dist.path().join("pages/index.html"), &pages).unwrap();
    let h = get(&env.app, "/").await.headers;
    let scripts = &csp(&h)["script-src"];
    let both = format!("{map}{pages}");
    let mut inline: Vec<&str> = both
        .split("<script")
        .skip(1)
        .filter_map(|s| s.split_once('>'))
        .filter(|(attrs, _)| !attrs.contains("src="))
        .filter_map(|(_, rest)| rest.split_once("</script>").map(|(body, _)| body))
        .collect();
    assert!(
        inline.len() >= 2,
        "each program's loader is an inline script"
    );
    let mut seen = std::collections::HashSet::new();
    inline.retain(|s| seen.insert(*s));
    let mut want = vec!["'self'".to_owned(), "'wasm-unsafe-eval'".to_owned()];
    want.extend(inline.iter().map(|s| sha256_source(s)));
    assert_eq!(scripts, &want);
}

#[tokio::test]
async fn images_may_come_from_the_tile_server_only() {
    for (tile_url, want) in [
        (
            "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
            "'self' data: https://*.tile.openstreetmap.org",
        ),
        (
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "'self' data: https://tile.openstreetmap.org",
        ),
        (
            "http://tiles.internal:8081/osm/{z}/{x}/{y}.png",
            "'self' data: http://tiles.internal:8081",
        ),
        ("/tiles/{z}/{x}/{y}.png", "'self' data:"),
        ("", "'self' data:"),
    ] {
        let env = env(tile_url, SecurityConfig::default()).await;
        let h = get(&env.app, "/").await.headers;
        assert_eq!(csp(&h)["img-src"].join(" "), want, "{tile_url}");
    }
}

#[tokio::test]
async fn only_the_embed_may_be_framed_by_the_configured_sites() {
    let security = SecurityConfig::new("'self', https://partner.example", true).unwrap();
    let env = env("", security).await;
    for uri in ["/embed", "/embed?category=media&lang=ar", "/embed/"] {
        let h = get(&env.app, uri).await.headers;
        assert_eq!(
            csp(&h)["frame-ancestors"],
            vec!["'self'".to_owned(), "https://partner.example".to_owned()],
            "{uri}"
        );
        assert_eq!(header(&h, "x-frame-options"), None, "{uri}");
        assert_eq!(
            header(&h, "strict-transport-security"),
            Some("max-age=31536000"),
            "{uri}"
        );
    }
    // every other page, the share page included, and every other response
    for uri in [
        "/",
        "/embed/new",
        "/stats",
        "/join",
        "/admin",
        "/org/00000000-0000-4000-8000-000000000000",
        "/api/organizations",
        "/missing.js",
    ] {
        let h = get(&env.app, uri).await.headers;
        assert_eq!(csp(&h)["frame-ancestors"], vec!["'none'"], "{uri}");
        assert_eq!(header(&h, "x-frame-options"), Some("DENY"), "{uri}");
        assert_eq!(
            header(&h, "strict-transport-security"),
            Some("max-age=31536000"),
            "{uri}"
        );
    }
    // what could break out of the directive is refused at start-up
    for bad in [
        "https://partner.example; script-src *",
        "'unsafe-inline'",
        "'none' https://partner.example",
    ] {
        assert!(SecurityConfig::new(bad, false).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn with_no_embed_origins_nothing_may_be_framed() {
    let env = env("", SecurityConfig::new("'none'", false).unwrap()).await;
    for uri in ["/embed", "/embed/new", "/"] {
        let h = get(&env.app, uri).await.headers;
        assert_eq!(csp(&h)["frame-ancestors"], vec!["'none'"], "{uri}");
        assert_eq!(header(&h, "x-frame-options"), Some("DENY"), "{uri}");
    }
}

/// The command line's default lets the site frame its own embed (the
/// share page's preview) and nobody else.
#[test]
fn the_default_embed_origins_are_the_site_itself() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: solidarity_map_server::config::ServeArgs,
    }
    // (EMBED_ORIGINS, when set in the environment, would win: it is not)
    let parsed = Cli::try_parse_from(["solidarity-map"]).unwrap();
    assert_eq!(
        parsed.serve.security().unwrap().embed_origins,
        vec!["'self'".to_owned()]
    );
    let old =
        Cli::try_parse_from(["solidarity-map", "--frame-ancestors", "https://a.example"]).unwrap();
    assert_eq!(
        old.serve.security().unwrap().embed_origins,
        vec!["https://a.example".to_owned()]
    );
}

#[tokio::test]
async fn edit_links_are_never_sent_as_a_referrer() {
    let env = env("", SecurityConfig::default()).await;
    let app = &env.app;
    let token = "ab".repeat(32);
    let edit_page = format!("/edit/{token}");
    let edit_api = format!("/api/edit/{token}");
    let cases = [
        // the secret is in the path: nothing is sent, not even to the site
        (Request::get(edit_page.as_str()), "no-referrer"),
        (Request::get(edit_api.as_str()), "no-referrer"),
        (Request::put(edit_api.as_str()), "no-referrer"),
        (Request::delete(edit_api.as_str()), "no-referrer"),
        // elsewhere the origin only, across sites
        (Request::get("/"), "strict-origin-when-cross-origin"),
        (Request::get("/join"), "strict-origin-when-cross-origin"),
        (
            Request::get("/editorial"),
            "strict-origin-when-cross-origin",
        ),
        (
            Request::get("/api/organizations"),
            "strict-origin-when-cross-origin",
        ),
    ];
    for (req, want) in cases {
        let req = req.body(Body::empty()).unwrap();
        let what = format!("{} {}", req.method(), req.uri());
        let h = send(app, req).await.headers;
        assert_eq!(header(&h, "referrer-policy"), Some(want), "{what}");
    }
}

#[tokio::test]
async fn the_session_cookie_is_secure_unless_on_loopback_or_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("cookies.db").display());
    support::add_moderator(&url, support::MODERATOR, support::PASSWORD);
    for (host, env, secure) in [
        ("127.0.0.1", vec![], false),
        ("0.0.0.0", vec![], true),
        ("0.0.0.0", vec![("INSECURE_COOKIES", "true")], false),
        ("127.0.0.1", vec![("BEHIND_HTTPS", "true")], true),
    ] {
        let what = format!("on {host} with {env:?}");
        let server = support::Served::start(&url, host, &env).await;
        let res = reqwest::Client::new()
            .post(format!("{}/api/admin/login", server.base))
            .json(&support::credentials(support::PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{what}");
        let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with("sm_session="), "{what}: {cookie}");
        assert_eq!(
            cookie
                .split(';')
                .any(|a| a.trim().eq_ignore_ascii_case("secure")),
            secure,
            "{what}: {cookie}"
        );
    }
}
