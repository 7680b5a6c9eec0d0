//! Memory an organization takes in a directory's keeping, per member, and
//! the time to build its index, for 1,000 to 100,000 members.
//!
//! `cargo bench --bench org_memory -- --warm-up-time 1 --measurement-time 3`
//!
//! A counting allocator measures the bytes live after the state is built
//! (records, maps, index) against before; the figure is printed per member.
//! Members are records like those the directory writes: an address, a user
//! code, a user name, a display name, a phone, one team.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use purview::model::{MemberStatus, Team};
use purview::record::{Change, Member, Organization, Timestamp};
use purview::{preset, MemberId, OrgId, OrgState, RoleKey, TeamId};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

#[allow(unsafe_code)]
// SAFETY: every call is passed to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn changes(members: u64) -> Vec<Change> {
    let mut changes = vec![Change::PutTeam(Arc::new(Team {
        id: TeamId(1),
        org: OrgId(1),
        code: Some("T1".into()),
        name: "Support".into(),
    }))];
    for i in 0..members {
        changes.push(Change::PutMember(Arc::new(Member {
            id: MemberId(1_000 + i),
            email: format!("agent{i}@acme.test"),
            user_code: Some(format!("EMP-{i}")),
            user_name: Some(format!("agent{i}")),
            display_name: Some(format!("Agent {i}")),
            phone: Some("+1 555 0100".into()),
            role: RoleKey::new(if i == 0 { "owner" } else { "agent" }),
            teams: vec![TeamId(1)],
            bots: Vec::new(),
            bot_levels: Vec::new(),
            status: MemberStatus::Active,
        })));
    }
    changes
}

fn build(changes: &[Change]) -> OrgState {
    let mut state = OrgState::new(Organization {
        id: OrgId(1),
        name: "Acme".into(),
        catalog: Arc::new(preset::helpdesk()),
        seat_limit: 1_000_000,
        settings: Default::default(),
    });
    for change in changes {
        state.apply(change);
    }
    state
}

fn org_memory(c: &mut Criterion) {
    let mut group = c.benchmark_group("org_memory");
    group.sample_size(10);
    for members in [1_000u64, 10_000, 100_000] {
        // The state as a store loads it: its own records.
        let before = LIVE.load(Ordering::Relaxed);
        let state = build(&changes(members));
        let records = LIVE.load(Ordering::Relaxed) - before;
        // The index, built on first use.
        let indexed_before = LIVE.load(Ordering::Relaxed);
        black_box(state.seats_used(Timestamp(0)));
        let index = LIVE.load(Ordering::Relaxed) - indexed_before;
        eprintln!(
            "org_memory/{members}: {} bytes per member ({} records, {} index)",
            (records + index) / members as isize,
            records / members as isize,
            index / members as isize,
        );
        drop(state);
        let template = changes(members);
        group.bench_with_input(
            BenchmarkId::new("load_and_index", members),
            &template,
            |b, template| {
                b.iter(|| {
                    let state = build(template);
                    black_box(state.seats_used(Timestamp(0)))
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, org_memory);
criterion_main!(benches);
