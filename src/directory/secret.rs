//! Invitation and API key secrets: random, returned once, stored only as a
//! hash.

use crate::model::id::{ApiKeyId, InvitationId, OrgId};
use sha2::{Digest, Sha256};

/// `<org>.<invitation>.<64 hex chars of randomness>`: the ids let the
/// directory find the invitation without a global index; only the hash of the
/// whole secret is stored.
pub(crate) fn generate(org: OrgId, id: InvitationId) -> Result<String, getrandom::Error> {
    generate_with("", org, id.get())
}

/// `pvk.<org>.<key>.<64 hex chars>`: an API key's secret, which no
/// invitation secret parses as (and the reverse).
pub(crate) fn generate_key(org: OrgId, id: ApiKeyId) -> Result<String, getrandom::Error> {
    generate_with(KEY_PREFIX, org, id.get())
}

const KEY_PREFIX: &str = "pvk.";

fn generate_with(prefix: &str, org: OrgId, id: u64) -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = format!("{prefix}{}.{id}.", org.get());
    s.reserve(64);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    Ok(s)
}

/// A random id in 1..2^53 (it survives JSON clients), for records minted
/// outside an organization's commits (contacts).
pub(crate) fn random_id() -> Result<u64, getrandom::Error> {
    loop {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes)?;
        let id = u64::from_le_bytes(bytes) & ((1 << 53) - 1);
        if id != 0 {
            return Ok(id);
        }
    }
}

pub(crate) fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Parses the ids out of a secret; `None` when malformed, or when an id is
/// beyond what the directory issues (organization ids up to 2^63 − 1,
/// invitation ids up to 2^53 − 1), so that a crafted secret is invalid on
/// every store alike and never reaches one.
pub(crate) fn ids(secret: &str) -> Option<(OrgId, InvitationId)> {
    parse(secret).map(|(org, id)| (org, InvitationId(id)))
}

/// The ids of an API key's secret, as [`ids`] for invitations.
pub(crate) fn key_ids(secret: &str) -> Option<(OrgId, ApiKeyId)> {
    parse(secret.strip_prefix(KEY_PREFIX)?).map(|(org, id)| (org, ApiKeyId(id)))
}

fn parse(secret: &str) -> Option<(OrgId, u64)> {
    let mut parts = secret.splitn(3, '.');
    let org: u64 = parts.next()?.parse().ok()?;
    let id: u64 = parts.next()?.parse().ok()?;
    let rest = parts.next()?;
    let in_range = org <= i64::MAX as u64 && id < 1 << 53;
    (in_range && rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some((OrgId(org), id))
}

/// Compares two hashes in time independent of where they differ.
pub(crate) fn equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_and_hash() {
        let s = generate(OrgId(3), InvitationId(9)).unwrap();
        assert_eq!(ids(&s), Some((OrgId(3), InvitationId(9))));
        assert!(equal(&hash(&s), &hash(&s)));
        assert!(!equal(&hash(&s), &hash("3.9.x")));
        assert_eq!(ids("3.9.short"), None);
        assert_eq!(ids("x.9.00"), None);
        let hex = "0".repeat(64);
        assert_eq!(ids(&format!("18446744073709551615.1.{hex}")), None);
        assert_eq!(ids(&format!("9223372036854775808.1.{hex}")), None);
        assert_eq!(ids(&format!("1.9007199254740992.{hex}")), None);
        assert_eq!(
            ids(&format!("9223372036854775807.9007199254740991.{hex}")),
            Some((OrgId(i64::MAX as u64), InvitationId((1 << 53) - 1)))
        );
        assert_ne!(generate(OrgId(3), InvitationId(9)).unwrap(), s);
        // Keys and invitations never stand for each other.
        let k = generate_key(OrgId(3), ApiKeyId(9)).unwrap();
        assert_eq!(key_ids(&k), Some((OrgId(3), ApiKeyId(9))));
        assert_eq!(ids(&k), None);
        assert_eq!(key_ids(&s), None);
    }
}
