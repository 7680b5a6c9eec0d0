//! A catalog rendered: its permission matrix and its reference page, from
//! the roles themselves so that documentation never drifts from code.
//!
//! The matrix's layout ([`Matrix`]) is data a catalog may carry; this module
//! is where a catalog and a layout meet, so that neither imports the other.

use crate::model::catalog::Catalog;
use crate::model::matrix::{Matrix, MatrixRow, MatrixSection};
use crate::model::permission::Permissions;
use crate::model::role::Role;
use crate::model::scope::{KnowledgeRefs, Reach};
use std::fmt::Write as _;

impl Matrix {
    /// One row per permission that any role holds; every role a column.
    #[must_use]
    pub fn per_permission(catalog: &Catalog) -> Matrix {
        let held = catalog
            .roles()
            .fold(Permissions::empty(), |acc, r| acc | r.permissions());
        Matrix {
            columns: catalog.roles().map(|r| r.key().clone()).collect(),
            yes: "✓".to_owned(),
            no: String::new(),
            sections: vec![MatrixSection {
                title: None,
                rows: Permissions::named()
                    .filter(|(p, _)| held.contains(*p))
                    .map(|(p, name)| MatrixRow::permissions(name, p))
                    .collect(),
            }],
        }
    }

    /// Renders the matrix as Markdown tables, one per section, headed
    /// `| Feature | <role names…> |`.
    #[must_use]
    pub fn render_markdown(&self, catalog: &Catalog) -> String {
        let roles: Vec<&Role> = self
            .columns
            .iter()
            .filter_map(|k| catalog.role(k.as_str()))
            .collect();
        let mut out = String::new();
        for (i, section) in self.sections.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if let Some(title) = &section.title {
                let _ = writeln!(out, "### {title}\n");
            }
            out.push_str("| Feature |");
            for r in &roles {
                let _ = write!(out, " {} |", r.name());
            }
            out.push_str("\n|---|");
            for _ in &roles {
                out.push_str("---|");
            }
            out.push('\n');
            for row in &section.rows {
                let _ = write!(out, "| {} |", row.feature);
                for r in &roles {
                    let cell = self.cell(row, r);
                    if cell.is_empty() {
                        out.push_str(" |");
                    } else {
                        let _ = write!(out, " {cell} |");
                    }
                }
                out.push('\n');
            }
        }
        out
    }
}

impl Catalog {
    /// The permission matrix: the catalog's own, or one row per permission
    /// that any role holds, with every role as a column.
    #[must_use]
    pub fn matrix(&self) -> Matrix {
        match self.stored_matrix() {
            Some(m) => m.clone(),
            None => Matrix::per_permission(self),
        }
    }

    /// The permission matrix as Markdown ("Role Permission List"), rendered
    /// from the roles themselves so documentation never drifts from code.
    #[must_use]
    pub fn render_markdown(&self) -> String {
        self.matrix().render_markdown(self)
    }

    /// A reference page for the catalog in Markdown, rendered from the roles
    /// themselves: every role with its scopes, reach and flags, the
    /// permission matrix, and the policy. The crate's preset documentation
    /// pages are this output, checked by its tests.
    #[must_use]
    pub fn render_reference(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        out.push_str("#### Roles\n\n");
        out.push_str(
            "| key | role | conversations seen | conversations handled | teams | bots | knowledge bases | notes |\n\
             |---|---|---|---|---|---|---|---|\n",
        );
        let reach = |r: Reach| match r {
            Reach::All => "all",
            Reach::Own => "own",
        };
        for r in self.roles() {
            let knowledge = match r.raw_knowledge() {
                KnowledgeRefs::All => "all".to_owned(),
                KnowledgeRefs::Only(ids) if ids.is_empty() => "none".to_owned(),
                KnowledgeRefs::Only(ids) => ids
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let mut notes = Vec::new();
            if r.is_unique() {
                notes.push("unique: changes hands only by a transfer");
            }
            if r.is_disabled() {
                notes.push("disabled: may do nothing");
            }
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                r.key(),
                r.name(),
                r.raw_view_scope(),
                r.raw_manage_scope(),
                reach(r.raw_team_reach()),
                reach(r.raw_bot_reach()),
                knowledge,
                notes.join("; "),
            );
        }
        out.push_str("\n#### Permission matrix\n\n");
        out.push_str(&self.render_markdown().replace("### ", "##### "));
        out.push_str("\n#### Policy\n\n");
        let policy = self.policy();
        let none = "none".to_owned();
        let _ = writeln!(
            out,
            "- role for an import row without a valid role: {}",
            policy
                .default_role
                .as_ref()
                .map_or_else(|| none.clone(), |k| format!("`{k}`"))
        );
        let _ = writeln!(
            out,
            "- role of the old holder of the unique role after a transfer: {}",
            policy
                .owner_successor
                .as_ref()
                .map_or_else(|| none.clone(), |k| format!("`{k}`"))
        );
        let _ = writeln!(
            out,
            "- minimum of active members holding a role: {}",
            policy.min_admins.as_ref().map_or_else(
                || none.clone(),
                |m| format!("{} × `{}` (once reached; never zero)", m.count, m.role)
            )
        );
        let _ = writeln!(
            out,
            "- name, display name and phone required before a role change: {}",
            if policy.profile_required_for_role_change {
                "yes"
            } else {
                "no"
            }
        );
        out
    }
}
