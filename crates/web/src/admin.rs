//! The moderation page: sign in, then the queue, the mail (`outbox.rs`)
//! and the audit log (`review.rs`). In the moderator's chosen language like every page;
//! what groups wrote is shown as written, every translation of it.

use leptos::prelude::*;
use solidarity_map_core::moderation::{
    ApproveRequest, AuditEntry, LoginRequest, QueuePage, RejectRequest, SessionInfo,
};
use solidarity_map_core::{ErrorBody, FieldError, OrganizationInput};

use crate::api::{self, Answer, ApiError};
use crate::i18n::{Lang, PageHeading, Said, tr, tr_n};
use crate::mirrors::MirrorsSection;
use crate::outbox::MailSection;
use crate::review::{AuditLog, Decide, RevisionCard};
use crate::stale::StaleSection;

/// The id of the word on the last decision, above the queue.
const DECISION_STATUS: &str = "decision-status";

/// Why the server refused a decision, in the moderator's language: each
/// field's problem by its code ("say why you reject it"), a decision
/// another moderator made first, or that it did not work; never the
/// server's English.
fn refused(error: Option<&ErrorBody>) -> Said {
    let Some(error) = error else {
        return Said::Key("admin.failed");
    };
    if error.error == "already_decided" {
        return Said::Key("admin.already_decided");
    }
    // a problem without a code has only the server's English
    let problems: Vec<FieldError> = error
        .fields
        .iter()
        .filter(|f| !f.code.is_empty())
        .cloned()
        .collect();
    if problems.is_empty() {
        Said::Key("admin.failed")
    } else {
        Said::Problems(problems)
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let session = RwSignal::new(None::<SessionInfo>);
    let checked = RwSignal::new(false);
    let queue = RwSignal::new(QueuePage {
        items: Vec::new(),
        total: 0,
    });
    let audit = RwSignal::new(Vec::<AuditEntry>::new());
    let message = RwSignal::new(None::<String>);
    // what became of the last decision
    let decided = RwSignal::new(None::<Said>);
    let categories = RwSignal::new(Vec::new());
    leptos::task::spawn_local(async move {
        if let Ok(c) = api::categories().await {
            categories.set(c);
        }
    });

    let refresh = move || {
        leptos::task::spawn_local(async move {
            // the oldest page; the next come up as these are decided
            let q: Result<Answer<QueuePage>, ApiError> =
                api::send::<(), _>("GET", "/api/admin/submissions", None, None).await;
            if let Ok(Answer { ok: Some(q), .. }) = q {
                queue.set(q);
            }
            let a: Result<Answer<Vec<AuditEntry>>, ApiError> =
                api::send::<(), _>("GET", "/api/admin/audit", None, None).await;
            if let Ok(Answer { ok: Some(a), .. }) = a {
                audit.set(a);
            }
        });
    };
    leptos::task::spawn_local(async move {
        let r: Result<Answer<SessionInfo>, ApiError> =
            api::send::<(), _>("GET", "/api/admin/me", None, None).await;
        if let Ok(Answer { ok: Some(s), .. }) = r {
            session.set(Some(s));
            refresh();
        }
        checked.set(true);
    });

    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login = move || {
        let req = LoginRequest {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            let r: Result<Answer<SessionInfo>, ApiError> =
                api::send("POST", "/api/admin/login", Some(&req), None).await;
            let ui = lang.get_untracked();
            match r {
                Ok(Answer { ok: Some(s), .. }) => {
                    password.set(String::new());
                    message.set(None);
                    session.set(Some(s));
                    refresh();
                }
                Ok(Answer { status: 429, .. }) => message.set(Some(tr(&ui, "admin.too_many"))),
                Ok(_) => message.set(Some(tr(&ui, "admin.wrong_login"))),
                Err(e) => message.set(Some(e.message(&ui))),
            }
        });
    };
    let csrf = move || {
        session
            .with_untracked(|s| s.as_ref().map(|s| s.csrf_token.clone()))
            .unwrap_or_default()
    };
    let decide: Decide = Callback::new(
        move |(id, approve, reason, edited): (String, bool, String, Option<OrganizationInput>)| {
            let token = csrf();
            leptos::task::spawn_local(async move {
                let r: Result<Answer<()>, ApiError> = if approve {
                    let body = ApproveRequest { edited };
                    let url = format!("/api/admin/submissions/{id}/approve");
                    api::send("POST", &url, Some(&body), Some(&token)).await
                } else {
                    let url = format!("/api/admin/submissions/{id}/reject");
                    let body = RejectRequest { reason };
                    api::send("POST", &url, Some(&body), Some(&token)).await
                };
                let ui = lang.get_untracked();
                let said = match r {
                    Ok(Answer { status: 204, .. }) => {
                        refresh();
                        Said::Key(if approve {
                            "admin.approved"
                        } else {
                            "admin.rejected"
                        })
                    }
                    Ok(Answer { error, .. }) => refused(error.as_ref()),
                    Err(e) => Said::Text(e.message(&ui)),
                };
                // said where the moderator is looking: the decided card
                // goes, the word comes in its place at the queue, with
                // the focus (and a screen reader reads it)
                decided.set(Some(said));
                crate::form::focus_soon(DECISION_STATUS);
            });
        },
    );
    let logout = move || {
        let token = csrf();
        leptos::task::spawn_local(async move {
            let _: Result<Answer<()>, ApiError> =
                api::send::<(), _>("POST", "/api/admin/logout", None, Some(&token)).await;
            session.set(None);
        });
    };

    view! {
        <main class="page admin">
            <PageHeading title="admin.title" />
            <div class="form-status" role="status" aria-live="polite">{move || message.get()}</div>
            {move || match (checked.get(), session.get()) {
                (false, _) => view! { <p role="status">{tr(&ui(), "edit.loading")}</p> }.into_any(),
                (true, None) => view! {
                    <form class="login" on:submit=move |ev| { ev.prevent_default(); login(); }>
                        <div class="field">
                            <label for="username">{move || tr(&ui(), "admin.username")}</label>
                            <input id="username" type="text" autocomplete="username" dir="auto"
                                prop:value=move || username.get()
                                on:input=move |ev| username.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="password">{move || tr(&ui(), "admin.password")}</label>
                            <input id="password" type="password" autocomplete="current-password"
                                prop:value=move || password.get()
                                on:input=move |ev| password.set(event_target_value(&ev)) />
                        </div>
                        <button type="submit" class="primary">{move || tr(&ui(), "admin.sign_in")}</button>
                    </form>
                }.into_any(),
                (true, Some(s)) => view! {
                    <p>{move || tr(&ui(), "admin.signed_in_as")} " " <strong dir="auto">{s.username}</strong> " "
                        <button type="button" class="secondary" on:click=move |_| logout()>{move || tr(&ui(), "admin.sign_out")}</button></p>
                    <h2>{move || tr_n(&ui(), "admin.queue", usize::try_from(queue.with(|q| q.total)).unwrap_or(usize::MAX))}</h2>
                    {move || queue.with(|q| (q.total > q.items.len() as u64).then_some(q.items.len())).map(|n| view! {
                        <p class="hint queue-more">{tr_n(&ui(), "admin.queue_more", n)}</p>
                    })}
                    <p id=DECISION_STATUS class="form-status" role="status" tabindex="-1">{move || decided.with(|d| d.as_ref().map(|d| d.words(&ui())))}</p>
                    <ul class="queue">
                        {move || queue.get().items.into_iter().map(|r| view! {
                            <RevisionCard revision=r categories=categories decide=decide />
                        }).collect_view()}
                    </ul>
                    <StaleSection csrf=s.csrf_token.clone() />
                    <MirrorsSection csrf=s.csrf_token.clone() />
                    <MailSection csrf=s.csrf_token />
                    <AuditLog entries=audit categories=categories />
                }.into_any(),
            }}
        </main>
    }
}
