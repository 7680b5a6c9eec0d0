//! Minimum Admin count (the workspace rule: at least two Admins).

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn the_last_two_admins_cannot_demote_each_other() {
    let f = Fx::workspace(10);
    let second = f.join("second@acme.test", "admin");
    for (actor, target) in [(f.owner, second), (second, f.owner)] {
        for role in ["lead", "member", "disabled"] {
            let e = f.refused(f.dir.change_role(ORG, actor, target, role));
            assert_matches!(e, DirectoryError::TooFewAdmins { ref role, required: 2 }
                if role.as_str() == "admin");
        }
    }
    assert_eq!(f.state(ORG).active_with_role("admin"), 2);
}

#[test]
fn the_last_two_admins_cannot_remove_or_disable_each_other() {
    let f = Fx::workspace(10);
    let second = f.join("second@acme.test", "admin");
    for (actor, target) in [(f.owner, second), (second, f.owner)] {
        let e = f.refused(f.dir.remove_member(ORG, actor, target));
        assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
        let e = f.refused(
            f.dir
                .set_member_status(ORG, actor, target, MemberStatus::Disabled),
        );
        assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    }
    // Removing or disabling oneself counts the same.
    let e = f.refused(f.dir.remove_member(ORG, second, second));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    let e = f.refused(
        f.dir
            .set_member_status(ORG, second, second, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
}

#[test]
fn a_third_admin_may_go_but_not_the_second() {
    let f = Fx::workspace(10);
    let b = f.join("b@acme.test", "admin");
    let c = f.join("c@acme.test", "admin");
    f.run(f.dir.change_role(ORG, f.owner, c, "member"));
    assert_eq!(f.state(ORG).active_with_role("admin"), 2);
    let e = f.refused(f.dir.change_role(ORG, b, f.owner, "member"));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    // A disabled Admin does not count: promoting one back is not enough to
    // let another go.
    f.run(f.dir.change_role(ORG, f.owner, c, "admin"));
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, c, MemberStatus::Disabled),
    );
    let e = f.refused(f.dir.remove_member(ORG, f.owner, b));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
}

#[test]
fn a_new_organization_may_start_with_one_admin_but_never_reaches_zero() {
    // A deputy holds exactly the Admin's permissions, so neither exceeds the
    // other, but only Admins are counted.
    let perms = P::MEMBER_VIEW
        | P::MEMBER_INVITE
        | P::MEMBER_EDIT
        | P::MEMBER_REMOVE
        | P::MEMBER_ROLE_CHANGE;
    let catalog = Catalog::new(
        "deputies",
        [
            Role::builder("admin", "Admin").permissions(perms).build(),
            Role::builder("deputy", "Deputy").permissions(perms).build(),
        ],
    )
    .and_then(|c| {
        c.with_policy(DirectoryRules {
            min_admins: Some(AdminMinimum {
                role: RoleKey::new("admin"),
                count: 2,
            }),
            ..DirectoryRules::default()
        })
    })
    .unwrap();
    let f = Fx::new(catalog, Some("admin"), 10);
    let deputy = f.join("deputy@acme.test", "deputy");
    let e = f.refused(f.dir.change_role(ORG, deputy, f.owner, "deputy"));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    let e = f.refused(f.dir.remove_member(ORG, deputy, f.owner));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    let e = f.refused(
        f.dir
            .set_member_status(ORG, deputy, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    // Growing is always allowed.
    f.run(f.dir.change_role(ORG, f.owner, deputy, "admin"));
    assert_eq!(f.state(ORG).active_with_role("admin"), 2);
}

#[test]
fn admins_demoting_each_other_at_the_same_moment_keep_two() {
    // Three Admins on three threads each demote the next one at once, over
    // one shared store; only the first commit can win.
    for round in 0..20 {
        let f = Fx::workspace(10);
        let b = f.join("b@acme.test", "admin");
        let c = f.join("c@acme.test", "admin");
        let pairs = [(f.owner, b), (b, c), (c, f.owner)];
        let barrier = Arc::new(Barrier::new(pairs.len()));
        let handles: Vec<_> = pairs
            .into_iter()
            .map(|(actor, target)| {
                let dir = f.dir.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    block_on(dir.change_role(ORG, actor, target, "member"))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "round {round}: {results:?}");
        for r in &results {
            if let Err(e) = r {
                // Either the count rule, or the loser was demoted first and
                // may no longer change roles.
                assert_matches!(
                    e,
                    DirectoryError::TooFewAdmins { .. }
                        | DirectoryError::Denied(Reason::MissingPermission { .. })
                );
            }
        }
        let state = f.state(ORG);
        assert_eq!(state.active_with_role("admin"), 2, "round {round}");
        let demotions = f
            .audit(ORG)
            .iter()
            .filter(|e| e.action == "change_role")
            .count();
        assert_eq!(demotions, 1, "round {round}");
    }
}
