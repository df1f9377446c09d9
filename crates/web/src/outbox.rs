//! The moderation page's mail: the signed-in moderator's digest of the
//! queue (on or off), and the outbox. On an install without an SMTP server
//! the outbox is where a decision's word waits to be read and passed on
//! (never an edit link: a mail that waits does not hold one), so it says
//! so and shows each mail whole.

use leptos::prelude::*;
use solidarity_map_core::outbox::{ModeratorSettings, OutboxMail, OutboxPage};

use crate::api::{self, Answer, ApiError};
use crate::i18n::{Lang, tr};

/// The words for where mail goes.
fn delivery_key(delivery: &str) -> &'static str {
    match delivery {
        "smtp" => "admin.mail_smtp",
        "disabled" => "admin.mail_disabled",
        _ => "admin.mail_outbox",
    }
}

/// The words for a mail's status.
fn status_key(status: &str) -> &'static str {
    match status {
        "sent" => "admin.mail_sent",
        "held" => "admin.mail_held",
        _ => "admin.mail_pending",
    }
}

#[component]
pub fn MailSection(csrf: String) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let page = RwSignal::new(None::<OutboxPage>);
    let settings = RwSignal::new(None::<ModeratorSettings>);
    leptos::task::spawn_local(async move {
        let p: Result<Answer<OutboxPage>, ApiError> =
            api::send::<(), _>("GET", "/api/admin/outbox", None, None).await;
        if let Ok(Answer { ok: Some(p), .. }) = p {
            page.set(Some(p));
        }
        let s: Result<Answer<ModeratorSettings>, ApiError> =
            api::send::<(), _>("GET", "/api/admin/settings", None, None).await;
        if let Ok(Answer { ok: Some(s), .. }) = s {
            settings.set(Some(s));
        }
    });
    let set_digest = move |on: bool| {
        let token = csrf.clone();
        let body = ModeratorSettings {
            email: None,
            digest: on,
        };
        leptos::task::spawn_local(async move {
            let s: Result<Answer<ModeratorSettings>, ApiError> =
                api::send("PUT", "/api/admin/settings", Some(&body), Some(&token)).await;
            if let Ok(Answer { ok: Some(s), .. }) = s {
                settings.set(Some(s));
            }
        });
    };
    view! {
        <section class="mail" aria-labelledby="mail-title">
            <h2 id="mail-title">{move || tr(&ui(), "admin.mail")}</h2>
            {move || settings.get().map(|s| {
                let set_digest = set_digest.clone();
                view! {
                    <p class="field-inline">
                        <input id="digest" type="checkbox" prop:checked=s.digest
                            on:change=move |ev| set_digest(event_target_checked(&ev)) />
                        <label for="digest">{move || tr(&ui(), "admin.digest")}</label>
                    </p>
                    {s.email.is_none().then(|| view! {
                        <p class="hint">{move || tr(&ui(), "admin.digest_no_email")}</p>
                    })}
                }
            })}
            {move || page.get().map(|p| {
                let delivery = delivery_key(&p.delivery);
                view! {
                    <p class="hint">{move || tr(&ui(), delivery)}</p>
                    {p.items.is_empty().then(|| view! { <p>{move || tr(&ui(), "admin.mail_none")}</p> })}
                    <ol class="outbox">
                        {p.items.into_iter().map(|m| mail_view(lang, m)).collect_view()}
                    </ol>
                }
            })}
        </section>
    }
}

/// One mail: when, its status, to whom and its subject; its text under it.
fn mail_view(lang: RwSignal<String>, m: OutboxMail) -> impl IntoView {
    let ui = move || lang.get();
    let status = status_key(&m.status);
    view! {
        <li>
            <details>
                <summary>
                    <time dir="ltr" datetime=m.created_at.to_rfc3339()>{m.created_at.format("%Y-%m-%d %H:%M").to_string()}</time>
                    " · " <span class="mail-status">{move || tr(&ui(), status)}</span>
                    " · " <bdi dir="ltr">{m.to}</bdi>
                    " · " <bdi>{m.subject}</bdi>
                </summary>
                <pre class="mail-text" dir="auto">{m.text}</pre>
            </details>
        </li>
    }
}
