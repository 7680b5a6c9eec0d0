//! Contacts administered at runtime (seed 000): created by the host's
//! synchronization (an upsert by external id) or by a member allowed to
//! edit contacts, attributes replaced or patched, removed, every change
//! audited before and after; refused changes write nothing; the attributes
//! decide what the contact may read.
//!
//! `cargo test --test contacts`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::directory::{AttributeChange, ManualClock, MAX_CONTACT_ATTRIBUTES, MAX_TEXT_CHARS};
use purview::executor::block_on;
use purview::record::Timestamp;
use purview::{
    can, preset, Action, Actor, Attributes, Audience, ContactId, Directory, DirectoryError,
    KnowledgeBase, KnowledgeBaseId, MemberId, MemoryStore, NewOrganization, OrgId, Profile, Reason,
    Resource, Store,
};

const ORG: OrgId = OrgId(1);
const OTHER: OrgId = OrgId(2);

fn attrs(pairs: &[(&str, &str)]) -> Attributes {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

struct Fx {
    dir: Directory<MemoryStore, ManualClock>,
    /// Administrative Staff (contact editing and viewing).
    staff: MemberId,
    /// An Intern: views contacts, does not edit them.
    intern: MemberId,
}

fn fx() -> Fx {
    let dir = Directory::with_clock(
        MemoryStore::new(),
        ManualClock::new(Timestamp(1_700_000_000)),
    );
    let profile = |email: &str| Profile {
        email: Some(email.to_owned()),
        user_name: Some("Name".into()),
        display_name: Some("Name".into()),
        phone: Some("+1 555 0100".into()),
        ..Profile::default()
    };
    let mut staff = MemberId(0);
    for (org, email) in [(ORG, "staff@acme.test"), (OTHER, "staff@other.test")] {
        let founder = block_on(dir.create_organization(NewOrganization {
            id: org,
            name: "Acme".into(),
            catalog: preset::assistant(),
            seat_limit: 10,
            founder: profile(email),
            founder_role: Some(purview::RoleKey::new("administrative_staff")),
        }))
        .unwrap();
        if org == ORG {
            staff = founder;
        }
    }
    let sent = block_on(dir.invite(ORG, staff, "intern@acme.test", "intern")).unwrap();
    let (_, intern) =
        block_on(dir.accept_invitation(&sent[0].secret, profile("intern@acme.test"))).unwrap();
    Fx { dir, staff, intern }
}

impl Fx {
    fn history(&self, id: ContactId) -> Vec<purview::AuditEvent> {
        block_on(self.dir.contact_history(ORG, self.staff, id, None, 100)).unwrap()
    }

    fn stored(&self, id: ContactId) -> Option<purview::StoredContact> {
        block_on(self.dir.store().contact(ORG, id)).unwrap()
    }

    /// Runs a refused contact operation: the contact and its history are
    /// what they were; returns the error.
    fn refused<T: std::fmt::Debug>(
        &self,
        id: ContactId,
        op: impl std::future::Future<Output = Result<T, DirectoryError>>,
    ) -> DirectoryError {
        let before = (self.stored(id), self.history(id));
        let result = block_on(op);
        assert_eq!(
            before,
            (self.stored(id), self.history(id)),
            "a refusal wrote"
        );
        result.expect_err("expected a refusal")
    }
}

#[test]
fn synchronization_upserts_by_external_id_and_is_idempotent() {
    let f = fx();
    let gold = attrs(&[("tier", "gold"), ("region", "eu")]);
    let id = block_on(
        f.dir
            .sync_contact(ORG, "crm-7", AttributeChange::Replace(gold.clone())),
    )
    .unwrap();
    // The same again: the same contact, nothing written.
    let again = block_on(
        f.dir
            .sync_contact(ORG, "crm-7", AttributeChange::Replace(gold.clone())),
    )
    .unwrap();
    assert_eq!(again, id);
    let events = f.history(id);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            events[0].action.as_str(),
            events[0].actor,
            events[0].version
        ),
        ("sync_contact", None, 1)
    );
    let stored = f.stored(id).unwrap();
    assert_eq!(stored.external_id.as_deref(), Some("crm-7"));
    assert_eq!(stored.origin, purview::ContactOrigin::System);
    // A patch sets and removes; the rest stays in place.
    block_on(f.dir.sync_contact(
        ORG,
        "crm-7",
        AttributeChange::Patch {
            set: attrs(&[("tier", "platinum"), ("plan", "annual")]),
            remove: vec!["region".into()],
        },
    ))
    .unwrap();
    assert_eq!(
        f.stored(id).unwrap().attributes,
        attrs(&[("tier", "platinum"), ("plan", "annual")])
    );
    // A replace makes them exactly what it says.
    block_on(f.dir.sync_contact(
        ORG,
        "crm-7",
        AttributeChange::Replace(attrs(&[("tier", "gold")])),
    ))
    .unwrap();
    let stored = f.stored(id).unwrap();
    assert_eq!(stored.attributes, attrs(&[("tier", "gold")]));
    assert_eq!(stored.version, 3);
    // Every change is audited before and after.
    let events = f.history(id);
    assert_eq!(events.len(), 3);
    let before: purview::StoredContact = record(&events[2].before);
    let after: purview::StoredContact = record(&events[2].after);
    assert_eq!(
        before.attributes,
        attrs(&[("tier", "platinum"), ("plan", "annual")])
    );
    assert_eq!(after, stored);
    // A patch of an unknown external id creates the contact.
    let new = block_on(f.dir.sync_contact(
        ORG,
        "crm-8",
        AttributeChange::Patch {
            set: attrs(&[("tier", "silver")]),
            remove: vec![],
        },
    ))
    .unwrap();
    assert_ne!(new, id);
    let actor = block_on(f.dir.contact_actor_by_external_id(ORG, "crm-8"))
        .unwrap()
        .unwrap();
    assert_eq!((actor.id, actor.org), (new, ORG));
}

#[test]
fn the_attributes_decide_what_a_contact_reads() {
    let f = fx();
    let premium = KnowledgeBase {
        id: KnowledgeBaseId(1),
        org: ORG,
        audience: Some(Audience::one_of("tier", ["gold", "platinum"])),
    };
    let id = block_on(f.dir.sync_contact(
        ORG,
        "crm-1",
        AttributeChange::Replace(attrs(&[("tier", "gold")])),
    ))
    .unwrap();
    let reads = |f: &Fx| {
        let actor = Actor::Contact(block_on(f.dir.contact_actor(ORG, id)).unwrap().unwrap());
        can(
            &actor,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&premium),
        )
    };
    assert!(reads(&f).is_allowed());
    block_on(f.dir.edit_contact(
        ORG,
        f.staff,
        id,
        AttributeChange::Patch {
            set: attrs(&[("tier", "silver")]),
            remove: vec![],
        },
    ))
    .unwrap();
    assert_eq!(reads(&f).reason(), Some(Reason::AudienceNotAdmitted));
}

#[test]
fn members_create_and_edit_contacts_only_with_contact_editing() {
    let f = fx();
    let id =
        block_on(
            f.dir
                .create_contact(ORG, f.staff, Some("crm-1"), attrs(&[("tier", "gold")])),
        )
        .unwrap();
    let stored = f.stored(id).unwrap();
    assert_eq!(stored.origin, purview::ContactOrigin::Manual);
    assert_eq!(f.history(id)[0].actor, Some(f.staff));
    // The lowest role views, never edits.
    let e = f.refused(
        id,
        f.dir.edit_contact(
            ORG,
            f.intern,
            id,
            AttributeChange::Replace(Attributes::new()),
        ),
    );
    assert!(
        matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. })),
        "{e:?}"
    );
    let e = f.refused(id, f.dir.remove_contact(ORG, f.intern, id));
    assert!(matches!(e, DirectoryError::Denied(_)), "{e:?}");
    let e = block_on(
        f.dir
            .create_contact(ORG, f.intern, Some("crm-2"), Attributes::new()),
    )
    .unwrap_err();
    assert!(matches!(e, DirectoryError::Denied(_)), "{e:?}");
    assert_eq!(
        block_on(f.dir.contact_actor_by_external_id(ORG, "crm-2")).unwrap(),
        None
    );
    assert_eq!(
        block_on(f.dir.contact_history(ORG, f.intern, id, None, 10))
            .unwrap()
            .len(),
        1
    );
    // An external id names one contact.
    let e = f.refused(
        id,
        f.dir
            .create_contact(ORG, f.staff, Some("crm-1"), attrs(&[("tier", "silver")])),
    );
    assert!(
        matches!(e, DirectoryError::ContactExists(ref x) if x == "crm-1"),
        "{e:?}"
    );
    // Removed: gone, its history kept, with the removal last.
    block_on(f.dir.remove_contact(ORG, f.staff, id)).unwrap();
    assert_eq!(block_on(f.dir.contact_actor(ORG, id)).unwrap(), None);
    let events = f.history(id);
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[1].action.as_str(), events[1].after.as_ref()),
        ("remove_contact", None)
    );
    let e = block_on(f.dir.edit_contact(
        ORG,
        f.staff,
        id,
        AttributeChange::Replace(Attributes::new()),
    ))
    .unwrap_err();
    assert!(
        matches!(e, DirectoryError::UnknownContact(c) if c == id),
        "{e:?}"
    );
}

#[test]
fn bad_attributes_are_typed_errors_and_write_nothing() {
    let f = fx();
    let id = block_on(f.dir.sync_contact(
        ORG,
        "crm-1",
        AttributeChange::Replace(attrs(&[("tier", "gold")])),
    ))
    .unwrap();
    let long = "x".repeat(MAX_TEXT_CHARS + 1);
    let cases: Vec<(Attributes, &str)> = vec![
        (attrs(&[(" ", "gold")]), "attribute key"),
        (attrs(&[("tier", "  ")]), "attribute value"),
        (attrs(&[("tier", "go\u{7}ld")]), "attribute value"),
        (attrs(&[("ti\nr", "gold")]), "attribute key"),
        (attrs(&[("tier", long.as_str())]), "attribute value"),
    ];
    for (bad, field) in cases {
        let e = f.refused(
            id,
            f.dir
                .sync_contact(ORG, "crm-1", AttributeChange::Replace(bad.clone())),
        );
        assert!(
            matches!(e, DirectoryError::InvalidInput { field: got, .. } if got == field),
            "{bad:?}: {e:?}"
        );
        let e = f.refused(
            id,
            f.dir
                .edit_contact(ORG, f.staff, id, AttributeChange::Replace(bad)),
        );
        assert!(matches!(e, DirectoryError::InvalidInput { .. }), "{e:?}");
    }
    let many: Attributes = (0..=MAX_CONTACT_ATTRIBUTES)
        .map(|i| (format!("k{i}"), "v".to_owned()))
        .collect();
    let e = f.refused(
        id,
        f.dir.sync_contact(
            ORG,
            "crm-1",
            AttributeChange::Patch {
                set: many,
                remove: vec![],
            },
        ),
    );
    assert!(
        matches!(e, DirectoryError::TooManyAttributes { count, max } if count == MAX_CONTACT_ATTRIBUTES + 2 && max == MAX_CONTACT_ATTRIBUTES),
        "{e:?}"
    );
    for external in ["", "  ", "crm\u{0}1"] {
        let e = block_on(f.dir.sync_contact(
            ORG,
            external,
            AttributeChange::Replace(Attributes::new()),
        ))
        .unwrap_err();
        assert!(
            matches!(
                e,
                DirectoryError::InvalidInput {
                    field: "external id",
                    ..
                }
            ),
            "{external:?}: {e:?}"
        );
    }
    let e = block_on(f.dir.sync_contact(
        OrgId(99),
        "crm-1",
        AttributeChange::Replace(Attributes::new()),
    ))
    .unwrap_err();
    assert!(matches!(e, DirectoryError::UnknownOrganization(_)), "{e:?}");
}

#[test]
fn contacts_of_one_organization_are_nothing_in_another() {
    let f = fx();
    let id = block_on(f.dir.sync_contact(
        ORG,
        "crm-1",
        AttributeChange::Replace(attrs(&[("tier", "gold")])),
    ))
    .unwrap();
    assert_eq!(block_on(f.dir.contact_actor(OTHER, id)).unwrap(), None);
    assert_eq!(
        block_on(f.dir.contact_actor_by_external_id(OTHER, "crm-1")).unwrap(),
        None
    );
    // The same external id in another organization is another contact.
    let theirs = block_on(f.dir.sync_contact(
        OTHER,
        "crm-1",
        AttributeChange::Replace(Attributes::new()),
    ))
    .unwrap();
    assert_ne!(theirs, id);
    assert_eq!(f.stored(id).unwrap().attributes, attrs(&[("tier", "gold")]));
    // A member of one organization is unknown in the other.
    let e = block_on(f.dir.edit_contact(
        OTHER,
        f.staff,
        theirs,
        AttributeChange::Replace(Attributes::new()),
    ))
    .unwrap_err();
    assert!(matches!(e, DirectoryError::UnknownMember(_)), "{e:?}");
    let e = f.refused(
        id,
        f.dir.edit_contact(
            ORG,
            f.staff,
            theirs,
            AttributeChange::Replace(Attributes::new()),
        ),
    );
    assert!(
        matches!(e, DirectoryError::UnknownContact(c) if c == theirs),
        "{e:?}"
    );
}

/// An audit event's value read back as the record it shows.
fn record<T: serde::de::DeserializeOwned>(value: &Option<purview::record::AuditValue>) -> T {
    let value = value.as_ref().expect("the event shows a value");
    serde_json::from_str(&value.to_json()).expect("the value is that record")
}
