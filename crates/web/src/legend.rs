//! The legend: each category's colour, symbol and number of organisations.

use leptos::prelude::*;

use crate::app::Shared;

#[component]
pub fn Legend() -> impl IntoView {
    let shared = expect_context::<Shared>();
    // open on wide screens, folded away on phones so it never hides the map
    let wide = window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w >= 700.0);
    let open = RwSignal::new(wide);
    view! {
        <section class="legend" class:open=move || open.get() aria-label="Legend">
            <button
                type="button"
                class="legend-toggle"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Legend"
            </button>
            <ul class="legend-list" hidden=move || !open.get()>
                <For
                    each=move || shared.categories.get()
                    key=|c| (c.category.slug.clone(), c.count)
                    let:c
                >
                    {
                        let lang = shared.lang.get_untracked();
                        let label = c.category.labels.best(&lang).1.to_owned();
                        let colour = c.category.colour.clone();
                        let symbol = c.category.symbol.clone();
                        view! {
                            <li>
                                <span class="swatch" style:background-color=colour aria-hidden="true">
                                    {symbol}
                                </span>
                                <span class="label">{label}</span>
                                <span class="n">{c.count}</span>
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}
