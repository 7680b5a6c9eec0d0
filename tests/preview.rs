//! Previews (specification §2: "can preview any directory operation: the
//! events it would write and the access each member would gain or lose,
//! writing nothing"): for random operations by random members, a preview
//! decides as the real operation (the same outcome, the same error), writes
//! nothing, lists the events the real operation then writes, and names
//! every member whose decisions under `can` change over a fixed set of
//! requests, and no member whose access stays the same.
//!
//! Properties run 300 cases (each builds an organization);
//! `PURVIEW_PROPTEST_CASES=N` changes that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::cases_or;
use proptest::prelude::*;
use purview::directory::{ManualClock, MAX_AUDIT_PAGE};
use purview::executor::block_on;
use purview::model::MemberStatus;
use purview::record::{AuditValue, Timestamp};
use purview::{
    can, preset, Action, Actor, Assignment, ContactId, Conversation, ConversationId, Directory,
    DirectoryError, MemberId, MemoryStore, NewOrganization, OrgId, OrgState, Permissions, Profile,
    Resource, TeamId,
};
use std::collections::BTreeSet;

const ORG: OrgId = OrgId(1);
const ROLES: [&str; 5] = ["owner", "primary_admin", "admin", "primary_agent", "agent"];

/// The helpdesk preset, with the Owner also managing roles (so that role
/// edits can be previewed).
fn catalog() -> purview::Catalog {
    let helpdesk = preset::helpdesk();
    let owner = helpdesk.role("owner").unwrap();
    let owner = owner
        .to_builder()
        .permissions(owner.permissions() | Permissions::ROLE_MANAGE)
        .build();
    helpdesk.with_role(owner).unwrap()
}

struct Org {
    dir: Directory<MemoryStore, ManualClock>,
    /// The Owner, two Admins, a Primary Agent and two Agents.
    members: Vec<MemberId>,
    teams: [TeamId; 2],
}

fn organization() -> Org {
    let clock = ManualClock::new(Timestamp(1_700_000_000));
    let dir = Directory::with_clock(MemoryStore::new(), clock);
    let owner = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Acme".into(),
        catalog: catalog(),
        seat_limit: 20,
        founder: Profile {
            email: Some("owner@acme.test".into()),
            ..Profile::default()
        },
        founder_role: None,
    }))
    .unwrap();
    let mut members = vec![owner];
    for (i, role) in ["admin", "admin", "primary_agent", "agent", "agent"]
        .into_iter()
        .enumerate()
    {
        let sent = block_on(dir.invite(ORG, owner, &format!("m{i}@acme.test"), role)).unwrap();
        // A filled profile: the helpdesk changes only such members' roles.
        let profile = Profile {
            user_name: Some(format!("m{i}")),
            display_name: Some(format!("M{i}")),
            phone: Some("+1 555 0100".into()),
            ..Profile::default()
        };
        let (_, id) = block_on(dir.accept_invitation(&sent[0].secret, profile)).unwrap();
        members.push(id);
    }
    let teams = [
        block_on(dir.create_team(ORG, owner, None, "One")).unwrap(),
        block_on(dir.create_team(ORG, owner, None, "Two")).unwrap(),
    ];
    for (m, t) in [(1, 0), (2, 1), (4, 0), (5, 1)] {
        block_on(dir.add_team_member(ORG, owner, teams[t], members[m])).unwrap();
    }
    Org {
        dir,
        members,
        teams,
    }
}

#[derive(Clone, Debug)]
enum Op {
    ChangeRole(usize, usize, usize),
    Remove(usize, usize),
    Status(usize, usize, bool),
    AddToTeam(usize, usize, usize),
    RemoveFromTeam(usize, usize, usize),
    Invite(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let m = || 0usize..6;
    prop_oneof![
        (m(), m(), 0usize..5).prop_map(|(a, b, r)| Op::ChangeRole(a, b, r)),
        (m(), m()).prop_map(|(a, b)| Op::Remove(a, b)),
        (m(), m(), any::<bool>()).prop_map(|(a, b, on)| Op::Status(a, b, on)),
        (m(), m(), 0usize..2).prop_map(|(a, b, t)| Op::AddToTeam(a, b, t)),
        (m(), m(), 0usize..2).prop_map(|(a, b, t)| Op::RemoveFromTeam(a, b, t)),
        (m(), 0usize..5).prop_map(|(a, r)| Op::Invite(a, r)),
    ]
}

async fn apply(
    dir: &Directory<MemoryStore, ManualClock>,
    org: &Org,
    op: &Op,
) -> Result<(), DirectoryError> {
    let m = |i: usize| org.members[i];
    match *op {
        Op::ChangeRole(a, b, r) => dir.change_role(ORG, m(a), m(b), ROLES[r]).await,
        Op::Remove(a, b) => dir.remove_member(ORG, m(a), m(b)).await,
        Op::Status(a, b, on) => {
            let status = if on {
                MemberStatus::Active
            } else {
                MemberStatus::Disabled
            };
            dir.set_member_status(ORG, m(a), m(b), status).await
        }
        Op::AddToTeam(a, b, t) => dir.add_team_member(ORG, m(a), org.teams[t], m(b)).await,
        Op::RemoveFromTeam(a, b, t) => dir.remove_team_member(ORG, m(a), org.teams[t], m(b)).await,
        Op::Invite(a, r) => dir
            .invite(ORG, m(a), "new@acme.test", ROLES[r])
            .await
            .map(|_| ()),
    }
}

/// Each member's decisions over a fixed set of requests: every action on
/// the organization, on each team, and on conversations placed every way.
fn decisions(state: &OrgState, member: MemberId, teams: [TeamId; 2]) -> Vec<bool> {
    let Some(actor) = state.actor(member) else {
        return Vec::new();
    };
    let actor = Actor::Member(actor);
    let placements = [
        Assignment::Unassigned,
        Assignment::Team { team: teams[0] },
        Assignment::Team { team: teams[1] },
        Assignment::Member { member },
        Assignment::TeamMember {
            team: teams[1],
            member: MemberId(u64::MAX),
        },
    ];
    let convs: Vec<Conversation> = placements
        .iter()
        .map(|a| Conversation::new(ConversationId(1), ORG, ContactId(1)).assigned(*a))
        .collect();
    let mut resources = vec![
        Resource::Organization(ORG),
        Resource::Team {
            org: ORG,
            team: teams[0],
        },
        Resource::Team {
            org: ORG,
            team: teams[1],
        },
    ];
    resources.extend(convs.iter().map(Resource::Conversation));
    let mut out = Vec::new();
    for action in Action::ALL {
        for r in &resources {
            out.push(can(&actor, *action, r).is_allowed());
        }
    }
    out
}

/// Events with every secret hash blanked.
fn unsalted(events: &[purview::AuditEvent]) -> Vec<purview::AuditEvent> {
    let blank = |v: &Option<AuditValue>| {
        let mut v = v.clone();
        if let Some(AuditValue::Invitation(i)) = &mut v {
            i.secret_hash = [0; 32];
        }
        v
    };
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.before = blank(&e.before);
            e.after = blank(&e.after);
            e
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(300)))]

    #[test]
    fn a_preview_decides_as_the_operation_writes_nothing_and_names_whose_access_changes(op in op()) {
        let org = organization();
        let dir = &org.dir;
        let before = block_on(dir.snapshot(ORG)).unwrap();
        let events_before = block_on(dir.audit_events(ORG, org.members[0], None, MAX_AUDIT_PAGE)).unwrap().len();

        let previewed = block_on(dir.preview(|d| {
            let org = &org;
            let op = op.clone();
            async move { apply(&d, org, &op).await }
        }));
        // Nothing written.
        prop_assert_eq!(block_on(dir.snapshot(ORG)).unwrap().version, before.version);

        let real = block_on(apply(dir, &org, &op));
        let after = block_on(dir.snapshot(ORG)).unwrap();
        let preview = match (previewed, real) {
            (Ok(((), preview)), Ok(())) => preview,
            (Err(p), Err(r)) => {
                // The same refusal, to the letter.
                prop_assert_eq!(format!("{p:?}"), format!("{r:?}"));
                return Ok(());
            }
            (p, r) => return Err(TestCaseError::fail(format!("preview {p:?}, real {r:?}"))),
        };
        let written = block_on(dir.audit_events(ORG, org.members[0], None, MAX_AUDIT_PAGE)).unwrap();
        // An invitation's secret is drawn when it is made: the preview's
        // event carries the hash of a secret nobody receives.
        prop_assert_eq!(unsalted(&preview.events), unsalted(&written[events_before..]));

        let everyone: BTreeSet<MemberId> =
            before.members.keys().chain(after.members.keys()).copied().collect();
        let listed: BTreeSet<MemberId> = preview.access.iter().map(|a| a.member).collect();
        for m in everyone {
            let changed = decisions(&before, m, org.teams) != decisions(&after, m, org.teams);
            if changed {
                prop_assert!(listed.contains(&m), "{:?}: decisions changed, not listed in {:?}", m, preview.access);
            }
        }
        for a in &preview.access {
            let (b, n) = (before.actor(a.member), after.actor(a.member));
            prop_assert!(b != n, "{:?} listed with no change", a.member);
        }
    }
}

#[test]
fn a_role_edit_s_preview_lists_every_holder_and_writes_nothing() {
    let org = organization();
    let owner = org.members[0];
    let state = block_on(org.dir.snapshot(ORG)).unwrap();
    let agent = state.org.catalog.role("agent").unwrap();
    let edited = agent
        .to_builder()
        .permissions(agent.permissions() | Permissions::ANALYTICS_VIEW)
        .build();
    let ((), preview) = block_on(
        org.dir
            .preview(|d| async move { d.edit_role(ORG, owner, edited).await }),
    )
    .unwrap();
    let listed: Vec<MemberId> = preview.access.iter().map(|a| a.member).collect();
    let mut holders = vec![org.members[4], org.members[5]];
    holders.sort();
    assert_eq!(listed, holders);
    for a in &preview.access {
        assert_eq!(a.permissions_gained, Permissions::ANALYTICS_VIEW);
        assert!(a.permissions_lost.is_empty());
    }
    assert!(!preview.events.is_empty());
    assert_eq!(
        block_on(org.dir.snapshot(ORG)).unwrap().version,
        state.version
    );
}

#[cfg(feature = "import")]
#[test]
fn an_applied_import_is_previewed_as_it_is_then_made() {
    use purview::directory::ImportMode;
    let org = organization();
    let owner = org.members[0];
    let csv = "email,user code,user name,display name,role,team code,team name\n\
               m3@acme.test,,m3,M3,Primary Agent,,\n\
               fresh@acme.test,EMP-9,fresh,Fresh,Agent,T9,Team Nine\n";
    let events_before = block_on(org.dir.audit_events(ORG, owner, None, MAX_AUDIT_PAGE))
        .unwrap()
        .len();
    let version = block_on(org.dir.snapshot(ORG)).unwrap().version;
    let (report, preview) = block_on(org.dir.preview(|d| async move {
        d.import_members(ORG, owner, csv.as_bytes(), ImportMode::Apply)
            .await
    }))
    .unwrap();
    assert_eq!(block_on(org.dir.snapshot(ORG)).unwrap().version, version);
    assert_eq!((report.members_created, report.members_updated), (1, 1));
    // The agent made Primary Agent is listed with what the role adds.
    let promoted = preview
        .access
        .iter()
        .find(|a| a.member == org.members[4])
        .expect("the promoted agent is listed");
    assert!(!promoted.permissions_gained.is_empty());

    let real = block_on(
        org.dir
            .import_members(ORG, owner, csv.as_bytes(), ImportMode::Apply),
    )
    .unwrap();
    assert_eq!(real.members_created, 1);
    let written = block_on(org.dir.audit_events(ORG, owner, None, MAX_AUDIT_PAGE)).unwrap();
    assert_eq!(
        unsalted(&preview.events),
        unsalted(&written[events_before..])
    );
}

#[test]
fn creating_an_organization_or_a_contact_in_a_preview_writes_nothing() {
    use purview::directory::AttributeChange;
    use purview::{Attributes, Store};
    let org = organization();
    let owner = org.members[0];
    // A new organization: previewed with its events, not stored.
    let new = |id: OrgId| NewOrganization {
        id,
        name: "Other".into(),
        catalog: catalog(),
        seat_limit: 3,
        founder: Profile {
            email: Some("founder@other.test".into()),
            ..Profile::default()
        },
        founder_role: None,
    };
    let (_, preview) = block_on(
        org.dir
            .preview(|d| async move { d.create_organization(new(OrgId(7))).await }),
    )
    .unwrap();
    assert_eq!(preview.events[0].action, "create_organization");
    assert_eq!(block_on(org.dir.store().version(OrgId(7))).unwrap(), 0);
    // An existing one is refused as the real operation refuses it.
    let refused = block_on(
        org.dir
            .preview(|d| async move { d.create_organization(new(ORG)).await }),
    );
    assert!(
        matches!(refused, Err(DirectoryError::OrganizationExists(ORG))),
        "{refused:?}"
    );

    // A contact, synchronized or created by a member: events, nothing stored.
    let mut attributes = Attributes::new();
    attributes.insert("tier".into(), "gold".into());
    let (_, preview) = block_on(org.dir.preview(|d| {
        let attributes = attributes.clone();
        async move {
            d.sync_contact(ORG, "crm-1", AttributeChange::Replace(attributes.clone()))
                .await?;
            d.create_contact(ORG, owner, None, attributes).await
        }
    }))
    .unwrap();
    assert_eq!(preview.events.len(), 2);
    assert!(preview.access.is_empty());
    assert!(
        block_on(org.dir.store().contact_by_external_id(ORG, "crm-1"))
            .unwrap()
            .is_none()
    );
}

/// A directory with one catalog and its founder in `founder`.
fn founded(
    catalog: purview::Catalog,
    founder: &str,
) -> (Directory<MemoryStore, ManualClock>, MemberId) {
    let dir = Directory::with_clock(
        MemoryStore::new(),
        ManualClock::new(Timestamp(1_700_000_000)),
    );
    let founder = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Acme".into(),
        catalog,
        seat_limit: 10,
        founder: Profile {
            email: Some("founder@acme.test".into()),
            ..Profile::default()
        },
        founder_role: Some(purview::RoleKey::new(founder)),
    }))
    .unwrap();
    (dir, founder)
}

fn joined(dir: &Directory<MemoryStore, ManualClock>, by: MemberId, role: &str) -> MemberId {
    let sent = block_on(dir.invite(ORG, by, &format!("{role}@acme.test"), role)).unwrap();
    block_on(dir.accept_invitation(&sent[0].secret, Profile::default()))
        .unwrap()
        .1
}

/// The one access change a preview names, for `member`.
fn only_change(preview: &purview::Preview, member: MemberId) -> &purview::AccessChange {
    assert_eq!(preview.access.len(), 1, "{:?}", preview.access);
    assert_eq!(preview.access[0].member, member);
    &preview.access[0]
}

#[test]
fn bot_grants_and_their_levels_are_previewed_as_access_changes() {
    let (dir, admin) = founded(preset::bot_studio(), "admin");
    let client = joined(&dir, admin, "client");
    let bot = block_on(dir.register_bot(ORG, "Helper")).unwrap();
    let version = block_on(dir.snapshot(ORG)).unwrap().version;

    let ((), preview) =
        block_on(dir.preview(|d| async move { d.grant_bot(ORG, admin, client, bot).await }))
            .unwrap();
    let change = only_change(&preview, client);
    assert_eq!(
        (&change.bots_granted, &change.bots_revoked),
        (&vec![bot], &vec![])
    );
    assert!(change.permissions_gained.is_empty() && change.bot_levels_changed.is_empty());
    assert_eq!(block_on(dir.snapshot(ORG)).unwrap().version, version);

    block_on(dir.grant_bot(ORG, admin, client, bot)).unwrap();
    let level = Permissions::BOT_HISTORY;
    let ((), preview) = block_on(
        dir.preview(|d| async move { d.grant_bot_level(ORG, admin, client, bot, level).await }),
    )
    .unwrap();
    let change = only_change(&preview, client);
    assert_eq!(change.bot_levels_changed, vec![bot]);
    assert!(change.bots_granted.is_empty() && change.bots_revoked.is_empty());

    let ((), preview) =
        block_on(dir.preview(|d| async move { d.revoke_bot(ORG, admin, client, bot).await }))
            .unwrap();
    assert_eq!(only_change(&preview, client).bots_revoked, vec![bot]);
}

#[test]
fn a_role_edit_of_knowledge_references_or_reach_is_previewed_for_every_holder() {
    use purview::{KnowledgeRefs, Reach};
    let (dir, staff) = founded(preset::assistant(), "administrative_staff");
    let interns = [joined(&dir, staff, "intern"), {
        // A second address for the same role.
        let sent = block_on(dir.invite(ORG, staff, "intern2@acme.test", "intern")).unwrap();
        block_on(dir.accept_invitation(&sent[0].secret, Profile::default()))
            .unwrap()
            .1
    }];
    let manuals = block_on(dir.register_knowledge_base(ORG, staff, "Manuals", None)).unwrap();
    let intern = block_on(dir.snapshot(ORG))
        .unwrap()
        .org
        .catalog
        .role("intern")
        .unwrap()
        .clone();
    let before = intern.knowledge().clone();
    let after = KnowledgeRefs::only([preset::ASSISTANT_PRODUCTS, manuals]);
    let wider = intern.to_builder().knowledge(after.clone()).build();
    let ((), preview) =
        block_on(dir.preview(|d| async move { d.edit_role(ORG, staff, wider).await })).unwrap();
    let mut listed: Vec<MemberId> = preview.access.iter().map(|a| a.member).collect();
    let mut holders = interns.to_vec();
    holders.sort();
    listed.sort();
    assert_eq!(listed, holders);
    for a in &preview.access {
        assert_eq!(a.knowledge, Some((before.clone(), after.clone())));
        assert!(a.permissions_gained.is_empty() && a.permissions_lost.is_empty());
        assert_eq!((a.team_reach, a.bot_reach), (None, None));
    }

    // The intern reaches every team; an edit to their own teams only is
    // previewed for both holders.
    assert_eq!(intern.team_reach(), Reach::All);
    let narrower = intern.to_builder().team_reach(Reach::Own).build();
    let ((), preview) =
        block_on(dir.preview(|d| async move { d.edit_role(ORG, staff, narrower).await })).unwrap();
    assert_eq!(preview.access.len(), 2);
    for a in &preview.access {
        assert_eq!(a.team_reach, Some((Reach::All, Reach::Own)));
        assert_eq!(a.knowledge, None);
    }
}
