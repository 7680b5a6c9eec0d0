//! Every table a commit writes, described once: its columns, the row a
//! record becomes, and from that both dialects' statements.

use super::statement::Dialect;
use super::values::{hex, invitation_state_name, reach_name, status_name, to_i64, to_json};
use crate::model::role::Role;
use crate::model::team::Team;
use crate::record::{ApiKey, AuditEvent, AuditValue, Bot, Invitation, Member, StoredKnowledgeBase};
use crate::store::StoreError;
use serde::Serialize;

/// A table a commit writes: its name, its record key (none for tables that
/// are only appended to) and every column but `org_id`, with its PostgreSQL
/// type. A row is written from a JSON object with these columns as fields.
pub(super) struct Table {
    name: &'static str,
    key: Option<&'static str>,
    /// Whether a rewritten row takes the position written (the catalog's
    /// order, rewritten whole), rather than keeping its own.
    follow_position: bool,
    columns: &'static [(&'static str, &'static str)],
}

pub(super) const ROLES: Table = Table {
    name: "purview_roles",
    key: Some("role_key"),
    follow_position: true,
    columns: &[
        ("position", "bigint"),
        ("role_key", "text"),
        ("name", "text"),
        ("permissions", "bigint"),
        ("view_scope", "bigint"),
        ("manage_scope", "bigint"),
        ("team_reach", "text"),
        ("bot_reach", "text"),
        ("knowledge", "text"),
        ("is_unique", "bigint"),
        ("is_disabled", "bigint"),
    ],
};

pub(super) const MEMBERS: Table = Table {
    name: "purview_members",
    key: Some("member_id"),
    follow_position: false,
    columns: &[
        ("member_id", "bigint"),
        ("position", "bigint"),
        ("email", "text"),
        ("user_code", "text"),
        ("user_name", "text"),
        ("display_name", "text"),
        ("phone", "text"),
        ("role_key", "text"),
        ("status", "text"),
        ("teams", "text"),
        ("bots", "text"),
        ("bot_levels", "text"),
    ],
};

pub(super) const TEAMS: Table = Table {
    name: "purview_teams",
    key: Some("team_id"),
    follow_position: false,
    columns: &[
        ("team_id", "bigint"),
        ("position", "bigint"),
        ("code", "text"),
        ("name", "text"),
    ],
};

pub(super) const INVITATIONS: Table = Table {
    name: "purview_invitations",
    key: Some("invitation_id"),
    follow_position: false,
    columns: &[
        ("invitation_id", "bigint"),
        ("position", "bigint"),
        ("email", "text"),
        ("role_key", "text"),
        ("secret_hash", "text"),
        ("created_by", "bigint"),
        ("created_at", "bigint"),
        ("expires_at", "bigint"),
        ("state", "text"),
    ],
};

pub(super) const BOTS: Table = Table {
    name: "purview_bots",
    key: Some("bot_id"),
    follow_position: false,
    columns: &[
        ("bot_id", "bigint"),
        ("position", "bigint"),
        ("name", "text"),
        ("published", "bigint"),
    ],
};

pub(super) const API_KEYS: Table = Table {
    name: "purview_api_keys",
    key: Some("api_key_id"),
    follow_position: false,
    columns: &[
        ("api_key_id", "bigint"),
        ("position", "bigint"),
        ("bot_id", "bigint"),
        ("permissions", "bigint"),
        ("secret_hash", "text"),
        ("created_by", "bigint"),
        ("created_at", "bigint"),
        ("revoked", "bigint"),
    ],
};

pub(super) const KNOWLEDGE_BASES: Table = Table {
    name: "purview_knowledge_bases",
    key: Some("kb_id"),
    follow_position: false,
    columns: &[
        ("kb_id", "bigint"),
        ("position", "bigint"),
        ("name", "text"),
        ("audience", "text"),
    ],
};

pub(super) const AUDIT: Table = Table {
    name: "purview_audit",
    key: None,
    follow_position: false,
    columns: &[
        ("version", "bigint"),
        ("idx", "bigint"),
        ("at", "bigint"),
        ("actor", "bigint"),
        ("action", "text"),
        ("subject", "text"),
        ("before_value", "text"),
        ("after_value", "text"),
    ],
};

#[derive(Serialize)]
pub(super) struct RoleRow<'a> {
    position: i64,
    role_key: &'a str,
    name: &'a str,
    permissions: i64,
    view_scope: i64,
    manage_scope: i64,
    team_reach: &'static str,
    bot_reach: &'static str,
    knowledge: String,
    is_unique: i64,
    is_disabled: i64,
}

#[derive(Serialize)]
pub(super) struct MemberRow<'a> {
    member_id: i64,
    position: i64,
    email: &'a str,
    user_code: Option<&'a str>,
    user_name: Option<&'a str>,
    display_name: Option<&'a str>,
    phone: Option<&'a str>,
    role_key: &'a str,
    status: &'static str,
    teams: String,
    bots: String,
    bot_levels: String,
}

#[derive(Serialize)]
pub(super) struct TeamRow<'a> {
    team_id: i64,
    position: i64,
    code: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
pub(super) struct InvitationRow<'a> {
    invitation_id: i64,
    position: i64,
    email: Option<&'a str>,
    role_key: &'a str,
    secret_hash: String,
    created_by: i64,
    created_at: i64,
    expires_at: i64,
    state: &'static str,
}

#[derive(Serialize)]
pub(super) struct BotRow<'a> {
    bot_id: i64,
    position: i64,
    name: &'a str,
    published: i64,
}

#[derive(Serialize)]
pub(super) struct ApiKeyRow {
    api_key_id: i64,
    position: i64,
    bot_id: i64,
    permissions: i64,
    secret_hash: String,
    created_by: i64,
    created_at: i64,
    revoked: i64,
}

#[derive(Serialize)]
pub(super) struct KnowledgeBaseRow<'a> {
    kb_id: i64,
    position: i64,
    name: &'a str,
    audience: Option<String>,
}

#[derive(Serialize)]
pub(super) struct AuditRow<'a> {
    version: i64,
    idx: i64,
    at: i64,
    actor: Option<i64>,
    action: &'a str,
    subject: &'a str,
    before_value: Option<String>,
    after_value: Option<String>,
}

pub(super) fn role_row(position: usize, role: &Role) -> Result<RoleRow<'_>, StoreError> {
    Ok(RoleRow {
        position: to_i64(position as u64, "role position")?,
        role_key: role.key().as_str(),
        name: role.name(),
        permissions: to_i64(role.raw_permissions().bits(), "permissions")?,
        view_scope: i64::from(role.raw_view_scope().bits()),
        manage_scope: i64::from(role.raw_manage_scope().bits()),
        team_reach: reach_name(role.raw_team_reach()),
        bot_reach: reach_name(role.raw_bot_reach()),
        knowledge: to_json(role.raw_knowledge())?,
        is_unique: i64::from(role.is_unique()),
        is_disabled: i64::from(role.is_disabled()),
    })
}

pub(super) fn member_row(position: i64, m: &Member) -> Result<MemberRow<'_>, StoreError> {
    Ok(MemberRow {
        member_id: to_i64(m.id.0, "member id")?,
        position,
        email: &m.email,
        user_code: m.user_code.as_deref(),
        user_name: m.user_name.as_deref(),
        display_name: m.display_name.as_deref(),
        phone: m.phone.as_deref(),
        role_key: m.role.as_str(),
        status: status_name(m.status),
        teams: to_json(&m.teams)?,
        bots: to_json(&m.bots)?,
        bot_levels: to_json(&m.bot_levels)?,
    })
}

pub(super) fn team_row(position: i64, t: &Team) -> Result<TeamRow<'_>, StoreError> {
    Ok(TeamRow {
        team_id: to_i64(t.id.0, "team id")?,
        position,
        code: t.code.as_deref(),
        name: &t.name,
    })
}

pub(super) fn invitation_row(
    position: i64,
    i: &Invitation,
) -> Result<InvitationRow<'_>, StoreError> {
    Ok(InvitationRow {
        invitation_id: to_i64(i.id.0, "invitation id")?,
        position,
        email: i.email.as_deref(),
        role_key: i.role.as_str(),
        secret_hash: hex(&i.secret_hash),
        created_by: to_i64(i.created_by.0, "member id")?,
        created_at: to_i64(i.created_at.0, "timestamp")?,
        expires_at: to_i64(i.expires_at.0, "timestamp")?,
        state: invitation_state_name(i.state),
    })
}

pub(super) fn bot_row(position: i64, b: &Bot) -> Result<BotRow<'_>, StoreError> {
    Ok(BotRow {
        bot_id: to_i64(b.id.0, "bot id")?,
        position,
        name: &b.name,
        published: i64::from(b.published),
    })
}

pub(super) fn api_key_row(position: i64, k: &ApiKey) -> Result<ApiKeyRow, StoreError> {
    Ok(ApiKeyRow {
        api_key_id: to_i64(k.id.0, "api key id")?,
        position,
        bot_id: to_i64(k.bot.0, "bot id")?,
        permissions: to_i64(k.permissions.bits(), "permissions")?,
        secret_hash: hex(&k.secret_hash),
        created_by: to_i64(k.created_by.0, "member id")?,
        created_at: to_i64(k.created_at.0, "timestamp")?,
        revoked: i64::from(k.revoked),
    })
}

pub(super) fn knowledge_base_row(
    position: i64,
    k: &StoredKnowledgeBase,
) -> Result<KnowledgeBaseRow<'_>, StoreError> {
    Ok(KnowledgeBaseRow {
        kb_id: to_i64(k.id.0, "knowledge base id")?,
        position,
        name: &k.name,
        audience: k.audience.as_ref().map(to_json).transpose()?,
    })
}

pub(super) fn audit_row(e: &AuditEvent) -> Result<AuditRow<'_>, StoreError> {
    Ok(AuditRow {
        version: to_i64(e.version, "version")?,
        idx: i64::from(e.index),
        at: to_i64(e.at.0, "timestamp")?,
        actor: e.actor.map(|a| to_i64(a.0, "actor")).transpose()?,
        action: &e.action,
        subject: &e.subject,
        before_value: e.before.as_ref().map(AuditValue::to_json),
        after_value: e.after.as_ref().map(AuditValue::to_json),
    })
}

impl Table {
    /// The rows in the JSON array bound at `rows`, as a relation with this
    /// table's columns.
    pub(super) fn source(&self, dialect: Dialect, rows: &str) -> (String, String) {
        let names: Vec<&str> = self.columns.iter().map(|(c, _)| *c).collect();
        match dialect {
            Dialect::Postgres => {
                let typed: Vec<String> = self
                    .columns
                    .iter()
                    .map(|(c, t)| format!("{c} {t}"))
                    .collect();
                let cells: Vec<String> = names.iter().map(|c| format!("x.{c}")).collect();
                (
                    cells.join(", "),
                    format!(
                        "jsonb_to_recordset({rows}::jsonb) AS x({})",
                        typed.join(", ")
                    ),
                )
            }
            Dialect::Sqlite => {
                let cells: Vec<String> = names
                    .iter()
                    .map(|c| format!("json_extract(x.value, '$.{c}')"))
                    .collect();
                (cells.join(", "), format!("json_each({rows}) AS x"))
            }
        }
    }

    /// `INSERT … SELECT` of the rows bound at `rows` for the organization
    /// bound at `org`; with a key, an upsert that keeps a row's position
    /// unless its id is in the JSON array bound at `moved` (a record the
    /// commit deleted and wrote again, which goes to the end). With `after`,
    /// only if that relation (the version's move) has a row.
    pub(super) fn insert(
        &self,
        dialect: Dialect,
        org: &str,
        rows: &str,
        moved: Option<&str>,
        after: Option<&str>,
    ) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(c, _)| *c).collect();
        let (cells, source) = self.source(dialect, rows);
        let joined = after.map_or(String::new(), |v| format!(", {v}"));
        let mut text = format!(
            "INSERT INTO {} (org_id, {}) SELECT {org}, {cells} FROM {source}{joined} WHERE true",
            self.name,
            names.join(", ")
        );
        if let Some(key) = self.key {
            let mut sets: Vec<String> = names
                .iter()
                .filter(|c| **c != key && (**c != "position" || self.follow_position))
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            if let Some(moved) = moved {
                sets.push(format!(
                    "position = CASE WHEN {}.{key} IN ({}) THEN excluded.position
                     ELSE {}.position END",
                    self.name,
                    ids(dialect, moved),
                    self.name
                ));
            }
            text.push_str(&format!(
                " ON CONFLICT (org_id, {key}) DO UPDATE SET {}",
                sets.join(", ")
            ));
        }
        text
    }

    /// `DELETE` of the rows whose ids are in the JSON array bound at `list`
    /// (`None` for a table without a record key).
    pub(super) fn delete(
        &self,
        dialect: Dialect,
        org: &str,
        list: &str,
        after: Option<&str>,
    ) -> Option<String> {
        let key = self.key?;
        let guard = after.map_or(String::new(), |v| {
            format!(" AND EXISTS (SELECT 1 FROM {v})")
        });
        Some(format!(
            "DELETE FROM {} WHERE org_id = {org} AND {key} IN ({}){guard}",
            self.name,
            ids(dialect, list)
        ))
    }
}

/// The ids in the JSON array bound at `list`, as a subquery.
pub(super) fn ids(dialect: Dialect, list: &str) -> String {
    match dialect {
        Dialect::Postgres => {
            format!("SELECT value::bigint FROM jsonb_array_elements_text({list}::jsonb)")
        }
        Dialect::Sqlite => format!("SELECT value FROM json_each({list})"),
    }
}
