//! The invariants every operation must keep, checked on the state an
//! operation would produce, in pure code, before anything is written.

use super::error::DirectoryError;
use super::state::Member;
use super::state::{OrgState, Timestamp};
use std::collections::HashSet;
use std::sync::Arc;

/// Checks `after` against `before`. A violation refuses the operation.
pub(crate) fn check(
    before: &OrgState,
    after: &OrgState,
    now: Timestamp,
) -> Result<(), DirectoryError> {
    let catalog = &after.org.catalog;

    // Only the records an operation touched can break a per-record rule or a
    // uniqueness rule; the rest were checked when they were written. Records
    // are shared (`Arc`), so "touched" is "not the same allocation as before".
    let changed = changed_members(before, after);
    let teams_removed = before.teams.keys().any(|t| !after.teams.contains_key(t));

    // Every member's role exists; teams they belong to exist.
    for m in after.members.values() {
        let touched = changed.iter().any(|c| Arc::ptr_eq(c, m));
        if !touched && !teams_removed {
            continue;
        }
        if catalog.role(m.role.as_str()).is_none() {
            return Err(DirectoryError::UnknownRole(m.role.as_str().to_owned()));
        }
        if let Some(t) = m.teams.iter().find(|t| !after.teams.contains_key(*t)) {
            return Err(DirectoryError::UnknownTeam(*t));
        }
    }

    // Exactly one holder of the unique role, once the organization has members.
    if let Some(unique) = catalog.unique_role() {
        let holders = after
            .members
            .values()
            .filter(|m| m.role == *unique.key())
            .count();
        if !after.members.is_empty() && holders != 1 {
            return Err(DirectoryError::UniqueRole(unique.key().clone()));
        }
    }

    // Minimum admins: never fall below the minimum once reached, never to zero.
    if let Some(min) = &catalog.policy().min_admins {
        let was = before.active_with_role(min.role.as_str());
        let is = after.active_with_role(min.role.as_str());
        if is < was && (is < min.count as usize || is == 0) {
            return Err(DirectoryError::TooFewAdmins {
                role: min.role.clone(),
                required: min.count,
            });
        }
    }

    // Seats: active members plus pending invitations never exceed the limit.
    let used = after.seats_used(now);
    let limit = u64::from(after.org.seat_limit);
    if used > limit && used > before.seats_used(now) {
        let before_used = before.seats_used(now);
        return Err(DirectoryError::SeatsExceeded {
            limit: after.org.seat_limit,
            available: limit.saturating_sub(before_used),
            needed: used.saturating_sub(before_used),
        });
    }

    // Unique user codes and emails. A few touched members are compared with
    // every other member; a batch (an import) is checked with sets, so the
    // cost stays linear in the organization's size.
    if changed.len() <= PAIRWISE_LIMIT {
        for c in &changed {
            for m in after.members.values() {
                if Arc::ptr_eq(c, m) {
                    continue;
                }
                if let (Some(code), Some(other)) = (&c.user_code, &m.user_code) {
                    if code == other {
                        return Err(DirectoryError::DuplicateUserCode(code.clone()));
                    }
                }
                if c.email == m.email {
                    return Err(email_taken(&c.email));
                }
            }
        }
    } else {
        let mut codes = HashSet::with_capacity(after.members.len());
        let mut emails = HashSet::with_capacity(after.members.len());
        for m in after.members.values() {
            if let Some(code) = &m.user_code {
                if !codes.insert(code.as_str()) {
                    return Err(DirectoryError::DuplicateUserCode(code.clone()));
                }
            }
            if !emails.insert(m.email.as_str()) {
                return Err(email_taken(&m.email));
            }
        }
    }

    // Unique team codes and names (an organization has few teams).
    let mut team_codes = HashSet::new();
    let mut team_names = HashSet::new();
    for t in after.teams.values() {
        if let Some(code) = &t.code {
            if !team_codes.insert(code.as_str()) {
                return Err(DirectoryError::DuplicateTeamCode(code.clone()));
            }
        }
        if !team_names.insert(t.name.to_lowercase()) {
            return Err(DirectoryError::DuplicateTeamName(t.name.clone()));
        }
    }

    Ok(())
}

/// Up to this many touched members are compared pairwise with the others.
const PAIRWISE_LIMIT: usize = 16;

fn email_taken(email: &str) -> DirectoryError {
    DirectoryError::BadAddresses(vec![super::error::BadAddress {
        address: email.to_owned(),
        problem: super::error::AddressProblem::AlreadyMember,
    }])
}

/// The members of `after` that are not, allocation for allocation, the same
/// record as in `before`: new or replaced. States keep members in creation
/// order, so most records are matched by position without a lookup.
fn changed_members<'a>(before: &OrgState, after: &'a OrgState) -> Vec<&'a Arc<Member>> {
    let mut changed = Vec::new();
    for (i, (id, m)) in after.members.iter().enumerate() {
        let same = match before.members.get_index(i) {
            Some((bid, b)) if bid == id => Arc::ptr_eq(b, m),
            _ => before.members.get(id).is_some_and(|b| Arc::ptr_eq(b, m)),
        };
        if !same {
            changed.push(m);
        }
    }
    changed
}
