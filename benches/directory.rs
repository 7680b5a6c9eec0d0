//! Directory operations on the in-memory store, on one thread (target: at
//! least 100,000 operations per second, 10 µs or less each).
//!
//! `cargo bench --bench directory -- --warm-up-time 1 --measurement-time 3`
//!
//! Each operation takes the whole path a host's request takes: load the
//! organization, ask `can`, check the invariants on the state it would leave,
//! write the audit events (before and after as JSON) and commit on the version
//! read. Organizations of 10, 1,000, 10,000 and 100,000 members under the
//! helpdesk preset: an operation's cost must not grow with the organization
//! (target: within 2× from 10 to 100,000 members).
//!
//! - `change_role`: the Owner moves one member back and forth between Agent
//!   and Primary Agent.
//! - `invite`: the Owner invites one new address (seats to spare); every 256
//!   invitations the organization is put back as it was, outside the timing,
//!   so that the pending invitations stay between 0 and 255.
//! - `actor_after_change`: a role change, then the actor of the changed
//!   member resolved for the next request (`Directory::actor`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use purview::{
    block_on, preset, Change, Commit, Directory, Member, MemberId, MemberStatus, MemoryStore,
    NewOrganization, OrgId, Profile, RoleKey, Store, Timestamp,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORG: OrgId = OrgId(1);
const CHUNK: u64 = 256;

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.to_owned()),
        user_code: None,
        user_name: Some(email.split('@').next().unwrap().to_owned()),
        display_name: Some(email.to_owned()),
        phone: Some("+1 555 0100".to_owned()),
    }
}

/// An organization of `members` members (the Owner and Agents), as the changes
/// that recreate it in one commit; the Owner and the last Agent. The founder
/// is made by the directory; the Agents are records like the ones it writes.
fn organization(members: usize) -> (Vec<Change>, MemberId, MemberId) {
    let dir = Directory::new(MemoryStore::new());
    let owner = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Bench".into(),
        catalog: preset::helpdesk(),
        seat_limit: 1_000_000,
        founder: profile("owner@acme.test"),
        founder_role: None,
    }))
    .unwrap();
    let state = block_on(dir.snapshot(ORG)).unwrap();
    let mut changes = vec![Change::CreateOrganization(state.org.clone())];
    changes.extend(state.members.values().cloned().map(Change::PutMember));
    let mut last = owner;
    for i in 1..members as u64 {
        last = MemberId(1_000_000 + i);
        changes.push(Change::PutMember(Arc::new(Member {
            id: last,
            email: format!("agent{i}@acme.test"),
            user_code: Some(format!("A-{i}")),
            user_name: Some(format!("agent{i}")),
            display_name: Some(format!("Agent {i}")),
            phone: Some("+1 555 0100".to_owned()),
            role: RoleKey::new("agent"),
            teams: Vec::new(),
            bots: Vec::new(),
            status: MemberStatus::Active,
        })));
    }
    (changes, owner, last)
}

/// A new store holding the organization.
fn fresh(changes: &[Change]) -> Directory<MemoryStore> {
    let store = MemoryStore::new();
    block_on(store.commit(Commit {
        org: ORG,
        expected_version: None,
        changes,
        events: &[],
    }))
    .unwrap();
    let dir = Directory::new(store);
    // The state's index is built on its first use: once per organization a
    // service loads, not per operation; build it outside the timing.
    black_box(
        block_on(dir.snapshot(ORG))
            .unwrap()
            .seats_used(Timestamp(0)),
    );
    dir
}

fn directory(c: &mut Criterion) {
    let mut group = c.benchmark_group("directory");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    for members in [10, 1_000, 10_000, 100_000] {
        let (template, owner, agent) = organization(members);

        group.bench_with_input(
            BenchmarkId::new("change_role", members),
            &template,
            |b, template| {
                b.iter_custom(|iters| {
                    let dir = fresh(template);
                    let start = Instant::now();
                    for i in 0..iters {
                        let role = if i % 2 == 0 { "primary_agent" } else { "agent" };
                        block_on(dir.change_role(ORG, owner, black_box(agent), role)).unwrap();
                    }
                    start.elapsed()
                });
            },
        );

        group.bench_with_input(
            BenchmarkId::new("actor_after_change", members),
            &template,
            |b, template| {
                b.iter_custom(|iters| {
                    let dir = fresh(template);
                    let mut total = Duration::ZERO;
                    for i in 0..iters {
                        let role = if i % 2 == 0 { "primary_agent" } else { "agent" };
                        block_on(dir.change_role(ORG, owner, agent, role)).unwrap();
                        let start = Instant::now();
                        black_box(block_on(dir.actor(ORG, black_box(agent))).unwrap());
                        total += start.elapsed();
                    }
                    total
                });
            },
        );

        let emails: Vec<String> = (0..CHUNK).map(|i| format!("new{i}@acme.test")).collect();
        group.bench_with_input(
            BenchmarkId::new("invite", members),
            &template,
            |b, template| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(CHUNK);
                        let dir = fresh(template);
                        let start = Instant::now();
                        for email in &emails[..n as usize] {
                            let sent = block_on(dir.invite(ORG, owner, black_box(email), "agent"));
                            black_box(sent.unwrap());
                        }
                        total += start.elapsed();
                        left -= n;
                    }
                    total
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, directory);
criterion_main!(benches);
