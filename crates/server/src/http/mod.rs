//! The HTTP layer: thin handlers that parse with `core`, read the store or
//! call one use case of [`crate::service`], and answer with `core`'s wire
//! types. Each resource module owns its router.

mod admin;
mod admin_mail;
mod admin_mirrors;
mod admin_stale;
mod answers;
mod api_page;
mod cache;
mod categories;
mod changes;
pub mod client_ip;
mod clusters;
mod edit;
mod error;
mod export;
mod feeds;
mod fresh;
mod health;
mod limits;
mod linked_data;
pub mod metrics;
mod openapi;
mod organizations;
mod outline_tiles;
mod place_labels;
mod places;
mod rate_limit;
mod relay;
pub mod security;
mod site;
mod stats;
mod submissions;
pub mod tiles;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use solidarity_map_core::SiteConfig;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, ApiJson};

use crate::clusters::Clusters;
use crate::follow::Follower;
use crate::open_data::Licence;
use crate::service::Service;
use crate::store::Store;

/// What every handler can reach. Reads go to the store and the index
/// directly; every change goes through [`AppState::service`], which keeps
/// them in step.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub site: SiteConfig,
    /// The clustering index of every published organisation.
    pub clusters: Arc<Clusters>,
    /// Keeps `clusters` in step with the change log.
    pub follower: Arc<Follower>,
    /// The project's categories, in order, as start-up wrote them to the
    /// store: fixed while serving, so the legend needs no query.
    pub categories: Arc<Vec<solidarity_map_core::Category>>,
    /// The session cookie is `Secure` (`--behind-https`, or by default
    /// when not on loopback; see `ServeArgs::secure_cookies`).
    pub secure_cookies: bool,
    /// Requests handled at once before shedding with 503
    /// (`--max-concurrent`).
    pub max_concurrent: usize,
    /// Bytes of the public answers kept until the map changes
    /// (`--answer-cache-mb`; 0: none).
    pub answer_cache_bytes: usize,
    /// Multiplies the rate limits (`--rate-limit-factor`).
    pub rate_limit_factor: u32,
    /// Whose forwarding headers name the client (`--trusted-proxies`).
    pub trusted_proxies: client_ip::TrustedProxies,
    /// The licence the exports name (`--data-licence`).
    pub licence: Licence,
    /// The basemap served at `/tiles/…` (`--basemap`); `None` when there
    /// is none, and every tile is a 404.
    pub basemap: Option<Arc<crate::basemap::Basemap>>,
    /// The country outlines drawn at `/tiles/outlines/…` (`--outlines`);
    /// `None` when there are none, and every outline tile is a 404.
    pub outlines: Option<Arc<crate::outlines::Outlines>>,
    /// How mail is written and whether it is sent (`--smtp-url` and the
    /// other mail settings); by default it stays in the outbox.
    pub mail: crate::mail::MailPolicy,
}

impl AppState {
    /// The state for `store` (its categories already synced from the
    /// project's list), with its clustering index loaded from it.
    pub async fn new(store: Arc<dyn Store>, site: SiteConfig) -> anyhow::Result<Self> {
        let categories = crate::seed::categories()?;
        let slugs = categories.iter().map(|c| c.slug.clone()).collect();
        let follower = Arc::new(Follower::start(store.clone(), slugs).await?);
        Ok(Self {
            store,
            site,
            clusters: follower.index().clone(),
            follower,
            categories: Arc::new(categories),
            secure_cookies: false,
            max_concurrent: 512,
            answer_cache_bytes: 32 << 20,
            rate_limit_factor: 1,
            trusted_proxies: Default::default(),
            licence: Licence::default(),
            basemap: None,
            outlines: None,
            mail: crate::mail::MailPolicy::default(),
        })
    }

    /// The use cases over this state's store, keeping its index in step.
    pub fn service(&self) -> Service {
        Service::new(self.store.clone())
            .with_follower(self.follower.clone())
            .with_mail(self.mail.clone())
    }
}

/// The whole application: API under `/api`, health at `/healthz`, the
/// basemap's tiles under `/tiles`, the web client everywhere else.
pub fn app(state: AppState, dist: PathBuf) -> Router {
    app_with_security(state, dist, security::SecurityConfig::default())
}

/// [`app`] with the operator's framing and HTTPS settings for the security
/// headers.
pub fn app_with_security(
    state: AppState,
    dist: PathBuf,
    security: security::SecurityConfig,
) -> Router {
    let headers = security::SecurityHeaders::new(&dist, &state.site.tile_url, security);
    let in_flight = limits::InFlight::new(state.max_concurrent);
    let kept = Arc::new(answers::Answers::new(
        state.clusters.clone(),
        state.answer_cache_bytes,
    ));
    let mut limits =
        rate_limit::RateLimits::new(state.rate_limit_factor, state.trusted_proxies.clone());
    let (routes, document) = routes(&mut limits).split_for_parts();
    // the one-click links of mail: as often as edit links
    let fresh = fresh::router().layer(limits.per_address(2, 20));
    limits.prune_every(rate_limit::PRUNE_EVERY);
    let document = openapi::Document::new(&document);
    routes
        .route("/api/docs.css", get(openapi::css))
        .merge(tiles::router())
        .merge(feeds::router())
        .merge(outline_tiles::router())
        .merge(fresh)
        .layer(axum::Extension(document))
        .fallback_service(site::static_files(dist, state.clone()))
        .with_state(state)
        .layer(axum::middleware::from_fn(cache::etag))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(kept, answers::serve))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn_with_state(
            in_flight,
            limits::shed,
        ))
        .layer(axum::middleware::from_fn_with_state(
            headers,
            security::add_headers,
        ))
        .layer(security::trace_layer())
}

/// Every route of the API, each recorded in the OpenAPI document as it is
/// added.
fn routes(limits: &mut rate_limit::RateLimits) -> OpenApiRouter<AppState> {
    let sign_in = admin::login_router()
        .layer(axum::middleware::from_fn_with_state(
            limits.per_user_name(30, 10),
            rate_limit::per_user_name,
        ))
        .layer(limits.per_address(4, 5));
    let admin = OpenApiRouter::new()
        .merge(sign_in)
        .merge(admin_mail::router())
        .merge(admin_stale::router())
        .merge(admin_mirrors::router())
        .merge(admin::router());
    let api = OpenApiRouter::new()
        .merge(organizations::router())
        .merge(categories::router())
        .merge(changes::router())
        .merge(clusters::router())
        .merge(places::router())
        .merge(place_labels::router())
        .merge(export::router())
        .merge(stats::router())
        .merge(submissions::router().layer(limits.per_address(12, 5)))
        .merge(edit::router().layer(limits.per_address(2, 20)))
        .merge(relay::router(limits))
        .nest("/admin", admin)
        .routes(routes!(site::config))
        .routes(routes!(openapi::json))
        .routes(routes!(openapi::page))
        .fallback(site::api_not_found);
    OpenApiRouter::with_openapi(openapi::base())
        .nest("/api", api)
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
}

/// How long the requests in flight get after SIGTERM or Ctrl-C by default.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight
/// for up to [`SHUTDOWN_DEADLINE`].
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    serve_with_deadline(listener, app, SHUTDOWN_DEADLINE).await
}

/// Serves until SIGTERM or Ctrl-C, then takes no new connection and gives
/// the requests in flight `deadline` to finish. A request that still hangs
/// then (a client that never sends its body, or never reads the answer)
/// does not keep the server from exiting: a supervisor waits only so long
/// before it kills it, and a restart must not depend on a stranger.
pub async fn serve_with_deadline(
    listener: tokio::net::TcpListener,
    app: Router,
    deadline: Duration,
) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "listening");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let signalled = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        // an error: the signal can no longer come, so serve on
        if stopped.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signalled(stopped.clone()));
    let cut_off = async {
        signalled(stopped).await;
        tokio::time::sleep(deadline).await;
    };
    tokio::select! {
        done = server.into_future() => done,
        () = cut_off => {
            tracing::warn!(
                seconds = deadline.as_secs_f64(),
                "requests still in flight at the shutdown deadline; exiting without them"
            );
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
