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
//! (target: within 2× from 10 to 100,000 members). Each benchmark keeps one
//! organization for all its samples, as a service keeps the organizations
//! it serves. (Building a fresh organization of 100,000 for every few
//! thousand operations, as an earlier version of this bench did, makes the
//! operations that follow it several times slower for a while: the
//! rebuild's frees and allocations are what gets measured.)
//!
//! - `change_role`: the Owner moves one member back and forth between Agent
//!   and Primary Agent.
//! - `invite`: the Owner invites one new address (seats to spare); every
//!   4,096 invitations are revoked, outside the timing, so that the pending
//!   invitations stay below 4,096 (the revoked ones stay as records, as
//!   they do in a directory).
//! - `actor_after_change`: a role change, then the actor of the changed
//!   member resolved for the next request (`Directory::actor`).
//! - `remove_member`: the Owner removes an Agent, who comes back (outside
//!   the timing) as a record written at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use purview::executor::block_on;
use purview::model::MemberStatus;
use purview::record::{Change, Member, Timestamp};
use purview::store::Commit;
use purview::{
    preset, Directory, MemberId, MemoryStore, NewOrganization, OrgId, Profile, RoleKey, Store,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORG: OrgId = OrgId(1);
const CHUNK: u64 = 4_096;

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
            bot_levels: Vec::new(),
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
                // One long-lived organization, as a service keeps it.
                let dir = fresh(template);
                b.iter_custom(|iters| {
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
                let dir = fresh(template);
                b.iter_custom(|iters| {
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

        group.bench_with_input(
            BenchmarkId::new("remove_member", members),
            &template,
            |b, template| {
                let dir = fresh(template);
                let kept = block_on(dir.snapshot(ORG)).unwrap();
                let record = Arc::clone(kept.members.get(&agent).unwrap());
                drop(kept);
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let start = Instant::now();
                        block_on(dir.remove_member(ORG, owner, black_box(agent))).unwrap();
                        total += start.elapsed();
                        // The member comes back, outside the timing, as a
                        // record written at the end.
                        let version = block_on(dir.store().version(ORG)).unwrap();
                        block_on(dir.store().commit(Commit {
                            org: ORG,
                            expected_version: Some(version),
                            changes: &[Change::PutMember(Arc::clone(&record))],
                            events: &[],
                        }))
                        .unwrap();
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
                let dir = fresh(template);
                let mut sent = Vec::with_capacity(CHUNK as usize);
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let email = &emails[sent.len()];
                        let start = Instant::now();
                        let issued = block_on(dir.invite(ORG, owner, black_box(email), "agent"));
                        total += start.elapsed();
                        sent.push(issued.unwrap()[0].id);
                        if sent.len() == CHUNK as usize {
                            // Outside the timing: the chunk's invitations
                            // are revoked, so that the addresses are free
                            // again and the pending ones stay below CHUNK.
                            for id in sent.drain(..) {
                                block_on(dir.revoke_invitation(ORG, owner, id)).unwrap();
                            }
                        }
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
