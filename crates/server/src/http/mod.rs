//! The HTTP layer: thin handlers that parse with `core`, read the store or
//! call one use case of [`crate::service`], and answer with `core`'s wire
//! types. Each resource module owns its router.

mod admin;
mod api_page;
mod cache;
mod categories;
mod clusters;
mod edit;
mod error;
mod export;
mod health;
mod limits;
mod linked_data;
mod openapi;
mod organizations;
mod places;
pub mod security;
mod site;
mod stats;
mod submissions;

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
    /// Cookies only over HTTPS (`--behind-https`).
    pub secure_cookies: bool,
    /// Requests handled at once before shedding with 503
    /// (`--max-concurrent`).
    pub max_concurrent: usize,
    /// Multiplies the per-address limits (`--rate-limit-factor`).
    pub rate_limit_factor: u32,
    /// The licence the exports name (`--data-licence`).
    pub licence: Licence,
}

impl AppState {
    /// The state for `store` (its categories already synced from the
    /// project's list), with its clustering index loaded from it.
    pub async fn new(store: Arc<dyn Store>, site: SiteConfig) -> anyhow::Result<Self> {
        let categories = crate::seed::categories()?
            .into_iter()
            .map(|c| c.slug)
            .collect();
        let clusters = Arc::new(Clusters::load(store.as_ref(), categories).await?);
        Ok(Self {
            store,
            site,
            clusters,
            secure_cookies: false,
            max_concurrent: 512,
            rate_limit_factor: 1,
            licence: Licence::default(),
        })
    }

    /// The use cases over this state's store, keeping its index in step.
    pub fn service(&self) -> Service {
        Service::new(self.store.clone()).with_index(self.clusters.clone())
    }
}

/// The whole application: API under `/api`, health at `/healthz`, the web
/// client everywhere else.
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
    let (routes, document) = routes(state.rate_limit_factor).split_for_parts();
    let document = openapi::Document::new(&document);
    routes
        .route("/api/docs.css", get(openapi::css))
        .layer(axum::Extension(document))
        .fallback_service(site::static_files(dist, state.clone()))
        .with_state(state)
        .layer(axum::middleware::from_fn(cache::etag))
        .layer(CompressionLayer::new())
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
fn routes(rate_factor: u32) -> OpenApiRouter<AppState> {
    let limit = |every_secs: u64, burst: u32| rate_limit(every_secs, burst, rate_factor);
    let admin = OpenApiRouter::new()
        .merge(admin::login_router().layer(limit(4, 5)))
        .merge(admin::router());
    let api = OpenApiRouter::new()
        .merge(organizations::router())
        .merge(categories::router())
        .merge(clusters::router())
        .merge(places::router())
        .merge(export::router())
        .merge(stats::router())
        .merge(submissions::router().layer(limit(12, 5)))
        .merge(edit::router().layer(limit(2, 20)))
        .nest("/admin", admin)
        .routes(routes!(site::config))
        .routes(routes!(openapi::json))
        .routes(routes!(openapi::page))
        .fallback(site::api_not_found);
    OpenApiRouter::with_openapi(openapi::base())
        .nest("/api", api)
        .routes(routes!(health::healthz))
}

/// A per-address limit: a burst of `burst` requests, then one more every
/// `every_secs` seconds, both scaled by `factor`. Addresses are held in
/// memory only.
fn rate_limit(
    every_secs: u64,
    burst: u32,
    factor: u32,
) -> tower_governor::GovernorLayer<
    tower_governor::key_extractor::PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    axum::body::Body,
> {
    let config = tower_governor::governor::GovernorConfigBuilder::default()
        .per_millisecond((every_secs * 1000 / u64::from(factor)).max(1))
        .burst_size(burst.saturating_mul(factor))
        .finish()
        .expect("valid rate limit");
    tower_governor::GovernorLayer::new(config).error_handler(|e| {
        use axum::response::IntoResponse;
        let (status, message) = match e {
            tower_governor::GovernorError::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests from your address; please wait a little",
            ),
            other => {
                tracing::error!(error = %other, "rate limiter failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "something went wrong on our side",
                )
            }
        };
        (
            status,
            axum::Json(solidarity_map_core::ErrorBody {
                error: "rate_limited".into(),
                message: message.into(),
                fields: Vec::new(),
            }),
        )
            .into_response()
    })
}

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
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
