//! The worker that empties the outbox: claim a due mail, send it, mark it
//! sent; on failure, try again later, each time waiting twice as long (up
//! to an hour), across SMTP outages and restarts (the tries and the next
//! time are stored). Every instance runs one; the claim's lease makes sure
//! that only one sends each mail, and that a mail claimed by an instance
//! that stopped half-way is sent by another once the lease is over. The
//! worker also queues the moderators' digests when they are due.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};

use super::smtp::Smtp;
use super::{Delivery, MailPolicy};
use crate::store::{Store, StoreError};

/// How often the worker looks for due mail when nothing woke it: mail
/// queued by another instance goes out within this.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// How long a claimed mail is the claimer's alone: far above one SMTP
/// exchange's timeout, so that only a stopped worker loses its claim.
const LEASE: TimeDelta = TimeDelta::minutes(5);

/// The longest wait between two tries of one mail.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

/// How often the worker asks whether a digest is due.
const DIGEST_CHECK_EVERY: Duration = Duration::from_secs(60);

/// The outbox's worker in one server.
pub struct Worker {
    pub store: Arc<dyn Store>,
    pub policy: MailPolicy,
    /// `None` unless the policy's delivery is SMTP.
    pub smtp: Option<Smtp>,
    /// The wait before the second try; each later one waits twice as long.
    pub retry: Duration,
    /// A moderator gets at most one digest this often.
    pub digest_every: TimeDelta,
}

/// The wait after the `attempts`th failed try.
pub fn backoff(first: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    first.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

impl Worker {
    /// Runs for as long as the server does; a failed pass is logged and
    /// the next one tries again.
    pub fn spawn(self) {
        tokio::spawn(async move {
            let mut digests_checked: Option<tokio::time::Instant> = None;
            loop {
                let digest_due = digests_checked.is_none_or(|t| t.elapsed() >= DIGEST_CHECK_EVERY);
                if digest_due {
                    digests_checked = Some(tokio::time::Instant::now());
                }
                if let Err(e) = self.pass(digest_due).await {
                    tracing::warn!(error = %e, "the mail outbox could not be read; trying again");
                }
                tokio::select! {
                    () = self.policy.wake.notified() => {}
                    () = tokio::time::sleep(POLL_EVERY) => {}
                }
            }
        });
    }

    /// One look at the outbox.
    async fn pass(&self, digests: bool) -> Result<(), StoreError> {
        match (self.policy.delivery, &self.smtp) {
            (Delivery::Disabled, _) => {
                // a read first: the write lock only when there is any
                if self.store.next_mail_due().await?.is_none() {
                    return Ok(());
                }
                let held = self.store.hold_pending_mail().await?;
                if held > 0 {
                    tracing::info!(
                        count = held,
                        "mail is disabled: pending mail held, not sent"
                    );
                }
                Ok(())
            }
            (Delivery::Smtp, Some(smtp)) => {
                if digests && self.policy.notification {
                    self.queue_digests().await?;
                }
                self.send_due(smtp).await
            }
            // no SMTP server: the mail stays in the outbox to be read
            _ => Ok(()),
        }
    }

    async fn queue_digests(&self) -> Result<(), StoreError> {
        let at = Utc::now();
        let since = at - self.digest_every;
        let policy = &self.policy;
        let queued = self
            .store
            .queue_digests(at, since, &|to, pending| policy.digest(to, pending))
            .await?;
        if queued > 0 {
            tracing::info!(count = queued, "moderators' digests queued");
        }
        Ok(())
    }

    /// Sends every due mail, one claim at a time, until none is due or the
    /// server fails (it is likely down: the next try waits).
    async fn send_due(&self, smtp: &Smtp) -> Result<(), StoreError> {
        loop {
            let now = Utc::now();
            // a read first: most passes find nothing, and claim nothing
            if self
                .store
                .next_mail_due()
                .await?
                .is_none_or(|due| due > now)
            {
                return Ok(());
            }
            let Some(mail) = self.store.claim_mail(now, now + LEASE).await? else {
                return Ok(());
            };
            match smtp.send(&mail).await {
                Ok(()) => {
                    self.store.mail_sent(mail.id, Utc::now()).await?;
                    tracing::info!(id = %mail.id, attempts = mail.attempts, "mail sent");
                    metrics::counter!("mail_sent_total").increment(1);
                }
                Err(e) => {
                    let wait = backoff(self.retry, mail.attempts);
                    let next = Utc::now() + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX);
                    self.store.mail_failed(mail.id, &e, next).await?;
                    tracing::warn!(
                        id = %mail.id,
                        attempts = mail.attempts,
                        retry_in_seconds = wait.as_secs(),
                        error = %e,
                        "mail not sent; it stays in the outbox and is tried again"
                    );
                    metrics::counter!("mail_failures_total").increment(1);
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wait_doubles_up_to_an_hour() {
        let first = Duration::from_secs(30);
        assert_eq!(backoff(first, 1), first);
        assert_eq!(backoff(first, 2), Duration::from_secs(60));
        assert_eq!(backoff(first, 4), Duration::from_secs(240));
        assert_eq!(backoff(first, 100), MAX_BACKOFF);
        assert_eq!(backoff(first, 0), first);
    }
}
