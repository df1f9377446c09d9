//! The organisation form, shared by the join page and the edit link. Its
//! checks are `core`'s, the same the server runs; every error is shown
//! next to its field, and nothing typed is lost on an error.

use std::collections::BTreeMap;
use std::time::Duration;

use leaflet::{LatLng, Map, MapOptions, Marker};
use leptos::prelude::*;
use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{
    CategoryCount, CountryCode, FieldError, OrganizationInput, Place, Precision, SiteConfig,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

/// Everything the form holds, as signals.
#[derive(Clone, Copy)]
pub struct FormState {
    pub name: [RwSignal<String>; 3],
    pub description: [RwSignal<String>; 3],
    pub category: RwSignal<String>,
    pub city: RwSignal<String>,
    pub country: RwSignal<String>,
    pub location: RwSignal<Option<(f64, f64)>>,
    pub precision: RwSignal<String>,
    pub website: RwSignal<String>,
    pub links: RwSignal<String>,
    /// The codes of the languages chosen, each shown as a chip.
    pub languages: RwSignal<Vec<String>>,
    /// What is typed in the languages box, not yet chosen.
    pub languages_typed: RwSignal<String>,
    pub tags: RwSignal<String>,
    pub contact_email: RwSignal<String>,
    pub errors: RwSignal<Vec<FieldError>>,
    /// The city and country a click on the map filled in, so that the next
    /// click may change them, but never what the group typed itself.
    pub filled: RwSignal<Option<(String, String)>>,
}

/// The problem code of an entry in the languages box that names no
/// language (the form's own check; the server sees only codes).
const UNKNOWN_LANGUAGE: &str = "unknown_language";

/// The languages names and descriptions can be given in, in form order,
/// with the key of each language's name.
pub const LANGS: [(&str, &str); 3] = [
    ("en", "form.lang_en"),
    ("ar", "form.lang_ar"),
    ("he", "form.lang_he"),
];

fn split_list(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

impl FormState {
    pub fn new() -> Self {
        Self {
            name: [
                RwSignal::new(String::new()),
                RwSignal::new(String::new()),
                RwSignal::new(String::new()),
            ],
            description: [
                RwSignal::new(String::new()),
                RwSignal::new(String::new()),
                RwSignal::new(String::new()),
            ],
            category: RwSignal::new(String::new()),
            city: RwSignal::new(String::new()),
            country: RwSignal::new(String::new()),
            location: RwSignal::new(None),
            precision: RwSignal::new(Precision::default().as_str().to_owned()),
            website: RwSignal::new(String::new()),
            links: RwSignal::new(String::new()),
            languages: RwSignal::new(Vec::new()),
            languages_typed: RwSignal::new(String::new()),
            tags: RwSignal::new(String::new()),
            contact_email: RwSignal::new(String::new()),
            errors: RwSignal::new(Vec::new()),
            filled: RwSignal::new(None),
        }
    }

    pub fn fill(self, i: &OrganizationInput) {
        for (k, (lang, _)) in LANGS.iter().enumerate() {
            self.name[k].set(i.name.get(*lang).cloned().unwrap_or_default());
            self.description[k].set(i.description.get(*lang).cloned().unwrap_or_default());
        }
        self.category.set(i.category.clone());
        self.city.set(i.city.clone());
        self.country.set(i.country.clone());
        self.location.set(i.location.map(|l| (l.lat, l.lon)));
        self.precision
            .set(i.precision.clone().unwrap_or_else(|| "city".into()));
        self.website.set(i.website.clone().unwrap_or_default());
        self.links.set(i.links.join("\n"));
        self.languages.set(i.languages.clone());
        self.languages_typed.set(String::new());
        self.tags.set(i.tags.join(", "));
        self.contact_email
            .set(i.contact_email.clone().unwrap_or_default());
    }

    pub fn to_input(self) -> OrganizationInput {
        let texts = |sigs: &[RwSignal<String>; 3]| -> BTreeMap<String, String> {
            LANGS
                .iter()
                .zip(sigs)
                .map(|((l, _), s)| ((*l).to_owned(), s.get_untracked()))
                .filter(|(_, t)| !t.trim().is_empty())
                .collect()
        };
        OrganizationInput {
            name: texts(&self.name),
            description: texts(&self.description),
            category: self.category.get_untracked(),
            city: self.city.get_untracked(),
            country: self.country.get_untracked(),
            location: self
                .location
                .get_untracked()
                .map(|(lat, lon)| RawLocation { lat, lon }),
            precision: Some(self.precision.get_untracked()),
            website: Some(self.website.get_untracked()),
            links: split_list(&self.links.get_untracked(), '\n'),
            languages: self.languages_sent(),
            tags: split_list(&self.tags.get_untracked(), ','),
            contact_email: Some(self.contact_email.get_untracked()),
        }
    }

    /// Reads every field, so an effect runs again when any changes.
    fn track_all(self) {
        for s in self.name.iter().chain(&self.description) {
            s.track();
        }
        for s in [
            self.category,
            self.city,
            self.country,
            self.precision,
            self.website,
            self.links,
            self.languages_typed,
            self.tags,
            self.contact_email,
        ] {
            s.track();
        }
        self.location.track();
        self.languages.track();
    }

    /// The languages as sent: the chosen codes, then each entry typed and
    /// not yet chosen, as the code it names if it names one, else as typed
    /// (which [`FormState::checked`] then explains).
    fn languages_sent(self) -> Vec<String> {
        let typed = crate::languages::parts(&self.languages_typed.get_untracked());
        let mut sent = self.languages.get_untracked();
        sent.extend(
            typed
                .into_iter()
                .map(|t| crate::languages::resolve(&t).unwrap_or(t)),
        );
        sent
    }

    /// Turns what is typed in the languages box into chosen languages:
    /// each entry that names a language, all of them if `last`, else all
    /// but one still being typed after the last comma; what names none
    /// stays in the box. The entries that stay.
    pub fn settle_languages(self, last: bool) -> Vec<String> {
        let typed = self.languages_typed.get_untracked();
        let mut entries = crate::languages::parts(&typed);
        let open_end = !typed.trim_end().ends_with([',', '،', ';']);
        let typing = if !last && open_end {
            entries.pop()
        } else {
            None
        };
        let mut chosen = self.languages.get_untracked();
        let mut unknown = Vec::new();
        for entry in entries {
            match crate::languages::resolve(&entry) {
                Some(code) if chosen.contains(&code) => {}
                Some(code) => chosen.push(code),
                None => unknown.push(entry),
            }
        }
        if self.languages.with_untracked(|l| *l != chosen) {
            self.languages.set(chosen);
        }
        let mut left = unknown.clone();
        left.extend(typing);
        let mut text = left.join(", ");
        // after a comma, ready for the next entry
        if !last && !open_end && !text.is_empty() {
            text.push_str(", ");
        }
        if text != typed {
            self.languages_typed.set(text);
        }
        unknown
    }

    /// The shared rules' verdict with the form's own check added: an
    /// entry typed in the languages box that names no language is said
    /// so, by name (`languages[i]`), rather than as a malformed code.
    pub fn checked<T>(self, result: Result<T, Vec<FieldError>>) -> Result<T, Vec<FieldError>> {
        let chosen = self.languages.with_untracked(Vec::len);
        let typed = crate::languages::parts(&self.languages_typed.get_untracked());
        let unknown: Vec<FieldError> = typed
            .iter()
            .enumerate()
            .filter(|(_, t)| crate::languages::resolve(t).is_none())
            .map(|(k, t)| FieldError {
                code: UNKNOWN_LANGUAGE.to_owned(),
                ..FieldError::new(
                    format!("languages[{}]", chosen + k),
                    format!("\"{t}\" is not a language"),
                )
            })
            .collect();
        let mut errors = match result {
            Ok(v) if unknown.is_empty() => return Ok(v),
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        };
        if !unknown.is_empty() {
            errors.retain(|e| !(e.field == "languages" && e.code == "lang_code"));
            errors.extend(unknown);
            // in the form's order, as the summary lists them
            let rank = |e: &FieldError| {
                let root = e.field.split(['.', '[']).next().unwrap_or("");
                FIELD_TARGETS
                    .iter()
                    .position(|(f, _, _)| *f == root)
                    .unwrap_or(FIELD_TARGETS.len())
            };
            errors.sort_by_key(rank);
        }
        Err(errors)
    }

    /// An error goes as soon as its field is fixed: once the field has
    /// changed since the error was shown and the form's own rules find
    /// nothing wrong with it (an error only the server can judge goes when
    /// its field changes). Other errors stay until the next attempt.
    fn clear_fixed_errors(self) {
        // the errors as last shown, and the form as it was then
        let shown = StoredValue::new(None::<(Vec<FieldError>, serde_json::Value)>);
        Effect::new(move |_| {
            self.track_all();
            let errors = self.errors.get();
            if errors.is_empty() {
                shown.set_value(None);
                return;
            }
            let input = self.to_input();
            let now = serde_json::to_value(&input).unwrap_or_default();
            let before = shown.with_value(|s| {
                s.as_ref()
                    .filter(|(e, _)| *e == errors)
                    .map(|(_, v)| v.clone())
            });
            let Some(before) = before else {
                shown.set_value(Some((errors, now)));
                return;
            };
            let flagged = self.checked(input.validate()).err().unwrap_or_default();
            let key = |f: &str| f.split(['.', '[']).next().unwrap_or(f).to_owned();
            let keep: Vec<FieldError> = errors
                .iter()
                .filter(|e| {
                    let k = key(&e.field);
                    before.get(&k) == now.get(&k) || flagged.iter().any(|f| key(&f.field) == k)
                })
                .cloned()
                .collect();
            if keep.len() != errors.len() {
                shown.set_value(Some((keep.clone(), before)));
                self.errors.set(keep);
            }
        });
    }

    /// The messages for a field and its parts (`name` covers `name.ar`), in
    /// the interface language.
    /// `aria-invalid` for a field: "true" while it has an error.
    pub fn invalid(
        self,
        field: &'static str,
    ) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
        let errors = self.errors;
        move || {
            let wrong = errors.with(|e| {
                e.iter().any(|e| {
                    e.field == field
                        || e.field
                            .strip_prefix(field)
                            .is_some_and(|rest| rest.starts_with('.'))
                })
            });
            wrong.then_some("true")
        }
    }

    /// An error in the visitor's language; one about a single tag
    /// (`tags[i]`) or a single language (`languages[i]`) names it.
    fn message(self, ui: &str, e: &FieldError) -> String {
        let text = crate::i18n::field_message(ui, e);
        let entry = |list: &str| {
            e.field
                .strip_prefix(list)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
        };
        let named = match (entry("tags"), entry("languages")) {
            (Some(i), _) => split_list(&self.tags.get_untracked(), ',')
                .into_iter()
                .nth(i),
            (_, Some(i)) => self.languages_sent().into_iter().nth(i),
            _ => None,
        };
        match named {
            Some(entry) => format!("“{entry}”: {text}"),
            None => text,
        }
    }

    pub fn error_for(
        self,
        field: &'static str,
    ) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
        let errors = self.errors;
        let lang = expect_context::<Lang>().0;
        move || {
            let ui = lang.get();
            let list: Vec<String> = errors.with(|e| {
                e.iter()
                    .filter(|e| {
                        e.field == field
                            || e.field.starts_with(&format!("{field}."))
                            || e.field.starts_with(&format!("{field}["))
                    })
                    .map(|e| self.message(&ui, e))
                    .collect()
            });
            (!list.is_empty()).then(|| list.join("; "))
        }
    }
}

/// Where each field's errors send the reader: the id of its input and the
/// key of its label. A field not listed is named by its message alone.
const FIELD_TARGETS: [(&str, &str, &str); 13] = [
    ("name", "name-en", "form.name"),
    ("category", "category", "form.kind"),
    ("description", "description-en", "form.description"),
    ("city", "city", "form.city"),
    ("country", "country", "form.country"),
    ("location", "location-map", "form.where"),
    ("precision", "precision", "form.precision"),
    ("website", "website", "form.website"),
    ("links", "links", "form.links"),
    ("languages", "languages", "form.languages"),
    ("tags", "tags", "form.tags"),
    ("contact_email", "contact_email", "form.contact"),
    ("consent", "consent", "form.consent"),
];

/// The id of the summary of a refused form's errors.
pub const ERROR_SUMMARY: &str = "error-summary";

/// A refused form's errors at its top, each a link to its field, so that
/// a long form's problems are found in one place (and a screen reader
/// hears them all): shown while there are errors, and given the focus by
/// [`focus_error_summary`] after a refused submit.
#[component]
pub fn ErrorSummary(form: FormState) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let items = move || {
        let ui = lang.get();
        form.errors.with(|errors| {
            errors
                .iter()
                .map(|e| {
                    let root = e.field.split(['.', '[']).next().unwrap_or("");
                    let message = form.message(&ui, e);
                    match FIELD_TARGETS.iter().find(|(f, _, _)| *f == root) {
                        Some((_, id, label)) => {
                            let text = format!("{}: {message}", tr(&ui, label));
                            view! { <li><a href=format!("#{id}")>{text}</a></li> }.into_any()
                        }
                        None => view! { <li>{message}</li> }.into_any(),
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="error-summary" id=ERROR_SUMMARY tabindex="-1"
            aria-labelledby="error-summary-title"
            hidden=move || form.errors.with(Vec::is_empty)>
            <h2 id="error-summary-title">{move || tr(&lang.get(), "form.summary")}</h2>
            <ul>{items}</ul>
        </div>
    }
}

/// Moves the focus (and the view) to the error summary once it shows.
pub fn focus_error_summary() {
    focus_soon(ERROR_SUMMARY);
}

/// Gives the element `id` the focus, in the middle of the view, once the
/// page has drawn what just changed: a message appears where the person
/// is looking, and a screen reader reads it out.
pub fn focus_soon(id: impl Into<String>) {
    let id = id.into();
    let focus = move || {
        if let Some(el) = document().get_element_by_id(&id)
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let view = web_sys::ScrollIntoViewOptions::new();
            view.set_block(web_sys::ScrollLogicalPosition::Center);
            el.scroll_into_view_with_scroll_into_view_options(&view);
            let focus = web_sys::FocusOptions::new();
            focus.set_prevent_scroll(true);
            let _ = el.focus_with_options(&focus);
        }
    };
    set_timeout(focus, Duration::ZERO);
}

/// The keys of a combobox whose open list holds `n` options (the city,
/// the languages), as the ARIA pattern has them: the arrows move through
/// the list while the box keeps the focus, Enter picks (the first, if the
/// arrows chose none) and never sends the form, Escape closes the list.
/// Whether the key was the list's.
fn list_keys(
    ev: &web_sys::KeyboardEvent,
    n: usize,
    active: RwSignal<Option<usize>>,
    pick: impl Fn(usize),
    close: impl Fn(),
) -> bool {
    if n == 0 {
        return false;
    }
    match ev.key().as_str() {
        "ArrowDown" => active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n))),
        "ArrowUp" => active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n))),
        "Enter" => pick(active.get_untracked().unwrap_or(0)),
        "Escape" => close(),
        _ => return false,
    }
    ev.prevent_default();
    true
}

/// A combobox's list, `{name}-suggestions`, its options
/// `{name}-option-{i}` (for `aria-activedescendant`), the one the arrows
/// are on marked; a click picks an option and leaves the focus in the box.
#[component]
fn Suggestions(
    name: &'static str,
    /// What the list is, for screen readers.
    #[prop(into)]
    label: Signal<String>,
    #[prop(into)] options: Signal<Vec<String>>,
    active: RwSignal<Option<usize>>,
    pick: Callback<usize>,
) -> impl IntoView {
    // a new list: the arrows start again from its top
    Effect::new(move |_| {
        options.track();
        active.set(None);
    });
    view! {
        <ul id=format!("{name}-suggestions") class="suggestions" role="listbox" aria-label=move || label.get()
            hidden=move || options.with(Vec::is_empty)>
            {move || options.get().into_iter().enumerate().map(|(i, text)| {
                let selected = move || active.get() == Some(i);
                view! {
                    <li role="option" id=format!("{name}-option-{i}") class="suggestion"
                        aria-selected=move || selected().to_string() class:active=selected
                        on:mousedown=|ev| ev.prevent_default()
                        on:click=move |_| pick.run(i)>
                        {text}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// What separates the entries typed in the languages box.
const SEPARATORS: [char; 3] = [',', '،', ';'];

/// The languages a group works in: typed by name (in any of the site's
/// languages) or code and picked from a list as the city is, shown as
/// chips that each remove their language.
#[component]
fn LanguagesField(form: FormState) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    // entries typed that name no language, said under the box
    let unknown = RwSignal::new(Vec::<String>::new());
    // the entry being typed: what follows the last comma
    let typing = |typed: &str| {
        typed
            .rsplit(SEPARATORS)
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let options = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        let query = form.languages_typed.with(|t| typing(t));
        form.languages
            .with(|chosen| crate::languages::matching(&lang.get(), &query, chosen))
    });
    let pick = move |i: usize| {
        let Some((code, _)) = options.with_untracked(|o| o.get(i).cloned()) else {
            return;
        };
        // the entry typed gives way to the language picked
        let typed = form.languages_typed.get_untracked();
        let kept = typed
            .rfind(SEPARATORS)
            .map_or(String::new(), |at| format!("{}, ", typed[..at].trim_end()));
        form.languages_typed.set(kept);
        form.languages.update(|l| {
            if !l.contains(&code) {
                l.push(code);
            }
        });
        open.set(false);
    };
    let settle = move |last: bool| unknown.set(form.settle_languages(last));
    let on_input = move |ev| {
        let value = event_target_value(&ev);
        let separated = value.contains(SEPARATORS);
        form.languages_typed.set(value);
        unknown.set(Vec::new());
        if separated {
            settle(false);
        }
        open.set(
            !form
                .languages_typed
                .with_untracked(|t| typing(t))
                .is_empty(),
        );
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let n = options.with_untracked(Vec::len);
        if list_keys(&ev, n, active, pick, move || open.set(false)) {
            return;
        }
        let typed = form
            .languages_typed
            .with_untracked(|t| !t.trim().is_empty());
        match ev.key().as_str() {
            // the list, to browse: every language, or those that match
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                open.set(true);
            }
            // what is typed becomes languages; Enter sends no form then
            "Enter" if typed => {
                ev.prevent_default();
                settle(true);
            }
            _ => {}
        }
    };
    let remove = move |code: String| {
        let chosen = form.languages.get_untracked();
        let at = chosen.iter().position(|c| *c == code).unwrap_or(0);
        form.languages.update(|l| l.retain(|c| *c != code));
        // the focus goes to the chip that took its place, else the one
        // before, else back to the box
        let left: Vec<&String> = chosen.iter().filter(|c| **c != code).collect();
        let next = left
            .get(at)
            .or_else(|| left.last())
            .map_or_else(|| "languages".to_owned(), |c| format!("language-{c}"));
        focus_soon(next);
    };
    let chips = move || {
        let ui = lang.get();
        form.languages
            .get()
            .into_iter()
            .map(|code| {
                let name = crate::languages::name(&ui, &code);
                let label = tr(&ui, "form.remove_language").replace("{lang}", &name);
                let id = format!("language-{code}");
                view! {
                    <li>
                        <button type="button" class="chip" id=id aria-label=label
                            on:click=move |_| remove(code.clone())>
                            <bdi>{name}</bdi>
                            <span aria-hidden="true">" ×"</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let unknown_text = move || {
        let ui = lang.get();
        let entries: Vec<String> = unknown.with(|u| u.iter().map(|e| format!("“{e}”")).collect());
        (!entries.is_empty()).then(|| {
            let entries = crate::names::list(&ui, &entries);
            tr(&ui, "form.language_unknown").replace("{entries}", &entries)
        })
    };
    // once the form is refused, its error says the same under the box
    let error = form.error_for("languages");
    let labels = Signal::derive(move || {
        options.with(|o| o.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>())
    });
    view! {
        <div class="field languages-field">
            <label for="languages">{t("form.languages")}</label>
            <p class="hint" id="languages-hint">{t("form.languages_hint")}</p>
            <div class="combo-box">
            <input id="languages" type="text" autocomplete="off" role="combobox"
                aria-autocomplete="list" aria-controls="languages-suggestions"
                aria-expanded=move || (!options.with(Vec::is_empty)).to_string()
                aria-activedescendant=move || active.get().map(|i| format!("languages-option-{i}"))
                aria-describedby="languages-hint languages-unknown languages-error"
                aria-invalid=form.invalid("languages")
                prop:value=move || form.languages_typed.get()
                on:input=on_input
                on:keydown=on_key
                on:blur=move |_| {
                    open.set(false);
                    settle(true);
                }
            />
            <Suggestions name="languages" label=Signal::derive(t("form.languages")) options=labels
                active=active pick=Callback::new(pick) />
            </div>
            <p class="hint language-unknown" id="languages-unknown" aria-live="polite"
                hidden=move || unknown_text().is_none() || error().is_some()>
                {unknown_text}
            </p>
            <ul class="chips" aria-label=t("form.languages_chosen")
                hidden=move || form.languages.with(Vec::is_empty)>
                {chips}
            </ul>
            <FieldErr id="languages-error" msg=error />
        </div>
    }
}

/// The mark of a required field, before the first attempt to send; the
/// input says it to screen readers (`aria-required`), the note at the top
/// of the form says what the mark means.
#[component]
pub fn Required() -> impl IntoView {
    view! { <span class="required" aria-hidden="true">" *"</span> }
}

/// A field's error message, tied to its input by id for screen readers.
#[component]
pub fn FieldErr(
    #[prop(into)] id: String,
    msg: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert" hidden=move || msg().is_none()>
            {move || msg().unwrap_or_default()}
        </p>
    }
}

/// A one-line input with its label and its error.
#[component]
pub fn LineField(
    id: &'static str,
    /// The key of the label's words.
    label: &'static str,
    /// The input's `type`.
    kind: &'static str,
    value: RwSignal<String>,
    /// Written left to right whatever the page's direction (addresses,
    /// codes).
    #[prop(optional)]
    ltr: bool,
    #[prop(optional)] placeholder: &'static str,
    error: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{move || tr(&lang.get(), label)}</label>
            <input id=id type=kind dir=ltr.then_some("ltr") aria-describedby=error_id.clone()
                aria-invalid=move || error().is_some().then_some("true")
                placeholder=(!placeholder.is_empty()).then_some(placeholder)
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
            <FieldErr id=error_id msg=error />
        </div>
    }
}

/// A required choice from a list (value, label), with its error.
#[component]
fn Choice(
    id: &'static str,
    /// The key of the label's words.
    label: &'static str,
    value: RwSignal<String>,
    options: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
    error: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    let error_id = format!("{id}-error");
    let shown = move || {
        let options = options().into_iter().map(|(code, name)| {
            let chosen = code.clone();
            let selected = move || value.get() == chosen;
            view! { <option value=code selected=selected>{name}</option> }
        });
        options.collect_view()
    };
    view! {
        <div class="field">
            <label for=id>{t(label)}<Required /></label>
            <select id=id aria-describedby=error_id.clone() aria-required="true"
                aria-invalid=move || error().is_some().then_some("true")
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">{t("form.choose")}</option>
                {shown}
            </select>
            <FieldErr id=error_id msg=error />
        </div>
    }
}

/// The small map the group clicks to place itself.
fn location_map(el: &web_sys::HtmlElement, form: FormState) -> Result<(Map, Marker), JsValue> {
    let options = MapOptions::new();
    options.set_min_zoom(2.0);
    let map = crate::basemap::base_map(el, &options)?;
    let (lat, lon, zoom) = form
        .location
        .get_untracked()
        .map_or((31.78, 35.22, 3.0), |(a, b)| (a, b, 11.0));
    map.set_view(&LatLng::new(lat, lon), zoom);
    let marker = Marker::new(&LatLng::new(lat, lon));
    if form.location.get_untracked().is_some() {
        marker.add_to(&map);
    }
    let (click_map, click_marker) = (map.clone(), marker.clone());
    let place = std::rc::Rc::new(move |ll: LatLng| {
        // wrap a point on a world copy back into -180..180
        let lon = (ll.lng() + 180.0).rem_euclid(360.0) - 180.0;
        form.location.set(Some((ll.lat(), lon)));
        click_marker.set_lat_lng(&ll);
        click_marker.add_to(&click_map);
        fill_from_nearest(form, ll.lat(), lon);
    });
    let place_at_click = place.clone();
    let on_click = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        if let Ok(ll) = js_sys::Reflect::get(&e, &"latlng".into()) {
            place_at_click(ll.unchecked_into());
        }
    });
    map.unchecked_ref::<leaflet::Evented>()
        .on("click", on_click.as_ref().unchecked_ref());
    on_click.forget();
    // without a mouse: the arrow keys move the map (Leaflet's own), and
    // Enter or Space places the group at its centre
    let key_map = map.clone();
    let on_key =
        Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            let on_map = e.target() == e.current_target();
            if on_map && matches!(e.key().as_str(), "Enter" | " ") {
                e.prevent_default();
                place(key_map.get_center());
            }
        });
    el.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref())?;
    on_key.forget();
    Ok((map, marker))
}

/// Fills in the city and country of the place the group chose on the map
/// from the nearest city the gazetteer knows, unless the group typed
/// them itself (an empty field, or one the map filled, may change).
fn fill_from_nearest(form: FormState, lat: f64, lon: f64) {
    leptos::task::spawn_local(async move {
        let Ok(Some(place)) = api::nearest_place(lat, lon).await else {
            return;
        };
        let filled = form.filled.get_untracked();
        let ours = |value: String, by_map: Option<&String>| {
            value.trim().is_empty() || by_map == Some(&value)
        };
        if ours(form.city.get_untracked(), filled.as_ref().map(|f| &f.0)) {
            form.city.set(place.name.clone());
        }
        if ours(form.country.get_untracked(), filled.as_ref().map(|f| &f.1)) {
            form.country.set(place.country.clone());
        }
        form.filled.set(Some((place.name, place.country)));
    });
}

#[component]
pub fn OrgForm(
    form: FormState,
    categories: RwSignal<Vec<CategoryCount>>,
    /// The tiles of the location map, and their attribution.
    tiles: SiteConfig,
) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    form.clear_fixed_errors();
    let map_node = NodeRef::<leptos::html::Div>::new();
    let map = StoredValue::new_local(None::<(Map, Marker)>);
    // the map goes with the form (the moderation page opens and closes
    // forms)
    on_cleanup(move || {
        map.update_value(|m| {
            if let Some((map, _)) = m.take() {
                map.remove();
            }
        });
    });
    // the map once, its tiles again in each language the visitor picks
    let tile_layer = StoredValue::new_local(None::<leaflet::Layer>);
    Effect::new(move |_| {
        let lang = lang.get();
        let Some(el) = map_node.get() else { return };
        if map.with_value(Option::is_none) {
            match location_map(&el, form) {
                Ok(m) => map.set_value(Some(m)),
                Err(e) => return web_sys::console::error_2(&"location map".into(), &e),
            }
        }
        map.with_value(|m| {
            if let Some((m, _)) = m {
                tile_layer
                    .update_value(|l| *l = crate::basemap::retile(m, &tiles, &lang, l.take()));
            }
        });
    });
    let move_map = move |lat: f64, lon: f64| {
        map.with_value(|m| {
            if let Some((map, marker)) = m {
                let ll = LatLng::new(lat, lon);
                map.set_view(&ll, 11.0);
                marker.set_lat_lng(&ll);
                marker.add_to(map);
            }
        });
    };

    // city suggestions from the gazetteer
    let suggestions = RwSignal::new(Vec::<Place>::new());
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    let on_city = move |ev| {
        let value = event_target_value(&ev);
        form.city.set(value.clone());
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        if value.trim().chars().count() < 2 {
            suggestions.set(Vec::new());
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(list) = api::places(&value).await {
                        suggestions.set(list);
                    }
                });
            },
            Duration::from_millis(250),
        );
        pending.set_value(handle.ok());
    };
    let choose = move |p: Place| {
        form.city
            .set(p.matched.clone().unwrap_or_else(|| p.name.clone()));
        form.country.set(p.country.clone());
        form.location.set(Some((p.lat, p.lon)));
        move_map(p.lat, p.lon);
        suggestions.set(Vec::new());
    };
    // the suggestion the arrow keys are on, as a combobox's listbox has it
    let active = RwSignal::new(None::<usize>);
    let pick_city = move |i: usize| {
        if let Some(p) = suggestions.with_untracked(|s| s.get(i).cloned()) {
            choose(p);
        }
    };
    let on_city_key = move |ev: web_sys::KeyboardEvent| {
        let n = suggestions.with_untracked(Vec::len);
        list_keys(&ev, n, active, pick_city, move || {
            suggestions.set(Vec::new())
        });
    };
    let city_options = Signal::derive(move || {
        suggestions.with(|list| {
            list.iter()
                .map(|p| match &p.matched {
                    Some(m) => format!("{m} — {}, {}", p.name, p.country),
                    None => format!("{}, {}", p.name, p.country),
                })
                .collect::<Vec<_>>()
        })
    });

    let text_inputs = move |label: &'static str,
                            sigs: [RwSignal<String>; 3],
                            multiline: bool,
                            field: &'static str| {
        LANGS
            .iter()
            .zip(sigs)
            .map(|((lang, lang_name), sig)| {
                let id = format!("{field}-{lang}");
                let label = move || format!("{} ({})", t(label)(), t(lang_name)());
                let dir = if *lang == "en" { "ltr" } else { "rtl" };
                let input = if multiline {
                    view! {
                        <textarea id=id.clone() aria-invalid=form.invalid(field) lang=*lang dir=dir rows="4"
                            prop:value=move || sig.get()
                            on:input=move |ev| sig.set(event_target_value(&ev))
                            aria-describedby=format!("{field}-error")
                        ></textarea>
                    }
                    .into_any()
                } else {
                    view! {
                        <input id=id.clone() aria-invalid=form.invalid(field) type="text" lang=*lang dir=dir
                            prop:value=move || sig.get()
                            on:input=move |ev| sig.set(event_target_value(&ev))
                            aria-describedby=format!("{field}-error")
                        />
                    }
                    .into_any()
                };
                // the length as it is typed, against the limit the server
                // keeps (OrgName, Description)
                let max = if multiline { 5000 } else { 200 };
                let used = move || sig.with(|v| v.trim().chars().count());
                let class = move || if used() > max { "counter over" } else { "counter" };
                view! {
                    <div class="field">
                        <label for=id>{label}</label>
                        {input}
                        <span class=class hidden=move || used() == 0>
                            {move || format!("{} / {max}", used())}
                        </span>
                    </div>
                }
            })
            .collect_view()
    };

    let category_options = move || {
        let ui = lang.get();
        let labelled = |c: CategoryCount| {
            let label = c.category.labels.best(&ui).1.to_owned();
            (c.category.slug.to_string(), label)
        };
        categories.get().into_iter().map(labelled).collect()
    };
    let country_options = move || {
        let ui = lang.get();
        let mut all: Vec<(String, String)> = CountryCode::all()
            .map(|c| {
                (
                    c.as_str().to_owned(),
                    crate::names::country(&ui, c.as_str()),
                )
            })
            .collect();
        let order = crate::names::collator(&ui);
        all.sort_by(|a, b| order(&a.1, &b.1));
        all
    };

    view! {
        <p class="hint required-note">{t("form.required_note")}</p>
        <fieldset class="group">
            <legend>{t("form.name")}<Required /></legend>
            <p class="hint">{t("form.name_hint")}</p>
            {text_inputs("form.name", form.name, false, "name")}
            <FieldErr id="name-error" msg=form.error_for("name") />
        </fieldset>

        <Choice id="category" label="form.kind" value=form.category options=category_options
            error=form.error_for("category") />

        <fieldset class="group">
            <legend>{t("form.what")}<Required /></legend>
            {text_inputs("form.description", form.description, true, "description")}
            <FieldErr id="description-error" msg=form.error_for("description") />
        </fieldset>

        <fieldset class="group">
            <legend>{t("form.where")}</legend>
            <div class="field combo city">
                <label for="city">{t("form.city")}<Required /></label>
                <input id="city" type="text" autocomplete="off" role="combobox" aria-invalid=form.invalid("city")
                    aria-required="true"
                    aria-autocomplete="list" aria-controls="city-suggestions"
                    aria-expanded=move || (!suggestions.with(Vec::is_empty)).to_string()
                    aria-describedby="city-error"
                    aria-activedescendant=move || active.get().map(|i| format!("city-option-{i}"))
                    prop:value=move || form.city.get()
                    on:input=on_city
                    on:keydown=on_city_key
                />
                <Suggestions name="city" label=Signal::derive(t("form.city")) options=city_options active=active
                    pick=Callback::new(pick_city) />
                <FieldErr id="city-error" msg=form.error_for("city") />
            </div>
            <Choice id="country" label="form.country" value=form.country options=country_options
                error=form.error_for("country") />
            <p class="hint" id="location-hint">
                {t("form.location_hint")}
            </p>
            <div class="location-map" id="location-map" tabindex="0" dir="ltr" node_ref=map_node role="application"
                aria-label=t("form.map_label") aria-describedby="location-hint"></div>
            <p class="location-value" aria-live="polite">
                {move || match form.location.get() {
                    Some((lat, lon)) => format!("{} {lat:.4}, {lon:.4}", t("form.location")()),
                    None => t("form.no_location")(),
                }}
            </p>
            <FieldErr id="location-error" msg=form.error_for("location") />
            <fieldset class="precision">
                <legend>{t("form.precision")}</legend>
                {Precision::ALL.into_iter().map(|p| {
                    let value = p.as_str();
                    let label = match p {
                        Precision::Exact => "form.precision_exact",
                        Precision::Neighbourhood => "form.precision_neighbourhood",
                        Precision::City => "form.precision_city",
                        Precision::Country => "form.precision_country",
                    };
                    view! {
                        <label class="radio">
                            <input type="radio" name="precision" value=value
                                prop:checked=move || form.precision.get() == value
                                on:change=move |_| form.precision.set(value.to_owned())
                            />
                            {t(label)}
                        </label>
                    }
                }).collect_view()}
                <p class="hint">{t("form.precision_hint")}</p>
            </fieldset>
        </fieldset>

        <fieldset class="group">
            <legend>{t("form.links_languages")}</legend>
            <LineField id="website" label="form.website" kind="url" value=form.website ltr=true placeholder="https://"
                error=form.error_for("website") />
            <div class="field">
                <label for="links">{t("form.links")}</label>
                <textarea id="links" rows="3" dir="ltr" aria-describedby="links-error" aria-invalid=form.invalid("links")
                    prop:value=move || form.links.get()
                    on:input=move |ev| form.links.set(event_target_value(&ev))></textarea>
                <FieldErr id="links-error" msg=form.error_for("links") />
            </div>
            <LanguagesField form=form />
            <LineField id="tags" label="form.tags" kind="text" value=form.tags
                error=form.error_for("tags") />
        </fieldset>

        <div class="field">
            <label for="contact_email">{t("form.contact")}</label>
            <input id="contact_email" type="email" dir="ltr" autocomplete="email" aria-describedby="contact-hint contact_email-error"
                aria-invalid=form.invalid("contact_email")
                prop:value=move || form.contact_email.get()
                on:input=move |ev| form.contact_email.set(event_target_value(&ev)) />
            <p class="hint" id="contact-hint">{t("form.contact_hint")}</p>
            <FieldErr id="contact_email-error" msg=form.error_for("contact_email") />
        </div>
    }
}
