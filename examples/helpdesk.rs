//! The main demonstration: the helpdesk preset deciding the source document's
//! scenario (A and B in Team 1), with reasons, then the permission matrix.

use purview::{can, preset, Action, Actor, Assignment, Conversation, Resource};
use purview::{ContactId, ConversationId, MemberId, OrgId, TeamId};

fn main() {
    let helpdesk = preset::helpdesk();
    let org = OrgId(1);
    let team1 = TeamId(1);
    let (a, b) = (MemberId(1), MemberId(2));
    let Some(agent) = helpdesk.role("agent") else {
        eprintln!("the helpdesk preset has no agent role");
        std::process::exit(1);
    };
    let actor_a = Actor::member(org, a, agent, [team1]);

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
    println!("A (role: Agent) and B both belong to Team 1\n");
    for (i, (label, assignment)) in cases.into_iter().enumerate() {
        let conversation =
            Conversation::new(ConversationId(i as u64 + 1), org, ContactId(1)).assigned(assignment);
        let resource = Resource::Conversation(&conversation);
        println!("{label}");
        println!(
            "  view:     {}",
            can(&actor_a, Action::ViewConversation, &resource)
        );
        println!(
            "  reassign: {}",
            can(&actor_a, Action::AssignConversation, &resource)
        );
    }
    println!("\nRole permission list\n");
    print!("{}", helpdesk.render_markdown());
}
