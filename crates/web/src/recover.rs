//! `/edit`: a group that lost its private edit link asks for a new one at
//! the contact address its entry gave. The page says the same whatever
//! the address: that a link is on its way *if* the address is listed. It
//! says plainly when the map sends no mail at all (its operator's choice,
//! the same for everyone).

use leptos::prelude::*;
use solidarity_map_core::FieldError;
use solidarity_map_core::relay::{Accepted, RecoveryRequest};

use crate::api::{self, Answer};
use crate::form::{LineField, focus_soon};
use crate::i18n::{Lang, PageHeading, field_message, tr};
use crate::relay::{now_ms, refusal};

/// The id of the page's word on the last request.
const STATUS: &str = "recover-status";

#[component]
pub fn RecoverPage() -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    let email = RwSignal::new(String::new());
    let nickname = RwSignal::new(String::new());
    let started = StoredValue::new(now_ms());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let said = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let send = move || {
        let req = RecoveryRequest {
            email: email.get_untracked(),
            started_at: Some(started.get_value()),
            nickname: nickname.get_untracked(),
        };
        if let Err(problems) = req.validate() {
            errors.set(problems);
            said.set(Some(tr(&ui(), "join.fix")));
            focus_soon("recover-email");
            return;
        }
        errors.set(Vec::new());
        sending.set(true);
        leptos::task::spawn_local(async move {
            let r: Result<Answer<Accepted>, _> =
                api::send("POST", "/api/edit/recover", Some(&req), None).await;
            sending.set(false);
            let words = match r {
                Ok(Answer { ok: Some(_), .. }) => tr(&ui(), "recover.sent"),
                Ok(Answer { status, error, .. }) => {
                    let fields = error.as_ref().map(|e| e.fields.clone()).unwrap_or_default();
                    let has_fields = fields.iter().any(|f| f.field == "email");
                    errors.set(fields);
                    if has_fields {
                        tr(&ui(), "join.fix")
                    } else {
                        refusal(&ui(), status, error.as_ref())
                    }
                }
                Err(e) => e.message(&ui()),
            };
            said.set(Some(words));
            focus_soon(STATUS);
        });
    };
    let email_error = move || {
        errors
            .get()
            .iter()
            .find(|e| e.field == "email")
            .map(|e| field_message(&ui(), e))
    };
    view! {
        <main class="page">
            <PageHeading title="recover.title" lead="recover.lead" />
            <form class="org-form recover-form" novalidate on:submit=move |ev| { ev.prevent_default(); send(); }>
                <LineField id="recover-email" label="recover.email" kind="email" ltr=true value=email error=email_error />
                <div class="hp" aria-hidden="true">
                    <label for="recover-nickname">{t("join.honeypot")}</label>
                    <input id="recover-nickname" type="text" tabindex="-1" autocomplete="off"
                        prop:value=move || nickname.get()
                        on:input=move |ev| nickname.set(event_target_value(&ev)) />
                </div>
                <p id=STATUS class="form-status" role="status" tabindex="-1">{move || said.get()}</p>
                <button type="submit" class="primary" disabled=move || sending.get()>{t("recover.send")}</button>
            </form>
            <p class="hint">{t("recover.note")}</p>
        </main>
    }
}
