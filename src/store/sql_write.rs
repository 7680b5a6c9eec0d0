//! How the SQL stores write a commit: each table's rows travel as one JSON
//! array bound to one parameter and are written by one set-based statement
//! (`jsonb_to_recordset` on PostgreSQL, `json_each` on SQLite), so a commit
//! takes the same number of statements with one record or with 100,000.
//!
//! Every table is described once ([`Table`]): its columns, the row a record
//! becomes, and from that description both dialects' statements. On
//! PostgreSQL a whole commit is one statement; on SQLite a few statements in
//! one transaction.

use super::sql::{
    backend, hex, invitation_state_name, reach_name, status_name, to_i64, to_json, Dialect, CHANNEL,
};
use super::{Commit, StoreError};
use crate::catalog::Catalog;
use crate::record::{
    ApiKey, AuditEvent, Bot, Change, Invitation, Member, Organization, StoredKnowledgeBase,
};
use crate::role::Role;
use crate::team::Team;
use indexmap::IndexMap;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashSet;

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
struct RoleRow<'a> {
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
struct MemberRow<'a> {
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
struct TeamRow<'a> {
    team_id: i64,
    position: i64,
    code: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
struct InvitationRow<'a> {
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
struct BotRow<'a> {
    bot_id: i64,
    position: i64,
    name: &'a str,
    published: i64,
}

#[derive(Serialize)]
struct ApiKeyRow {
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
struct KnowledgeBaseRow<'a> {
    kb_id: i64,
    position: i64,
    name: &'a str,
    audience: Option<String>,
}

#[derive(Serialize)]
struct AuditRow<'a> {
    version: i64,
    idx: i64,
    at: i64,
    actor: Option<i64>,
    action: &'a str,
    subject: &'a str,
    before_value: Option<&'a str>,
    after_value: Option<&'a str>,
}

fn role_row(position: usize, role: &Role) -> Result<RoleRow<'_>, StoreError> {
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

fn member_row(position: i64, m: &Member) -> Result<MemberRow<'_>, StoreError> {
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

fn team_row(position: i64, t: &Team) -> Result<TeamRow<'_>, StoreError> {
    Ok(TeamRow {
        team_id: to_i64(t.id.0, "team id")?,
        position,
        code: t.code.as_deref(),
        name: &t.name,
    })
}

fn invitation_row(position: i64, i: &Invitation) -> Result<InvitationRow<'_>, StoreError> {
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

fn bot_row(position: i64, b: &Bot) -> Result<BotRow<'_>, StoreError> {
    Ok(BotRow {
        bot_id: to_i64(b.id.0, "bot id")?,
        position,
        name: &b.name,
        published: i64::from(b.published),
    })
}

fn api_key_row(position: i64, k: &ApiKey) -> Result<ApiKeyRow, StoreError> {
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

fn knowledge_base_row(
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

fn audit_row(e: &AuditEvent) -> Result<AuditRow<'_>, StoreError> {
    Ok(AuditRow {
        version: to_i64(e.version, "version")?,
        idx: i64::from(e.index),
        at: to_i64(e.at.0, "timestamp")?,
        actor: e.actor.map(|a| to_i64(a.0, "actor")).transpose()?,
        action: &e.action,
        subject: &e.subject,
        before_value: e.before.as_deref(),
        after_value: e.after.as_deref(),
    })
}

impl Table {
    /// The rows in the JSON array bound at `rows`, as a relation with this
    /// table's columns.
    fn source(&self, dialect: Dialect, rows: &str) -> (String, String) {
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
    fn insert(
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
    fn delete(
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
fn ids(dialect: Dialect, list: &str) -> String {
    match dialect {
        Dialect::Postgres => {
            format!("SELECT value::bigint FROM jsonb_array_elements_text({list}::jsonb)")
        }
        Dialect::Sqlite => format!("SELECT value FROM json_each({list})"),
    }
}

/// A value bound to a statement.
pub(super) enum Arg {
    Int(i64),
    Text(String),
    OptText(Option<String>),
}

/// A statement's text with numbered placeholders in its dialect (`$n`,
/// `?n`) and the values they stand for.
pub(super) struct Statement {
    dialect: Dialect,
    pub(super) text: String,
    pub(super) args: Vec<Arg>,
}

impl Statement {
    pub(super) fn new(dialect: Dialect) -> Statement {
        Statement {
            dialect,
            text: String::new(),
            args: Vec::new(),
        }
    }

    /// The next placeholder, bound to `arg`.
    pub(super) fn p(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        match self.dialect {
            Dialect::Postgres => format!("${}", self.args.len()),
            Dialect::Sqlite => format!("?{}", self.args.len()),
        }
    }
}

/// A commit's net changes to the organization's records.
struct Nets<'a> {
    /// The organization's name and seat limit, when the commit sets them.
    organization: Option<(&'a str, u32)>,
    /// The catalog the commit leaves, when it sets one.
    catalog: Option<&'a Catalog>,
    /// The settings the commit leaves, when it sets them.
    settings: Option<&'a std::collections::BTreeMap<String, String>>,
    members: Net<'a, Member>,
    teams: Net<'a, Team>,
    invitations: Net<'a, Invitation>,
    bots: Net<'a, Bot>,
    api_keys: Net<'a, ApiKey>,
    knowledge_bases: Net<'a, StoredKnowledgeBase>,
}

/// A commit's net changes. The organization's creation is written with the
/// version, not here.
fn nets(changes: &[Change]) -> Nets<'_> {
    let mut n = Nets {
        organization: None,
        catalog: None,
        settings: None,
        members: Net::default(),
        teams: Net::default(),
        invitations: Net::default(),
        bots: Net::default(),
        api_keys: Net::default(),
        knowledge_bases: Net::default(),
    };
    for change in changes {
        match change {
            Change::CreateOrganization(_) => {}
            Change::PutMember(m) => n.members.put(m.id.0, m),
            Change::DeleteMember(id) => n.members.delete(id.0),
            Change::PutTeam(t) => n.teams.put(t.id.0, t),
            Change::DeleteTeam(id) => n.teams.delete(id.0),
            Change::PutInvitation(i) => n.invitations.put(i.id.0, i),
            Change::SetOrganization { name, seat_limit } => {
                n.organization = Some((name.as_str(), *seat_limit));
            }
            Change::SetCatalog(c) => n.catalog = Some(&**c),
            Change::SetSettings(s) => n.settings = Some(s),
            Change::PutBot(b) => n.bots.put(b.id.0, b),
            Change::DeleteBot(id) => n.bots.delete(id.0),
            Change::PutApiKey(k) => n.api_keys.put(k.id.0, k),
            Change::PutKnowledgeBase(k) => n.knowledge_bases.put(k.id.0, k),
            Change::DeleteKnowledgeBase(id) => n.knowledge_bases.delete(id.0),
        }
    }
    n
}

/// The `position` of a record new in the commit that makes `version`, by
/// its place in the commit: the version in the high 32 bits, so that no
/// `MAX(position)` is read.
fn positions(version: u64) -> Result<impl Fn(usize) -> i64, StoreError> {
    let base = i64::try_from(version)
        .ok()
        .and_then(|v| v.checked_mul(1 << 32))
        .ok_or_else(|| backend(format!("version {version} is beyond the stored range")))?;
    Ok(move |i: usize| base + i64::try_from(i).unwrap_or(i64::MAX - base))
}

/// The records a commit leaves in one table, by id, in the order
/// [`crate::OrgState::apply`] gives them: a record written for the first
/// time goes to the end, one deleted and written again goes to the end
/// again, one written again keeps its place.
struct Net<'a, T> {
    last: IndexMap<u64, Option<&'a T>>,
    deleted_once: HashSet<u64>,
}

impl<T> Default for Net<'_, T> {
    fn default() -> Self {
        Net {
            last: IndexMap::new(),
            deleted_once: HashSet::new(),
        }
    }
}

impl<'a, T> Net<'a, T> {
    fn put(&mut self, id: u64, record: &'a T) {
        if matches!(self.last.get(&id), Some(None)) {
            // Deleted earlier in the commit: written again at the end.
            self.last.shift_remove(&id);
        }
        self.last.insert(id, Some(record));
    }

    fn delete(&mut self, id: u64) {
        self.last.insert(id, None);
        self.deleted_once.insert(id);
    }

    /// Ids the commit leaves deleted.
    fn deleted(&self) -> Result<Vec<i64>, StoreError> {
        self.last
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(id, _)| to_i64(*id, "record id"))
            .collect()
    }

    /// Ids deleted and written again: their rows move to the end.
    fn moved(&self) -> Result<Vec<i64>, StoreError> {
        self.last
            .iter()
            .filter(|(id, r)| r.is_some() && self.deleted_once.contains(id))
            .map(|(id, _)| to_i64(*id, "record id"))
            .collect()
    }

    /// The records written, with their place in the commit.
    fn written(&self) -> impl Iterator<Item = (usize, &'a T)> + '_ {
        self.last
            .values()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i, r)))
    }
}

/// A change as the change log stores it (the organization's creation is not
/// logged: a log starts at version 2).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Logged<'a> {
    PutMember(Cow<'a, Member>),
    DeleteMember(crate::id::MemberId),
    PutTeam(Cow<'a, Team>),
    DeleteTeam(crate::id::TeamId),
    PutInvitation(Cow<'a, Invitation>),
    SetOrganization {
        name: Cow<'a, str>,
        seat_limit: u32,
    },
    /// The catalog in its JSON file form ([`Catalog::to_json`]), checked
    /// whole when read back.
    SetCatalog(Cow<'a, str>),
    PutBot(Cow<'a, Bot>),
    DeleteBot(crate::id::BotId),
    PutApiKey(Cow<'a, ApiKey>),
    PutKnowledgeBase(Cow<'a, StoredKnowledgeBase>),
    DeleteKnowledgeBase(crate::id::KnowledgeBaseId),
    SetSettings(Cow<'a, std::collections::BTreeMap<String, String>>),
}

impl<'a> Logged<'a> {
    fn of(change: &'a Change) -> Option<Logged<'a>> {
        Some(match change {
            Change::CreateOrganization(_) => return None,
            Change::PutMember(m) => Logged::PutMember(Cow::Borrowed(&**m)),
            Change::DeleteMember(id) => Logged::DeleteMember(*id),
            Change::PutTeam(t) => Logged::PutTeam(Cow::Borrowed(&**t)),
            Change::DeleteTeam(id) => Logged::DeleteTeam(*id),
            Change::PutInvitation(i) => Logged::PutInvitation(Cow::Borrowed(&**i)),
            Change::SetOrganization { name, seat_limit } => Logged::SetOrganization {
                name: Cow::Borrowed(name),
                seat_limit: *seat_limit,
            },
            Change::SetCatalog(c) => Logged::SetCatalog(Cow::Owned(c.to_json())),
            Change::PutBot(b) => Logged::PutBot(Cow::Borrowed(&**b)),
            Change::DeleteBot(id) => Logged::DeleteBot(*id),
            Change::PutApiKey(k) => Logged::PutApiKey(Cow::Borrowed(&**k)),
            Change::PutKnowledgeBase(k) => Logged::PutKnowledgeBase(Cow::Borrowed(&**k)),
            Change::DeleteKnowledgeBase(id) => Logged::DeleteKnowledgeBase(*id),
            Change::SetSettings(s) => Logged::SetSettings(Cow::Borrowed(s)),
        })
    }

    pub(super) fn into_change(self) -> Result<Change, StoreError> {
        Ok(match self {
            Logged::PutMember(m) => Change::PutMember(std::sync::Arc::new(m.into_owned())),
            Logged::DeleteMember(id) => Change::DeleteMember(id),
            Logged::PutTeam(t) => Change::PutTeam(std::sync::Arc::new(t.into_owned())),
            Logged::DeleteTeam(id) => Change::DeleteTeam(id),
            Logged::PutInvitation(i) => Change::PutInvitation(std::sync::Arc::new(i.into_owned())),
            Logged::SetOrganization { name, seat_limit } => Change::SetOrganization {
                name: name.into_owned(),
                seat_limit,
            },
            Logged::SetCatalog(text) => Change::SetCatalog(std::sync::Arc::new(
                Catalog::from_json(&text)
                    .map_err(|e| super::sql::corrupt(format!("change log catalog: {e}")))?,
            )),
            Logged::PutBot(b) => Change::PutBot(std::sync::Arc::new(b.into_owned())),
            Logged::DeleteBot(id) => Change::DeleteBot(id),
            Logged::PutApiKey(k) => Change::PutApiKey(std::sync::Arc::new(k.into_owned())),
            Logged::PutKnowledgeBase(k) => {
                Change::PutKnowledgeBase(std::sync::Arc::new(k.into_owned()))
            }
            Logged::DeleteKnowledgeBase(id) => Change::DeleteKnowledgeBase(id),
            Logged::SetSettings(s) => Change::SetSettings(s.into_owned()),
        })
    }
}

/// The statements of a commit, in order. The first moves the version (or
/// creates the organization) and must change one row, else the commit is a
/// [`StoreError::Conflict`]. On PostgreSQL there is exactly one statement:
/// every write is a part of it joined to the version's move, so nothing is
/// written unless the version moved, and a statement is atomic by itself.
pub(super) fn statements(
    dialect: Dialect,
    commit: &Commit<'_>,
) -> Result<(Vec<Statement>, u64), StoreError> {
    let org = to_i64(commit.org.0, "organization id")?;
    let version = match commit.expected_version {
        None => 1,
        Some(expected) => expected
            .checked_add(1)
            .ok_or_else(|| backend("version beyond the stored range"))?,
    };
    let position = positions(version)?;
    let nets = nets(commit.changes);
    let one = dialect == Dialect::Postgres;
    let mut statements: Vec<Statement> = Vec::new();
    let mut st = Statement::new(dialect);
    let mut parts: Vec<String> = Vec::new();
    // The relation that has a row when the version moved (PostgreSQL).
    let after = one.then_some("v");

    // Each part: on PostgreSQL a named part of the one statement, on SQLite
    // a statement of its own.
    let mut push = |st: &mut Statement, parts: &mut Vec<String>, name: &str, text: String| {
        if one {
            parts.push(format!("{name} AS ({text})"));
        } else {
            statements.push(std::mem::replace(st, Statement::new(dialect)));
            if let Some(last) = statements.last_mut() {
                last.text = text;
            }
        }
    };

    let org_p = st.p(Arg::Int(org));
    match commit.expected_version {
        None => {
            let Some(Change::CreateOrganization(o)) = commit.changes.first() else {
                return Err(backend("a new organization must be created first"));
            };
            // A catalog set later in the same commit is the one it leaves.
            let catalog = nets.catalog.unwrap_or(&o.catalog);
            let settings = nets.settings.unwrap_or(&o.settings);
            let text = create_org(
                &mut st,
                &org_p,
                o,
                catalog,
                nets.organization,
                settings,
                one,
            )?;
            push(&mut st, &mut parts, "v", text);
            let org_p = reopen(one, &mut st, &org_p, org);
            let text = role_rows(&mut st, dialect, &org_p, catalog, after)?;
            push(&mut st, &mut parts, "r", text);
        }
        Some(expected) => {
            let expected_p = st.p(Arg::Int(to_i64(expected, "version")?));
            let returning = if one { " RETURNING version" } else { "" };
            // The organization's own fields move with the version, in the
            // same statement (one row is changed once).
            let settings = match nets.organization {
                Some((name, seats)) => {
                    let name_p = st.p(Arg::Text(name.to_owned()));
                    let seats_p = st.p(Arg::Int(i64::from(seats)));
                    format!(", name = {name_p}, seat_limit = {seats_p}")
                }
                None => String::new(),
            };
            let catalog = match nets.catalog {
                Some(c) => catalog_columns(&mut st, c)?,
                None => String::new(),
            };
            let settings = match nets.settings {
                Some(s) => {
                    let p = st.p(Arg::Text(to_json(s)?));
                    format!("{settings}, settings = {p}")
                }
                None => settings,
            };
            let text = format!(
                "UPDATE purview_orgs SET version = version + 1{settings}{catalog}
                 WHERE org_id = {org_p} AND version = {expected_p}{returning}"
            );
            push(&mut st, &mut parts, "v", text);
        }
    }

    if let (Some(c), Some(_)) = (nets.catalog, commit.expected_version) {
        // The catalog is rewritten whole: its roles upserted in order, the
        // roles it no longer has deleted (disjoint rows: one statement may
        // do both on PostgreSQL).
        let org_p = reopen(one, &mut st, &org_p, org);
        let keys: Vec<&str> = c.roles().map(|r| r.key().as_str()).collect();
        let keys_p = st.p(Arg::Text(to_json(&keys)?));
        let guard = after.map_or(String::new(), |v| {
            format!(" AND EXISTS (SELECT 1 FROM {v})")
        });
        let list = match dialect {
            Dialect::Postgres => {
                format!("SELECT value FROM jsonb_array_elements_text({keys_p}::jsonb)")
            }
            Dialect::Sqlite => format!("SELECT value FROM json_each({keys_p})"),
        };
        let text = format!(
            "DELETE FROM purview_roles WHERE org_id = {org_p} AND role_key NOT IN ({list}){guard}"
        );
        push(&mut st, &mut parts, "dr", text);
        let org_p = reopen(one, &mut st, &org_p, org);
        let text = role_rows(&mut st, dialect, &org_p, c, after)?;
        push(&mut st, &mut parts, "r", text);
    }

    for (table, deleted, name) in [
        (&MEMBERS, nets.members.deleted()?, "dm"),
        (&TEAMS, nets.teams.deleted()?, "dt"),
        (&BOTS, nets.bots.deleted()?, "db"),
        (&KNOWLEDGE_BASES, nets.knowledge_bases.deleted()?, "dkb"),
    ] {
        if deleted.is_empty() {
            continue;
        }
        let org_p = reopen(one, &mut st, &org_p, org);
        let list = st.p(Arg::Text(to_json(&deleted)?));
        if let Some(text) = table.delete(dialect, &org_p, &list, after) {
            push(&mut st, &mut parts, name, text);
        }
    }

    let members: Vec<MemberRow<'_>> = nets
        .members
        .written()
        .map(|(i, m)| member_row(position(i), m))
        .collect::<Result<_, _>>()?;
    let teams: Vec<TeamRow<'_>> = nets
        .teams
        .written()
        .map(|(i, t)| team_row(position(i), t))
        .collect::<Result<_, _>>()?;
    let invitations: Vec<InvitationRow<'_>> = nets
        .invitations
        .written()
        .map(|(i, inv)| invitation_row(position(i), inv))
        .collect::<Result<_, _>>()?;
    let bots: Vec<BotRow<'_>> = nets
        .bots
        .written()
        .map(|(i, b)| bot_row(position(i), b))
        .collect::<Result<_, _>>()?;
    let api_keys: Vec<ApiKeyRow> = nets
        .api_keys
        .written()
        .map(|(i, k)| api_key_row(position(i), k))
        .collect::<Result<_, _>>()?;
    let knowledge_bases: Vec<KnowledgeBaseRow<'_>> = nets
        .knowledge_bases
        .written()
        .map(|(i, k)| knowledge_base_row(position(i), k))
        .collect::<Result<_, _>>()?;
    for (table, rows, moved, name) in [
        (
            &MEMBERS,
            (!members.is_empty()).then(|| to_json(&members)),
            nets.members.moved()?,
            "m",
        ),
        (
            &TEAMS,
            (!teams.is_empty()).then(|| to_json(&teams)),
            nets.teams.moved()?,
            "t",
        ),
        (
            &INVITATIONS,
            (!invitations.is_empty()).then(|| to_json(&invitations)),
            Vec::new(),
            "i",
        ),
        (
            &BOTS,
            (!bots.is_empty()).then(|| to_json(&bots)),
            nets.bots.moved()?,
            "b",
        ),
        (
            &API_KEYS,
            (!api_keys.is_empty()).then(|| to_json(&api_keys)),
            Vec::new(),
            "k",
        ),
        (
            &KNOWLEDGE_BASES,
            (!knowledge_bases.is_empty()).then(|| to_json(&knowledge_bases)),
            nets.knowledge_bases.moved()?,
            "kb",
        ),
    ] {
        let Some(rows) = rows else { continue };
        let org_p = reopen(one, &mut st, &org_p, org);
        let rows_p = st.p(Arg::Text(rows?));
        let moved_p = if moved.is_empty() {
            None
        } else {
            Some(st.p(Arg::Text(to_json(&moved)?)))
        };
        let text = table.insert(dialect, &org_p, &rows_p, moved_p.as_deref(), after);
        push(&mut st, &mut parts, name, text);
    }

    if commit.expected_version.is_some() {
        let logged: Vec<Logged<'_>> = commit.changes.iter().filter_map(Logged::of).collect();
        let org_p = reopen(one, &mut st, &org_p, org);
        let version_p = st.p(Arg::Int(to_i64(version, "version")?));
        let changes_p = st.p(Arg::Text(to_json(&logged)?));
        let text = match after {
            Some(v) => format!(
                "INSERT INTO purview_changes (org_id, version, changes)
                 SELECT {org_p}, {version_p}, {changes_p} FROM {v}"
            ),
            None => format!(
                "INSERT INTO purview_changes (org_id, version, changes)
                 VALUES ({org_p}, {version_p}, {changes_p})"
            ),
        };
        push(&mut st, &mut parts, "l", text);
    }

    if !commit.events.is_empty() {
        let rows: Vec<AuditRow<'_>> = commit
            .events
            .iter()
            .map(audit_row)
            .collect::<Result<_, _>>()?;
        let org_p = reopen(one, &mut st, &org_p, org);
        let rows_p = st.p(Arg::Text(to_json(&rows)?));
        let text = AUDIT.insert(dialect, &org_p, &rows_p, None, after);
        push(&mut st, &mut parts, "a", text);
    }

    if one {
        let channel = st.p(Arg::Text(CHANNEL.to_owned()));
        let payload = st.p(Arg::Text(format!("{}:{version}", commit.org.0)));
        st.text = format!(
            "WITH {} SELECT v.version, pg_notify({channel}, {payload}) FROM v",
            parts.join(",\n")
        );
        statements.push(st);
    }
    Ok((statements, version))
}

/// The organization's placeholder for the next part: the same one within
/// PostgreSQL's one statement, bound anew for each SQLite statement.
fn reopen(one: bool, st: &mut Statement, org_p: &str, org: i64) -> String {
    if one {
        org_p.to_owned()
    } else {
        st.p(Arg::Int(org))
    }
}

/// The upsert of the catalog's roles, in its order.
fn role_rows(
    st: &mut Statement,
    dialect: Dialect,
    org_p: &str,
    c: &Catalog,
    after: Option<&str>,
) -> Result<String, StoreError> {
    let rows: Vec<RoleRow<'_>> = c
        .roles()
        .enumerate()
        .map(|(i, r)| role_row(i, r))
        .collect::<Result<_, _>>()?;
    let rows_p = st.p(Arg::Text(to_json(&rows)?));
    Ok(ROLES.insert(dialect, org_p, &rows_p, None, after))
}

/// `, catalog_name = …, policy = …` for the catalog's own columns of the
/// organization's row.
fn catalog_columns(st: &mut Statement, c: &Catalog) -> Result<String, StoreError> {
    let name = st.p(Arg::Text(c.name().to_owned()));
    let policy = st.p(Arg::Text(to_json(c.policy())?));
    let bases = st.p(Arg::Text(to_json(&c.knowledge_bases())?));
    let matrix = st.p(Arg::OptText(c.stored_matrix().map(to_json).transpose()?));
    Ok(format!(
        ", catalog_name = {name}, policy = {policy}, knowledge_bases = {bases}, matrix = {matrix}"
    ))
}

/// The organization's row, inserted unless one exists (then no row changes
/// and the commit is a conflict).
fn create_org(
    st: &mut Statement,
    org_p: &str,
    o: &Organization,
    c: &Catalog,
    fields: Option<(&str, u32)>,
    settings: &std::collections::BTreeMap<String, String>,
    returning: bool,
) -> Result<String, StoreError> {
    // Settings set later in the same commit are the ones it leaves.
    let (name, seat_limit) = fields.unwrap_or((&o.name, o.seat_limit));
    let name = st.p(Arg::Text(name.to_owned()));
    let catalog = st.p(Arg::Text(c.name().to_owned()));
    let policy = st.p(Arg::Text(to_json(c.policy())?));
    let bases = st.p(Arg::Text(to_json(&c.knowledge_bases())?));
    let matrix = st.p(Arg::OptText(c.stored_matrix().map(to_json).transpose()?));
    let seats = st.p(Arg::Int(i64::from(seat_limit)));
    let settings = st.p(Arg::Text(to_json(settings)?));
    let returning = if returning { " RETURNING version" } else { "" };
    Ok(format!(
        "INSERT INTO purview_orgs
           (org_id, name, catalog_name, policy, knowledge_bases, matrix, seat_limit, settings,
            version)
         VALUES ({org_p}, {name}, {catalog}, {policy}, {bases}, {matrix}, {seats}, {settings}, 1)
         ON CONFLICT (org_id) DO NOTHING{returning}"
    ))
}
