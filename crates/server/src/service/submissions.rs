//! Joining: a group submits itself and receives its private edit link
//! once, in the answer, and by mail when it gave an address. The entry
//! waits for a moderator.

use solidarity_map_core::moderation::{SubmissionCreated, SubmissionRequest};
use solidarity_map_core::{FieldError, Status};

use super::{Error, Result, Service};
use crate::secrets::{new_token, token_hash};
use crate::store::MailClass;

impl Service {
    /// Stores a submission as a pending entry, unless a bot sent it (the
    /// honeypot is filled in, or the form was filled faster than a person
    /// can), it breaks the join form's rules, or it looks like an entry
    /// that exists and the group has not confirmed it is another.
    pub async fn submit(&self, req: &SubmissionRequest) -> Result<SubmissionCreated> {
        if !req.nickname.is_empty() {
            return Err(Error::field("form", "the submission could not be accepted"));
        }
        req.check_fill_time(chrono::Utc::now().timestamp_millis())
            .map_err(|e| Error::Invalid(vec![e]))?;
        let org = req.validate().map_err(Error::Invalid)?;
        if !req.confirm_duplicate {
            let similar = self.store.similar(&org.sort_name(), org.location).await?;
            if !similar.is_empty() {
                return Err(Error::Conflict(
                    "possible_duplicate",
                    vec![FieldError::new(
                        "name",
                        "an organisation with this name is already listed near this place; \
                         send again to submit anyway",
                    )],
                ));
            }
        }
        let token = new_token()?;
        let edit_url = format!("/edit/{token}");
        let mail = self.mail.received(&org, &edit_url);
        let id = self
            .store
            .submit_mailing(&org, &token_hash(&token), mail.as_ref())
            .await?;
        if mail.is_some() {
            self.mail.wake.notify_one();
        }
        tracing::info!(%id, "submission received");
        metrics::counter!("submissions_total").increment(1);
        Ok(SubmissionCreated {
            id,
            status: Status::Pending,
            edit_url,
            edit_token: token,
            // on its way to the contact address only through an SMTP
            // server; in the outbox alone, the group cannot count on it
            link_mailed: mail.is_some() && self.mail.sends(MailClass::Transactional),
        })
    }
}
