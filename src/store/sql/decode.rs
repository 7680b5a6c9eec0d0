//! Decoding an organization's stored rows into its state, every value
//! checked: what cannot be decoded, or breaks a rule the data keeps, is
//! [`StoreError::Corrupt`], never access.

use super::log::Logged;
use super::values::{corrupt, get, id, json, to_u64, unhex};
use super::values::{invitation_state, reach, status};
use crate::model::catalog::{Catalog, DirectoryRules};
use crate::model::id::{ApiKeyId, BotId, InvitationId, KnowledgeBaseId, MemberId, OrgId, TeamId};
use crate::model::matrix::Matrix;
use crate::model::permission::Permissions;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::{ConversationScope, KnowledgeRefs};
use crate::model::team::Team;
use crate::record::{
    ApiKey, Bot, Change, Committed, Invitation, InvitationState, Member, OrgState, Organization,
    StoredRecord, Timestamp,
};
use crate::store::StoreError;
use sqlx::any::AnyRow;
use std::sync::Arc;

/// An organization's rows, one slice per table.
pub(super) struct Rows<'a> {
    pub(super) org: &'a AnyRow,
    pub(super) roles: &'a [AnyRow],
    pub(super) members: &'a [AnyRow],
    pub(super) teams: &'a [AnyRow],
    pub(super) invitations: &'a [AnyRow],
    pub(super) bots: &'a [AnyRow],
    pub(super) api_keys: &'a [AnyRow],
    pub(super) knowledge_bases: &'a [AnyRow],
}

/// Decodes an organization's rows. Everything is checked: permission and
/// scope bits this crate does not know, flags other than 0 and 1, role keys
/// missing from the catalog, malformed values, and then the rules the rows
/// keep together (one holder of the unique role, members' teams exist,
/// unique emails, user codes, team codes and names) — each is
/// [`StoreError::Corrupt`], never access.
pub(super) fn decode(org: OrgId, rows: &Rows<'_>) -> Result<OrgState, StoreError> {
    let Rows {
        org: row,
        roles,
        members,
        teams,
        invitations,
        bots,
        api_keys,
        knowledge_bases,
    } = *rows;
    let mut decoded_roles = Vec::with_capacity(roles.len());
    for r in roles {
        let key: String = get(r, "role_key")?;
        let bits = to_u64(get(r, "permissions")?, "permissions")?;
        let permissions =
            Permissions::from_stored(bits).map_err(|e| corrupt(format!("role `{key}`: {e}")))?;
        let scope = |col: &str| -> Result<ConversationScope, StoreError> {
            let bits = get::<i64>(r, col)?;
            u8::try_from(bits)
                .ok()
                .and_then(ConversationScope::from_bits)
                .ok_or_else(|| corrupt(format!("role `{key}`: unknown {col} bits {bits}")))
        };
        let knowledge: KnowledgeRefs = json(&get::<String>(r, "knowledge")?, "knowledge")?;
        let mut b = Role::builder(key.clone(), get::<String>(r, "name")?)
            .permissions(permissions)
            .view_scope(scope("view_scope")?)
            .manage_scope(scope("manage_scope")?)
            .team_reach(reach(&get::<String>(r, "team_reach")?)?)
            .bot_reach(reach(&get::<String>(r, "bot_reach")?)?)
            .knowledge(knowledge);
        let at = || format!("purview_roles role_key `{key}`");
        if flag(r, "is_unique", at)? {
            b = b.unique();
        }
        if flag(r, "is_disabled", at)? {
            b = b.disabled();
        }
        decoded_roles.push(b.build());
    }
    let policy: DirectoryRules = json(&get::<String>(row, "policy")?, "policy")?;
    let bases: Vec<KnowledgeBaseId> =
        json(&get::<String>(row, "knowledge_bases")?, "knowledge bases")?;
    let matrix: Option<Matrix> = get::<Option<String>>(row, "matrix")?
        .map(|m| json(&m, "matrix"))
        .transpose()?;
    let mut catalog = Catalog::with_parts(
        get::<String>(row, "catalog_name")?,
        decoded_roles,
        policy,
        bases,
    )
    .map_err(|e| corrupt(format!("catalog: {e}")))?;
    if let Some(m) = matrix {
        catalog = catalog
            .with_matrix(m)
            .map_err(|e| corrupt(format!("catalog: {e}")))?;
    }
    let known_role = |key: String| -> Result<RoleKey, StoreError> {
        if catalog.role(&key).is_some() {
            Ok(RoleKey::new(key))
        } else {
            Err(corrupt(format!("unknown role key `{key}`")))
        }
    };
    let mut state = OrgState::new(Organization {
        id: org,
        name: get(row, "name")?,
        catalog: Arc::new(catalog.clone()),
        seat_limit: u32::try_from(get::<i64>(row, "seat_limit")?)
            .map_err(|_| corrupt("seat limit out of range"))?,
        settings: json(&get::<String>(row, "settings")?, "organization settings")?,
    });
    state.version = id(row, "version")?;
    let mut member_map = crate::record::Records::new();
    for r in members {
        let id = MemberId(id(r, "member_id")?);
        let teams: Vec<TeamId> = json(&get::<String>(r, "teams")?, "member teams")?;
        let bots: Vec<BotId> = json(&get::<String>(r, "bots")?, "member bots")?;
        let member = Member {
            id,
            email: get(r, "email")?,
            user_code: get(r, "user_code")?,
            user_name: get(r, "user_name")?,
            display_name: get(r, "display_name")?,
            phone: get(r, "phone")?,
            role: known_role(get(r, "role_key")?)?,
            teams,
            bots,
            bot_levels: json(&get::<String>(r, "bot_levels")?, "member bot levels")?,
            status: status(&get::<String>(r, "status")?)?,
        };
        member_map.insert(id, Arc::new(member));
    }
    let mut team_map = crate::record::Records::new();
    for r in teams {
        let id = TeamId(id(r, "team_id")?);
        team_map.insert(
            id,
            Arc::new(Team {
                id,
                org,
                code: get(r, "code")?,
                name: get(r, "name")?,
            }),
        );
    }
    let mut invitation_map = crate::record::Records::new();
    for r in invitations {
        let id = InvitationId(id(r, "invitation_id")?);
        let state = invitation_state(&get::<String>(r, "state")?)?;
        let role_key: String = get(r, "role_key")?;
        // A settled invitation grants nothing: its role may since have been
        // deleted from the catalog. A pending one must name a role there.
        let role = if state == InvitationState::Pending {
            known_role(role_key)?
        } else {
            RoleKey::new(role_key)
        };
        invitation_map.insert(
            id,
            Arc::new(Invitation {
                id,
                email: get(r, "email")?,
                role,
                secret_hash: unhex(&get::<String>(r, "secret_hash")?)?,
                created_by: MemberId(id_of(r, "created_by")?),
                created_at: Timestamp(id_of(r, "created_at")?),
                expires_at: Timestamp(id_of(r, "expires_at")?),
                state,
            }),
        );
    }
    let mut bot_map = crate::record::Records::new();
    for r in bots {
        let id = BotId(id(r, "bot_id")?);
        let published = flag(r, "published", || format!("purview_bots bot_id {}", id.0))?;
        bot_map.insert(
            id,
            Arc::new(Bot {
                id,
                name: get(r, "name")?,
                published,
            }),
        );
    }
    let mut key_map = crate::record::Records::new();
    for r in api_keys {
        let id = ApiKeyId(id(r, "api_key_id")?);
        let at = || format!("purview_api_keys api_key_id {}", id.0);
        let bits = to_u64(get(r, "permissions")?, "permissions")?;
        let permissions =
            Permissions::from_stored(bits).map_err(|e| corrupt(format!("{}: {e}", at())))?;
        key_map.insert(
            id,
            Arc::new(ApiKey {
                id,
                bot: BotId(id_of(r, "bot_id")?),
                permissions,
                secret_hash: unhex(&get::<String>(r, "secret_hash")?)?,
                created_by: MemberId(id_of(r, "created_by")?),
                created_at: Timestamp(id_of(r, "created_at")?),
                revoked: flag(r, "revoked", at)?,
            }),
        );
    }
    state.members = member_map;
    state.teams = team_map;
    state.invitations = invitation_map;
    let mut kb_map = crate::record::Records::new();
    for r in knowledge_bases {
        let id = KnowledgeBaseId(id(r, "kb_id")?);
        let audience: Option<crate::model::contact::Audience> =
            get::<Option<String>>(r, "audience")?
                .map(|a| json(&a, "knowledge base audience"))
                .transpose()?;
        kb_map.insert(
            id,
            Arc::new(crate::record::StoredKnowledgeBase {
                id,
                name: get(r, "name")?,
                audience,
            }),
        );
    }
    state.bots = bot_map;
    state.api_keys = key_map;
    state.knowledge_bases = kb_map;
    if let Some(broken) = state.broken_rule() {
        let row = match broken.record {
            StoredRecord::Member(id) => format!("purview_members member_id {}", id.0),
            StoredRecord::Team(id) => format!("purview_teams team_id {}", id.0),
        };
        return Err(corrupt(format!("{row}: {}", broken.problem)));
    }
    Ok(state)
}

/// A flag column: exactly 0 or 1; any other value is damage, not "true".
pub(super) fn flag(row: &AnyRow, col: &str, at: impl Fn() -> String) -> Result<bool, StoreError> {
    match get::<i64>(row, col)? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(corrupt(format!("{}: {col} is {other}, not 0 or 1", at()))),
    }
}

/// The commits of change-log rows that follow `after` one by one; `None`
/// at a gap (the log does not hold every commit from there).
pub(super) fn consecutive<'r>(
    after: u64,
    rows: impl IntoIterator<Item = &'r AnyRow>,
) -> Result<Option<Vec<Committed>>, StoreError> {
    let mut commits = Vec::new();
    for (expected, r) in (after + 1..).zip(rows) {
        let at = id(r, "version")?;
        if at != expected {
            return Ok(None);
        }
        commits.push(Committed {
            version: at,
            changes: log_entry(r)?,
        });
    }
    Ok(Some(commits))
}

/// The changes of one row of the change log.
pub(super) fn log_entry(row: &AnyRow) -> Result<Vec<Change>, StoreError> {
    let logged: Vec<Logged<'static>> = json(&get::<String>(row, "changes")?, "change log")?;
    logged.into_iter().map(Logged::into_change).collect()
}

fn id_of(row: &AnyRow, col: &str) -> Result<u64, StoreError> {
    id(row, col)
}
