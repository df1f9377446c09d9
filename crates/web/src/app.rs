//! The page: the map, its legend, the organisation card, and the state they
//! share.

use leptos::prelude::*;
use solidarity_map_core::{CategoryCount, OrgFilter, SiteConfig};

use crate::api::{self, Org};
use crate::card::Card;
use crate::legend::Legend;
use crate::map::MapView;

/// Something loaded from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// State shared by the components, provided as context.
#[derive(Clone, Copy)]
pub struct Shared {
    pub config: RwSignal<Option<SiteConfig>>,
    pub categories: RwSignal<Vec<CategoryCount>>,
    pub orgs: RwSignal<Load<Vec<Org>>>,
    /// The id of the organisation whose card is open.
    pub selected: RwSignal<Option<String>>,
    /// The language texts are shown in.
    pub lang: RwSignal<String>,
}

impl Shared {
    pub fn selected_org(&self) -> Option<Org> {
        let id = self.selected.get()?;
        self.orgs.with(|o| match o {
            Load::Ready(list) => list.iter().find(|f| f.id == id).cloned(),
            _ => None,
        })
    }

    pub fn category(&self, slug: &str) -> Option<CategoryCount> {
        self.categories
            .with(|c| c.iter().find(|c| c.category.slug.as_str() == slug).cloned())
    }
}

fn load(shared: Shared) {
    shared.orgs.set(Load::Loading);
    leptos::task::spawn_local(async move {
        if shared.config.get_untracked().is_none() {
            match api::config().await {
                Ok(c) => shared.config.set(Some(c)),
                Err(e) => {
                    shared.orgs.set(Load::Failed(e.to_string()));
                    return;
                }
            }
        }
        match api::categories().await {
            Ok(c) => shared.categories.set(c),
            Err(e) => {
                shared.orgs.set(Load::Failed(e.to_string()));
                return;
            }
        }
        match api::organizations(&OrgFilter::default()).await {
            Ok(list) => shared.orgs.set(Load::Ready(list)),
            Err(e) => shared.orgs.set(Load::Failed(e.to_string())),
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    let shared = Shared {
        config: RwSignal::new(None),
        categories: RwSignal::new(Vec::new()),
        orgs: RwSignal::new(Load::Loading),
        selected: RwSignal::new(None),
        lang: RwSignal::new("en".to_owned()),
    };
    provide_context(shared);
    load(shared);

    let count = move || match shared.orgs.get() {
        Load::Ready(list) => format!("{} organisations", list.len()),
        _ => String::new(),
    };

    view! {
        <div class="app">
            <header class="topbar">
                <h1>"Solidarity Map"</h1>
                <span class="count" aria-live="polite">{count}</span>
            </header>
            <main class="map-area">
                <MapView />
            </main>
            <Legend />
            <Card />
            {move || match shared.orgs.get() {
                Load::Loading => Some(view! {
                    <div class="status loading" role="status">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading the map…"
                    </div>
                }.into_any()),
                Load::Failed(msg) => Some(view! {
                    <div class="status error" role="alert">
                        <p>{msg}</p>
                        <button type="button" on:click=move |_| load(shared)>"Try again"</button>
                    </div>
                }.into_any()),
                Load::Ready(_) => None,
            }}
        </div>
    }
}
