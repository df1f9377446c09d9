//! Submitted text is data, never markup: an entry whose every text field is
//! a different script or HTML payload is approved and shown on the map
//! card, in the list, on its edit page and in the moderation queue (as a
//! submission and as an edit with a diff). No script runs, no element is
//! made from it, the text shows literally, and the Content-Security-Policy
//! reports no violation on any page (so it does not break the app either).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use fantoccini::Locator;
use serde_json::{Value, json};
use solidarity_map_e2e::Browser;

use crate::support::{Setup, js, sign_in, submit_entry, visit};

const NAME_EN: &str = "XSS Probe <script>window.__xss=1</script>";
const NAME_AR: &str = "<img src=x onerror=\"window.__xss=2\">مجموعة";
// (direction controls are refused at the form, see the API tests)
const NAME_HE: &str = "<b onclick=\"window.__xss=3\">קבוצה</b>";
const DESC_EN: &str =
    "\"><svg onload=window.__xss=4> xssprobe &lt;b&gt;not bold&lt;/b&gt; {{7*7}} ${7*7}";
const DESC_AR: &str = "<iframe srcdoc=\"<script>parent.__xss=5</script>\"></iframe>";
const CITY: &str = "'><img src=x onerror=window.__xss=6>";
const TAG: &str = "<b onmouseover=window.__xss=7>";
const WEBSITE: &str = "https://xss.example.org/\"><script>window.__xss=8</script>?q=<img src=x onerror=window.__xss=9>";
const LINK: &str = "https://links.example.org/'onmouseover='window.__xss=10";
const EMAIL: &str = "xss-contact@private.example";
/// The edit a group proposes later, for the diff.
const DESC_EN_EDIT: &str = "<a href=\"javascript:window.__xss=11\">click me</a> xssprobe";

fn entry(description_en: &str) -> Value {
    json!({
        "name": {"en": NAME_EN, "ar": NAME_AR, "he": NAME_HE},
        "description": {"en": description_en, "ar": DESC_AR},
        "category": "media",
        "city": CITY,
        "country": "PS",
        "location": {"lat": 31.9038, "lon": 35.2034},
        "precision": "city",
        "website": WEBSITE,
        "links": [LINK],
        "languages": ["en", "ar"],
        "tags": ["xssprobe", TAG],
        "contact_email": EMAIL,
        "consent": true,
        "started_at": 0
    })
}

/// What the page holds: the text of the body, the values of its fields,
/// any element or attribute a payload could have made, and the flag a
/// payload would set.
const INSPECT: &str = r#"
const bad = [];
for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
        if (a.name.startsWith('on')) bad.push(e.tagName + ' ' + a.name + '=' + a.value);
        if (/^\s*javascript:/i.test(a.value)) bad.push(e.tagName + ' ' + a.name + '=' + a.value);
    }
}
for (const e of document.querySelectorAll('body script, iframe, object, embed, svg[onload], img[src="x"]')) {
    bad.push('element ' + e.outerHTML.slice(0, 120));
}
return {
    xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),
    text: document.body.textContent,
    values: [...document.querySelectorAll('input, textarea')].map(e => e.value),
    bad: bad,
    csp: window.__csp || [],
};
"#;

/// The names the markers carry, as their title attributes.
const MARKER_TITLES: &str =
    "return [...document.querySelectorAll('.leaflet-marker-pane [title]')].map(e => e.title)";

struct Page {
    text: String,
    values: Vec<String>,
}

/// Checks the page for anything a payload made; returns its text and the
/// values of its fields for the literal checks.
async fn inspect(browser: &Browser, what: &str) -> Page {
    let v = js(browser, INSPECT).await;
    assert_eq!(v["xss"], Value::Null, "{what}: a payload ran");
    assert_eq!(v["bad"], json!([]), "{what}: markup from a payload");
    assert_eq!(
        v["csp"],
        json!([]),
        "{what}: Content-Security-Policy violations"
    );
    assert_eq!(
        browser.page_errors().await.unwrap(),
        Vec::<String>::new(),
        "{what}"
    );
    assert_eq!(browser.alerts().await.unwrap(), 0, "{what}");
    Page {
        text: v["text"].as_str().unwrap().to_owned(),
        values: serde_json::from_value(v["values"].clone()).unwrap(),
    }
}

fn assert_shows(what: &str, page: &Page, texts: &[&str]) {
    for t in texts {
        assert!(
            page.text.contains(t),
            "{what}: {t:?} is not shown literally in {:?}",
            page.text
        );
    }
}

#[test]
fn submitted_markup_is_shown_as_text_everywhere() {
    Setup::moderated(1280, 900).run(async |server, browser| {
        browser.watch_csp().await.unwrap();

        // the join page (with its location map) runs under the policy too
        visit(browser, server, "/join", "#name-en").await;
        browser.wait_for(".leaflet-container").await.unwrap();
        inspect(browser, "join page").await;

        let created = submit_entry(server, &entry(DESC_EN)).await;
        let token = created["edit_token"].as_str().unwrap().to_owned();
        // the address as the server keeps it (quotes and brackets escaped)
        let own: Value = server
            .get_json(&format!("/api/edit/{token}"))
            .await
            .unwrap();
        let website = own["current"]["website"].as_str().unwrap().to_owned();
        let link = own["current"]["links"][0].as_str().unwrap().to_owned();
        assert!(website.starts_with("https://xss.example.org/"), "{website}");

        // the moderation queue: a submission
        sign_in(browser, server).await;
        let queue = inspect(browser, "moderation queue").await;
        assert_shows(
            "moderation queue",
            &queue,
            &[NAME_EN, NAME_AR, NAME_HE, DESC_EN, DESC_AR],
        );
        browser.screenshot("xss-moderation").await.unwrap();
        browser.approve_first().await.unwrap();
        inspect(browser, "moderation queue after approval").await;

        // the list and the map card
        browser.open(server, "/?q=xssprobe").await.unwrap();
        browser.wait_count(".org-item", 1).await.unwrap();
        let list = inspect(browser, "list").await;
        assert_shows("list", &list, &[NAME_EN]);
        assert!(!list.text.contains(EMAIL), "the list shows the contact");
        // the marker's name (a title attribute) is the text too
        browser
            .wait_until("the marker to carry the name", || async {
                let titles = browser.eval(MARKER_TITLES).await?;
                Ok(titles
                    .as_array()
                    .is_some_and(|a| a.iter().any(|t| t.as_str() == Some(NAME_EN))))
            })
            .await
            .unwrap();
        browser.click(".org-item").await.unwrap();
        browser.wait_for(".card .description").await.unwrap();
        let card = inspect(browser, "map card").await;
        assert_shows("map card", &card, &[NAME_EN, DESC_EN, CITY, TAG, &website]);
        assert!(!card.text.contains(EMAIL), "the card shows the contact");
        let href = browser
            .wait_for(".card a.website")
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap();
        assert_eq!(href.as_deref(), Some(website.as_str()));
        assert_eq!(
            browser.text(".card #card-title").await.unwrap(),
            NAME_EN,
            "the card's title"
        );
        browser.screenshot("xss-card").await.unwrap();

        // the group's own page: every payload back in its field, unchanged
        visit(browser, server, &format!("/edit/{token}"), "#name-en").await;
        browser
            .wait_until("the edit form to be filled in", || async {
                Ok(browser
                    .client
                    .find(Locator::Css("#name-en"))
                    .await?
                    .prop("value")
                    .await?
                    .is_some_and(|v| !v.is_empty()))
            })
            .await
            .unwrap();
        let edit = inspect(browser, "edit page").await;
        for want in [
            NAME_EN, NAME_AR, NAME_HE, DESC_EN, DESC_AR, CITY, &website, &link, EMAIL,
        ] {
            assert!(
                edit.values.iter().any(|v| v.contains(want)),
                "edit page: no field holds {want:?}: {:?}",
                edit.values
            );
        }
        assert!(
            edit.values.iter().any(|v| v.contains(TAG)),
            "edit page: the tag {:?}",
            edit.values
        );

        // an edit waits for a moderator, shown as a diff
        let r = reqwest::Client::new()
            .put(format!("{}/api/edit/{token}", server.base))
            .json(&entry(DESC_EN_EDIT))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        sign_in(browser, server).await;
        browser.wait_for("table.diff").await.unwrap();
        let diff = inspect(browser, "moderation diff").await;
        assert_shows("moderation diff", &diff, &[NAME_EN, DESC_EN, DESC_EN_EDIT]);
        // the diff shows each translation as typed, marked with its language
        let english = js(
            browser,
            "return [...document.querySelectorAll('table.diff .translation[lang=en]')]
                .map(t => [t.querySelector('.lang-tag').textContent, t.lastChild.textContent])",
        )
        .await;
        for want in [DESC_EN, DESC_EN_EDIT] {
            assert!(
                english
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t[0] == "en" && t[1] == want),
                "{want} in {english}"
            );
        }
        browser.screenshot("xss-diff").await.unwrap();
    });
}
