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
#[inline(always)]
pub(crate) fn sorted_contains(teams: &[TeamId], team: TeamId) -> bool {
    if teams.len() <= SCANNED_TEAMS {
        // Every team compared, with no exit on the first match: the loop's
        // one branch depends on the list's length, not on where the team
        // is.
        teams.iter().fold(false, |found, t| found | (*t == team))
    } else {
        teams.binary_search(&team).is_ok()
    }
}

/// The longest list of teams scanned rather than searched.
const SCANNED_TEAMS: usize = 8;
