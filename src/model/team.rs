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

/// Whether a list of teams sorted ascending holds `team`: a binary
/// search, so that the cost stays flat in the number of teams.
#[inline(always)]
pub(crate) fn sorted_contains(teams: &[TeamId], team: TeamId) -> bool {
    teams.binary_search(&team).is_ok()
}
