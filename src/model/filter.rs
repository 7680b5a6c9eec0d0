//! The conversation filter: "which conversations may this actor see?"
//!
//! [`crate::can`] decides a conversation's scope by building this filter and
//! calling [`ConversationFilter::matches`], so the filter and `can` are one
//! rule in two forms, and the property tests check that they agree.

use crate::model::action::{Action, ScopeUse};
use crate::model::actor::{Actor, ContactActor, MemberActor};
use crate::model::conversation::{Assignment, Conversation};
use crate::model::gate::{contact_gate, member_gate};
use crate::model::id::{ContactId, MemberId, OrgId, TeamId};
use crate::model::resource::ResourceKind;
use crate::model::scope::ConversationScope;
use crate::model::team::sorted_contains;

/// Which conversations an actor may see (or handle), as a value a host can
/// apply to a list ([`ConversationFilter::matches`]) or translate into a
/// database query.
///
/// # Examples
///
/// ```
/// use purview::{preset, Action, Actor, Assignment, Conversation, ConversationFilter};
/// use purview::{ContactId, ConversationId, MemberId, OrgId, TeamId};
///
/// let catalog = preset::helpdesk();
/// let agent = Actor::member(OrgId(1), MemberId(7), catalog.role("agent").unwrap(), [TeamId(1)]);
/// let filter = ConversationFilter::for_action(&agent, Action::ViewConversation);
///
/// let mine = Conversation::new(ConversationId(1), OrgId(1), ContactId(1))
///     .assigned(Assignment::Member { member: MemberId(7) });
/// let other_team = Conversation::new(ConversationId(2), OrgId(1), ContactId(1))
///     .assigned(Assignment::Team { team: TeamId(2) });
/// assert!(filter.matches(&mine));
/// assert!(!filter.matches(&other_team));
///
/// // The same filter, as a WHERE clause a host could build:
/// match filter {
///     ConversationFilter::Nothing => { /* FALSE */ }
///     ConversationFilter::Organization(org) => { /* org = $org */ let _ = org; }
///     ConversationFilter::AnyOf { org, unassigned, teams, assignee, contact } => {
///         // org = $org AND ((team IS NULL AND member IS NULL) if unassigned
///         //   OR team IN (teams) OR member = assignee OR contact = contact)
///         assert_eq!((org, unassigned, teams, assignee, contact),
///                    (OrgId(1), true, &[TeamId(1)][..], Some(MemberId(7)), None));
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversationFilter<'a> {
    /// No conversation at all.
    Nothing,
    /// Every conversation of the organization.
    Organization(OrgId),
    /// Conversations of the organization that meet at least one condition.
    AnyOf {
        /// The organization; conversations of any other never match.
        org: OrgId,
        /// Conversations assigned to nobody.
        unassigned: bool,
        /// Conversations whose assigned team (with or without a member) is
        /// one of these, sorted ascending (as [`ConversationFilter::for_action`]
        /// builds it: the search is binary; an
        /// unsorted list can miss a conversation, never match one it lacks).
        teams: &'a [TeamId],
        /// Conversations assigned to this member (with or without a team).
        assignee: Option<MemberId>,
        /// Conversations with this contact.
        contact: Option<ContactId>,
    },
}

impl<'a> ConversationFilter<'a> {
    /// The conversations on which `actor` may take `action`.
    ///
    /// Applies rules 2 to 4 of `can` (status, applicability, permission) once
    /// for the actor and keeps rule 1 (organization) and rule 5 (scope) for
    /// each conversation. An action that does not apply to conversations gives
    /// [`ConversationFilter::Nothing`].
    #[must_use]
    pub fn for_action(actor: &'a Actor, action: Action) -> Self {
        let Some(scope_use) = action.scope_use() else {
            return ConversationFilter::Nothing;
        };
        // Rules 2 to 4 as `can` applies them, with rule 1 passed here (the
        // actor's own organization) and kept for each conversation.
        let kind = ResourceKind::Conversation;
        match actor {
            Actor::Member(m) => match member_gate(m, action, Some(m.org()), kind) {
                Some(_) => ConversationFilter::Nothing,
                None => member_scope(m, scope_use),
            },
            Actor::Contact(c) => match contact_gate(c, action, Some(c.org), kind) {
                Some(_) => ConversationFilter::Nothing,
                None => contact_scope(c),
            },
            Actor::ApiKey(_) => ConversationFilter::Nothing,
        }
    }

    /// The conversations `actor` may see: the same as
    /// `for_action(actor, Action::ViewConversation)`.
    #[must_use]
    pub fn view(actor: &'a Actor) -> Self {
        Self::for_action(actor, Action::ViewConversation)
    }

    /// Whether the conversation passes the filter.
    #[inline(always)]
    #[must_use]
    pub fn matches(&self, c: &Conversation) -> bool {
        match *self {
            ConversationFilter::Nothing => false,
            ConversationFilter::Organization(org) => c.org == org,
            ConversationFilter::AnyOf {
                org,
                unassigned,
                teams,
                assignee,
                contact,
            } => {
                if c.org != org {
                    return false;
                }
                covers(c.assignment, unassigned, teams, assignee) | (contact == Some(c.contact))
            }
        }
    }
}

/// Whether a scope covers a conversation assigned `a`, by the parts it
/// holds other than the organization-wide one: conversations assigned to
/// nobody (`unassigned`), to one of `teams` (sorted; with or without a
/// member), to `me` (with or without a team).
///
/// Conditions joined with `|`, not `||`: each is a compare or a short
/// search, taken whole rather than branched on.
#[inline(always)]
fn covers(a: Assignment, unassigned: bool, teams: &[TeamId], me: Option<MemberId>) -> bool {
    match a {
        Assignment::Unassigned => unassigned,
        Assignment::Team { team } => sorted_contains(teams, team),
        Assignment::TeamMember { team, member } => {
            sorted_contains(teams, team) | (me == Some(member))
        }
        Assignment::Member { member } => me == Some(member),
    }
}

/// A member's conversation scope as a filter; the one definition both `can`
/// and [`ConversationFilter::for_action`] use.
#[inline(always)]
pub(crate) fn member_scope(m: &MemberActor, scope_use: ScopeUse) -> ConversationFilter<'_> {
    let scope = m.scope(scope_use);
    if scope.contains(ConversationScope::ORGANIZATION) {
        ConversationFilter::Organization(m.org())
    } else if scope.is_empty() {
        ConversationFilter::Nothing
    } else {
        ConversationFilter::AnyOf {
            org: m.org(),
            unassigned: scope.contains(ConversationScope::UNASSIGNED),
            teams: if scope.contains(ConversationScope::MY_TEAMS) {
                m.teams()
            } else {
                &[]
            },
            assignee: scope
                .contains(ConversationScope::ASSIGNED_TO_ME)
                .then_some(m.id()),
            contact: None,
        }
    }
}

/// A contact sees only its own conversations; [`ContactId::NONE`] stands
/// for no contact, and is nobody's.
pub(crate) fn contact_scope(c: &ContactActor) -> ConversationFilter<'_> {
    if c.id == ContactId::NONE {
        return ConversationFilter::Nothing;
    }
    ConversationFilter::AnyOf {
        org: c.org,
        unassigned: false,
        teams: &[],
        assignee: None,
        contact: Some(c.id),
    }
}
