//! One revision in the moderation queue, and the audit log. A moderator
//! must see everything a group wrote, in every language it wrote it, and
//! for an edit exactly what it changes, before deciding.

use leptos::prelude::*;
use serde_json::Value;
use solidarity_map_core::moderation::{AuditEntry, FieldChange, Revision, RevisionKind, changes};
use solidarity_map_core::{CategoryCount, LocalizedText, OrganizationInput, SiteConfig, Status};

use crate::form::{FormState, OrgForm};
use crate::i18n::{Lang, is_rtl, tr};

/// Approve or reject a revision: id, approve?, reason, corrected entry.
pub type Decide = Callback<(String, bool, String, Option<OrganizationInput>)>;

/// The words for the field `field` of an entry (as `core` names it).
fn field_key(field: &str) -> &'static str {
    match field {
        "name" => "admin.field_name",
        "description" => "admin.field_description",
        "category" => "admin.field_category",
        "city" => "admin.field_city",
        "country" => "admin.field_country",
        "location" => "admin.field_location",
        "precision" => "admin.field_precision",
        "website" => "admin.field_website",
        "links" => "admin.field_links",
        "languages" => "admin.field_languages",
        "tags" => "admin.field_tags",
        _ => "admin.field_contact_email",
    }
}

/// The words for a precision: "City level", not `city`.
fn precision_key(precision: &str) -> &'static str {
    match precision {
        "exact" => "admin.precision_exact",
        "neighbourhood" => "admin.precision_neighbourhood",
        "country" => "admin.precision_country",
        _ => "admin.precision_city",
    }
}

/// The name of the category `slug` in `ui`, from the categories loaded.
fn category_name(categories: &[CategoryCount], ui: &str, slug: &str) -> String {
    categories
        .iter()
        .find(|c| c.category.slug.as_str() == slug)
        .map_or_else(
            || slug.to_owned(),
            |c| c.category.labels.best(ui).1.to_owned(),
        )
}

/// A field's value as a moderator reads it, in the interface language
/// `ui`: names of categories, countries and languages and the words for a
/// precision rather than codes, each translation of a text on a line of
/// its own (`[ar] …`), a list one item a line; empty for none.
fn field_value(ui: &str, categories: &[CategoryCount], field: &str, v: &Value) -> String {
    let text = v.as_str().unwrap_or_default();
    let items = || -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    match field {
        _ if v.is_null() => String::new(),
        "category" => category_name(categories, ui, text),
        "country" => crate::names::country(ui, text),
        "precision" => tr(ui, precision_key(text)),
        "languages" => {
            let names: Vec<String> = items()
                .iter()
                .map(|c| crate::languages::name(ui, c))
                .collect();
            crate::names::list(ui, &names)
        }
        "links" => items().join("\n"),
        "tags" => items().join(", "),
        "location" => match (v["lat"].as_f64(), v["lon"].as_f64()) {
            (Some(lat), Some(lon)) => format!("{lat:.4}, {lon:.4}"),
            _ => v.to_string(),
        },
        _ => match v {
            Value::Object(map) => map
                .iter()
                .map(|(lang, t)| format!("[{lang}] {}", t.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("\n"),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
}

/// A field's value as [`field_value`] words it, but each translation of
/// a name or description in its own language and direction, marked with
/// it, on a line of its own.
fn value_view(ui: &str, categories: &[CategoryCount], field: &str, v: &Value) -> AnyView {
    match v {
        Value::Object(map) if matches!(field, "name" | "description") => map
            .iter()
            .map(|(l, t)| {
                let (tag, t) = (l.clone(), t.as_str().unwrap_or_default().to_owned());
                view! {
                    <span class="translation" lang=l.clone() dir="auto">
                        <span class="lang-tag" dir="ltr">{tag}</span>{t}
                    </span>
                }
            })
            .collect_view()
            .into_any(),
        _ => field_value(ui, categories, field, v).into_any(),
    }
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
    // a rejection says why: asked for before anything is sent
    let reason_error = RwSignal::new(false);
    let reason_id = format!("reason-{id}");
    let reason_error_id = format!("reason-{id}-error");
    let category = d.category.as_str().to_owned();
    let category_label = move || categories.with(|cs| category_name(cs, &lang.get(), &category));
    let (city, country) = (d.city.to_string(), d.country.as_str().to_owned());
    let precision_key = precision_key(d.precision.as_str());
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
                        {rows.into_iter().map(|c| {
                            let FieldChange { field, before, after } = c;
                            let key = field_key(&field);
                            let (f1, f2) = (field.clone(), field);
                            let shown = move |field: &str, v: &Value| {
                                categories.with(|cs| value_view(&ui(), cs, field, v))
                            };
                            view! {
                                <tr>
                                    <th scope="row">{move || tr(&ui(), key)}</th>
                                    <td dir="auto" class="value">{move || shown(&f1, &before)}</td>
                                    <td dir="auto" class="value">{move || shown(&f2, &after)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {move || editing.get().then(|| {
                let edit_id = edit_id.clone();
                view! {
                    <form class="org-form edit-before" novalidate on:submit=move |ev| {
                        ev.prevent_default();
                        form.settle_languages(true);
                        let input = form.to_input();
                        match form.checked(input.validate()) {
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
                <input id=reason_id.clone() type="text" class="reason" dir="auto"
                    aria-describedby=reason_error_id.clone()
                    aria-invalid=move || reason_error.get().then_some("true")
                    prop:value=move || reason.get()
                    on:input=move |ev| {
                        reason.set(event_target_value(&ev));
                        reason_error.set(false);
                    } />
                <button type="button" class="danger reject"
                    on:click=move |_| {
                        if reason.with_untracked(|r| r.trim().is_empty()) {
                            reason_error.set(true);
                            crate::form::focus_soon(reason_id.clone());
                            return;
                        }
                        decide.run((reject_id.clone(), false, reason.get_untracked(), None));
                    }>{move || tr(&ui(), "admin.reject")}</button>
                <p class="field-error reason-error" id=reason_error_id role="alert" hidden=move || !reason_error.get()>
                    {move || tr(&ui(), "invalid.reason_required")}
                </p>
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

/// Who did what an audit line says, in the interface language `ui`: a
/// moderator by their user name (whoever approves or rejects is one), the
/// group through its edit link, the retention period, or an import and
/// its source.
fn actor_words(ui: &str, actor: &str, action: &str) -> String {
    if matches!(action, "approved" | "rejected") {
        return actor.to_owned();
    }
    match actor {
        "group" => tr(ui, "admin.actor_group"),
        "retention" => tr(ui, "admin.actor_retention"),
        _ => match actor.strip_prefix("import:") {
            Some(source) => tr(ui, "admin.actor_import").replace("{source}", source),
            None => actor.to_owned(),
        },
    }
}

/// What a moderator corrected, field by field: "Keywords: (none) → youth"
/// (the arrow points the way the page reads).
fn corrections_view(
    lang: RwSignal<String>,
    categories: RwSignal<Vec<CategoryCount>>,
    changes: Vec<FieldChange>,
) -> impl IntoView {
    let items = changes
        .into_iter()
        .map(|c| {
            let words = move || {
                let ui = lang.get();
                let label = tr(&ui, field_key(&c.field));
                // a private field: only that it changed
                if c.before.is_null() && c.after.is_null() {
                    return (label, None);
                }
                let shown = |v: &Value| {
                    let none = field_value(&ui, &[], &c.field, v).is_empty();
                    if none {
                        tr(&ui, "admin.value_none").into_any()
                    } else {
                        categories.with(|cs| value_view(&ui, cs, &c.field, v))
                    }
                };
                (label, Some((shown(&c.before), shown(&c.after))))
            };
            view! {
                <li>
                    {move || {
                        let ui = lang.get();
                        let arrow = if is_rtl(&ui) { " ← " } else { " → " };
                        match words() {
                            (label, Some((before, after))) => view! {
                                <span class="change-field">{label}": "</span>
                                <bdi class="before">{before}</bdi>{arrow}<bdi class="after">{after}</bdi>
                            }.into_any(),
                            (label, None) => view! {
                                <span class="change-field">{label}": "</span>
                                <span>{tr(&ui, "admin.private_changed")}</span>
                            }.into_any(),
                        }
                    }}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="audit-changes">{items}</ul> }
}

/// The latest decisions and changes, newest first: when, who, what, and
/// which entry by its name; a rejection's reason and a moderator's
/// corrections under it.
#[component]
pub fn AuditLog(
    entries: RwSignal<Vec<AuditEntry>>,
    categories: RwSignal<Vec<CategoryCount>>,
) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    view! {
        <h2 id="audit-title">{move || tr(&ui(), "admin.audit")}</h2>
        <ol class="audit" aria-labelledby="audit-title">
            {move || entries.get().into_iter().map(|e| {
                let AuditEntry { at, actor, action, org_name, detail, changes, .. } = e;
                let (actor_action, what) = (action.clone(), action);
                let name = move || {
                    org_name.as_ref().map(|n| n.text().best(&ui()).1.to_owned()).unwrap_or_default()
                };
                view! {
                    <li>
                        <p class="audit-line">
                            <time dir="ltr" datetime=at.to_rfc3339()>{at.format("%Y-%m-%d %H:%M").to_string()}</time>
                            " · "
                            <bdi class="actor">{move || actor_words(&ui(), &actor, &actor_action)}</bdi>
                            " · "
                            <span class="action">{move || action_key(&what).map_or_else(|| what.clone(), |k| tr(&ui(), k))}</span>
                            " · "
                            <bdi class="entry">{name}</bdi>
                        </p>
                        {detail.map(|d| view! {
                            <p class="audit-note">{move || tr(&ui(), "admin.audit_reason")} " " <bdi>{d}</bdi></p>
                        })}
                        {(!changes.is_empty()).then(|| view! {
                            <div class="audit-corrections">
                                <p>{move || tr(&ui(), "admin.audit_corrected")}</p>
                                {corrections_view(lang, categories, changes)}
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
