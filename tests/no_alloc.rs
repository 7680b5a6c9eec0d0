//! `can`, `ConversationFilter::for_action` and `ConversationFilter::matches`
//! allocate nothing: a counting global allocator watches them over every
//! action, on every kind of resource, for members of every preset's roles,
//! contacts and API keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Counting allocations needs a global allocator, which is an unsafe trait.
#![allow(unsafe_code)]

mod common;

use common::World;
use purview::{
    can, preset, Action, Actor, ApiKeyId, Attributes, Audience, BotId, ContactId,
    ConversationFilter, Document, DocumentId, KnowledgeBase, KnowledgeBaseId, MemberId, OrgId,
    Permissions, Resource, TeamId,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn evaluation_and_the_filter_allocate_nothing() {
    // Everything is built before counting starts.
    let world = World::new(OrgId(1));
    let other = World::new(OrgId(2));
    let mut attrs = Attributes::new();
    attrs.insert("tier".into(), "gold".into());
    // Every role of every preset.
    let mut actors: Vec<Actor> = preset::all()
        .iter()
        .flat_map(|catalog| {
            catalog
                .roles()
                .map(|r| Actor::member(OrgId(1), MemberId(1), r, [TeamId(1), TeamId(3)]))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut elsewhere = Attributes::new();
    elsewhere.insert("region".into(), "eu".into());
    actors.push(Actor::contact(OrgId(1), ContactId(1), attrs));
    actors.push(Actor::contact(OrgId(1), ContactId(2), elsewhere));
    actors.push(Actor::api_key(
        OrgId(1),
        ApiKeyId(1),
        BotId(1),
        Permissions::all(),
    ));
    // Knowledge with every kind of audience rule, for the contacts.
    let rule = Audience::All(vec![
        Audience::equals("tier", "gold"),
        Audience::one_of("tier", ["gold", "platinum"]),
        Audience::Any(vec![Audience::present("tier"), Audience::present("region")]),
    ]);
    let kb = KnowledgeBase {
        id: KnowledgeBaseId(1),
        org: OrgId(1),
        audience: Some(rule.clone()),
    };
    let doc = Document {
        id: DocumentId(9),
        org: OrgId(1),
        knowledge_base: kb.id,
        audience: Some(Audience::Any(vec![rule, Audience::equals("region", "eu")])),
    };
    let resources: Vec<_> = world
        .resources()
        .into_iter()
        .chain(other.resources())
        .chain([
            Resource::KnowledgeBase(&kb),
            Resource::Document {
                knowledge_base: &kb,
                document: &doc,
            },
        ])
        .collect();

    // The counter sees this thread's allocations.
    let probe = allocations();
    let boxed = std::hint::black_box(Box::new(7u64));
    assert_eq!(allocations(), probe + 1);
    drop(boxed);

    let before = allocations();
    let mut allowed = 0usize;
    let mut matched = 0usize;
    for actor in &actors {
        for action in Action::ALL {
            for resource in &resources {
                allowed += usize::from(can(actor, *action, resource).is_allowed());
            }
            let filter = ConversationFilter::for_action(actor, *action);
            for c in world.conversations.iter().chain(&other.conversations) {
                matched += usize::from(filter.matches(c));
            }
        }
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "evaluation allocated {} times",
        after - before
    );
    // The loop did real work: some requests were allowed, some conversations matched.
    assert!(
        allowed > 100 && matched > 10,
        "{allowed} allowed, {matched} matched"
    );
}
