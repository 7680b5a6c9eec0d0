//! `ActorCache` hits with 10 to 1,000,000 cached actors (target: the hit at
//! 1,000,000 within 1.5× the hit at 10). `cached` is the hit alone;
//! `get` adds the version read from the store (in memory here).
//!
//! `cargo bench --bench cache -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use purview::executor::block_on;
use purview::{
    preset, ActorCache, Directory, MemberId, MemoryStore, NewOrganization, OrgId, Profile,
};
use std::hint::black_box;
use std::sync::Arc;

fn cache(c: &mut Criterion) {
    let dir = Directory::new(MemoryStore::new());
    let owner = block_on(dir.create_organization(NewOrganization {
        id: OrgId(1),
        name: "Bench".into(),
        catalog: preset::helpdesk(),
        seat_limit: 10,
        founder: Profile {
            email: Some("owner@acme.test".into()),
            ..Profile::default()
        },
        founder_role: None,
    }))
    .unwrap();
    let mut group = c.benchmark_group("actor_cache_hit");
    for size in [10usize, 1_000, 1_000_000] {
        let cache = ActorCache::with_capacity(size);
        let actor = block_on(cache.get(&dir, OrgId(1), owner)).unwrap();
        // The rest of the cache: other members of the same organization and
        // of a thousand others.
        for i in 1..size as u64 {
            let org = OrgId(if i % 2 == 0 { 1 } else { 2 + i % 1_000 });
            cache.put(org, MemberId(1_000_000_000 + i), 1, Arc::clone(&actor));
        }
        assert_eq!(cache.len(), size);
        assert!(cache.cached(OrgId(1), owner).is_some());
        group.bench_with_input(BenchmarkId::new("cached", size), &size, |b, _| {
            b.iter(|| cache.cached(black_box(OrgId(1)), black_box(owner)).unwrap());
        });
        group.bench_with_input(BenchmarkId::new("get", size), &size, |b, _| {
            b.iter(|| block_on(cache.get(&dir, black_box(OrgId(1)), black_box(owner))).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, cache);
criterion_main!(benches);
