//! Which visitor a request comes from, for the rate limits.
//!
//! Behind a reverse proxy every connection comes from the proxy, so keying
//! the limits on the socket's peer would put every visitor in one bucket:
//! one client could then lock every group out of joining and every
//! moderator out of sign-in. A proxy says who its client was in
//! `X-Forwarded-For` (or RFC 7239 `Forwarded: for=`), but anyone can send
//! those headers, so they are read only when the peer is one of the
//! operator's trusted proxies (`--trusted-proxies`), and then from the
//! right: each trusted proxy appends the address it saw, so the right-most
//! address that is not a trusted proxy is the first one no visitor can
//! forge. Whatever a client writes to the left of it is never looked at.
//!
//! An IPv6 visitor usually has a whole /64 to choose addresses from, so
//! IPv6 addresses are counted by their /64.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use forwarded_header_value::{ForwardedStanza, Identifier};
use ipnet::IpNet;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// Which header the trusted proxies write the client's address to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx, Caddy, HAProxy,
    /// Traefik).
    #[default]
    #[value(name = "x-forwarded-for")]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1, …`.
    Forwarded,
}

impl ForwardedHeader {
    fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }

    /// The address one element of the header names, if it names one.
    fn address(self, element: &str) -> Option<IpAddr> {
        match self {
            // a bare address; some proxies add a port or brackets
            ForwardedHeader::XForwardedFor => Identifier::from_str(element).ok()?.ip(),
            ForwardedHeader::Forwarded => {
                ForwardedStanza::from_str(element).ok()?.forwarded_for_ip()
            }
        }
    }
}

/// The reverse proxies whose forwarding header is believed
/// (`--trusted-proxies`); none by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Arc<[IpNet]>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// Parses a list of networks (`10.0.0.0/8`) and addresses (`::1`),
    /// separated by commas or spaces.
    pub fn new(list: &str, header: ForwardedHeader) -> Result<Self, String> {
        let nets = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| {
                        format!(
                            "trusted proxies: {s:?} is not an address or a network such as \
                             10.0.0.0/8 or fd00::/8"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            nets: nets.into(),
            header,
        })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted
    /// proxy; then the right-most address of the forwarding header that is
    /// not a trusted proxy. Where the header ends, or has an element that
    /// names no address, before an untrusted one, the last trusted hop
    /// read is the client.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        // several header lines are one list, in order
        let elements = headers
            .get_all(self.header.name())
            .iter()
            .rev()
            .flat_map(|v| match v.to_str() {
                Ok(s) => s.rsplit(',').map(Some).collect::<Vec<_>>(),
                Err(_) => vec![None],
            });
        for element in elements {
            let Some(element) = element.map(str::trim) else {
                break;
            };
            if element.is_empty() {
                continue;
            }
            let Some(ip) = self.header.address(element) else {
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// The rate limits' bucket of an address: IPv4 addresses alone, IPv6 ones
/// by their /64.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// The rate limiters' key: the bucket of the request's client.
#[derive(Debug, Clone, Default)]
pub struct ClientKey(pub TrustedProxies);

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(bucket(self.0.client(peer, req.headers())))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(name: &str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn lists_of_networks_parse() {
        let t = TrustedProxies::new("10.0.0.0/8, 192.168.1.7 fd00::/8,::1", Default::default())
            .unwrap();
        for yes in [
            "10.1.2.3",
            "192.168.1.7",
            "fd12::1",
            "::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(t.trusts(ip(yes).to_canonical()), "{yes}");
        }
        for no in ["11.0.0.1", "192.168.1.8", "fe80::1"] {
            assert!(!t.trusts(ip(no)), "{no}");
        }
        assert!(TrustedProxies::new("10.0.0.0/33", Default::default()).is_err());
        assert!(TrustedProxies::new("proxy.example", Default::default()).is_err());
        assert!(
            TrustedProxies::new("", Default::default())
                .unwrap()
                .nets
                .is_empty()
        );
    }

    /// `(peer, header name, header lines, the client it must come to)`.
    type Case<'a> = (&'a str, &'a str, &'a [&'a str], &'a str);

    fn check(t: &TrustedProxies, cases: &[Case]) {
        for &(peer, name, lines, want) in cases {
            let got = t.client(ip(peer), &headers(name, lines));
            assert_eq!(got, ip(want), "peer {peer}, {name}: {lines:?}");
        }
    }

    #[test]
    fn the_header_is_read_only_from_a_trusted_peer_and_from_the_right() {
        let t = TrustedProxies::new("127.0.0.1, 10.0.0.0/8", Default::default()).unwrap();
        let xff = "x-forwarded-for";
        check(
            &t,
            &[
                // an untrusted peer: its own address, whatever it says
                ("198.51.100.1", xff, &["203.0.113.5"], "198.51.100.1"),
                // a trusted proxy: the address it appended
                ("127.0.0.1", xff, &["203.0.113.5"], "203.0.113.5"),
                // what the client wrote to the left is not read
                ("127.0.0.1", xff, &["1.1.1.1, 203.0.113.5"], "203.0.113.5"),
                ("127.0.0.1", xff, &["garbage, 203.0.113.5"], "203.0.113.5"),
                // a chain of trusted proxies, over several header lines
                (
                    "127.0.0.1",
                    xff,
                    &["1.1.1.1, 203.0.113.5", "10.0.0.2"],
                    "203.0.113.5",
                ),
                // no header, or nothing usable at its right end: the proxy
                ("127.0.0.1", xff, &[], "127.0.0.1"),
                ("127.0.0.1", xff, &["203.0.113.5, unknown"], "127.0.0.1"),
                (
                    "127.0.0.1",
                    xff,
                    &["203.0.113.5, 10.0.0.9, nonsense"],
                    "127.0.0.1",
                ),
                // only trusted hops: the left-most
                ("127.0.0.1", xff, &["10.0.0.7, 10.0.0.2"], "10.0.0.7"),
                // ports and brackets
                ("127.0.0.1", xff, &["[2001:db8::1]:443"], "2001:db8::1"),
                // an IPv4 peer on a dual-stack socket
                ("::ffff:127.0.0.1", xff, &["203.0.113.5"], "203.0.113.5"),
                // the other header is not read
                ("127.0.0.1", "forwarded", &["for=203.0.113.5"], "127.0.0.1"),
            ],
        );
    }

    #[test]
    fn the_forwarded_header_when_chosen() {
        let t = TrustedProxies::new("127.0.0.1", ForwardedHeader::Forwarded).unwrap();
        let both = "for=1.1.1.1;proto=https, for=\"[2001:db8::5]:4711\";by=127.0.0.1";
        check(
            &t,
            &[
                ("127.0.0.1", "forwarded", &[both], "2001:db8::5"),
                (
                    "127.0.0.1",
                    "forwarded",
                    &["for=_hidden, for=203.0.113.9"],
                    "203.0.113.9",
                ),
                // the other header is not read
                (
                    "127.0.0.1",
                    "x-forwarded-for",
                    &["203.0.113.5"],
                    "127.0.0.1",
                ),
            ],
        );
    }

    #[test]
    fn ipv6_addresses_share_their_64() {
        assert_eq!(bucket(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("2001:db8:1:2::ffff")), ip("2001:db8:1:2::"));
        assert_ne!(bucket(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("203.0.113.5")), ip("203.0.113.5"));
        assert_eq!(bucket(ip("::ffff:203.0.113.5")), ip("203.0.113.5"));
    }
}
