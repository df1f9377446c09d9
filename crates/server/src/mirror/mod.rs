//! Mirroring another map: follow its public change feed (`/api/changes`)
//! and keep the part of it the operator chose here, with its source and
//! licence on each card.
//!
//! A mirror starts (and starts over, when the other map's feed no longer
//! reaches its place) with a full read: the feed's present end first,
//! then the whole map, applied as one page that also takes away what the
//! map no longer has; then it follows the feed a page at a time. Each
//! page is applied with the move of the mirror's cursor in one
//! transaction, only if the cursor is still where this read began
//! ([`crate::store::Mirrors`]): a restart resumes where the last applied
//! page ended, and two instances on one database never apply a page
//! twice. An entry keeps its id; one this map already has and does not
//! keep for this mirror is left alone, and one whose source is this map
//! itself is never taken, so maps that mirror each other do not send
//! entries round. The job ([`spawn`]) reads each mirror every
//! `--mirror-every`; a map that is away or busy is asked again after a
//! wait that doubles (at least what its `Retry-After` says), and an
//! answer that is not a feed stops that mirror with the reason, having
//! applied nothing of it.

pub mod cli;
pub mod remote;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use solidarity_map_core::changes::{ChangeKind, ChangePage};
use solidarity_map_core::mirror::{DataSource, MirrorState, stored_form};
use solidarity_map_core::{CategorySlug, Feature, PublicOrganization, PublicUrl};

use crate::service::Service;
use crate::store::{MirrorCounts, MirrorItem, MirrorPage, MirrorRecord};
pub use remote::{Remote, RemoteError};

/// How often the job reads each mirror's map, unless told otherwise.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// The longest wait between two tries while a map is away.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The most pages one round reads of one map; the rest waits for the
/// next round, so one busy map does not hold up the others.
const PAGES_PER_ROUND: usize = 50;

/// How long one request to another map's feed may take (the whole map,
/// read once, may take longer: see [`remote`]).
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// What one round of one mirror did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Round {
    pub pages: usize,
    pub counts: MirrorCounts,
    /// It read the whole map (its first round, or its place was lost).
    pub full: bool,
}

/// What a mirror needs to know of this map.
#[derive(Debug, Clone)]
pub struct Here {
    /// This map's own address: an entry whose source it is came from
    /// here, and is never taken back.
    pub own: Option<PublicUrl>,
    /// The categories this map has: an entry of another is not taken.
    pub categories: HashSet<CategorySlug>,
}

/// Reads mirror `mirror`'s map from where it is and applies what changed:
/// the pages applied, or why it could not go on.
pub async fn round(
    service: &Service,
    remote: &Remote,
    mirror: &MirrorRecord,
    here: &Here,
) -> Result<Round, RoundError> {
    let mut done = Round::default();
    let mut cursor = mirror.cursor.clone();
    for _ in 0..PAGES_PER_ROUND {
        let page = match cursor.as_deref() {
            None => {
                done.full = true;
                full_read(remote, mirror, here).await?
            }
            Some(at) => match remote.changes(Some(at)).await {
                Ok(page) => {
                    let more = page.more;
                    (feed_page(page, mirror, here, remote.base())?, more)
                }
                Err(RemoteError::Expired { url }) => {
                    tracing::warn!(%url, "mirror: the feed no longer reaches our place; reading the whole map");
                    done.full = true;
                    full_read(remote, mirror, here).await?
                }
                Err(e) => return Err(e.into()),
            },
        };
        let (page, more) = page;
        let next = page.next.clone();
        match service
            .apply_mirror_page(mirror.info.id, cursor.as_deref(), &page)
            .await?
        {
            Some(counts) => {
                done.pages += 1;
                done.counts.added += counts.added;
                done.counts.updated += counts.updated;
                done.counts.removed += counts.removed;
                done.counts.skipped += counts.skipped;
            }
            // another instance got there first, or it was stopped: its
            // next round starts from wherever that left it
            None => return Ok(done),
        }
        cursor = Some(next);
        if !more {
            break;
        }
    }
    Ok(done)
}

/// The whole map as one page that replaces what the mirror kept, and
/// whether the feed had more after its present end (never).
async fn full_read(
    remote: &Remote,
    mirror: &MirrorRecord,
    here: &Here,
) -> Result<(MirrorPage, bool), RoundError> {
    // the feed's end first: what changes during the read comes after it
    let head = remote.changes(None).await?;
    let all = remote.everything().await?;
    let source = source_of(mirror, &head, remote.base());
    let mut items = Vec::new();
    for feature in &all.features {
        if let Some(item) = put(feature, mirror, here, &source)? {
            items.push(item);
        }
    }
    Ok((
        MirrorPage {
            next: head.next,
            license: head.license,
            license_url: Some(head.license_url),
            items,
            complete: true,
        },
        false,
    ))
}

/// A page of the feed as this map applies it.
fn feed_page(
    page: ChangePage,
    mirror: &MirrorRecord,
    here: &Here,
    base: &PublicUrl,
) -> Result<MirrorPage, RoundError> {
    let source = source_of(mirror, &page, base);
    let mut items = Vec::with_capacity(page.changes.len());
    for change in &page.changes {
        let item = match (&change.kind, &change.feature) {
            (ChangeKind::Removed, _) => None,
            (_, Some(feature)) => put(feature, mirror, here, &source)?,
            (_, None) => {
                return Err(RoundError::Bad(format!(
                    "{}: change {} of {} has no entry",
                    base.as_str(),
                    change.id,
                    change.at
                )));
            }
        };
        items.push(item.unwrap_or(MirrorItem::Remove(change.id)));
    }
    Ok(MirrorPage {
        next: page.next,
        license: page.license,
        license_url: Some(page.license_url),
        items,
        complete: false,
    })
}

/// The source a card names for an entry of this mirror's map that is its
/// own there: the map, under the licence its feed names now.
fn source_of(mirror: &MirrorRecord, page: &ChangePage, base: &PublicUrl) -> DataSource {
    DataSource::new(
        &mirror.info.source.name,
        base.clone(),
        &page.license,
        Some(&page.license_url),
    )
}

/// An entry as this mirror keeps it, or `None` when it does not take it
/// (out of its scope, of a category this map lacks, or from this map).
fn put(
    feature: &Feature<PublicOrganization>,
    mirror: &MirrorRecord,
    here: &Here,
    source: &DataSource,
) -> Result<Option<MirrorItem>, RoundError> {
    let p = &feature.properties;
    let from_here = p
        .source
        .as_ref()
        .is_some_and(|s| here.own.as_ref() == Some(&s.url));
    if from_here || !here.categories.contains(&p.category) || !mirror.info.scope.takes(feature) {
        return Ok(None);
    }
    let org = stored_form(feature).map_err(|e| {
        RoundError::Bad(format!(
            "{}: entry {} does not follow this map's rules ({e})",
            source.url.as_str(),
            p.id
        ))
    })?;
    Ok(Some(MirrorItem::Put {
        id: p.id,
        org: Box::new(org),
        confirmed: p.last_confirmed,
        stale: p.stale,
        // an entry its map mirrors in turn names where it comes from,
        // held to the same rules as a source named here
        source: p.source.as_ref().map_or_else(
            || source.clone(),
            |s| {
                DataSource::new(
                    &s.name,
                    s.url.clone(),
                    &s.license,
                    s.license_url.as_ref().map(|u| u.as_str()),
                )
            },
        ),
    }))
}

/// Why a round stopped.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// An answer that parsed but cannot be applied.
    #[error("{0}")]
    Bad(String),
    #[error(transparent)]
    Here(#[from] crate::service::Error),
}

impl RoundError {
    /// Whether the mirror stops (until resumed) rather than retries.
    pub fn stops(&self) -> bool {
        matches!(
            self,
            RoundError::Bad(_) | RoundError::Remote(RemoteError::Bad { .. })
        )
    }

    /// How long the map asked to be left alone, if it did.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            RoundError::Remote(RemoteError::Away { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }
}

/// Reads every following mirror every `every`, for as long as the server
/// runs; a map away is asked again after a wait that doubles up to an
/// hour (never sooner than its `Retry-After`).
pub fn spawn(
    service: Service,
    own: Option<PublicUrl>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // per mirror: when it may be read next, and its present wait
        let mut backoff: HashMap<i64, (Instant, Duration)> = HashMap::new();
        loop {
            match service.mirror_records().await {
                Ok(mirrors) => {
                    for mirror in mirrors {
                        if mirror.info.state != MirrorState::Following {
                            continue;
                        }
                        let id = mirror.info.id;
                        if backoff.get(&id).is_some_and(|(at, _)| Instant::now() < *at) {
                            continue;
                        }
                        match service.mirror_round(&mirror, own.as_ref()).await {
                            Ok(_) => {
                                backoff.remove(&id);
                            }
                            Err(e) if e.stops() => {
                                backoff.remove(&id);
                            }
                            Err(e) => {
                                let wait = backoff
                                    .get(&id)
                                    .map_or(every, |(_, w)| (*w * 2).min(MAX_BACKOFF));
                                let wait = wait.max(e.retry_after().unwrap_or_default());
                                tracing::warn!(mirror = id, error = %e, retry_in = ?wait, "mirror");
                                backoff.insert(id, (Instant::now() + wait, wait));
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "mirrors: cannot read the list"),
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use solidarity_map_core::mirror::{MirrorInfo, MirrorScope};

    use super::*;

    fn feature(source: Option<&str>) -> Feature<PublicOrganization> {
        let mut properties = serde_json::json!({
            "id": "3f2a9d6e-1b7c-4c2e-9a44-0c6f3e1d2b5a",
            "name": {"en": "Harbour Solidarity"},
            "description": {"en": "We meet."},
            "category": "solidarity",
            "city": "Haifa",
            "country": "IL",
            "precision": "city",
            "updated_at": "2026-01-02T03:04:05Z",
            "last_confirmed": "2026-01-02T03:04:05Z",
        });
        if let Some(url) = source {
            properties["source"] = serde_json::json!({
                "name": "Somewhere\u{7} else",
                "url": url,
                "license": "ODbL-1.0",
            });
        }
        serde_json::from_value(serde_json::json!({
            "type": "Feature",
            "id": "3f2a9d6e-1b7c-4c2e-9a44-0c6f3e1d2b5a",
            "geometry": {"type": "Point", "coordinates": [35.0, 32.8]},
            "properties": properties,
        }))
        .unwrap()
    }

    fn mirror() -> MirrorRecord {
        let source = DataSource::new(
            "Map B",
            PublicUrl::parse("https://b.example").unwrap(),
            "ODbL-1.0",
            None,
        );
        MirrorRecord {
            info: MirrorInfo {
                id: 1,
                source,
                scope: MirrorScope::default(),
                publish: true,
                state: MirrorState::Following,
                error: None,
                last_read: None,
                entries: 0,
                hidden: 0,
            },
            cursor: None,
        }
    }

    #[test]
    fn what_came_from_here_is_never_taken_back() {
        let here = Here {
            own: Some(PublicUrl::parse("https://a.example").unwrap()),
            categories: HashSet::from([CategorySlug::parse("solidarity").unwrap()]),
        };
        let m = mirror();
        let source = m.info.source.clone();
        // B's own entry: taken, naming B
        let Some(MirrorItem::Put { source: named, .. }) =
            put(&feature(None), &m, &here, &source).unwrap()
        else {
            panic!("B's own entry is not taken");
        };
        assert_eq!(named.name, "Map B");
        // an entry B mirrors from C: taken, naming C, its name cleaned
        let Some(MirrorItem::Put { source: named, .. }) =
            put(&feature(Some("https://c.example")), &m, &here, &source).unwrap()
        else {
            panic!("C's entry is not taken");
        };
        assert_eq!(
            (named.name.as_str(), named.url.as_str()),
            ("Somewhere else", "https://c.example")
        );
        // an entry B mirrors from this map: never taken back
        assert!(
            put(&feature(Some("https://a.example")), &m, &here, &source)
                .unwrap()
                .is_none()
        );
        // nor one of a category this map does not have
        let here = Here {
            categories: HashSet::new(),
            ..here
        };
        assert!(put(&feature(None), &m, &here, &source).unwrap().is_none());
    }
}
