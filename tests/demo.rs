//! The main demonstration (`cargo run --example helpdesk`) prints what the
//! source document's scenario says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/helpdesk.rs"]
mod demo;

#[test]
fn the_demonstration_prints_the_seed_scenario_and_the_matrix() {
    let out = demo::run().unwrap();
    for expected in [
        "Imported: 4 members created, 0 updated, 2 teams created, 4 invitations to deliver",
        "Members per role: owner: 1, primary_admin: 0, admin: 1, primary_agent: 0, agent: 3",
        "Organization: Acme Support, 5 of 12 seats used, timezone Asia/Taipei",
        "Assigned to A\n  view:     allowed\n  reassign: allowed",
        "Assigned to Team 1 (no specific user)\n  view:     allowed\n  reassign: denied:",
        "Assigned to Team 1 — B\n  view:     allowed\n  reassign: denied: conversation assigned to a teammate is outside the manage scope",
        "An Agent tries to demote the Owner:\n  refused: the role lacks the permission `member_role_change`",
        "An Owner of another organization views a conversation:\n  denied: the resource belongs to another organization",
        "Auto-assignment of a Team 1 conversation\n  eligible: A, B, Carol, the Owner\n  assigned to B, who may now reply: allowed",
        "| Create Invitation Link | ✓ | ✓ | ✓ | ✓ | ✓ |",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}
