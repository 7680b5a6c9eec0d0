//! Batch import of members from CSV, by the rules of the helpdesk source
//! document ("Batch Invite / Update Rules").

use super::error::{DirectoryError, ImportProblem, RowError};
use super::members::{judge_role_change, RoleChangeRefused};
use super::{
    acting, email, require, retarget, settle, text, Clock, Directory, IssuedInvitation, Plan,
};
use crate::model::action::Action;
use crate::model::actor::{MemberActor, MemberStatus};
use crate::model::id::{MemberId, OrgId, TeamId};
use crate::model::resource::Resource;
use crate::model::role::{Role, RoleKey};
use crate::model::team::Team;
use crate::record::{Invitation, Member, OrgState};
use crate::store::Store;
use indexmap::{IndexMap, IndexSet};
use std::collections::HashMap;
use std::sync::Arc;

/// The columns of the template, in order.
const COLUMNS: [&str; 7] = [
    "email",
    "user code",
    "user name",
    "display name",
    "role",
    "team code",
    "team name",
];

/// The import template to download: the header and one example row.
///
/// ```
/// let t = purview::import_template();
/// assert!(t.starts_with("email,user code,user name,display name,role,team code,team name\r\n"));
/// ```
#[must_use]
pub fn import_template() -> String {
    format!(
        "{}\r\n{}\r\n",
        COLUMNS.join(","),
        "jane.doe@example.com,EMP-001,jane.doe,Jane D.,Agent,T-SUPPORT,Support"
    )
}

/// Whether an import writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Check everything and write it all, or nothing.
    Apply,
    /// Check everything and report what would happen; write nothing and
    /// issue no invitation.
    DryRun,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Members created (and invited).
    pub members_created: usize,
    /// Existing members whose role, code, names or teams changed.
    pub members_updated: usize,
    /// Invitations issued with their one-time secrets, to deliver (empty in a dry run).
    pub invitations: Vec<IssuedInvitation>,
    /// Teams created.
    pub teams_created: usize,
    /// Teams renamed.
    pub teams_renamed: usize,
    /// Team memberships the import gives (to new and existing members).
    pub team_memberships_added: usize,
    /// Team memberships the import takes away: an existing member whose
    /// rows name teams is in exactly those afterwards.
    pub team_memberships_removed: usize,
    /// Addresses already invited (by [`Directory::invite`]) that the import
    /// made members of: their pending invitation was kept (its secret still
    /// works) and now grants the import's role; no second one was issued.
    pub invitations_updated: usize,
}

/// One data row, trimmed.
#[derive(Clone, Debug, Default)]
struct Row {
    line: u64,
    email: String,
    user_code: String,
    user_name: String,
    display_name: String,
    role: String,
    team_code: String,
    team_name: String,
}

/// Reads the file: a UTF-8 byte-order mark, CRLF and quoting are accepted;
/// header names are matched case-insensitively, with `_` or `-` for spaces.
fn parse(bytes: &[u8]) -> Result<Vec<Row>, Vec<RowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let unreadable = |line: u64, e: &csv::Error| RowError {
        line,
        problem: ImportProblem::Unreadable(e.to_string()),
    };
    let headers = reader
        .headers()
        .map_err(|e| vec![unreadable(1, &e)])?
        .clone();
    let mut index = [None; 7];
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().to_lowercase().replace(['_', '-'], " ");
        if let Some(c) = COLUMNS.iter().position(|c| *c == name) {
            index[c].get_or_insert(i);
        }
    }
    if index[0].is_none() {
        return Err(vec![RowError {
            line: 1,
            problem: ImportProblem::NoEmailColumn,
        }]);
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, csv::Position::line);
                let get = |c: usize| {
                    index[c]
                        .and_then(|i| record.get(i))
                        .unwrap_or("")
                        .trim()
                        .to_owned()
                };
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                rows.push(Row {
                    line,
                    email: get(0),
                    user_code: get(1),
                    user_name: get(2),
                    display_name: get(3),
                    role: get(4),
                    team_code: get(5),
                    team_name: get(6),
                });
            }
            Err(e) => {
                let line = e.position().map_or(line + 1, csv::Position::line);
                errors.push(unreadable(line, &e));
                // A row that cannot be decoded (not UTF-8) is skipped; the
                // reader resumes at the next record. Other errors stop it.
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The role a cell names, by key or display name, case-insensitively.
fn role_named<'s>(state: &'s OrgState, cell: &str) -> Option<&'s Role> {
    if cell.is_empty() {
        return None;
    }
    let wanted = cell.to_lowercase().replace(['_', '-'], " ");
    state.org.catalog.roles().find(|r| {
        r.key().as_str().to_lowercase().replace(['_', '-'], " ") == wanted
            || r.name().to_lowercase() == wanted
    })
}

/// Everything the rows say about one email, merged by the overwrite rule.
struct Person {
    first_line: u64,
    email: String,
    /// The last valid role named, and its line.
    role: Option<(RoleKey, u64)>,
    user_code: Option<(String, u64)>,
    user_name: Option<String>,
    display_name: Option<String>,
    team_codes: IndexSet<String>,
    team_names: Vec<(String, u64)>,
}

/// Whether a person's rows name any team.
fn names_teams(p: &Person) -> bool {
    !p.team_codes.is_empty() || !p.team_names.is_empty()
}

impl<S: Store, C: Clock> Directory<S, C> {
    /// Imports members from a CSV file ([`import_template`] shows the columns).
    ///
    /// The rules, from the source document:
    /// - an existing email updates that member; a new email creates a member
    ///   (status [`MemberStatus::Invited`]) and an invitation;
    /// - a blank or invalid role means the catalog's default role (Agent);
    /// - for a repeated email, the last role, user name and display name win
    ///   (blank cells do not overwrite a value given on another row);
    /// - a member in several teams appears on several rows, and a person's
    ///   rows state their teams: when they name any (by code or by name),
    ///   the member is in exactly those teams afterwards, leaving the others
    ///   ([`ImportReport::team_memberships_removed`]); when every team
    ///   column is blank, the member's teams stay as they are;
    /// - an unknown team code creates the team, named by its team name or else
    ///   by the code; a known code with another name renames the team;
    /// - a user code that another member has fails the import; a team name
    ///   that another team has fails the import.
    ///
    /// The directory's rules apply to every row: the importer needs member
    /// management; no row changes the importer's own role or the Owner's
    /// (a blank or invalid role on such a row leaves it as it is), grants the
    /// unique role, grants a role exceeding the importer's, or changes a member
    /// whose role exceeds the importer's; seats and minimum Admins hold.
    /// The helpdesk's filled-profile rule for role changes is not applied: the
    /// template has no phone column.
    ///
    /// All or nothing. [`ImportMode::DryRun`] checks everything and writes nothing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::ImportFailed`] with every failing row and its line
    /// number; [`DirectoryError::Denied`] without member management;
    /// [`DirectoryError::SeatsExceeded`]; [`DirectoryError::TooFewAdmins`].
    pub async fn import_members(
        &self,
        org: OrgId,
        actor: MemberId,
        csv: &[u8],
        mode: ImportMode,
    ) -> Result<ImportReport, DirectoryError> {
        let rows = parse(csv).map_err(DirectoryError::ImportFailed)?;
        let ttl = self.invitation_ttl;
        let dry = mode == ImportMode::DryRun;
        self.run_mode(org, Some(actor), dry, |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::ImportMembers, &Resource::Organization(org))?;
            plan_import(state, plan, &me, &rows, ttl, dry)
        })
        .await
    }
}

fn plan_import(
    state: &OrgState,
    plan: &mut Plan,
    me: &MemberActor,
    rows: &[Row],
    ttl: u64,
    dry: bool,
) -> Result<ImportReport, DirectoryError> {
    let mut errors: Vec<RowError> = Vec::new();
    let mut report = ImportReport::default();
    let fail = |errors: &mut Vec<RowError>, line, problem| errors.push(RowError { line, problem });

    // Merge rows per email, in order of first appearance.
    let mut people: IndexMap<String, Person> = IndexMap::new();
    // The rows that pass their own checks: only they name teams.
    let mut valid: Vec<&Row> = Vec::with_capacity(rows.len());
    for row in rows {
        let address = match email::check(&row.email) {
            Ok(a) => a,
            Err(_) => {
                fail(
                    &mut errors,
                    row.line,
                    ImportProblem::InvalidEmail(row.email.clone()),
                );
                continue;
            }
        };
        let cells = [
            ("user code", &row.user_code),
            ("user name", &row.user_name),
            ("display name", &row.display_name),
            ("team code", &row.team_code),
            ("team name", &row.team_name),
        ];
        let bad = cells
            .into_iter()
            .find_map(|(field, cell)| text::check(cell).err().map(|problem| (field, problem)));
        if let Some((field, problem)) = bad {
            fail(
                &mut errors,
                row.line,
                ImportProblem::InvalidField { field, problem },
            );
            continue;
        }
        valid.push(row);
        let p = people.entry(address.clone()).or_insert_with(|| Person {
            first_line: row.line,
            email: address,
            role: None,
            user_code: None,
            user_name: None,
            display_name: None,
            team_codes: IndexSet::new(),
            team_names: Vec::new(),
        });
        if let Some(role) = role_named(state, &row.role) {
            p.role = Some((role.key().clone(), row.line));
        }
        if !row.user_code.is_empty() {
            p.user_code = Some((row.user_code.clone(), row.line));
        }
        if !row.user_name.is_empty() {
            p.user_name = Some(row.user_name.clone());
        }
        if !row.display_name.is_empty() {
            p.display_name = Some(row.display_name.clone());
        }
        if !row.team_code.is_empty() {
            p.team_codes.insert(row.team_code.clone());
        } else if !row.team_name.is_empty() {
            p.team_names.push((row.team_name.clone(), row.line));
        }
    }

    // Teams: by code; the last non-blank name given for a code wins.
    let mut by_code: IndexMap<String, (Option<String>, u64)> = IndexMap::new();
    for row in valid.iter().filter(|r| !r.team_code.is_empty()) {
        let entry = by_code
            .entry(row.team_code.clone())
            .or_insert((None, row.line));
        if !row.team_name.is_empty() {
            *entry = (Some(row.team_name.clone()), row.line);
        }
    }
    // Every team lookup is a lookup in the state's index: the import's cost
    // grows with its rows, not with the organization's teams.
    let mut team_ids: HashMap<String, TeamId> = HashMap::new();
    let mut coded: Vec<(TeamId, String, u64)> = Vec::with_capacity(by_code.len());
    for (code, (name, line)) in &by_code {
        let existing = state.team_by_code(code);
        let (id, final_name) = match existing {
            Some(t) => {
                let final_name = name.clone().unwrap_or_else(|| t.name.clone());
                if final_name != t.name {
                    let mut renamed = Team::clone(t);
                    renamed.name = final_name.clone();
                    plan.put_team("import_rename_team", renamed);
                    report.teams_renamed += 1;
                }
                (t.id, final_name)
            }
            None => {
                let id = TeamId(plan.new_id(2));
                let final_name = name.clone().unwrap_or_else(|| code.clone());
                plan.put_team(
                    "import_create_team",
                    Team {
                        id,
                        org: state.org.id,
                        code: Some(code.clone()),
                        name: final_name.clone(),
                    },
                );
                report.teams_created += 1;
                (id, final_name)
            }
        };
        coded.push((id, final_name, *line));
        team_ids.insert(code.clone(), id);
    }
    // Team names, compared case-insensitively, over the teams the import
    // leaves: a coded team whose final name another team has fails its row.
    // Teams the import writes are counted here; the others are looked up.
    let mut by_name: HashMap<String, Vec<TeamId>> = HashMap::new();
    for t in plan.written_teams() {
        by_name.entry(t.name.to_lowercase()).or_default().push(t.id);
    }
    for (id, final_name, line) in coded {
        let key = final_name.to_lowercase();
        let written = by_name
            .get(&key)
            .is_some_and(|ids| ids.iter().any(|other| *other != id));
        let held = state
            .team_by_name(&final_name)
            .is_some_and(|o| o.id != id && !plan.touches_team(o.id));
        if written || held {
            fail(&mut errors, line, ImportProblem::TeamNameTaken(final_name));
        }
    }

    // User codes: unique among the members after the import. A code is
    // looked up in the state's index; members the import rewrites are judged
    // on the code their rows leave them.
    let mut claimed: HashMap<String, String> = HashMap::new();
    for p in people.values() {
        let code = match &p.user_code {
            Some((c, _)) => Some(c.clone()),
            None => state
                .member_by_email(&p.email)
                .and_then(|m| m.user_code.clone()),
        };
        if let Some(code) = code {
            let held = state
                .member_by_user_code(&code)
                .is_some_and(|o| o.email != p.email && !people.contains_key(&o.email));
            let taken = held || claimed.get(&code).is_some_and(|owner| *owner != p.email);
            if taken {
                let line = p.user_code.as_ref().map_or(p.first_line, |(_, l)| *l);
                fail(&mut errors, line, ImportProblem::UserCodeTaken(code));
            } else {
                claimed.insert(code, p.email.clone());
            }
        }
    }

    let default_role = state
        .org
        .catalog
        .policy()
        .default_role
        .clone()
        .or_else(|| state.org.catalog.roles().last().map(|r| r.key().clone()));
    for p in people.values() {
        // Team names given without a code join the team of that name, or create it.
        let mut teams: Vec<TeamId> = p
            .team_codes
            .iter()
            .filter_map(|c| team_ids.get(c).copied())
            .collect();
        for (name, _) in &p.team_names {
            let key = name.to_lowercase();
            // A team the import writes, else one it leaves as it is.
            let found = by_name
                .get(&key)
                .and_then(|ids| ids.first().copied())
                .or_else(|| {
                    state
                        .team_by_name(name)
                        .filter(|t| !plan.touches_team(t.id))
                        .map(|t| t.id)
                });
            let id = match found {
                Some(id) => id,
                None => {
                    let id = TeamId(plan.new_id(2));
                    plan.put_team(
                        "import_create_team",
                        Team {
                            id,
                            org: state.org.id,
                            code: None,
                            name: name.clone(),
                        },
                    );
                    report.teams_created += 1;
                    by_name.insert(key, vec![id]);
                    id
                }
            };
            teams.push(id);
        }
        let explicit = p.role.clone();
        let existing = state.member_by_email(&p.email);
        // Invitations not yet accepted or revoked (expired ones included:
        // they are what a reissue sends again) for the address.
        let open: Vec<&Arc<Invitation>> = state.open_invitations(&p.email).collect();
        match existing {
            Some(m) => {
                let current = state.role_of(m);
                let line = explicit.as_ref().map_or(p.first_line, |(_, l)| *l);
                let protected = m.id == me.id() || current.is_some_and(Role::is_unique);
                // A blank or invalid role means the default role, except on the
                // rows of the importer and the Owner, where it leaves the role.
                let wanted = match (&explicit, protected) {
                    (Some((k, _)), _) => Some(k.clone()),
                    (None, true) => None,
                    (None, false) => default_role.clone(),
                };
                let mut next = Member::clone(m);
                if let Some(role_key) = wanted.filter(|k| *k != m.role) {
                    let problem = role_problem(state, me, current.map(|c| (m.id, c)), &role_key);
                    match problem {
                        Some(problem) => fail(&mut errors, line, problem),
                        None => next.role = role_key,
                    }
                }
                if let Some((code, _)) = &p.user_code {
                    next.user_code = Some(code.clone());
                }
                if p.user_name.is_some() {
                    next.user_name.clone_from(&p.user_name);
                }
                if p.display_name.is_some() {
                    next.display_name.clone_from(&p.display_name);
                }
                // A person's rows state their teams: when they name any,
                // the member is in exactly those; blank team columns leave
                // the teams as they are.
                if names_teams(p) {
                    let mut exact = teams;
                    exact.sort_unstable();
                    exact.dedup();
                    let left = m.teams.iter().filter(|t| !exact.contains(t)).count();
                    report.team_memberships_removed += left;
                    report.team_memberships_added +=
                        exact.iter().filter(|t| !m.teams.contains(t)).count();
                    next.teams = exact;
                }
                if next != **m {
                    if next.id != me.id() {
                        if let Some(role) = current {
                            if role.grants_beyond(me.role()) {
                                fail(
                                    &mut errors,
                                    p.first_line,
                                    ImportProblem::TargetExceedsActor(role.key().clone()),
                                );
                            }
                        }
                    }
                    // A member who has not joined yet joins with the role
                    // the import now gives them: their invitation says so.
                    if next.role != m.role {
                        let invitations = &open;
                        retarget(
                            plan,
                            invitations.iter().copied(),
                            me.id(),
                            &next.role,
                            "import_update_invitation",
                        );
                    }
                    plan.put_member("import_update_member", next);
                    report.members_updated += 1;
                }
            }
            None => {
                let Some(role_key) = explicit.map(|(k, _)| k).or_else(|| default_role.clone())
                else {
                    continue;
                };
                let line = p.role.as_ref().map_or(p.first_line, |(_, l)| *l);
                if let Some(problem) = role_problem(state, me, None, &role_key) {
                    fail(&mut errors, line, problem);
                    continue;
                }
                let mut teams = teams;
                teams.sort_unstable();
                teams.dedup();
                report.team_memberships_added += teams.len();
                let id = MemberId(plan.new_id(1));
                plan.put_member(
                    "import_create_member",
                    Member {
                        id,
                        email: p.email.clone(),
                        user_code: p.user_code.as_ref().map(|(c, _)| c.clone()),
                        user_name: p.user_name.clone(),
                        display_name: p.display_name.clone(),
                        phone: None,
                        role: role_key.clone(),
                        teams,
                        bots: Vec::new(),
                        bot_levels: Vec::new(),
                        status: MemberStatus::Invited,
                    },
                );
                report.members_created += 1;
                // In a dry run the invitation still holds its seat in the
                // checked state; it is never written nor returned.
                // An address already invited keeps its one invitation, which
                // now grants the import's role; otherwise one is issued.
                let pending: Vec<&Arc<Invitation>> = open
                    .iter()
                    .copied()
                    .filter(|i| i.is_pending(plan.now))
                    .collect();
                if pending.is_empty() {
                    // Expired invitations of the address are superseded.
                    settle(plan, open.iter().copied(), "supersede_invitation", None);
                    let issued =
                        plan.issue(state.org.id, me.id(), Some(p.email.clone()), role_key, ttl)?;
                    if !dry {
                        report.invitations.push(issued);
                    }
                } else {
                    if let Some(i) = pending.iter().find(|i| {
                        state
                            .org
                            .catalog
                            .role(i.role.as_str())
                            .is_some_and(|r| r.grants_beyond(me.role()))
                    }) {
                        fail(
                            &mut errors,
                            p.first_line,
                            ImportProblem::TargetExceedsActor(i.role.clone()),
                        );
                    }
                    retarget(
                        plan,
                        pending.iter().copied(),
                        me.id(),
                        &role_key,
                        "import_update_invitation",
                    );
                    report.invitations_updated += 1;
                }
            }
        }
    }

    if errors.is_empty() {
        Ok(report)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(DirectoryError::ImportFailed(errors))
    }
}

/// Whether the importer may give `role` to a member (`target`: the member
/// and the role they hold, `None` for a new one): the directory's one judge
/// of a role change, reported as a row's problem.
fn role_problem(
    state: &OrgState,
    me: &MemberActor,
    target: Option<(MemberId, &Role)>,
    role: &RoleKey,
) -> Option<ImportProblem> {
    let new = state.org.catalog.role(role.as_str())?;
    judge_role_change(me, target, new)
        .err()
        .map(RoleChangeRefused::for_import)
}
