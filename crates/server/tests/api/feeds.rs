//! The feeds people follow: `/feed.atom` parses as Atom in English,
//! Arabic and Hebrew, newest first, filtered like the map, with public
//! fields and points only; `sitemap.xml` parses as XML and names every
//! published page by its absolute address.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;

use atom_syndication::Feed;
use axum::http::{StatusCode, header};
use quick_xml::events::Event;
use solidarity_map_core::{OrgFilter, PublicUrl, SiteConfig, Status};

use crate::support::{self, EXACT, TestApp, entry};

async fn demo(public: Option<&str>) -> TestApp {
    let site = SiteConfig {
        public_url: public.map(|u| PublicUrl::parse(u).unwrap()),
        ..SiteConfig::without_tiles()
    };
    support::setup().demo().site(site).start().await
}

async fn feed(env: &TestApp, uri: &str) -> (Feed, String) {
    let r = support::get(&env.app, uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    assert_eq!(
        r.header(header::CONTENT_TYPE).unwrap(),
        "application/atom+xml; charset=utf-8"
    );
    let text = r.text();
    let parsed = text
        .parse::<Feed>()
        .unwrap_or_else(|e| panic!("{uri}: {e}\n{text}"));
    (parsed, text)
}

#[tokio::test]
async fn the_feed_is_atom_in_each_language() {
    let env = demo(Some("https://map.example.org")).await;
    // a group newly published, with its name in Arabic only
    let mut newest = entry("unused");
    newest.name = [("ar".to_owned(), "جمعية الحي".to_owned())].into();
    newest.description = [
        ("ar".to_owned(), "نلتقي كل أسبوع.".to_owned()),
        ("en".to_owned(), "We meet every week.".to_owned()),
    ]
    .into();
    let newest = env
        .store
        .insert_organization(&newest.validate().unwrap(), Status::Published)
        .await
        .unwrap();
    let pending = env
        .store
        .insert_organization(
            &entry("Not Yet Approved").validate().unwrap(),
            Status::Pending,
        )
        .await
        .unwrap();

    for (lang, title) in [
        ("en", "Solidarity Map: new groups"),
        ("ar", "خريطة التضامن: مجموعات جديدة"),
        ("he", "מפת הסולידריות: קבוצות חדשות"),
    ] {
        let uri = format!("/feed.atom?lang={lang}");
        let (f, text) = feed(&env, &uri).await;
        assert_eq!(f.title().as_str(), title);
        assert_eq!(f.lang(), Some(lang));
        assert_eq!(f.id(), format!("https://map.example.org{uri}"));
        assert_eq!(f.entries().len(), 23, "the demo's 22 and the new one");
        let first = &f.entries()[0];
        assert_eq!(first.id(), format!("urn:uuid:{}", newest.id));
        assert_eq!(first.title().as_str(), "جمعية الحي", "its only name");
        assert_eq!(first.title().lang.as_deref(), Some("ar"));
        assert_eq!(
            first.links()[0].href(),
            format!("https://map.example.org/org/{}", newest.id)
        );
        let summary = first.summary().unwrap();
        assert!(summary.value.contains("dir=\"auto\""), "{}", summary.value);
        // in the feed's language, else English
        let want = if lang == "ar" {
            "نلتقي كل أسبوع."
        } else {
            "We meet every week."
        };
        assert!(summary.value.contains(want), "{lang}: {}", summary.value);
        // each entry in the feed's language when it has one
        let ir_amim = f
            .entries()
            .iter()
            .find(|e| e.categories().iter().any(|c| c.term() == "jerusalem"))
            .unwrap();
        assert!(ir_amim.title().lang.is_some());
        assert!(
            !text.contains(&pending.id.to_string()),
            "a pending entry is in the feed"
        );
        assert!(!text.contains("Not Yet Approved"));
        assert!(!text.contains("private@example.org"));
        assert!(!text.contains(&format!("{:.4}", EXACT.0)), "an exact point");
        assert!(text.contains("georss:point"));
    }
    // newest first: by the time each was first public
    let (f, _) = feed(&env, "/feed.atom").await;
    let published: Vec<_> = f
        .entries()
        .iter()
        .map(|e| *e.published().unwrap())
        .collect();
    assert!(published.windows(2).all(|w| w[0] >= w[1]), "{published:?}");
}

#[tokio::test]
async fn the_feed_is_filtered_like_the_map() {
    let env = demo(None).await;
    let ids = |f: &Feed| -> BTreeSet<String> {
        f.entries()
            .iter()
            .map(|e| e.id().trim_start_matches("urn:uuid:").to_owned())
            .collect()
    };
    for query in [
        "category=jerusalem",
        "country=US",
        "bbox=35.1,31.7,35.3,31.85",
        "category=solidarity&country=IL",
    ] {
        let (f, _) = feed(&env, &format!("/feed.atom?{query}&lang=he")).await;
        let filter = OrgFilter::from_query(&format!("{query}&limit=1000")).unwrap();
        let want: BTreeSet<String> = env
            .store
            .published(&filter)
            .await
            .unwrap()
            .items
            .iter()
            .map(|o| o.id.to_string())
            .collect();
        assert!(!want.is_empty(), "{query}");
        assert_eq!(ids(&f), want, "{query}");
        assert!(
            f.title().as_str().contains("מסונן"),
            "{query}: says it is filtered"
        );
        // without --public-url the links are the address it was asked at
        assert!(
            f.id().starts_with("http://localhost/feed.atom?"),
            "{}",
            f.id()
        );
    }
    for bad in ["lang=fr", "category=nope", "bbox=1,2", "country=XX"] {
        let r = support::get(&env.app, &format!("/feed.atom?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Every `<loc>` of a sitemap, and the name of its root element.
fn locs(xml: &str) -> (String, Vec<String>) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut root, mut out, mut in_loc) = (String::new(), Vec::new(), false);
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if root.is_empty() {
                    root.clone_from(&name);
                }
                in_loc = name == "loc";
            }
            Event::Text(t) if in_loc => out.push(t.decode().unwrap().into_owned()),
            Event::End(_) => in_loc = false,
            Event::Eof => return (root, out),
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_sitemap_names_every_public_page() {
    let env = demo(Some("https://example.org/map/")).await;
    let hidden = env
        .store
        .insert_organization(&entry("Hidden").validate().unwrap(), Status::Pending)
        .await
        .unwrap();
    let r = support::get(&env.app, "/sitemap.xml").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("application/xml")
    );
    let (root, got) = locs(&r.text());
    assert_eq!(root, "urlset");
    let mut want = vec!["https://example.org/map/".to_owned()];
    let all = OrgFilter::from_query("limit=1000").unwrap();
    let mut pages: Vec<String> = env
        .store
        .published(&all)
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| format!("https://example.org/map/org/{}", o.id))
        .collect();
    pages.sort();
    want.extend(pages);
    assert_eq!(got, want);
    assert!(!r.text().contains(&hidden.id.to_string()));

    // the parts of a large map's sitemap hold the same pages between them
    let mut from_parts = vec![];
    for part in 0..=255u8 {
        let r = support::get(&env.app, &format!("/sitemaps/{part:02x}.xml")).await;
        assert_eq!(r.status, StatusCode::OK);
        from_parts.extend(locs(&r.text()).1);
    }
    assert_eq!(from_parts, want);
    for bad in ["/sitemaps/1.xml", "/sitemaps/zz.xml", "/sitemaps/0a.txt"] {
        assert_eq!(
            support::get(&env.app, bad).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}
