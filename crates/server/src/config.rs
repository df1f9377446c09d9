//! Settings from flags and environment, with defaults that work on a fresh
//! machine.

use std::path::PathBuf;

use clap::Args;
use solidarity_map_core::{OWN_TILE_ATTRIBUTION, OWN_TILE_URL, SiteConfig};

use crate::basemap::Info;

/// The SQLite file used when no database is configured.
pub const DEFAULT_SQLITE_PATH: &str = "state/solidarity-map.db";

/// Where `cargo xtask run` installs the bundled world basemap, and where
/// the server looks for it when no `--basemap` is given.
pub const DEFAULT_BASEMAP_PATH: &str = "state/basemap.mbtiles";

/// Where `cargo xtask run` installs Natural Earth's 1:10m countries (from
/// npm's `world-atlas`), and where the server looks for them when no
/// `--outlines` is given.
pub const DEFAULT_OUTLINES_PATH: &str = "state/countries-10m.json";

/// The attribution for another tile server when the operator names none:
/// most serve OpenStreetMap's data.
pub const OSM_ATTRIBUTION: &str =
    "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `postgres://…` or `sqlite:path`. Without it: a SQLite file at
    /// state/solidarity-map.db, created on first start.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    /// The URL to connect to, creating the default SQLite file's folder.
    pub fn url(&self) -> anyhow::Result<String> {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => Ok(url.clone()),
            _ => {
                let path = PathBuf::from(DEFAULT_SQLITE_PATH);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                Ok(format!("sqlite:{}", path.display()))
            }
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// The built web client.
    #[arg(long, env = "DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,
    /// Tile URL template for the base map. By default the site's own
    /// basemap (`/tiles/{z}/{x}/{y}.png`, from `--basemap`, with the
    /// extension of its tiles), so that no
    /// visitor's browser asks another server for anything. Another
    /// server's template (e.g.
    /// `https://tile.openstreetmap.org/{z}/{x}/{y}.png`) is opt-in: that
    /// server then learns where every visitor looks, from their address;
    /// the Content-Security-Policy allows its host for images and the map
    /// names it. Empty: no tiles, the app's own country outlines only.
    #[arg(long, env = "TILE_URL", default_value = OWN_TILE_URL)]
    pub tile_url: String,
    /// Attribution shown for the tiles (HTML). Default: the basemap file's
    /// own `attribution` (the bundled basemap's full credit for it), or
    /// OpenStreetMap's for another tile server.
    #[arg(long, env = "TILE_ATTRIBUTION")]
    pub tile_attribution: Option<String>,
    /// The basemap file whose tiles are served at
    /// `/tiles/{z}/{x}/{y}.{png,jpg,webp,mvt}`: an MBTiles file (raster)
    /// or a PMTiles v3 archive (raster, or vector tiles such as a city cut
    /// out of a Protomaps build with `pmtiles extract`), told apart by
    /// their first bytes. `cargo xtask run` installs the bundled world
    /// basemap (zoom 0 to 6) at `state/basemap.mbtiles`, used when this is
    /// not given; when that one is missing, the log says so and the map
    /// shows the app's own country outlines. A file named here must open,
    /// or the server does not start.
    #[arg(long, env = "BASEMAP")]
    pub basemap: Option<PathBuf>,
    /// The country outlines (a TopoJSON topology with an object
    /// `countries`, as npm's `world-atlas` has them) drawn as tiles at
    /// `/tiles/outlines/…` wherever the basemap has none. `cargo xtask
    /// run` installs Natural Earth's 1:10m ones at
    /// `state/countries-10m.json`, used when this is not given; a file
    /// named here must open, or the server does not start.
    #[arg(long, env = "OUTLINES")]
    pub outlines: Option<PathBuf>,
    /// Do not add the demo organisations to an empty database.
    #[arg(long, env = "NO_DEMO_DATA")]
    pub no_demo: bool,
    /// Sites that may show the embed (`/embed`) in a frame: `'none'`, or
    /// origins separated by spaces or commas (`'self'
    /// https://partner.example`; `https:` for any HTTPS site). Every other
    /// page refuses to be framed whatever this says. `--frame-ancestors` is
    /// its former name.
    #[arg(
        long,
        env = "EMBED_ORIGINS",
        default_value = "'self'",
        alias = "frame-ancestors"
    )]
    pub embed_origins: String,
    /// The site is reached over HTTPS (e.g. behind a TLS proxy): send
    /// Strict-Transport-Security, and a `Secure` session cookie.
    #[arg(long, env = "BEHIND_HTTPS")]
    pub behind_https: bool,
    /// Send the moderators' session cookie without `Secure` even when the
    /// server listens on an address other than loopback: for an intranet
    /// reached over plain HTTP, where a browser would drop a `Secure`
    /// cookie and nobody could sign in.
    #[arg(long, env = "INSECURE_COOKIES", conflicts_with = "behind_https")]
    pub insecure_cookies: bool,
    /// The address the public reaches the site at, e.g.
    /// `https://map.example.org` (behind a proxy the server cannot know
    /// it): links the site gives out (linked data, exports, the embed
    /// snippet) are absolute under it. Without it they are relative.
    #[arg(long, env = "PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<solidarity_map_core::PublicUrl>,
    /// Serve Prometheus metrics at `http://ADDR/metrics` (e.g.
    /// `127.0.0.1:9100`): an address of their own, for the operators, never
    /// the public port. Without it nothing is recorded.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// A Murmurations index API (e.g.
    /// `https://index.murmurations.network/v2`) to tell of new, changed
    /// and removed profiles, through the change log, so none is lost while
    /// it is unreachable. Off by default: nobody is told anything.
    #[arg(long, env = "MURMURATIONS_INDEX", value_parser = parse_index_url)]
    pub murmurations_index: Option<url::Url>,
    /// Seconds between two reads of each mirrored map's change feed (see
    /// `solidarity-map mirror add`); a map that is away is asked again
    /// after a wait that doubles, up to an hour.
    #[arg(long, env = "MIRROR_EVERY", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub mirror_every: u64,
    /// Seconds the requests in flight get to finish after SIGTERM or
    /// Ctrl-C; then the server exits, whatever still hangs.
    #[arg(long, env = "SHUTDOWN_TIMEOUT", default_value_t = 20)]
    pub shutdown_timeout: u64,
    /// Requests handled at once; beyond it a request gets 503 with
    /// `Retry-After: 1` at once instead of waiting.
    #[arg(long, env = "MAX_CONCURRENT", default_value_t = 512)]
    pub max_concurrent: usize,
    /// Megabytes of memory for the map's public answers (lists, clusters,
    /// legend, counts), kept compressed until the map changes; 0 makes
    /// every request compute its answer.
    #[arg(long, env = "ANSWER_CACHE_MB", default_value_t = 32)]
    pub answer_cache_mb: usize,
    /// Multiplies the per-address limits on joining, edit links and
    /// sign-in (burst and rate). 1 is the tested default; raise it only
    /// for a known crowd behind one address, or for a fuzzing run.
    #[arg(long, env = "RATE_LIMIT_FACTOR", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rate_limit_factor: u32,
    /// The reverse proxies in front of the server, as addresses or networks
    /// separated by commas (`127.0.0.1,10.0.0.0/8`). The rate limits count
    /// a request from one of them by the client address the proxy forwards
    /// (`--forwarded-header`); any other request by its own address, and
    /// its forwarding headers are ignored. None by default.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// The header the trusted proxies name the client in.
    #[arg(long, env = "FORWARDED_HEADER", value_enum, default_value_t)]
    pub forwarded_header: crate::http::client_ip::ForwardedHeader,
    #[command(flatten)]
    pub licence: LicenceArgs,
    #[command(flatten)]
    pub retention: RetentionArgs,
    #[command(flatten)]
    pub freshness: FreshnessArgs,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// Where the map's mail goes. Without an SMTP server it stays in the
/// outbox, where moderators read it: nothing is lost.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// The SMTP server that sends the map's mail:
    /// `smtp://user:pass@host:port` (STARTTLS, required unless the host is
    /// loopback; `?tls=opportunistic` accepts a server that offers none) or
    /// `smtps://…` (TLS from the start). Without it, mail stays in the
    /// outbox (`mail list`, the moderation page).
    #[arg(long, env = "SMTP_URL", requires = "mail_from")]
    pub smtp_url: Option<String>,
    /// Who the mail is from: `Name <address>` or an address.
    #[arg(long, env = "MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Send nothing (a staging copy of real data): every mail is kept in
    /// the outbox, marked held, pending ones included.
    #[arg(long, env = "MAIL_DISABLED")]
    pub mail_disabled: bool,
    /// Do not send the groups' mail (received with the edit link,
    /// published, not published, edit live): it is kept, marked held.
    #[arg(long, env = "NO_TRANSACTIONAL_MAIL")]
    pub no_transactional_mail: bool,
    /// Do not send notifications (the moderators' digests): none is
    /// written.
    #[arg(long, env = "NO_NOTIFICATION_MAIL")]
    pub no_notification_mail: bool,
    /// A moderator gets a digest of the queue at most this often, and
    /// none when it is empty.
    #[arg(long, env = "MODERATOR_DIGEST_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u32).range(1..=8_760))]
    pub moderator_digest_hours: u32,
    /// Seconds before a mail that could not be sent is tried again; each
    /// later try waits twice as long, up to an hour.
    #[arg(long, env = "MAIL_RETRY_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub mail_retry_seconds: u64,
}

impl MailArgs {
    /// The SMTP server, checked, unless mail stays in the outbox or is
    /// disabled.
    pub fn smtp(&self) -> anyhow::Result<Option<crate::mail::smtp::Smtp>> {
        match (&self.smtp_url, &self.mail_from) {
            (Some(url), Some(from)) if !url.trim().is_empty() => {
                Ok(Some(crate::mail::smtp::Smtp::new(url.trim(), from)?))
            }
            (Some(url), None) if !url.trim().is_empty() => {
                anyhow::bail!("--smtp-url needs --mail-from")
            }
            _ => Ok(None),
        }
    }

    /// The policy the use cases write mail by, given the SMTP server and
    /// the site's public address.
    pub fn policy(
        &self,
        smtp: Option<&crate::mail::smtp::Smtp>,
        public_url: Option<solidarity_map_core::PublicUrl>,
    ) -> crate::mail::MailPolicy {
        use crate::mail::Delivery;
        let delivery = match (self.mail_disabled, smtp) {
            (true, _) => Delivery::Disabled,
            (false, Some(_)) => Delivery::Smtp,
            (false, None) => Delivery::Outbox,
        };
        crate::mail::MailPolicy {
            delivery,
            public_url,
            from_address: smtp.map(crate::mail::smtp::Smtp::from_address),
            transactional: !self.no_transactional_mail,
            notification: !self.no_notification_mail,
            ..Default::default()
        }
    }

    /// The outbox's worker for this server.
    pub fn worker(
        &self,
        store: std::sync::Arc<dyn crate::store::Store>,
        policy: crate::mail::MailPolicy,
        smtp: Option<crate::mail::smtp::Smtp>,
    ) -> crate::mail::worker::Worker {
        crate::mail::worker::Worker {
            store,
            policy,
            smtp,
            retry: std::time::Duration::from_secs(self.mail_retry_seconds),
            digest_every: chrono::TimeDelta::hours(i64::from(self.moderator_digest_hours)),
        }
    }
}

/// How long withdrawn and rejected entries keep their private fields.
#[derive(Debug, Clone, Args)]
pub struct RetentionArgs {
    /// Days a withdrawn or rejected entry keeps its contact address and
    /// exact point after its status changed; then both are scrubbed, from
    /// the entry and every revision of it. 0 scrubs at once.
    #[arg(long, env = "RETENTION_DAYS",
          default_value_t = crate::service::DEFAULT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub retention_days: u32,
}

impl RetentionArgs {
    /// The retention period.
    pub fn retention(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::try_days(i64::from(self.retention_days))
            .unwrap_or(chrono::TimeDelta::MAX)
    }
}

/// When a group is asked whether its entry is still active.
#[derive(Debug, Clone, Args)]
pub struct FreshnessArgs {
    /// Days after an entry was last confirmed as active (approved, an edit
    /// approved, or its group's answer) before its group is asked "still
    /// active?" by mail; without an answer a reminder follows 30 days
    /// later, and 30 days after it the entry is marked stale.
    #[arg(long, env = "CONFIRM_AFTER_DAYS",
          default_value_t = crate::service::DEFAULT_CONFIRM_AFTER_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub confirm_after_days: u32,
}

impl FreshnessArgs {
    /// The period after which a group is asked.
    pub fn confirm_after(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::try_days(i64::from(self.confirm_after_days))
            .unwrap_or(chrono::TimeDelta::MAX)
    }
}

/// The licence of the organisation data, named in every export.
#[derive(Debug, Clone, Args)]
pub struct LicenceArgs {
    /// The data licence's short name (an SPDX identifier where there is one).
    #[arg(long, env = "DATA_LICENCE", default_value = crate::open_data::DEFAULT_LICENCE)]
    pub data_licence: String,
    /// Where the data licence's text is.
    #[arg(long, env = "DATA_LICENCE_URL", default_value = crate::open_data::DEFAULT_LICENCE_URL)]
    pub data_licence_url: String,
}

impl LicenceArgs {
    /// The licence, checked.
    pub fn licence(&self) -> anyhow::Result<crate::open_data::Licence> {
        crate::open_data::Licence::new(&self.data_licence, &self.data_licence_url)
            .map_err(|e| anyhow::anyhow!("--{}", e.to_string().replace('_', "-")))
    }
}

/// `--public-url`, checked when the command line is read, for `serve`
/// and `export` alike.
/// An index's address: http or https, with a host.
pub fn parse_index_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("not a full address: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http(s) address with a host".into());
    }
    Ok(url)
}

pub fn parse_public_url(raw: &str) -> Result<solidarity_map_core::PublicUrl, String> {
    solidarity_map_core::PublicUrl::parse(raw).map_err(|e| e.message)
}

impl ServeArgs {
    /// Whether the session cookie is `Secure` for a server listening on
    /// `bound`: over HTTPS, and by default whenever it can be reached from
    /// another machine, where a cookie sent in clear could be read on the
    /// way; not on loopback (a browser on the same machine) or with
    /// `--insecure-cookies`.
    pub fn secure_cookies(&self, bound: std::net::IpAddr) -> bool {
        self.behind_https || !(self.insecure_cookies || bound.to_canonical().is_loopback())
    }

    /// The trusted proxies, checked.
    pub fn trusted_proxies(&self) -> anyhow::Result<crate::http::client_ip::TrustedProxies> {
        crate::http::client_ip::TrustedProxies::new(&self.trusted_proxies, self.forwarded_header)
            .map_err(anyhow::Error::msg)
    }

    /// The basemap file to serve, and whether the operator named it (then
    /// it must open; the installed default may be missing).
    pub fn basemap_file(&self) -> (PathBuf, bool) {
        match &self.basemap {
            Some(path) => (path.clone(), true),
            None => (PathBuf::from(DEFAULT_BASEMAP_PATH), false),
        }
    }

    /// The outlines file to draw, and whether the operator named it.
    pub fn outlines_file(&self) -> (PathBuf, bool) {
        match &self.outlines {
            Some(path) => (path.clone(), true),
            None => (PathBuf::from(DEFAULT_OUTLINES_PATH), false),
        }
    }

    /// Whether the tiles are the site's own, from `--basemap`.
    pub fn uses_basemap(&self) -> bool {
        self.tile_url.trim().starts_with("/tiles/")
    }

    /// What the client is told about the tiles, given what the basemap
    /// says of itself when one could be opened:
    ///
    /// - the site's own tiles: their address with the basemap's extension,
    ///   its zoom levels, bounds and kind, and its credit (the operator's
    ///   `--tile-attribution`, else the file's own `attribution`, else the
    ///   bundled basemap's for the installed default); no tiles at all
    ///   (outlines only) when there is no basemap;
    /// - another server's: its attribution, followed by the name of the
    ///   server the visitors' browsers ask, which sees them;
    /// - none: none.
    pub fn site(&self, basemap: Option<&Info>) -> SiteConfig {
        let tile_url = self.tile_url.trim().to_owned();
        let given = self
            .tile_attribution
            .clone()
            .filter(|a| !a.trim().is_empty());
        if self.uses_basemap() {
            let Some(info) = basemap else {
                return SiteConfig::without_tiles();
            };
            // the installed default is the bundled basemap
            let bundled = self
                .basemap
                .is_none()
                .then(|| OWN_TILE_ATTRIBUTION.to_owned());
            return SiteConfig {
                tile_url: format!("/tiles/{{z}}/{{x}}/{{y}}.{}", info.format.extension()),
                tile_attribution: given
                    .or_else(|| info.attribution.clone())
                    .or(bundled)
                    .unwrap_or_default(),
                tile_max_zoom: Some(info.max_zoom),
                tile_min_zoom: Some(info.min_zoom),
                tile_bounds: info.bounds.map(|b| b.to_array()),
                tile_kind: info.format.kind(),
                ..SiteConfig::without_tiles()
            };
        }
        let mut site = SiteConfig {
            tile_url,
            tile_attribution: given.unwrap_or_default(),
            ..SiteConfig::without_tiles()
        };
        if site.third_party_tiles() {
            if site.tile_attribution.is_empty() {
                site.tile_attribution = OSM_ATTRIBUTION.to_owned();
            }
            if let Some(host) = tile_host(&site.tile_url) {
                site.tile_attribution = format!(
                    "{} | tiles served by {host}, a third party that sees who looks where",
                    site.tile_attribution
                );
            }
        }
        site
    }

    /// The security header settings, checked.
    pub fn security(&self) -> anyhow::Result<crate::http::security::SecurityConfig> {
        crate::http::security::SecurityConfig::new(&self.embed_origins, self.behind_https)
            .map_err(anyhow::Error::msg)
    }
}

/// The host a remote tile URL template names, for people to read
/// (`https://{s}.tile.example.org/…` gives `tile.example.org`); `None`
/// for a template the Content-Security-Policy cannot allow.
fn tile_host(tile_url: &str) -> Option<String> {
    let source = crate::http::security::tile_source(tile_url)?;
    let host = source.split_once("://").map_or(source.as_str(), |(_, h)| h);
    Some(host.strip_prefix("*.").unwrap_or(host).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn args(flags: &[&str]) -> ServeArgs {
        let mut argv = vec!["serve"];
        argv.extend_from_slice(flags);
        Cli::parse_from(argv).serve
    }

    /// A raster basemap of zoom levels 0 to 6 without bounds or credit,
    /// like the bundled one.
    fn world() -> Info {
        Info {
            format: crate::basemap::TileFormat::Png,
            min_zoom: 0,
            max_zoom: 6,
            bounds: None,
            attribution: None,
        }
    }

    #[test]
    fn by_default_the_tiles_are_the_basemaps() {
        let a = args(&[]);
        assert!(a.uses_basemap());
        assert_eq!(
            a.basemap_file(),
            (PathBuf::from(DEFAULT_BASEMAP_PATH), false)
        );
        let site = a.site(Some(&world()));
        assert_eq!(
            site,
            SiteConfig {
                tile_min_zoom: Some(0),
                ..SiteConfig::default()
            }
        );
        assert!(!site.third_party_tiles());
        // no basemap: outlines only, no broken tiles
        assert_eq!(a.site(None), SiteConfig::without_tiles());
    }

    #[test]
    fn another_tile_server_is_named() {
        let a = args(&["--tile-url", "https://{s}.tile.example.org/{z}/{x}/{y}.png"]);
        assert!(!a.uses_basemap());
        let site = a.site(Some(&world()));
        assert!(site.third_party_tiles());
        assert_eq!(site.tile_max_zoom, None);
        assert!(site.tile_attribution.starts_with(OSM_ATTRIBUTION));
        assert!(
            site.tile_attribution
                .contains("tiles served by tile.example.org")
        );
        let a = args(&[
            "--tile-url",
            "https://tiles.example.net/{z}/{x}/{y}.png",
            "--tile-attribution",
            "Example tiles",
        ]);
        assert!(
            a.site(None)
                .tile_attribution
                .starts_with("Example tiles | tiles served by tiles.example.net")
        );
        assert_eq!(
            args(&["--tile-url", ""]).site(Some(&world())),
            SiteConfig::without_tiles()
        );
    }

    #[test]
    fn a_named_basemap_says_what_it_is_and_credits_itself() {
        let city = Info {
            format: crate::basemap::TileFormat::Mvt,
            min_zoom: 0,
            max_zoom: 15,
            bounds: crate::basemap::Bounds::new(35.1, 31.7, 35.3, 31.85),
            attribution: Some("<a href=\"https://openstreetmap.org\">OSM</a>".into()),
        };
        let a = args(&["--basemap", "jerusalem.pmtiles"]);
        let site = a.site(Some(&city));
        assert_eq!(site.tile_url, "/tiles/{z}/{x}/{y}.mvt");
        assert_eq!(site.tile_kind, solidarity_map_core::TileKind::Vector);
        assert_eq!(
            (site.tile_min_zoom, site.tile_max_zoom),
            (Some(0), Some(15))
        );
        assert_eq!(site.tile_bounds, Some([35.1, 31.7, 35.3, 31.85]));
        assert_eq!(site.tile_attribution, city.attribution.clone().unwrap());
        assert!(!site.third_party_tiles());
        // the operator's credit wins; a named file without one claims none
        let a = args(&["--basemap", "x.pmtiles", "--tile-attribution", "Mine"]);
        assert_eq!(a.site(Some(&city)).tile_attribution, "Mine");
        let a = args(&["--basemap", "x.mbtiles"]);
        assert_eq!(a.site(Some(&world())).tile_attribution, "");
    }

    #[test]
    fn mail_stays_in_the_outbox_unless_an_smtp_server_is_named() {
        use crate::mail::Delivery;
        let none = args(&[]);
        assert!(none.mail.smtp().expect("no server").is_none());
        let policy = none.mail.policy(None, None);
        assert_eq!(policy.delivery, Delivery::Outbox);
        assert!(policy.transactional && policy.notification);

        let named = args(&[
            "--smtp-url",
            "smtp://u:p@127.0.0.1:2525",
            "--mail-from",
            "Map <map@example.org>",
            "--no-notification-mail",
        ]);
        let smtp = named.mail.smtp().expect("a server");
        let policy = named.mail.policy(smtp.as_ref(), None);
        assert_eq!(policy.delivery, Delivery::Smtp);
        assert_eq!(policy.from_address.as_deref(), Some("map@example.org"));
        assert!(policy.transactional && !policy.notification);

        let staging = args(&[
            "--smtp-url",
            "smtp://127.0.0.1:2525",
            "--mail-from",
            "map@example.org",
            "--mail-disabled",
        ]);
        let smtp = staging.mail.smtp().expect("a server");
        assert_eq!(
            staging.mail.policy(smtp.as_ref(), None).delivery,
            Delivery::Disabled
        );
        // a server without a sender is refused by clap
        assert!(Cli::try_parse_from(["serve", "--smtp-url", "smtp://127.0.0.1:2525"]).is_err());
    }
}
