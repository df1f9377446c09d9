//! The typed API client: every request the app makes, with the wire types
//! from `core`, so a change on the server is a compile error here.

use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use solidarity_map_core::{
    CategoryCount, ErrorBody, Facets, Feature, FeatureCollection, OrgFilter, PublicOrganization,
    SiteConfig, Stats,
};

pub type Org = Feature<PublicOrganization>;

/// Why a request failed, in words for the visitor.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, server down, blocked.
    Network,
    /// The server answered with an error.
    Status(u16, String),
    /// The answer was not what this version of the app expects.
    Decode(String),
}

impl ApiError {
    /// What went wrong, in the interface language.
    pub fn message(&self, lang: &str) -> String {
        match self {
            ApiError::Network => crate::i18n::tr(lang, "error.network"),
            ApiError::Status(code, msg) => {
                format!("{} ({code}: {msg})", crate::i18n::tr(lang, "error.status"))
            }
            ApiError::Decode(e) => format!("{} ({e})", crate::i18n::tr(lang, "error.decode")),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Network => f.write_str("The map's server cannot be reached."),
            ApiError::Status(code, msg) => write!(f, "The server answered {code}: {msg}"),
            ApiError::Decode(e) => write!(f, "Unexpected answer from the server: {e}"),
        }
    }
}

async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    let res = Request::get(url)
        .header("accept", "application/json, application/geo+json")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !res.ok() {
        let msg = res
            .json::<ErrorBody>()
            .await
            .map(|b| b.message)
            .unwrap_or_else(|_| res.status_text());
        return Err(ApiError::Status(res.status(), msg));
    }
    res.json::<T>()
        .await
        .map_err(|e| ApiError::Decode(e.to_string()))
}

pub async fn config() -> Result<SiteConfig, ApiError> {
    get_json("/api/config").await
}

pub async fn categories() -> Result<Vec<CategoryCount>, ApiError> {
    get_json("/api/categories").await
}

/// Published counts per category, country and language, each under the
/// other conditions of `filter` (all of them without one).
pub async fn facets(filter: &OrgFilter) -> Result<Facets, ApiError> {
    get_json(&format!("/api/facets?{}", filter.to_query())).await
}

/// Published organisations by the month they were added.
pub async fn stats() -> Result<Stats, ApiError> {
    get_json("/api/stats").await
}

/// All published organisations matching the filter, following the pages'
/// `next` links.
pub async fn organizations(filter: &OrgFilter) -> Result<Vec<Org>, ApiError> {
    let first = OrgFilter {
        limit: Some(solidarity_map_core::query::MAX_LIMIT),
        offset: 0,
        after: None,
        ..filter.clone()
    };
    let mut url = format!("/api/organizations?{}", first.to_query());
    let mut all = Vec::new();
    loop {
        let page: FeatureCollection<PublicOrganization> = get_json(&url).await?;
        all.extend(page.features);
        // the server's own link, on this site whatever its public address
        let next = page.links.iter().find(|l| l.rel == "next").and_then(|l| {
            l.href
                .find("/api/organizations?")
                .map(|at| l.href[at..].to_owned())
        });
        match next {
            Some(next) => url = next,
            None => return Ok(all),
        }
    }
}

/// One page of published organisations matching the filter (its `limit`),
/// with how many match in all.
pub async fn organizations_page(filter: &OrgFilter) -> Result<(Vec<Org>, u64), ApiError> {
    let page: FeatureCollection<PublicOrganization> =
        get_json(&format!("/api/organizations?{}", filter.to_query())).await?;
    let returned = page.features.len() as u64;
    Ok((page.features, page.number_matched.unwrap_or(returned)))
}

/// One published organisation.
pub async fn organization(id: &str) -> Result<Org, ApiError> {
    let id: String = js_sys::encode_uri_component(id).into();
    get_json(&format!("/api/organizations/{id}")).await
}

/// What the map draws at scale: clusters and single organisations.
pub async fn clusters(
    query: &solidarity_map_core::cluster::ClusterQuery,
) -> Result<Vec<Feature<solidarity_map_core::cluster::ClusterProperties>>, ApiError> {
    let fc: FeatureCollection<solidarity_map_core::cluster::ClusterProperties> =
        get_json(&format!("/api/clusters?{}", query.to_query())).await?;
    Ok(fc.features)
}

/// The city nearest to a point (within 30 km), if any.
pub async fn nearest_place(
    lat: f64,
    lon: f64,
) -> Result<Option<solidarity_map_core::Place>, ApiError> {
    get_json(&format!("/api/places/nearest?lat={lat}&lon={lon}")).await
}

/// The city names to write on the map in the view `bbox`
/// (`minLon,minLat,maxLon,maxLat`) at `zoom`, in `lang`.
pub async fn place_labels(
    bbox: &str,
    zoom: u8,
    lang: &str,
) -> Result<Vec<solidarity_map_core::PlaceLabel>, ApiError> {
    let bbox: String = js_sys::encode_uri_component(bbox).into();
    let lang: String = js_sys::encode_uri_component(lang).into();
    get_json(&format!(
        "/api/places/labels?bbox={bbox}&zoom={zoom}&lang={lang}"
    ))
    .await
}

/// An answer with its status, for the forms that act on each.
pub struct Answer<T> {
    pub status: u16,
    pub ok: Option<T>,
    pub error: Option<ErrorBody>,
}

async fn answer<T: DeserializeOwned>(
    res: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<Answer<T>, ApiError> {
    let res = res.map_err(|_| ApiError::Network)?;
    let status = res.status();
    if status == 204 {
        return Ok(Answer {
            status,
            ok: None,
            error: None,
        });
    }
    if res.ok() {
        let v = res
            .json::<T>()
            .await
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        Ok(Answer {
            status,
            ok: Some(v),
            error: None,
        })
    } else {
        let error = res.json::<ErrorBody>().await.ok();
        Ok(Answer {
            status,
            ok: None,
            error,
        })
    }
}

/// Sends JSON with a method, and the moderator's CSRF token when given.
pub async fn send<B: serde::Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&B>,
    csrf: Option<&str>,
) -> Result<Answer<T>, ApiError> {
    let builder = match method {
        "POST" => gloo_net::http::Request::post(url),
        "PUT" => gloo_net::http::Request::put(url),
        "DELETE" => gloo_net::http::Request::delete(url),
        _ => gloo_net::http::Request::get(url),
    };
    let builder = match csrf {
        Some(t) => builder.header("x-csrf-token", t),
        None => builder,
    };
    let res = match body {
        Some(b) => match builder.json(b) {
            Ok(req) => req.send().await,
            Err(e) => return Err(ApiError::Decode(e.to_string())),
        },
        None => builder.send().await,
    };
    answer(res).await
}

pub async fn places(q: &str) -> Result<Vec<solidarity_map_core::Place>, ApiError> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    get_json(&format!("/api/places?{}", s.finish())).await
}
