//! Errors of directory operations.

use crate::model::decision::Reason;
use crate::model::id::{
    ApiKeyId, BotId, ContactId, InvitationId, KnowledgeBaseId, MemberId, OrgId, TeamId,
};
use crate::model::permission::Permissions;
use crate::model::role::RoleKey;
use crate::store::StoreError;
use std::fmt;

/// An address refused by an invitation, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadAddress {
    /// The address as given (trimmed).
    pub address: String,
    /// What is wrong with it.
    pub problem: AddressProblem,
}

/// What is wrong with an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressProblem {
    /// Not of the form `local@domain.tld`.
    Invalid,
    /// A member of the organization already has it.
    AlreadyMember,
    /// A pending invitation already exists for it.
    AlreadyInvited,
    /// It contains characters that print nothing or reorder the text around
    /// them (zero-width spaces, bidirectional controls, …), which would let
    /// two addresses look alike.
    HiddenCharacters,
    /// It contains full-width or half-width forms, which imitate other
    /// characters (`ａ` for `a`).
    WidthForms,
    /// It contains characters that Unicode case folding turns into others
    /// (`ß` into `ss`, `ﬁ` into `fi`): the address compared and stored would
    /// be another mailbox than the one given, so it is refused.
    CaseFolding,
}

impl fmt::Display for BadAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.problem {
            AddressProblem::Invalid => "is not a valid email address",
            AddressProblem::AlreadyMember => "already belongs to a member",
            AddressProblem::AlreadyInvited => "already has a pending invitation",
            AddressProblem::HiddenCharacters => {
                "contains invisible or bidirectional-control characters"
            }
            AddressProblem::WidthForms => "contains full-width or half-width characters",
            AddressProblem::CaseFolding => {
                "contains characters that case folding turns into others (such as ß)"
            }
        };
        write!(f, "`{}` {why}", shown(&self.address))
    }
}

/// A refused directory operation. Nothing was changed.
///
/// Each variant says what was refused and why, and what the caller can do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// `can` denied the acting member; the reason names the rule.
    #[error("refused: {0}")]
    Denied(#[source] Reason),
    /// No such organization.
    #[error("organization `{0}` does not exist")]
    UnknownOrganization(OrgId),
    /// The organization exists already.
    #[error("organization `{0}` already exists")]
    OrganizationExists(OrgId),
    /// No such member in the organization (also for ids of other organizations).
    #[error("member `{0}` does not exist in this organization")]
    UnknownMember(MemberId),
    /// No such team in the organization.
    #[error("team `{0}` does not exist in this organization")]
    UnknownTeam(TeamId),
    /// The organization has no such knowledge base.
    #[error("knowledge base `{0}` does not exist in this organization")]
    KnowledgeBaseNotFound(KnowledgeBaseId),
    /// Roles reference the knowledge base; remove it with `detach` to take
    /// the references away in the same commit.
    #[error("knowledge base `{knowledge_base}` is referenced by the roles {roles:?}")]
    KnowledgeBaseInUse {
        /// The knowledge base.
        knowledge_base: KnowledgeBaseId,
        /// The roles referencing it.
        roles: Vec<RoleKey>,
    },
    /// The host declared no organization setting with this key.
    #[error("`{}` is not an organization setting", shown(.0))]
    UnknownSetting(String),
    /// The system's random-number source failed, so no secret (or random
    /// id) could be made; nothing was written. Try again later.
    #[error("the system's random-number source failed")]
    NoRandomness(#[source] getrandom::Error),
    /// No such contact in the organization.
    #[error("contact `{0}` does not exist in this organization")]
    UnknownContact(ContactId),
    /// Another contact of the organization has this external id.
    #[error("a contact with external id `{}` exists already", shown(.0))]
    ContactExists(String),
    /// A contact would hold more attributes than allowed.
    #[error("a contact holds at most {max} attributes, not {count}")]
    TooManyAttributes {
        /// The attributes it would hold.
        count: usize,
        /// The most it may hold.
        max: usize,
    },
    /// A bot grant's level names permissions the member's role lacks: a
    /// level only narrows a role.
    #[error("member `{member}`'s role lacks `{missing}`, which the level names")]
    LevelBeyondRole {
        /// The member.
        member: MemberId,
        /// The permissions the role lacks.
        missing: Permissions,
    },
    /// A bot grant would give more on the bot than the acting member's own
    /// grant of it carries.
    #[error("the grant would give `{missing}` on the bot, beyond the actor's own level")]
    LevelBeyondActor {
        /// What the grant would give beyond the actor's level.
        missing: Permissions,
    },
    /// No such registered bot in the organization.
    #[error("bot `{0}` is not registered in this organization")]
    UnknownBot(BotId),
    /// No such API key in the organization.
    #[error("API key `{0}` does not exist in this organization")]
    UnknownApiKey(ApiKeyId),
    /// An API key was asked for permissions that no key carries: only what
    /// acts on the key's own bot, and never API key generation or granting
    /// bot access (a key mints no credentials).
    #[error("an API key cannot carry `{0}`")]
    NotKeyPermissions(Permissions),
    /// An API key was asked for permissions the acting member's role does
    /// not have: a key grants at most what its creator could.
    #[error("an API key cannot carry `{missing}`, which the acting member's role lacks")]
    KeyBeyondActor {
        /// The permissions asked for that the role lacks.
        missing: Permissions,
    },
    /// No such invitation in the organization.
    #[error("invitation `{0}` does not exist in this organization")]
    UnknownInvitation(InvitationId),
    /// The role is not in the organization's catalog.
    #[error("role `{0}` is not in the organization's catalog")]
    UnknownRole(String),
    /// Nobody changes their own role; another member must.
    #[error("members cannot change their own role; another administrator must")]
    OwnRole,
    /// The Owner cannot be removed, disabled or demoted.
    #[error("the owner cannot be removed, disabled or demoted; the owner may transfer ownership")]
    OwnerProtected,
    /// The unique role changes hands only by a transfer from its holder.
    #[error("role `{0}` changes hands only by a transfer from its holder")]
    UniqueRole(RoleKey),
    /// Only the holder of the unique role may transfer it.
    #[error("only the owner may transfer ownership")]
    NotOwner,
    /// The member's role exceeds the actor's: only someone at least as
    /// privileged may change them.
    #[error("member `{member}` holds role `{role}`, which exceeds the actor's own")]
    TargetExceedsActor {
        /// The member.
        member: MemberId,
        /// Their role.
        role: RoleKey,
    },
    /// The role to grant exceeds the actor's own.
    #[error("role `{0}` exceeds the actor's own and cannot be granted by them")]
    RoleExceedsOwn(RoleKey),
    /// A role that exceeds the actor's own may not be edited or deleted by
    /// them, nor may a role be made to exceed it.
    #[error("role `{0}` exceeds the actor's own: they may not create, edit or delete it")]
    RoleBeyondActor(RoleKey),
    /// Nobody edits or deletes the role they hold themselves.
    #[error("role `{0}` is the actor's own: another administrator must edit or delete it")]
    OwnRoleEdit(RoleKey),
    /// A role the organization needs to manage itself — the unique role, the
    /// role the admin minimum counts — would lose something it grants.
    #[error("role `{role}` is {why}: it keeps every permission, scope and reach it has")]
    ProtectedRole {
        /// The role.
        role: RoleKey,
        /// What makes it protected (`the unique role`, `counted by the admin minimum`).
        why: &'static str,
    },
    /// A role named by the catalog's policy or held as the unique role
    /// cannot be deleted.
    #[error("role `{role}` cannot be deleted: {why}")]
    RoleRequired {
        /// The role.
        role: RoleKey,
        /// What needs it (`the unique role`, `policy.default_role`, …).
        why: &'static str,
    },
    /// A role held by members or named by pending invitations is deleted
    /// only with a replacement role for them.
    #[error("role `{role}` is held by {members} members and named by {invitations} pending invitations: give a replacement role")]
    RoleInUse {
        /// The role.
        role: RoleKey,
        /// Members holding it.
        members: usize,
        /// Pending invitations naming it.
        invitations: usize,
    },
    /// A role created under a key the catalog already has.
    #[error("role `{0}` already exists")]
    RoleExists(RoleKey),
    /// A role references a knowledge base the organization does not have.
    #[error("role `{role}` references knowledge base `{knowledge_base}`, which the organization does not have")]
    UnknownKnowledgeBase {
        /// The role.
        role: RoleKey,
        /// The knowledge base.
        knowledge_base: crate::model::id::KnowledgeBaseId,
    },
    /// The role catalog the operation would leave is not valid (a text too
    /// long, too many roles, …).
    #[error(transparent)]
    Catalog(#[from] crate::model::catalog::CatalogError),
    /// Profile fields must be filled before a role change.
    #[error("fill in {} before changing the member's role", .0.join(", "))]
    ProfileIncomplete(Vec<&'static str>),
    /// The operation would leave fewer members with the role than the minimum.
    #[error("refused: the organization must keep at least {required} active `{role}` members")]
    TooFewAdmins {
        /// The counted role.
        role: RoleKey,
        /// The minimum.
        required: u32,
    },
    /// The seat limit asked for is below the seats in use.
    #[error("a seat limit of {limit} is below the {used} seats in use")]
    SeatLimitBelowUse {
        /// The limit asked for.
        limit: u32,
        /// Seats in use: active members and pending invitations.
        used: u64,
    },
    /// Not enough seats.
    #[error("not enough seats: {needed} needed, {available} available of {limit}")]
    SeatsExceeded {
        /// The organization's seat limit.
        limit: u32,
        /// Seats still free.
        available: u64,
        /// Seats the operation needed.
        needed: u64,
    },
    /// One or more addresses are invalid or taken; each is in the list, and
    /// the message names the first [`LISTED_IN_MESSAGE`] and how many more.
    #[error("no invitation was sent: {}", list(.0))]
    BadAddresses(Vec<BadAddress>),
    /// Nothing to do: no address was given.
    #[error("no email address was given")]
    NoAddresses,
    /// Another member already has this user code.
    #[error("user code `{0}` is already used by another member")]
    DuplicateUserCode(String),
    /// Another team already has this code.
    #[error("team code `{0}` is already used by another team")]
    DuplicateTeamCode(String),
    /// Another team already has this name.
    #[error("team name `{0}` is already used by another team")]
    DuplicateTeamName(String),
    /// A required field is empty or malformed.
    #[error("invalid {field}: {problem}")]
    InvalidInput {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// The invitation secret is malformed or matches no invitation.
    #[error("the invitation is not valid")]
    InvitationInvalid,
    /// The invitation has expired.
    #[error("the invitation has expired")]
    InvitationExpired,
    /// The invitation was already accepted.
    #[error("the invitation was already used")]
    InvitationUsed,
    /// The invitation was revoked.
    #[error("the invitation was revoked")]
    InvitationRevoked,
    /// The invitation's creator may no longer grant it: they were removed,
    /// disabled, or their role changed so that it no longer covers the
    /// invitation's role (or no longer allows creating such an invitation).
    /// `reason` is what `can` says of the creator now; `None` when the creator
    /// is no longer a member. A new invitation from someone who may grant the
    /// role is needed.
    #[error("the invitation's creator (member `{creator}`) may no longer grant it: {}", withdrawn(.reason.as_ref()))]
    InvitationWithdrawn {
        /// Who created the invitation.
        creator: MemberId,
        /// Why the creator may no longer grant it.
        reason: Option<Reason>,
    },
    /// A batch import failed, nothing was written; every failing row is in
    /// the list, and the message names the first [`LISTED_IN_MESSAGE`] and how
    /// many more.
    #[error("the import failed, nothing was written: {}", rows(.0))]
    ImportFailed(Vec<RowError>),
    /// Too many concurrent writers changed the organization; try again.
    #[error("the organization kept changing concurrently; nothing was written, try again")]
    Contended,
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn withdrawn(reason: Option<&Reason>) -> String {
    match reason {
        Some(reason) => reason.to_string(),
        None => "they are no longer a member".to_owned(),
    }
}

/// A value as an error message shows it: escaped, so that what it hides is
/// visible and it cannot rewrite a terminal or a log line, and cut after 254
/// characters.
pub(crate) fn shown(value: &str) -> String {
    const SHOWN_CHARS: usize = 254;
    let kept: String = value.chars().take(SHOWN_CHARS).collect();
    let mut text = kept.escape_debug().to_string();
    if kept.len() < value.len() {
        text.push('…');
    }
    text
}

/// How many entries an error's message lists; the error itself keeps them all.
pub const LISTED_IN_MESSAGE: usize = 100;

/// The first [`LISTED_IN_MESSAGE`] entries joined, and how many more there are.
fn listed<T: fmt::Display>(items: &[T]) -> String {
    let mut text = items
        .iter()
        .take(LISTED_IN_MESSAGE)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > LISTED_IN_MESSAGE {
        text.push_str(&format!("; and {} more", items.len() - LISTED_IN_MESSAGE));
    }
    text
}

fn list(bad: &[BadAddress]) -> String {
    listed(bad)
}

/// One failing row of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file (1 is the header).
    pub line: u64,
    /// What is wrong.
    pub problem: ImportProblem,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// What is wrong with an import row.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportProblem {
    /// The file or the row is not valid CSV (or not UTF-8).
    #[error("cannot read the row: {0}")]
    Unreadable(String),
    /// The header has no `email` column.
    #[error("the header has no `email` column")]
    NoEmailColumn,
    /// The email is not valid.
    #[error("`{}` is not a valid email address", shown(.0))]
    InvalidEmail(String),
    /// A text cell is refused (a control character, or longer than
    /// [`crate::MAX_TEXT_CHARS`]).
    #[error("invalid {field}: {problem}")]
    InvalidField {
        /// The column.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// Another member has this user code.
    #[error("user code `{}` is already used by another member", shown(.0))]
    UserCodeTaken(String),
    /// Another team has this name.
    #[error("team name `{}` is already used by another team", shown(.0))]
    TeamNameTaken(String),
    /// The row would change the importer's own role.
    #[error("members cannot change their own role")]
    OwnRole,
    /// The row would change the Owner's role.
    #[error("the owner's role cannot be changed by an import")]
    OwnerProtected,
    /// The row would grant the unique role.
    #[error("role `{0}` changes hands only by a transfer")]
    UniqueRole(RoleKey),
    /// The row grants a role that exceeds the importer's.
    #[error("role `{0}` exceeds the importer's own")]
    RoleExceedsOwn(RoleKey),
    /// The row changes a member whose role exceeds the importer's.
    #[error("the member holds role `{0}`, which exceeds the importer's own")]
    TargetExceedsActor(RoleKey),
}

fn rows(errors: &[RowError]) -> String {
    listed(errors)
}
