//! A statement as the SQL stores build it: its dialect's placeholders and
//! the values bound to them.

use sqlx::Any;

/// Which SQL dialect a store speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
    Postgres,
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

/// A statement with its values bound.
pub(super) fn bound(
    statement: &Statement,
) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
    let mut query = sqlx::query(&statement.text);
    for arg in &statement.args {
        query = match arg {
            Arg::Int(v) => query.bind(*v),
            Arg::Text(v) => query.bind(v.as_str()),
            Arg::OptText(v) => query.bind(v.as_deref()),
        };
    }
    query
}
