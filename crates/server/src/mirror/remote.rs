//! Reading another map: its change feed a page at a time, and the whole
//! map once (its GeoJSON export) when the feed cannot take a mirror from
//! where it is. Each answer is sorted into what a mirror does next: go
//! on, wait and try again (the map is away or asks for a pause), start
//! over with a full read (the feed no longer reaches the cursor), or stop
//! (an answer that is not what a Solidarity Map feed says).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde::de::DeserializeOwned;
use solidarity_map_core::changes::ChangePage;
use solidarity_map_core::{FeatureCollection, PublicOrganization, PublicUrl};

/// The largest page asked for.
pub const PAGE: u32 = 500;

/// The most a page of the feed may weigh: 500 entries are well under a
/// megabyte; a map that sends more is not answering as a feed does.
const PAGE_BYTES: usize = 32 << 20;

/// The most the whole map may weigh, read at once (a million entries are
/// about 600 MB as GeoJSON), and how long reading it may take.
const MAP_BYTES: usize = 1 << 30;
const MAP_TIME: Duration = Duration::from_secs(30 * 60);

/// Why a read failed, and so what the mirror does.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Unreachable, slow, or busy (5xx, 429): tried again later, after at
    /// least `retry_after` when the map said so.
    #[error("{url}: {why}")]
    Away {
        url: String,
        why: String,
        retry_after: Option<Duration>,
    },
    /// The feed no longer reaches the cursor (`410 cursor_expired`): the
    /// mirror reads the whole map again.
    #[error("{url}: the feed no longer reaches this mirror's place")]
    Expired { url: String },
    /// An answer a mirror cannot use: it stops, and says this.
    #[error("{url}: {why}")]
    Bad { url: String, why: String },
}

/// Another map's public API.
#[derive(Debug, Clone)]
pub struct Remote {
    client: reqwest::Client,
    base: PublicUrl,
}

impl Remote {
    /// A reader of the map at `base`.
    pub fn new(base: PublicUrl, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!(
                "solidarity-map/",
                env!("CARGO_PKG_VERSION"),
                " (mirror)"
            ))
            .build()?;
        Ok(Self { client, base })
    }

    pub fn base(&self) -> &PublicUrl {
        &self.base
    }

    /// The page of the feed after `cursor`, or the feed's present end when
    /// `cursor` is `None` (`since=now`: nothing, and the cursor to follow
    /// from after a full read).
    pub async fn changes(&self, cursor: Option<&str>) -> Result<ChangePage, RemoteError> {
        let since = cursor.unwrap_or("now");
        let url = format!(
            "{}?since={}&limit={PAGE}",
            self.base.join("/api/changes"),
            url::form_urlencoded::byte_serialize(since.as_bytes()).collect::<String>()
        );
        let page: ChangePage = self.get(&url, PAGE_BYTES, None).await?;
        if page.next.is_empty() || page.next.len() > 200 {
            return Err(RemoteError::Bad {
                url,
                why: "the feed's answer has no usable `next` cursor".to_owned(),
            });
        }
        Ok(page)
    }

    /// Every public entry of the map.
    pub async fn everything(&self) -> Result<FeatureCollection<PublicOrganization>, RemoteError> {
        let url = self.base.join("/api/export.geojson");
        self.get(&url, MAP_BYTES, Some(MAP_TIME)).await
    }

    /// Reads `url` as JSON of `T`: at most `max` bytes, within `time`
    /// (the client's timeout when `None`).
    async fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        max: usize,
        time: Option<Duration>,
    ) -> Result<T, RemoteError> {
        let away = |why: String, retry_after| RemoteError::Away {
            url: url.to_owned(),
            why,
            retry_after,
        };
        let bad = |why: String| RemoteError::Bad {
            url: url.to_owned(),
            why,
        };
        let mut request = self.client.get(url);
        if let Some(time) = time {
            request = request.timeout(time);
        }
        let mut answer = request
            .send()
            .await
            .map_err(|e| away(format!("cannot be reached ({e})"), None))?;
        let status = answer.status();
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let retry_after = answer
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(away(format!("answered {status}"), retry_after));
        }
        if status == StatusCode::GONE {
            return Err(RemoteError::Expired {
                url: url.to_owned(),
            });
        }
        if !status.is_success() {
            return Err(bad(format!(
                "answered {status}: is this the address of a Solidarity Map?"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer
            .chunk()
            .await
            .map_err(|e| away(format!("stopped answering ({e})"), None))?
        {
            if body.len() + chunk.len() > max {
                return Err(bad(format!(
                    "its answer is larger than {} MB: not a feed this map reads",
                    max >> 20
                )));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| {
            bad(format!(
                "its answer is not a Solidarity Map feed ({e}); nothing of it was applied"
            ))
        })
    }
}
