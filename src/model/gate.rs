//! Rules 1 to 4 of [`can`](crate::can), each written once: `can` applies
//! them to every request, [`ConversationFilter::for_action`](crate::ConversationFilter::for_action)
//! once per list.

use crate::model::action::Action;
use crate::model::actor::{ApiKeyActor, ContactActor, MemberActor};
use crate::model::decision::Reason;
use crate::model::id::OrgId;
use crate::model::permission::Permissions;
use crate::model::resource::ResourceKind;

/// Rules 1 to 3, the same for every kind of actor: the resource is in the
/// actor's organization (`org` is `None` when the resource's parts
/// disagree), the actor is enabled, and the action applies to the kind.
#[inline(always)]
pub(crate) fn frame(
    actor_org: OrgId,
    enabled: bool,
    action: Action,
    org: Option<OrgId>,
    kind: ResourceKind,
) -> Option<Reason> {
    // 1. Organization isolation, before anything else is looked at.
    if org != Some(actor_org) {
        return Some(Reason::OtherOrganization);
    }
    // 2. Actor status.
    if !enabled {
        return Some(Reason::ActorDisabled);
    }
    // 3. The action applies to this kind of resource.
    if !action.applies_to(kind) {
        return Some(Reason::NotApplicable {
            action,
            resource: kind,
        });
    }
    None
}

/// Rule 4 for the holders of permissions (members and API keys): they hold
/// every bit the action requires.
#[inline(always)]
pub(crate) fn holds(action: Action, held: Permissions) -> Option<Reason> {
    let missing = action.required().difference(held);
    if missing.is_empty() {
        None
    } else {
        Some(Reason::MissingPermission { missing })
    }
}

/// Rules 1 to 4 for a member.
#[inline(always)]
pub(crate) fn member_gate(
    m: &MemberActor,
    action: Action,
    org: Option<OrgId>,
    kind: ResourceKind,
) -> Option<Reason> {
    if let Some(reason) = frame(m.org(), m.is_enabled(), action, org, kind) {
        return Some(reason);
    }
    holds(action, m.permissions())
}

/// Rules 1 to 4 for an API key: a key is never disabled, and holds the
/// permissions it was generated with.
#[inline(always)]
pub(crate) fn key_gate(
    k: &ApiKeyActor,
    action: Action,
    org: Option<OrgId>,
    kind: ResourceKind,
) -> Option<Reason> {
    frame(k.org, true, action, org, kind).or_else(|| holds(action, k.permissions))
}

/// Rules 1 to 4 for a contact: a contact is never disabled and holds no
/// role; rule 4 is that the action is open to contacts.
#[inline(always)]
pub(crate) fn contact_gate(
    c: &ContactActor,
    action: Action,
    org: Option<OrgId>,
    kind: ResourceKind,
) -> Option<Reason> {
    match frame(c.org, true, action, org, kind) {
        Some(reason) => Some(reason),
        None if !action.open_to_contacts() => Some(Reason::RequiresMember),
        None => None,
    }
}
