//! Solidarity Map in the browser: a Leptos client-side app that draws the
//! public GeoJSON API with Leaflet.

mod admin;
mod api;
mod app;
mod card;
mod clustered;
mod embed;
mod filters;
mod form;
mod i18n;
mod join;
mod leaflet_ext;
mod list;
mod map;
mod names;
mod review;
mod state;
mod stats;

fn main() {
    console_error_panic_hook::set_once();
    // the page's placeholder until now (index.html)
    if let Some(skeleton) = leptos::prelude::document().get_element_by_id("skeleton") {
        skeleton.remove();
    }
    leptos::mount::mount_to_body(Root);
}

/// The page for the path: the join form, an edit link, moderation,
/// statistics, the embed and its share page, or the map (which handles its
/// own paths: `/`, `/org/{id}`, `/jerusalem`).
#[leptos::component]
fn Root() -> impl leptos::IntoView {
    use leptos::prelude::*;
    let path = window().location().pathname().unwrap_or_default();
    let path = path.trim_end_matches('/');
    // an embed speaks the language its address asks for, without making it
    // the visitor's choice for the whole site
    let embed = path == "/embed";
    let asked = embed
        .then(|| i18n::lang_param(&window().location().search().unwrap_or_default()))
        .flatten();
    let remember = asked.is_none();
    let lang = i18n::Lang(RwSignal::new(asked.unwrap_or_else(i18n::initial_lang)));
    provide_context(lang);
    Effect::new(move |_| i18n::apply(&lang.0.get(), remember));
    if embed {
        view! { <app::EmbedApp /> }.into_any()
    } else if path == "/embed/new" {
        view! { <embed::EmbedNewPage /> }.into_any()
    } else if path == "/stats" {
        view! { <stats::StatsPage /> }.into_any()
    } else if path == "/join" {
        view! { <join::JoinPage /> }.into_any()
    } else if let Some(token) = path.strip_prefix("/edit/") {
        let token = token.to_owned();
        view! { <join::EditPage token=token /> }.into_any()
    } else if path == "/admin" {
        view! { <admin::AdminPage /> }.into_any()
    } else {
        view! { <app::App /> }.into_any()
    }
}
