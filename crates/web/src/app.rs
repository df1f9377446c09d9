//! The page: sidebar (filters and list), map and card, the state they
//! share, its loading from the API, and its mirror in the URL. The embed
//! (`/embed`) is the same map and card without the rest.

use leptos::prelude::*;
use solidarity_map_core::{CategoryCount, Facets, SiteConfig};

use crate::api::{self, Org};
use crate::card::Card;
use crate::filters::{FilterPanel, Presets};
use crate::i18n::{LanguagePicker, tr};
use crate::list::OrgList;
use crate::map::{MapCtl, MapView};
use crate::state::{Filters, JERUSALEM_BOUNDS, Preset, UrlState, View};

/// Something loaded from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// The map's visible extent: west, south, east, north.
pub type Bounds = [f64; 4];

/// State shared by the components, provided as context. Every field is a
/// signal, so the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct Shared {
    pub config: RwSignal<Option<SiteConfig>>,
    pub categories: RwSignal<Vec<CategoryCount>>,
    pub facets: RwSignal<Facets>,
    pub filters: RwSignal<Filters>,
    pub orgs: RwSignal<Load<Vec<Org>>>,
    /// A request for organisations is on its way.
    pub fetching: RwSignal<bool>,
    /// Bumped to fetch again after an error.
    pub reload: RwSignal<u32>,
    /// The id of the organisation whose card is open.
    pub selected: RwSignal<Option<String>>,
    /// The language texts are shown in.
    pub lang: RwSignal<String>,
    pub view: RwSignal<Option<View>>,
    pub bounds: RwSignal<Option<Bounds>>,
    /// The filter panel on a phone.
    pub panel_open: RwSignal<bool>,
    /// Whether the published count is known yet (it decides the mode).
    pub counted: RwSignal<bool>,
    /// Too many organisations to send them all: the server clusters them,
    /// and the list holds a page of those in view.
    pub large: RwSignal<bool>,
    /// In the large mode, how many match the filters in view.
    pub matched: RwSignal<u64>,
    /// The open card's organisation when it is not in `orgs` (large mode).
    pub extra: RwSignal<Option<Org>>,
    /// A link named an organisation that is not (or no longer) listed:
    /// the page says so instead of showing the bare map.
    pub gone: RwSignal<Option<String>>,
}

/// Above this many published organisations the map is clustered by the
/// server and the list shows a page of what is in view.
pub const LARGE: u64 = 5_000;

/// In the large mode, the list asks for this many organisations in view.
pub const PAGE_IN_VIEW: u32 = 300;

impl Shared {
    pub fn selected_org(&self) -> Option<Org> {
        let id = self.selected.get()?;
        self.orgs
            .with(|o| match o {
                Load::Ready(list) => list.iter().find(|f| f.id == id).cloned(),
                _ => None,
            })
            .or_else(|| self.extra.get().filter(|o| o.id == id))
    }

    /// The organisation with `id` if the page has it, without tracking.
    pub fn org_untracked(&self, id: &str) -> Option<Org> {
        self.orgs
            .with_untracked(|o| match o {
                Load::Ready(list) => list.iter().find(|f| f.id == id).cloned(),
                _ => None,
            })
            .or_else(|| self.extra.get_untracked().filter(|o| o.id == id))
    }

    pub fn category(&self, slug: &str) -> Option<CategoryCount> {
        self.categories
            .with(|c| c.iter().find(|c| c.category.slug.as_str() == slug).cloned())
    }

    pub fn category_untracked(&self, slug: &str) -> Option<CategoryCount> {
        self.categories
            .with_untracked(|c| c.iter().find(|c| c.category.slug.as_str() == slug).cloned())
    }

    pub fn clear_filters(&self) {
        self.filters.set(Filters::default());
    }
}

/// Loads what the filters offer; failures show the error banner.
fn load_reference(shared: Shared) {
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
fn fetch_on_filter_change(shared: Shared) {
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
            query.bbox = crate::state::bbox_of(bounds);
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
fn fetch_selected(shared: Shared) {
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

fn location() -> (String, String) {
    let loc = window().location();
    (
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default(),
    )
}

/// Applies a URL to the state: on start and on back/forward.
fn apply_url(shared: Shared, map: MapCtl, state: &UrlState) {
    shared.filters.set(state.filters.clone());
    shared.selected.set(state.org.clone());
    match (state.preset, state.view, state.fit) {
        (Some(Preset::Jerusalem), _, _) => map.fit_bounds(JERUSALEM_BOUNDS),
        (None, Some(v), _) => map.set_view(v),
        (None, None, Some(b)) => map.fit_bounds(b),
        (None, None, None) => {}
    }
}

/// Keeps the URL in step with the state: a new history entry when the
/// filters or the open card change, the same entry updated when the map
/// only moves.
fn sync_url(shared: Shared) {
    Effect::new(move |previous: Option<String>| {
        let state = UrlState {
            filters: shared.filters.get(),
            view: shared.view.get(),
            org: shared.selected.get(),
            preset: None,
            fit: None,
        };
        let url = state.to_url();
        let key = UrlState {
            view: None,
            ..state
        }
        .to_url();
        let current = {
            let (p, q) = location();
            format!("{p}{q}")
        };
        if current != url
            && let Ok(history) = window().history()
        {
            let push = previous.as_ref().is_some_and(|p| *p != key);
            let r = if push {
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            } else {
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            };
            if r.is_err() {
                web_sys::console::warn_1(&"cannot update the URL".into());
            }
        }
        key
    });
}

/// The state of a map page, in the page's language, provided as context
/// with the map's handle.
fn provide_shared() -> (Shared, MapCtl) {
    let shared = Shared {
        config: RwSignal::new(None),
        categories: RwSignal::new(Vec::new()),
        facets: RwSignal::new(Facets::default()),
        filters: RwSignal::new(Filters::default()),
        orgs: RwSignal::new(Load::Loading),
        fetching: RwSignal::new(false),
        reload: RwSignal::new(0),
        selected: RwSignal::new(None),
        lang: expect_context::<crate::i18n::Lang>().0,
        view: RwSignal::new(None),
        bounds: RwSignal::new(None),
        panel_open: RwSignal::new(false),
        counted: RwSignal::new(false),
        large: RwSignal::new(false),
        matched: RwSignal::new(0),
        extra: RwSignal::new(None),
        gone: RwSignal::new(None),
    };
    provide_context(shared);
    let map = MapCtl::new();
    provide_context(map);
    (shared, map)
}

/// Loading, error and empty notices over the map.
#[component]
fn MapStatus() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let retry = move |_| {
        load_reference(shared);
        shared.orgs.set(Load::Loading);
        shared.reload.update(|n| *n += 1);
    };
    let t = move |key: &'static str| move || tr(&shared.lang.get(), key);
    view! {
        {move || shared.fetching.get().then(|| view! {
            <div class="status loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                {t("app.loading")}
            </div>
        })}
        {move || match shared.orgs.get() {
            Load::Failed(msg) => Some(view! {
                <div class="status error" role="alert">
                    <p>{msg}</p>
                    <button type="button" on:click=retry>{t("app.retry")}</button>
                </div>
            }.into_any()),
            Load::Ready(list) if list.is_empty() && !shared.large.get() => Some(view! {
                <div class="status empty" role="status">
                    <p>{t("app.empty")}</p>
                    <button type="button" on:click=move |_| shared.clear_filters()>
                        {t("filters.clear")}
                    </button>
                </div>
            }.into_any()),
            _ => None,
        }}
    }
}

/// The embed page's address for the filters and the view on the map now,
/// for the share page (`/embed/new?…`).
fn share_link(shared: Shared) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    shared.filters.with(|f| {
        for c in &f.categories {
            q.append_pair("category", c);
        }
    });
    if let Some(b) = shared.bounds.get().and_then(crate::state::bbox_of) {
        q.append_pair("bbox", &crate::embed::bbox_param(&b));
    }
    let query = q.finish();
    if query.is_empty() {
        "/embed/new".to_owned()
    } else {
        format!("/embed/new?{}", query.replace("%2C", ","))
    }
}

#[component]
pub fn App() -> impl IntoView {
    let (shared, map) = provide_shared();
    let (path, query) = location();
    let initial = UrlState::parse(&path, &query);
    shared.filters.set(initial.filters.clone());
    shared.selected.set(initial.org.clone());
    map.set_initial(initial.clone());

    load_reference(shared);
    fetch_on_filter_change(shared);
    fetch_selected(shared);
    sync_url(shared);
    // the tab names the open organisation, in the visitor's language
    Effect::new(move |_| {
        let lang = shared.lang.get();
        let site = tr(&lang, "app.title");
        let title = match shared.selected_org() {
            Some(org) => format!("{} · {site}", org.properties.name.text().best(&lang).1),
            None => site,
        };
        document().set_title(&title);
    });

    let _popstate = window_event_listener(leptos::ev::popstate, move |_| {
        let (path, query) = location();
        apply_url(shared, map, &UrlState::parse(&path, &query));
    });

    let t = move |key: &'static str| move || tr(&shared.lang.get(), key);

    view! {
        <div class="app">
            // the first stops of Tab: past the filters to the map or the list
            <a class="skip-link" id="skip-map" href="#map">{t("app.skip_map")}</a>
            <a class="skip-link" href="#list">{t("app.skip_list")}</a>
            <aside
                class="sidebar"
                class:open=move || shared.panel_open.get()
                id="sidebar"
                aria-label=t("app.sidebar")
            >
                <header class="brand">
                    <h1>{t("app.title")}</h1>
                    <a class="join-link" href="/join">{t("app.join")}</a>
                </header>
                <nav class="site-links" aria-label=t("app.more")>
                    <a href="/stats">{t("stats.title")}</a>
                    <a href=move || share_link(shared)>{t("embed.share")}</a>
                </nav>
                <LanguagePicker />
                <Presets />
                <FilterPanel />
                <OrgList />
            </aside>
            <main class="map-area">
                <MapView />
                <button
                    type="button"
                    class="panel-toggle"
                    aria-controls="sidebar"
                    aria-expanded=move || shared.panel_open.get().to_string()
                    on:click=move |_| shared.panel_open.update(|o| *o = !*o)
                >
                    {move || tr(&shared.lang.get(), if shared.panel_open.get() { "app.show_map" } else { "app.sidebar" })}
                </button>
                <Card />
                <MapStatus />
            </main>
        </div>
    }
}

/// The map for other sites (`/embed?category=…&bbox=…&lang=…`): markers
/// and cards for the filters in its address, fitted to its box, with no
/// header, list or forms, and a link to the full map in a new tab. Its
/// address never changes.
#[component]
pub fn EmbedApp() -> impl IntoView {
    let (shared, map) = provide_shared();
    let (path, query) = location();
    let initial = UrlState::parse(&path, &query);
    shared.filters.set(initial.filters.clone());
    map.set_initial(initial);

    load_reference(shared);
    fetch_on_filter_change(shared);
    fetch_selected(shared);

    // the full map on the same filters and view
    let full_map = move || {
        let state = UrlState {
            filters: shared.filters.get(),
            view: shared.view.get(),
            org: shared.selected.get(),
            ..UrlState::default()
        };
        format!(
            "{}{}",
            window().location().origin().unwrap_or_default(),
            state.to_url()
        )
    };
    let lang = shared.lang;
    view! {
        <div class="app embed">
            <main class="map-area">
                <MapView />
                <Card />
                <MapStatus />
                <a class="embed-credit" href=full_map target="_blank" rel="noopener"
                    title=move || tr(&lang.get(), "embed.open_full")>
                    {move || tr(&lang.get(), "app.title")}
                </a>
            </main>
        </div>
    }
}

/// The view a new visitor sees: the world, with Jerusalem in the middle.
pub fn default_view() -> View {
    View {
        lat: 31.78,
        lon: 35.22,
        zoom: if window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w < 700.0)
        {
            2.0
        } else {
            3.0
        },
    }
}
