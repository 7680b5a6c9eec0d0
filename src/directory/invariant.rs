//! The invariants every operation must keep, checked on the state an
//! operation would produce, in pure code, before anything is written.

use super::error::DirectoryError;
use super::state::{OrgState, Timestamp};
use std::collections::HashSet;

/// Checks `after` against `before`. A violation refuses the operation.
pub(crate) fn check(
    before: &OrgState,
    after: &OrgState,
    now: Timestamp,
) -> Result<(), DirectoryError> {
    let catalog = &after.org.catalog;

    // Every member's role exists; teams they belong to exist.
    for m in after.members.values() {
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

    // Unique user codes, team codes and team names.
    let mut codes = HashSet::new();
    for m in after.members.values() {
        if let Some(code) = &m.user_code {
            if !codes.insert(code.as_str()) {
                return Err(DirectoryError::DuplicateUserCode(code.clone()));
            }
        }
    }
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

    // Emails unique.
    let mut emails = HashSet::new();
    for m in after.members.values() {
        if !emails.insert(m.email.as_str()) {
            return Err(DirectoryError::BadAddresses(vec![
                super::error::BadAddress {
                    address: m.email.clone(),
                    problem: super::error::AddressProblem::AlreadyMember,
                },
            ]));
        }
    }
    Ok(())
}
