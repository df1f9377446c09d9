//! The share page (`/embed/new`): choose kinds of group, a part of the
//! world and a language, see the embedded map live, and copy the
//! `<iframe>` snippet for another site. The snippet only works on sites
//! the map's operator allows (`--embed-origins`); the page says so.

use leptos::prelude::*;
use solidarity_map_core::{BBox, CategoryCount};

use crate::api;
use crate::i18n::{Lang, PageHeading, UI_LANGS, tr};
use crate::state::{Filters, UrlState};

/// A box as the API and the embed take it, to four decimals (about 10 m).
pub fn bbox_param(b: &BBox) -> String {
    let r = |x: f64| {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    };
    format!(
        "{},{},{},{}",
        r(b.min_lon),
        r(b.min_lat),
        r(b.max_lon),
        r(b.max_lat)
    )
}

/// The start of the message an embed previewed on the share page sends
/// it with the area it shows (`west,south,east,north` follows).
pub const VIEW_MESSAGE: &str = "solidarity-map:view:";

/// What the embed shows.
#[derive(Debug, Clone, PartialEq, Default)]
struct Choice {
    /// Kinds of group (chosen here), and the country, language and words
    /// the map was filtered by.
    filters: Filters,
    /// `west,south,east,north`; empty for the whole world.
    bbox: String,
    /// The embed's language; empty for the visitor's own.
    lang: String,
}

impl Choice {
    /// The embed's path and query.
    fn path(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        self.filters.append_to(&mut q);
        if let Ok(b) = BBox::parse(self.bbox.trim()) {
            q.append_pair("bbox", &bbox_param(&b));
        }
        if !self.lang.is_empty() {
            q.append_pair("lang", &self.lang);
        }
        let query = q.finish().replace("%2C", ",");
        if query.is_empty() {
            "/embed".to_owned()
        } else {
            format!("/embed?{query}")
        }
    }
}

/// The filters besides the kinds of group that the embed carries from
/// the map (country, language, words), as a list in `ui`; empty if none.
fn carried(f: &Filters, ui: &str) -> String {
    let mut items = Vec::new();
    if let Some(c) = &f.country {
        items.push(crate::names::country(ui, c));
    }
    if let Some(l) = &f.language {
        items.push(crate::names::language(ui, l));
    }
    if !f.q.trim().is_empty() {
        items.push(format!("“{}”", f.q.trim()));
    }
    if items.is_empty() {
        String::new()
    } else {
        crate::names::list(ui, &items)
    }
}

/// Text for a quoted HTML attribute value.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The snippet to paste into another site.
fn snippet(src: &str, title: &str, height: u32) -> String {
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"{height}\" \
         style=\"border:0\" loading=\"lazy\" referrerpolicy=\"strict-origin-when-cross-origin\"></iframe>",
        attr(src),
        attr(title)
    )
}

#[component]
pub fn EmbedNewPage() -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let categories = RwSignal::new(Vec::<CategoryCount>::new());
    leptos::task::spawn_local(async move {
        if let Ok(c) = api::categories().await {
            categories.set(c);
        }
    });
    // start from the map's filters and view, when the map sent them
    let search = window().location().search().unwrap_or_default();
    let from_map = UrlState::parse("/embed", &search);
    let bbox_given = form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == "bbox")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let choice = RwSignal::new(Choice {
        filters: from_map.filters,
        bbox: bbox_given,
        lang: String::new(),
    });
    let height = RwSignal::new(450u32);
    let copied = RwSignal::new(None::<String>);
    // the site's public address when the operator gave one (a page opened
    // through an internal name would otherwise hand out that name)
    let public_url = RwSignal::new(None::<solidarity_map_core::PublicUrl>);
    leptos::task::spawn_local(async move {
        if let Ok(c) = api::config().await {
            public_url.set(c.public_url);
        }
    });
    // the preview stays on this page's own site (so that it can tell the
    // page its area); only the snippet names the public address
    let src = move || choice.with(Choice::path);
    let code = move || {
        let path = src();
        let absolute = public_url.with(|u| match u {
            Some(u) => u.join(&path),
            None => format!("{}{path}", window().location().origin().unwrap_or_default()),
        });
        snippet(&absolute, &tr(&ui(), "app.title"), height.get())
    };
    // the area the preview shows after the visitor panned or zoomed it
    // (the first area a freshly loaded preview reports is the one it was
    // fitted to, not a choice: only a later one is offered)
    let previewed = RwSignal::new(None::<String>);
    let fitted = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        src();
        fitted.set(None);
        previewed.set(None);
    });
    let own_origin = window().location().origin().unwrap_or_default();
    let listener = window_event_listener(leptos::ev::message, move |ev| {
        if ev.origin() != own_origin {
            return;
        }
        let Some(area) = ev
            .data()
            .as_string()
            .and_then(|m| m.strip_prefix(VIEW_MESSAGE).map(str::to_owned))
            .filter(|a| BBox::parse(a).is_ok())
        else {
            return;
        };
        if fitted.get_untracked().is_none() {
            fitted.set(Some(area));
        } else if fitted.get_untracked().as_deref() != Some(area.as_str()) {
            previewed.set(Some(area));
        }
    });
    on_cleanup(move || listener.remove());
    let other_area = move || {
        previewed
            .get()
            .filter(|p| choice.with(|c| c.bbox.trim() != p.as_str()))
    };
    let bbox_ok =
        move || choice.with(|c| c.bbox.trim().is_empty() || BBox::parse(c.bbox.trim()).is_ok());

    let copy = move |_| {
        let text = code();
        let promise = window().navigator().clipboard().write_text(&text);
        let lang = ui();
        leptos::task::spawn_local(async move {
            copied.set(Some(
                match wasm_bindgen_futures::JsFuture::from(promise).await {
                    Ok(_) => tr(&lang, "embed.copied"),
                    Err(_) => tr(&lang, "embed.copy_by_hand"),
                },
            ));
        });
    };

    view! {
        <main class="page embed-new">
            <PageHeading title="embed.title" lead="embed.lead" />
            <form class="embed-form" on:submit=move |ev| ev.prevent_default()>
                <fieldset class="group">
                    <legend>{move || tr(&ui(), "filters.kinds")}</legend>
                    <p class="hint">{move || tr(&ui(), "embed.all_kinds")}</p>
                    {move || {
                        let l = ui();
                        categories.get().into_iter().map(|c| {
                            let slug = c.category.slug.to_string();
                            let label = c.category.labels.best(&l).1.to_owned();
                            let s1 = slug.clone();
                            let s2 = slug.clone();
                            view! {
                                <label class="checkbox">
                                    <input type="checkbox" name="category" value=slug
                                        prop:checked=move || choice.with(|c| c.filters.categories.contains(&s1))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            choice.update(|c| {
                                                c.filters.categories.retain(|x| *x != s2);
                                                if on {
                                                    c.filters.categories.push(s2.clone());
                                                }
                                            });
                                        } />
                                    {label}
                                </label>
                            }
                        }).collect_view()
                    }}
                </fieldset>
                <p class="hint carried" hidden=move || choice.with(|c| carried(&c.filters, &ui()).is_empty())>
                    {move || format!("{} {}", tr(&ui(), "embed.carried"), choice.with(|c| carried(&c.filters, &ui())))}
                    " "
                    <button type="button" class="secondary drop-filters" on:click=move |_| choice.update(|c| {
                        c.filters = Filters { categories: std::mem::take(&mut c.filters.categories), ..Filters::default() };
                    })>{move || tr(&ui(), "embed.drop_filters")}</button>
                </p>
                <div class="field">
                    <label for="embed-bbox">{move || tr(&ui(), "embed.area")}</label>
                    <input id="embed-bbox" type="text" dir="ltr" inputmode="decimal"
                        aria-describedby="embed-bbox-hint"
                        prop:value=move || choice.with(|c| c.bbox.clone())
                        on:input=move |ev| choice.update(|c| c.bbox = event_target_value(&ev)) />
                    <p class="hint" id="embed-bbox-hint">{move || tr(&ui(), "embed.area_hint")}</p>
                    <p class="field-error" role="alert" hidden=bbox_ok>{move || tr(&ui(), "embed.bad_area")}</p>
                    <p class="hint preview-area" hidden=move || other_area().is_none()>
                        {move || tr(&ui(), "embed.preview_moved")}
                        " "
                        <bdi dir="ltr">{move || other_area().unwrap_or_default()}</bdi>
                        " "
                        <button type="button" class="secondary use-preview-area"
                            on:click=move |_| {
                                if let Some(area) = other_area() {
                                    choice.update(|c| c.bbox = area);
                                }
                            }>
                            {move || tr(&ui(), "embed.use_preview_area")}
                        </button>
                    </p>
                </div>
                <div class="field">
                    <label for="embed-lang">{move || tr(&ui(), "embed.language")}</label>
                    <select id="embed-lang"
                        prop:value=move || choice.with(|c| c.lang.clone())
                        on:change=move |ev| choice.update(|c| c.lang = event_target_value(&ev))>
                        <option value="">{move || tr(&ui(), "embed.visitor_language")}</option>
                        {UI_LANGS.iter().map(|(code, name)| view! {
                            <option value=*code lang=*code>{*name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="embed-height">{move || tr(&ui(), "embed.height")}</label>
                    <input id="embed-height" type="number" min="200" max="1200" step="10"
                        prop:value=move || height.get().to_string()
                        on:input=move |ev| {
                            if let Ok(h) = event_target_value(&ev).parse::<u32>() {
                                height.set(h.clamp(200, 1200));
                            }
                        } />
                </div>
            </form>
            <h2>{move || tr(&ui(), "embed.code")}</h2>
            <textarea class="embed-code" readonly dir="ltr" rows="4"
                aria-label=move || tr(&ui(), "embed.code")
                prop:value=code></textarea>
            <p class="share">
                <button type="button" class="secondary copy-code" on:click=copy>
                    {move || tr(&ui(), "embed.copy")}
                </button>
                <span class="copied" aria-live="polite">{move || copied.get()}</span>
            </p>
            <p class="hint">{move || tr(&ui(), "embed.allowed_sites")}</p>
            <h2>{move || tr(&ui(), "embed.preview")}</h2>
            <p class="hint">{move || tr(&ui(), "embed.preview_hint")}</p>
            <iframe class="embed-preview" src=src title=move || tr(&ui(), "embed.preview")
                height=move || height.get().to_string()></iframe>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embed_address_and_snippet() {
        let c = Choice {
            filters: Filters {
                categories: vec!["media".into(), "faith".into()],
                country: Some("PS".into()),
                language: Some("ar".into()),
                q: " youth ".into(),
                hide_stale: false,
            },
            bbox: " 34.25,29.5,35.9,33.3 ".into(),
            lang: "ar".into(),
        };
        assert_eq!(
            c.path(),
            "/embed?category=media&category=faith&country=PS&language=ar&q=youth\
             &bbox=34.25,29.5,35.9,33.3&lang=ar"
        );
        assert_eq!(Choice::default().path(), "/embed");
        let bad = Choice {
            bbox: "1,2".into(),
            ..Choice::default()
        };
        assert_eq!(bad.path(), "/embed");
        let s = snippet("https://map.example/embed?a=1&b=2", "Map \"x\"", 450);
        assert!(s.starts_with("<iframe src=\"https://map.example/embed?a=1&amp;b=2\""));
        assert!(s.contains("title=\"Map &quot;x&quot;\""));
        assert!(s.contains("height=\"450\""));
    }
}
