//! With the `tracing` feature, every directory operation is a span naming
//! the organization, the actor, the operation, its outcome and its retries;
//! a refusal is an event in it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::executor::block_on;
use purview::{preset, Directory, MemoryStore, NewOrganization, OrgId, Profile};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every field recorded on spans and events, as text, in order.
#[derive(Clone, Default)]
struct Fields(Arc<Mutex<Vec<(String, String)>>>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .lock()
            .unwrap()
            .push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for Fields {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        span.record(&mut self.clone());
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut self.clone());
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        event.record(&mut self.clone());
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn an_operation_is_a_span_with_its_outcome() {
    let fields = Fields::default();
    let seen = fields.clone();
    tracing::subscriber::with_default(fields, || {
        let dir = Directory::new(MemoryStore::new());
        let owner = block_on(dir.create_organization(NewOrganization {
            id: OrgId(7),
            name: "Acme".into(),
            catalog: preset::helpdesk(),
            seat_limit: 5,
            founder: Profile {
                email: Some("o@acme.test".into()),
                ..Profile::default()
            },
            founder_role: None,
        }))
        .unwrap();
        block_on(dir.rename_organization(OrgId(7), owner, "Acme Support")).unwrap();
        // The Owner may not demote themselves: refused.
        block_on(dir.change_role(OrgId(7), owner, owner, "agent")).unwrap_err();
    });
    let fields = seen.0.lock().unwrap().clone();
    let has = |k: &str, v: &str| fields.iter().any(|(a, b)| a == k && b == v);
    assert!(has("operation", "\"rename_organization\""), "{fields:?}");
    assert!(has("operation", "\"change_role\""), "{fields:?}");
    assert!(has("org", "7"), "{fields:?}");
    assert!(has("outcome", "\"done\""), "{fields:?}");
    assert!(has("outcome", "\"refused\""), "{fields:?}");
    assert!(has("retries", "0"), "{fields:?}");
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "error" && v.contains("their own role")),
        "{fields:?}"
    );
}
