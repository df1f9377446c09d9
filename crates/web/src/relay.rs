//! Writing to a group through the map: the form on a card, the page a
//! group opens from a relayed mail to block its sender, and the switch on
//! the edit page that turns the form off.
//!
//! The visitor never sees the group's address, and the answer to a
//! message is the same whether or not the group can be reached: the
//! confirmation says the message was *passed on*, never that it arrived.

use leptos::prelude::*;
use solidarity_map_core::relay::{Accepted, RelayRequest, RelaySetting};
use solidarity_map_core::{ErrorBody, FieldError};

use crate::api::{self, Answer};
use crate::form::{FieldErr, LineField, focus_soon};
use crate::i18n::{Lang, PageHeading, field_message, tr};

/// Milliseconds since 1970, as the server counts a form's fill time.
#[expect(
    clippy::cast_possible_truncation,
    reason = "a date in milliseconds is a whole number far below i64::MAX"
)]
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// What the server said about a refused request, in `lang`: its fields'
/// problems, or a word for its code, or its own sentence.
pub fn refusal(lang: &str, status: u16, error: Option<&ErrorBody>) -> String {
    let key = match (status, error.map(|e| e.error.as_str())) {
        (429, _) => "relay.too_many",
        (_, Some("mail_unavailable")) => "relay.mail_unavailable",
        (_, Some("relay_off")) => "relay.off",
        _ => "relay.failed",
    };
    tr(lang, key)
}

/// The problem of `field` among `errors`, in `lang`.
fn problem(lang: &str, errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| field_message(lang, e))
}

/// The id the confirmation is focused by.
const SENT: &str = "relay-sent";

/// "Write to this group" on the card of published organisation `id`, when
/// it takes messages (it asks the server: the group may have switched
/// the form off, or the map sends no mail).
#[component]
pub fn RelayForm(id: String) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let open = RwSignal::new(false);
    let mut url = id;
    url.insert_str(0, "/api/organizations/");
    let status_url = format!("{url}/relay");
    leptos::task::spawn_local(async move {
        let r: Result<Answer<RelaySetting>, _> =
            api::send::<(), _>("GET", &status_url, None, None).await;
        if let Ok(Answer { ok: Some(s), .. }) = r {
            open.set(s.open);
        }
    });
    let name = RwSignal::new(String::new());
    let reply_to = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let nickname = RwSignal::new(String::new());
    let started = StoredValue::new(now_ms());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let said = RwSignal::new(None::<String>);
    let sent = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let messages_url = StoredValue::new(format!("{url}/messages"));
    let send = move || {
        let req = RelayRequest {
            name: name.get_untracked(),
            reply_to: reply_to.get_untracked(),
            message: message.get_untracked(),
            started_at: Some(started.get_value()),
            nickname: nickname.get_untracked(),
        };
        if let Err(problems) = req.validate() {
            errors.set(problems);
            said.set(Some(tr(&ui(), "join.fix")));
            return;
        }
        errors.set(Vec::new());
        sending.set(true);
        let messages_url = messages_url.get_value();
        leptos::task::spawn_local(async move {
            let r: Result<Answer<Accepted>, _> =
                api::send("POST", &messages_url, Some(&req), None).await;
            sending.set(false);
            match r {
                Ok(Answer { ok: Some(_), .. }) => {
                    sent.set(true);
                    focus_soon(SENT);
                }
                Ok(Answer { status, error, .. }) => {
                    let fields = error.as_ref().map(|e| e.fields.clone()).unwrap_or_default();
                    let words = if fields.iter().any(|f| f.field != "form") {
                        tr(&ui(), "join.fix")
                    } else {
                        refusal(&ui(), status, error.as_ref())
                    };
                    errors.set(fields);
                    said.set(Some(words));
                }
                Err(e) => said.set(Some(e.message(&ui()))),
            }
        });
    };
    let error = move |field: &'static str| move || problem(&ui(), &errors.get(), field);
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    move || {
        open.get().then(|| {
            if sent.get() {
                return view! {
                    <p id=SENT class="relay-sent form-status" role="status" tabindex="-1">
                        {t("relay.sent")}
                    </p>
                }
                .into_any();
            }
            view! {
                <details class="relay">
                    <summary>{t("relay.write")}</summary>
                    <form class="relay-form" novalidate on:submit=move |ev| { ev.prevent_default(); send(); }>
                        <p class="hint">{t("relay.privacy")}</p>
                        <LineField id="relay-name" label="relay.name" kind="text" value=name error=error("name") />
                        <LineField id="relay-reply-to" label="relay.reply_to" kind="email" ltr=true value=reply_to error=error("reply_to") />
                        <div class="field">
                            <label for="relay-message">{t("relay.message")}</label>
                            <textarea id="relay-message" dir="auto" aria-describedby="relay-message-error"
                                aria-invalid=move || error("message")().is_some().then_some("true")
                                prop:value=move || message.get()
                                on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                            <FieldErr id="relay-message-error" msg=error("message") />
                        </div>
                        <div class="hp" aria-hidden="true">
                            <label for="relay-nickname">{t("join.honeypot")}</label>
                            <input id="relay-nickname" type="text" tabindex="-1" autocomplete="off"
                                prop:value=move || nickname.get()
                                on:input=move |ev| nickname.set(event_target_value(&ev)) />
                        </div>
                        <p class="form-status" role="status" aria-live="polite">{move || said.get()}</p>
                        <button type="submit" class="primary" disabled=move || sending.get()>{t("relay.send")}</button>
                    </form>
                </details>
            }
            .into_any()
        })
    }
}

/// `/relay/block/{token}`: the group blocks the sender of a message it
/// got. A button, not the link itself: mail scanners open links.
#[component]
pub fn BlockPage(token: String) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    let said = RwSignal::new(None::<&'static str>);
    let done = RwSignal::new(false);
    let block = move || {
        let url = format!("/api/relay/block/{token}");
        leptos::task::spawn_local(async move {
            let r: Result<Answer<()>, _> = api::send::<(), _>("POST", &url, None, None).await;
            let key = match r {
                Ok(Answer { status: 204, .. }) => {
                    done.set(true);
                    "block.done"
                }
                Ok(Answer { status: 404, .. }) => "block.unknown",
                Ok(Answer { status: 429, .. }) => "relay.too_many",
                _ => "block.failed",
            };
            said.set(Some(key));
            focus_soon("block-status");
        });
    };
    let block = StoredValue::new(block);
    view! {
        <main class="page">
            <PageHeading title="block.title" lead="block.lead" />
            <p id="block-status" class="form-status" role="status" tabindex="-1">
                {move || said.get().map(|k| tr(&lang.get(), k))}
            </p>
            {move || (!done.get()).then(|| view! {
                <button type="button" class="danger" on:click=move |_| block.with_value(|b| b())>{t("block.button")}</button>
            })}
        </main>
    }
}

/// The switch on the edit page: visitors may write to the group through
/// the map, or not. It takes effect at once.
#[component]
pub fn RelaySwitch(token: RwSignal<String>) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    let open = RwSignal::new(None::<bool>);
    let said = RwSignal::new(None::<&'static str>);
    let url = move || format!("/api/edit/{}/relay", token.get_untracked());
    let url_now = url();
    leptos::task::spawn_local(async move {
        let r: Result<Answer<RelaySetting>, _> =
            api::send::<(), _>("GET", &url_now, None, None).await;
        if let Ok(Answer { ok: Some(s), .. }) = r {
            open.set(Some(s.open));
        }
    });
    let set = move |wanted: bool| {
        let url = url();
        leptos::task::spawn_local(async move {
            let body = RelaySetting { open: wanted };
            let r: Result<Answer<RelaySetting>, _> =
                api::send("PUT", &url, Some(&body), None).await;
            match r {
                Ok(Answer { ok: Some(s), .. }) => {
                    open.set(Some(s.open));
                    said.set(Some(if s.open {
                        "relay.switched_on"
                    } else {
                        "relay.switched_off"
                    }));
                }
                _ => said.set(Some("relay.not_switched")),
            }
        });
    };
    move || {
        open.get().map(|on| view! {
            <fieldset class="group relay-switch">
                <legend>{t("relay.switch_legend")}</legend>
                <label class="checkbox">
                    <input id="relay-open" type="checkbox" prop:checked=on
                        on:change=move |ev| set(event_target_checked(&ev)) />
                    {t("relay.switch")}
                </label>
                <p class="hint">{t("relay.switch_hint")}</p>
                <p class="form-status" role="status">{move || said.get().map(|k| tr(&lang.get(), k))}</p>
            </fieldset>
        })
    }
}
