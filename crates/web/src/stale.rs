//! The moderation page's stale entries: published entries nobody
//! confirmed as active for a year, after a question and a reminder by
//! mail (or with no address to ask), longest stale first. A moderator
//! opens one on the map, or archives it: it is taken off the map.

use leptos::prelude::*;
use solidarity_map_core::freshness::{StaleEntry, StalePage};

use crate::api::{self, Answer, ApiError};
use crate::i18n::{Lang, tr, tr_n};

#[component]
pub fn StaleSection(csrf: String) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let page = RwSignal::new(None::<StalePage>);
    let said = RwSignal::new(None::<&'static str>);
    let load = move || {
        leptos::task::spawn_local(async move {
            let p: Result<Answer<StalePage>, ApiError> =
                api::send::<(), _>("GET", "/api/admin/stale", None, None).await;
            if let Ok(Answer { ok: Some(p), .. }) = p {
                page.set(Some(p));
            }
        });
    };
    load();
    let archive = move |id: String| {
        let token = csrf.clone();
        leptos::task::spawn_local(async move {
            let url = format!("/api/admin/stale/{id}/archive");
            let r: Result<Answer<()>, ApiError> =
                api::send::<(), _>("POST", &url, None, Some(&token)).await;
            said.set(Some(match r {
                Ok(Answer { status: 204, .. }) => "admin.archived",
                _ => "admin.archive_failed",
            }));
            load();
        });
    };
    view! {
        <section class="stale" aria-labelledby="stale-title">
            <h2 id="stale-title">{move || {
                let n = page.with(|p| p.as_ref().map_or(0, |p| p.total));
                tr_n(&ui(), "admin.stale", usize::try_from(n).unwrap_or(usize::MAX))
            }}</h2>
            <p class="hint">{move || tr(&ui(), "admin.stale_intro")}</p>
            <p class="form-status" role="status">{move || said.get().map(|k| tr(&ui(), k))}</p>
            {move || page.get().map(|p| {
                let archive = archive.clone();
                view! {
                    {p.items.is_empty().then(|| view! { <p>{move || tr(&ui(), "admin.stale_none")}</p> })}
                    <ul class="stale-list">
                        {p.items.into_iter().map(|e| entry(lang, e, archive.clone())).collect_view()}
                    </ul>
                }
            })}
        </section>
    }
}

/// One stale entry: its name (a link to it on the map), where, when it
/// was last confirmed, whether its group was asked, and the button.
fn entry(
    lang: RwSignal<String>,
    e: StaleEntry,
    archive: impl Fn(String) + Clone + 'static,
) -> impl IntoView {
    let ui = move || lang.get();
    let StaleEntry {
        id,
        name,
        city,
        country,
        last_confirmed,
        asked,
        ..
    } = e;
    let name = name.text().best(&lang.get_untracked()).1.to_owned();
    let id = id.to_string();
    let asked = if asked {
        "admin.stale_asked"
    } else {
        "admin.stale_not_asked"
    };
    let label = format!("{} {name}", tr(&lang.get_untracked(), "admin.archive"));
    let href = format!("/org/{id}");
    let data_id = id.clone();
    view! {
        <li data-id=data_id>
            <a class="name" href=href dir="auto">{name}</a>
            <span dir="auto">{format!("{city}, {}", country.as_str())}</span>
            <span>
                {move || tr(&ui(), "admin.last_confirmed")} " "
                <time dir="ltr" datetime=last_confirmed.to_rfc3339()>{last_confirmed.format("%Y-%m-%d").to_string()}</time>
            </span>
            <span class="hint">{move || tr(&ui(), asked)}</span>
            <button type="button" class="secondary archive" aria-label=label
                on:click=move |_| archive(id.clone())>{move || tr(&ui(), "admin.archive")}</button>
        </li>
    }
}
