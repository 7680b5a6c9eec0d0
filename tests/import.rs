//! Batch import, one test per rule of the source document's "Batch Invite /
//! Update Rules", plus the directory's rules applied to every row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::directory::{import_template, ImportMode, ImportProblem, ManualClock};
use purview::executor::block_on;
use purview::model::MemberStatus;
use purview::record::Timestamp;
use purview::{
    preset, Directory, DirectoryError, MemberId, MemoryStore, NewOrganization, OrgId, OrgState,
    Profile, Store,
};
use std::sync::Arc;

const ORG: OrgId = OrgId(1);

struct Fixture {
    dir: Directory<MemoryStore, ManualClock>,
    clock: ManualClock,
    owner: MemberId,
}

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        user_name: Some("name".into()),
        display_name: Some("Name".into()),
        phone: Some("+1 555".into()),
        user_code: None,
    }
}

fn fixture(seats: u32) -> Fixture {
    let clock = ManualClock::new(Timestamp(1_000));
    let dir = Directory::with_clock(MemoryStore::new(), clock.clone());
    let owner = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Acme".into(),
        catalog: preset::helpdesk(),
        seat_limit: seats,
        founder: profile("owner@acme.test"),
        founder_role: None,
    }))
    .unwrap();
    Fixture { dir, clock, owner }
}

impl Fixture {
    fn import(&self, csv: &str) -> Result<purview::ImportReport, DirectoryError> {
        block_on(
            self.dir
                .import_members(ORG, self.owner, csv.as_bytes(), ImportMode::Apply),
        )
    }

    fn state(&self) -> Arc<OrgState> {
        block_on(self.dir.store().load(ORG)).unwrap().unwrap()
    }

    fn snapshot(&self) -> (Arc<OrgState>, usize) {
        (
            self.state(),
            block_on(self.dir.store().audit(ORG)).unwrap().len(),
        )
    }

    fn member(&self, email: &str) -> purview::Member {
        purview::Member::clone(self.state().member_by_email(email).expect(email))
    }

    fn team_named(&self, name: &str) -> Option<purview::Team> {
        self.state()
            .teams
            .values()
            .find(|t| t.name == name)
            .map(|t| purview::Team::clone(t))
    }

    /// Adds a member through an invitation, with a full profile.
    fn join(&self, email: &str, role: &str) -> MemberId {
        let inv = block_on(self.dir.invite(ORG, self.owner, email, role)).unwrap();
        block_on(self.dir.accept_invitation(&inv[0].secret, profile(email)))
            .unwrap()
            .1
    }
}

const HEADER: &str = "email,user code,user name,display name,role,team code,team name\n";

fn failed_rows(r: Result<purview::ImportReport, DirectoryError>) -> Vec<(u64, ImportProblem)> {
    match r {
        Err(DirectoryError::ImportFailed(rows)) => {
            rows.into_iter().map(|e| (e.line, e.problem)).collect()
        }
        other => panic!("expected a failed import, got {other:?}"),
    }
}

#[test]
fn template_has_the_header_and_an_example_row_that_imports() {
    let t = import_template();
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[0],
        "email,user code,user name,display name,role,team code,team name"
    );
    assert_eq!(lines.len(), 2);
    let f = fixture(10);
    let report = f.import(&t).unwrap();
    assert_eq!((report.members_created, report.teams_created), (1, 1));
}

#[test]
fn existing_email_updates_that_member() {
    let f = fixture(10);
    let id = f.join("ann@acme.test", "agent");
    let report = f
        .import(&format!(
            "{HEADER}ANN@acme.test,U1,ann,Ann A.,Primary Agent,,\n"
        ))
        .unwrap();
    assert_eq!((report.members_created, report.members_updated), (0, 1));
    let m = f.member("ann@acme.test");
    assert_eq!(m.id, id);
    assert_eq!(m.role.as_str(), "primary_agent");
    assert_eq!(m.user_code.as_deref(), Some("U1"));
    assert_eq!(m.display_name.as_deref(), Some("Ann A."));
}

#[test]
fn new_email_creates_a_member_and_an_invitation() {
    let f = fixture(10);
    let report = f
        .import(&format!("{HEADER}bob@acme.test,U2,bob,Bob,Agent,,\n"))
        .unwrap();
    assert_eq!(report.members_created, 1);
    assert_eq!(report.invitations.len(), 1);
    let m = f.member("bob@acme.test");
    assert_eq!(m.status, MemberStatus::Invited);
    // Accepting the invitation activates the imported member.
    let (_, id) = block_on(
        f.dir
            .accept_invitation(&report.invitations[0].secret, profile("ignored@x.test")),
    )
    .unwrap();
    assert_eq!(id, m.id);
    let m = f.member("bob@acme.test");
    assert_eq!(m.status, MemberStatus::Active);
    assert_eq!(
        m.user_name.as_deref(),
        Some("bob"),
        "the import's values stay"
    );
    assert_eq!(
        m.phone.as_deref(),
        Some("+1 555"),
        "the newcomer fills what the import left empty"
    );
}

#[test]
fn blank_role_means_agent() {
    let f = fixture(10);
    f.import(&format!("{HEADER}c@acme.test,,,,,,\n")).unwrap();
    assert_eq!(f.member("c@acme.test").role.as_str(), "agent");
}

#[test]
fn invalid_role_means_agent() {
    let f = fixture(10);
    f.import(&format!("{HEADER}c@acme.test,,,,Wizard,,\n"))
        .unwrap();
    assert_eq!(f.member("c@acme.test").role.as_str(), "agent");
}

#[test]
fn blank_role_on_an_existing_member_means_agent() {
    let f = fixture(10);
    f.join("adm@acme.test", "admin");
    f.import(&format!("{HEADER}adm@acme.test,,,,,,\n")).unwrap();
    assert_eq!(f.member("adm@acme.test").role.as_str(), "agent");
}

#[test]
fn role_names_match_by_key_or_display_name_case_insensitively() {
    let f = fixture(10);
    f.import(&format!("{HEADER}a@acme.test,,,,primary_agent,,\nb@acme.test,,,,PRIMARY AGENT,,\nc@acme.test,,,,admin,,\n")).unwrap();
    assert_eq!(f.member("a@acme.test").role.as_str(), "primary_agent");
    assert_eq!(f.member("b@acme.test").role.as_str(), "primary_agent");
    assert_eq!(f.member("c@acme.test").role.as_str(), "admin");
}

#[test]
fn repeated_email_last_role_user_name_and_display_name_win() {
    let f = fixture(10);
    f.import(&format!(
        "{HEADER}d@acme.test,,first,First,Admin,,\nd@acme.test,,second,Second,Primary Agent,,\n"
    ))
    .unwrap();
    let m = f.member("d@acme.test");
    assert_eq!(m.role.as_str(), "primary_agent");
    assert_eq!(m.user_name.as_deref(), Some("second"));
    assert_eq!(m.display_name.as_deref(), Some("Second"));
    assert_eq!(f.state().members.len(), 2, "one member per email");
}

#[test]
fn member_in_several_teams_appears_on_several_rows() {
    let f = fixture(10);
    f.import(&format!(
        "{HEADER}e@acme.test,,,,Agent,T1,Team One\ne@acme.test,,,,Agent,T2,Team Two\n"
    ))
    .unwrap();
    let m = f.member("e@acme.test");
    let t1 = f.team_named("Team One").unwrap();
    let t2 = f.team_named("Team Two").unwrap();
    let mut expected = vec![t1.id, t2.id];
    expected.sort();
    assert_eq!(m.teams, expected);
}

#[test]
fn unknown_team_code_creates_the_team_named_by_its_team_name() {
    let f = fixture(10);
    let report = f
        .import(&format!("{HEADER}f@acme.test,,,,,SUP,Support\n"))
        .unwrap();
    assert_eq!(report.teams_created, 1);
    let t = f.team_named("Support").unwrap();
    assert_eq!(t.code.as_deref(), Some("SUP"));
}

#[test]
fn unknown_team_code_without_a_name_is_named_by_the_code() {
    let f = fixture(10);
    f.import(&format!("{HEADER}f@acme.test,,,,,SUP,\n"))
        .unwrap();
    assert_eq!(f.team_named("SUP").unwrap().code.as_deref(), Some("SUP"));
}

#[test]
fn known_team_code_with_another_name_renames_the_team() {
    let f = fixture(10);
    let team = block_on(f.dir.create_team(ORG, f.owner, Some("SUP"), "Support")).unwrap();
    let report = f
        .import(&format!("{HEADER}g@acme.test,,,,,SUP,Customer Care\n"))
        .unwrap();
    assert_eq!((report.teams_created, report.teams_renamed), (0, 1));
    let state = f.state();
    assert_eq!(state.teams[&team].name, "Customer Care");
    assert_eq!(f.member("g@acme.test").teams, vec![team]);
}

#[test]
fn user_code_clashing_with_another_member_fails_the_import() {
    let f = fixture(10);
    let id = f.join("h@acme.test", "agent");
    block_on(f.dir.update_member_profile(
        ORG,
        f.owner,
        id,
        purview::ProfileUpdate {
            user_code: Some(Some("EMP-7".into())),
            ..Default::default()
        },
    ))
    .unwrap();
    let before = f.snapshot();
    let rows = failed_rows(f.import(&format!(
        "{HEADER}ok@acme.test,,,,,,\nnew@acme.test,EMP-7,,,,,\n"
    )));
    assert_eq!(
        rows,
        vec![(3, ImportProblem::UserCodeTaken("EMP-7".into()))]
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn user_code_clashing_within_the_file_fails_the_import() {
    let f = fixture(10);
    let rows = failed_rows(f.import(&format!(
        "{HEADER}a@acme.test,X1,,,,,\nb@acme.test,X1,,,,,\n"
    )));
    assert_eq!(rows, vec![(3, ImportProblem::UserCodeTaken("X1".into()))]);
}

#[test]
fn team_name_clashing_with_an_existing_team_fails_the_import() {
    let f = fixture(10);
    block_on(f.dir.create_team(ORG, f.owner, Some("SUP"), "Support")).unwrap();
    let before = f.snapshot();
    let rows = failed_rows(f.import(&format!("{HEADER}i@acme.test,,,,,SALES,Support\n")));
    assert_eq!(
        rows,
        vec![(2, ImportProblem::TeamNameTaken("Support".into()))]
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn every_failing_row_is_reported_with_its_line_and_nothing_is_written() {
    let f = fixture(10);
    block_on(f.dir.create_team(ORG, f.owner, Some("SUP"), "Support")).unwrap();
    let before = f.snapshot();
    let rows = failed_rows(f.import(&format!(
        "{HEADER}good@acme.test,,,,,,\nnot-an-email,,,,,,\nx@acme.test,,,,,SALES,Support\nowner@acme.test,,,,Agent,,\n"
    )));
    assert_eq!(
        rows,
        vec![
            (3, ImportProblem::InvalidEmail("not-an-email".into())),
            (4, ImportProblem::TeamNameTaken("Support".into())),
            (5, ImportProblem::OwnRole),
        ]
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn the_owner_is_protected_from_an_import() {
    let f = fixture(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let before = f.snapshot();
    let r = block_on(f.dir.import_members(
        ORG,
        pa,
        format!("{HEADER}owner@acme.test,,,,Agent,,\n").as_bytes(),
        ImportMode::Apply,
    ));
    assert_eq!(failed_rows(r), vec![(2, ImportProblem::OwnerProtected)]);
    assert_eq!(f.snapshot(), before);
    // A blank role on the Owner's row leaves the Owner as they are.
    block_on(f.dir.import_members(
        ORG,
        pa,
        format!("{HEADER}owner@acme.test,,,Boss,,,\n").as_bytes(),
        ImportMode::Apply,
    ))
    .unwrap();
    let owner = f.member("owner@acme.test");
    assert_eq!(
        (owner.role.as_str(), owner.display_name.as_deref()),
        ("owner", Some("Boss"))
    );
}

#[test]
fn an_import_never_grants_the_owner_role() {
    let f = fixture(10);
    let rows = failed_rows(f.import(&format!("{HEADER}new@acme.test,,,,Owner,,\n")));
    assert_eq!(
        rows,
        vec![(2, ImportProblem::UniqueRole(purview::RoleKey::new("owner")))]
    );
}

#[test]
fn the_importer_needs_member_management() {
    let f = fixture(10);
    let admin = f.join("admin@acme.test", "admin");
    let before = f.snapshot();
    let r = block_on(f.dir.import_members(
        ORG,
        admin,
        format!("{HEADER}z@acme.test,,,,,,\n").as_bytes(),
        ImportMode::Apply,
    ));
    assert!(
        matches!(
            r,
            Err(DirectoryError::Denied(
                purview::Reason::MissingPermission { .. }
            ))
        ),
        "{r:?}"
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn seats_hold_for_an_import() {
    let f = fixture(3);
    let before = f.snapshot();
    let r = f.import(&format!(
        "{HEADER}a@acme.test,,,,,,\nb@acme.test,,,,,,\nc@acme.test,,,,,,\n"
    ));
    assert!(
        matches!(r, Err(DirectoryError::SeatsExceeded { limit: 3, .. })),
        "{r:?}"
    );
    assert_eq!(f.snapshot(), before);
    f.import(&format!("{HEADER}a@acme.test,,,,,,\nb@acme.test,,,,,,\n"))
        .unwrap();
}

#[test]
fn minimum_admins_hold_for_an_import() {
    let dir = Directory::with_clock(MemoryStore::new(), ManualClock::new(Timestamp(1_000)));
    let first = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Two admins".into(),
        catalog: two_admins_with_import(),
        seat_limit: 10,
        founder: profile("a1@x.test"),
        founder_role: Some(purview::RoleKey::new("admin")),
    }))
    .unwrap();
    let inv = block_on(dir.invite(ORG, first, "a2@x.test", "admin")).unwrap();
    let (_, second) =
        block_on(dir.accept_invitation(&inv[0].secret, profile("a2@x.test"))).unwrap();
    let _ = second;
    let r = block_on(dir.import_members(
        ORG,
        first,
        b"email,role\na2@x.test,member\n",
        ImportMode::Apply,
    ));
    assert!(
        matches!(r, Err(DirectoryError::TooFewAdmins { .. })),
        "{r:?}"
    );
}

fn two_admins_with_import() -> purview::Catalog {
    use purview::model::{AdminMinimum, DirectoryRules};
    use purview::{Catalog, Permissions as P, Role, RoleKey};
    let admin = Role::builder("admin", "Admin")
        .permissions(
            P::MEMBER_VIEW
                | P::MEMBER_INVITE
                | P::MEMBER_EDIT
                | P::MEMBER_ROLE_CHANGE
                | P::MEMBER_REMOVE,
        )
        .build();
    let member = Role::builder("member", "Member").build();
    Catalog::new("t", [admin, member])
        .unwrap()
        .with_policy(DirectoryRules {
            default_role: Some(RoleKey::new("member")),
            min_admins: Some(AdminMinimum {
                role: RoleKey::new("admin"),
                count: 2,
            }),
            ..DirectoryRules::default()
        })
        .unwrap()
}

#[test]
fn dry_run_reports_the_same_and_writes_nothing() {
    let f = fixture(10);
    let csv = format!("{HEADER}a@acme.test,,,,,T1,One\nb@acme.test,,,,,T1,One\n");
    let before = f.snapshot();
    let dry = block_on(
        f.dir
            .import_members(ORG, f.owner, csv.as_bytes(), ImportMode::DryRun),
    )
    .unwrap();
    assert_eq!(f.snapshot(), before);
    assert!(dry.invitations.is_empty());
    let real = f.import(&csv).unwrap();
    assert_eq!(
        (
            dry.members_created,
            dry.members_updated,
            dry.teams_created,
            dry.teams_renamed
        ),
        (
            real.members_created,
            real.members_updated,
            real.teams_created,
            real.teams_renamed
        )
    );
    assert_eq!(real.invitations.len(), 2);
}

#[test]
fn csv_quoting_crlf_bom_header_case_and_whitespace() {
    let f = fixture(10);
    let csv = "\u{feff}EMAIL , User_Code,USER NAME,Display-Name,Role,Team Code,Team Name\r\n  q@acme.test , Q-1 ,\"doe, jane\",\"Jane \"\"JD\"\" Doe\", agent ,T9,\"Night, shift\"\r\n";
    f.import(csv).unwrap();
    let m = f.member("q@acme.test");
    assert_eq!(m.user_code.as_deref(), Some("Q-1"));
    assert_eq!(m.user_name.as_deref(), Some("doe, jane"));
    assert_eq!(m.display_name.as_deref(), Some("Jane \"JD\" Doe"));
    assert_eq!(
        f.team_named("Night, shift").unwrap().code.as_deref(),
        Some("T9")
    );
}

#[test]
fn an_unreadable_row_is_reported_with_its_line_number() {
    let f = fixture(10);
    let mut bytes = format!("{HEADER}a@acme.test,,,,,,\n").into_bytes();
    bytes.extend_from_slice(b"b@acme.test,\xff\xfe,,,,,\n");
    let before = f.snapshot();
    let r = block_on(
        f.dir
            .import_members(ORG, f.owner, &bytes, ImportMode::Apply),
    );
    let rows = failed_rows(r);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 3);
    assert!(matches!(rows[0].1, ImportProblem::Unreadable(_)));
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_header_without_email_is_refused() {
    let f = fixture(10);
    assert_eq!(
        failed_rows(f.import("name,role\nx,agent\n")),
        vec![(1, ImportProblem::NoEmailColumn)]
    );
}

#[test]
fn a_file_with_thousands_of_rows() {
    let f = fixture(5_000);
    let mut csv = String::from(HEADER);
    for i in 0..3_000 {
        csv.push_str(&format!(
            "user{i}@acme.test,EMP-{i},user{i},User {i},Agent,T{},Team {}\n",
            i % 25,
            i % 25
        ));
    }
    let report = f.import(&csv).unwrap();
    assert_eq!(
        (
            report.members_created,
            report.teams_created,
            report.invitations.len()
        ),
        (3_000, 25, 3_000)
    );
    assert_eq!(f.state().members.len(), 3_001);
}

mod arbitrary_input {
    use super::*;
    use proptest::prelude::*;

    fn cases() -> u32 {
        std::env::var("PURVIEW_PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2_000)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Arbitrary bytes never panic and never write anything unless they
        /// form a valid import; a refused import leaves the store as it was.
        #[test]
        fn arbitrary_bytes_never_panic_and_a_refusal_writes_nothing(
            bytes in proptest::collection::vec(any::<u8>(), 0..400),
            prefix in proptest::bool::ANY,
        ) {
            let f = fixture(3);
            let mut input = if prefix { HEADER.as_bytes().to_vec() } else { Vec::new() };
            input.extend_from_slice(&bytes);
            let before = f.snapshot();
            // A dry run writes nothing, whatever the input...
            let dry = block_on(f.dir.import_members(ORG, f.owner, &input, ImportMode::DryRun));
            prop_assert_eq!(f.snapshot(), before.clone());
            // ...and reports what the import then does.
            let r = block_on(f.dir.import_members(ORG, f.owner, &input, ImportMode::Apply));
            match (&dry, &r) {
                (Ok(d), Ok(a)) => {
                    let counts = |x: &purview::ImportReport| {
                        (x.members_created, x.members_updated, x.invitations.len(), x.teams_created, x.teams_renamed)
                    };
                    prop_assert_eq!(counts(d), counts(a));
                }
                (Err(d), Err(a)) => {
                    prop_assert_eq!(d.to_string(), a.to_string());
                    prop_assert_eq!(f.snapshot(), before);
                }
                _ => prop_assert!(false, "the dry run said {:?}, the import {:?}", dry, r),
            }
        }
    }
}

#[test]
fn an_imported_member_whose_invitation_lapsed_is_invited_again_by_reissuing_it() {
    let f = fixture(10);
    let report = f
        .import(&format!(
            "{HEADER}late@acme.test,U9,late,Late L.,Primary Agent,,\n"
        ))
        .unwrap();
    let lapsed = &report.invitations[0];
    f.clock.advance(7 * 24 * 60 * 60); // the default lifetime, seven days
    let r = block_on(
        f.dir
            .accept_invitation(&lapsed.secret, profile("late@acme.test")),
    );
    assert!(matches!(r, Err(DirectoryError::InvitationExpired)), "{r:?}");
    // A new invitation to the address is refused: the member exists…
    let r = block_on(f.dir.invite(ORG, f.owner, "late@acme.test", "agent"));
    assert!(matches!(r, Err(DirectoryError::BadAddresses(_))), "{r:?}");
    // …so the lapsed invitation is reissued; the member and its data stay.
    let again = block_on(f.dir.reissue_invitation(ORG, f.owner, lapsed.id)).unwrap();
    let before = f.member("late@acme.test");
    assert_eq!(before.status, MemberStatus::Invited);
    let (_, id) = block_on(
        f.dir
            .accept_invitation(&again.secret, profile("late@acme.test")),
    )
    .unwrap();
    let m = f.member("late@acme.test");
    assert_eq!(id, before.id);
    assert_eq!(m.status, MemberStatus::Active);
    assert_eq!(m.role.as_str(), "primary_agent");
    assert_eq!(m.user_code.as_deref(), Some("U9"));
}

#[test]
fn removing_an_invited_member_revokes_their_invitation() {
    let f = fixture(10);
    let report = f.import(&format!("{HEADER}x@acme.test,,,,,,\n")).unwrap();
    let id = f.member("x@acme.test").id;
    block_on(f.dir.remove_member(ORG, f.owner, id)).unwrap();
    let r = block_on(
        f.dir
            .accept_invitation(&report.invitations[0].secret, profile("x@acme.test")),
    );
    assert!(matches!(r, Err(DirectoryError::InvitationRevoked)), "{r:?}");
    assert_eq!(f.state().seats_used(Timestamp(1_000)), 1);
}

#[test]
fn revoking_the_invitation_of_an_invited_member_removes_them() {
    let f = fixture(10);
    let report = f.import(&format!("{HEADER}y@acme.test,,,,,,\n")).unwrap();
    block_on(
        f.dir
            .revoke_invitation(ORG, f.owner, report.invitations[0].id),
    )
    .unwrap();
    assert!(f.state().member_by_email("y@acme.test").is_none());
}

#[test]
fn a_team_name_without_a_code_joins_the_existing_team_of_that_name() {
    let f = fixture(10);
    let team = block_on(f.dir.create_team(ORG, f.owner, None, "Night shift")).unwrap();
    let report = f
        .import(&format!("{HEADER}n@acme.test,,,,Agent,,night SHIFT\n"))
        .unwrap();
    assert_eq!(report.teams_created, 0);
    assert_eq!(f.member("n@acme.test").teams, [team]);
    assert_eq!(f.state().teams.len(), 1);
}

#[test]
fn a_team_name_without_a_code_never_joins_a_team_the_import_renames() {
    let f = fixture(10);
    let old = block_on(f.dir.create_team(ORG, f.owner, Some("T1"), "Sales")).unwrap();
    // T1 is renamed to "Support" by the first row; "Sales" is free again.
    let report = f
        .import(&format!(
            "{HEADER}a@acme.test,,,,Agent,T1,Support\nb@acme.test,,,,Agent,,Sales\n"
        ))
        .unwrap();
    assert_eq!((report.teams_renamed, report.teams_created), (1, 1));
    let sales = f.team_named("Sales").unwrap();
    assert_ne!(sales.id, old);
    assert_eq!(f.member("b@acme.test").teams, [sales.id]);
    assert_eq!(f.member("a@acme.test").teams, [old]);
}

#[test]
fn a_persons_rows_state_their_teams_exactly() {
    let f = fixture(10);
    f.import(&format!(
        "{HEADER}e@acme.test,,,,Agent,T1,One\ne@acme.test,,,,Agent,T2,Two\n"
    ))
    .unwrap();
    let one = f.team_named("One").unwrap().id;
    let two = f.team_named("Two").unwrap().id;
    // The next file puts the person in Two and Three: they leave One.
    let report = f
        .import(&format!(
            "{HEADER}e@acme.test,,,,Agent,T2,Two\ne@acme.test,,,,Agent,T3,Three\n"
        ))
        .unwrap();
    let three = f.team_named("Three").unwrap().id;
    let mut expected = vec![two, three];
    expected.sort();
    assert_eq!(f.member("e@acme.test").teams, expected);
    assert!(!f.member("e@acme.test").teams.contains(&one));
    assert_eq!(
        (
            report.members_updated,
            report.team_memberships_added,
            report.team_memberships_removed
        ),
        (1, 1, 1)
    );
    // The team itself stays.
    assert!(f.team_named("One").is_some());
}

#[test]
fn blank_team_columns_leave_a_members_teams_as_they_are() {
    let f = fixture(10);
    f.import(&format!("{HEADER}e@acme.test,,,,Agent,T1,One\n"))
        .unwrap();
    let one = f.team_named("One").unwrap().id;
    let report = f
        .import(&format!("{HEADER}e@acme.test,,Eve,,Agent,,\n"))
        .unwrap();
    assert_eq!(f.member("e@acme.test").teams, [one]);
    assert_eq!(report.team_memberships_removed, 0);
    assert_eq!(f.member("e@acme.test").user_name.as_deref(), Some("Eve"));
}

#[test]
fn a_dry_run_reports_the_team_memberships_it_would_change_and_writes_nothing() {
    let f = fixture(10);
    f.import(&format!(
        "{HEADER}e@acme.test,,,,Agent,T1,One\ne@acme.test,,,,Agent,T2,Two\n"
    ))
    .unwrap();
    let before = f.snapshot();
    let report = block_on(f.dir.import_members(
        ORG,
        f.owner,
        format!("{HEADER}e@acme.test,,,,Agent,,Two\n").as_bytes(),
        ImportMode::DryRun,
    ))
    .unwrap();
    assert_eq!(
        (
            report.team_memberships_added,
            report.team_memberships_removed
        ),
        (0, 1)
    );
    assert_eq!(f.snapshot(), before);
}
