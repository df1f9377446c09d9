//! One revision in the moderation queue, and the audit log. A moderator
//! must see everything a group wrote, in every language it wrote it, and
//! for an edit exactly what it changes, before deciding.

use leptos::prelude::*;
use solidarity_map_core::moderation::{AuditEntry, Revision, RevisionKind};
use solidarity_map_core::{
    CategoryCount, LocalizedText, NewOrganization, OrganizationInput, SiteConfig, Status,
};

use crate::form::{FormState, OrgForm};
use crate::i18n::{Lang, tr};

/// Approve or reject a revision: id, approve?, reason, corrected entry.
pub type Decide = Callback<(String, bool, String, Option<OrganizationInput>)>;

/// The label key, current value and proposed value of each changed field.
fn changes(
    current: &NewOrganization,
    proposed: &NewOrganization,
) -> Vec<(&'static str, String, String)> {
    let a = OrganizationInput::from(current);
    let b = OrganizationInput::from(proposed);
    let pairs = [
        ("admin.field_name", j(&a.name), j(&b.name)),
        (
            "admin.field_description",
            j(&a.description),
            j(&b.description),
        ),
        ("admin.field_category", j(&a.category), j(&b.category)),
        ("admin.field_city", j(&a.city), j(&b.city)),
        ("admin.field_country", j(&a.country), j(&b.country)),
        ("admin.field_location", j(&a.location), j(&b.location)),
        ("admin.field_precision", j(&a.precision), j(&b.precision)),
        ("admin.field_website", j(&a.website), j(&b.website)),
        ("admin.field_links", j(&a.links), j(&b.links)),
        ("admin.field_languages", j(&a.languages), j(&b.languages)),
        ("admin.field_tags", j(&a.tags), j(&b.tags)),
        (
            "admin.field_contact_email",
            j(&a.contact_email),
            j(&b.contact_email),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(f, x, y)| (f, show(x), show(y)))
        .collect()
}

/// A field's value as a moderator reads it: translations as `[en] text`
/// one after the other, lists joined, text as typed.
fn show(v: serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        Value::Array(items) => items.into_iter().map(show).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| format!("[{k}] {}", show(v)))
            .collect::<Vec<_>>()
            .join(" · "),
        other => other.to_string(),
    }
}

/// Any field of the input as JSON, to compare and show it uniformly.
fn j<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Every translation of a text, each marked with its language.
fn translations(text: &LocalizedText, class: &'static str) -> impl IntoView + use<> {
    let items: Vec<(String, String)> = text
        .iter()
        .map(|(l, t)| (l.to_string(), t.to_owned()))
        .collect();
    items
        .into_iter()
        .map(|(l, t)| {
            let tag = l.clone();
            view! {
                <p class=class lang=l dir="auto">
                    <span class="lang-tag" dir="ltr">{tag}</span>{t}
                </p>
            }
        })
        .collect_view()
}

#[component]
pub fn RevisionCard(
    revision: Revision,
    categories: RwSignal<Vec<CategoryCount>>,
    decide: Decide,
) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let r = revision;
    let id = r.id.to_string();
    let reason = RwSignal::new(String::new());
    let d = r.data.clone();
    let kind_key = match r.kind {
        RevisionKind::Submission => "admin.kind_new",
        RevisionKind::Edit => "admin.kind_edit",
    };
    let diff = (r.kind == RevisionKind::Edit).then(|| changes(&r.current, &r.data));
    let reason_id = format!("reason-{id}");
    let category = d.category.as_str().to_owned();
    let category_label = move || {
        let ui = lang.get();
        categories.with(|cs| {
            cs.iter()
                .find(|c| c.category.slug.as_str() == category)
                .map_or_else(
                    || category.clone(),
                    |c| c.category.labels.best(&ui).1.to_owned(),
                )
        })
    };
    let (city, country) = (d.city.to_string(), d.country.as_str().to_owned());
    let precision_key = match d.precision.as_str() {
        "exact" => "form.precision_exact",
        "neighbourhood" => "form.precision_neighbourhood",
        "country" => "form.precision_country",
        _ => "form.precision_city",
    };
    let contact = d
        .contact_email
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    // edit before approving: the form, filled with the submission
    let editing = RwSignal::new(false);
    let form = FormState::new();
    form.fill(&OrganizationInput::from(&r.data));
    let (edit_id, approve_id, reject_id) = (id.clone(), id.clone(), id.clone());
    let source = r.source.clone();
    let duplicates: Vec<(String, String, &'static str)> = r
        .possible_duplicates
        .iter()
        .map(|p| {
            let name = p.name.text().best(&lang.get_untracked()).1.to_owned();
            let status = match p.status {
                Status::Published => "admin.dup_published",
                _ => "admin.dup_pending",
            };
            (p.id.to_string(), name, status)
        })
        .collect();
    view! {
        <li class="revision" data-id=id>
            <h3><span class="kind">{move || tr(&ui(), kind_key)}</span> ": "
                <span dir="auto" class="rev-name">{d.name.text().best(&lang.get_untracked()).1.to_owned()}</span></h3>
            <div class="rev-names">{translations(d.name.text(), "rev-name-l")}</div>
            <dl class="meta">
                <dt>{move || tr(&ui(), "admin.field_category")}</dt><dd>{category_label}</dd>
                <dt>{move || tr(&ui(), "admin.field_city")}</dt>
                <dd><bdi>{city}</bdi>", "{move || crate::names::country(&ui(), &country)}</dd>
                <dt>{move || tr(&ui(), "admin.field_precision")}</dt><dd>{move || tr(&ui(), precision_key)}</dd>
                <dt>{move || tr(&ui(), "admin.field_contact_email")}</dt><dd><bdi>{contact}</bdi></dd>
                {d.website.as_ref().map(|w| view! {
                    <dt>{move || tr(&ui(), "admin.field_website")}</dt><dd><bdi>{w.to_string()}</bdi></dd>
                })}
            </dl>
            <div class="rev-description">{translations(d.description.text(), "rev-description-l")}</div>
            {source.map(|s| view! {
                <p class="rev-source">{move || tr(&ui(), "admin.source")} " " <bdi>{s}</bdi></p>
            })}
            {(!duplicates.is_empty()).then(|| view! {
                <div class="rev-duplicates" role="note">
                    <p>{move || tr(&ui(), "admin.duplicates")}</p>
                    <ul>
                        {duplicates.into_iter().map(|(id, name, status)| view! {
                            <li data-id=id><bdi>{name}</bdi> " (" {move || tr(&ui(), status)} ")"</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {diff.map(|rows| view! {
                <table class="diff">
                    <caption>{move || tr(&ui(), "admin.diff")}</caption>
                    <thead><tr>
                        <th scope="col">{move || tr(&ui(), "admin.diff_field")}</th>
                        <th scope="col">{move || tr(&ui(), "admin.diff_now")}</th>
                        <th scope="col">{move || tr(&ui(), "admin.diff_proposed")}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(f, a, b)| view! {
                            <tr><th scope="row">{move || tr(&ui(), f)}</th><td dir="auto">{a}</td><td dir="auto">{b}</td></tr>
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
                            Ok(_) => decide.run((edit_id.clone(), true, String::new(), Some(input))),
                            Err(errors) => form.errors.set(errors),
                        }
                    }>
                        <OrgForm form=form categories=categories tiles=SiteConfig::without_tiles() />
                        <button type="submit" class="primary approve-edited">{move || tr(&ui(), "admin.approve_edited")}</button>
                    </form>
                }
            })}
            <div class="decide">
                <button type="button" class="primary approve"
                    on:click=move |_| decide.run((approve_id.clone(), true, String::new(), None))>{move || tr(&ui(), "admin.approve")}</button>
                <button type="button" class="secondary edit-first" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>{move || tr(&ui(), "admin.edit_first")}</button>
                <label for=reason_id.clone()>{move || tr(&ui(), "admin.reason")}</label>
                <input id=reason_id type="text" class="reason" dir="auto"
                    prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev)) />
                <button type="button" class="danger reject"
                    on:click=move |_| decide.run((reject_id.clone(), false, reason.get_untracked(), None))>{move || tr(&ui(), "admin.reject")}</button>
            </div>
        </li>
    }
}

/// The audit key of an action the store records.
fn action_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "submitted" => "admin.action_submitted",
        "edited" => "admin.action_edited",
        "withdrawn" => "admin.action_withdrawn",
        "approved" => "admin.action_approved",
        "rejected" => "admin.action_rejected",
        "imported" => "admin.action_imported",
        "erased" => "admin.action_erased",
        "scrubbed" => "admin.action_scrubbed",
        _ => return None,
    })
}

#[component]
pub fn AuditLog(entries: RwSignal<Vec<AuditEntry>>) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    view! {
        <h2>{move || tr(&ui(), "admin.audit")}</h2>
        <table class="audit">
            <thead><tr>
                <th scope="col">{move || tr(&ui(), "admin.audit_when")}</th>
                <th scope="col">{move || tr(&ui(), "admin.audit_who")}</th>
                <th scope="col">{move || tr(&ui(), "admin.audit_what")}</th>
                <th scope="col">{move || tr(&ui(), "admin.audit_entry")}</th>
                <th scope="col">{move || tr(&ui(), "admin.audit_note")}</th>
            </tr></thead>
            <tbody>
                {move || entries.get().into_iter().map(|e| {
                    let action = e.action.clone();
                    view! {
                        <tr>
                            <td dir="ltr">{e.at.format("%Y-%m-%d %H:%M").to_string()}</td>
                            <td dir="auto">{e.actor}</td>
                            <td>{move || action_key(&action).map_or_else(|| action.clone(), |k| tr(&ui(), k))}</td>
                            <td dir="ltr">{e.org_id.map(|id| id.to_string()).unwrap_or_default()}</td>
                            <td dir="auto">{e.detail.unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
