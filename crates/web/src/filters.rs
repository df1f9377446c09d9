//! The filters: categories (the legend, as toggles), what a faded marker
//! means and whether to hide those, country, language and text search;
//! and the Jerusalem and whole-world presets.

use std::time::Duration;

use leptos::prelude::*;

use crate::i18n::tr;
use crate::map::MapCtl;
use crate::names;
use crate::state::{Filters, JERUSALEM_BOUNDS, Shared, View};
use solidarity_map_core::Facets;

#[component]
pub fn Presets() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let map = expect_context::<MapCtl>();
    let t = move |key: &'static str| move || tr(&shared.visitor.lang.get(), key);
    view! {
        <nav class="presets" aria-label=t("filters.places")>
            <button
                type="button"
                on:click=move |_| {
                    // a place, not a category: every kind of group there shows
                    map.fit_bounds(JERUSALEM_BOUNDS);
                    shared.visitor.panel_open.set(false);
                }
            >
                {t("filters.jerusalem")}
            </button>
            <button type="button" on:click=move |_| map.set_view(View::WORLD)>
                {t("filters.world")}
            </button>
        </nav>
    }
}

#[component]
pub fn FilterPanel() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let lang = move || shared.visitor.lang.get();
    let t = move |key: &'static str| move || tr(&shared.visitor.lang.get(), key);

    // the search box updates the filter when typing pauses
    let typed = RwSignal::new(shared.visitor.filters.get_untracked().q);
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    let on_input = move |ev| {
        let value = event_target_value(&ev);
        typed.set(value.clone());
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let handle = set_timeout_with_handle(
            move || shared.visitor.filters.update(|f| f.q = value),
            Duration::from_millis(300),
        );
        pending.set_value(handle.ok());
    };
    // a filter change from elsewhere (clear, back button) shows in the box
    Effect::new(move |_| {
        let q = shared.visitor.filters.with(|f| f.q.clone());
        if typed.get_untracked().trim() != q.trim() {
            typed.set(q);
        }
    });

    // a category's count under the other filters, once the server has
    // said; its count of all published entries until then
    let count = move |slug: &str, all: u64| {
        shared.reference.facets.with(|f| {
            f.as_ref()
                .map_or(all, |f| Facets::count(&f.categories, slug))
        })
    };
    let toggle = move |slug: String| {
        shared.visitor.filters.update(|f| {
            if let Some(i) = f.categories.iter().position(|c| *c == slug) {
                f.categories.remove(i);
            } else {
                f.categories.push(slug);
            }
        });
    };

    view! {
        <section class="filters" aria-label=t("filters.label")>
            // the fields scroll; "Clear filters" below them stays in view
            <div class="filter-fields">
            <label class="search">
                <span class="visually-hidden">{t("filters.search")}</span>
                <input
                    type="search"
                    placeholder=t("filters.search_placeholder")
                    prop:value=move || typed.get()
                    on:input=on_input
                    autocomplete="off"
                />
            </label>
            <fieldset class="categories">
                <legend>{t("filters.kinds")}</legend>
                <ul>
                    <For
                        each=move || shared.reference.categories.get()
                        key=|c| (c.category.slug.clone(), c.count)
                        let:c
                    >
                        {
                            let slug = c.category.slug.to_string();
                            let slug_pressed = slug.clone();
                            let slug_count = slug.clone();
                            let labels = c.category.labels.clone();
                            let colour = c.category.colour.clone();
                            let symbol = c.category.symbol.clone();
                            let pressed = move || {
                                shared.visitor.filters.with(|f| f.categories.contains(&slug_pressed))
                            };
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="cat-toggle"
                                        data-category=slug.clone()
                                        aria-pressed=move || pressed().to_string()
                                        on:click=move |_| toggle(slug.clone())
                                    >
                                        <span class="swatch" style:background-color=colour aria-hidden="true">
                                            {symbol}
                                        </span>
                                        <span class="label">{move || labels.best(&lang()).1.to_owned()}</span>
                                        <span class="n">{move || count(&slug_count, c.count)}</span>
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </fieldset>
            <div class="freshness">
                <p class="stale-legend">
                    <span class="stale-sample" aria-hidden="true"></span>
                    <span>{t("legend.stale")}</span>
                </p>
                <label class="hide-stale">
                    <input
                        type="checkbox"
                        prop:checked=move || shared.visitor.filters.with(|f| f.hide_stale)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            shared.visitor.filters.update(|f| f.hide_stale = on);
                        }
                    />
                    <span>{t("filters.hide_stale")}</span>
                </label>
            </div>
            <div class="selects">
                <FacetSelect facet=Facet::Country />
                <FacetSelect facet=Facet::Language />
            </div>
            </div>
            <button
                type="button"
                class="clear"
                disabled=move || shared.visitor.filters.with(|f| f.is_empty())
                on:click=move |_| shared.clear_filters()
            >
                {t("filters.clear")}
            </button>
        </section>
    }
}

/// The filters a [`FacetSelect`] sets.
#[derive(Clone, Copy, PartialEq)]
enum Facet {
    Country,
    Language,
}

impl Facet {
    fn of(self, f: &Filters) -> Option<String> {
        match self {
            Facet::Country => f.country.clone(),
            Facet::Language => f.language.clone(),
        }
    }

    fn set(self, f: &mut Filters, value: Option<String>) {
        match self {
            Facet::Country => f.country = value,
            Facet::Language => f.language = value,
        }
    }
}

/// A select of a facet's values, each named in the visitor's language with
/// how many entries have it: countries by name, languages most used first
/// (as the server sends them).
#[component]
fn FacetSelect(facet: Facet) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let t = move |key: &'static str| move || tr(&shared.visitor.lang.get(), key);
    let (label, all, class) = match facet {
        Facet::Country => ("filters.country", "filters.all_countries", "country"),
        Facet::Language => ("filters.language", "filters.all_languages", "language"),
    };
    let options = move || {
        let lang = shared.visitor.lang.get();
        let facets = shared.reference.facets.get().unwrap_or_default();
        let mut list: Vec<(String, String, u64)> = match facet {
            Facet::Country => facets
                .countries
                .into_iter()
                .map(|c| (names::country(&lang, &c.code), c.code, c.count))
                .collect(),
            Facet::Language => facets
                .languages
                .into_iter()
                .map(|l| (names::language(&lang, &l.code), l.code, l.count))
                .collect(),
        };
        if facet == Facet::Country {
            let order = names::collator(&lang);
            list.sort_by(|a, b| order(&a.0, &b.0));
        }
        let current = shared.visitor.filters.with_untracked(|f| facet.of(f));
        list.into_iter()
            .map(|(name, code, n)| {
                let selected = current.as_deref() == Some(code.as_str());
                view! { <option value=code selected=selected>{format!("{name} ({n})")}</option> }
            })
            .collect_view()
    };
    let on_change = move |ev| {
        let v = event_target_value(&ev);
        shared
            .visitor
            .filters
            .update(|f| facet.set(f, Some(v).filter(|v| !v.is_empty())));
    };
    view! {
        <label>
            <span>{t(label)}</span>
            <select
                class=class
                on:change=on_change
                prop:value=move || shared.visitor.filters.with(|f| facet.of(f).unwrap_or_default())
            >
                <option value="">{t(all)}</option>
                {options}
            </select>
        </label>
    }
}
