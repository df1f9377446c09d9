//! Signed one-click links in mail: "still active", "update", "we stopped".
//!
//! A link is `/fresh/{token}`, where the token carries the entry's id, what
//! the link does, until when it works and when the entry was last
//! confirmed, signed with HMAC-SHA256 under a key of the server's. Why
//! signed rather than a random token stored hashed (as edit links are):
//! the reminder repeats the first mail's links without the database
//! keeping anything per mail, and nothing needs to be deleted when a link
//! is used. A link stops working
//! - when it expires (it says when; [`LINK_DAYS`] after its mail),
//! - once it is used, or the entry changed: every use confirms the entry
//!   or takes it off the map, and an approved edit confirms it, so the
//!   confirmation time the link was signed over is no longer the entry's,
//!   or the entry is no longer published,
//! - when it is forged or altered: the signature no longer matches.
//!
//! The key (256 random bits) is made by the first server that needs one
//! and kept in the database (`link_keys`), so every instance on one
//! database signs and checks alike. Whoever reads the database can sign
//! links, but could as well change the entries directly; a backup does not
//! carry the key, so a restored copy's old links stop working.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use solidarity_map_core::OrgId;

/// How long a link in a "still active?" mail works.
pub const LINK_DAYS: i64 = 90;

/// The name of the key that signs them (`link_keys`).
pub const KEY_NAME: &str = "freshness";

/// The signature's length in the token: 128 bits.
const MAC_BYTES: usize = 16;
/// The format's version, first in the token.
const VERSION: u8 = 1;
/// version, action, id, expiry, confirmation
const PAYLOAD_BYTES: usize = 1 + 1 + 16 + 8 + 8;

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreshAction {
    /// Confirms the entry as active.
    StillActive,
    /// Opens the entry's edit page (with a new edit link).
    Update,
    /// Takes the entry off the map (after a confirmation page).
    Stopped,
}

impl FreshAction {
    pub const ALL: [FreshAction; 3] = [Self::StillActive, Self::Update, Self::Stopped];

    fn byte(self) -> u8 {
        match self {
            Self::StillActive => 1,
            Self::Update => 2,
            Self::Stopped => 3,
        }
    }

    fn of(byte: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.byte() == byte)
    }

    /// Its name in texts' keys: `active`, `update`, `stopped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StillActive => "active",
            Self::Update => "update",
            Self::Stopped => "stopped",
        }
    }
}

/// What a valid signature says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshLink {
    pub org: OrgId,
    pub action: FreshAction,
    pub expires: DateTime<Utc>,
    /// The entry's last confirmation when the link was made, to the
    /// microsecond: the link works only while it is still the entry's.
    pub confirmed_at: DateTime<Utc>,
}

/// Why a link is refused before the entry is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a token, or not signed by this map.
    Forged,
    Expired,
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

impl FreshLink {
    fn payload(&self) -> [u8; PAYLOAD_BYTES] {
        let mut p = [0u8; PAYLOAD_BYTES];
        p[0] = VERSION;
        p[1] = self.action.byte();
        p[2..18].copy_from_slice(self.org.0.as_bytes());
        p[18..26].copy_from_slice(&self.expires.timestamp().to_be_bytes());
        p[26..34].copy_from_slice(&self.confirmed_at.timestamp_micros().to_be_bytes());
        p
    }

    /// The token, signed with `key`.
    pub fn sign(&self, key: &[u8]) -> String {
        let payload = self.payload();
        let mut m = mac(key);
        m.update(&payload);
        let tag = m.finalize().into_bytes();
        let mut token = payload.to_vec();
        token.extend_from_slice(&tag[..MAC_BYTES]);
        URL_SAFE_NO_PAD.encode(token)
    }

    /// The link a token signed with `key` is, if it is one and has not
    /// expired at `now`.
    pub fn verify(token: &str, key: &[u8], now: DateTime<Utc>) -> Result<Self, Refused> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.as_bytes())
            .map_err(|_| Refused::Forged)?;
        if bytes.len() != PAYLOAD_BYTES + MAC_BYTES {
            return Err(Refused::Forged);
        }
        let (payload, tag) = bytes.split_at(PAYLOAD_BYTES);
        let mut m = mac(key);
        m.update(payload);
        // compared in constant time
        m.verify_truncated_left(tag).map_err(|_| Refused::Forged)?;
        let int = |r: std::ops::Range<usize>| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&payload[r]);
            i64::from_be_bytes(b)
        };
        let org = uuid::Uuid::from_slice(&payload[2..18]).map_err(|_| Refused::Forged)?;
        let link = FreshLink {
            org: OrgId(org),
            action: FreshAction::of(payload[1]).ok_or(Refused::Forged)?,
            expires: DateTime::from_timestamp(int(18..26), 0).ok_or(Refused::Forged)?,
            confirmed_at: DateTime::from_timestamp_micros(int(26..34)).ok_or(Refused::Forged)?,
        };
        if payload[0] != VERSION {
            return Err(Refused::Forged);
        }
        if link.expires <= now {
            return Err(Refused::Expired);
        }
        Ok(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> FreshLink {
        FreshLink {
            org: OrgId(uuid::Uuid::new_v4()),
            action: FreshAction::Stopped,
            expires: DateTime::from_timestamp(2_000_000_000, 0).unwrap_or_default(),
            confirmed_at: DateTime::from_timestamp_micros(1_700_000_000_123_456)
                .unwrap_or_default(),
        }
    }

    #[test]
    fn a_signed_link_reads_back_and_nothing_else_does() {
        let now = DateTime::from_timestamp(1_900_000_000, 0).unwrap_or_default();
        let l = link();
        let token = l.sign(b"key");
        assert_eq!(FreshLink::verify(&token, b"key", now), Ok(l));
        assert_eq!(
            FreshLink::verify(&token, b"other key", now),
            Err(Refused::Forged)
        );
        // one character changed: another action, id or time
        let mut chars: Vec<char> = token.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        let altered: String = chars.into_iter().collect();
        assert_eq!(
            FreshLink::verify(&altered, b"key", now),
            Err(Refused::Forged)
        );
        assert_eq!(
            FreshLink::verify("not a token", b"key", now),
            Err(Refused::Forged)
        );
        let later = DateTime::from_timestamp(2_000_000_001, 0).unwrap_or_default();
        assert_eq!(
            FreshLink::verify(&token, b"key", later),
            Err(Refused::Expired)
        );
    }
}
