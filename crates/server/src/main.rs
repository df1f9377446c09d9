//! The `solidarity-map` command: serve the map, migrate, seed.

use clap::{Parser, Subcommand};
use solidarity_map_core::{SiteConfig, Status};
use solidarity_map_server::config::{DatabaseArgs, LicenceArgs, ServeArgs};
use solidarity_map_server::http::{self, AppState};
use solidarity_map_server::open_data::{self, Format};
use solidarity_map_server::{generate, seed, store};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "solidarity-map",
    version,
    about = "An open map of civil society"
)]
struct Cli {
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the map and the API (migrates and seeds an empty database first).
    Serve(ServeArgs),
    /// Create or update the database schema.
    Migrate,
    /// Add the demo organisations if the database has none.
    Seed,
    /// Manage moderators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Import organisations from a GeoJSON file (the format of
    /// data/demo.geojson). All or nothing: one bad feature imports none.
    Import {
        file: std::path::PathBuf,
        /// Publish the imported entries at once instead of queuing them for
        /// moderation.
        #[arg(long)]
        publish: bool,
    },
    /// Write every published organisation, public fields only, as GeoJSON
    /// or CSV: the same bytes as /api/export.geojson and /api/export.csv.
    Export {
        #[arg(long, value_enum)]
        format: Format,
        /// The file to write; standard output without it.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        #[command(flatten)]
        licence: LicenceArgs,
    },
    /// Add N synthetic, published organisations (load tests, benchmarks):
    /// clustered around real cities, deterministic for a seed.
    Generate {
        /// How many organisations to add.
        #[arg(long)]
        count: usize,
        /// The same seed gives the same organisations.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Organisations per transaction.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        /// The city gazetteer (tab-separated).
        #[arg(long, default_value = solidarity_map_server::generate::DEFAULT_CITIES)]
        cities: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a moderator account. The password is read from standard input
    /// (first line), so it never appears in the process list or history.
    AddUser {
        #[arg(long)]
        username: String,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .init();
    let cli = Cli::parse();
    let url = cli.db.url()?;
    let store = store::connect(&url).await?;
    tracing::info!(backend = store.backend(), "database ready");
    match cli.command {
        Command::Migrate => {
            tracing::info!("migrations applied");
        }
        Command::Seed => {
            seed::sync_categories(store.as_ref()).await?;
            let n = seed::seed_demo_if_empty(store.as_ref()).await?;
            if n == 0 {
                tracing::info!("the database already has organisations; nothing added");
            } else {
                tracing::info!(count = n, "demo organisations added");
            }
        }
        Command::Admin(AdminCommand::AddUser { username, .. }) => {
            let username = username.trim().to_owned();
            if username.is_empty() || username.chars().count() > 64 {
                anyhow::bail!("--username must be 1 to 64 characters");
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 12 {
                anyhow::bail!("the password must be at least 12 characters");
            }
            let hash = solidarity_map_server::http::secrets::hash_password(password)?;
            store.create_user(&username, &hash).await?;
            tracing::info!(%username, "moderator added");
        }
        Command::Generate {
            count,
            seed,
            batch,
            cities,
        } => {
            let cities = generate::Cities::load(&cities)?;
            seed::sync_categories(store.as_ref()).await?;
            generate::load(
                store.as_ref(),
                &cities,
                count,
                seed,
                batch,
                generate::Progress::Show,
            )
            .await?;
        }
        Command::Import { file, publish } => {
            seed::sync_categories(store.as_ref()).await?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let orgs = seed::parse_geojson(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let status = if publish {
                Status::Published
            } else {
                Status::Pending
            };
            let n = store.import_organizations(&orgs, status).await?;
            tracing::info!(count = n, status = status.as_str(), "imported");
        }
        Command::Export {
            format,
            output,
            licence,
        } => {
            let licence = licence.licence()?;
            let mut out: Box<dyn std::io::Write + Send> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            open_data::export::write_to(store, format, licence, &mut out).await?;
        }
        Command::Serve(args) => {
            let security = args.security()?;
            seed::sync_categories(store.as_ref()).await?;
            if !args.no_demo {
                let n = seed::seed_demo_if_empty(store.as_ref()).await?;
                if n > 0 {
                    tracing::info!(count = n, "empty database: demo organisations added");
                }
            }
            if !args.dist_dir.join("index.html").exists() {
                tracing::warn!(dist = %args.dist_dir.display(), "web client not built; serving the API only");
            }
            let started = std::time::Instant::now();
            let site = SiteConfig {
                tile_url: args.tile_url,
                tile_attribution: args.tile_attribution,
            };
            let mut state = AppState::new(store, site).await?;
            state.secure_cookies = args.behind_https;
            state.max_concurrent = args.max_concurrent;
            state.licence = args.licence.licence()?;
            tracing::info!(
                points = state.clusters.len(),
                megabytes = state.clusters.memory_bytes() / 1_000_000,
                seconds = started.elapsed().as_secs_f64(),
                "clustering index built"
            );
            let listener = tokio::net::TcpListener::bind(&args.addr).await?;
            tracing::info!("Solidarity Map at http://{}/", listener.local_addr()?);
            let app = http::app_with_security(state, args.dist_dir, security);
            http::serve(listener, app).await?;
        }
    }
    Ok(())
}
