//! The join page and the private edit page.

use leptos::prelude::*;
use solidarity_map_core::moderation::{
    EditView, NewEditLink, SubmissionCreated, SubmissionRequest,
};
use solidarity_map_core::{
    CategoryCount, FieldError, NewOrganization, OrganizationInput, SiteConfig, Status,
};

use crate::api::{self, Answer, ApiError};
use crate::form::{ErrorSummary, FormState, OrgForm, Required};
use crate::i18n::{Lang, LanguagePicker, PageHeading, Said, tr};
use crate::relay::{RelaySwitch, now_ms};

/// The categories and tile settings a form page needs, loading.
fn form_page() -> (RwSignal<Vec<CategoryCount>>, RwSignal<Option<SiteConfig>>) {
    let categories = RwSignal::new(Vec::new());
    let tiles = RwSignal::new(None::<SiteConfig>);
    leptos::task::spawn_local(async move {
        if let Ok(c) = api::categories().await {
            categories.set(c);
        }
        let config = api::config()
            .await
            .unwrap_or_else(|_| SiteConfig::without_tiles());
        tiles.set(Some(config));
    });
    (categories, tiles)
}

/// The message for a failed request; what was typed stays in the form.
fn failure_message(e: &ApiError, lang: &str) -> String {
    format!("{} {}", e.message(lang), tr(lang, "join.lost_nothing"))
}

/// Shows what the form's check found, beside each field and in the
/// message, with the first problem in view; whether there was none.
fn shown(
    form: FormState,
    message: RwSignal<Option<String>>,
    lang: &str,
    checked: Result<NewOrganization, Vec<FieldError>>,
) -> bool {
    match checked {
        Ok(_) => {
            form.errors.set(Vec::new());
            true
        }
        Err(errors) => {
            form.errors.set(errors);
            message.set(Some(tr(lang, "join.fix")));
            focus_first_error();
            false
        }
    }
}

fn focus_first_error() {
    crate::form::focus_error_summary();
}

/// Where the tab keeps the answer to its submission (the private link
/// among it): `sessionStorage`, which this tab alone reads and which goes
/// when the tab is closed, so that a reload does not lose the link and
/// the secret never enters the address or the history.
const JOINED_KEY: &str = "solidarity-map.joined";

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// The submission this tab made, if it still shows its link.
fn kept_created() -> Option<SubmissionCreated> {
    let text = session_storage()?.get_item(JOINED_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

/// Keeps (or, with `None`, forgets) the submission this tab made.
fn keep_created(created: Option<&SubmissionCreated>) {
    let Some(storage) = session_storage() else {
        return;
    };
    let _ = match created.and_then(|c| serde_json::to_string(c).ok()) {
        Some(text) => storage.set_item(JOINED_KEY, &text),
        None => storage.remove_item(JOINED_KEY),
    };
}

/// While the private link is shown, the browser asks before the page is
/// left (`beforeunload`): the link is shown nowhere else.
fn warn_before_leaving(created: RwSignal<Option<SubmissionCreated>>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let warn =
        Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(move |e: web_sys::BeforeUnloadEvent| {
            if created.with_untracked(Option::is_some) {
                e.prevent_default();
                // what older browsers need to ask
                e.set_return_value("");
            }
        });
    let _ =
        window().add_event_listener_with_callback("beforeunload", warn.as_ref().unchecked_ref());
    let listener = StoredValue::new_local(Some(warn));
    on_cleanup(move || {
        if let Some(warn) = listener.try_update_value(Option::take).flatten() {
            let f = warn.as_ref().unchecked_ref();
            let _ = window().remove_event_listener_with_callback("beforeunload", f);
        }
    });
}

#[component]
pub fn JoinPage() -> impl IntoView {
    crate::i18n::page_title("join.title");
    let (categories, tiles) = form_page();
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let form = FormState::new();
    let consent = RwSignal::new(false);
    let nickname = RwSignal::new(String::new());
    let started_at = now_ms();
    let message = RwSignal::new(None::<String>);
    let duplicate = RwSignal::new(false);
    let sending = RwSignal::new(false);
    // the private link, shown until the tab is closed, even if reloaded
    let created = RwSignal::new(kept_created());
    warn_before_leaving(created);

    let submit = move |confirm_duplicate: bool| {
        form.settle_languages(true);
        let req = SubmissionRequest {
            organization: form.to_input(),
            consent: consent.get_untracked(),
            started_at: Some(started_at),
            nickname: nickname.get_untracked(),
            confirm_duplicate,
        };
        if !shown(form, message, &ui(), form.checked(req.validate())) {
            return;
        }
        message.set(None);
        sending.set(true);
        leptos::task::spawn_local(async move {
            let r: Result<Answer<SubmissionCreated>, ApiError> =
                api::send("POST", "/api/submissions", Some(&req), None).await;
            sending.set(false);
            match r {
                Ok(Answer { ok: Some(c), .. }) => {
                    keep_created(Some(&c));
                    created.set(Some(c));
                    window().scroll_to_with_x_and_y(0.0, 0.0);
                    crate::form::focus_soon("thanks");
                }
                Ok(Answer { status: 409, .. }) => {
                    duplicate.set(true);
                    message.set(Some(tr(&ui(), "join.duplicate")));
                }
                Ok(Answer { status: 429, .. }) => message.set(Some(tr(&ui(), "join.too_many"))),
                Ok(Answer { error, .. }) => {
                    let fields: Vec<FieldError> =
                        error.as_ref().map(|e| e.fields.clone()).unwrap_or_default();
                    let has_fields = !fields.is_empty();
                    form.errors.set(fields);
                    message.set(Some(match error {
                        _ if has_fields => tr(&ui(), "join.fix"),
                        Some(e) => e.message,
                        None => tr(&ui(), "join.refused"),
                    }));
                    focus_first_error();
                }
                Err(e) => message.set(Some(failure_message(&e, &ui()))),
            }
        });
    };

    view! {
        <main class="page">
            <p class="page-top"><a href="/">{move || tr(&ui(), "join.back")}</a> <LanguagePicker /></p>
            {move || match created.get() {
                Some(c) => {
                    let link = format!("{}{}", window().location().origin().unwrap_or_default(), c.edit_url);
                    let copied = RwSignal::new(false);
                    let to_copy = link.clone();
                    // whether the link is also on its way by mail: only when
                    // the group gave an address and the map sends mail
                    // through an SMTP server (`SubmissionCreated::link_mailed`)
                    let kept_where = if c.link_mailed { "join.link_mailed" } else { "join.link_only_here" };
                    view! {
                        <section class="confirmation" aria-labelledby="thanks">
                            <h1 id="thanks" tabindex="-1">{move || tr(&ui(), "join.thanks")}</h1>
                            <p>{move || tr(&ui(), "join.review")}</p>
                            <h2>{move || tr(&ui(), "join.save_link")}</h2>
                            <p>{move || tr(&ui(), "join.link_why")}</p>
                            <p class="edit-link" dir="ltr"><a href=link class="edit-url">{link.clone()}</a></p>
                            <p class="link-kept"><strong>{move || tr(&ui(), kept_where)}</strong></p>
                            <p class="hint">{move || tr(&ui(), "join.reload_safe")}</p>
                            <p class="confirmation-actions">
                                <button type="button" on:click=move |_| {
                                    let p = window().navigator().clipboard().write_text(&to_copy);
                                    leptos::task::spawn_local(async move {
                                        if wasm_bindgen_futures::JsFuture::from(p).await.is_ok() { copied.set(true); }
                                    });
                                }>{move || tr(&ui(), "join.copy")}</button>
                                <span aria-live="polite">{move || copied.get().then(|| format!(" {}", tr(&ui(), "join.copied")))}</span>
                            </p>
                            <p>
                                <button type="button" class="saved-it" on:click=move |_| {
                                    // the link is safe elsewhere: nothing to warn about
                                    keep_created(None);
                                    created.set(None);
                                    let _ = window().location().set_href("/");
                                }>{move || tr(&ui(), "join.saved_it")}</button>
                            </p>
                        </section>
                    }.into_any()
                }
                None => view! {
                    <h1>{move || tr(&ui(), "join.title")}</h1>
                    <p class="lead">{move || tr(&ui(), "join.lead")}</p>
                    <form class="org-form" novalidate on:submit=move |ev| { ev.prevent_default(); submit(false); }>
                        <ErrorSummary form=form />
                        {move || tiles.get().map(|t| view! { <OrgForm form=form categories=categories tiles=t /> })}
                        <div class="hp" aria-hidden="true">
                            <label for="nickname">{tr(&ui(), "join.honeypot")}</label>
                            <input id="nickname" type="text" tabindex="-1" autocomplete="off"
                                prop:value=move || nickname.get()
                                on:input=move |ev| nickname.set(event_target_value(&ev)) />
                        </div>
                        <div class="field consent">
                            <label class="checkbox">
                                <input id="consent" type="checkbox" aria-required="true" aria-describedby="consent-error" aria-invalid=form.invalid("consent")
                                    prop:checked=move || consent.get()
                                    on:change=move |ev| consent.set(event_target_checked(&ev)) />
                                {move || tr(&ui(), "join.consent")}<Required />
                            </label>
                            <p class="field-error" id="consent-error" role="alert" hidden=move || form.error_for("consent")().is_none()>
                                {move || form.error_for("consent")().unwrap_or_default()}
                            </p>
                        </div>
                        <div class="form-status" role="status" aria-live="polite">{move || message.get()}</div>
                        {move || duplicate.get().then(|| view! {
                            <button type="button" class="secondary" on:click=move |_| submit(true)>{tr(&ui(), "join.anyway")}</button>
                        })}
                        <button type="submit" class="primary" disabled=move || sending.get()>
                            {move || tr(&ui(), if sending.get() { "join.sending" } else { "join.submit" })}
                        </button>
                    </form>
                }.into_any(),
            }}
        </main>
    }
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Pending => "edit.status_pending",
        Status::Published => "edit.status_published",
        Status::Rejected => "edit.status_rejected",
        Status::Withdrawn => "edit.status_withdrawn",
    }
}

/// Asks the group to confirm `question`, in its language; if it does, the
/// request to send. A server out of reach is said in `message`.
fn confirmed<T: serde::de::DeserializeOwned>(
    lang: RwSignal<String>,
    message: RwSignal<Option<String>>,
    (question, method, url): (&'static str, &'static str, String),
) -> Option<impl Future<Output = Result<Answer<T>, ()>>> {
    let asked = window().confirm_with_message(&tr(&lang.get_untracked(), question));
    asked.unwrap_or(false).then_some(async move {
        let r = api::send::<(), _>(method, &url, None, None).await;
        r.map_err(|e| message.set(Some(failure_message(&e, &lang.get_untracked()))))
    })
}

/// The id of the edit page's word on its last save, beside the button.
const SAVE_STATUS: &str = "save-status";

#[component]
pub fn EditPage(token: String) -> impl IntoView {
    let (categories, tiles) = form_page();
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let form = FormState::new();
    let entry = RwSignal::new(None::<Result<EditView, String>>);
    let message = RwSignal::new(None::<String>);
    // the link's token: it changes when the group replaces the link
    let token = RwSignal::new(token);
    let url = move || format!("/api/edit/{}", token.get_untracked());
    let load = move || {
        let url = url();
        leptos::task::spawn_local(async move {
            let r: Result<Answer<EditView>, ApiError> =
                api::send::<(), _>("GET", &url, None, None).await;
            match r {
                Ok(Answer { ok: Some(v), .. }) => {
                    form.fill(&OrganizationInput::from(
                        v.pending.as_ref().unwrap_or(&v.current),
                    ));
                    entry.set(Some(Ok(v)));
                }
                Ok(Answer { status: 404, .. }) => entry.set(Some(Err(tr(&ui(), "edit.invalid")))),
                Ok(_) => entry.set(Some(Err(tr(&ui(), "edit.not_loaded")))),
                Err(e) => entry.set(Some(Err(e.message(&ui())))),
            }
        });
    };
    load();
    // what became of the last "save": said beside the button, with the focus
    let saved = RwSignal::new(None::<Said>);
    let save = move || {
        // a new attempt: the word on the last one no longer applies
        saved.set(None);
        form.settle_languages(true);
        let input = form.to_input();
        if !shown(form, message, &ui(), form.checked(input.validate())) {
            return;
        }
        let url = url();
        leptos::task::spawn_local(async move {
            let r: Result<Answer<EditView>, ApiError> =
                api::send("PUT", &url, Some(&input), None).await;
            let said = match r {
                Ok(Answer { ok: Some(v), .. }) => {
                    // an entry never published has no previous version on the map
                    let key = match v.status {
                        Status::Pending => "edit.saved_unpublished",
                        _ => "edit.saved",
                    };
                    entry.set(Some(Ok(v)));
                    Said::Key(key)
                }
                Ok(Answer { error, .. }) => {
                    let fields = error.as_ref().map(|e| e.fields.clone()).unwrap_or_default();
                    let has_fields = !fields.is_empty();
                    form.errors.set(fields);
                    if has_fields {
                        focus_first_error();
                    }
                    match error {
                        _ if has_fields => Said::Key("join.fix"),
                        Some(e) => Said::Text(e.message),
                        None => Said::Key("edit.refused"),
                    }
                }
                Err(e) => Said::Text(failure_message(&e, &ui())),
            };
            saved.set(Some(said));
            crate::form::focus_soon(SAVE_STATUS);
        });
    };
    let withdraw = move || {
        let Some(send) = confirmed(lang, message, ("edit.confirm_withdraw", "DELETE", url()))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            match send.await {
                Ok(Answer::<()> { status: 204, .. }) => {
                    message.set(Some(tr(&ui(), "edit.withdrawn")));
                    entry.update(|e| {
                        if let Some(Ok(v)) = e {
                            v.status = Status::Withdrawn;
                        }
                    });
                }
                Ok(_) => message.set(Some(tr(&ui(), "edit.not_withdrawn"))),
                Err(()) => {}
            }
        });
    };

    let new_link = RwSignal::new(None::<String>);
    let erased = RwSignal::new(false);
    // the group's contact address and exact point erased at once, without
    // waiting for the retention period; the link dies with them
    let erase = move || {
        let Some(send) = confirmed(
            lang,
            message,
            ("edit.confirm_erase", "POST", format!("{}/erase", url())),
        ) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match send.await {
                Ok(Answer::<()> { status: 204, .. }) => {
                    new_link.set(None);
                    erased.set(true);
                }
                Ok(_) => message.set(Some(tr(&ui(), "edit.not_erased"))),
                Err(()) => {}
            }
        });
    };

    // a new private link, shown once; the old one stops working
    let replace = move || {
        let replace_url = format!("{}/replace", url());
        let Some(send) = confirmed(lang, message, ("edit.confirm_replace", "POST", replace_url))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            match send.await {
                Ok(Answer::<NewEditLink> { ok: Some(link), .. }) => {
                    let origin = window().location().origin().unwrap_or_default();
                    let full = format!("{origin}{}", link.edit_url);
                    // this page's address held the old token: show the new one
                    if let Ok(history) = window().history() {
                        let _ = history.replace_state_with_url(
                            &wasm_bindgen::JsValue::NULL,
                            "",
                            Some(&link.edit_url),
                        );
                    }
                    token.set(link.edit_token);
                    new_link.set(Some(full));
                    message.set(Some(tr(&ui(), "edit.replaced")));
                }
                Ok(_) => message.set(Some(tr(&ui(), "edit.not_replaced"))),
                Err(()) => {}
            }
        });
    };

    view! {
        <main class="page">
            <PageHeading title="edit.title" />
            {move || match entry.get() {
                _ if erased.get() => view! { <p class="form-status" role="status">{tr(&ui(), "edit.erased")}</p> }.into_any(),
                None => view! { <p role="status">{tr(&ui(), "edit.loading")}</p> }.into_any(),
                Some(Err(msg)) => view! {
                    <p class="form-status error" role="alert">{msg}</p>
                    <p class="lost-link"><a href="/edit">{tr(&ui(), "recover.ask")}</a></p>
                }.into_any(),
                Some(Ok(v)) => {
                    let editable = matches!(v.status, Status::Pending | Status::Published);
                    view! {
                        <p class="entry-status">{tr(&ui(), "edit.status")} " " <strong class="status-value">{tr(&ui(), status_text(v.status))}</strong></p>
                        {v.pending.is_some().then(|| view! { <p class="hint">{tr(&ui(), "edit.pending")}</p> })}
                        <div class="form-status" role="status" aria-live="polite">{move || message.get()}</div>
                        {move || new_link.get().map(|link| view! {
                            <p class="new-edit-link">{tr(&ui(), "edit.new_link")} " " <code class="edit-link" dir="ltr">{link}</code></p>
                        })}
                        <p class="replace-link"><button type="button" class="secondary" on:click=move |_| replace()>{tr(&ui(), "edit.replace")}</button></p>
                        {editable.then(|| view! {
                            <form class="org-form" novalidate on:submit=move |ev| { ev.prevent_default(); save(); }>
                                <ErrorSummary form=form />
                                {move || tiles.get().map(|t| view! { <OrgForm form=form categories=categories tiles=t /> })}
                                <p id=SAVE_STATUS class="form-status" role="status" tabindex="-1">{move || saved.with(|s| s.as_ref().map(|s| s.words(&ui())))}</p>
                                <button type="submit" class="primary">{tr(&ui(), "edit.save")}</button>
                                <button type="button" class="danger" on:click=move |_| withdraw()>{tr(&ui(), "edit.withdraw")}</button>
                            </form>
                        })}
                        {(v.status == Status::Published).then(|| view! {
                            <crate::listing::MurmurationsChoiceBox token=token listed=v.murmurations />
                        })}
                        <RelaySwitch token=token />
                        <p class="erase-entry"><button type="button" class="danger" on:click=move |_| erase()>{tr(&ui(), "edit.erase")}</button></p>
                    }.into_any()
                }
            }}
        </main>
    }
}
