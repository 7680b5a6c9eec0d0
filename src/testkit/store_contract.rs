//! The store's contract: create and load, version conflicts, refusals that
//! write nothing, complete audit, inputs every store takes alike, paging,
//! creation order.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) async fn create_and_load<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "create_and_load";
    let dir = directory(store);
    ensure(
        store
            .load(org)
            .await
            .map_err(|e| fail(C, e.to_string()))?
            .is_none(),
        C,
        || "a new organization already loads".into(),
    )?;
    ensure(
        store
            .version(org)
            .await
            .map_err(|e| fail(C, e.to_string()))?
            == 0,
        C,
        || "an unknown organization has a version".into(),
    )?;
    let (founder, members) =
        organization(&dir, org, preset::helpdesk(), None, 2, "agent", C).await?;
    let team = dir
        .create_team(org, founder, Some("T1"), "Team 1")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.add_team_member(org, founder, team, members[0])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let state = store
        .load(org)
        .await
        .map_err(|e| fail(C, e.to_string()))?
        .ok_or_else(|| fail(C, "organization vanished"))?;
    ensure(state.members.len() == 3, C, || {
        format!("3 members expected, {} loaded", state.members.len())
    })?;
    ensure(
        state
            .teams
            .get(&team)
            .is_some_and(|t| t.code.as_deref() == Some("T1") && t.name == "Team 1"),
        C,
        || "team not stored faithfully".into(),
    )?;
    ensure(
        state
            .members
            .get(&members[0])
            .is_some_and(|m| m.teams == [team]),
        C,
        || "team membership not stored".into(),
    )?;
    ensure(state.org.catalog.as_ref() == &preset::helpdesk(), C, || {
        "catalog not stored faithfully".into()
    })?;
    let v = store
        .version(org)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(v == state.version && v >= 6, C, || {
        format!("version {v} disagrees with loaded {}", state.version)
    })?;
    let again = dir
        .create_organization(NewOrganization {
            id: org,
            name: "again".into(),
            catalog: preset::helpdesk(),
            seat_limit: 5,
            founder: profile("x@y.test"),
            founder_role: None,
        })
        .await;
    ensure(
        matches!(again, Err(DirectoryError::OrganizationExists(_))),
        C,
        || format!("creating twice gave {again:?}"),
    )
}

pub(super) async fn version_conflict<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "version_conflict";
    let dir = directory(store);
    let (founder, _) = organization(&dir, org, preset::helpdesk(), None, 0, "agent", C).await?;
    let state = loaded(store, org, C).await?;
    let stale = state.version;
    let mut m = crate::record::Member::clone(
        state
            .members
            .get(&founder)
            .ok_or_else(|| fail(C, "founder missing"))?,
    );
    m.user_name = Some("first".into());
    let first = [crate::record::Change::PutMember(std::sync::Arc::new(
        m.clone(),
    ))];
    let v = store
        .commit(Commit {
            org,
            expected_version: Some(stale),
            changes: &first,
            events: &[],
        })
        .await
        .map_err(|e| fail(C, format!("first commit: {e}")))?;
    ensure(v == stale + 1, C, || {
        format!("version {v} after committing on {stale}")
    })?;
    m.user_name = Some("second".into());
    let second = [crate::record::Change::PutMember(std::sync::Arc::new(m))];
    let before = snapshot(store, org, C).await?;
    let r = store
        .commit(Commit {
            org,
            expected_version: Some(stale),
            changes: &second,
            events: &[],
        })
        .await;
    ensure(matches!(r, Err(StoreError::Conflict)), C, || {
        format!("a stale commit gave {r:?}")
    })?;
    let after = snapshot(store, org, C).await?;
    ensure(before == after, C, || {
        "a conflicting commit changed the store".into()
    })?;
    let name = after
        .0
        .and_then(|s| s.members.get(&founder).and_then(|m| m.user_name.clone()));
    ensure(name.as_deref() == Some("first"), C, || {
        format!("user name {name:?}, expected \"first\"")
    })
}

pub(super) async fn refused_changes_nothing<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "refused_changes_nothing";
    let dir = directory(store);
    let (owner, agents) = organization(&dir, org, preset::helpdesk(), None, 2, "agent", C).await?;
    let before = snapshot(store, org, C).await?;
    let refused: Vec<(&str, Result<(), DirectoryError>)> = vec![
        (
            "agent demotes owner",
            dir.change_role(org, agents[0], owner, "agent").await,
        ),
        (
            "agent removes owner",
            dir.remove_member(org, agents[0], owner).await,
        ),
        (
            "owner demotes self",
            dir.change_role(org, owner, owner, "agent").await,
        ),
        ("owner removed", dir.remove_member(org, owner, owner).await),
        (
            "agent promotes self",
            dir.change_role(org, agents[0], agents[0], "primary_admin")
                .await,
        ),
        (
            "bad addresses",
            dir.invite(org, owner, "ok@x.test, not-an-address", "agent")
                .await
                .map(|_| ()),
        ),
    ];
    for (what, r) in refused {
        ensure(r.is_err(), C, || format!("{what} was allowed"))?;
    }
    let after = snapshot(store, org, C).await?;
    ensure(before == after, C, || {
        "a refused operation changed the store".into()
    })
}

pub(super) async fn audit_complete<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "audit_complete";
    let dir = directory(store);
    let (owner, members) = organization(&dir, org, preset::helpdesk(), None, 3, "agent", C).await?;
    dir.change_role(org, owner, members[0], "admin")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.set_member_status(org, owner, members[1], MemberStatus::Disabled)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.remove_member(org, owner, members[2])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let version = store
        .version(org)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let versions: Vec<u64> = events.iter().map(|e| e.version).collect();
    let mut sorted = versions.clone();
    sorted.sort_unstable();
    ensure(versions == sorted, C, || {
        "audit events out of commit order".into()
    })?;
    let mut committed: Vec<u64> = versions.clone();
    committed.dedup();
    ensure(committed == (1..=version).collect::<Vec<_>>(), C, || {
        format!("audit covers versions {committed:?}, store is at {version}")
    })?;
    let last = events.last().ok_or_else(|| fail(C, "no events"))?;
    ensure(
        last.action == "remove_member"
            && last.actor == Some(owner)
            && last.after.is_none()
            && last.before.is_some(),
        C,
        || format!("last event {last:?}"),
    )
}

/// Input the directory refuses is refused the same way on every store, with a
/// typed error and nothing written: control characters in text fields,
/// organization ids and secrets beyond what a store holds; an invitation
/// lifetime past the representable range ends at [`Timestamp::MAX`]; two
/// spellings of one address are one address.
pub(super) async fn inputs_alike<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "inputs_alike";
    let dir = directory(store).invitation_ttl(u64::MAX);
    let (owner, _) = organization(&dir, org, preset::helpdesk(), None, 0, "agent", C).await?;
    let before = snapshot(store, org, C).await?;
    let invalid = |r: Result<(), DirectoryError>, what: &str| match r {
        Err(DirectoryError::InvalidInput { .. }) => Ok(()),
        other => Err(fail(
            C,
            format!("{what}: expected InvalidInput, got {other:?}"),
        )),
    };
    invalid(
        dir.create_team(org, owner, None, "Sales\0")
            .await
            .map(|_| ()),
        "NUL in a team name",
    )?;
    invalid(
        dir.create_team(org, owner, Some("T\u{1b}1"), "Sales")
            .await
            .map(|_| ()),
        "escape in a team code",
    )?;
    invalid(
        dir.update_own_profile(
            org,
            owner,
            crate::directory::ProfileUpdate {
                display_name: Some(Some("x".repeat(crate::MAX_TEXT_CHARS + 1))),
                ..crate::directory::ProfileUpdate::default()
            },
        )
        .await,
        "an overlong display name",
    )?;
    #[cfg(feature = "import")]
    match dir
        .import_members(
            org,
            owner,
            b"email,user name\nnul@x.test,\"a\0b\"\n",
            crate::directory::ImportMode::Apply,
        )
        .await
    {
        Err(DirectoryError::ImportFailed(rows))
            if rows.len() == 1
                && rows[0].line == 2
                && matches!(
                    rows[0].problem,
                    crate::directory::ImportProblem::InvalidField {
                        field: "user name",
                        ..
                    }
                ) => {}
        other => return Err(fail(C, format!("NUL in an import cell: {other:?}"))),
    }
    let hex = "0".repeat(64);
    for secret in [
        format!("18446744073709551615.1.{hex}"),
        format!("{}.18446744073709551615.{hex}", org.get()),
    ] {
        match dir
            .accept_invitation(&secret, profile("crafted@x.test"))
            .await
        {
            Err(DirectoryError::InvitationInvalid) => {}
            other => return Err(fail(C, format!("secret {secret}: {other:?}"))),
        }
    }
    let after = snapshot(store, org, C).await?;
    ensure(before == after, C, || {
        "a refused input changed the store".into()
    })?;
    match dir
        .create_organization(NewOrganization {
            id: OrgId(u64::MAX),
            name: "Too far".into(),
            catalog: preset::helpdesk(),
            seat_limit: 10,
            founder: profile("far@x.test"),
            founder_role: None,
        })
        .await
    {
        Err(DirectoryError::InvalidInput { .. }) => {}
        other => return Err(fail(C, format!("organization id 2^64 - 1: {other:?}"))),
    }
    // No organization has such an id: reads say so, on every store alike.
    match dir.list_members(OrgId(u64::MAX), owner).await {
        Err(DirectoryError::UnknownOrganization(_)) => {}
        other => return Err(fail(C, format!("reading organization 2^64 - 1: {other:?}"))),
    }
    let far = store.version(OrgId(u64::MAX)).await;
    ensure(matches!(far, Ok(0)), C, || {
        format!("version of organization 2^64 - 1: {far:?}")
    })?;
    // The longest lifetime, and one address in two spellings.
    let sent = dir
        .invite(org, owner, "Caf\u{e9}@x.test", "agent")
        .await
        .map_err(|e| fail(C, format!("invite with u64::MAX lifetime: {e}")))?;
    ensure(
        sent.first().map(|i| i.expires_at) == Some(Timestamp::MAX),
        C,
        || format!("expiry {:?}, expected Timestamp::MAX", sent.first()),
    )?;
    match dir.invite(org, owner, "CAFE\u{301}@x.test", "agent").await {
        Err(DirectoryError::BadAddresses(bad))
            if bad.len() == 1
                && bad[0].problem == crate::directory::AddressProblem::AlreadyInvited => {}
        other => return Err(fail(C, format!("a decomposed spelling: {other:?}"))),
    }
    let state = loaded(store, org, C).await?;
    let stored = state.invitations.values().last().map(|i| i.expires_at);
    ensure(stored == Some(Timestamp::MAX), C, || {
        format!("stored expiry {stored:?}")
    })
}

/// The audit log read in pages is the whole log, in order, whatever the page
/// size, with pages starting inside a commit's events; past the end a page is
/// empty.
pub(super) async fn audit_in_pages<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "audit_in_pages";
    let dir = directory(store);
    // Each acceptance writes two events in one commit.
    let (owner, _) = organization(&dir, org, preset::helpdesk(), None, 3, "agent", C).await?;
    for i in 0..5 {
        dir.create_team(org, owner, None, &format!("Team {i}"))
            .await
            .map_err(|e| fail(C, e.to_string()))?;
    }
    let all = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    ensure(all.len() == 1 + 3 * 3 + 5, C, || {
        format!("{} events, expected 15", all.len())
    })?;
    for size in [1, 2, 4, 7, 100] {
        let mut read: Vec<crate::AuditEvent> = Vec::new();
        loop {
            let after = read.last().map(crate::AuditEvent::cursor);
            let page = store
                .audit_page(org, after, size)
                .await
                .map_err(|e| fail(C, e.to_string()))?;
            ensure(page.len() <= size, C, || {
                format!("a page of {} events for a limit of {size}", page.len())
            })?;
            let last = page.len() < size;
            read.extend(page);
            if last {
                break;
            }
        }
        ensure(read == all, C, || {
            format!("pages of {size} are not the whole log in order")
        })?;
    }
    let past = store
        .audit_page(org, all.last().map(crate::AuditEvent::cursor), 10)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(past.is_empty(), C, || "a page past the end".into())?;
    let none = store
        .audit_page(org, None, 0)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(none.is_empty(), C, || "a page of limit 0".into())?;
    let first = dir
        .audit_events(org, owner, None, 4)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(first == all[..4], C, || {
        "the directory's first page differs".into()
    })
}

/// A loaded organization lists its members, teams and invitations in the
/// order they were created, across commits and after removals, as the
/// directory wrote them.
pub(super) async fn creation_order<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "creation_order";
    let dir = directory(store);
    let (owner, members) = organization(&dir, org, preset::helpdesk(), None, 4, "agent", C).await?;
    let mut teams = Vec::new();
    for i in 0..3 {
        let team = dir
            .create_team(org, owner, None, &format!("Team {i}"))
            .await
            .map_err(|e| fail(C, e.to_string()))?;
        teams.push(team);
    }
    let second = members
        .get(1)
        .copied()
        .ok_or_else(|| fail(C, "no members"))?;
    dir.remove_member(org, owner, second)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.delete_team(org, owner, teams[1])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let later = dir
        .invite(org, owner, &format!("later@{}.test", org.get()), "agent")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let state = loaded(store, org, C).await?;
    let mut expected = vec![owner];
    expected.extend(members.iter().copied().filter(|m| *m != second));
    let got: Vec<MemberId> = state.members.keys().copied().collect();
    ensure(got == expected, C, || {
        format!("members in order {got:?}, expected {expected:?}")
    })?;
    let got: Vec<_> = state.teams.keys().copied().collect();
    ensure(got == [teams[0], teams[2]], C, || {
        format!("teams in order {got:?}")
    })?;
    let last = state.invitations.keys().last().copied();
    ensure(last == later.first().map(|i| i.id), C, || {
        "the newest invitation is not the last".into()
    })?;
    // One commit that deletes records and writes them again, between new
    // ones: as `OrgState::apply` orders them, a record written after its
    // deletion goes to the end; one only rewritten keeps its place.
    let first = members[0];
    let kept = state
        .members
        .get(&first)
        .ok_or_else(|| fail(C, "first member missing"))?;
    let mut again = crate::record::Member::clone(kept);
    again.display_name = Some("Again".into());
    let mut fresh = crate::record::Member::clone(kept);
    fresh.id = MemberId(kept.id.0 ^ 0x5a5a_5a5a);
    fresh.email = format!("fresh@{}.test", org.get());
    fresh.user_code = None;
    let mut renamed = crate::record::Member::clone(
        state
            .members
            .get(&owner)
            .ok_or_else(|| fail(C, "owner missing"))?,
    );
    renamed.user_name = Some("Renamed".into());
    let team = state
        .teams
        .get(&teams[0])
        .ok_or_else(|| fail(C, "team missing"))?;
    let changes = [
        crate::record::Change::DeleteMember(first),
        crate::record::Change::PutMember(std::sync::Arc::new(fresh.clone())),
        crate::record::Change::PutMember(std::sync::Arc::new(again)),
        crate::record::Change::PutMember(std::sync::Arc::new(renamed)),
        crate::record::Change::DeleteTeam(teams[0]),
        crate::record::Change::PutTeam(std::sync::Arc::clone(team)),
    ];
    store
        .commit(Commit {
            org,
            expected_version: Some(state.version),
            changes: &changes,
            events: &[],
        })
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let mut expected = OrgState::clone(&state);
    for change in &changes {
        expected.apply(change);
    }
    expected.version += 1;
    let loaded = loaded(store, org, C).await?;
    let order = |s: &OrgState| -> (Vec<MemberId>, Vec<crate::model::id::TeamId>) {
        (
            s.members.keys().copied().collect(),
            s.teams.keys().copied().collect(),
        )
    };
    ensure(order(&loaded) == order(&expected), C, || {
        format!(
            "after deleting and writing again: {:?}, expected {:?}",
            order(&loaded),
            order(&expected)
        )
    })?;
    ensure(*loaded == expected, C, || {
        "after deleting and writing again, the records differ".into()
    })
}
