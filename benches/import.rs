//! A 10,000-row import into the in-memory store (target: under 100 ms), and
//! one whose rows name 10,000 distinct teams (target: under 150 ms; every
//! team lookup is a map lookup, so the two cost about the same).
//!
//! `cargo bench --bench import -- --warm-up-time 1 --measurement-time 10`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use purview::directory::ImportMode;
use purview::executor::block_on;
use purview::{preset, Directory, MemoryStore, NewOrganization, OrgId, Profile};
use std::hint::black_box;

/// `rows` people spread over `teams` teams.
fn file(rows: usize, teams: usize) -> String {
    let mut csv = String::from("email,user code,user name,display name,role,team code,team name\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "user{i}@acme.test,EMP-{i},user{i},User {i},{},T{},Team {}\n",
            if i % 10 == 0 { "Admin" } else { "Agent" },
            i % teams,
            i % teams
        ));
    }
    csv
}

fn setup() -> (Directory<MemoryStore>, purview::MemberId) {
    let dir = Directory::new(MemoryStore::new());
    let owner = block_on(dir.create_organization(NewOrganization {
        id: OrgId(1),
        name: "Bench".into(),
        catalog: preset::helpdesk(),
        seat_limit: 20_000,
        founder: Profile {
            email: Some("owner@acme.test".into()),
            ..Profile::default()
        },
        founder_role: None,
    }))
    .unwrap();
    (dir, owner)
}

fn import(c: &mut Criterion) {
    let csv = file(10_000, 50);
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    for (name, csv, teams) in [
        ("10k_rows_apply", &csv, 50),
        ("10k_rows_10k_teams_apply", &file(10_000, 10_000), 10_000),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                setup,
                |(dir, owner)| {
                    let r = block_on(dir.import_members(
                        OrgId(1),
                        owner,
                        black_box(csv.as_bytes()),
                        ImportMode::Apply,
                    ))
                    .unwrap();
                    assert_eq!((r.members_created, r.teams_created), (10_000, teams));
                    r
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.bench_function("10k_rows_dry_run", |b| {
        let (dir, owner) = setup();
        b.iter(|| {
            block_on(dir.import_members(
                OrgId(1),
                owner,
                black_box(csv.as_bytes()),
                ImportMode::DryRun,
            ))
            .unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
