//! The use cases: every change to what is stored goes through here, so that
//! the store and what follows it stay in step whoever asks for the change.
//!
//! A submission, an edit, a withdrawal, an erasure, a moderator's
//! decision, an import, a retention scrub, a step of the freshness job,
//! a page of a mirrored map and a new moderator account are
//! each one method of [`Service`], called
//! by the HTTP handlers and by the command line alike. A use case checks
//! what `core` cannot (a session, a bot's speed, a likely duplicate),
//! changes the store (which numbers the change in its change log, in the
//! same transaction), then brings along what follows the store: the
//! clustering index this process serves reads the log at once, so the
//! change is on its map before the answer goes out (other instances read
//! it when the database announces it, see [`crate::follow`]). A change
//! that causes mail hands the store the mail, written here
//! ([`crate::mail`]), to queue in the change's transaction, then wakes the
//! outbox's worker. Plain reads (the map, the lists, the exports,
//! the moderation queue) go to the store and the index directly: they
//! change nothing and check nothing.

mod accounts;
mod edits;
mod error;
mod freshness;
mod imports;
mod mail;
mod mirrors;
mod moderation;
mod relay;
mod retention;
mod submissions;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use accounts::{NewSession, SESSION_HOURS, Session};
pub(crate) use error::joined;
pub use error::{Error, Result};
pub use freshness::{
    DEFAULT_CONFIRM_AFTER_DAYS, FRESHNESS_EVERY, LinkCheck, LinkRefused, LinkUsed, STALE_LIMIT,
};
pub use mail::OUTBOX_LIMIT;
pub use mirrors::MirrorRef;
pub use relay::REPORT_LINK_DAYS;
pub use retention::{DEFAULT_RETENTION_DAYS, SCRUB_EVERY};

use crate::follow::Follower;
use crate::mail::MailPolicy;
use crate::store::Store;

/// The use cases over one store, and the clustering index they keep in
/// step with it when this process serves one. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    /// None in a command that serves no map (`import`, `admin`): servers
    /// read the change log.
    follower: Option<Arc<Follower>>,
    /// How the mail the changes cause is written and whether it is sent.
    mail: MailPolicy,
}

/// Runs `job` now and then every `every`, for as long as the server runs
/// (a restart never delays a run; a late run is not made up twice). The
/// job logs what it did, and a failure, itself: it never stops the server.
fn spawn_every<F, Fut>(every: std::time::Duration, mut job: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // the first tick is at once
            tick.tick().await;
            job().await;
        }
    });
}

impl Service {
    /// The use cases over `store`, with no index to keep in step.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            follower: None,
            mail: MailPolicy::default(),
        }
    }

    /// Writes mail as `policy` says (a server's settings; a command's
    /// default queues it for the outbox).
    #[must_use]
    pub fn with_mail(mut self, policy: MailPolicy) -> Self {
        self.mail = policy;
        self
    }

    /// Keeps `follower`'s index in step with every change at once.
    #[must_use]
    pub fn with_follower(mut self, follower: Arc<Follower>) -> Self {
        self.follower = Some(follower);
        self
    }

    /// After a change has committed: this process's index applies it (and
    /// whatever else the log holds before it) before the answer goes out.
    /// The change is stored whatever happens here: a failed read of the log
    /// is logged, not answered as an error (a retry would find the change
    /// done), and the background follower applies it at its next read.
    async fn follow(&self) -> Result<()> {
        if let Some(follower) = &self.follower
            && let Err(e) = follower.catch_up().await
        {
            tracing::warn!(error = %e, "a change is stored; the map follows it at the next read");
        }
        Ok(())
    }
}
