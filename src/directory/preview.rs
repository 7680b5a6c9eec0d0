//! Previews: an operation decided exactly as it would be and checked
//! against every invariant, its changes and audit events computed, nothing
//! written; with, for each member whose access would change, what they
//! would gain and lose.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::model::permission::Permissions;
use crate::model::scope::{ConversationScope, KnowledgeRefs, Reach};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Mutex;

/// What operations would do, had they been made: the audit events they
/// would write, in order, and the access each affected member would gain
/// or lose. See [`Directory::preview`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Preview {
    /// The audit events the operations would write, as they would be
    /// written (versions and times included).
    pub events: Vec<AuditEvent>,
    /// The members whose access would change, each once per operation, in
    /// id order within an operation.
    pub access: Vec<AccessChange>,
}

/// How one member's access would change: what `can` would allow them
/// before and after, as permissions, scopes, teams, status, bot grants and
/// their levels, reach and knowledge references. A removed
/// member loses everything; a member who would be created gains
/// everything they get.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessChange {
    /// The member.
    pub member: MemberId,
    /// Permissions the member would gain.
    pub permissions_gained: Permissions,
    /// Permissions the member would lose.
    pub permissions_lost: Permissions,
    /// Parts of the conversation view scope gained.
    pub view_scope_gained: ConversationScope,
    /// Parts of the conversation view scope lost.
    pub view_scope_lost: ConversationScope,
    /// Parts of the conversation manage scope gained.
    pub manage_scope_gained: ConversationScope,
    /// Parts of the conversation manage scope lost.
    pub manage_scope_lost: ConversationScope,
    /// Teams the member would join.
    pub teams_joined: Vec<TeamId>,
    /// Teams the member would leave.
    pub teams_left: Vec<TeamId>,
    /// Whether the member may act at all (active), before and after.
    pub enabled: (bool, bool),
    /// Bots the member would be granted.
    pub bots_granted: Vec<BotId>,
    /// Bots whose grant the member would lose.
    pub bots_revoked: Vec<BotId>,
    /// Bots whose permission level for the member would change (a level
    /// set, changed or taken away, with the grant or on its own).
    pub bot_levels_changed: Vec<BotId>,
    /// The role's team reach, before and after, when it would change.
    pub team_reach: Option<(Reach, Reach)>,
    /// The role's bot reach, before and after, when it would change.
    pub bot_reach: Option<(Reach, Reach)>,
    /// The role's knowledge-base references, before and after, when they
    /// would change.
    pub knowledge: Option<(KnowledgeRefs, KnowledgeRefs)>,
}

/// A member's access as `can` sees it: nothing for a member who does not
/// exist (or may not act).
#[derive(PartialEq, Eq)]
struct Access {
    permissions: Permissions,
    view: ConversationScope,
    manage: ConversationScope,
    teams: Vec<TeamId>,
    enabled: bool,
    bots: Vec<BotId>,
    bot_levels: Vec<(BotId, Permissions)>,
    team_reach: Reach,
    bot_reach: Reach,
    knowledge: KnowledgeRefs,
}

fn access(state: &OrgState, member: MemberId) -> Access {
    use crate::model::action::ScopeUse;
    let reach = |own: bool| if own { Reach::Own } else { Reach::All };
    match state.actor(member).filter(MemberActor::is_enabled) {
        Some(a) => Access {
            permissions: a.permissions(),
            view: a.scope(ScopeUse::View),
            manage: a.scope(ScopeUse::Manage),
            teams: a.teams().to_vec(),
            enabled: true,
            bots: a.bots().to_vec(),
            bot_levels: a.bot_levels().to_vec(),
            team_reach: reach(a.own_teams_only()),
            bot_reach: reach(a.own_bots_only()),
            knowledge: a.role().knowledge().clone(),
        },
        None => {
            let record = state.members.get(&member);
            Access {
                permissions: Permissions::empty(),
                view: ConversationScope::empty(),
                manage: ConversationScope::empty(),
                teams: record.map(|m| m.teams.clone()).unwrap_or_default(),
                enabled: false,
                bots: record.map(|m| m.bots.clone()).unwrap_or_default(),
                bot_levels: record.map(|m| m.bot_levels.clone()).unwrap_or_default(),
                // A member who may not act reaches nothing.
                team_reach: Reach::Own,
                bot_reach: Reach::Own,
                knowledge: KnowledgeRefs::Only(Vec::new()),
            }
        }
    }
}

/// The access changes a commit's `changes` would make to `state`: over the
/// members it writes and, when it changes the catalog, the holders of every
/// role it changes or deletes.
pub(super) fn access_changes(state: &OrgState, changes: &[Change]) -> Vec<AccessChange> {
    let mut next = state.clone();
    let mut affected = BTreeSet::new();
    for change in changes {
        match change {
            Change::PutMember(m) => {
                affected.insert(m.id);
            }
            Change::DeleteMember(id) => {
                affected.insert(*id);
            }
            _ => {}
        }
        next.apply(change);
    }
    if !Arc::ptr_eq(&state.org.catalog, &next.org.catalog) {
        for role in state.org.catalog.roles() {
            let key = role.key().as_str();
            if next.org.catalog.role(key) != Some(role) {
                affected.extend(state.role_holders(key).map(|m| m.id));
            }
        }
    }
    affected
        .into_iter()
        .filter_map(|id| {
            let (before, after) = (access(state, id), access(&next, id));
            (before != after).then(|| {
                fn diff<T: Copy + PartialEq>(a: &[T], b: &[T]) -> Vec<T> {
                    a.iter().filter(|t| !b.contains(t)).copied().collect()
                }
                fn changed<T: PartialEq + Clone>(a: &T, b: &T) -> Option<(T, T)> {
                    (a != b).then(|| (a.clone(), b.clone()))
                }
                let level = |levels: &[(BotId, Permissions)], bot: BotId| {
                    levels.iter().find(|(b, _)| *b == bot).map(|(_, l)| *l)
                };
                // Every bot with a level before or after: under a role
                // that reaches every bot, a level bounds a bot not granted.
                let mut levelled: Vec<BotId> = before
                    .bot_levels
                    .iter()
                    .chain(&after.bot_levels)
                    .map(|(b, _)| *b)
                    .collect();
                levelled.sort_unstable();
                levelled.dedup();
                let bot_levels_changed = levelled
                    .into_iter()
                    .filter(|b| level(&before.bot_levels, *b) != level(&after.bot_levels, *b))
                    .collect();
                AccessChange {
                    bots_granted: diff(&after.bots, &before.bots),
                    bots_revoked: diff(&before.bots, &after.bots),
                    bot_levels_changed,
                    team_reach: changed(&before.team_reach, &after.team_reach),
                    bot_reach: changed(&before.bot_reach, &after.bot_reach),
                    knowledge: changed(&before.knowledge, &after.knowledge),
                    member: id,
                    permissions_gained: after.permissions.difference(before.permissions),
                    permissions_lost: before.permissions.difference(after.permissions),
                    view_scope_gained: after.view.difference(before.view),
                    view_scope_lost: before.view.difference(after.view),
                    manage_scope_gained: after.manage.difference(before.manage),
                    manage_scope_lost: before.manage.difference(after.manage),
                    teams_joined: diff(&after.teams, &before.teams),
                    teams_left: diff(&before.teams, &after.teams),
                    enabled: (before.enabled, after.enabled),
                }
            })
        })
        .collect()
}

/// Where a previewing directory puts what its operations would do.
pub(super) type PreviewSink = Arc<Mutex<Preview>>;

impl<S, C> Directory<S, C> {
    /// Whether this directory previews: every path that writes asks
    /// first, and then records what it would write instead
    /// (`record_preview`) and writes nothing.
    pub(super) fn previewing(&self) -> bool {
        self.preview.is_some()
    }

    /// Records what a commit of `changes` and `events` to `state` would do.
    pub(super) fn record_preview(
        &self,
        state: &OrgState,
        changes: &[Change],
        events: Vec<AuditEvent>,
    ) {
        if let Some(sink) = &self.preview {
            let access = access_changes(state, changes);
            let mut seen = sink.lock().unwrap_or_else(|e| e.into_inner());
            seen.events.extend(events);
            seen.access.extend(access);
        }
    }
}

impl<S: Store + Clone, C: Clock + Clone> Directory<S, C> {
    /// Runs operations as a preview: `op` gets a directory whose every
    /// operation decides exactly as it would — the same checks, the same
    /// invariants, the same errors — and writes nothing. Returns what `op`
    /// returns and the [`Preview`]: the audit events the operations would
    /// write and, for each member whose access would change, what they
    /// would gain and lose (a role edit lists every holder of the role).
    /// Each operation decides against the stored state: a second one does
    /// not see what the first would have done.
    ///
    /// ```
    /// # purview::executor::block_on(async {
    /// use purview::{preset, Directory, MemoryStore, NewOrganization, OrgId, Permissions, Profile};
    /// let org = OrgId(1);
    /// let dir = Directory::new(MemoryStore::new());
    /// let owner = dir.create_organization(NewOrganization {
    ///     id: org,
    ///     name: "Acme".into(),
    ///     catalog: preset::helpdesk(),
    ///     seat_limit: 5,
    ///     founder: Profile { email: Some("owner@acme.test".into()), ..Profile::default() },
    ///     founder_role: None,
    /// }).await?;
    /// let sent = dir.invite(org, owner, "a@acme.test", "agent").await?;
    /// let profile = Profile {
    ///     user_name: Some("ann".into()),
    ///     display_name: Some("Ann".into()),
    ///     phone: Some("+1 555 0100".into()),
    ///     ..Profile::default()
    /// };
    /// let (_, agent) = dir.accept_invitation(&sent[0].secret, profile).await?;
    ///
    /// let ((), preview) = dir
    ///     .preview(|d| async move { d.change_role(org, owner, agent, "admin").await })
    ///     .await?;
    /// assert_eq!(preview.events[0].action, "change_role");
    /// assert_eq!(preview.access[0].member, agent);
    /// assert!(preview.access[0].permissions_gained.contains(Permissions::ANALYTICS_VIEW));
    /// // Nothing was written: the agent is still an agent.
    /// let state = dir.snapshot(org).await?;
    /// assert_eq!(state.members.get(&agent).map(|m| m.role.as_str()), Some("agent"));
    /// # Ok::<(), purview::DirectoryError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// What `op` returns: an operation refused in a preview is refused with
    /// the error the real operation would give.
    pub async fn preview<T, F, Fut>(&self, op: F) -> Result<(T, Preview), DirectoryError>
    where
        F: FnOnce(Directory<S, C>) -> Fut,
        Fut: Future<Output = Result<T, DirectoryError>>,
    {
        let sink: PreviewSink = Arc::default();
        let mut previewing = self.clone();
        previewing.preview = Some(Arc::clone(&sink));
        let out = op(previewing).await?;
        let preview = std::mem::take(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()));
        Ok((out, preview))
    }
}
