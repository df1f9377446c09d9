//! Keeps this process's clustering index in step with the database, whoever
//! changed it: this instance, another one on the same Postgres, or a
//! command-line import into a running server's SQLite file.
//!
//! Every change to what the public sees is numbered in the store's change
//! log, in the transaction that makes it, and the numbers commit in order.
//! A follower remembers the last number its index has applied and applies
//! the ones after it, in order, each once: the entry named is read afresh
//! from the store (so applying one twice does no harm), a change to many
//! is a rebuild. It reads the log when this instance changed something,
//! when the database announces a change (`LISTEN` on Postgres), and at the
//! latest every few seconds; an instance that was away (a restart, a lost
//! connection) reads what it missed before it says it is ready, and one
//! that was away longer than the log keeps builds its index again.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use solidarity_map_core::CategorySlug;

use crate::clusters::Clusters;
use crate::store::{Result, Store};

/// How many changes one read of the log takes.
const PAGE: u32 = 1000;

/// The longest a follower waits for news before it reads the log anyway.
pub const READ_AT_LEAST_EVERY: Duration = Duration::from_secs(5);

/// How long the log keeps a change: an instance away for longer builds its
/// index again when it comes back.
pub const KEEP_CHANGES_DAYS: i64 = 30;

/// The index of one process and how far into the change log it is.
pub struct Follower {
    store: Arc<dyn Store>,
    index: Arc<Clusters>,
    /// The number of the last change the index has applied.
    applied: AtomicI64,
    /// One reader of the log at a time, so changes apply in order.
    reading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("applied", &self.applied())
            .finish_non_exhaustive()
    }
}

impl Follower {
    /// Builds the index from the store. The head of the log is read first:
    /// whatever commits during the build is applied again by the next read
    /// of the log, which is harmless.
    pub async fn start(store: Arc<dyn Store>, categories: Vec<CategorySlug>) -> Result<Self> {
        let head = store.change_head().await?;
        let index = Arc::new(Clusters::load(store.as_ref(), categories).await?);
        // the lists' order is sorted beside serving, not before it
        let sorting = Arc::clone(&index);
        tokio::task::spawn_blocking(move || sorting.prepare_lists());
        Ok(Self {
            store,
            index,
            applied: AtomicI64::new(head),
            reading: tokio::sync::Mutex::new(()),
        })
    }

    /// The index this follower keeps.
    pub fn index(&self) -> &Arc<Clusters> {
        &self.index
    }

    /// The number of the last change the index has applied.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// How many committed changes the index has yet to apply.
    pub async fn lag(&self) -> Result<i64> {
        let head = self.store.change_head().await?;
        Ok((head - self.applied()).max(0))
    }

    /// Applies every change committed since the last one applied, in
    /// order: how many it applied.
    pub async fn catch_up(&self) -> Result<u64> {
        let _one_reader = self.reading.lock().await;
        let mut done = 0;
        loop {
            let after = self.applied();
            let changes = self.store.changes_after(after, PAGE).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                return Ok(done);
            };
            if changes[0].seq != after + 1 {
                // the log no longer holds what came right after: read all
                tracing::warn!(
                    after,
                    first = changes[0].seq,
                    "change log: missed changes, reloading"
                );
                let head = self.store.change_head().await?;
                self.index.reload(self.store.as_ref()).await?;
                self.applied.store(head, Ordering::Release);
                done += u64::try_from(head - after).unwrap_or(0);
                continue;
            }
            if changes.iter().any(|c| c.org.is_none()) {
                // one of them changed many entries: read them all once
                self.index.reload(self.store.as_ref()).await?;
            } else {
                let mut orgs: Vec<_> = changes.iter().filter_map(|c| c.org).collect();
                // the latest state is read anyway: each entry once
                let mut seen = std::collections::HashSet::new();
                orgs.retain(|o| seen.insert(*o));
                for org in orgs {
                    self.index.refresh(self.store.as_ref(), org).await?;
                }
            }
            self.applied.store(last, Ordering::Release);
            done += u64::try_from(changes.len()).unwrap_or(0);
        }
    }

    /// Follows the log for as long as the process runs: wakes on each
    /// announced change and at least every [`READ_AT_LEAST_EVERY`], and
    /// catches up. A failed read (the database is away) is logged and tried
    /// again on the next wake.
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut signal = loop {
                match this.store.change_signal().await {
                    Ok(s) => break s,
                    Err(e) => {
                        tracing::warn!(error = %e, "change log: cannot listen yet");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            loop {
                // first, what committed before the signal listened
                match this.catch_up().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(changes = n, applied = this.applied(), "caught up"),
                    Err(e) => tracing::warn!(error = %e, "change log: cannot read"),
                }
                signal.wait(READ_AT_LEAST_EVERY).await;
            }
        })
    }
}
