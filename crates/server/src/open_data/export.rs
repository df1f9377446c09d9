//! The export: every published organisation, public fields only, as a
//! stream of chunks.
//!
//! A million organisations are several hundred megabytes of GeoJSON, so the
//! body is never built whole: it is read from the store in keyset pages
//! along the id ([`Store::published_after`]) and each page is written out
//! as soon as it is read. The HTTP download and `solidarity-map export`
//! both consume this one stream, so they give the same bytes.
//!
//! Each organisation is exactly what the public API shows: its
//! [`Organization::to_feature`] (coordinates rounded to the group's
//! precision, no contact address). The CSV has the same fields flattened:
//! one column per translation of the name and description, lists joined
//! with [`LIST_SEPARATOR`].

use std::sync::Arc;

use futures_util::Stream;
use serde_json::json;
use solidarity_map_core::{LangCode, OrgId, Organization, PublicUrl};

use super::{Format, LIST_SEPARATOR, Licence, csv_cell};
use crate::store::{Store, StoreError};

/// Organisations read per page.
pub const PAGE_SIZE: u32 = 1000;

/// The CSV columns after the translations, in order.
pub const CSV_TAIL_COLUMNS: [&str; 14] = [
    "category",
    "city",
    "country",
    "precision",
    "lon",
    "lat",
    "website",
    "links",
    "languages",
    "tags",
    "updated_at",
    // an entry mirrored from another map: that map's name, address and
    // licence, which its reuse must credit (empty for this map's own)
    "source",
    "source_url",
    "source_license",
];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the GeoJSON failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole export as a stream of chunks: a header, one chunk per page,
/// and the end of the document.
/// With the site's public address (`--public-url`), the GeoJSON links to
/// itself and to the map absolutely.
pub fn stream(
    store: Arc<dyn Store>,
    format: Format,
    licence: Licence,
    public: Option<PublicUrl>,
) -> impl Stream<Item = Result<Vec<u8>, ExportError>> + Send + 'static {
    let exporter = Exporter {
        store,
        format,
        licence,
        public,
        step: Step::Start,
        csv_languages: Vec::new(),
    };
    futures_util::stream::try_unfold(exporter, |mut e| async move {
        Ok(e.next_chunk().await?.map(|chunk| (chunk, e)))
    })
}

/// Writes the whole export to `out`, as [`stream`] gives it.
pub async fn write_to(
    store: Arc<dyn Store>,
    format: Format,
    licence: Licence,
    public: Option<PublicUrl>,
    out: &mut (dyn std::io::Write + Send),
) -> Result<(), ExportError> {
    use futures_util::TryStreamExt;
    let chunks = stream(store, format, licence, public);
    futures_util::pin_mut!(chunks);
    while let Some(chunk) = chunks.try_next().await? {
        out.write_all(&chunk)?;
    }
    out.flush()?;
    Ok(())
}

enum Step {
    Start,
    /// The next page starts after this id (`None`: the first page).
    Page {
        after: Option<OrgId>,
        first: bool,
    },
    Done,
}

struct Exporter {
    store: Arc<dyn Store>,
    format: Format,
    licence: Licence,
    public: Option<PublicUrl>,
    step: Step,
    /// The CSV's translation columns, once the header is out.
    csv_languages: Vec<LangCode>,
}

impl Exporter {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ExportError> {
        match self.step {
            Step::Start => {
                self.step = Step::Page {
                    after: None,
                    first: true,
                };
                match self.format {
                    Format::GeoJson => Ok(Some(self.geojson_head()?)),
                    Format::Csv => {
                        let languages = self.store.published_text_languages().await?;
                        let head = csv_chunk([csv_header(&languages)])?;
                        self.csv_languages = languages;
                        Ok(Some(head))
                    }
                }
            }
            Step::Page { after, first } => {
                let page = self.store.published_after(after, PAGE_SIZE).await?;
                let Some(last) = page.last().map(|o| o.id) else {
                    self.step = Step::Done;
                    return Ok(match self.format {
                        Format::GeoJson => Some(b"\n]}\n".to_vec()),
                        Format::Csv => None,
                    });
                };
                self.step = Step::Page {
                    after: Some(last),
                    first: false,
                };
                match self.format {
                    Format::GeoJson => Ok(Some(geojson_page(&page, first)?)),
                    Format::Csv => Ok(Some(csv_chunk(
                        page.iter().map(|o| csv_row(o, &self.csv_languages)),
                    )?)),
                }
            }
            Step::Done => Ok(None),
        }
    }

    /// `{"type":"FeatureCollection", …foreign members…, "features":[`. The
    /// licence is a foreign member (RFC 7946 §6.1) and a `license` link.
    fn geojson_head(&self) -> Result<Vec<u8>, ExportError> {
        // written by hand so that "type" comes first, as people expect
        let mut links = vec![json!({
            "rel": "license",
            "href": self.licence.url.as_str(),
            "type": "text/html",
        })];
        if let Some(public) = &self.public {
            links.push(json!({
                "rel": "self",
                "href": public.join("/api/export.geojson"),
                "type": "application/geo+json",
            }));
            links.push(json!({
                "rel": "alternate",
                "href": public.join("/"),
                "type": "text/html",
            }));
        }
        let link = serde_json::Value::Array(links);
        let text = format!(
            "{{\"type\":\"FeatureCollection\",\"name\":\"organizations\",\"license\":{},\"links\":{},\"features\":[",
            serde_json::to_string(&self.licence.name)?,
            link,
        );
        Ok(text.into_bytes())
    }
}

/// One page of features, one per line, comma-separated across pages.
fn geojson_page(page: &[Organization], first: bool) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::with_capacity(page.len() * 600);
    for (i, org) in page.iter().enumerate() {
        out.extend_from_slice(if first && i == 0 { b"\n" } else { b",\n" });
        serde_json::to_writer(&mut out, &org.to_feature())?;
    }
    Ok(out)
}

/// CSV rows as bytes (quoted where needed, `\n` after each).
fn csv_chunk(rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| ExportError::Io(e.into_error()))
}

/// `id`, `name.LANG`…, `description.LANG`…, then [`CSV_TAIL_COLUMNS`].
pub fn csv_header(languages: &[LangCode]) -> Vec<String> {
    let mut h = vec!["id".to_owned()];
    h.extend(languages.iter().map(|l| format!("name.{l}")));
    h.extend(languages.iter().map(|l| format!("description.{l}")));
    h.extend(CSV_TAIL_COLUMNS.iter().map(|c| (*c).to_owned()));
    h
}

/// The public view of one organisation as a CSV row under [`csv_header`].
/// Text cells that a spreadsheet would run as a formula are quoted
/// ([`csv_cell::escape`]); the coordinates are numbers and are not.
fn csv_row(org: &Organization, languages: &[LangCode]) -> Vec<String> {
    let public = org.public_view();
    let point = org.public_location();
    let text = |t: &str| csv_cell::escape(t).into_owned();
    let join = |items: Vec<&str>| text(&items.join(&LIST_SEPARATOR.to_string()));
    let mut row = vec![public.id.to_string()];
    for localized in [public.name.text(), public.description.text()] {
        row.extend(
            languages
                .iter()
                .map(|l| text(localized.get(l.as_str()).unwrap_or_default())),
        );
    }
    row.extend([
        text(public.category.as_str()),
        text(public.city.as_str()),
        text(public.country.as_str()),
        text(public.precision.as_str()),
        point.lon().to_string(),
        point.lat().to_string(),
        public
            .website
            .as_ref()
            .map(|w| text(w.as_str()))
            .unwrap_or_default(),
        join(public.links.iter().map(|l| l.as_str()).collect()),
        join(public.languages.iter().map(LangCode::as_str).collect()),
        join(public.tags.iter().map(|t| t.as_str()).collect()),
        public
            .updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    ]);
    let source = public.source.as_ref();
    row.extend([
        source.map(|s| text(&s.name)).unwrap_or_default(),
        source.map(|s| text(s.url.as_str())).unwrap_or_default(),
        source.map(|s| text(&s.license)).unwrap_or_default(),
    ]);
    row
}
