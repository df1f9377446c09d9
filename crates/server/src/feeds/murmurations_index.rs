//! Tells a Murmurations index of new, changed and removed profiles
//! (`--murmurations-index URL`, off by default), so the network hears of
//! each group without anyone submitting it by hand.
//!
//! The index is told through the change log, which each change writes in
//! its own transaction: the notifier keeps its place in the log in the
//! database and moves it only once the index has answered, so a change
//! made while the index is unreachable is told when it is back, across
//! restarts, and nothing is lost. An index away for longer than the log
//! keeps is told of every profile again. It is told a profile's address
//! (`POST {index}/nodes`, `{"profile_url": …}`) and reads the profile
//! itself: one that answers 404 (withdrawn, erased, opted out) is taken
//! out of the index.

use std::sync::Arc;
use std::time::Duration;

use solidarity_map_core::OrgId;

use super::murmurations;
use crate::follow::READ_AT_LEAST_EVERY;
use crate::store::{Store, StoreError};

/// How many changes one round reads.
const PAGE: u32 = 100;

/// The longest wait between two tries while the index does not answer.
const MAX_RETRY: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index could not be reached, or answered that it could not take
    /// the profile now (5xx, 429): tried again later.
    #[error("the Murmurations index did not take {profile}: {why}")]
    Index { profile: String, why: String },
}

/// What tells the index.
#[derive(Clone)]
pub struct Notifier {
    pub store: Arc<dyn Store>,
    /// Where profiles are posted: `{index}/nodes`.
    pub index: url::Url,
    /// The site's absolute address: the profiles' addresses are under it.
    pub base: String,
    pub client: reqwest::Client,
    /// The first wait after a failure; it doubles up to an hour.
    pub retry: Duration,
}

impl Notifier {
    /// A notifier of `index` (a Murmurations index API, e.g.
    /// `https://index.murmurations.network/v2`) for the profiles under
    /// `base`.
    pub fn new(store: Arc<dyn Store>, index: url::Url, base: String) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("solidarity-map/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            store,
            index,
            base,
            client,
            retry: Duration::from_secs(30),
        })
    }

    fn nodes(&self) -> String {
        format!("{}/nodes", self.index.as_str().trim_end_matches('/'))
    }

    /// Tells the index of one profile.
    async fn tell(&self, id: OrgId) -> Result<(), NotifyError> {
        let profile = format!("{}{}", self.base, murmurations::path(&id));
        let failed = |why: String| NotifyError::Index {
            profile: profile.clone(),
            why,
        };
        let answer = self
            .client
            .post(self.nodes())
            .json(&serde_json::json!({ "profile_url": profile }))
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = answer.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(failed(format!("it answered {status}")));
        }
        if !status.is_success() {
            // the index read the profile and refused it: trying again
            // would not change its mind
            tracing::warn!(%profile, %status, "the Murmurations index refused a profile");
        }
        Ok(())
    }

    /// Tells the index of every change since its place in the log, moving
    /// the place after each: how many profiles it told of.
    pub async fn run_once(&self) -> Result<usize, NotifyError> {
        let mut told = 0;
        loop {
            let after = self.store.murmurations_cursor().await?;
            let changes = self.store.changes_after(after, PAGE).await?;
            let Some(first) = changes.first() else {
                return Ok(told);
            };
            if first.seq != after + 1 {
                // the log no longer reaches back so far: every profile again
                let head = self.store.change_head().await?;
                told += self.tell_all().await?;
                self.store.set_murmurations_cursor(after, head).await?;
                continue;
            }
            for change in &changes {
                let ids = match change.org {
                    Some(id) => vec![id],
                    None => self.written_by(change.at).await?,
                };
                for id in ids {
                    self.tell(id).await?;
                    told += 1;
                }
                self.store
                    .set_murmurations_cursor(change.seq - 1, change.seq)
                    .await?;
            }
        }
    }

    /// The entries a change to many wrote.
    async fn written_by(
        &self,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<OrgId>, StoreError> {
        let mut ids = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.feed_orgs_written(at, after, 1000).await?;
            let Some(last) = page.last().map(|o| o.org.id) else {
                return Ok(ids);
            };
            ids.extend(page.iter().map(|o| o.org.id));
            after = Some(last);
        }
    }

    /// Every published profile.
    async fn tell_all(&self) -> Result<usize, NotifyError> {
        let mut told = 0;
        let mut after = None;
        loop {
            let page = self.store.published_after(after, 1000).await?;
            let Some(last) = page.last().map(|o| o.id) else {
                return Ok(told);
            };
            for org in &page {
                self.tell(org.id).await?;
                told += 1;
            }
            after = Some(last);
        }
    }

    /// Tells the index for as long as the process runs: after each change
    /// (and at least every few seconds); while it does not answer, again
    /// after a wait that doubles up to an hour.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut signal = loop {
                match self.store.change_signal().await {
                    Ok(s) => break s,
                    Err(e) => {
                        tracing::warn!(error = %e, "Murmurations: cannot listen yet");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            let mut wait = self.retry;
            loop {
                match self.run_once().await {
                    Ok(n) => {
                        if n > 0 {
                            tracing::info!(profiles = n, "told the Murmurations index");
                        }
                        wait = self.retry;
                        signal.wait(READ_AT_LEAST_EVERY).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, retry_in = ?wait, "Murmurations index");
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(MAX_RETRY);
                    }
                }
            }
        })
    }
}
