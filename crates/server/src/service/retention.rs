//! Data minimisation: a withdrawn or rejected entry keeps only what the
//! audit needs once the operator's retention period has passed.
//!
//! The groups on the map are often harassed; a contact address or an exact
//! point kept after the group left helps nobody but whoever seizes or
//! breaks into the database. So once an entry has been withdrawn or
//! rejected for the retention period (`--retention-days`, counted from its
//! status change), its contact address goes and its exact point becomes
//! its public point, in its row and in every revision. The audit log keeps
//! who decided what and when, never contact data. Mail that was sent is
//! forgotten after the same period (it holds private edit links). The
//! server runs the scrub at start-up and then every hour; `admin scrub`
//! runs it once.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Result, Service};

/// How long withdrawn and rejected entries keep their private fields when
/// the operator says nothing.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// How often the server scrubs after its first run at start-up.
pub const SCRUB_EVERY: Duration = Duration::from_secs(60 * 60);

impl Service {
    /// Scrubs the withdrawn and rejected entries whose status changed
    /// `retention` or longer before `now`: their contact address and exact
    /// point go, in their rows and revisions. Pending and published entries
    /// are never touched, and running it again changes nothing. How many
    /// entries were scrubbed.
    pub async fn scrub_expired(&self, now: DateTime<Utc>, retention: TimeDelta) -> Result<u64> {
        // a period reaching before the calendar begins: nothing is that old
        let Some(before) = now.checked_sub_signed(retention) else {
            return Ok(0);
        };
        let scrubbed = self.store.scrub_expired(before).await?;
        // mail that went out holds private links: kept as long as the
        // entries' private fields are, then forgotten
        self.store.prune_sent_mail(before).await?;
        // a relayed message's "report abuse" link works for a while only
        let links = TimeDelta::days(super::REPORT_LINK_DAYS);
        if let Some(before) = now.checked_sub_signed(links) {
            self.store.prune_relay_reports(before).await?;
        }
        // the change log holds entry ids, no personal data, and is kept
        // only so long as an instance may be away
        let keep = TimeDelta::days(crate::follow::KEEP_CHANGES_DAYS);
        if let Some(before) = now.checked_sub_signed(keep) {
            self.store.prune_changes(before).await?;
        }
        Ok(scrubbed)
    }

    /// Runs [`Service::scrub_expired`] now and then every `every`, for as
    /// long as the server runs. A failed run is logged and tried again at
    /// the next; it never stops the server.
    pub fn spawn_scrubbing(self, retention: TimeDelta, every: Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                // the first tick is at once: a restart never delays a scrub
                tick.tick().await;
                match self.scrub_expired(Utc::now(), retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(
                        count = n,
                        "withdrawn and rejected entries past the retention period scrubbed"
                    ),
                    Err(e) => tracing::warn!(
                        error = %e,
                        "scrubbing expired entries failed; trying again at the next run"
                    ),
                }
            }
        });
    }
}
