//! Role catalogs as data: every preset round-trips through JSON and TOML
//! unchanged; loading reports every problem, each named; the example catalog
//! files in `examples/` load; arbitrary text never panics a loader.
//!
//! Properties run 10,000 cases; `PURVIEW_PROPTEST_CASES=N` changes that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use purview::model::CatalogProblem;
use purview::{preset, Catalog, KnowledgeBaseId, RoleKey};

#[test]
fn every_preset_round_trips_through_json_and_toml_unchanged() {
    for catalog in preset::all() {
        let json = catalog.to_json();
        assert_eq!(
            Catalog::from_json(&json).unwrap(),
            catalog,
            "{}",
            catalog.name()
        );
        let toml = catalog.to_toml();
        assert_eq!(
            Catalog::from_toml(&toml).unwrap(),
            catalog,
            "{}",
            catalog.name()
        );
        // And the text itself is stable.
        assert_eq!(Catalog::from_json(&json).unwrap().to_json(), json);
        assert_eq!(Catalog::from_toml(&toml).unwrap().to_toml(), toml);
        // The matrix survives, so the rendering does too.
        assert_eq!(
            Catalog::from_toml(&toml).unwrap().render_markdown(),
            catalog.render_markdown()
        );
    }
}

#[test]
fn the_example_files_load_and_agree() {
    let toml = include_str!("../examples/catalog.toml");
    let json = include_str!("../examples/catalog.json");
    let from_toml = Catalog::from_toml(toml).unwrap();
    let from_json = Catalog::from_json(json).unwrap();
    assert_eq!(from_toml, from_json);
    assert_eq!(from_toml.name(), "clinic");
    assert_eq!(from_toml.roles().len(), 3);
}

const PROBLEMS: &str = r#"
name = "broken"
knowledge_bases = [1]

[policy]
default_role = "nobody"

[[roles]]
key = "lead"
name = "Lead"
permissions = ["member_view", "fly_to_the_moon"]
view_scope = ["organization", "everything"]
unique = true

[[roles]]
key = "lead"
name = "Lead again"

[[roles]]
key = "boss"
name = "Boss"
unique = true
knowledge = [1, 9]
"#;

#[test]
fn loading_reports_every_problem_each_named() {
    let err = Catalog::from_toml(PROBLEMS).unwrap_err();
    assert_eq!(
        err.problems,
        vec![
            CatalogProblem::UnknownPermission {
                role: RoleKey::new("lead"),
                name: "fly_to_the_moon".into()
            },
            CatalogProblem::UnknownScope {
                role: RoleKey::new("lead"),
                name: "everything".into()
            },
            CatalogProblem::DuplicateRole(RoleKey::new("lead")),
            CatalogProblem::SeveralUnique(vec![RoleKey::new("lead"), RoleKey::new("boss")]),
            CatalogProblem::UnknownKnowledgeBase {
                role: RoleKey::new("boss"),
                knowledge_base: KnowledgeBaseId(9)
            },
            CatalogProblem::UnknownRole {
                place: "policy.default_role",
                key: RoleKey::new("nobody")
            },
        ]
    );
    let message = err.to_string();
    for needle in [
        "fly_to_the_moon",
        "everything",
        "`lead` is used more than once",
        "`boss`",
        "kb:9",
        "nobody",
    ] {
        assert!(message.contains(needle), "{needle} in {message}");
    }
    // The same problems from JSON.
    let json = r#"{"name": "broken", "knowledge_bases": [1],
        "policy": {"default_role": "nobody"},
        "roles": [
          {"key": "lead", "name": "Lead", "permissions": ["member_view", "fly_to_the_moon"],
           "view_scope": ["organization", "everything"], "unique": true},
          {"key": "lead", "name": "Lead again"},
          {"key": "boss", "name": "Boss", "unique": true, "knowledge": [1, 9]}
        ]}"#;
    assert_eq!(Catalog::from_json(json).unwrap_err(), err);
}

#[test]
fn an_empty_catalog_is_refused() {
    let err = Catalog::from_toml("name = \"empty\"\n").unwrap_err();
    assert_eq!(err.problems, vec![CatalogProblem::Empty]);
    let err = Catalog::from_json(r#"{"name": "empty", "roles": []}"#).unwrap_err();
    assert_eq!(err.problems, vec![CatalogProblem::Empty]);
}

#[test]
fn policy_and_matrix_references_are_checked() {
    let text = r#"{"name": "x",
        "policy": {"owner_successor": "ghost", "min_admins": {"role": "phantom", "count": 2}},
        "roles": [{"key": "a", "name": "A"}],
        "matrix": {"columns": ["a", "b"], "yes": "y", "sections": []}}"#;
    let err = Catalog::from_json(text).unwrap_err();
    assert_eq!(
        err.problems,
        vec![
            CatalogProblem::UnknownRole {
                place: "policy.owner_successor",
                key: RoleKey::new("ghost")
            },
            CatalogProblem::UnknownRole {
                place: "policy.min_admins.role",
                key: RoleKey::new("phantom")
            },
            CatalogProblem::UnknownRole {
                place: "matrix.columns",
                key: RoleKey::new("b")
            },
        ]
    );
}

#[test]
fn syntax_errors_and_unknown_fields_are_typed_errors() {
    for text in [
        "",
        "{",
        "[1, 2]",
        r#"{"name": 5}"#,
        r#"{"name": "x", "rolez": []}"#,
    ] {
        let err = Catalog::from_json(text).unwrap_err();
        assert!(
            matches!(err.problems.as_slice(), [CatalogProblem::Syntax(_)]),
            "{text}: {err}"
        );
    }
    for text in [
        "name = ",
        "[[roles]]\nkey = 1",
        "name = \"x\"\nextra = true",
    ] {
        let err = Catalog::from_toml(text).unwrap_err();
        assert!(
            matches!(err.problems.as_slice(), [CatalogProblem::Syntax(_)]),
            "{text}: {err}"
        );
    }
}

use common::cases;

/// Text near a valid catalog: a preset's JSON or TOML with a span replaced.
fn mutated(valid: String) -> impl Strategy<Value = String> {
    let len = valid.len();
    (0..=len, 0..=len, ".{0,12}").prop_map(move |(a, b, insert)| {
        let (from, to) = (a.min(b), a.max(b));
        let mut s = String::new();
        // Cut on character boundaries only.
        let from = (0..=from)
            .rev()
            .find(|i| valid.is_char_boundary(*i))
            .unwrap_or(0);
        let to = (to..=len)
            .find(|i| valid.is_char_boundary(*i))
            .unwrap_or(len);
        s.push_str(&valid[..from]);
        s.push_str(&insert);
        s.push_str(&valid[to..]);
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_text_never_panics_the_loaders(text in any::<String>()) {
        // A valid catalog or a typed error; either way, no panic.
        if let Ok(c) = Catalog::from_json(&text) {
            prop_assert_eq!(Catalog::from_json(&c.to_json()).unwrap(), c.clone());
            prop_assert_eq!(Catalog::from_toml(&c.to_toml()).unwrap(), c);
        }
        if let Ok(c) = Catalog::from_toml(&text) {
            prop_assert_eq!(Catalog::from_toml(&c.to_toml()).unwrap(), c);
        }
    }

    #[test]
    fn damaged_json_never_panics(text in mutated(preset::assistant().to_json())) {
        match Catalog::from_json(&text) {
            Ok(c) => prop_assert_eq!(Catalog::from_json(&c.to_json()).unwrap(), c),
            Err(e) => prop_assert!(!e.problems.is_empty()),
        }
    }

    #[test]
    fn damaged_toml_never_panics(text in mutated(preset::workspace().to_toml())) {
        match Catalog::from_toml(&text) {
            Ok(c) => prop_assert_eq!(Catalog::from_toml(&c.to_toml()).unwrap(), c),
            Err(e) => prop_assert!(!e.problems.is_empty()),
        }
    }
}

#[test]
fn a_disabled_role_s_knowledge_references_are_checked_too() {
    let err = Catalog::from_json(
        r#"{"name": "x", "roles": [{"key": "a", "name": "A", "disabled": true, "knowledge": [9]}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.problems,
        vec![CatalogProblem::UnknownKnowledgeBase {
            role: RoleKey::new("a"),
            knowledge_base: KnowledgeBaseId(9)
        }]
    );
}

#[test]
fn knowledge_base_ids_beyond_toml_s_range_are_refused() {
    let big = u64::MAX;
    let err = Catalog::from_json(&format!(
        r#"{{"name": "x", "knowledge_bases": [{big}], "roles": [{{"key": "a", "name": "A", "knowledge": [{big}]}}]}}"#
    ))
    .unwrap_err();
    assert_eq!(
        err.problems,
        vec![CatalogProblem::KnowledgeBaseIdOutOfRange(KnowledgeBaseId(
            big
        ))]
    );
    // The largest id TOML holds round-trips.
    let max = i64::MAX as u64;
    let ok = Catalog::from_json(&format!(
        r#"{{"name": "x", "knowledge_bases": [{max}], "roles": [{{"key": "a", "name": "A", "knowledge": [{max}]}}]}}"#
    ))
    .unwrap();
    assert_eq!(Catalog::from_toml(&ok.to_toml()).unwrap(), ok);
}

#[test]
fn a_blank_role_key_is_refused_from_json_toml_and_code() {
    use purview::model::DirectoryRules;
    use purview::Role;
    for key in ["", " ", " \t\n"] {
        let expected = vec![CatalogProblem::BlankRoleKey {
            key: RoleKey::new(key),
            name: "Nameless".into(),
        }];
        let json = format!(
            r#"{{"name": "x", "roles": [{{"key": "a", "name": "A"}}, {{"key": {}, "name": "Nameless"}}]}}"#,
            serde_json::to_string(key).unwrap()
        );
        let err = Catalog::from_json(&json).unwrap_err();
        assert_eq!(err.problems, expected, "{key:?} from JSON");
        assert!(err.to_string().contains("Nameless"), "{err}");
        assert!(err.to_string().contains("blank"), "{err}");
        let toml = format!(
            "name = \"x\"\n\n[[roles]]\nkey = \"a\"\nname = \"A\"\n\n[[roles]]\nkey = {}\nname = \"Nameless\"\n",
            serde_json::to_string(key).unwrap()
        );
        let err = Catalog::from_toml(&toml).unwrap_err();
        assert_eq!(err.problems, expected, "{key:?} from TOML");
        let roles = [
            Role::builder("a", "A").build(),
            Role::builder(key, "Nameless").build(),
        ];
        let err = Catalog::new("x", roles.clone()).unwrap_err();
        assert_eq!(err.problems, expected, "{key:?} from Catalog::new");
        let err = Catalog::with_parts("x", roles, DirectoryRules::default(), []).unwrap_err();
        assert_eq!(err.problems, expected, "{key:?} from Catalog::with_parts");
    }
}

#[test]
fn a_successor_that_is_the_unique_role_itself_is_refused() {
    use purview::model::DirectoryRules;
    use purview::Role;
    let expected = vec![CatalogProblem::SuccessorIsUnique(RoleKey::new("owner"))];
    let json = r#"{"name": "x", "policy": {"owner_successor": "owner"},
        "roles": [{"key": "owner", "name": "Owner", "unique": true}, {"key": "a", "name": "A"}]}"#;
    let err = Catalog::from_json(json).unwrap_err();
    assert_eq!(err.problems, expected);
    let message = err.to_string();
    assert!(
        message.contains("policy.owner_successor") && message.contains("`owner`"),
        "{message}"
    );
    let toml = "name = \"x\"\n\n[policy]\nowner_successor = \"owner\"\n\n\
                [[roles]]\nkey = \"owner\"\nname = \"Owner\"\nunique = true\n\n\
                [[roles]]\nkey = \"a\"\nname = \"A\"\n";
    assert_eq!(Catalog::from_toml(toml).unwrap_err().problems, expected);
    let roles = [
        Role::builder("owner", "Owner").unique().build(),
        Role::builder("a", "A").build(),
    ];
    let policy = DirectoryRules {
        owner_successor: Some(RoleKey::new("owner")),
        ..DirectoryRules::default()
    };
    let err = Catalog::with_parts("x", roles.clone(), policy.clone(), []).unwrap_err();
    assert_eq!(err.problems, expected);
    let err = Catalog::new("x", roles.clone())
        .unwrap()
        .with_policy(policy)
        .unwrap_err();
    assert_eq!(err.problems, expected);
    // Another role as the successor is fine.
    let policy = DirectoryRules {
        owner_successor: Some(RoleKey::new("a")),
        ..DirectoryRules::default()
    };
    assert!(Catalog::with_parts("x", roles, policy, []).is_ok());
}

#[test]
fn blank_keys_and_a_unique_successor_are_reported_with_every_other_problem() {
    let json = r#"{"name": "x", "policy": {"owner_successor": "owner", "default_role": "ghost"},
        "roles": [{"key": "owner", "name": "Owner", "unique": true},
                  {"key": "", "name": "Empty"},
                  {"key": "  ", "name": "Spaces", "permissions": ["nope"]}]}"#;
    let err = Catalog::from_json(json).unwrap_err();
    assert_eq!(
        err.problems,
        vec![
            CatalogProblem::UnknownPermission {
                role: RoleKey::new("  "),
                name: "nope".into()
            },
            CatalogProblem::BlankRoleKey {
                key: RoleKey::new(""),
                name: "Empty".into()
            },
            CatalogProblem::BlankRoleKey {
                key: RoleKey::new("  "),
                name: "Spaces".into()
            },
            CatalogProblem::UnknownRole {
                place: "policy.default_role",
                key: RoleKey::new("ghost")
            },
            CatalogProblem::SuccessorIsUnique(RoleKey::new("owner")),
        ]
    );
}

#[test]
fn catalog_texts_with_control_characters_or_overlong_are_refused() {
    use purview::Role;
    let long = "x".repeat(purview::MAX_TEXT_CHARS + 1);
    let roles = [
        Role::builder("a\u{0}b", "A").build(),
        Role::builder("c", "Agent\nX").build(),
        Role::builder("d", long.as_str()).build(),
    ];
    let err = Catalog::new("name\u{7}", roles).unwrap_err();
    let fields: Vec<&str> = err
        .problems
        .iter()
        .map(|p| match p {
            CatalogProblem::InvalidText { field, .. } => *field,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        fields,
        ["catalog name", "role key", "role name", "role name"]
    );
    // The message shows what the text hides.
    assert!(err.to_string().contains(r"role key `a\0b`"), "{err}");
    let json = r#"{"name": "x", "roles": [{"key": "a", "name": "A\u0000"}]}"#;
    let err = Catalog::from_json(json).unwrap_err();
    assert!(matches!(
        err.problems.as_slice(),
        [CatalogProblem::InvalidText {
            field: "role name",
            ..
        }]
    ));
}

#[test]
fn a_catalog_travels_through_any_serde_format_and_is_checked_on_the_way_in() {
    for catalog in preset::all() {
        let value = serde_json::to_value(&catalog).unwrap();
        assert_eq!(serde_json::from_value::<Catalog>(value).unwrap(), catalog);
        let text = toml::to_string(&catalog).unwrap();
        assert_eq!(toml::from_str::<Catalog>(&text).unwrap(), catalog);
    }
    // What the loaders refuse, deserialization refuses, naming the problem.
    let mut value = serde_json::to_value(preset::helpdesk()).unwrap();
    value["roles"][0]["permissions"] = serde_json::json!(["conversation_view", "fly"]);
    let err = serde_json::from_value::<Catalog>(value).unwrap_err();
    assert!(err.to_string().contains("fly"), "{err}");
    let mut value = serde_json::to_value(preset::helpdesk()).unwrap();
    value["policy"]["default_role"] = serde_json::json!("nobody");
    let err = serde_json::from_value::<Catalog>(value).unwrap_err();
    assert!(err.to_string().contains("nobody"), "{err}");
}
