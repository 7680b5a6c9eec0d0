//! Knowledge bases at runtime (seed 000, "reference databases"): registered,
//! renamed, given audience rules and removed with knowledge-base management;
//! one a role references is removed only when its references are detached
//! in the same commit, each role edit judged as any role edit.
//!
//! `cargo test --test knowledge_bases`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::directory::ManualClock;
use purview::executor::block_on;
use purview::record::Timestamp;
use purview::{
    can, preset, Action, Actor, Audience, Directory, DirectoryError, KnowledgeBaseId,
    KnowledgeRefs, MemberId, MemoryStore, NewOrganization, OrgId, OrgState, Permissions as P,
    Profile, Reason, Resource, Role, RoleKey, Store,
};
use std::sync::Arc;

const ORG: OrgId = OrgId(1);

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.to_owned()),
        user_name: Some("Name".into()),
        ..Profile::default()
    }
}

struct Fx {
    dir: Directory<MemoryStore, ManualClock>,
    staff: MemberId,
}

impl Fx {
    fn new(catalog: purview::Catalog, founder: &str) -> Fx {
        let dir = Directory::with_clock(
            MemoryStore::new(),
            ManualClock::new(Timestamp(1_700_000_000)),
        );
        let staff = block_on(dir.create_organization(NewOrganization {
            id: ORG,
            name: "Acme".into(),
            catalog,
            seat_limit: 10,
            founder: profile("staff@acme.test"),
            founder_role: Some(RoleKey::new(founder)),
        }))
        .unwrap();
        Fx { dir, staff }
    }

    fn join(&self, email: &str, role: &str) -> MemberId {
        let sent = block_on(self.dir.invite(ORG, self.staff, email, role)).unwrap();
        block_on(self.dir.accept_invitation(&sent[0].secret, profile(email)))
            .unwrap()
            .1
    }

    fn state(&self) -> Arc<OrgState> {
        block_on(self.dir.snapshot(ORG)).unwrap()
    }

    fn audit(&self) -> Vec<purview::AuditEvent> {
        block_on(self.dir.store().audit(ORG)).unwrap()
    }

    fn refused<T: std::fmt::Debug>(
        &self,
        op: impl std::future::Future<Output = Result<T, DirectoryError>>,
    ) -> DirectoryError {
        let before = (self.state(), self.audit());
        let result = block_on(op);
        assert_eq!(before, (self.state(), self.audit()), "a refusal wrote");
        result.expect_err("expected a refusal")
    }
}

fn assistant() -> Fx {
    Fx::new(preset::assistant(), "administrative_staff")
}

#[test]
fn knowledge_bases_are_registered_renamed_and_given_audiences_with_management_only() {
    let f = assistant();
    let intern = f.join("intern@acme.test", "intern");
    let e = f.refused(f.dir.register_knowledge_base(ORG, intern, "FAQ", None));
    assert!(
        matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing }) if missing == P::KNOWLEDGE_BASE_MANAGE),
        "{e:?}"
    );
    let e = f.refused(f.dir.register_knowledge_base(ORG, f.staff, "  ", None));
    assert!(
        matches!(
            e,
            DirectoryError::InvalidInput {
                field: "knowledge base name",
                ..
            }
        ),
        "{e:?}"
    );

    let faq = block_on(f.dir.register_knowledge_base(ORG, f.staff, "FAQ", None)).unwrap();
    let state = f.state();
    assert!(state.org.catalog.knowledge_bases().contains(&faq));
    assert_eq!(state.knowledge_bases[&faq].name, "FAQ");
    assert_eq!(state.knowledge_base(faq).unwrap().audience, None);
    let last = f.audit().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.subject.clone()),
        ("register_knowledge_base", faq.to_string())
    );

    // A contact reaches it once its audience admits them.
    let gold = Actor::contact(
        ORG,
        purview::ContactId(5),
        [("tier".to_owned(), "gold".to_owned())]
            .into_iter()
            .collect(),
    );
    let reads = |f: &Fx| {
        let kb = f.state().knowledge_base(faq).unwrap();
        can(
            &gold,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&kb),
        )
    };
    assert!(!reads(&f).is_allowed());
    block_on(f.dir.set_knowledge_base_audience(
        ORG,
        f.staff,
        faq,
        Some(Audience::one_of("tier", ["gold"])),
    ))
    .unwrap();
    assert!(reads(&f).is_allowed());
    let last = f.audit().pop().unwrap();
    assert_eq!(last.action, "edit_knowledge_base");
    assert!(last
        .before
        .as_ref()
        .unwrap()
        .to_json()
        .contains("\"audience\":null"));
    assert!(last.after.as_ref().unwrap().to_json().contains("gold"));

    block_on(
        f.dir
            .rename_knowledge_base(ORG, f.staff, faq, " Questions "),
    )
    .unwrap();
    assert_eq!(f.state().knowledge_bases[&faq].name, "Questions");
    // A change that changes nothing writes nothing.
    let before = (f.state(), f.audit());
    block_on(f.dir.rename_knowledge_base(ORG, f.staff, faq, "Questions")).unwrap();
    assert_eq!(before, (f.state(), f.audit()));
    let e = f.refused(f.dir.rename_knowledge_base(ORG, intern, faq, "Mine"));
    assert!(matches!(e, DirectoryError::Denied(_)), "{e:?}");
    let e = f.refused(
        f.dir
            .rename_knowledge_base(ORG, f.staff, KnowledgeBaseId(999), "X"),
    );
    assert!(
        matches!(
            e,
            DirectoryError::KnowledgeBaseNotFound(KnowledgeBaseId(999))
        ),
        "{e:?}"
    );
}

#[test]
fn a_referenced_knowledge_base_is_removed_only_with_its_references_detached() {
    let f = assistant();
    let representative = f.join("rep@acme.test", "customer_service_representative");
    let products = preset::ASSISTANT_PRODUCTS;
    let kb = f.state().knowledge_base(products).unwrap();
    let (actor, _) = block_on(f.dir.actor(ORG, representative)).unwrap();
    assert!(can(
        &actor,
        Action::QueryKnowledgeBase,
        &Resource::KnowledgeBase(&kb)
    )
    .is_allowed());
    // Referenced by the representative and the intern: refused, nothing written.
    let e = f.refused(f.dir.remove_knowledge_base(ORG, f.staff, products, false));
    match e {
        DirectoryError::KnowledgeBaseInUse {
            knowledge_base,
            roles,
        } => {
            assert_eq!(knowledge_base, products);
            let roles: Vec<&str> = roles.iter().map(RoleKey::as_str).collect();
            assert_eq!(roles, ["customer_service_representative", "intern"]);
        }
        other => panic!("{other:?}"),
    }
    // Detached: one commit takes the references and the knowledge base.
    let before = f.audit().len();
    block_on(f.dir.remove_knowledge_base(ORG, f.staff, products, true)).unwrap();
    let state = f.state();
    assert!(!state.org.catalog.knowledge_bases().contains(&products));
    assert_eq!(state.knowledge_base(products), None);
    assert_eq!(
        state.org.catalog.role("intern").unwrap().knowledge(),
        &KnowledgeRefs::only([])
    );
    let events = f.audit();
    let actions: Vec<(&str, &str)> = events[before..]
        .iter()
        .map(|e| (e.action.as_str(), e.subject.as_str()))
        .collect();
    let removed = products.to_string();
    assert_eq!(
        actions,
        [
            (
                "detach_knowledge_base",
                "role:customer_service_representative"
            ),
            ("detach_knowledge_base", "role:intern"),
            ("remove_knowledge_base", removed.as_str()),
        ]
    );
    assert!(events[before..].iter().all(|e| e.version == state.version));
    // The representative's cached actor sees the change at once.
    let (actor, _) = block_on(f.dir.actor(ORG, representative)).unwrap();
    assert_eq!(
        can(
            &actor,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&kb)
        )
        .reason(),
        Some(Reason::KnowledgeBaseNotReferenced)
    );
    let e = f.refused(f.dir.remove_knowledge_base(ORG, f.staff, products, true));
    assert!(
        matches!(e, DirectoryError::KnowledgeBaseNotFound(_)),
        "{e:?}"
    );
}

#[test]
fn detaching_is_judged_as_a_role_edit() {
    // A librarian manages knowledge bases and references only the products:
    // detaching them would edit the librarian's own role.
    let librarian = Role::builder("librarian", "Librarian")
        .permissions(P::KNOWLEDGE_BASE_MANAGE | P::KNOWLEDGE_BASE_QUERY | P::MEMBER_INVITE)
        .knowledge(KnowledgeRefs::only([preset::ASSISTANT_PRODUCTS]))
        .build();
    let catalog = preset::assistant().with_role(librarian).unwrap();
    let f = Fx::new(catalog, "administrative_staff");
    let sent = block_on(f.dir.invite(ORG, f.staff, "lib@acme.test", "librarian")).unwrap();
    let (_, lib) = block_on(
        f.dir
            .accept_invitation(&sent[0].secret, profile("lib@acme.test")),
    )
    .unwrap();
    // The products are referenced by the representative, whose role
    // exceeds the librarian's: not theirs to edit.
    let e = f.refused(
        f.dir
            .remove_knowledge_base(ORG, lib, preset::ASSISTANT_PRODUCTS, true),
    );
    assert!(
        matches!(e, DirectoryError::RoleBeyondActor(ref r) if r.as_str() == "customer_service_representative"),
        "{e:?}"
    );
    // A knowledge base only the librarian's own role references.
    let shelf = block_on(f.dir.register_knowledge_base(ORG, f.staff, "Shelf", None)).unwrap();
    let own = f.state().org.catalog.role("librarian").unwrap().clone();
    let own = own
        .to_builder()
        .knowledge(KnowledgeRefs::only([preset::ASSISTANT_PRODUCTS, shelf]))
        .build();
    block_on(f.dir.edit_role(ORG, f.staff, own)).unwrap();
    let e = f.refused(f.dir.remove_knowledge_base(ORG, lib, shelf, true));
    assert!(
        matches!(e, DirectoryError::OwnRoleEdit(ref r) if r.as_str() == "librarian"),
        "{e:?}"
    );
    // A knowledge base nobody references goes without detaching.
    let scratch = block_on(f.dir.register_knowledge_base(ORG, lib, "Scratch", None)).unwrap();
    block_on(f.dir.remove_knowledge_base(ORG, lib, scratch, false)).unwrap();
    assert!(!f.state().org.catalog.knowledge_bases().contains(&scratch));
    // A new knowledge base can be referenced by a role edited afterwards.
    let manuals = block_on(f.dir.register_knowledge_base(ORG, f.staff, "Manuals", None)).unwrap();
    let intern = f.state().org.catalog.role("intern").unwrap().clone();
    let wider = intern
        .to_builder()
        .knowledge(KnowledgeRefs::only([preset::ASSISTANT_PRODUCTS, manuals]))
        .build();
    block_on(f.dir.edit_role(ORG, f.staff, wider)).unwrap();
}
