//! The moderation page: sign in, review the queue (an edit shows what it
//! changes), approve or reject with a reason, read the audit log.

use leptos::prelude::*;
use solidarity_map_core::moderation::{
    ApproveRequest, AuditEntry, LoginRequest, RejectRequest, Revision, RevisionKind, SessionInfo,
};
use solidarity_map_core::{NewOrganization, OrganizationInput};

use crate::api::{self, Answer, ApiError};
use crate::form::{FormState, OrgForm};

/// Field, current value, proposed value: what a revision changes.
fn changes(
    current: &NewOrganization,
    proposed: &NewOrganization,
) -> Vec<(&'static str, String, String)> {
    let a = OrganizationInput::from(current);
    let b = OrganizationInput::from(proposed);
    let show = |v: serde_json::Value| match v {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let pairs = [
        ("name", serde_json::json!(a.name), serde_json::json!(b.name)),
        (
            "description",
            serde_json::json!(a.description),
            serde_json::json!(b.description),
        ),
        (
            "category",
            serde_json::json!(a.category),
            serde_json::json!(b.category),
        ),
        ("city", serde_json::json!(a.city), serde_json::json!(b.city)),
        (
            "country",
            serde_json::json!(a.country),
            serde_json::json!(b.country),
        ),
        (
            "location",
            serde_json::json!(a.location),
            serde_json::json!(b.location),
        ),
        (
            "precision",
            serde_json::json!(a.precision),
            serde_json::json!(b.precision),
        ),
        (
            "website",
            serde_json::json!(a.website),
            serde_json::json!(b.website),
        ),
        (
            "links",
            serde_json::json!(a.links),
            serde_json::json!(b.links),
        ),
        (
            "languages",
            serde_json::json!(a.languages),
            serde_json::json!(b.languages),
        ),
        ("tags", serde_json::json!(a.tags), serde_json::json!(b.tags)),
        (
            "contact_email",
            serde_json::json!(a.contact_email),
            serde_json::json!(b.contact_email),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(f, x, y)| (f, show(x), show(y)))
        .collect()
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = RwSignal::new(None::<SessionInfo>);
    let checked = RwSignal::new(false);
    let queue = RwSignal::new(Vec::<Revision>::new());
    let audit = RwSignal::new(Vec::<AuditEntry>::new());
    let message = RwSignal::new(None::<String>);
    let categories = RwSignal::new(Vec::new());
    leptos::task::spawn_local(async move {
        if let Ok(c) = api::categories().await {
            categories.set(c);
        }
    });

    let refresh = move || {
        leptos::task::spawn_local(async move {
            let q: Result<Answer<Vec<Revision>>, ApiError> =
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
            match r {
                Ok(Answer { ok: Some(s), .. }) => {
                    password.set(String::new());
                    message.set(None);
                    session.set(Some(s));
                    refresh();
                }
                Ok(Answer { status: 429, .. }) => {
                    message.set(Some("Too many attempts; wait a minute.".into()))
                }
                Ok(_) => message.set(Some("Wrong user name or password.".into())),
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    let csrf = move || {
        session
            .with_untracked(|s| s.as_ref().map(|s| s.csrf_token.clone()))
            .unwrap_or_default()
    };
    let decide =
        move |id: String, approve: bool, reason: String, edited: Option<OrganizationInput>| {
            let token = csrf();
            leptos::task::spawn_local(async move {
                let r: Result<Answer<()>, ApiError> = if approve {
                    let body = ApproveRequest { edited };
                    api::send(
                        "POST",
                        &format!("/api/admin/submissions/{id}/approve"),
                        Some(&body),
                        Some(&token),
                    )
                    .await
                } else {
                    api::send(
                        "POST",
                        &format!("/api/admin/submissions/{id}/reject"),
                        Some(&RejectRequest { reason }),
                        Some(&token),
                    )
                    .await
                };
                match r {
                    Ok(Answer { status: 204, .. }) => {
                        message.set(Some(
                            if approve {
                                "Approved: it is on the map."
                            } else {
                                "Rejected."
                            }
                            .into(),
                        ));
                        refresh();
                    }
                    Ok(Answer { error, .. }) => message.set(Some(
                        error.map_or_else(|| "That did not work.".into(), |e| e.message),
                    )),
                    Err(e) => message.set(Some(e.to_string())),
                }
            });
        };
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
            <p><a href="/">"← Back to the map"</a></p>
            <h1>"Moderation"</h1>
            <div class="form-status" role="status" aria-live="polite">{move || message.get()}</div>
            {move || match (checked.get(), session.get()) {
                (false, _) => view! { <p role="status">"Loading…"</p> }.into_any(),
                (true, None) => view! {
                    <form class="login" on:submit=move |ev| { ev.prevent_default(); login(); }>
                        <div class="field">
                            <label for="username">"User name"</label>
                            <input id="username" type="text" autocomplete="username"
                                prop:value=move || username.get()
                                on:input=move |ev| username.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="password">"Password"</label>
                            <input id="password" type="password" autocomplete="current-password"
                                prop:value=move || password.get()
                                on:input=move |ev| password.set(event_target_value(&ev)) />
                        </div>
                        <button type="submit" class="primary">"Sign in"</button>
                    </form>
                }.into_any(),
                (true, Some(s)) => view! {
                    <p>"Signed in as " <strong>{s.username}</strong> " "
                        <button type="button" class="secondary" on:click=move |_| logout()>"Sign out"</button></p>
                    <h2>{move || format!("Waiting for review ({})", queue.with(Vec::len))}</h2>
                    <ul class="queue">
                        {move || queue.get().into_iter().map(|r| {
                            let id = r.id.to_string();
                            let (approve_id, reject_id) = (id.clone(), id.clone());
                            let reason = RwSignal::new(String::new());
                            let d = &r.data;
                            let name = d.name.text().iter().map(|(l, t)| format!("{t} [{l}]")).collect::<Vec<_>>().join(" · ");
                            let desc = d.description.text().best("en").1.to_owned();
                            let kind = match r.kind { RevisionKind::Submission => "New group", RevisionKind::Edit => "Edit" };
                            let diff = (r.kind == RevisionKind::Edit).then(|| changes(&r.current, &r.data));
                            let reason_id = format!("reason-{id}");
                            // edit before approving: the form, filled with the submission
                            let editing = RwSignal::new(false);
                            let form = FormState::new();
                            form.fill(&OrganizationInput::from(&r.data));
                            let edit_id = id.clone();
                            view! {
                                <li class="revision" data-id=id.clone()>
                                    <h3><span class="kind">{kind}</span> ": " <span dir="auto" class="rev-name">{name}</span></h3>
                                    <p class="meta">{format!("{} · {}, {} · shown at {} precision · contact: {}",
                                        d.category, d.city, d.country, d.precision.as_str(),
                                        d.contact_email.as_ref().map(ToString::to_string).unwrap_or_default())}</p>
                                    <p dir="auto" class="rev-description">{desc}</p>
                                    {d.website.as_ref().map(|w| view! { <p class="meta">{w.to_string()}</p> })}
                                    {diff.map(|rows| view! {
                                        <table class="diff">
                                            <caption>"What this edit changes"</caption>
                                            <thead><tr><th scope="col">"Field"</th><th scope="col">"Now"</th><th scope="col">"Proposed"</th></tr></thead>
                                            <tbody>
                                                {rows.into_iter().map(|(f, a, b)| view! {
                                                    <tr><th scope="row">{f}</th><td dir="auto">{a}</td><td dir="auto">{b}</td></tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    })}
                                    {move || editing.get().then(|| {
                                        let edit_id = edit_id.clone();
                                        view! {
                                            <form class="org-form edit-before" novalidate on:submit=move |ev| {
                                                ev.prevent_default();
                                                let input = form.to_input();
                                                match input.validate() {
                                                    Ok(_) => decide(edit_id.clone(), true, String::new(), Some(input)),
                                                    Err(errors) => form.errors.set(errors),
                                                }
                                            }>
                                                <OrgForm form=form categories=categories tile_url=String::new() />
                                                <button type="submit" class="primary approve-edited">"Approve with these changes"</button>
                                            </form>
                                        }
                                    })}
                                    <div class="decide">
                                        <button type="button" class="primary approve" on:click=move |_| decide(approve_id.clone(), true, String::new(), None)>"Approve"</button>
                                        <button type="button" class="secondary edit-first" aria-expanded=move || editing.get().to_string()
                                            on:click=move |_| editing.update(|e| *e = !*e)>"Edit before approving"</button>
                                        <label for=reason_id.clone()>"Reason for rejecting"</label>
                                        <input id=reason_id type="text" class="reason"
                                            prop:value=move || reason.get()
                                            on:input=move |ev| reason.set(event_target_value(&ev)) />
                                        <button type="button" class="danger reject" on:click=move |_| decide(reject_id.clone(), false, reason.get_untracked(), None)>"Reject"</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <h2>"Audit log"</h2>
                    <table class="audit">
                        <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Entry"</th><th scope="col">"Note"</th></tr></thead>
                        <tbody>
                            {move || audit.get().into_iter().map(|e| view! {
                                <tr>
                                    <td>{e.at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                    <td>{e.actor}</td>
                                    <td>{e.action}</td>
                                    <td>{e.org_id.unwrap_or_default()}</td>
                                    <td dir="auto">{e.detail.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </main>
    }
}
