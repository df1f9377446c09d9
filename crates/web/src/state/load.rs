//! Loading from the API into the shared state: the reference data the
//! filters offer, the organisations for the filters (and, with many, for
//! the view), and an open card's organisation that the page does not hold.

use leptos::prelude::*;

use super::{Bounds, Filters, LARGE, PAGE_IN_VIEW, Shared};
use crate::api::{self, Org};

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
            if shared.reference.config.get_untracked().is_none() {
                shared.reference.config.set(Some(api::config().await?));
            }
            let categories = api::categories().await?;
            let published: u64 = categories.iter().map(|c| c.count).sum();
            shared.reference.large.set(published > LARGE);
            shared.reference.categories.set(categories);
            shared.reference.counted.set(true);
            Ok::<_, api::ApiError>(())
        }
        .await;
        if let Err(e) = result {
            let message = e.message(&shared.visitor.lang.get_untracked());
            shared.reference.failed.set(Some(message));
        }
    });
}

/// Keeps the filters' counts in step with the filters: each change asks
/// the server again (the view does not count, so panning asks nothing).
/// An answer overtaken by a newer request is dropped; a failed one leaves
/// the last counts shown.
pub fn load_facets(shared: Shared) {
    let asked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let filter = shared.visitor.filters.with(super::Filters::to_org_filter);
        // the page's "try again" asks again too
        shared.reload.track();
        asked.update_value(|n| *n += 1);
        let turn = asked.get_value();
        leptos::task::spawn_local(async move {
            if let Ok(facets) = api::facets(&filter).await
                && asked.get_value() == turn
            {
                shared.reference.facets.set(Some(facets));
            }
        });
    });
}

/// What the organisations' resource reads: the filters, the mode and the
/// view it asks for, and where it says a request is on its way.
#[derive(Clone, Copy)]
pub(super) struct OrgQuery {
    pub filters: RwSignal<Filters>,
    pub reload: RwSignal<u32>,
    pub counted: RwSignal<bool>,
    pub large: RwSignal<bool>,
    pub bounds: RwSignal<Option<Bounds>>,
    pub lang: RwSignal<String>,
    pub in_flight: RwSignal<u32>,
}

/// The organisations for the filters, a resource that fetches again
/// whenever they change (and, in the large mode, whenever the map moves:
/// only a page of those in view), or when `reload` is bumped after an
/// error. An answer that arrives after a newer request was made is
/// dropped; the last answer stays shown while the next is on its way.
/// Each value is the list and how many match in all.
pub(super) fn organisations(q: OrgQuery) -> LocalResource<Load<(Vec<Org>, u64)>> {
    LocalResource::new(move || {
        // everything the request depends on is read here, before it starts
        let filters = q.filters.get();
        q.reload.track();
        let (counted, large, bounds) = (q.counted.get(), q.large.get(), q.bounds.get());
        let mut query = filters.to_org_filter();
        if large {
            query.bbox = bounds.and_then(super::bbox_of);
            query.limit = Some(PAGE_IN_VIEW);
        }
        let ready = counted && (!large || bounds.is_some());
        async move {
            if !ready {
                return Load::Loading;
            }
            q.in_flight.update(|n| *n += 1);
            let result = if large {
                api::organizations_page(&query).await
            } else {
                let list = api::organizations(&query).await;
                list.map(|l| {
                    let n = l.len() as u64;
                    (l, n)
                })
            };
            q.in_flight.update(|n| *n = n.saturating_sub(1));
            match result {
                Ok(page) => Load::Ready(page),
                Err(e) => Load::Failed(e.message(&q.lang.get_untracked())),
            }
        }
    })
}

/// An open card whose organisation the page does not hold (a shared link,
/// a marker drawn by the server) is fetched on its own.
pub fn fetch_selected(shared: Shared) {
    Effect::new(move |_| {
        let Some(id) = shared.visitor.selected.get() else {
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
                if shared.visitor.selected.get_untracked().as_deref() == Some(id.as_str()) {
                    shared.visitor.selected.set(None);
                }
                shared.gone.set(Some(id));
            }
            Err(_) => {}
        }
    });
}
