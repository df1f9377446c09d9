//! The `solidarity-map` command: serve the map, migrate, seed, back up.

use clap::{Parser, Subcommand};
use solidarity_map_server::backup::{BackupArgs, RestoreArgs};
use solidarity_map_server::config::{
    DatabaseArgs, FreshnessArgs, LicenceArgs, MailArgs, RetentionArgs, ServeArgs,
};
use solidarity_map_server::http::{self, AppState};
use solidarity_map_server::open_data::presets::Preset;
use solidarity_map_server::open_data::{self, Format, import};
use solidarity_map_server::service::{self, Service};
use solidarity_map_server::{basemap, generate, outlines, seed, store};
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
    Serve(Box<ServeArgs>),
    /// Create or update the database schema.
    Migrate,
    /// Add the demo organisations if the database has none.
    Seed,
    /// Manage moderators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The mail outbox.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Follow other maps: their entries here, with their source and
    /// licence, kept in step through their change feeds.
    #[command(subcommand)]
    Mirror(solidarity_map_server::mirror::cli::MirrorCommand),
    /// Whether groups are still active: the job the server runs every hour.
    #[command(subcommand)]
    Freshness(FreshnessCommand),
    /// Import organisations from a GeoJSON or CSV file: checked with the
    /// join form's rules, then all stored in one transaction or none. Rows
    /// imported before from the same source are updated, not added again.
    Import {
        file: std::path::PathBuf,
        /// geojson or csv; without it, from the file's extension.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// A known source's columns: kvm (Karte von morgen CSV) or umap
        /// (uMap GeoJSON). Detected from the file without it.
        #[arg(long, value_enum)]
        preset: Option<Preset>,
        /// COLUMN=FIELD: read a column of the file as one of our fields
        /// (id, name, name.LANG, description, description.LANG, category,
        /// city, country, lat, lon, precision, website, links, languages,
        /// tags, contact_email; - skips it). Repeatable.
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// FIELD=VALUE: fills category, city, country or precision where a
        /// row leaves it empty, e.g. --default category=solidarity.
        /// Repeatable.
        #[arg(long = "default", value_name = "FIELD=VALUE")]
        defaults: Vec<String>,
        /// The source's name, recorded with each row's id to find it again
        /// on the next import. Default: the preset's, else the file's name.
        #[arg(long)]
        source: Option<String>,
        /// The language of names and descriptions whose column names none
        /// (text in Arabic or Hebrew letters is recognised).
        #[arg(long, default_value = "en")]
        lang: String,
        /// Publish new entries (and updated ones) at once instead of
        /// leaving them pending.
        #[arg(long)]
        publish: bool,
        /// Only check the file: print one line per problem and change
        /// nothing. Exits non-zero when there are problems.
        #[arg(long)]
        dry_run: bool,
    },
    /// How the database answers a list request: the query plans of its
    /// count, of a page it chooses itself and of a page the map's index
    /// chose (read by id), for checking that they use the indexes.
    Explain {
        /// The request's filter as the API takes it, e.g.
        /// "bbox=35.1,31.7,35.3,31.9&q=youth".
        filter: String,
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
        /// The site's public address, as the server is given it: the
        /// GeoJSON's links are absolute under it.
        #[arg(long, env = "PUBLIC_URL", value_parser = solidarity_map_server::config::parse_public_url)]
        public_url: Option<solidarity_map_core::PublicUrl>,
    },
    /// Write a copy of the whole database, consistent while the server
    /// runs: every organisation with its private fields (contact addresses,
    /// exact points), every revision, the audit log and the moderators'
    /// password hashes. Keep it as safe as the database, or encrypt it with
    /// --recipient (keys from `backup keygen` or age-keygen). Sessions and
    /// the change log are not kept.
    Backup(BackupArgs),
    /// Restore a backup (of SQLite or Postgres) into an empty database, all
    /// in one transaction or nothing: run it before the first `serve`.
    Restore(RestoreArgs),
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
        /// Where the moderator's digest of the queue goes.
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the moderator accounts: user name, when it was created, and
    /// how many sessions are open.
    ListUsers,
    /// Remove a moderator account; their sessions end at once. The audit
    /// log keeps their name on what they decided.
    RemoveUser { username: String },
    /// Give a moderator a new password, read from standard input (first
    /// line, at least 12 characters); their sessions end at once.
    SetPassword {
        username: String,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Give a moderator an address for the digest of the queue; `--none`
    /// takes it away.
    SetEmail {
        username: String,
        #[arg(required_unless_present = "none")]
        email: Option<String>,
        #[arg(long, conflicts_with = "email")]
        none: bool,
    },
    /// Turn a moderator's digest of the queue on or off.
    SetDigest {
        username: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// End every session of a moderator (a lost laptop, a shared computer).
    RevokeSessions { username: String },
    /// Scrub once what the server scrubs every hour: the contact address
    /// and exact point of entries withdrawn or rejected longer than the
    /// retention period ago (for an operator who runs it from cron).
    Scrub {
        #[command(flatten)]
        retention: RetentionArgs,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Print the newest mails, sent or not, with their text: without an
    /// SMTP server, this is where the groups' links and decisions are.
    List {
        /// How many, newest first.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Subcommand)]
enum FreshnessCommand {
    /// Run once what the server runs every hour: ask the groups whose
    /// entry was confirmed long ago whether they are still active, remind
    /// those who did not answer, mark stale those who still did not. The
    /// mail is queued in the outbox; a running server sends it.
    Run {
        /// Run as if it were this time (RFC 3339, e.g.
        /// 2027-06-01T00:00:00Z), to see or test what the job does later.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
        #[command(flatten)]
        freshness: FreshnessArgs,
        /// The mail settings the server runs with: links are written only
        /// into mail that will leave.
        #[command(flatten)]
        mail: MailArgs,
        /// The site's public address, as the server is given it: links
        /// in mail are absolute under it.
        #[arg(long, env = "PUBLIC_URL", value_parser = solidarity_map_server::config::parse_public_url)]
        public_url: Option<solidarity_map_core::PublicUrl>,
    },
}

/// The first line of standard input, without its line end.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // the log goes to standard error: standard output is a command's own
    // answer (`export` without `--output` writes the map there)
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .init();
    let cli = Cli::parse();
    if let Command::Backup(BackupArgs {
        command: Some(command),
        ..
    }) = &cli.command
    {
        // a key pair needs no database
        return command.run();
    }
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
        Command::Admin(AdminCommand::AddUser {
            username, email, ..
        }) => {
            if let Some(email) = &email {
                solidarity_map_core::Email::parse(email)
                    .map_err(|e| anyhow::anyhow!("--email: {}", e.message))?;
            }
            let password = password_from_stdin()?;
            let service = Service::new(store);
            service.add_moderator(&username, &password).await?;
            if let Some(email) = &email {
                service
                    .set_moderator_email(username.trim(), Some(email))
                    .await?;
            }
        }
        Command::Admin(AdminCommand::SetEmail {
            username, email, ..
        }) => {
            Service::new(store)
                .set_moderator_email(&username, email.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{username}: {e}"))?;
            match email {
                Some(email) => println!("{username}: digests go to {email}"),
                None => println!("{username}: no address, no digest"),
            }
        }
        Command::Admin(AdminCommand::SetDigest { username, state }) => {
            let on = state == "on";
            let settings = Service::new(store)
                .set_digest(&username, on)
                .await
                .map_err(|e| anyhow::anyhow!("{username}: {e}"))?;
            let to = settings
                .email
                .as_deref()
                .unwrap_or("no address yet: admin set-email");
            println!("{username}: digest {state} ({to})");
        }
        Command::Mail(MailCommand::List { limit }) => {
            let page = Service::new(store).outbox(limit).await?;
            if page.items.is_empty() {
                eprintln!("the outbox is empty");
            }
            for mail in page.items.iter().rev() {
                println!(
                    "--- {} {} ({}, {} tries{})\nto: {}\nsubject: {}\n\n{}\n",
                    mail.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    mail.status,
                    mail.kind,
                    mail.attempts,
                    mail.last_error
                        .as_deref()
                        .map(|e| format!(", last error: {e}"))
                        .unwrap_or_default(),
                    mail.to,
                    mail.subject,
                    mail.text
                );
            }
        }
        Command::Admin(AdminCommand::ListUsers) => {
            let users = Service::new(store).moderators().await?;
            if users.is_empty() {
                eprintln!("no moderators yet: admin add-user creates one");
            }
            for u in users {
                println!(
                    "{}\tcreated {}\t{} live session(s)",
                    u.username,
                    u.created_at.format("%Y-%m-%d %H:%M UTC"),
                    u.live_sessions
                );
            }
        }
        Command::Admin(AdminCommand::RemoveUser { username }) => {
            Service::new(store)
                .remove_moderator(&username)
                .await
                .map_err(|e| anyhow::anyhow!("{username}: {e}"))?;
            println!("{username} removed; their sessions have ended");
        }
        Command::Admin(AdminCommand::SetPassword { username, .. }) => {
            let password = password_from_stdin()?;
            Service::new(store)
                .set_moderator_password(&username, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{username}: {e}"))?;
            println!("{username}: password changed; their sessions have ended");
        }
        Command::Admin(AdminCommand::RevokeSessions { username }) => {
            let ended = Service::new(store)
                .revoke_sessions(&username)
                .await
                .map_err(|e| anyhow::anyhow!("{username}: {e}"))?;
            println!("{username}: {ended} session(s) ended");
        }
        Command::Admin(AdminCommand::Scrub { retention }) => {
            let scrubbed = Service::new(store)
                .scrub_expired(chrono::Utc::now(), retention.retention())
                .await?;
            println!(
                "{scrubbed} withdrawn or rejected entr{} scrubbed (retention: {} days)",
                if scrubbed == 1 { "y" } else { "ies" },
                retention.retention_days
            );
        }
        Command::Freshness(FreshnessCommand::Run {
            now,
            freshness,
            mail,
            public_url,
        }) => {
            let smtp = mail.smtp()?;
            let policy = mail.policy(smtp.as_ref(), public_url);
            let run = Service::new(store)
                .with_mail(policy)
                .run_freshness(
                    now.unwrap_or_else(chrono::Utc::now),
                    freshness.confirm_after(),
                )
                .await?;
            println!(
                "{} asked, {} reminded, {} marked stale",
                run.asked, run.reminded, run.stale
            );
        }
        Command::Mirror(command) => solidarity_map_server::mirror::cli::run(store, command).await?,
        Command::Backup(args) => args.run(store.as_ref()).await?,
        Command::Restore(args) => args.run(store.as_ref()).await?,
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
        Command::Import {
            file,
            format,
            preset,
            map,
            defaults,
            source,
            lang,
            publish,
            dry_run,
        } => {
            seed::sync_categories(store.as_ref()).await?;
            let bytes =
                std::fs::read(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let options = import::Options {
                format,
                preset,
                map,
                defaults,
                source,
                lang: Some(lang),
            };
            let known = store.category_slugs().await?;
            let checked = import::check(&file, &bytes, &options, &known)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            if let Some(p) = checked.preset {
                eprintln!("read as a {} export ({} rows)", p.source(), checked.total);
            }
            if !checked.ignored.is_empty() {
                let list: Vec<&str> = checked.ignored.iter().map(String::as_str).collect();
                eprintln!("not imported (no field takes them): {}", list.join(", "));
            }
            for problem in &checked.problems {
                println!("{problem}");
            }
            if !checked.problems.is_empty() {
                let fillable = ["category", "city", "country"];
                if checked
                    .problems
                    .iter()
                    .any(|p| fillable.contains(&p.field.as_str()))
                {
                    eprintln!(
                        "hint: --default FIELD=VALUE fills category, city or country where a \
                         row leaves it empty, e.g. --default category=solidarity"
                    );
                }
                // a row can have several problems: say how many rows have any
                let places: std::collections::BTreeSet<String> = checked
                    .problems
                    .iter()
                    .map(|p| p.place.to_string())
                    .collect();
                anyhow::bail!(
                    "{}: {} problem(s) in {} of its {} rows; nothing was imported",
                    file.display(),
                    checked.problems.len(),
                    places.len(),
                    checked.total
                );
            }
            if dry_run {
                println!(
                    "{}: {} rows, no problems (dry run: nothing was imported)",
                    file.display(),
                    checked.total
                );
                return Ok(());
            }
            let bar = import::progress_bar(checked.rows.len(), "importing");
            let counts = Service::new(store)
                .import(&checked.source, &checked.rows, publish, &|n| {
                    bar.set_position(n as u64)
                })
                .await?;
            bar.finish_and_clear();
            println!(
                "{}: {} added, {} updated",
                file.display(),
                counts.added,
                counts.updated
            );
            if !publish && counts.added > 0 {
                println!(
                    "the new entries are stored pending and are not public; the moderation \
                     queue does not list imports: run again with --publish to publish them"
                );
            }
        }
        Command::Explain { filter } => {
            let filter = solidarity_map_core::OrgFilter::from_query(&filter).map_err(|errors| {
                let why: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow::anyhow!("the filter: {}", why.join("; "))
            })?;
            // as the API: a category that does not exist is an error, not
            // a plan of an empty list
            let known = store.category_slugs().await?;
            if let Some(c) = filter.categories.iter().find(|c| !known.contains(c)) {
                anyhow::bail!("the filter: unknown category \"{c}\"");
            }
            for plan in store.explain_list(&filter).await? {
                println!("{}:", plan.what);
                for line in plan.lines {
                    println!("    {line}");
                }
            }
        }
        Command::Export {
            format,
            output,
            licence,
            public_url,
        } => {
            let licence = licence.licence()?;
            let mut out: Box<dyn std::io::Write + Send> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            open_data::export::write_to(store, format, licence, public_url, &mut out).await?;
        }
        Command::Serve(args) => {
            let security = args.security()?;
            let trusted_proxies = args.trusted_proxies()?;
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
            let basemap = if args.uses_basemap() {
                match args.basemap_file() {
                    // named by the operator: a bad file stops the start
                    (path, true) => {
                        let opened = anyhow::Context::with_context(
                            basemap::Basemap::open(&path).await,
                            || format!("--basemap {}: cannot serve its tiles", path.display()),
                        )?;
                        http::tiles::log_serving(&path, &opened);
                        Some(std::sync::Arc::new(opened))
                    }
                    (path, false) => http::tiles::open_or_warn(&path).await,
                }
            } else {
                None
            };
            let outlines = match args.outlines_file() {
                (path, true) => Some(std::sync::Arc::new(anyhow::Context::with_context(
                    outlines::Outlines::open(&path),
                    || format!("--outlines {}: cannot draw its countries", path.display()),
                )?)),
                (path, false) => outlines::open_or_warn(&path),
            };
            let mut site = args.site(basemap.as_ref().map(|b| &b.info));
            site.public_url = args.public_url.clone();
            if basemap.is_some() && site.tile_attribution.is_empty() {
                tracing::warn!(
                    "the basemap names no attribution and --tile-attribution is not set: \
                     the map credits nobody for its tiles, which their licence may require"
                );
            }
            if site.third_party_tiles() {
                tracing::warn!(
                    tile_url = %site.tile_url,
                    "the map's tiles come from another server: every visitor's browser \
                     tells it where they look"
                );
            }
            let smtp = args.mail.smtp()?;
            let policy = args.mail.policy(smtp.as_ref(), site.public_url.clone());
            match policy.delivery {
                solidarity_map_server::mail::Delivery::Outbox => tracing::info!(
                    "no SMTP server (--smtp-url): mail stays in the outbox, for moderators \
                     to read (mail list, the moderation page)"
                ),
                solidarity_map_server::mail::Delivery::Disabled => {
                    tracing::warn!("mail is disabled: nothing is sent, every mail is held")
                }
                solidarity_map_server::mail::Delivery::Smtp => {
                    tracing::info!("mail goes out through the SMTP server")
                }
            }
            args.mail
                .worker(store.clone(), policy.clone(), smtp)
                .spawn();
            let mut state = AppState::new(store, site).await?;
            state.mail = policy;
            // other instances' changes, and imports, reach this map too
            state.follower.spawn();
            if let Some(index) = args.murmurations_index.clone() {
                let Some(public) = state.site.public_url.as_ref() else {
                    anyhow::bail!(
                        "--murmurations-index needs --public-url: the index reads each \
                         profile at its public address"
                    );
                };
                tracing::info!(%index, "the Murmurations index is told of each profile");
                solidarity_map_server::feeds::murmurations_index::Notifier::new(
                    state.store.clone(),
                    index,
                    public.as_str().to_owned(),
                )?
                .spawn();
            }
            // other maps this one mirrors: read now, then every --mirror-every
            solidarity_map_server::mirror::spawn(
                state.service(),
                state.site.public_url.clone(),
                std::time::Duration::from_secs(args.mirror_every),
            );
            // withdrawn and rejected entries lose their private fields once
            // the retention period is over: now, then every hour
            state
                .service()
                .spawn_scrubbing(args.retention.retention(), service::SCRUB_EVERY);
            // groups confirm now and then that they are still active: now,
            // then every hour
            state
                .service()
                .spawn_freshness(args.freshness.confirm_after(), service::FRESHNESS_EVERY);
            state.basemap = basemap;
            state.outlines = outlines;
            state.max_concurrent = args.max_concurrent;
            state.answer_cache_bytes = args.answer_cache_mb.saturating_mul(1 << 20);
            state.rate_limit_factor = args.rate_limit_factor;
            state.trusted_proxies = trusted_proxies;
            state.licence = args.licence.licence()?;
            tracing::info!(
                points = state.clusters.len(),
                megabytes = state.clusters.memory_bytes() / 1_000_000,
                seconds = started.elapsed().as_secs_f64(),
                "clustering index built"
            );
            if let Some(addr) = &args.metrics_addr {
                let handle = http::metrics::install()?;
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("--metrics-addr {addr}: {e}"))?;
                tracing::info!("metrics at http://{}/metrics", listener.local_addr()?);
                let metrics = http::metrics::router(handle, state.clone());
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, metrics).await {
                        tracing::error!(error = %e, "the metrics endpoint stopped");
                    }
                });
            }
            let listener = tokio::net::TcpListener::bind(&args.addr).await?;
            let bound = listener.local_addr()?;
            state.secure_cookies = args.secure_cookies(bound.ip());
            if state.secure_cookies && !args.behind_https {
                tracing::info!(
                    "the session cookie is Secure: moderators sign in over HTTPS \
                     (--insecure-cookies for a plain-HTTP intranet)"
                );
            }
            tracing::info!("Solidarity Map at http://{bound}/");
            let app = http::app_with_security(state, args.dist_dir, security);
            let deadline = std::time::Duration::from_secs(args.shutdown_timeout);
            http::serve_with_deadline(listener, app, deadline).await?;
        }
    }
    Ok(())
}
