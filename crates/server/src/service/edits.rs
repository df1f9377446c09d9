//! The private edit link: whoever holds its token sees the entry, proposes
//! changes (which wait for a moderator), withdraws it, or erases it.

use solidarity_map_core::moderation::{EditView, NewEditLink};
use solidarity_map_core::{FieldError, OrganizationInput};

use super::{Error, Result, Service};
use crate::secrets::{new_token, parse_token, token_hash};

impl Service {
    /// The entry an edit link opens, private fields included, with its
    /// change waiting for a moderator, if any.
    pub async fn edit_view(&self, token: &str) -> Result<EditView> {
        let token = parse_token(token).ok_or(Error::NotFound("edit link"))?;
        let mut view = self
            .store
            .edit_view(&token_hash(token))
            .await?
            .ok_or(Error::NotFound("edit link"))?;
        view.murmurations = self
            .store
            .murmurations_listed(view.id)
            .await?
            .unwrap_or(true);
        Ok(view)
    }

    /// Lists the entry an edit link opens in the Murmurations network, or
    /// takes it out, at once: its profile answers 404 from now on, and
    /// the index (when one is set) is told. Answers with the entry.
    pub async fn set_murmurations(&self, token: &str, listed: bool) -> Result<EditView> {
        let entry = self.edit_view(token).await?;
        self.store.set_murmurations_listed(entry.id, listed).await?;
        self.follow().await?;
        self.edit_view(token).await
    }

    /// Proposes a change to the entry an edit link opens; the public entry
    /// changes when a moderator approves it. An empty contact address
    /// keeps the one on file. Answers with the entry as it is now.
    pub async fn propose_edit(&self, token: &str, input: &OrganizationInput) -> Result<EditView> {
        let entry = self.edit_view(token).await?;
        let mut org = input.validate().map_err(Error::Invalid)?;
        if org.contact_email.is_none() {
            org.contact_email = entry.current.contact_email;
        }
        if !self.store.propose_edit(entry.id, &org).await? {
            return Err(Error::Conflict(
                "not_editable",
                vec![FieldError::new(
                    "status",
                    "this entry was withdrawn or rejected and can no longer be edited",
                )],
            ));
        }
        self.edit_view(token).await
    }

    /// Takes the entry an edit link opens off the map at once.
    pub async fn withdraw(&self, token: &str) -> Result<()> {
        let entry = self.edit_view(token).await?;
        self.store.withdraw(entry.id).await?;
        self.follow().await
    }

    /// Erases the entry an edit link opens at once, without waiting for the
    /// retention period: withdrawn if it is not yet, its contact address
    /// and exact point removed from its row and its revisions, and the
    /// link stops working.
    pub async fn erase(&self, token: &str) -> Result<()> {
        let entry = self.edit_view(token).await?;
        if !self.store.erase(entry.id).await? {
            return Err(Error::NotFound("edit link"));
        }
        tracing::info!("an entry was erased at its group's request");
        self.follow().await
    }

    /// Gives the entry an edit link opens a new link; the old one stops
    /// working at once (a group that fears its link was seen by others).
    pub async fn replace_edit_link(&self, token: &str) -> Result<NewEditLink> {
        let old = parse_token(token).ok_or(Error::NotFound("edit link"))?;
        let new = new_token()?;
        if !self
            .store
            .replace_edit_token(&token_hash(old), &token_hash(&new))
            .await?
        {
            return Err(Error::NotFound("edit link"));
        }
        tracing::info!("an edit link was replaced");
        Ok(NewEditLink {
            edit_url: format!("/edit/{new}"),
            edit_token: new,
        })
    }
}
