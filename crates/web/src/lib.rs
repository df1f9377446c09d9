//! Solidarity Map in the browser: a Leptos client-side app that draws the
//! public GeoJSON API with Leaflet.
//!
//! Two programs share these modules, so that a visitor of the map
//! downloads the map and nothing else, often over a slow mobile network:
//! `solidarity-map-web` (`main.rs`: the map, its cards, list and filters,
//! and the embed) and `solidarity-map-pages` (`bin/pages.rs`: the join and
//! edit forms, moderation, statistics, the embed builder and blocking a
//! sender of the contact relay). The server sends each path the page of
//! the program that draws it, by the rule both read from
//! [`solidarity_map_core::ClientBundle`].

mod admin;
mod api;
mod app;
mod basemap;
mod card;
mod clustered;
mod embed;
mod filters;
mod form;
mod i18n;
mod join;
mod languages;
mod leaflet_ext;
mod list;
mod listing;
mod map;
mod markers;
mod mirrors;
mod names;
mod outbox;
mod place_labels;
mod recover;
mod relay;
mod review;
mod stale;
mod state;
mod stats;
mod vector_tiles;

use leptos::prelude::*;

/// Draws the map (`/`, `/org/{id}`, `/jerusalem`, `/embed`).
pub fn start_map() {
    start(|| {
        let embed = path() == "/embed";
        provide_language(embed);
        if embed {
            view! { <app::EmbedApp /> }.into_any()
        } else {
            view! { <app::App /> }.into_any()
        }
    });
}

/// Draws the page for the path: the join form, an edit link (or asking for
/// a lost one), blocking a sender of the contact relay, moderation,
/// statistics or the embed builder.
pub fn start_pages() {
    i18n::with_pages_words();
    start(|| {
        provide_language(false);
        let path = path();
        if let Some(token) = path.strip_prefix("/relay/block/") {
            let token = token.to_owned();
            return view! { <relay::BlockPage token=token /> }.into_any();
        }
        if let Some(token) = path.strip_prefix("/edit/") {
            let token = token.to_owned();
            return view! { <join::EditPage token=token /> }.into_any();
        }
        match path.as_str() {
            "/embed/new" => view! { <embed::EmbedNewPage /> }.into_any(),
            "/stats" => view! { <stats::StatsPage /> }.into_any(),
            "/edit" => view! { <recover::RecoverPage /> }.into_any(),
            "/admin" => view! { <admin::AdminPage /> }.into_any(),
            _ => view! { <join::JoinPage /> }.into_any(),
        }
    });
}

/// The address's path, without a trailing slash.
fn path() -> String {
    let path = window().location().pathname().unwrap_or_default();
    path.trim_end_matches('/').to_owned()
}

/// Mounts `root` in place of the page's placeholder (`index.html`).
fn start<V: IntoView + 'static>(root: impl FnOnce() -> V + 'static) {
    console_error_panic_hook::set_once();
    if let Some(skeleton) = document().get_element_by_id("skeleton") {
        skeleton.remove();
    }
    leptos::mount::mount_to_body(root);
}

/// The interface language for the whole page. An embed speaks the
/// language its address asks for, without making it the visitor's choice
/// for the whole site.
fn provide_language(embed: bool) {
    let asked = embed
        .then(|| i18n::lang_param(&window().location().search().unwrap_or_default()))
        .flatten();
    let remember = asked.is_none();
    let lang = i18n::Lang(RwSignal::new(asked.unwrap_or_else(i18n::initial_lang)));
    provide_context(lang);
    Effect::new(move |_| i18n::apply(&lang.0.get(), remember));
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    /// This crate's source files, with the module each belongs to (its
    /// file, or the folder it is in) and its text.
    pub(crate) fn sources() -> Vec<(std::path::PathBuf, String, String)> {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&src).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                for inner in std::fs::read_dir(&path).expect("module folder").flatten() {
                    files.push(inner.path());
                }
            } else {
                files.push(path);
            }
        }
        files.retain(|p| p.extension().is_some_and(|e| e == "rs"));
        files
            .into_iter()
            .map(|path| {
                let rel = path.strip_prefix(&src).expect("under src");
                let module = rel.iter().next().expect("a name").to_string_lossy();
                let module = module.trim_end_matches(".rs").to_owned();
                let text = std::fs::read_to_string(&path).expect("readable");
                (path, module, text)
            })
            .collect()
    }

    /// Which of this crate's modules each module names (`crate::name`).
    fn uses() -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (_, module, text) in sources() {
            let named = text.split("crate::").skip(1).filter_map(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                (!name.is_empty()).then_some(name)
            });
            let mut named: BTreeSet<String> = named.collect();
            // `use crate::{a::X, b::Y}`
            for group in text.split("use crate::{").skip(1) {
                let inside = group.split('}').next().unwrap_or_default();
                for item in inside.split(',') {
                    let name = item.trim().split("::").next().unwrap_or_default();
                    if !name.is_empty() {
                        named.insert(name.to_owned());
                    }
                }
            }
            named.remove(&module);
            graph.entry(module).or_default().extend(named);
        }
        graph
    }

    /// The modules `roots` name, and those they name, and so on.
    pub(crate) fn reachable(roots: &[&str]) -> BTreeSet<String> {
        let graph = uses();
        let mut seen = BTreeSet::new();
        let mut next: Vec<String> = roots.iter().map(|r| (*r).to_owned()).collect();
        while let Some(module) = next.pop() {
            if graph.contains_key(&module) && seen.insert(module.clone()) {
                next.extend(graph[&module].iter().cloned());
            }
        }
        seen
    }

    /// Modules import each other one way only: the shared state and the
    /// drawing live in modules of their own, so that a component can
    /// change without the others.
    #[test]
    fn no_module_imports_in_a_circle() {
        let graph = uses();
        assert!(graph.contains_key("state") && graph.contains_key("map"));
        // depth-first, with the path so far
        fn visit(graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>) {
            let here = path.last().cloned().unwrap_or_default();
            for next in graph.get(&here).into_iter().flatten() {
                if let Some(at) = path.iter().position(|m| m == next) {
                    panic!("modules import in a circle: {:?} -> {next}", &path[at..]);
                }
                path.push(next.clone());
                visit(graph, path);
                path.pop();
            }
        }
        for module in graph.keys() {
            visit(&graph, &mut vec![module.clone()]);
        }
    }
}
