//! Input every store treats alike: checked once, in the directory.

#[allow(clippy::wildcard_imports)]
use super::*;

fn invalid_input(e: DirectoryError, expected: &str) {
    assert_matches!(e, DirectoryError::InvalidInput { field, .. } if field == expected);
}

#[test]
fn text_fields_refuse_control_characters_and_overlong_values() {
    let f = Fx::helpdesk(10);
    let long = "x".repeat(purview::MAX_TEXT_CHARS + 1);
    for bad in ["Sales\0", "Sa\nles", "\u{1b}[2J", long.as_str()] {
        invalid_input(
            f.refused(f.dir.create_team(ORG, f.owner, None, bad)),
            "team name",
        );
        invalid_input(
            f.refused(f.dir.create_team(ORG, f.owner, Some(bad), "Sales")),
            "team code",
        );
        for (field, update) in [
            (
                "user code",
                ProfileUpdate {
                    user_code: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
            (
                "user name",
                ProfileUpdate {
                    user_name: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
            (
                "display name",
                ProfileUpdate {
                    display_name: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
            (
                "phone",
                ProfileUpdate {
                    phone: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
        ] {
            invalid_input(
                f.refused(f.dir.update_own_profile(ORG, f.owner, update)),
                field,
            );
        }
        let sent = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
        let mut profile = full("new@acme.test");
        profile.display_name = Some(bad.into());
        invalid_input(
            f.refused(f.dir.accept_invitation(&sent.secret, profile)),
            "display name",
        );
        f.run(f.dir.revoke_invitation(ORG, f.owner, sent.id));
    }
    let team = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "  Sales  "));
    assert_eq!(f.state(ORG).teams[&team].name, "Sales");
    invalid_input(
        f.refused(f.dir.rename_team(ORG, f.owner, team, None, "Sales\u{7f}")),
        "team name",
    );
    // The longest value is kept whole.
    let longest = "é".repeat(purview::MAX_TEXT_CHARS);
    f.run(f.dir.rename_team(ORG, f.owner, team, None, &longest));
    assert_eq!(f.state(ORG).teams[&team].name, longest);
    // An organization's name and founder.
    let e = block_on(f.dir.create_organization(NewOrganization {
        id: OTHER,
        name: "Other\0".into(),
        catalog: preset::helpdesk(),
        seat_limit: 10,
        founder: full("owner@other.test"),
        founder_role: None,
    }))
    .unwrap_err();
    invalid_input(e, "organization name");
    assert!(block_on(f.dir.snapshot(OTHER)).is_err());
}

#[cfg(feature = "import")]
#[test]
fn import_cells_with_control_characters_fail_their_row() {
    let f = Fx::helpdesk(10);
    let csv = "email,user code,user name,display name,role,team code,team name\n\
               ok@acme.test,C1,ok,,Agent,,\n\
               a@acme.test,\"C\0\",a,,Agent,,\n\
               b@acme.test,,b,\"two\nlines\",Agent,,\n\
               c@acme.test,,c,,Agent,\"T\u{1b}\",\n";
    let e =
        f.refused(
            f.dir
                .import_members(ORG, f.owner, csv.as_bytes(), purview::ImportMode::Apply),
        );
    let DirectoryError::ImportFailed(rows) = e else {
        panic!("expected ImportFailed, got {e:?}")
    };
    let got: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| match &r.problem {
            purview::ImportProblem::InvalidField { field, .. } => (r.line, *field),
            other => panic!("line {}: {other:?}", r.line),
        })
        .collect();
    assert_eq!(
        got,
        [(3, "user code"), (4, "display name"), (6, "team code")]
    );
}

#[test]
fn addresses_are_compared_in_nfc_and_case_folded() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(ORG, f.owner, "Caf\u{e9}@acme.test", "agent"));
    assert_eq!(sent[0].email.as_deref(), Some("caf\u{e9}@acme.test"));
    for spelling in ["cafe\u{301}@acme.test", "CAF\u{c9}@ACME.TEST"] {
        let e = f.refused(f.dir.invite(ORG, f.owner, spelling, "agent"));
        assert_matches!(
            e,
            DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::AlreadyInvited
        );
    }
    f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("x@acme.test")),
    );
    let e = f.refused(f.dir.invite(ORG, f.owner, "CAFE\u{301}@acme.test", "agent"));
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::AlreadyMember
    );
    // One list with both spellings is one invitation.
    let sent = f.run(f.dir.invite(
        ORG,
        f.owner,
        "Zo\u{eb}@acme.test\nzoe\u{308}@acme.test",
        "agent",
    ));
    assert_eq!(sent.len(), 1);
}

#[test]
fn addresses_with_hidden_characters_or_width_forms_are_refused() {
    let f = Fx::helpdesk(10);
    for (address, problem) in [
        ("boss\u{200B}@acme.test", AddressProblem::HiddenCharacters),
        ("boss@acme\u{200D}.test", AddressProblem::HiddenCharacters),
        ("\u{202E}tset.emca@ssob", AddressProblem::HiddenCharacters),
        ("boss\u{2067}@acme.test", AddressProblem::HiddenCharacters),
        ("\u{FF42}oss@acme.test", AddressProblem::WidthForms),
    ] {
        let e = f.refused(f.dir.invite(ORG, f.owner, address, "agent"));
        assert_matches!(
            e,
            DirectoryError::BadAddresses(ref bad) if bad.len() == 1 && bad[0].problem == problem
        );
        // The message shows what the address hides.
        if problem == AddressProblem::HiddenCharacters {
            assert!(e.to_string().contains("\\u{"), "{e}");
        }
        let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
        let e = f.refused(f.dir.accept_invitation(&link.secret, full(address)));
        assert_matches!(e, DirectoryError::BadAddresses(_));
        f.run(f.dir.revoke_invitation(ORG, f.owner, link.id));
    }
}

#[test]
fn crafted_secrets_beyond_the_stored_range_are_invalid() {
    let f = Fx::helpdesk(10);
    let hex = "a".repeat(64);
    for secret in [
        format!("18446744073709551615.1.{hex}"),
        format!("9223372036854775808.1.{hex}"),
        format!("1.18446744073709551615.{hex}"),
    ] {
        let e = f.refused(f.dir.accept_invitation(&secret, full("x@acme.test")));
        assert_matches!(e, DirectoryError::InvitationInvalid);
    }
    let e = block_on(f.dir.create_organization(NewOrganization {
        id: OrgId(u64::MAX),
        name: "Far".into(),
        catalog: preset::helpdesk(),
        seat_limit: 10,
        founder: full("far@acme.test"),
        founder_role: None,
    }))
    .unwrap_err();
    invalid_input(e, "organization id");
}

#[test]
fn an_unbounded_invitation_lifetime_ends_at_the_latest_stored_time() {
    let f = Fx::helpdesk(10);
    let dir = f.dir.clone().invitation_ttl(u64::MAX);
    let sent = f.run(dir.invite(ORG, f.owner, "late@acme.test", "agent"));
    assert_eq!(sent[0].expires_at, Timestamp::MAX);
    assert_eq!(START.plus(u64::MAX), Timestamp::MAX);
}

#[test]
fn an_error_lists_the_first_hundred_problems_and_counts_the_rest() {
    let f = Fx::helpdesk(10);
    let list: String = (0..200_000).map(|i| format!("bad{i}\n")).collect();
    let e = f.refused(f.dir.invite(ORG, f.owner, &list, "agent"));
    let DirectoryError::BadAddresses(ref bad) = e else {
        panic!("{e:?}")
    };
    assert_eq!(bad.len(), 200_000);
    let text = e.to_string();
    assert!(text.len() < 10_000, "{} bytes", text.len());
    assert!(text.ends_with("; and 199900 more"), "{text}");
    assert!(text.contains("`bad99`") && !text.contains("`bad100`"));
}

#[cfg(feature = "import")]
#[test]
fn a_role_change_before_joining_is_granted_through_the_invitation() {
    let f = Fx::workspace(10);
    let lead = f.join("lead@acme.test", "lead");
    let report = import(&f, f.owner, "email,role\nx@acme.test,Member\n");
    let x = f.state(ORG).member_by_email("x@acme.test").unwrap().id;
    // The lead changes roles but may not invite: they cannot grant the
    // invitation anew.
    let e = f.refused(f.dir.change_role(ORG, lead, x, "lead"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
    f.run(f.dir.change_role(ORG, f.owner, x, "lead"));
    let invitation = &f.state(ORG).invitations[&report.invitations[0].id];
    assert_eq!(
        (invitation.role.as_str(), invitation.created_by),
        ("lead", f.owner)
    );
    let (_, joined) = f.run(
        f.dir
            .accept_invitation(&report.invitations[0].secret, full("x@acme.test")),
    );
    assert_eq!((joined, f.role(x)), (x, "lead".to_owned()));
}

#[test]
fn the_audit_log_is_read_in_pages_of_at_most_max_audit_page() {
    let f = Fx::helpdesk(10);
    for i in 0..purview::MAX_AUDIT_PAGE {
        f.run(f.dir.create_team(ORG, f.owner, None, &format!("Team {i}")));
    }
    let all = f.audit(ORG);
    assert_eq!(all.len(), purview::MAX_AUDIT_PAGE + 1);
    let first = f.run(f.dir.audit_events(ORG, f.owner, None, usize::MAX));
    assert_eq!(first, all[..purview::MAX_AUDIT_PAGE]);
    let rest = f.run(
        f.dir
            .audit_events(ORG, f.owner, first.last().map(AuditEvent::cursor), 10),
    );
    assert_eq!(rest, all[purview::MAX_AUDIT_PAGE..]);
}

#[test]
fn one_huge_value_makes_a_short_message() {
    let f = Fx::helpdesk(10);
    let huge = "a".repeat(8 << 20);
    let e = f.refused(f.dir.invite(ORG, f.owner, &huge, "agent"));
    let text = e.to_string();
    assert!(text.len() < 1_000, "{} bytes", text.len());
    assert!(text.contains('…'));
}

#[test]
fn an_address_that_case_folding_turns_into_another_is_refused() {
    let f = Fx::helpdesk(10);
    // Folded, it would be strasse@, another mailbox: the invitation would go
    // to someone else.
    let e = f.refused(f.dir.invite(ORG, f.owner, "Straße@acme.test", "agent"));
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::CaseFolding
    );
    let e = f.refused(
        f.dir
            .invite(ORG, f.owner, "boss\u{FE0F}@acme.test", "agent"),
    );
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::HiddenCharacters
    );
}

#[cfg(feature = "import")]
#[test]
fn import_messages_escape_what_cells_hide() {
    let f = Fx::helpdesk(10);
    let csv = "email,team code,team name\n\
               a@acme.test,T1,X\u{202E}Y\n\
               b@acme.test,T2,X\u{202E}Y\n";
    let e =
        f.refused(
            f.dir
                .import_members(ORG, f.owner, csv.as_bytes(), purview::ImportMode::Apply),
        );
    let text = e.to_string();
    assert!(text.contains("X\\u{202e}Y"), "{text}");
    assert!(!text.contains('\u{202E}'), "{text}");
}

#[cfg(feature = "import")]
#[test]
fn revoking_an_invitation_never_removes_a_member_above_the_actor() {
    // A manager handles invitations and removes members, below an Admin.
    let manager = P::MEMBER_VIEW
        | P::MEMBER_INVITE
        | P::MEMBER_EDIT
        | P::MEMBER_ROLE_CHANGE
        | P::MEMBER_REMOVE
        | P::INVITATION_MANAGE;
    let catalog = Catalog::new(
        "managers",
        [
            Role::builder("admin", "Admin")
                .permissions(manager | P::ORGANIZATION_EDIT)
                .build(),
            Role::builder("manager", "Manager")
                .permissions(manager)
                .build(),
            Role::builder("member", "Member").build(),
        ],
    )
    .unwrap();
    let f = Fx::new(catalog, Some("admin"), 10);
    let manager = f.join("manager@acme.test", "manager");
    let report = import(&f, f.owner, "email,role\nx@acme.test,Admin\n");
    let e = f.refused(
        f.dir
            .revoke_invitation(ORG, manager, report.invitations[0].id),
    );
    assert_matches!(
        e,
        DirectoryError::TargetExceedsActor { ref role, .. } if role.as_str() == "admin"
    );
}

#[test]
fn a_bot_grant_never_edits_a_member_above_the_actor() {
    let lead = P::MEMBER_VIEW | P::MEMBER_INVITE | P::BOT_ACCESS_GRANT;
    let catalog = Catalog::new(
        "bot-leads",
        [
            Role::builder("admin", "Admin")
                .permissions(lead | P::MEMBER_REMOVE | P::MEMBER_ROLE_CHANGE)
                .build(),
            Role::builder("lead", "Lead").permissions(lead).build(),
        ],
    )
    .unwrap();
    let f = Fx::new(catalog, Some("admin"), 10);
    let bot = f.run(f.dir.register_bot(ORG, "Helper"));
    let lead = f.join("lead@acme.test", "lead");
    let e = f.refused(f.dir.grant_bot(ORG, lead, f.owner, bot));
    assert_matches!(e, DirectoryError::TargetExceedsActor { member, .. } if member == f.owner);
    let e = f.refused(f.dir.revoke_bot(ORG, lead, f.owner, bot));
    assert_matches!(e, DirectoryError::TargetExceedsActor { member, .. } if member == f.owner);
    // A member at the lead's level, the lead may grant.
    let other = f.join("other@acme.test", "lead");
    f.run(f.dir.grant_bot(ORG, lead, other, bot));
    assert_eq!(f.member(other).bots, [bot]);
}

#[test]
fn a_rename_that_changes_nothing_writes_nothing() {
    let f = Fx::helpdesk(10);
    let team = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Sales"));
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(
        f.dir
            .rename_team(ORG, f.owner, team, Some("T1"), "  Sales "),
    );
    assert_eq!(f.state(ORG), state);
    assert_eq!(f.audit(ORG), events);
    f.run(
        f.dir
            .rename_team(ORG, f.owner, team, Some("T1"), "Sales EU"),
    );
    assert_eq!(f.state(ORG).version, state.version + 1);
}
