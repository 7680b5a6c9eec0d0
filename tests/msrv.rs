//! The declared `rust-version` holds for what the lockfile resolves: no
//! crate of the build with every feature (normal and build dependencies, for
//! this machine's platform) declares a newer one. Clippy's
//! `incompatible_msrv` lint holds the crate's own code to the same version.
//!
//! Reads `cargo metadata` from the local registry cache (`--offline
//! --locked`); when the cache lacks a crate (only the default features were
//! ever built here) the test says it was skipped, except under `CI=true`,
//! where that is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::process::Command;

fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap());
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn host() -> String {
    let out = Command::new(cargo()).arg("-vV").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("cargo -vV names its host")
        .to_owned()
}

#[test]
fn no_dependency_needs_a_newer_compiler_than_the_declared_rust_version() {
    let declared = env!("CARGO_PKG_RUST_VERSION");
    assert!(!declared.is_empty(), "Cargo.toml declares a rust-version");
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--all-features"])
        .args(["--locked", "--offline", "--filter-platform", &host()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cargo metadata failed under CI: {why}"
        );
        eprintln!(
            "skipped: cargo metadata needs every feature's crates in the local cache ({why})"
        );
        return;
    }
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rust_version: HashMap<&str, Option<&str>> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["rust_version"].as_str()))
        .collect();
    let nodes: HashMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    // Every crate the library's build compiles: normal and build
    // dependencies from the root, transitively (dev-dependencies are not a
    // user's build).
    let root = meta["resolve"]["root"].as_str().unwrap();
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let compiled = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            let pkg = dep["pkg"].as_str().unwrap();
            if compiled && seen.insert(pkg) {
                stack.push(pkg);
            }
        }
    }
    assert!(seen.len() > 40, "the walk found the build's crates");
    let newer: Vec<String> = seen
        .iter()
        .filter_map(|id| {
            let needs = rust_version[id]?;
            (version(needs) > version(declared)).then(|| format!("{id} needs {needs}"))
        })
        .collect();
    assert!(
        newer.is_empty(),
        "rust-version {declared} is older than the dependencies need: {newer:?}"
    );
}
