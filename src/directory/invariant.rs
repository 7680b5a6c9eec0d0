//! The invariants every operation must keep, checked on the state an
//! operation would produce, in pure code, before anything is written.
//!
//! The state an operation would leave is the state it read plus the records
//! it writes (its plan); nothing is copied. Only the records an operation
//! touches can break a per-record rule or a uniqueness rule — the rest were
//! checked when they were written — and the counted rules (one Owner, the
//! minimum Admins, seats) are counted on the state read and adjusted by what
//! the touched records were and become, so an operation's check costs a few
//! passes over the organization, never a copy of it.

use super::error::DirectoryError;
use super::Plan;
use crate::model::id::{InvitationId, MemberId, TeamId};
use crate::record::{Invitation, Member, Timestamp};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Checks the state `plan` would leave. A violation refuses the operation.
pub(crate) fn check(plan: &Plan<'_>, now: Timestamp) -> Result<(), DirectoryError> {
    let before = plan.before;
    let catalog = plan.catalog();

    // Each touched member as it was and as it would be.
    let touched: Vec<Touched<'_>> = plan
        .members
        .iter()
        .map(|(id, after)| (before.members.get(id), after.as_ref()))
        .collect();
    let removed_teams: Vec<TeamId> = plan
        .teams
        .iter()
        .filter(|(id, after)| after.is_none() && before.teams.contains_key(*id))
        .map(|(id, _)| *id)
        .collect();

    // Every touched member's role exists; the teams they belong to exist.
    for m in touched.iter().filter_map(|(_, after)| *after) {
        if catalog.role(m.role.as_str()).is_none() {
            return Err(DirectoryError::UnknownRole(m.role.as_str().to_owned()));
        }
        if let Some(t) = m.teams.iter().find(|t| plan.team(**t).is_none()) {
            return Err(DirectoryError::UnknownTeam(*t));
        }
    }
    // Every touched pending invitation names a role of the catalog.
    for i in plan.invitations.values() {
        if i.state == super::InvitationState::Pending && catalog.role(i.role.as_str()).is_none() {
            return Err(DirectoryError::UnknownRole(i.role.as_str().to_owned()));
        }
    }
    // A role the catalog loses leaves no untouched holder or pending
    // invitation behind.
    if plan.catalog.is_some() {
        for role in before.org.catalog.roles() {
            let key = role.key().as_str();
            if catalog.role(key).is_some() {
                continue;
            }
            let members = before
                .role_holders(key)
                .filter(|m| !plan.members.contains_key(&m.id))
                .count();
            let invitations = before
                .role_invitations(key)
                .filter(|i| !plan.invitations.contains_key(&i.id))
                .count();
            if members > 0 || invitations > 0 {
                return Err(DirectoryError::RoleInUse {
                    role: role.key().clone(),
                    members,
                    invitations,
                });
            }
        }
    }
    // A removed team leaves no untouched member behind in it.
    for t in &removed_teams {
        if before
            .team_members(*t)
            .any(|m| !plan.members.contains_key(&m.id))
        {
            return Err(DirectoryError::UnknownTeam(*t));
        }
    }

    // How a count over members moves: minus the touched records that counted
    // before, plus those that count after.
    let delta = |counts: &dyn Fn(&Member) -> bool| -> isize {
        touched
            .iter()
            .map(|(b, a)| {
                isize::from(a.is_some_and(|m| counts(m)))
                    - isize::from(b.is_some_and(|m| counts(m)))
            })
            .sum()
    };

    // Exactly one holder of the unique role, once the organization has members.
    if let Some(unique) = catalog.unique_role() {
        let holds = |m: &Member| m.role == *unique.key();
        let holders = count(before.holders(unique.key().as_str())) + delta(&holds);
        let members = count(before.members.len()) + delta(&|_| true);
        if members > 0 && holders != 1 {
            return Err(DirectoryError::UniqueRole(unique.key().clone()));
        }
    }

    // Minimum admins: never fall below the minimum once reached, never to zero.
    if let Some(min) = &catalog.policy().min_admins {
        let admin = |m: &Member| {
            m.status == super::MemberStatus::Active && m.role.as_str() == min.role.as_str()
        };
        let change = delta(&admin);
        if change < 0 {
            let was = count(before.active_with_role(min.role.as_str()));
            let is = was + change;
            if is < isize::try_from(min.count).unwrap_or(isize::MAX) || is <= 0 {
                return Err(DirectoryError::TooFewAdmins {
                    role: min.role.clone(),
                    required: min.count,
                });
            }
        }
    }

    // Seats: active members plus pending invitations never exceed the limit.
    let pending = |i: &Invitation| i.is_pending(now);
    let seat_change = delta(&|m: &Member| m.status == super::MemberStatus::Active)
        + plan
            .invitations
            .iter()
            .map(|(id, after)| {
                isize::from(pending(after))
                    - isize::from(before.invitations.get(id).is_some_and(|i| pending(i)))
            })
            .sum::<isize>();
    if seat_change > 0 {
        let before_used = before.seats_used(now);
        let used = before_used.saturating_add(seat_change.unsigned_abs() as u64);
        let limit = u64::from(before.org.seat_limit);
        if used > limit {
            return Err(DirectoryError::SeatsExceeded {
                limit: before.org.seat_limit,
                available: limit.saturating_sub(before_used),
                needed: used.saturating_sub(before_used),
            });
        }
    }

    // An address has at most one open invitation (pending, expired or not):
    // judged for the touched invitations that are open, against every other.
    let open = |i: &Invitation| i.state == super::InvitationState::Pending;
    let mut invited: HashMap<&str, InvitationId> = HashMap::new();
    for i in plan.invitations.values().filter(|i| open(i)) {
        if let Some(email) = i.email.as_deref() {
            if invited.insert(email, i.id).is_some() {
                return Err(already_invited(email));
            }
        }
    }
    for (email, id) in &invited {
        let other = before
            .open_invitations(email)
            .any(|i| i.id != *id && !plan.invitations.contains_key(&i.id));
        if other {
            return Err(already_invited(email));
        }
    }

    // Unique user codes and emails: among the touched members as the plan
    // leaves them, and for those whose code or email is new, against the
    // untouched members through the state's index — never a pass over the
    // organization.
    let mut emails: HashMap<&str, MemberId> = HashMap::new();
    let mut codes: HashMap<&str, MemberId> = HashMap::new();
    for m in plan.members.values().flatten() {
        if emails.insert(m.email.as_str(), m.id).is_some() {
            return Err(email_taken(&m.email));
        }
        if let Some(code) = &m.user_code {
            if codes.insert(code.as_str(), m.id).is_some() {
                return Err(DirectoryError::DuplicateUserCode(code.clone()));
            }
        }
    }
    let untouched = |owner: Option<&Arc<Member>>, me: MemberId| {
        owner.is_some_and(|o| o.id != me && !plan.members.contains_key(&o.id))
    };
    for (b, a) in &touched {
        let Some(a) = a else { continue };
        if b.is_none_or(|b| b.email != a.email) && untouched(before.member_by_email(&a.email), a.id)
        {
            return Err(email_taken(&a.email));
        }
        if let Some(code) = &a.user_code {
            let new_code = b.is_none_or(|b| b.user_code.as_ref() != Some(code));
            if new_code && untouched(before.member_by_user_code(code), a.id) {
                return Err(DirectoryError::DuplicateUserCode(code.clone()));
            }
        }
    }

    // Unique team codes and names: each team the plan writes, against the
    // teams it leaves as they were (looked up in the index) and against the
    // other teams it writes.
    let mut team_codes = HashSet::new();
    let mut team_names = HashSet::new();
    let untouched_team = |t: Option<&Arc<crate::model::team::Team>>, id: TeamId| {
        t.is_some_and(|o| o.id != id && !plan.teams.contains_key(&o.id))
    };
    for t in plan.teams.values().flatten() {
        if let Some(code) = &t.code {
            if untouched_team(before.team_by_code(code), t.id) || !team_codes.insert(code.as_str())
            {
                return Err(DirectoryError::DuplicateTeamCode(code.clone()));
            }
        }
        if untouched_team(before.team_by_name(&t.name), t.id)
            || !team_names.insert(t.name.to_lowercase())
        {
            return Err(DirectoryError::DuplicateTeamName(t.name.clone()));
        }
    }

    Ok(())
}

/// A touched member as it was and as it would be (`None`: absent).
type Touched<'a> = (Option<&'a Arc<Member>>, Option<&'a Arc<Member>>);

fn count(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

fn already_invited(email: &str) -> DirectoryError {
    DirectoryError::BadAddresses(vec![super::error::BadAddress {
        address: email.to_owned(),
        problem: super::error::AddressProblem::AlreadyInvited,
    }])
}

fn email_taken(email: &str) -> DirectoryError {
    DirectoryError::BadAddresses(vec![super::error::BadAddress {
        address: email.to_owned(),
        problem: super::error::AddressProblem::AlreadyMember,
    }])
}

#[cfg(test)]
mod tests {
    //! The branches no public operation reaches: operations keep these rules
    //! themselves, the check is the net under them.
    #![allow(clippy::unwrap_used)]

    use super::super::{MemberStatus, Plan};
    use super::check;
    use crate::model::id::{MemberId, OrgId, TeamId};
    use crate::model::role::RoleKey;
    use crate::record::{Change, Member, OrgState, Organization, Timestamp};
    use crate::{preset, DirectoryError, Team};
    use std::sync::Arc;

    const NOW: Timestamp = Timestamp(1_000);

    fn member(id: u64, role: &str, code: &str, teams: &[TeamId]) -> Member {
        Member {
            id: MemberId(id),
            email: format!("m{id}@acme.test"),
            user_code: Some(code.to_owned()),
            user_name: None,
            display_name: None,
            phone: None,
            role: RoleKey::new(role),
            teams: teams.to_vec(),
            bots: Vec::new(),
            bot_levels: Vec::new(),
            status: MemberStatus::Active,
        }
    }

    /// The Owner (code C1) and an Agent (code C2) in team 7.
    fn state() -> OrgState {
        let mut state = OrgState::new(Organization {
            id: OrgId(1),
            name: "Acme".into(),
            catalog: Arc::new(preset::helpdesk()),
            seat_limit: 10,
            settings: Default::default(),
        });
        state.apply(&Change::PutTeam(Arc::new(Team {
            id: TeamId(7),
            org: OrgId(1),
            code: None,
            name: "Team".into(),
        })));
        for m in [
            member(1, "owner", "C1", &[]),
            member(2, "agent", "C2", &[TeamId(7)]),
        ] {
            state.apply(&Change::PutMember(Arc::new(m)));
        }
        state
    }

    #[test]
    fn a_removed_team_may_not_keep_an_untouched_member() {
        let state = state();
        let mut plan = Plan::new(&state, NOW, None);
        plan.delete_team("t", TeamId(7));
        assert!(matches!(
            check(&plan, NOW),
            Err(DirectoryError::UnknownTeam(TeamId(7)))
        ));
        // Taking the member out of the team in the same plan is fine.
        let mut plan = Plan::new(&state, NOW, None);
        plan.put_member("t", member(2, "agent", "C2", &[]));
        plan.delete_team("t", TeamId(7));
        assert!(check(&plan, NOW).is_ok());
    }

    #[test]
    fn codes_are_judged_on_the_records_a_plan_leaves() {
        let state = state();
        // Two members swapping codes in one plan leave them unique.
        let mut plan = Plan::new(&state, NOW, None);
        plan.put_member("t", member(1, "owner", "C2", &[]));
        plan.put_member("t", member(2, "agent", "C1", &[TeamId(7)]));
        assert!(check(&plan, NOW).is_ok());
        // Taking a code an untouched member holds does not.
        let mut plan = Plan::new(&state, NOW, None);
        plan.put_member("t", member(2, "agent", "C1", &[TeamId(7)]));
        assert!(matches!(
            check(&plan, NOW),
            Err(DirectoryError::DuplicateUserCode(ref c)) if c == "C1"
        ));
    }
}
