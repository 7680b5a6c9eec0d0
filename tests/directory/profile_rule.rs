//! Helpdesk: a role change needs name, display name and phone.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn a_helpdesk_role_change_needs_name_display_name_and_phone() {
    let f = Fx::helpdesk(10);
    let agent = f.join_with(ORG, f.owner, "agent", bare("agent@acme.test"));
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_matches!(e, DirectoryError::ProfileIncomplete(ref m)
        if m == &["name", "display name", "phone"]);

    let set =
        |update: ProfileUpdate| f.run(f.dir.update_member_profile(ORG, f.owner, agent, update));
    set(ProfileUpdate {
        user_name: Some(Some("agent".into())),
        phone: Some(Some("   ".into())),
        ..ProfileUpdate::default()
    });
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_matches!(e, DirectoryError::ProfileIncomplete(ref m)
        if m == &["display name", "phone"]);
    set(ProfileUpdate {
        display_name: Some(Some("Agent".into())),
        ..ProfileUpdate::default()
    });
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_matches!(e, DirectoryError::ProfileIncomplete(ref m) if m == &["phone"]);
    set(ProfileUpdate {
        phone: Some(Some("+1 555 0100".into())),
        ..ProfileUpdate::default()
    });
    f.run(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_eq!(f.role(agent), "admin");
}

#[test]
fn a_catalog_without_the_profile_rule_changes_roles_of_bare_profiles() {
    let f = Fx::workspace(10);
    let member = f.join_with(ORG, f.owner, "member", bare("member@acme.test"));
    f.run(f.dir.change_role(ORG, f.owner, member, "lead"));
    assert_eq!(f.role(member), "lead");
}
