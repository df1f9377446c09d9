//! The application over a test database, prepared as each test needs it:
//! one place that knows how the server puts itself together, so that a
//! module says only what it wants different.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use solidarity_map_core::SiteConfig;
use solidarity_map_server::http::security::SecurityConfig;
use solidarity_map_server::http::{AppState, app_with_security};
use solidarity_map_server::seed;
use solidarity_map_server::service::Service;
use solidarity_map_server::store::Store;

use super::TestDb;

/// The moderator [`Setup::moderator`] adds.
pub const MODERATOR: &str = "mod";
/// The password [`MODERATOR`] signs in with.
pub const PASSWORD: &str = "a long enough password";

/// The state the server builds over `store`, its categories written, with
/// no tiles (what most API tests want).
pub async fn app_state(store: Arc<dyn Store>) -> AppState {
    seed::sync_categories(store.as_ref())
        .await
        .expect("write the categories");
    AppState::new(store, SiteConfig::without_tiles())
        .await
        .expect("build the state")
}

/// A site whose map tiles come from `tile_url`, with a short attribution.
pub fn tiles_from(tile_url: &str) -> SiteConfig {
    SiteConfig {
        tile_url: tile_url.into(),
        tile_attribution: "Tiles".into(),
        ..SiteConfig::without_tiles()
    }
}

/// `app` as the real server runs it for a request from loopback: the rate
/// limits key on the peer's address, which the socket gives.
pub fn on_loopback(app: Router) -> Router {
    app.layer(axum::Extension(ConnectInfo(std::net::SocketAddr::from((
        [127, 0, 0, 1],
        4000,
    )))))
}

/// The whole application over `state`, serving the client from `dist`, as
/// the real server runs it for a request from loopback.
pub fn loopback_app(state: AppState, dist: &Path) -> Router {
    on_loopback(solidarity_map_server::http::app(state, dist.to_owned()))
}

/// The application in process, and what it lives on.
pub struct TestApp {
    pub app: Router,
    pub store: Arc<dyn Store>,
    /// Keeps the app's map in step with the change log: a test that
    /// writes to the store directly, as another instance would, calls
    /// its `catch_up`.
    pub follower: Arc<solidarity_map_server::follow::Follower>,
    pub db: TestDb,
    /// The folder it serves the client from.
    pub dist: tempfile::TempDir,
}

/// What a test wants in place before the app starts. [`setup`] gives the
/// categories, no tiles, an empty client folder and the default security
/// settings; each method adds one thing.
pub struct Setup {
    demo: bool,
    moderator: bool,
    site: SiteConfig,
    files: Vec<(&'static str, String)>,
    security: SecurityConfig,
    loopback: bool,
}

/// The app's [`Setup`] with nothing added.
pub fn setup() -> Setup {
    Setup {
        demo: false,
        moderator: false,
        site: SiteConfig::without_tiles(),
        files: Vec::new(),
        security: SecurityConfig::default(),
        loopback: true,
    }
}

impl Setup {
    /// The demo organisations, published.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// The moderator [`MODERATOR`], with [`PASSWORD`].
    pub fn moderator(mut self) -> Self {
        self.moderator = true;
        self
    }

    /// The tile server and attribution the site names.
    pub fn site(mut self, site: SiteConfig) -> Self {
        self.site = site;
        self
    }

    /// A file of the client, `name` in its folder.
    pub fn file(mut self, name: &'static str, contents: impl Into<String>) -> Self {
        self.files.push((name, contents.into()));
        self
    }

    /// The operator's framing and HTTPS settings.
    pub fn security(mut self, security: SecurityConfig) -> Self {
        self.security = security;
        self
    }

    /// For an app served over real sockets, which give the peer's address
    /// themselves: no stand-in loopback address.
    pub fn on_sockets(mut self) -> Self {
        self.loopback = false;
        self
    }

    /// The app over a fresh SQLite database.
    pub async fn start(self) -> TestApp {
        self.start_with(|_| {}).await
    }

    /// [`Setup::start`], with the state changed by `change` first (what
    /// a command-line flag would change).
    pub async fn start_with(self, change: impl FnOnce(&mut AppState)) -> TestApp {
        self.start_on(super::sqlite().await, change).await
    }

    /// The app over `db`, its state changed by `change` first.
    pub async fn start_on(self, db: TestDb, change: impl FnOnce(&mut AppState)) -> TestApp {
        let store = db.store();
        seed::sync_categories(store.as_ref())
            .await
            .expect("write the categories");
        if self.demo {
            seed::seed_demo_if_empty(store.as_ref())
                .await
                .expect("write the demo data");
        }
        if self.moderator {
            Service::new(store.clone())
                .add_moderator(MODERATOR, PASSWORD)
                .await
                .expect("add the moderator");
        }
        let dist = tempfile::tempdir().expect("a client folder");
        for (name, contents) in &self.files {
            let path = dist.path().join(name);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder).expect("a client subfolder");
            }
            std::fs::write(path, contents).expect("write a client file");
        }
        let mut state = AppState::new(store.clone(), self.site)
            .await
            .expect("build the state");
        change(&mut state);
        let follower = state.follower.clone();
        let app = app_with_security(state, dist.path().to_owned(), self.security);
        TestApp {
            app: if self.loopback { on_loopback(app) } else { app },
            store,
            follower,
            db,
            dist,
        }
    }
}
