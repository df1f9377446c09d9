//! What the API tests share: real databases (a fresh SQLite file, or a
//! fresh Postgres database created for the test and dropped after it), the
//! real binary ([`binary`]), the application in process ([`app`]), requests to it
//! ([`http`]), joining and moderating through it ([`join`]), and entries
//! written to the store directly ([`entry`]).

#![allow(dead_code)]

mod app;
mod binary;
mod entry;
mod http;
mod join;

pub use app::*;
pub use binary::*;
pub use entry::*;
pub use http::*;
pub use join::*;

use std::sync::Arc;

use solidarity_map_server::store::{PgStore, SqliteStore, Store};
use solidarity_map_testkit::{postgres_admin_url, skip, with_database};
use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};

pub struct TestDb {
    store: Arc<dyn Store>,
    /// SQLite only: the file's URL, to read what is stored byte for byte.
    url: Option<String>,
    /// Postgres only: the store's pool, to take the database away.
    pool: Option<PgPool>,
    /// Postgres only: the database's URL, for another process's store.
    pg_url: Option<String>,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// SQLite only: the file's URL, for the command line to open.
    pub fn url(&self) -> &str {
        self.url
            .as_deref()
            .expect("only a SQLite test database has a file")
    }

    /// The database's URL, for another process (the command line).
    pub fn database_url(&self) -> &str {
        self.url
            .as_deref()
            .or(self.pg_url.as_deref())
            .expect("a test database has a URL")
    }

    /// Every (table, column) of the schema, sqlx's own table included.
    pub async fn columns(&self) -> Vec<(String, String)> {
        if let Some(pool) = &self.pool {
            return sqlx::query_as(
                "select table_name::text, column_name::text from information_schema.columns
                 where table_schema = current_schema()",
            )
            .fetch_all(pool)
            .await
            .expect("the columns");
        }
        let mut conn = sqlx::SqliteConnection::connect(self.url())
            .await
            .expect("open the file");
        sqlx::query_as(
            "select t.name, c.name from sqlite_master t, pragma_table_info(t.name) c
             where t.type = 'table' and t.name not like 'sqlite_%'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("the columns")
    }

    /// Another store on the same database, with a pool of its own: what
    /// another instance of the server would open.
    pub async fn another_store(&self) -> Arc<dyn Store> {
        match (&self.url, &self.pg_url) {
            (Some(url), _) => Arc::new(SqliteStore::connect(url).await.expect("open sqlite")),
            (_, Some(url)) => Arc::new(PgStore::connect(url).await.expect("open postgres")),
            _ => unreachable!("a test database has a URL"),
        }
    }

    /// Closes the store's connection pool: from now on every query fails
    /// as when the database is gone. Postgres only (the SQLite store keeps
    /// its pool to itself).
    pub async fn close_pool(&self) {
        self.pool
            .as_ref()
            .expect("only a Postgres test database has a pool to close")
            .close()
            .await;
    }
}

/// What the database holds of an entry's private fields, read around the
/// store: its contact address, its point, and the json of each revision.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub contact_email: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// By creation time.
    pub revisions: Vec<String>,
}

impl TestDb {
    /// The stored private fields of entry `id`, straight from the tables.
    pub async fn stored(&self, id: uuid::Uuid) -> Stored {
        const ORG: &str = "select contact_email, lat, lon from organizations where id = $1";
        const REVISIONS: &str =
            "select data from revisions where org_id = $1 order by created_at, id";
        if let Some(pool) = &self.pool {
            let (contact_email, lat, lon) = sqlx::query_as(ORG)
                .bind(id)
                .fetch_one(pool)
                .await
                .expect("the entry");
            let revisions = sqlx::query_scalar(REVISIONS)
                .bind(id)
                .fetch_all(pool)
                .await
                .expect("its revisions");
            return Stored {
                contact_email,
                lat,
                lon,
                revisions,
            };
        }
        let url = self.url.as_deref().expect("a SQLite or Postgres database");
        let mut conn = sqlx::SqliteConnection::connect(url)
            .await
            .expect("open the file");
        let id = id.hyphenated().to_string();
        let (contact_email, lat, lon) = sqlx::query_as(ORG)
            .bind(&id)
            .fetch_one(&mut conn)
            .await
            .expect("the entry");
        let revisions = sqlx::query_scalar(REVISIONS)
            .bind(&id)
            .fetch_all(&mut conn)
            .await
            .expect("its revisions");
        Stored {
            contact_email,
            lat,
            lon,
            revisions,
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = SqliteStore::connect(&url).await.expect("open sqlite");
    TestDb {
        store: Arc::new(store),
        url: Some(url),
        pool: None,
        pg_url: None,
        cleanup: None,
        _dir: Some(dir),
    }
}

/// A fresh Postgres database, or `None` when Postgres is not reachable
/// outside CI (the test is skipped, visibly). In CI a missing Postgres fails
/// the test.
pub async fn postgres() -> Option<TestDb> {
    let admin = postgres_admin_url();
    let mut conn = match PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            skip(&format!(
                "Postgres is not reachable at {admin} ({e}); set TEST_DATABASE_URL or start it"
            ));
            return None;
        }
    };
    let name = format!("sm_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("create database {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    let url = with_database(&admin, &name);
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .expect("connect to test database");
    let store = PgStore::from_pool(pool.clone()).await.expect("migrate");
    Some(TestDb {
        store: Arc::new(store),
        url: None,
        pool: Some(pool),
        pg_url: Some(url),
        cleanup: Some((admin, name)),
        _dir: None,
    })
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.cleanup.take() {
            // Drop runs outside async: use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(mut c) = PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("drop database if exists {name} with (force)"))
                                .execute(&mut c)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// One of the two databases the store runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A fresh database on this backend, or `None` when the test is skipped
    /// (see [`postgres`]).
    pub async fn fresh(self) -> Option<TestDb> {
        match self {
            Backend::Sqlite => Some(sqlite().await),
            Backend::Postgres => postgres().await,
        }
    }
}

/// Runs each named async test function once on SQLite and once on
/// Postgres, as `sqlite::NAME` and `postgres::NAME` of the calling module:
///
/// - `on_both_backends!(f, g)`: `async fn f(store: Arc<dyn Store>)` gets
///   the store of a fresh database;
/// - `on_both_backends!(backend: f)`: `async fn f(backend: Backend)` makes
///   the databases it needs with [`Backend::fresh`].
macro_rules! on_both_backends {
    (@module $module:ident $backend:ident store: $($name:ident),*) => {
        mod $module {
            $(
                #[tokio::test]
                async fn $name() {
                    let backend = $crate::support::Backend::$backend;
                    let Some(db) = backend.fresh().await else { return };
                    super::$name(db.store()).await;
                }
            )*
        }
    };
    (@module $module:ident $backend:ident backend: $($name:ident),*) => {
        mod $module {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::Backend::$backend).await;
                }
            )*
        }
    };
    (backend: $($name:ident),* $(,)?) => {
        on_both_backends!(@module sqlite Sqlite backend: $($name),*);
        on_both_backends!(@module postgres Postgres backend: $($name),*);
    };
    ($($name:ident),* $(,)?) => {
        on_both_backends!(@module sqlite Sqlite store: $($name),*);
        on_both_backends!(@module postgres Postgres store: $($name),*);
    };
}
