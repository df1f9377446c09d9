//! The list of organisations that match the filters and lie in the map's
//! view, by name: the map's accessible twin.

use leptos::prelude::*;

use crate::i18n::{tr, tr_n};
use crate::map::MapCtl;
use crate::state::{Bounds, Filters, Load, Shared};

/// At most this many rows are drawn; the rest are counted.
const MAX_ROWS: usize = 300;

fn in_bounds(b: &Bounds, lat: f64, lon: f64) -> bool {
    let [west, south, east, north] = *b;
    if lat < south || lat > north {
        return false;
    }
    if east - west >= 360.0 {
        return true;
    }
    // the map may show longitudes past ±180 (world copies)
    let wrap = |x: f64| (x + 180.0).rem_euclid(360.0) - 180.0;
    let (w, e, x) = (wrap(west), wrap(east), wrap(lon));
    if w <= e {
        x >= w && x <= e
    } else {
        x >= w || x <= e
    }
}

#[derive(Clone, PartialEq)]
struct Row {
    id: String,
    name: String,
    category: String,
    city: String,
}

#[component]
pub fn OrgList() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let map = expect_context::<MapCtl>();
    let rows = Memo::new(move |_| {
        let lang = shared.visitor.lang.get();
        let bounds = shared.visitor.bounds.get();
        shared.reference.categories.track();
        shared.orgs.with(|o| {
            let Load::Ready(list) = o else {
                return Vec::new();
            };
            let mut rows: Vec<(String, Row)> = list
                .iter()
                .filter(|f| {
                    let (lat, lon) = f.geometry.lat_lon();
                    bounds.as_ref().is_none_or(|b| in_bounds(b, lat, lon))
                })
                .map(|f| {
                    let p = &f.properties;
                    let name = p.name.text().best(&lang).1.to_owned();
                    let category = shared
                        .category_untracked(p.category.as_str())
                        .map(|c| c.category.labels.best(&lang).1.to_owned())
                        .unwrap_or_else(|| p.category.to_string());
                    let key = crate::names::search_key(&name);
                    (
                        key,
                        Row {
                            id: f.id.clone(),
                            name,
                            category,
                            city: p.city.to_string(),
                        },
                    )
                })
                .collect();
            // names in the order readers of the visitor's language expect
            let order = crate::names::collator(&lang);
            rows.sort_by(|a, b| order(&a.1.name, &b.1.name).then_with(|| a.0.cmp(&b.0)));
            rows.into_iter().map(|(_, r)| r).collect()
        })
    });
    let total = move || {
        shared
            .orgs
            .with(|o| matches!(o, Load::Ready(l) if !l.is_empty()))
    };

    let nothing_matches = move || {
        let empty = shared
            .orgs
            .with(|o| matches!(o, Load::Ready(l) if l.is_empty()));
        empty && !shared.visitor.filters.with(Filters::is_empty)
    };

    // in the large mode the list holds a page of what is in view; the
    // server counts the rest
    let in_view = move || {
        if shared.reference.large.get() {
            usize::try_from(shared.matched.get()).unwrap_or(usize::MAX)
        } else {
            rows.with(Vec::len)
        }
    };

    view! {
        <section class="list" id="list" tabindex="-1" aria-label=move || tr(&shared.visitor.lang.get(), "list.label")>
            <h2 class="list-count" aria-live="polite">
                {move || {
                    let lang = shared.visitor.lang.get();
                    match in_view() {
                        0 if total() || shared.reference.large.get() => tr(&lang, "list.none_here"),
                        // the filters match nothing: said here too, not only on the map
                        0 if nothing_matches() => tr(&lang, "app.empty"),
                        0 => String::new(),
                        1 => tr(&lang, "list.one"),
                        n => tr_n(&lang, "list.many", n),
                    }
                }}
            </h2>
            <ul class="org-list">
                {move || {
                    rows.get()
                        .into_iter()
                        .take(MAX_ROWS)
                        .map(|r| {
                            let id = r.id.clone();
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="org-item"
                                        data-id=r.id
                                        on:click=move |_| {
                                            shared.visitor.panel_open.set(false);
                                            map.focus(&id, shared);
                                        }
                                    >
                                        <span class="name" dir="auto">{r.name}</span>
                                        <span class="meta">
                                            {r.category}
                                            " · "
                                            <span dir="auto">{r.city}</span>
                                        </span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            {move || {
                let shown = rows.with(Vec::len).min(MAX_ROWS);
                let n = in_view();
                (n > shown).then(|| view! {
                    <p class="more">{tr_n(&shared.visitor.lang.get(), "list.more", n - shown)}</p>
                })
            }}
        </section>
    }
}
