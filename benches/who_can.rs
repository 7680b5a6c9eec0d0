//! Who can: the eligible assignees of a team's conversation (seed 001's
//! auto-assignment rule), in organizations of 1,000 to 100,000 members
//! whose team has 50 members. `who_can` looks at the team's members and the
//! holders of organization-wide roles; `every_member` asks `can` of every
//! member, the cost `who_can` avoids, measured beside it.
//!
//! `cargo bench --bench who_can -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use purview::model::MemberStatus;
use purview::record::{Change, Member, Organization};
use purview::{
    can, preset, Action, Actor, Assignment, ContactId, Conversation, ConversationId, MemberId,
    OrgId, OrgState, Resource, TeamId,
};
use std::hint::black_box;
use std::sync::Arc;

const TEAM: TeamId = TeamId(1);

/// An organization of `n` members: the Owner, 10 Primary Admins, one Admin
/// in 20, the rest Agents; 50 of them (8 Admins, 42 Agents) in team 1, the
/// others in teams of 50 of their own.
fn organization(n: u64) -> OrgState {
    let mut state = OrgState::new(Organization {
        id: OrgId(1),
        name: "Bench".into(),
        catalog: Arc::new(preset::helpdesk()),
        seat_limit: u32::MAX,
        settings: Default::default(),
    });
    for i in 0..n {
        let role = match i {
            0 => "owner",
            1..=10 => "primary_admin",
            _ if i % 20 == 0 || (11..16).contains(&i) => "admin",
            _ => "agent",
        };
        let team = if (11..61).contains(&i) {
            TEAM
        } else {
            TeamId(2 + i / 50)
        };
        let member = Member {
            id: MemberId(i + 1),
            email: format!("m{i}@acme.test"),
            user_code: None,
            user_name: None,
            display_name: None,
            phone: None,
            role: role.into(),
            teams: vec![team],
            bots: Vec::new(),
            bot_levels: Vec::new(),
            status: MemberStatus::Active,
        };
        state.apply(&Change::PutMember(Arc::new(member)));
    }
    state
}

fn who_can(c: &mut Criterion) {
    let conv = Conversation::new(ConversationId(1), OrgId(1), ContactId(1))
        .assigned(Assignment::Team { team: TEAM });
    let resource = Resource::Conversation(&conv);
    let mut g = c.benchmark_group("who_can_team_conversation");
    for n in [1_000u64, 10_000, 100_000] {
        let state = organization(n);
        let eligible = state.who_can(Action::ReplyConversation, &resource);
        // The Owner, the 10 Primary Admins and the team's 8 Admins.
        assert_eq!(eligible.len(), 19, "{n}");
        g.bench_with_input(BenchmarkId::new("who_can", n), &state, |b, s| {
            b.iter(|| s.who_can(black_box(Action::ReplyConversation), black_box(&resource)))
        });
        if n <= 10_000 {
            g.bench_with_input(BenchmarkId::new("every_member", n), &state, |b, s| {
                b.iter(|| {
                    s.members
                        .values()
                        .filter(|m| {
                            let actor = Actor::Member(s.actor(m.id).unwrap());
                            can(&actor, Action::ReplyConversation, black_box(&resource))
                                .is_allowed()
                        })
                        .count()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, who_can);
criterion_main!(benches);
