//! The bot studio example (`cargo run --example bots`) prints what the
//! source document says: grants at a level, keys for one bot, revoked keys
//! resolving to nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/bots.rs"]
mod example;

#[test]
fn the_bots_example_prints_levels_keys_and_revocation() {
    let out = example::run().unwrap();
    for expected in [
        "  support bot, history   allowed",
        "  support bot, edit      denied: the member's grant of this bot does not carry `bot_edit`",
        "  sales bot, history     denied: the member was not granted access to this bot",
        "The Client asks for an API key:\n  refused: the role lacks the permission `api_key_generate`",
        "A key that would mint keys:\n  refused: an API key cannot carry",
        "The service presents the key:\n  support history allowed; sales history denied: an API key acts only on its own bot",
        "After revoking it:\n  the key resolves to nothing",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}
