//! Loading from the API into the shared state: the reference data the
//! filters offer, the organisations for the filters (and, with many, for
//! the view), and an open card's organisation that the page does not hold.

use leptos::prelude::*;

use super::{LARGE, PAGE_IN_VIEW, Shared};
use crate::api;

/// Something loaded from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// Loads what the filters offer; failures show the error banner.
pub fn load_reference(shared: Shared) {
    leptos::task::spawn_local(async move {
        let result = async {
            if shared.config.get_untracked().is_none() {
                shared.config.set(Some(api::config().await?));
            }
            let categories = api::categories().await?;
            let published: u64 = categories.iter().map(|c| c.count).sum();
            shared.large.set(published > LARGE);
            shared.categories.set(categories);
            shared.counted.set(true);
            shared.facets.set(api::facets().await?);
            Ok::<_, api::ApiError>(())
        }
        .await;
        if let Err(e) = result {
            shared
                .orgs
                .set(Load::Failed(e.message(&shared.lang.get_untracked())));
        }
    });
}

/// Fetches the organisations whenever the filters change (and, in the
/// large mode, whenever the map moves: only a page of those in view); an
/// answer that arrives after a newer request was made is dropped.
pub fn fetch_on_filter_change(shared: Shared) {
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let filters = shared.filters.get();
        shared.reload.track();
        if !shared.counted.get() {
            return;
        }
        let large = shared.large.get();
        let mut query = filters.to_org_filter();
        if large {
            let Some(bounds) = shared.bounds.get() else {
                return;
            };
            query.bbox = super::bbox_of(bounds);
            query.limit = Some(PAGE_IN_VIEW);
        }
        let this = generation.get_value() + 1;
        generation.set_value(this);
        shared.fetching.set(true);
        leptos::task::spawn_local(async move {
            let result = if large {
                api::organizations_page(&query).await
            } else {
                api::organizations(&query).await.map(|l| {
                    let n = l.len() as u64;
                    (l, n)
                })
            };
            if generation.get_value() != this {
                return;
            }
            shared.fetching.set(false);
            match result {
                Ok((list, matched)) => {
                    shared.matched.set(matched);
                    shared.orgs.set(Load::Ready(list));
                }
                Err(e) => shared
                    .orgs
                    .set(Load::Failed(e.message(&shared.lang.get_untracked()))),
            }
        });
    });
}

/// An open card whose organisation the page does not hold (a shared link,
/// a marker drawn by the server) is fetched on its own.
pub fn fetch_selected(shared: Shared) {
    Effect::new(move |_| {
        let Some(id) = shared.selected.get() else {
            return;
        };
        let have = shared.orgs.with(|o| match o {
            Load::Ready(list) => list.iter().any(|f| f.id == id),
            _ => true, // wait for the list first
        });
        if have
            || shared
                .extra
                .with_untracked(|e| e.as_ref().is_some_and(|e| e.id == id))
        {
            return;
        }
        fetch_or_mark_gone(shared, id);
    });
}

/// Fetches an organisation the page does not hold; when the server has no
/// published one by that id, the page says it is no longer listed.
pub fn fetch_or_mark_gone(shared: Shared, id: String) {
    leptos::task::spawn_local(async move {
        match api::organization(&id).await {
            Ok(org) => shared.extra.set(Some(org)),
            Err(api::ApiError::Status(404, _)) => {
                if shared.selected.get_untracked().as_deref() == Some(id.as_str()) {
                    shared.selected.set(None);
                }
                shared.gone.set(Some(id));
            }
            Err(_) => {}
        }
    });
}
