//! Solidarity Map in the browser: a Leptos client-side app that draws the
//! public GeoJSON API with Leaflet.

mod admin;
mod api;
mod app;
mod card;
mod clustered;
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

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(Root);
}

/// The page for the path: the join form, an edit link, moderation, or the
/// map (which handles its own paths: `/`, `/org/{id}`, `/jerusalem`).
#[leptos::component]
fn Root() -> impl leptos::IntoView {
    use leptos::prelude::*;
    let lang = i18n::Lang(RwSignal::new(i18n::initial_lang()));
    provide_context(lang);
    Effect::new(move |_| i18n::apply(&lang.0.get()));
    let path = window().location().pathname().unwrap_or_default();
    let path = path.trim_end_matches('/');
    if path == "/join" {
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
