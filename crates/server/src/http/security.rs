//! Security headers on every response: a strict Content-Security-Policy,
//! `nosniff`, a referrer policy (none at all where the path holds an edit
//! link's secret), framing rules, a permissions policy and, when the site
//! is reached over HTTPS, HSTS.
//!
//! Framing: only the embed (`/embed`) may be shown in a frame, by the
//! sites the operator lists (`--embed-origins`, by default the site
//! itself, for the share page's preview). Every other page and response is
//! `frame-ancestors 'none'` with `X-Frame-Options: DENY`, so the forms
//! (joining, editing, moderation) can never be framed and clickjacked,
//! whatever the setting.
//!
//! The policy allows no inline script except the ones in the built
//! client's two pages (`index.html` and `pages/index.html`: Trunk's
//! loaders), by their SHA-256. They are hashed when the application is
//! built and again whenever a page changes on disk, so a rebuilt client is
//! served with a policy that matches it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use solidarity_map_core::ClientBundle;

/// The operator's security settings (`--embed-origins`, `--behind-https`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityConfig {
    /// Who may show the embed (`/embed`, nothing else) in a frame: CSP
    /// `frame-ancestors` sources (`'self'`, `https://partner.example`,
    /// `https://*.example.org`, `https:`). Empty: nobody (`'none'`, and
    /// `X-Frame-Options: DENY`).
    pub embed_origins: Vec<String>,
    /// The site is reached over HTTPS (directly or through a TLS proxy):
    /// send `Strict-Transport-Security`.
    pub https: bool,
}

impl SecurityConfig {
    /// Parses a `frame-ancestors` list for the embed (sources separated by
    /// spaces or commas; `'none'` or nothing for none).
    pub fn new(embed_origins: &str, https: bool) -> Result<Self, String> {
        let sources: Vec<&str> = embed_origins
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .collect();
        let mut out = Vec::new();
        for s in &sources {
            if s.eq_ignore_ascii_case("'none'") {
                if sources.len() > 1 {
                    return Err("embed origins: 'none' cannot be combined with origins".into());
                }
                continue;
            }
            if !is_frame_source(s) {
                return Err(format!(
                    "embed origins: {s:?} is not an origin such as 'self', https://example.org or https://*.example.org"
                ));
            }
            out.push((*s).to_owned());
        }
        Ok(Self {
            embed_origins: out,
            https,
        })
    }
}

/// `'self'`, a scheme (`https:`), or `[scheme://]host[:port]` with an
/// optional `*.` in front of the host. Nothing that could end the directive.
fn is_frame_source(s: &str) -> bool {
    if s.eq_ignore_ascii_case("'self'") {
        return true;
    }
    let (scheme, rest) = match s.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => match s.strip_suffix(':') {
            Some(scheme) => return is_scheme(scheme),
            None => (None, s),
        },
    };
    if scheme.is_some_and(|s| !is_scheme(s)) {
        return false;
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    if port.is_some_and(|p| p != "*" && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))) {
        return false;
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    !host.is_empty()
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn is_scheme(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// The CSP source that covers the images of a Leaflet tile URL template:
/// `https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png` gives
/// `https://*.tile.openstreetmap.org`. `None` for no tiles, tiles from this
/// site (a relative URL: `'self'` covers them) or a template it cannot
/// express safely (then the tiles are blocked, and a warning says so).
pub fn tile_source(tile_url: &str) -> Option<String> {
    let url = tile_url.trim();
    if url.is_empty() || (url.starts_with('/') && !url.starts_with("//")) {
        return None;
    }
    let (scheme, rest) = match url.split_once("//") {
        Some(("", rest)) => (None, rest),
        Some((scheme, rest)) => match scheme.strip_suffix(':') {
            Some(s) if is_scheme(s) => (Some(s), rest),
            _ => return bad_tile_url(url),
        },
        None => return bad_tile_url(url),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    // (an IPv6 literal fails the checks below)
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return bad_tile_url(url);
    }
    // a placeholder ({s}, {r}…) in the host: a wildcard for it and every
    // label to its left (CSP has wildcards for whole leading labels only)
    let labels: Vec<&str> = host.split('.').collect();
    let host = match labels.iter().rposition(|l| l.contains(['{', '}'])) {
        None => host.to_owned(),
        Some(i) if i + 1 < labels.len() => format!("*.{}", labels[i + 1..].join(".")),
        Some(_) => return bad_tile_url(url),
    };
    let plain = host.strip_prefix("*.").unwrap_or(&host);
    if plain.is_empty()
        || !plain
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        return bad_tile_url(url);
    }
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Some(match scheme {
        Some(s) => format!("{}://{host}{port}", s.to_ascii_lowercase()),
        None => format!("{host}{port}"),
    })
}

fn bad_tile_url(url: &str) -> Option<String> {
    tracing::warn!(
        tile_url = url,
        "cannot allow this tile server in the Content-Security-Policy; tiles will be blocked"
    );
    None
}

/// The `'sha256-…'` sources of the inline `<tag>` elements (those without
/// `src`) of an HTML document, in document order.
pub fn inline_hashes(html: &str, tag: &str) -> Vec<String> {
    // ASCII lower-casing keeps every byte where it is
    let lower = html.to_ascii_lowercase();
    let open = format!("<{}", tag.to_ascii_lowercase());
    let close = format!("</{}", tag.to_ascii_lowercase());
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(&open) {
        let start = at + found;
        let after = start + open.len();
        // `<scripts>` or `<script-x>` are other elements
        if !lower[after..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/') {
            at = after;
            continue;
        }
        let Some(tag_end) = lower[after..].find('>').map(|i| after + i) else {
            break;
        };
        let Some(body_end) = lower[tag_end..].find(&close).map(|i| tag_end + i) else {
            break;
        };
        let attributes = &lower[after..tag_end];
        let has_src = attributes
            .split(|c: char| c.is_ascii_whitespace())
            .any(|a| a == "src" || a.starts_with("src="));
        if !has_src {
            let digest = Sha256::digest(&html.as_bytes()[tag_end + 1..body_end]);
            out.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        at = body_end + close.len();
    }
    out
}

/// The Content-Security-Policy for a client whose `index.html` is `html`:
/// the embed's (`embed`) may be framed by the configured origins, every
/// other response's by nobody.
pub fn content_security_policy(
    html: Option<&str>,
    tile_source: Option<&str>,
    config: &SecurityConfig,
    embed: bool,
) -> String {
    let once = |mut hashes: Vec<String>| {
        let mut seen = std::collections::HashSet::new();
        hashes.retain(|h| seen.insert(h.clone()));
        hashes
    };
    let scripts = once(html.map(|h| inline_hashes(h, "script")).unwrap_or_default());
    let styles = once(html.map(|h| inline_hashes(h, "style")).unwrap_or_default());
    let join = |base: &str, extra: &[String]| {
        std::iter::once(base.to_owned())
            .chain(extra.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut images = vec!["data:".to_owned()];
    images.extend(tile_source.map(str::to_owned));
    let frame_ancestors = if embed && !config.embed_origins.is_empty() {
        config.embed_origins.join(" ")
    } else {
        "'none'".to_owned()
    };
    [
        "default-src 'self'".to_owned(),
        // 'wasm-unsafe-eval' lets WebAssembly compile; it allows no eval()
        join("script-src 'self' 'wasm-unsafe-eval'", &scripts),
        join("style-src 'self'", &styles),
        join("img-src 'self'", &images),
        "connect-src 'self'".to_owned(),
        "font-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'none'".to_owned(),
        "form-action 'self'".to_owned(),
        format!("frame-ancestors {frame_ancestors}"),
    ]
    .join("; ")
}

/// What the middleware adds; the policy follows the client's pages on disk.
pub struct SecurityHeaders {
    pages: Vec<PathBuf>,
    tile_source: Option<String>,
    config: SecurityConfig,
    fixed: Vec<(HeaderName, HeaderValue)>,
    csp: RwLock<Policies>,
}

/// The policies for the client's pages as last seen: every page's, the
/// embed's.
struct Policies {
    seen: Option<Vec<Option<Stamp>>>,
    page: HeaderValue,
    embed: HeaderValue,
}

/// Whether a path holds an edit link's secret (`/edit/…`, `/api/edit/…`),
/// or a signed one-click link's (`/fresh/…`).
/// Its pages and answers send no `Referer` at all: with the site's usual
/// policy a request the edit page makes to the site itself would carry
/// the whole address, secret and all, into every log that records it.
fn holds_edit_secret(path: &str) -> bool {
    path.starts_with("/edit/") || path.starts_with("/api/edit/") || path.starts_with("/fresh/")
}

/// Whether a request is for the embed, the one page that may be framed.
fn is_embed(path: &str) -> bool {
    path.strip_suffix('/').unwrap_or(path) == "/embed"
}

/// When a page of the client was last seen, to notice a rebuilt client.
type Stamp = (SystemTime, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

impl SecurityHeaders {
    pub fn new(dist: &Path, tile_url: &str, config: SecurityConfig) -> Arc<Self> {
        let tile_source = tile_source(tile_url);
        let mut fixed = vec![
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            // the origin only, and only over HTTPS: never an edit link's
            // token or a search; OpenStreetMap's tile policy wants a Referer
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ),
            (
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static(
                    "accelerometer=(), browsing-topics=(), camera=(), geolocation=(), \
                     gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
                ),
            ),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ),
        ];
        if config.https {
            fixed.push((
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            ));
        }
        let this = Self {
            pages: [ClientBundle::Map, ClientBundle::Pages]
                .map(|b| dist.join(b.index_file()))
                .to_vec(),
            tile_source,
            config,
            fixed,
            csp: RwLock::new(Policies {
                seen: None,
                page: HeaderValue::from_static("default-src 'none'"),
                embed: HeaderValue::from_static("default-src 'none'"),
            }),
        };
        this.refresh();
        Arc::new(this)
    }

    /// The policy (the embed's or every other page's), recomputed first if
    /// a page of the client changed.
    fn csp(&self, check_index: bool, embed: bool) -> HeaderValue {
        if check_index {
            self.refresh();
        }
        let pick = |p: &Policies| {
            if embed {
                p.embed.clone()
            } else {
                p.page.clone()
            }
        };
        match self.csp.read() {
            Ok(g) => pick(&g),
            Err(poisoned) => pick(&poisoned.into_inner()),
        }
    }

    /// Whether the embed may be framed by anyone.
    fn embed_framable(&self) -> bool {
        !self.config.embed_origins.is_empty()
    }

    fn refresh(&self) {
        let now: Vec<_> = self.pages.iter().map(|p| stamp(p)).collect();
        let unchanged = match self.csp.read() {
            Ok(g) => g.seen.as_ref() == Some(&now),
            Err(poisoned) => poisoned.into_inner().seen.as_ref() == Some(&now),
        };
        if unchanged {
            return;
        }
        // one policy for both pages: the hashes of each one's inline scripts
        let pages: Vec<String> = self
            .pages
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect();
        let html = (!pages.is_empty()).then(|| pages.concat());
        let value = |embed: bool| {
            let policy = content_security_policy(
                html.as_deref(),
                self.tile_source.as_deref(),
                &self.config,
                embed,
            );
            HeaderValue::from_str(&policy).unwrap_or_else(|e| {
                // every part is checked above; this would be a bug
                tracing::error!(error = %e, "invalid Content-Security-Policy; serving a closed one");
                HeaderValue::from_static("default-src 'none'")
            })
        };
        let policies = Policies {
            seen: Some(now),
            page: value(false),
            embed: value(true),
        };
        match self.csp.write() {
            Ok(mut g) => *g = policies,
            Err(poisoned) => *poisoned.into_inner() = policies,
        }
    }
}

/// The middleware: adds the headers to whatever the inner service answered
/// (API, files, errors), replacing any already there.
pub async fn add_headers(
    State(security): State<Arc<SecurityHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let embed = is_embed(req.uri().path());
    let secret = holds_edit_secret(req.uri().path());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = security.csp(html, embed);
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    for (name, value) in &security.fixed {
        headers.insert(name.clone(), value.clone());
    }
    if secret {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if embed && security.embed_framable() {
        headers.remove(header::X_FRAME_OPTIONS);
    } else {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

/// The request log (tracing, at debug level): the method and the path,
/// with the secret of an edit link (`/edit/…`, `/api/edit/…`) replaced and
/// no query string (searches are the visitors' business).
pub fn trace_layer() -> tower_http::trace::TraceLayer<
    tower_http::trace::HttpMakeClassifier,
    fn(&axum::http::Request<axum::body::Body>) -> tracing::Span,
> {
    tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span)
}

fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %req.method(),
        path = %redacted_path(req.uri().path()),
        version = ?req.version(),
    )
}

/// `path` with every segment that follows an `edit` (or `fresh`) segment
/// hidden.
pub fn redacted_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_edit = false;
    for segment in path.split('/') {
        out.push(if after_edit && !segment.is_empty() {
            "…"
        } else {
            segment
        });
        after_edit = segment == "edit" || segment == "fresh";
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_tokens_are_not_logged() {
        assert_eq!(redacted_path("/api/edit/abc123"), "/api/edit/…");
        assert_eq!(redacted_path("/edit/abc123"), "/edit/…");
        assert_eq!(redacted_path("/fresh/AQEx"), "/fresh/…");
        assert_eq!(redacted_path("/api/organizations"), "/api/organizations");
        assert_eq!(redacted_path("/"), "/");
    }

    #[test]
    fn tile_hosts() {
        let cases = [
            (
                "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
                Some("https://*.tile.openstreetmap.org"),
            ),
            (
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                Some("https://tile.openstreetmap.org"),
            ),
            (
                "http://tiles.example.org:8081/a/{z}/{x}/{y}{r}.png?key=1",
                Some("http://tiles.example.org:8081"),
            ),
            (
                "https://tile{s}.example.org/{z}/{x}/{y}.png",
                Some("https://*.example.org"),
            ),
            (
                "//tiles.example.org/{z}/{x}/{y}.png",
                Some("tiles.example.org"),
            ),
            ("/tiles/{z}/{x}/{y}.png", None),
            ("", None),
            ("https://{s}/{z}/{x}/{y}.png", None),
            ("https://evil.org; script-src *//{z}", None),
            ("tiles.example.org/{z}", None),
        ];
        for (url, want) in cases {
            assert_eq!(tile_source(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn only_the_embed_is_framed() {
        for path in ["/embed", "/embed/"] {
            assert!(is_embed(path), "{path}");
        }
        for path in ["/", "/embed/new", "/embedx", "/api/embed", "/org/embed"] {
            assert!(!is_embed(path), "{path}");
        }
    }

    #[test]
    fn embed_origins_are_checked() {
        assert_eq!(
            SecurityConfig::new("'none'", false).map(|c| c.embed_origins),
            Ok(vec![])
        );
        assert_eq!(
            SecurityConfig::new(
                "'self', https://partner.example  https://*.example.org:8443",
                false
            )
            .map(|c| c.embed_origins),
            Ok(vec![
                "'self'".to_owned(),
                "https://partner.example".to_owned(),
                "https://*.example.org:8443".to_owned()
            ])
        );
        for bad in [
            "https://a.example; script-src *",
            "'unsafe-inline'",
            "'none' https://a.example",
            "https://a.example/\"",
        ] {
            assert!(SecurityConfig::new(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_not() {
        let html = "<script src=\"/a.js\"></script><SCRIPT type=\"module\">x()</SCRIPT>\
                    <scripts></scripts><style>p{}</style>";
        let want = format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"x()"))
        );
        assert_eq!(inline_hashes(html, "script"), vec![want]);
        assert_eq!(inline_hashes(html, "style").len(), 1);
    }
}
