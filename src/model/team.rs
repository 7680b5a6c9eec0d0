//! Teams.

use crate::model::id::{OrgId, TeamId};
use serde::{Deserialize, Serialize};

/// A team of members.
///
/// Its code maps to an external system; code and name are each unique within
/// the organization. Membership is recorded on the member.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Team {
    /// The team.
    pub id: TeamId,
    /// The organization it belongs to.
    pub org: OrgId,
    /// External code, unique in the organization when set.
    pub code: Option<String>,
    /// Display name, unique in the organization.
    pub name: String,
}

/// Whether a list of teams sorted ascending holds `team`: a scan of a
/// short list (most members are in a few teams, and a scan of eight is
/// cheaper than a search), a binary search beyond, so that the cost stays
/// flat in the number of teams.
///
/// Both loops run a number of times known before they start (the list's
/// length; the bits of the length) and take no branch on the teams, so a
/// caller that does not use the answer (`can` names where a refused
/// conversation sits, which a host reading only `is_allowed` never looks
/// at) pays nothing for it: the compiler drops a loop it can count.
#[inline(always)]
pub(crate) fn sorted_contains(teams: &[TeamId], team: TeamId) -> bool {
    if teams.len() <= SCANNED_TEAMS {
        // Every team compared, with no exit on the first match.
        teams.iter().fold(false, |found, t| found | (*t == team))
    } else {
        // The team, if held, is in `base..base + size`; each step halves
        // the range without a branch, and ⌈log2 len⌉ steps leave one.
        let last = teams.len() - 1;
        let steps = usize::BITS - last.leading_zeros();
        let mut base = 0;
        let mut size = teams.len();
        for _ in 0..steps {
            let half = size / 2;
            // Within the list already; `min` lets the compiler see it.
            let mid = (base + half).min(last);
            base = std::hint::select_unpredictable(teams[mid] <= team, mid, base);
            size -= half;
        }
        teams[base.min(last)] == team
    }
}

/// The longest list of teams scanned rather than searched.
const SCANNED_TEAMS: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    /// Scanned and searched lists alike (every length up to 70, and one of
    /// a thousand), for every team held and every gap around them, agree
    /// with the standard library's search.
    #[test]
    fn sorted_contains_agrees_with_a_binary_search() {
        for len in (0..=70).chain([1000]) {
            let teams: Vec<TeamId> = (0..len).map(|i| TeamId(2 * i + 1)).collect();
            for candidate in 0..=2 * len + 2 {
                let team = TeamId(candidate);
                assert_eq!(
                    sorted_contains(&teams, team),
                    teams.binary_search(&team).is_ok(),
                    "{len} teams, team {candidate}"
                );
            }
        }
    }
}
