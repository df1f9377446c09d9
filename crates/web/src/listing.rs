//! A group's choice to be listed in the Murmurations network, on its edit
//! page: a checkbox that takes effect at once (no moderator needs to see
//! it), and says so.

use leptos::prelude::*;
use solidarity_map_core::moderation::{EditView, MurmurationsChoice};

use crate::api::{self, Answer, ApiError};
use crate::i18n::{Lang, tr};

#[component]
pub fn MurmurationsChoiceBox(token: RwSignal<String>, listed: bool) -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let checked = RwSignal::new(listed);
    let said = RwSignal::new(None::<&'static str>);
    let choose = move |on: bool| {
        let url = format!("/api/edit/{}/murmurations", token.get_untracked());
        leptos::task::spawn_local(async move {
            let body = MurmurationsChoice { listed: on };
            let r: Result<Answer<EditView>, ApiError> =
                api::send("PUT", &url, Some(&body), None).await;
            match r {
                Ok(Answer { ok: Some(v), .. }) => {
                    checked.set(v.murmurations);
                    said.set(Some(if v.murmurations {
                        "edit.murmurations_on"
                    } else {
                        "edit.murmurations_off"
                    }));
                }
                _ => {
                    checked.set(!on);
                    said.set(Some("edit.murmurations_failed"));
                }
            }
        });
    };
    view! {
        <fieldset class="murmurations">
            <legend>{move || tr(&ui(), "edit.murmurations_title")}</legend>
            <p class="hint" id="murmurations-hint">{move || tr(&ui(), "edit.murmurations_hint")}</p>
            <label>
                <input type="checkbox" id="murmurations-listed" aria-describedby="murmurations-hint"
                    prop:checked=move || checked.get()
                    on:change=move |ev| choose(event_target_checked(&ev)) />
                " " {move || tr(&ui(), "edit.murmurations_listed")}
            </label>
            <p class="form-status" role="status">{move || said.get().map(|k| tr(&ui(), k))}</p>
        </fieldset>
    }
}
