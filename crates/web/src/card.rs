//! The card of one organisation. Every value from the API is inserted as
//! text, never as markup.

use leptos::prelude::*;
use solidarity_map_core::Precision;
use wasm_bindgen::JsCast;

use crate::i18n::tr;
use crate::names;
use crate::relay::RelayForm;
use crate::state::Shared;

/// Puts the organisation's link on the clipboard; says so, or shows the
/// link to copy by hand where the browser does not allow it.
fn copy_link(id: &str, copied: RwSignal<Option<String>>, lang: String) {
    let origin = window().location().origin().unwrap_or_default();
    let link = format!("{origin}/org/{id}");
    let clipboard = window().navigator().clipboard();
    let promise = clipboard.write_text(&link);
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => copied.set(Some(tr(&lang, "card.copied"))),
            Err(_) => copied.set(Some(link)),
        }
    });
}

/// Opening a card moves the focus to its title, so that it is read and
/// Tab goes on inside it; closing it (button or Escape) gives the focus
/// back to the marker or list row that opened it.
fn keep_focus_with_the_card(shared: Shared) {
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let open = shared.visitor.selected.get().is_some();
        let focused = || document().active_element();
        if open && was_open != Some(true) {
            let outside = focused().filter(|el| el.closest(".card").ok().flatten().is_none());
            opener.set_value(outside.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()));
            // the card is drawn in this same turn: focus it in the next
            set_timeout(
                || {
                    let title = document().get_element_by_id("card-title");
                    if let Some(title) =
                        title.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = title.focus();
                    }
                },
                std::time::Duration::ZERO,
            );
        } else if !open && was_open == Some(true) {
            if let Some(el) = opener.get_value().filter(|el| el.is_connected()) {
                let _ = el.focus();
            }
            opener.set_value(None);
        }
        open
    });
}

#[component]
pub fn Card() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let copied = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if shared.visitor.selected.get().is_some() {
            shared.gone.set(None);
        }
        copied.set(None);
    });
    keep_focus_with_the_card(shared);
    // Escape closes the card, wherever the focus is
    let _escape = window_event_listener(leptos::ev::keydown, move |e| {
        if e.key() == "Escape" && shared.visitor.selected.get_untracked().is_some() {
            shared.visitor.selected.set(None);
        }
    });
    move || {
        if shared.visitor.selected.get().is_none() && shared.gone.get().is_some() {
            let lang = shared.visitor.lang.get();
            return Some(
                view! {
                    <aside class="card gone" role="status" aria-labelledby="card-title">
                        <button type="button" class="close" aria-label=tr(&lang, "card.close")
                            on:click=move |_| shared.gone.set(None)>"×"</button>
                        <h2 id="card-title">{tr(&lang, "card.gone_title")}</h2>
                        <p>{tr(&lang, "card.gone")}</p>
                    </aside>
                }
                .into_any(),
            );
        }
        let org = shared.selected_org()?;
        let lang = shared.visitor.lang.get();
        let p = org.properties;
        let (name_lang, name) = p.name.text().best(&lang);
        let (name_lang, name) = (name_lang.to_string(), name.to_owned());
        let (desc_lang, desc) = p.description.text().best(&lang);
        let (desc_lang, desc) = (desc_lang.to_string(), desc.to_owned());
        let category = shared.category(p.category.as_str());
        let (cat_label, colour, symbol) = match &category {
            Some(c) => (
                c.category.labels.best(&lang).1.to_owned(),
                c.category.colour.clone(),
                c.category.symbol.clone(),
            ),
            None => (p.category.to_string(), "#555555".to_owned(), String::new()),
        };
        let languages = names::list(
            &lang,
            &p.languages
                .iter()
                .map(|l| names::language(&lang, l.as_str()))
                .collect::<Vec<_>>(),
        );
        // say so when the text is not in the visitor's language
        let shown_in = (desc_lang != lang).then(|| {
            tr(&lang, "card.shown_in").replace("{lang}", &names::language(&lang, &desc_lang))
        });
        let tags = p
            .tags
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect::<Vec<_>>();
        let website = p.website.as_ref().map(|w| w.as_str().to_owned());
        let country = names::country(&lang, p.country.as_str());
        // the point on the map is this precise, and no more
        let shown_at = match p.precision {
            Precision::Country => "card.shown_at_country",
            Precision::City => "card.shown_at_city",
            Precision::Neighbourhood => "card.shown_at_neighbourhood",
            Precision::Exact => "card.shown_at_exact",
        };
        let id = org.id;
        let relay_id = id.clone();
        // a mirrored entry: its map and licence; only its map may be
        // written to about it
        let source = p.source.clone().map(|s| (s.page_of(&p.id), s));
        let lang_copy = lang.clone();
        Some(view! {
            <aside class="card" role="dialog" aria-labelledby="card-title">
                <button
                    type="button"
                    class="close"
                    aria-label=tr(&lang, "card.close")
                    on:click=move |_| shared.visitor.selected.set(None)
                >
                    "×"
                </button>
                <h2 id="card-title" tabindex="-1" dir="auto" lang=name_lang>{name}</h2>
                <p class="chip">
                    <span class="swatch" style:background-color=colour aria-hidden="true">{symbol}</span>
                    {cat_label}
                </p>
                <p class="place">
                    <span dir="auto">{p.city.to_string()}</span>
                    ", "
                    <span>{country}</span>
                </p>
                <p class="precision">{tr(&lang, shown_at)}</p>
                {shown_in.map(|note| view! { <p class="shown-in">{note}</p> })}
                <p class="description" dir="auto" lang=desc_lang>{desc}</p>
                {(!languages.is_empty()).then(|| view! {
                    <p class="languages">{tr(&lang, "card.works_in")} " " {languages}</p>
                })}
                {(!tags.is_empty()).then(|| view! {
                    <ul class="tags">
                        {tags.into_iter().map(|t| view! { <li dir="auto">{t}</li> }).collect_view()}
                    </ul>
                })}
                {website.map(|w| {
                    let href = w.clone();
                    view! {
                    <p>
                        // a web address reads left to right in every language
                        <a class="website" dir="ltr" href=href target="_blank" rel="noopener noreferrer">
                            {w}
                        </a>
                    </p>
                }})}
                <p class="share">
                    <button type="button" class="copy-link" on:click=move |_| copy_link(&id, copied, lang_copy.clone())>
                        {tr(&lang, "card.copy_link")}
                    </button>
                    <span class="copied" aria-live="polite">{move || copied.get()}</span>
                </p>
                {source.as_ref().map(|(page, s)| {
                    let (page, name, licence) = (page.clone(), s.name.clone(), s.license.clone());
                    let licence_url = s.license_url.as_ref().map(|u| u.as_str().to_owned());
                    view! {
                        <p class="source">
                            {tr(&lang, "card.from")} " "
                            <a href=page dir="auto" target="_blank" rel="noopener noreferrer">{name}</a>
                            ", "
                            {match licence_url {
                                Some(url) => view! {
                                    <a href=url dir="ltr" target="_blank" rel="license noopener noreferrer">{licence}</a>
                                }.into_any(),
                                None => view! { <span dir="ltr">{licence}</span> }.into_any(),
                            }}
                        </p>
                    }
                })}
                {source.is_none().then(|| view! { <RelayForm id=relay_id /> })}
            </aside>
        }
        .into_any())
    }
}
