//! The moderation page's view of mirroring: the maps this one follows
//! (where each stands, and why one stopped), hiding a mirrored entry by
//! its link or id, and the hidden entries, each with a way back. The
//! operator adds and removes mirrors on the command line.

use leptos::prelude::*;
use solidarity_map_core::OrgId;
use solidarity_map_core::mirror::{HiddenEntry, MirrorInfo, MirrorState, MirrorsPage};

use crate::api::{self, Answer, ApiError};
use crate::i18n::{Lang, tr, tr_n};

/// The entry a moderator pasted: its id, or a link that ends with it.
fn entry_id(raw: &str) -> Option<OrgId> {
    let raw = raw.trim().trim_end_matches('/');
    let last = raw.rsplit('/').next().unwrap_or(raw);
    last.parse().ok()
}

#[component]
pub fn MirrorsSection(csrf: String) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let page = RwSignal::new(None::<MirrorsPage>);
    let said = RwSignal::new(None::<&'static str>);
    let entry = RwSignal::new(String::new());
    let load = move || {
        leptos::task::spawn_local(async move {
            let p: Result<Answer<MirrorsPage>, ApiError> =
                api::send::<(), _>("GET", "/api/admin/mirrors", None, None).await;
            if let Ok(Answer { ok: Some(p), .. }) = p {
                page.set(Some(p));
            }
        });
    };
    load();
    let set_hidden = move |id: OrgId, hidden: bool| {
        let token = csrf.clone();
        leptos::task::spawn_local(async move {
            let action = if hidden { "hide" } else { "show" };
            let url = format!("/api/admin/mirrored/{id}/{action}");
            let r: Result<Answer<()>, ApiError> =
                api::send::<(), _>("POST", &url, None, Some(&token)).await;
            said.set(Some(match (r, hidden) {
                (Ok(Answer { status: 204, .. }), true) => "admin.mirror_hidden",
                (Ok(Answer { status: 204, .. }), false) => "admin.mirror_shown",
                (Ok(Answer { status: 404, .. }), _) => "admin.mirror_not_mirrored",
                _ => "admin.mirror_failed",
            }));
            if hidden {
                entry.set(String::new());
            }
            load();
        });
    };
    let hide = set_hidden.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match entry_id(&entry.get_untracked()) {
            Some(id) => hide(id, true),
            None => said.set(Some("admin.mirror_bad_entry")),
        }
    };
    view! {
        <section class="mirrors" aria-labelledby="mirrors-title">
            <h2 id="mirrors-title">{move || {
                let n = page.with(|p| p.as_ref().map_or(0, |p| p.mirrors.len()));
                tr_n(&ui(), "admin.mirrors", n)
            }}</h2>
            // the command in its own direction, whatever the page's
            <p class="hint">{move || tr(&ui(), "admin.mirrors_intro")}" "
                <code dir="ltr">"solidarity-map mirror"</code>"."</p>
            {move || page.get().map(|p| view! {
                {p.mirrors.is_empty().then(|| view! { <p>{move || tr(&ui(), "admin.mirrors_none")}</p> })}
                <ul class="mirror-list">
                    {p.mirrors.into_iter().map(|m| mirror(lang, m)).collect_view()}
                </ul>
            })}
            <form class="hide-entry" on:submit=on_submit>
                <label for="hide-entry">{move || tr(&ui(), "admin.mirror_entry")}</label>
                <input id="hide-entry" type="text" dir="ltr" autocomplete="off"
                    prop:value=move || entry.get()
                    on:input=move |ev| entry.set(event_target_value(&ev)) />
                <button type="submit" class="secondary">{move || tr(&ui(), "admin.mirror_hide")}</button>
            </form>
            <p class="form-status" role="status">{move || said.get().map(|k| tr(&ui(), k))}</p>
            {move || page.get().filter(|p| !p.hidden.is_empty()).map(|p| {
                let show = set_hidden.clone();
                view! {
                    <h3>{move || tr(&ui(), "admin.mirror_hidden_title")}</h3>
                    <ul class="hidden-list">
                        {p.hidden.into_iter().map(|e| hidden(lang, e, show.clone())).collect_view()}
                    </ul>
                }
            })}
        </section>
    }
}

/// One mirror: its map, where it stands, what it keeps.
fn mirror(lang: RwSignal<String>, m: MirrorInfo) -> impl IntoView {
    let ui = move || lang.get();
    let state = match m.state {
        MirrorState::Following => "admin.mirror_following",
        MirrorState::Stopped => "admin.mirror_stopped",
    };
    let counts = tr(&lang.get_untracked(), "admin.mirror_counts")
        .replace("{entries}", &m.entries.to_string())
        .replace("{hidden}", &m.hidden.to_string());
    let url = m.source.url.as_str().to_owned();
    let href = url.clone();
    view! {
        <li class=m.state.as_str()>
            <a class="name" href=href dir="auto" rel="noopener noreferrer" target="_blank">{m.source.name}</a>
            " " <span dir="ltr">{url}</span>
            " " <strong>{move || tr(&ui(), state)}</strong>
            " " <span>{counts}</span>
            {m.error.map(|e| view! { <p class="error" dir="auto">{e}</p> })}
        </li>
    }
}

/// One hidden entry, with the button that shows it again.
fn hidden(
    lang: RwSignal<String>,
    e: HiddenEntry,
    show: impl Fn(OrgId, bool) + Clone + 'static,
) -> impl IntoView {
    let ui = move || lang.get();
    let label = format!(
        "{} {}",
        tr(&lang.get_untracked(), "admin.mirror_show"),
        e.name
    );
    let id = e.id;
    view! {
        <li data-id=id.to_string()>
            <span class="name" dir="auto">{e.name}</span>
            " " <span dir="auto">{e.source.name}</span>
            " " <button type="button" class="secondary show" aria-label=label
                on:click=move |_| show(id, false)>{move || tr(&ui(), "admin.mirror_show")}</button>
        </li>
    }
}
