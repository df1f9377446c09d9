//! The page: sidebar (filters and list), map and card, and the mirror of
//! their shared state (see [`crate::state`]) in the URL. The embed
//! (`/embed`) is the same map and card without the rest.

use leptos::prelude::*;

use crate::card::Card;
use crate::filters::{FilterPanel, Presets};
use crate::i18n::{LanguagePicker, tr};
use crate::list::OrgList;
use crate::map::{MapCtl, MapView};
use crate::state::{
    JERUSALEM_BOUNDS, Load, Preset, Shared, UrlState, fetch_selected, load_facets, load_reference,
};

fn location() -> (String, String) {
    let loc = window().location();
    (
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default(),
    )
}

/// Applies a URL to the state: on start and on back/forward.
fn apply_url(shared: Shared, map: MapCtl, state: &UrlState) {
    shared.visitor.filters.set(state.filters.clone());
    shared.visitor.selected.set(state.org.clone());
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
            filters: shared.visitor.filters.get(),
            view: shared.visitor.view.get(),
            org: shared.visitor.selected.get(),
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

/// Loading, error and empty notices over the map.
#[component]
fn MapStatus() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let retry = move |_| {
        shared.reference.failed.set(None);
        load_reference(shared);
        shared.reload.update(|n| *n += 1);
    };
    let t = move |key: &'static str| move || tr(&shared.visitor.lang.get(), key);
    view! {
        {move || (shared.in_flight.get() > 0).then(|| view! {
            <div class="status loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                {t("app.loading")}
            </div>
        })}
        {move || match shared.reference.failed.get().map(Load::Failed).unwrap_or_else(|| shared.orgs.get()) {
            Load::Failed(msg) => Some(view! {
                <div class="status error" role="alert">
                    <p>{msg}</p>
                    <button type="button" on:click=retry>{t("app.retry")}</button>
                </div>
            }.into_any()),
            Load::Ready(list) if list.is_empty() && !shared.reference.large.get() => Some(view! {
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
    shared.visitor.filters.with(|f| f.append_to(&mut q));
    if let Some(b) = shared.visitor.bounds.get().and_then(crate::state::bbox_of) {
        q.append_pair("bbox", &crate::embed::bbox_param(&b));
    }
    let query = q.finish();
    if query.is_empty() {
        "/embed/new".to_owned()
    } else {
        format!("/embed/new?{}", query.replace("%2C", ","))
    }
}

/// A map page's state and the map's handle, provided as context, set from
/// the page's URL and loading.
fn start_page() -> (Shared, MapCtl, UrlState) {
    let shared = Shared::provide();
    let map = MapCtl::new();
    provide_context(map);
    let (path, query) = location();
    let initial = UrlState::parse(&path, &query);
    shared.visitor.filters.set(initial.filters.clone());
    map.set_initial(initial.clone());
    load_reference(shared);
    load_facets(shared);
    fetch_selected(shared);
    (shared, map, initial)
}

#[component]
pub fn App() -> impl IntoView {
    let (shared, map, initial) = start_page();
    shared.visitor.selected.set(initial.org);
    sync_url(shared);
    // the tab names the open organisation, in the visitor's language
    Effect::new(move |_| {
        let lang = shared.visitor.lang.get();
        let site = tr(&lang, "app.title");
        let title = match shared.selected_org() {
            Some(org) => format!(
                "{} · {site}",
                solidarity_map_core::text::isolate(org.properties.name.text().best(&lang).1)
            ),
            None => site,
        };
        document().set_title(&title);
    });

    let _popstate = window_event_listener(leptos::ev::popstate, move |_| {
        let (path, query) = location();
        apply_url(shared, map, &UrlState::parse(&path, &query));
    });

    let t = move |key: &'static str| move || tr(&shared.visitor.lang.get(), key);

    view! {
        <div class="app">
            // the first stops of Tab: past the filters to the map or the list
            <a class="skip-link" id="skip-map" href="#map">{t("app.skip_map")}</a>
            <a class="skip-link" href="#list">{t("app.skip_list")}</a>
            <aside
                class="sidebar"
                class:open=move || shared.visitor.panel_open.get()
                // a search under way: on a phone its results come first
                class:searching=move || shared.visitor.filters.with(|f| !f.q.trim().is_empty())
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
                // on a phone, where the sidebar starts folded away
                <header class="phone-bar">
                    <span class="phone-title">{t("app.title")}</span>
                    <a class="join-link" href="/join">{t("app.join")}</a>
                </header>
                <MapView />
                <button
                    type="button"
                    class="panel-toggle"
                    aria-controls="sidebar"
                    aria-expanded=move || shared.visitor.panel_open.get().to_string()
                    on:click=move |_| shared.visitor.panel_open.update(|o| *o = !*o)
                >
                    {move || tr(&shared.visitor.lang.get(), if shared.visitor.panel_open.get() { "app.show_map" } else { "app.sidebar" })}
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
    let (shared, _, _) = start_page();

    // the full map on the same filters and view
    let full_map = move || {
        let state = UrlState {
            filters: shared.visitor.filters.get(),
            view: shared.visitor.view.get(),
            org: shared.visitor.selected.get(),
            ..UrlState::default()
        };
        format!(
            "{}{}",
            window().location().origin().unwrap_or_default(),
            state.to_url()
        )
    };
    // the share page that previews this embed (same site only) learns the
    // area shown, so that panning the preview chooses the area
    Effect::new(move |_| {
        let Some(b) = shared.visitor.bounds.get().and_then(crate::state::bbox_of) else {
            return;
        };
        let me = window();
        let (Ok(Some(parent)), Ok(origin)) = (me.parent(), me.location().origin()) else {
            return;
        };
        let message = format!(
            "{}{}",
            crate::embed::VIEW_MESSAGE,
            crate::embed::bbox_param(&b)
        );
        // delivered only when the parent page is on this very site
        let _ = parent.post_message(&message.into(), &origin);
    });
    let lang = shared.visitor.lang;
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
