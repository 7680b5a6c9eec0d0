//! What differs between the databases: how a list of ids is bound.

use sqlx::QueryBuilder;

use super::Column;

/// A database the SQL conditions are written for: PostgreSQL (feature
/// `postgres`) and SQLite (feature `sqlite`). Sealed.
pub trait Dialect: sqlx::Database + private::Sealed {
    /// Pushes one id as a bind parameter.
    #[doc(hidden)]
    fn push_id(query: &mut QueryBuilder<'_, Self>, id: i64);

    /// Pushes `column IN (ids)`; `ids` is not empty.
    #[doc(hidden)]
    fn push_in(query: &mut QueryBuilder<'_, Self>, column: &Column, ids: Vec<i64>);

    /// Pushes `column NOT IN (ids)`; `ids` is not empty.
    #[doc(hidden)]
    fn push_not_in(query: &mut QueryBuilder<'_, Self>, column: &Column, ids: Vec<i64>);

    /// Pushes a condition that holds where the boolean `flag` is false,
    /// and not where it is true, `NULL` or anything else.
    #[doc(hidden)]
    fn push_unflagged(query: &mut QueryBuilder<'_, Self>, flag: &Column);
}

mod private {
    pub trait Sealed {}
}

/// PostgreSQL binds the list as one array: `column = ANY($n)`, one
/// parameter whatever the list's length, and the same plan for every length.
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
impl Dialect for sqlx::Postgres {
    fn push_id(query: &mut QueryBuilder<'_, Self>, id: i64) {
        query.push_bind(id);
    }

    fn push_in(query: &mut QueryBuilder<'_, Self>, column: &Column, ids: Vec<i64>) {
        query.push(column).push(" = ANY(").push_bind(ids).push(")");
    }

    fn push_not_in(query: &mut QueryBuilder<'_, Self>, column: &Column, ids: Vec<i64>) {
        query.push(column).push(" <> ALL(").push_bind(ids).push(")");
    }

    fn push_unflagged(query: &mut QueryBuilder<'_, Self>, flag: &Column) {
        query.push(flag).push(" IS FALSE");
    }
}

#[cfg(feature = "postgres")]
impl private::Sealed for sqlx::Postgres {}

/// SQLite has no arrays: `column IN (?, ?, …)`, a parameter per id (SQLite
/// takes up to 32,766 parameters in a statement).
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
impl Dialect for sqlx::Sqlite {
    fn push_id(query: &mut QueryBuilder<'_, Self>, id: i64) {
        query.push_bind(id);
    }

    fn push_in(query: &mut QueryBuilder<'_, Self>, column: &Column, ids: Vec<i64>) {
        query.push(column).push(" IN (");
        sqlite_list(query, ids);
    }

    fn push_not_in(query: &mut QueryBuilder<'_, Self>, column: &Column, ids: Vec<i64>) {
        query.push(column).push(" NOT IN (");
        sqlite_list(query, ids);
    }

    /// SQLite has no boolean type: the flag is unset where it is the
    /// integer 0 (text such as `'false'` is not 0, and counts as set).
    fn push_unflagged(query: &mut QueryBuilder<'_, Self>, flag: &Column) {
        query.push(flag).push(" IS 0");
    }
}

#[cfg(feature = "sqlite")]
fn sqlite_list(query: &mut QueryBuilder<'_, sqlx::Sqlite>, ids: Vec<i64>) {
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(")");
}

#[cfg(feature = "sqlite")]
impl private::Sealed for sqlx::Sqlite {}
