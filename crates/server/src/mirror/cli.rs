//! `solidarity-map mirror …`: the operator connects this map to another
//! one, looks at its mirrors, runs a round by hand, resumes a stopped
//! mirror or removes one. A running server reads its mirrors by itself
//! (`--mirror-every`); what a command changes is on its map within a
//! round of its change follower.

use std::sync::Arc;

use clap::Subcommand;
use solidarity_map_core::mirror::{MirrorInfo, MirrorScope};
use solidarity_map_core::{BBox, CategorySlug, OrgId, PublicUrl};

use crate::service::{MirrorRef, Service};
use crate::store::Store;

#[derive(Subcommand)]
pub enum MirrorCommand {
    /// Follow another Solidarity Map: its entries (of these categories,
    /// in this box) appear here with its name and licence on their cards,
    /// and follow its changes. The other map's feed is read once now, so
    /// a wrong address is refused at once.
    Add {
        /// The other map's address, e.g. https://other.example/
        url: String,
        /// Its name on the cards. Default: its host name.
        #[arg(long)]
        name: Option<String>,
        /// Take only entries of this category (repeatable). Default: all.
        #[arg(long = "category", value_parser = parse_category)]
        categories: Vec<CategorySlug>,
        /// Take only entries in this box: minLon,minLat,maxLon,maxLat.
        #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true)]
        bbox: Option<BBox>,
        /// New entries wait for a moderator (the default).
        #[arg(long, conflicts_with = "publish")]
        as_pending: bool,
        /// New entries are public at once.
        #[arg(long)]
        publish: bool,
    },
    /// Every mirror: where it is, how many entries it keeps, and why it
    /// stopped if it did.
    List,
    /// Read the mirrors' maps once now (all, or the one named by number
    /// or address), as the server's job does. Fails when one fails.
    Run {
        mirror: Option<String>,
        /// This map's public address, as the server is given it: entries
        /// whose source it is are never taken back.
        #[arg(long, env = "PUBLIC_URL", value_parser = crate::config::parse_public_url)]
        public_url: Option<PublicUrl>,
    },
    /// Start a stopped mirror again, from where it stopped.
    Resume { mirror: String },
    /// Forget a mirror; its entries leave this map.
    Remove { mirror: String },
    /// Hide a mirrored entry from this map, whatever its source does.
    Hide { id: OrgId },
    /// Show a hidden mirrored entry again.
    Show { id: OrgId },
}

fn parse_category(raw: &str) -> Result<CategorySlug, String> {
    CategorySlug::parse(raw).map_err(|e| e.to_string())
}

fn parse_bbox(raw: &str) -> Result<BBox, String> {
    BBox::parse(raw).map_err(|e| e.to_string())
}

/// One line of `mirror list`.
fn line(m: &MirrorInfo) -> String {
    let mut out = format!(
        "{}\t{}\t{}\t{}\t{} kept ({} hidden)\t{}\tlast read {}",
        m.id,
        m.source.name,
        m.source.url.as_str(),
        m.state.as_str(),
        m.entries,
        m.hidden,
        if m.publish { "publish" } else { "as pending" },
        m.last_read
            .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339()),
    );
    if let Some(e) = &m.error {
        out.push_str("\terror: ");
        out.push_str(e);
    }
    out
}

/// Runs one `mirror` command.
pub async fn run(store: Arc<dyn Store>, command: MirrorCommand) -> anyhow::Result<()> {
    crate::seed::sync_categories(store.as_ref()).await?;
    let service = Service::new(store);
    match command {
        MirrorCommand::Add {
            url,
            name,
            categories,
            bbox,
            as_pending: _,
            publish,
        } => {
            let scope = MirrorScope { categories, bbox };
            let info = service
                .add_mirror(&url, name.as_deref(), scope, publish)
                .await?;
            println!("{}", line(&info));
            println!(
                "added: a running server reads it within --mirror-every; \
                 `solidarity-map mirror run` reads it now"
            );
        }
        MirrorCommand::List => {
            for m in service.mirror_records().await? {
                println!("{}", line(&m.info));
            }
        }
        MirrorCommand::Run { mirror, public_url } => {
            let mirrors = match mirror {
                Some(which) => vec![service.find_mirror(&MirrorRef::parse(&which)).await?],
                None => service.mirror_records().await?,
            };
            let mut failed = 0;
            for m in mirrors {
                if m.info.state != solidarity_map_core::mirror::MirrorState::Following {
                    println!(
                        "{}: stopped, skipped (mirror resume {})",
                        m.info.id, m.info.id
                    );
                    continue;
                }
                match service.mirror_round(&m, public_url.as_ref()).await {
                    Ok(r) => println!(
                        "{}: {} added, {} updated, {} removed, {} left alone{}",
                        m.info.id,
                        r.counts.added,
                        r.counts.updated,
                        r.counts.removed,
                        r.counts.skipped,
                        if r.full { " (read the whole map)" } else { "" }
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: {e}", m.info.id);
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!("{failed} mirror(s) failed");
            }
        }
        MirrorCommand::Resume { mirror } => {
            let info = service.resume_mirror(&MirrorRef::parse(&mirror)).await?;
            println!("{}", line(&info));
        }
        MirrorCommand::Remove { mirror } => {
            let removed = service.remove_mirror(&MirrorRef::parse(&mirror)).await?;
            println!("removed; {removed} of its entries left the map");
        }
        MirrorCommand::Hide { id } => {
            service.hide_mirrored(id, true, "operator").await?;
            println!("hidden");
        }
        MirrorCommand::Show { id } => {
            service.hide_mirrored(id, false, "operator").await?;
            println!("shown");
        }
    }
    Ok(())
}
