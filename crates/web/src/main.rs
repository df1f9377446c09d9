//! Solidarity Map in the browser: a Leptos client-side app that draws the
//! public GeoJSON API with Leaflet.

mod api;
mod app;
mod card;
mod filters;
mod leaflet_ext;
mod list;
mod map;
mod names;
mod state;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
