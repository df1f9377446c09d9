//! Rate limits on the public forms and on sign-in, held in memory by each
//! instance (addresses are never stored).
//!
//! Two kinds: per client address ([`ClientKey`]: the visitor behind a
//! trusted proxy, IPv6 by its /64) on joining, edit links, the relay and
//! sign-in; and per key a request names ([`PerKey`]): per user name on
//! sign-in, so that guessing one moderator's password from many addresses
//! is as slow as from one, and per e-mail address and per group on the
//! relay and the recovery of edit links. The user-name limit holds for
//! any name, known or not, so its answer tells nobody which names exist.
//!
//! Every key gets a bucket, and strangers choose the keys (addresses,
//! names), so buckets that are full again, indistinguishable from new
//! ones, are dropped every [`PRUNE_EVERY`]: the memory held is what the
//! last few minutes' visitors need, whatever came before.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock, QuantaInstant};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::{DefaultKeyedStateStore, ShrinkableKeyedStateStore};
use governor::{Quota, RateLimiter};
use solidarity_map_core::ErrorBody;
use solidarity_map_core::moderation::LoginRequest;
use tower_governor::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;

use super::ApiError;
use super::client_ip::{ClientKey, TrustedProxies};

/// How often idle buckets are dropped.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The longest user name kept as a key (user names are at most 64
/// characters; longer ones share a bucket with their first 64).
const MAX_NAME_CHARS: usize = 64;

/// The per-address limit as a layer.
pub type PerAddress = tower_governor::GovernorLayer<ClientKey, NoOpMiddleware<QuantaInstant>, Body>;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// A keyed limiter whose idle buckets can be dropped.
trait Prune: Send + Sync {
    fn prune(&self);
}

impl<K, C> Prune for RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<C::Instant>>
where
    K: Hash + Eq + Clone + Send + Sync,
    C: Clock + Send + Sync,
    DefaultKeyedStateStore<K>: ShrinkableKeyedStateStore<K>,
{
    fn prune(&self) {
        self.retain_recent();
        self.shrink_to_fit();
    }
}

/// The limits of one application, scaled by `--rate-limit-factor`.
pub struct RateLimits {
    factor: u32,
    key: ClientKey,
    limiters: Vec<Weak<dyn Prune>>,
}

impl RateLimits {
    pub fn new(factor: u32, proxies: TrustedProxies) -> Self {
        Self {
            factor: factor.max(1),
            key: ClientKey(proxies),
            limiters: Vec::new(),
        }
    }

    /// A burst of `burst` requests, then one more every `every_secs`
    /// seconds, both scaled by the factor.
    fn quota(&self, every_secs: u64, burst: u32) -> (Duration, u32) {
        let period = Duration::from_millis((every_secs * 1000 / u64::from(self.factor)).max(1));
        (period, burst.saturating_mul(self.factor).max(1))
    }

    /// A limit per client address.
    pub fn per_address(&mut self, every_secs: u64, burst: u32) -> PerAddress {
        let (period, burst) = self.quota(every_secs, burst);
        let config = GovernorConfigBuilder::default()
            .period(period)
            .burst_size(burst)
            .key_extractor(self.key.clone())
            .finish()
            .expect("a period and a burst above zero");
        let limiter: Arc<dyn Prune> = config.limiter().clone();
        self.limiters.push(Arc::downgrade(&limiter));
        tower_governor::GovernorLayer::new(config).error_handler(|e| match e {
            GovernorError::TooManyRequests { .. } => too_many_requests(),
            other => ApiError::Internal(anyhow::anyhow!("rate limiter: {other}")).into_response(),
        })
    }

    /// A limit per user name on sign-in, as a middleware for the sign-in
    /// route ([`per_user_name`]).
    pub fn per_user_name(&mut self, every_secs: u64, burst: u32) -> UserNames {
        UserNames(self.per_key(every_secs, burst).0)
    }

    /// A limit per key a handler names ([`PerKey::check`]).
    pub fn per_key(&mut self, every_secs: u64, burst: u32) -> PerKey {
        let (period, burst) = self.quota(every_secs, burst);
        let quota = Quota::with_period(period)
            .expect("a period above zero")
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        let limiter = Arc::new(RateLimiter::keyed(quota));
        let pruned: Arc<dyn Prune> = limiter.clone();
        self.limiters.push(Arc::downgrade(&pruned));
        PerKey(limiter)
    }

    /// Drops idle buckets every `every` for as long as the limiters are
    /// in use. Without a Tokio runtime (nothing to serve with) it does
    /// nothing.
    pub fn prune_every(self, every: Duration) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let live: Vec<Arc<dyn Prune>> =
                    self.limiters.iter().filter_map(Weak::upgrade).collect();
                if live.is_empty() {
                    break;
                }
                for limiter in live {
                    limiter.prune();
                }
            }
        });
    }
}

/// A limiter keyed by what a request names: an address, a group.
#[derive(Clone)]
pub struct PerKey(Arc<Keyed<String>>);

impl PerKey {
    /// Counts a request for `key`: refused once the key had its share.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        self.0
            .check_key(&key.to_owned())
            .map_err(|_| ApiError::RateLimited)
    }
}

/// The sign-in limiter keyed by user name.
#[derive(Clone)]
pub struct UserNames(Arc<Keyed<String>>);

/// The key of a user name: trimmed, in lower case, at most
/// [`MAX_NAME_CHARS`] characters (so `Alice` and ` alice` share one).
fn name_key(name: &str) -> String {
    name.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .take(MAX_NAME_CHARS)
        .collect()
}

/// Middleware for the sign-in route: refuses with 429 once a user name has
/// had its attempts, from whatever address. A body that is not a sign-in
/// goes on to the handler, which says what is wrong with it.
pub async fn per_user_name(State(names): State<UserNames>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    // read under the body limit of the whole app, as the handler would
    let bytes = match axum::body::Bytes::from_request(Request::new(body), &()).await {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::TooLarge.into_response();
        }
        Err(e) => return ApiError::field("body", e.body_text()).into_response(),
    };
    if let Ok(login) = serde_json::from_slice::<LoginRequest>(&bytes)
        && names.0.check_key(&name_key(&login.username)).is_err()
    {
        tracing::info!("sign-in refused: too many attempts for one user name");
        return too_many_requests();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The one answer of every limit: it does not say which limit it was.
pub(super) fn too_many_requests() -> Response {
    metrics::counter!("rate_limited_total").increment(1);
    (
        StatusCode::TOO_MANY_REQUESTS,
        Json(ErrorBody {
            error: "rate_limited".into(),
            message: "too many attempts; please wait a little and try again".into(),
            fields: Vec::new(),
        }),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::IpAddr;

    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn idle_buckets_are_dropped_and_busy_ones_kept() {
        let clock = FakeRelativeClock::default();
        let quota = Quota::with_period(Duration::from_secs(4))
            .unwrap()
            .allow_burst(NonZeroU32::new(5).unwrap());
        let limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, _, _> =
            RateLimiter::dashmap_with_clock(quota, clock.clone());
        for i in 0..10_000u32 {
            limiter.check_key(&IpAddr::from(i.to_be_bytes())).unwrap();
        }
        assert_eq!(limiter.len(), 10_000);
        // one client used its whole burst
        let busy = IpAddr::from([203, 0, 113, 5]);
        for _ in 0..5 {
            limiter.check_key(&busy).unwrap();
        }
        assert!(limiter.check_key(&busy).is_err());
        // a single request's cell comes back after 4 s (kept a period more)
        clock.advance(Duration::from_secs(7));
        limiter.prune();
        assert_eq!(limiter.len(), 10_001, "nothing is idle yet");
        clock.advance(Duration::from_secs(2));
        limiter.prune();
        assert_eq!(limiter.len(), 1, "only the busy client is left");
    }

    #[test]
    fn user_names_are_keyed_as_typed_loosely() {
        assert_eq!(name_key("  Alice "), "alice");
        assert_eq!(name_key(&"X".repeat(1000)), "x".repeat(64));
    }
}
