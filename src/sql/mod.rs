//! List filters as SQL conditions on the host's own tables, for sqlx's
//! [`QueryBuilder`], in PostgreSQL and SQLite.
//!
//! A host lists conversations (or knowledge bases, documents, bots, AI
//! chats, members) from its own table. It declares the table's column names
//! once ([`ConversationColumns`], [`IdColumns`], [`DocumentColumns`]), builds
//! the filter for the actor and the action ([`ConversationFilter`],
//! [`IdFilter`], [`DocumentFilter`]), and pushes it into its query with
//! [`SqlCondition::push_sql`]: a parenthesized condition whose every value
//! is a bind parameter. Column names are checked when declared (plain or
//! qualified identifiers only); no value is ever written into the SQL text.
//!
//! The rows the condition selects are exactly the rows for which
//! [`can`](crate::can) allows the action, as long as the table holds what
//! the filter reads the way the model does:
//!
//! - ids are `BIGINT`/`INTEGER` columns holding the id's value (ids beyond
//!   `i64::MAX` cannot be stored, so no row has them: a filter naming one
//!   matches no row by it);
//! - a conversation's assignment is its team and assignee columns, `NULL`
//!   where there is none: unassigned is both `NULL`, a team with no member
//!   only the assignee `NULL`, a member outside any team only the team
//!   `NULL`; a conversation without a contact has its contact `NULL`;
//! - the id columns of the other kinds are `NOT NULL`;
//! - a document's organization is its knowledge base's (`can` refuses a
//!   document whose parts disagree; the condition reads the document's own
//!   organization column);
//! - a document's flag column, if declared, is a boolean (SQLite: 0 or 1;
//!   any other value, and `NULL`, counts as set).
//!
//! A test inserts random organizations into such tables in SQLite and in
//! PostgreSQL and holds every condition to `can`, row by row.
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "sqlite")] {
//! use purview::sql::{ConversationColumns, SqlCondition};
//! use purview::{preset, Action, Actor, ConversationFilter, MemberId, OrgId, TeamId};
//! use sqlx::{QueryBuilder, Sqlite};
//!
//! let columns = ConversationColumns::new("c.org_id", "c.team_id", "c.assignee_id", "c.contact_id")?;
//! let helpdesk = preset::helpdesk();
//! let agent = Actor::member(OrgId(1), MemberId(7), helpdesk.role("agent").unwrap(), [TeamId(2)]);
//!
//! let mut query = QueryBuilder::<Sqlite>::new("SELECT c.id FROM conversations c WHERE c.status = 'open' AND ");
//! ConversationFilter::view(&agent).push_sql(&columns, &mut query);
//! assert_eq!(
//!     query.sql(),
//!     "SELECT c.id FROM conversations c WHERE c.status = 'open' AND (c.org_id = ? AND \
//!      ((c.team_id IS NULL AND c.assignee_id IS NULL) OR c.team_id IN (?) OR c.assignee_id = ?))"
//! );
//! # }
//! # Ok::<(), purview::sql::BadColumn>(())
//! ```

use crate::model::filter::ConversationFilter;
use crate::model::id::{BotId, DocumentId, KnowledgeBaseId, MemberId, OrgId, TeamId};
use crate::model::list::{DocumentFilter, IdFilter};
use sqlx::QueryBuilder;
use std::fmt;

mod dialect;

pub use dialect::Dialect;

/// A column name that is not a plain or qualified SQL identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a column name (letters, digits and `_`, optionally `table.column`)")]
pub struct BadColumn {
    /// The name as given.
    pub name: String,
}

/// A column name, checked: an identifier (`[A-Za-z_][A-Za-z0-9_]*`),
/// optionally qualified by one table or alias (`c.team_id`). Written into
/// the SQL as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Column(Box<str>);

impl Column {
    /// The column `name`, if it is a plain or qualified identifier.
    ///
    /// # Errors
    ///
    /// [`BadColumn`] for anything else (quotes, spaces, operators, an
    /// empty part, more than one qualifier) and for the words SQL reads as
    /// values (`TRUE`, `FALSE`, `NULL`, `DEFAULT`, `CURRENT_…`).
    pub fn new(name: &str) -> Result<Column, BadColumn> {
        let part_ok = |p: &str| {
            let mut chars = p.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        // Words SQL reads as values, not columns.
        let literal = |p: &str| {
            let p = p.to_ascii_uppercase();
            matches!(p.as_str(), "TRUE" | "FALSE" | "NULL" | "DEFAULT") || p.starts_with("CURRENT_")
        };
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() <= 2 && parts.iter().all(|p| part_ok(p) && !literal(p)) {
            Ok(Column(name.into()))
        } else {
            Err(BadColumn {
                name: name.to_owned(),
            })
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The columns of the host's conversation table that a
/// [`ConversationFilter`] reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationColumns {
    /// The organization (`NOT NULL`).
    pub org: Column,
    /// The assigned team, `NULL` when none.
    pub team: Column,
    /// The assigned member, `NULL` when none.
    pub assignee: Column,
    /// The contact, `NULL` when none.
    pub contact: Column,
}

impl ConversationColumns {
    /// The four columns, checked.
    ///
    /// # Errors
    ///
    /// [`BadColumn`] for the first name that is not a column name.
    pub fn new(org: &str, team: &str, assignee: &str, contact: &str) -> Result<Self, BadColumn> {
        Ok(ConversationColumns {
            org: Column::new(org)?,
            team: Column::new(team)?,
            assignee: Column::new(assignee)?,
            contact: Column::new(contact)?,
        })
    }
}

/// The columns an [`IdFilter`] reads: the organization and the id (a
/// knowledge base's, bot's or member's own id; an AI chat's owner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdColumns {
    /// The organization (`NOT NULL`).
    pub org: Column,
    /// The id the filter names (`NOT NULL`).
    pub id: Column,
}

impl IdColumns {
    /// The two columns, checked.
    ///
    /// # Errors
    ///
    /// [`BadColumn`] for the first name that is not a column name.
    pub fn new(org: &str, id: &str) -> Result<Self, BadColumn> {
        Ok(IdColumns {
            org: Column::new(org)?,
            id: Column::new(id)?,
        })
    }
}

/// The columns a [`DocumentFilter`] reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentColumns {
    /// The organization (`NOT NULL`).
    pub org: Column,
    /// The document's knowledge base (`NOT NULL`).
    pub knowledge_base: Column,
    /// The document's id (`NOT NULL`).
    pub id: Column,
    /// A boolean column, true where the document carries an audience of
    /// its own ([`DocumentColumns::with_restricted_flag`]).
    pub restricted: Option<Column>,
}

impl DocumentColumns {
    /// The three columns, checked.
    ///
    /// # Errors
    ///
    /// [`BadColumn`] for the first name that is not a column name.
    pub fn new(org: &str, knowledge_base: &str, id: &str) -> Result<Self, BadColumn> {
        Ok(DocumentColumns {
            org: Column::new(org)?,
            knowledge_base: Column::new(knowledge_base)?,
            id: Column::new(id)?,
            restricted: None,
        })
    }

    /// With the host's flag of documents that carry an audience of their
    /// own: a contact then sees a flagged document only when the filter
    /// names it as admitted (`NOT flag OR id IN (admitted)`), so that a
    /// restricted document the host failed to pass to
    /// [`DocumentFilter::for_action`] is refused rather than shown. A
    /// `NULL` flag counts as set.
    ///
    /// # Errors
    ///
    /// [`BadColumn`] if `flag` is not a column name.
    pub fn with_restricted_flag(mut self, flag: &str) -> Result<Self, BadColumn> {
        self.restricted = Some(Column::new(flag)?);
        Ok(self)
    }
}

/// A filter that is also a SQL condition.
pub trait SqlCondition {
    /// The columns the condition reads.
    type Columns;

    /// Pushes the condition, parenthesized, with its values as bind
    /// parameters: `FALSE` when nothing passes.
    fn push_sql<DB: Dialect>(&self, columns: &Self::Columns, query: &mut QueryBuilder<'_, DB>);
}

/// An id as stored: ids beyond `i64::MAX` have no row.
fn stored(id: u64) -> Option<i64> {
    i64::try_from(id).ok()
}

/// The terms of a disjunction, pushed as they come: `(a OR b …)`, or
/// `FALSE` when there is none.
struct AnyOf<'q, 'args, DB: Dialect> {
    query: &'q mut QueryBuilder<'args, DB>,
    terms: usize,
}

impl<'q, 'args, DB: Dialect> AnyOf<'q, 'args, DB> {
    fn new(query: &'q mut QueryBuilder<'args, DB>) -> Self {
        AnyOf { query, terms: 0 }
    }

    fn term(&mut self) -> &mut QueryBuilder<'args, DB> {
        self.query.push(if self.terms == 0 { "(" } else { " OR " });
        self.terms += 1;
        self.query
    }

    fn end(self) {
        self.query.push(if self.terms == 0 { "FALSE" } else { ")" });
    }
}

/// `(org = $n AND rest)`, or `FALSE` when the organization has no row.
fn in_org<DB: Dialect>(
    query: &mut QueryBuilder<'_, DB>,
    column: &Column,
    org: OrgId,
    rest: impl FnOnce(&mut QueryBuilder<'_, DB>),
) {
    let Some(org) = stored(org.0) else {
        query.push("FALSE");
        return;
    };
    query.push("(").push(column).push(" = ");
    DB::push_id(query, org);
    rest(query);
    query.push(")");
}

impl SqlCondition for ConversationFilter<'_> {
    type Columns = ConversationColumns;

    fn push_sql<DB: Dialect>(
        &self,
        columns: &ConversationColumns,
        query: &mut QueryBuilder<'_, DB>,
    ) {
        match *self {
            ConversationFilter::Nothing => {
                query.push("FALSE");
            }
            ConversationFilter::Organization(org) => in_org(query, &columns.org, org, |_| {}),
            ConversationFilter::AnyOf {
                org,
                unassigned,
                teams,
                assignee,
                contact,
            } => in_org(query, &columns.org, org, |query| {
                query.push(" AND ");
                let mut any = AnyOf::new(query);
                if unassigned {
                    any.term()
                        .push("(")
                        .push(&columns.team)
                        .push(" IS NULL AND ")
                        .push(&columns.assignee)
                        .push(" IS NULL)");
                }
                let teams = stored_ids(teams);
                if !teams.is_empty() {
                    DB::push_in(any.term(), &columns.team, teams);
                }
                if let Some(member) = assignee.and_then(|m| stored(m.0)) {
                    DB::push_id(any.term().push(&columns.assignee).push(" = "), member);
                }
                // `ContactId::NONE` (u64::MAX) is beyond the stored range:
                // nobody's conversations.
                if let Some(contact) = contact.and_then(|c| stored(c.0)) {
                    DB::push_id(any.term().push(&columns.contact).push(" = "), contact);
                }
                any.end();
            }),
        }
    }
}

/// An id type the conditions bind (the ones an [`IdFilter`] holds among them).
pub trait StoredId: Copy + Ord + sealed::Sealed {
    /// The id's value.
    #[doc(hidden)]
    fn value(self) -> u64;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! stored_ids {
    ($($id:ty),*) => {$(
        impl sealed::Sealed for $id {}
        impl StoredId for $id {
            fn value(self) -> u64 {
                self.0
            }
        }
    )*};
}
stored_ids!(KnowledgeBaseId, BotId, MemberId, TeamId, DocumentId);

/// The ids that a row can hold, as bound.
fn stored_ids<I: StoredId>(ids: &[I]) -> Vec<i64> {
    ids.iter().filter_map(|i| stored(i.value())).collect()
}

impl<I: StoredId> SqlCondition for IdFilter<I> {
    type Columns = IdColumns;

    fn push_sql<DB: Dialect>(&self, columns: &IdColumns, query: &mut QueryBuilder<'_, DB>) {
        push_ids(self, &columns.org, &columns.id, query);
    }
}

fn push_ids<I: StoredId, DB: Dialect>(
    filter: &IdFilter<I>,
    org_column: &Column,
    id_column: &Column,
    query: &mut QueryBuilder<'_, DB>,
) {
    match filter {
        IdFilter::Nothing => {
            query.push("FALSE");
        }
        IdFilter::Organization(org) => in_org(query, org_column, *org, |_| {}),
        IdFilter::Only { org, ids } => {
            let ids = stored_ids(ids);
            if ids.is_empty() {
                query.push("FALSE");
            } else {
                in_org(query, org_column, *org, |query| {
                    DB::push_in(query.push(" AND "), id_column, ids);
                });
            }
        }
        IdFilter::Except { org, ids } => {
            let ids = stored_ids(ids);
            in_org(query, org_column, *org, |query| {
                if !ids.is_empty() {
                    DB::push_not_in(query.push(" AND "), id_column, ids);
                }
            });
        }
    }
}

impl SqlCondition for DocumentFilter {
    type Columns = DocumentColumns;

    fn push_sql<DB: Dialect>(&self, columns: &DocumentColumns, query: &mut QueryBuilder<'_, DB>) {
        let kbs = &self.knowledge_bases;
        if !self.by_audience || *kbs == IdFilter::Nothing {
            push_ids(kbs, &columns.org, &columns.knowledge_base, query);
            return;
        }
        query.push("(");
        push_ids(kbs, &columns.org, &columns.knowledge_base, query);
        // Fail closed with the flag: a flagged document passes only when
        // admitted.
        if let Some(flag) = &columns.restricted {
            let admitted = stored_ids(&self.admitted);
            query.push(" AND (");
            DB::push_unflagged(query, flag);
            if !admitted.is_empty() {
                DB::push_in(query.push(" OR "), &columns.id, admitted);
            }
            query.push(")");
        }
        // A refusing document is refused, whatever its flag says.
        let hidden = stored_ids(&self.hidden);
        if !hidden.is_empty() {
            DB::push_not_in(query.push(" AND "), &columns.id, hidden);
        }
        query.push(")");
    }
}
