//! The organization's own settings.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn the_seat_limit_is_set_by_the_host_as_the_system_never_below_the_seats_in_use() {
    let f = Fx::helpdesk(5);
    f.join("a@acme.test", "agent");
    // A pending invitation holds a seat: Owner, Agent and it make three.
    f.run(f.dir.invite(ORG, f.owner, "p@acme.test", "agent"));
    assert_matches!(
        f.refused(f.dir.set_seat_limit(ORG, 2)),
        DirectoryError::SeatLimitBelowUse { limit: 2, used: 3 }
    );
    f.run(f.dir.set_seat_limit(ORG, 3));
    assert_eq!(f.state(ORG).org.seat_limit, 3);
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor, last.subject.as_str()),
        ("set_seat_limit", None, "organization:1")
    );
    assert_matches!(
        last.before,
        Some(AuditValue::Organization { seat_limit: 5, .. })
    );
    assert_matches!(
        last.after,
        Some(AuditValue::Organization { seat_limit: 3, .. })
    );
    // Full now: the next invitation finds no seat.
    assert_matches!(
        f.refused(f.dir.invite(ORG, f.owner, "q@acme.test", "agent")),
        DirectoryError::SeatsExceeded { limit: 3, .. }
    );
    // The same limit again writes nothing.
    let version = f.state(ORG).version;
    f.run(f.dir.set_seat_limit(ORG, 3));
    assert_eq!(f.state(ORG).version, version);
    // Raised, the seat is there.
    f.run(f.dir.set_seat_limit(ORG, 4));
    f.run(f.dir.invite(ORG, f.owner, "q@acme.test", "agent"));
}

#[test]
fn renaming_the_organization_needs_the_organization_edit_permission() {
    let f = Fx::helpdesk(10);
    // The helpdesk's Admin does not edit the organization's profile.
    let admin = f.join("ad@acme.test", "admin");
    assert_matches!(
        f.refused(f.dir.rename_organization(ORG, admin, "Evil")),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    assert_matches!(
        f.refused(f.dir.rename_organization(ORG, f.owner, "   ")),
        DirectoryError::InvalidInput { .. }
    );
    assert_matches!(
        f.refused(f.dir.rename_organization(ORG, f.owner, "Acme\u{7}")),
        DirectoryError::InvalidInput { .. }
    );
    // The Owner of another organization is nobody here.
    let other = f.other_org();
    assert_matches!(
        f.frozen(
            &[ORG, OTHER],
            f.dir.rename_organization(ORG, other, "Taken")
        ),
        DirectoryError::UnknownMember(_)
    );
    f.run(f.dir.rename_organization(ORG, f.owner, "  Acme Support "));
    assert_eq!(f.state(ORG).org.name, "Acme Support");
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor),
        ("rename_organization", Some(f.owner))
    );
    assert_eq!(f.state(OTHER).org.name, "Other");
}

#[test]
fn organization_info_shows_the_seats_left_to_those_who_may_view_it() {
    let f = Fx::helpdesk(5);
    let agent = f.join("a@acme.test", "agent");
    assert_eq!(
        f.run(f.dir.organization_info(ORG, f.owner)),
        purview::OrganizationInfo {
            name: "Acme".into(),
            seat_limit: 5,
            seats_used: 2,
            seats_left: 3,
            settings: Default::default(),
        }
    );
    assert_matches!(
        block_on(f.dir.organization_info(ORG, agent)),
        Err(DirectoryError::Denied(Reason::MissingPermission { .. }))
    );
}

#[test]
fn organization_settings_are_the_hosts_keys_set_by_those_who_may_edit_the_organization() {
    let f = Fx::helpdesk(5);
    let dir = f
        .dir
        .clone()
        .organization_settings(["timezone", "language"]);
    let agent = f.join("a@acme.test", "agent");
    let e = f.refused(dir.set_organization_setting(ORG, agent, "timezone", Some("UTC")));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::ORGANIZATION_EDIT);
    let e = f.refused(dir.set_organization_setting(ORG, f.owner, "currency", Some("TWD")));
    assert_matches!(e, DirectoryError::UnknownSetting(ref k) if k == "currency");
    let e = f.refused(dir.set_organization_setting(ORG, f.owner, "language", Some("zh\u{7}")));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "setting value",
            ..
        }
    );

    f.run(dir.set_organization_setting(ORG, f.owner, "timezone", Some(" Asia/Taipei ")));
    let info = f.run(dir.organization_info(ORG, f.owner));
    assert_eq!(
        info.settings.into_iter().collect::<Vec<_>>(),
        [("timezone".to_owned(), "Asia/Taipei".to_owned())]
    );
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.actor,
            last.before.as_ref().map(AuditValue::to_json).as_deref(),
            last.after.as_ref().map(AuditValue::to_json).as_deref()
        ),
        (
            "set_organization_setting",
            Some(f.owner),
            Some(r#"{"timezone":null}"#),
            Some(r#"{"timezone":"Asia/Taipei"}"#)
        )
    );
    // The same value again writes nothing; a blank value clears it.
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(dir.set_organization_setting(ORG, f.owner, "timezone", Some("Asia/Taipei")));
    assert_eq!((f.state(ORG), f.audit(ORG)), (state, events));
    f.run(dir.set_organization_setting(ORG, f.owner, "timezone", Some("  ")));
    assert!(f.state(ORG).org.settings.is_empty());
    // A directory that does not declare a key neither sets nor shows it.
    f.run(dir.set_organization_setting(ORG, f.owner, "language", Some("zh-TW")));
    assert!(f
        .run(f.dir.organization_info(ORG, f.owner))
        .settings
        .is_empty());
    assert_matches!(
        block_on(
            f.dir
                .set_organization_setting(ORG, f.owner, "language", None)
        ),
        Err(DirectoryError::UnknownSetting(_))
    );
}
