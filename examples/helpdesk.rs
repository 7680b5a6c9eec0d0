//! The main demonstration, on the embedded default store (`MemoryStore`):
//! create an organization with the helpdesk preset, import the sample CSV
//! beside this file, let the invited members join, replay the source
//! document's scenario (A and B, both Agents in Team 1) with each decision
//! and its reason, and print the role permission list.
//!
//! `cargo run --example helpdesk`

use purview::directory::ImportMode;
use purview::executor::block_on;
use purview::{
    can, preset, Action, Actor, Assignment, ContactId, Conversation, ConversationId, Directory,
    MemberId, MemoryStore, NewOrganization, OrgId, Profile, Resource,
};
use std::error::Error;
use std::fmt::Write as _;

const USERS_CSV: &str = include_str!("helpdesk_users.csv");

/// Runs the demonstration and returns what it prints.
///
/// # Errors
///
/// Any directory or import error, which the demonstration does not expect.
pub fn run() -> Result<String, Box<dyn Error>> {
    let mut out = String::new();
    let org = OrgId(1);
    // The host declares the organization settings it offers.
    let dir = Directory::new(MemoryStore::new()).organization_settings(["timezone"]);

    let owner = block_on(dir.create_organization(NewOrganization {
        id: org,
        name: "Acme Support".into(),
        catalog: preset::helpdesk(),
        seat_limit: 10,
        founder: Profile {
            email: Some("owner@acme.test".into()),
            ..Profile::default()
        },
        founder_role: None,
    }))?;

    let report = block_on(dir.import_members(org, owner, USERS_CSV.as_bytes(), ImportMode::Apply))?;
    writeln!(
        out,
        "Imported: {} members created, {} updated, {} teams created, {} invitations to deliver",
        report.members_created,
        report.members_updated,
        report.teams_created,
        report.invitations.len()
    )?;
    // The host delivers each secret; here every invitee accepts at once.
    for invitation in &report.invitations {
        block_on(dir.accept_invitation(&invitation.secret, Profile::default()))?;
    }
    let counts = block_on(dir.role_counts(org, owner))?;
    let counts: Vec<String> = counts
        .iter()
        .map(|(role, n)| format!("{role}: {n}"))
        .collect();
    writeln!(out, "Members per role: {}", counts.join(", "))?;
    // Organization profile settings: the Owner sets one; billing, acting
    // as the system, buys seats.
    block_on(dir.set_organization_setting(org, owner, "timezone", Some("Asia/Taipei")))?;
    block_on(dir.set_seat_limit(org, 12))?;
    let info = block_on(dir.organization_info(org, owner))?;
    writeln!(
        out,
        "Organization: {}, {} of {} seats used, timezone {}",
        info.name,
        info.seats_used,
        info.seat_limit,
        info.settings
            .get("timezone")
            .map_or("unset", String::as_str)
    )?;

    let state = dir_state(&dir, org)?;
    let id_of = |email: &str| -> Result<MemberId, Box<dyn Error>> {
        Ok(state.member_by_email(email).ok_or("member missing")?.id)
    };
    let (a, b) = (id_of("a@acme.test")?, id_of("b@acme.test")?);
    let team1 = state
        .teams
        .values()
        .find(|t| t.code.as_deref() == Some("T1"))
        .ok_or("team missing")?
        .id;
    let (actor_a, _version) = block_on(dir.actor(org, a))?;

    writeln!(out, "\nA (role: Agent) and B both belong to Team 1")?;
    let cases = [
        ("Assigned to A", Assignment::Member { member: a }),
        (
            "Assigned to Team 1 (no specific user)",
            Assignment::Team { team: team1 },
        ),
        (
            "Assigned to Team 1 — B",
            Assignment::TeamMember {
                team: team1,
                member: b,
            },
        ),
    ];
    for (i, (label, assignment)) in cases.into_iter().enumerate() {
        let conversation =
            Conversation::new(ConversationId(i as u64 + 1), org, ContactId(1)).assigned(assignment);
        let resource = Resource::Conversation(&conversation);
        writeln!(out, "{label}")?;
        writeln!(
            out,
            "  view:     {}",
            can(&actor_a, Action::ViewConversation, &resource)
        )?;
        writeln!(
            out,
            "  reassign: {}",
            can(&actor_a, Action::AssignConversation, &resource)
        )?;
    }

    // Auto-assignment (the source's "Auto-assignment Rule Settings"): a new
    // conversation of Team 1 goes only to someone who may handle it. Who may
    // see it: the Owner (everything) and Team 1's members; Dan, in Team 2
    // only, may not. Among those, the rule picks the least loaded Agent.
    let incoming = Conversation::new(ConversationId(10), org, ContactId(2))
        .assigned(Assignment::Team { team: team1 });
    let eligible = block_on(dir.who_can(
        org,
        Action::ViewConversation,
        &Resource::Conversation(&incoming),
    ))?;
    let name = |id: MemberId| {
        state
            .members
            .get(&id)
            .and_then(|m| m.display_name.clone())
            .unwrap_or_else(|| "the Owner".into())
    };
    let mut names: Vec<String> = eligible.iter().map(|id| name(*id)).collect();
    names.sort();
    writeln!(out, "\nAuto-assignment of a Team 1 conversation")?;
    writeln!(out, "  eligible: {}", names.join(", "))?;
    let open_conversations = |id: MemberId| if id == a { 3 } else { 1 };
    let picked = eligible
        .iter()
        .copied()
        .filter(|id| {
            state
                .members
                .get(id)
                .is_some_and(|m| m.role.as_str() == "agent")
        })
        .min_by_key(|id| open_conversations(*id))
        .ok_or("nobody eligible")?;
    let assigned = incoming.assigned(Assignment::TeamMember {
        team: team1,
        member: picked,
    });
    let (picked_actor, _) = block_on(dir.actor(org, picked))?;
    writeln!(
        out,
        "  assigned to {}, who may now reply: {}",
        name(picked),
        can(
            &picked_actor,
            Action::ReplyConversation,
            &Resource::Conversation(&assigned)
        )
    )?;

    // The directory keeps the organization safe whoever asks.
    writeln!(out, "\nAn Agent tries to demote the Owner:")?;
    match block_on(dir.change_role(org, a, owner, "agent")) {
        Ok(()) => writeln!(out, "  allowed (unexpected)")?,
        Err(e) => writeln!(out, "  {e}")?,
    }
    let other_org = Actor::member(
        OrgId(2),
        MemberId(9),
        state.org.catalog.role("owner").ok_or("no owner role")?,
        [],
    );
    let conversation = Conversation::new(ConversationId(9), org, ContactId(1));
    writeln!(
        out,
        "An Owner of another organization views a conversation:\n  {}",
        can(
            &other_org,
            Action::ViewConversation,
            &Resource::Conversation(&conversation)
        )
    )?;

    writeln!(out, "\nRole permission list\n")?;
    out.push_str(&state.org.catalog.render_markdown());
    Ok(out)
}

fn dir_state(
    dir: &Directory<MemoryStore>,
    org: OrgId,
) -> Result<std::sync::Arc<purview::OrgState>, Box<dyn Error>> {
    Ok(block_on(dir.snapshot(org))?)
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run()?);
    Ok(())
}
