//! How the SQL stores write a commit: each table's rows travel as one JSON
//! array bound to one parameter and are written by one set-based statement
//! (`jsonb_to_recordset` on PostgreSQL, `json_each` on SQLite), so a commit
//! takes the same number of statements with one record or with 100,000.
//!
//! Every table is described once ([`Table`]): its columns, the row a record
//! becomes, and from that description both dialects' statements. On
//! PostgreSQL a whole commit is one statement; on SQLite a few statements in
//! one transaction.

use super::log::Logged;
use super::schema::CHANNEL;
use super::statement::{Arg, Dialect, Statement};
use super::tables::*;
use super::values::{backend, to_i64, to_json};
use crate::model::catalog::Catalog;
use crate::model::team::Team;
use crate::record::{ApiKey, Bot, Change, Invitation, Member, Organization, StoredKnowledgeBase};
use crate::store::{Commit, StoreError};
use indexmap::IndexMap;
use std::collections::HashSet;

/// A commit's net changes to the organization's records.
pub(super) struct Nets<'a> {
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
pub(super) fn nets(changes: &[Change]) -> Nets<'_> {
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
pub(super) fn positions(version: u64) -> Result<impl Fn(usize) -> i64, StoreError> {
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
pub(super) struct Net<'a, T> {
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
pub(super) fn reopen(one: bool, st: &mut Statement, org_p: &str, org: i64) -> String {
    if one {
        org_p.to_owned()
    } else {
        st.p(Arg::Int(org))
    }
}

/// The upsert of the catalog's roles, in its order.
pub(super) fn role_rows(
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
pub(super) fn catalog_columns(st: &mut Statement, c: &Catalog) -> Result<String, StoreError> {
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
pub(super) fn create_org(
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
