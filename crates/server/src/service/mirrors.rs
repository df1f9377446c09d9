//! Mirroring other maps (see [`crate::mirror`]): adding one (checked
//! against the other map's feed first, so a wrong address is refused at
//! once), one round of reading it, stopping, resuming and removing one,
//! and a moderator hiding a mirrored entry. The command line, the
//! server's job and the moderation page all call these.

use std::collections::HashSet;

use solidarity_map_core::mirror::{DataSource, MirrorInfo, MirrorScope, MirrorsPage};
use solidarity_map_core::{FieldError, OrgId, PublicUrl};

use super::{Error, Result, Service};
use crate::mirror::{self, Here, Remote, Round, RoundError};
use crate::store::{MirrorCounts, MirrorPage, MirrorRecord, NewMirror};

/// Which mirror: by its number or by its map's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorRef {
    Id(i64),
    Url(String),
}

impl MirrorRef {
    /// A number, or an address written as `mirror add` stores it (so
    /// `https://A.example/` finds `https://a.example`).
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        match raw.parse::<i64>() {
            Ok(id) => MirrorRef::Id(id),
            Err(_) => MirrorRef::Url(PublicUrl::parse(raw).map_or_else(
                |_| raw.trim_end_matches('/').to_owned(),
                |u| u.as_str().to_owned(),
            )),
        }
    }
}

impl Service {
    /// Adds a mirror of the map at `url`, once its feed answers: the new
    /// mirror. It reads the map at the job's next round (or `mirror run`).
    pub async fn add_mirror(
        &self,
        url: &str,
        name: Option<&str>,
        scope: MirrorScope,
        publish: bool,
    ) -> Result<MirrorInfo> {
        let base = PublicUrl::parse(url).map_err(|e| Error::Invalid(vec![e.at("url")]))?;
        let here = self.here(None).await?;
        for category in &scope.categories {
            if !here.categories.contains(category) {
                return Err(Error::field(
                    "category",
                    format!("{category} is not a category of this map"),
                ));
            }
        }
        let remote = Remote::new(base.clone(), mirror::TIMEOUT)?;
        let head = remote
            .changes(None)
            .await
            .map_err(|e| Error::field("url", format!("its change feed does not answer: {e}")))?;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_owned(),
            None => url::Url::parse(base.as_str())
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| base.as_str().to_owned()),
        };
        let source = DataSource::new(&name, base, &head.license, Some(&head.license_url));
        let id = self
            .store
            .add_mirror(&NewMirror {
                source,
                scope,
                publish,
            })
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Conflict(what) => Error::Conflict(
                    "mirror_exists",
                    vec![FieldError::new("url", format!("{what} exists already"))],
                ),
                e => e.into(),
            })?;
        self.mirror_records()
            .await?
            .into_iter()
            .map(|m| m.info)
            .find(|m| m.id == id)
            .ok_or(Error::NotFound("mirror"))
    }

    /// Every mirror and where it is.
    pub async fn mirror_records(&self) -> Result<Vec<MirrorRecord>> {
        Ok(self.store.mirrors().await?)
    }

    /// The moderators' view: each mirror, and the entries they hid.
    pub async fn mirrors_page(&self) -> Result<MirrorsPage> {
        Ok(MirrorsPage {
            mirrors: self
                .mirror_records()
                .await?
                .into_iter()
                .map(|m| m.info)
                .collect(),
            hidden: self.store.hidden_entries().await?,
        })
    }

    /// The mirror named.
    pub async fn find_mirror(&self, which: &MirrorRef) -> Result<MirrorRecord> {
        self.mirror_records()
            .await?
            .into_iter()
            .find(|m| match which {
                MirrorRef::Id(id) => m.info.id == *id,
                MirrorRef::Url(url) => m.info.source.url.as_str() == url,
            })
            .ok_or(Error::NotFound("mirror"))
    }

    /// What a mirror needs to know of this map.
    async fn here(&self, own: Option<&PublicUrl>) -> Result<Here> {
        Ok(Here {
            own: own.cloned(),
            categories: self
                .store
                .category_slugs()
                .await?
                .into_iter()
                .collect::<HashSet<_>>(),
        })
    }

    /// One round of `mirror`: reads its map from where it is and applies
    /// what changed; this map follows at once. A failure is noted on the
    /// mirror (a bad answer stops it) and returned.
    pub async fn mirror_round(
        &self,
        mirror: &MirrorRecord,
        own: Option<&PublicUrl>,
    ) -> std::result::Result<Round, RoundError> {
        let here = self.here(own).await?;
        let remote = Remote::new(mirror.info.source.url.clone(), mirror::TIMEOUT)
            .map_err(Error::Internal)?;
        let result = mirror::round(self, &remote, mirror, &here).await;
        match &result {
            Ok(round) => {
                let c = round.counts;
                if c != MirrorCounts::default() {
                    tracing::info!(
                        mirror = mirror.info.id,
                        added = c.added,
                        updated = c.updated,
                        removed = c.removed,
                        skipped = c.skipped,
                        full = round.full,
                        "mirrored"
                    );
                }
                self.follow().await?;
            }
            Err(e) => {
                let stop = e.stops();
                if stop {
                    tracing::error!(mirror = mirror.info.id, error = %e,
                        "mirror stopped: nothing of that answer was applied; \
                         `solidarity-map mirror resume` starts it again");
                }
                self.store
                    .mirror_failed(mirror.info.id, &e.to_string(), stop)
                    .await
                    .map_err(Error::from)?;
            }
        }
        result
    }

    /// Applies a page of a mirror's feed (see `Mirrors::apply_mirror_page`).
    pub(crate) async fn apply_mirror_page(
        &self,
        id: i64,
        from: Option<&str>,
        page: &MirrorPage,
    ) -> Result<Option<MirrorCounts>> {
        Ok(self.store.apply_mirror_page(id, from, page).await?)
    }

    /// Starts a stopped mirror again, from where it stopped.
    pub async fn resume_mirror(&self, which: &MirrorRef) -> Result<MirrorInfo> {
        let mirror = self.find_mirror(which).await?;
        self.store.resume_mirror(mirror.info.id).await?;
        Ok(self.find_mirror(&MirrorRef::Id(mirror.info.id)).await?.info)
    }

    /// Forgets a mirror and takes its entries off this map: how many were
    /// taken off.
    pub async fn remove_mirror(&self, which: &MirrorRef) -> Result<u64> {
        let mirror = self.find_mirror(which).await?;
        let removed = self
            .store
            .remove_mirror(mirror.info.id)
            .await?
            .ok_or(Error::NotFound("mirror"))?;
        self.follow().await?;
        Ok(removed)
    }

    /// Hides a mirrored entry from this map, whatever its source does
    /// (`hidden`), or shows it again.
    pub async fn hide_mirrored(&self, id: OrgId, hidden: bool, moderator: &str) -> Result<()> {
        if !self.store.hide_mirrored(id, hidden, moderator).await? {
            return Err(Error::NotFound("mirrored entry"));
        }
        self.follow().await
    }
}
