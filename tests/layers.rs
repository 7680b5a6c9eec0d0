//! The crate's plan, checked: the layers import only downwards (model ←
//! record ← store ← directory), no two modules import each other directly
//! or around a loop, and no source file is over 700 lines.
//!
//! The check reads `src/`: every `crate::…` and `super::…` path (in `use`
//! items and in code, braces expanded) is an edge from the module that
//! writes it to the module it names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;

/// The layers, lowest first: a module may import its own layer and those
/// before it. `executor`, `sql` and `testkit` stand outside.
const LAYERS: &[&str] = &["model", "record", "store", "directory"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The module a file defines, as path segments (`src/model/eval.rs` →
/// `["model", "eval"]`; `src/lib.rs` → `[]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or_else(|e| panic!("{e}"));
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

fn ident_at(s: &[u8], mut i: usize) -> (Option<String>, usize) {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
        i += 1;
    }
    if i == start {
        (None, i)
    } else {
        (Some(String::from_utf8_lossy(&s[start..i]).into_owned()), i)
    }
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The paths of a use tree starting at `i` (after `crate::`), braces
/// expanded; each path is cut where a segment starts with a capital or
/// the tree ends.
fn tree(s: &[u8], i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut i = skip_ws(s, i);
    if s.get(i) == Some(&b'{') {
        i += 1;
        loop {
            i = skip_ws(s, i);
            match s.get(i) {
                Some(b'}') => return i + 1,
                Some(b',') => i += 1,
                None => return i,
                _ => {
                    let next = tree(s, i, prefix, out);
                    if next == i {
                        return i + 1;
                    }
                    i = next;
                }
            }
        }
    }
    let (name, j) = ident_at(s, i);
    let Some(name) = name else {
        out.push(prefix.to_vec());
        return j;
    };
    let mut path = prefix.to_vec();
    if name == "super" {
        path.pop();
    } else {
        path.push(name);
    }
    if s[j..].starts_with(b"::") {
        tree(s, j + 2, &path, out)
    } else {
        out.push(path);
        j
    }
}

/// Module paths a file names, resolved against its own module.
fn imports(text: &str, own: &[String]) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let s = code.as_bytes();
    let mut out = Vec::new();
    for (marker, base) in [
        ("crate::", Vec::new()),
        ("super::", {
            let mut p = own.to_vec();
            p.pop();
            p
        }),
    ] {
        let mut from = 0;
        while let Some(at) = code[from..].find(marker) {
            let at = from + at;
            from = at + marker.len();
            let boundary = at == 0
                || !(s[at - 1].is_ascii_alphanumeric() || s[at - 1] == b'_' || s[at - 1] == b':');
            if !boundary {
                continue;
            }
            let mut paths = Vec::new();
            tree(s, from, &base, &mut paths);
            for p in paths {
                let module: Vec<String> = p
                    .into_iter()
                    .filter(|seg| seg != "self")
                    .take_while(|seg| seg.starts_with(|c: char| c.is_ascii_lowercase()))
                    .collect();
                out.push(module);
            }
        }
    }
    out
}

struct Crate {
    /// Every module of the crate, by path.
    modules: BTreeSet<Vec<String>>,
    /// Module → the modules it names (resolved to the deepest module).
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    lines: Vec<(PathBuf, usize)>,
}

fn read_crate() -> Crate {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut lines = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{e}"));
        lines.push((file.clone(), text.lines().count()));
        let own = module_of(&src, file);
        for mut target in imports(&text, &own) {
            while !target.is_empty() && !modules.contains(&target) {
                target.pop();
            }
            if !target.is_empty() {
                edges.entry(own.clone()).or_default().insert(target);
            }
        }
    }
    Crate {
        modules,
        edges,
        lines,
    }
}

/// The graph with every module cut to its first `depth` segments; a
/// module's edges to its own ancestors or descendants are left out (a
/// parent declares its children; a child reads its parent's items).
fn graph(c: &Crate, depth: usize) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let cut = |m: &Vec<String>| m.iter().take(depth).cloned().collect::<Vec<_>>();
    let mut g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for m in &c.modules {
        g.entry(cut(m)).or_default();
    }
    for (from, tos) in &c.edges {
        for to in tos {
            let (a, b) = (cut(from), cut(to));
            let related = a.starts_with(&b) || b.starts_with(&a);
            if !related {
                g.entry(a).or_default().insert(b);
            }
        }
    }
    g
}

/// The strongly connected components of more than one module.
fn cycles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    // Reachability by search from each module: small graphs, plain code.
    let reach = |start: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.clone()];
        while let Some(m) = stack.pop() {
            for n in g.get(&m).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    stack.push(n.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<_, _> = g.keys().map(|m| (m.clone(), reach(m))).collect();
    let mut found = BTreeSet::new();
    for (m, r) in &reaches {
        if r.contains(m) {
            let comp: Vec<String> = reaches
                .iter()
                .filter(|(n, rn)| rn.contains(m) && r.contains(*n))
                .map(|(n, _)| n.join("::"))
                .collect();
            found.insert(comp);
        }
    }
    found.into_iter().collect()
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let c = read_crate();
    assert!(
        c.edges.values().map(BTreeSet::len).sum::<usize>() > 50,
        "the scan found the crate's imports"
    );
    for depth in [1, 2] {
        let found = cycles(&graph(&c, depth));
        assert!(
            found.is_empty(),
            "import cycles at depth {depth}: {found:?}"
        );
    }
}

#[test]
fn the_layers_import_only_downwards() {
    let c = read_crate();
    let g = graph(&c, 1);
    let layer = |m: &Vec<String>| {
        m.first()
            .and_then(|top| LAYERS.iter().position(|l| l == top))
    };
    let mut wrong = Vec::new();
    for (from, tos) in &g {
        let Some(low) = layer(from) else { continue };
        for to in tos {
            match layer(to) {
                Some(l) if l > low => {
                    wrong.push(format!("{} -> {}", from.join("::"), to.join("::")))
                }
                None if to.first().is_some_and(|t| t == "testkit") => {
                    wrong.push(format!("{} -> testkit", from.join("::")));
                }
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports: {wrong:?}");
    for l in LAYERS {
        assert!(
            g.contains_key(&vec![(*l).to_owned()]),
            "layer {l} is a folder of src/"
        );
    }
}

/// The SQL conditions translate the model's filters and nothing else: the
/// `sql` module imports only the model, and no layer imports it.
#[test]
fn the_sql_conditions_stand_on_the_model_alone() {
    let c = read_crate();
    let g = graph(&c, 1);
    let sql = vec!["sql".to_owned()];
    let imports = g.get(&sql).expect("sql is a folder of src/");
    assert!(
        imports
            .iter()
            .any(|m| m.first().is_some_and(|t| t == "model")),
        "the scan found sql's imports"
    );
    let beyond: Vec<String> = imports
        .iter()
        .filter(|m| !m.first().is_some_and(|t| t == "model" || t == "sql"))
        .map(|m| m.join("::"))
        .collect();
    assert!(
        beyond.is_empty(),
        "sql imports beyond the model: {beyond:?}"
    );
    let importers: Vec<String> = g
        .iter()
        .filter(|(from, tos)| from.first().is_some_and(|t| t != "sql") && tos.contains(&sql))
        .map(|(from, _)| from.join("::"))
        .collect();
    assert!(importers.is_empty(), "sql imported by {importers:?}");
}

#[test]
fn no_source_file_is_over_700_lines() {
    let c = read_crate();
    let long: Vec<String> = c
        .lines
        .iter()
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{} ({n} lines)", f.display()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

#[test]
fn the_scan_sees_a_cycle_and_an_upward_import() {
    // The checks above can fail: a crate where `a` and `b` import each
    // other and the model imports the directory.
    let own = vec!["model".to_owned(), "a".to_owned()];
    let found = imports(
        "use crate::model::{b::Thing, c};\nuse super::d::{self, E};\nfn f() { crate::directory::plan::go() }",
        &own,
    );
    let names: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        names,
        [
            "model::b",
            "model::c",
            "directory::plan::go",
            "model::d",
            "model::d"
        ]
    );
    let mut g = BTreeMap::new();
    g.insert(vec!["a".to_owned()], BTreeSet::from([vec!["b".to_owned()]]));
    g.insert(vec!["b".to_owned()], BTreeSet::from([vec!["a".to_owned()]]));
    assert_eq!(cycles(&g), vec![vec!["a".to_owned(), "b".to_owned()]]);
}
