//! The documentation page of each preset (`docs/presets/<name>.md`, shown in
//! the API documentation of `purview::preset`) is the catalog's own
//! `render_reference`, so it never drifts from the code. After a deliberate
//! change, `PURVIEW_BLESS=1 cargo test --test preset_pages` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::preset;

#[test]
fn preset_pages_are_rendered_from_the_code() {
    let bless = std::env::var("PURVIEW_BLESS").is_ok_and(|v| v == "1");
    for catalog in preset::all() {
        let path = format!(
            "{}/docs/presets/{}.md",
            env!("CARGO_MANIFEST_DIR"),
            catalog.name()
        );
        let rendered = catalog.render_reference();
        if bless {
            std::fs::write(&path, &rendered).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            on_disk, rendered,
            "{path} is out of date: run PURVIEW_BLESS=1 cargo test --test preset_pages"
        );
    }
}
