//! The house's layering, checked on the sources (README, "Layout"): `http` never reaches the
//! database, the domain knows neither actix nor diesel, and no two modules depend on each
//! other (module cycles).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its module path (`domain::order::wizard`) and its code
/// without comments and without its unit tests.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    walk(root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let module = rel
                .to_string_lossy()
                .trim_end_matches("/mod")
                .replace('/', "::");
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let code: String = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (module, code)
        })
        .collect()
}

/// The modules a source names: `crate::a::b` and, from `x::y::z`, `super::w` as `x::y::w`.
fn dependencies(module: &str, code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let path_after = |rest: &str| -> String {
        rest.split(|c: char| !(c.is_ascii_lowercase() || c == '_' || c == ':'))
            .next()
            .unwrap_or("")
            .split("::")
            .filter(|s| !s.is_empty())
            .take(2)
            .collect::<Vec<_>>()
            .join("::")
    };
    for (at, _) in code.match_indices("crate::") {
        out.insert(path_after(&code[at + 7..]));
    }
    let parent: Vec<&str> = module.split("::").collect();
    if parent.len() > 1 {
        let parent = parent[..parent.len() - 1].join("::");
        for (at, _) in code.match_indices("super::") {
            let first = path_after(&code[at + 7..]);
            let first = first.split("::").next().unwrap_or("");
            out.insert(format!("{parent}::{first}"));
        }
    }
    out
}

/// `domain::order::wizard` → `domain::order`: the level at which cycles are looked for.
fn two_levels(module: &str) -> String {
    module.split("::").take(2).collect::<Vec<_>>().join("::")
}

#[test]
fn http_never_imports_diesel_or_persistence_and_the_domain_neither_actix_nor_diesel() {
    let mut offenders = Vec::new();
    for (module, code) in sources() {
        let banned: &[&str] = if module.starts_with("http") {
            &["diesel", "crate::persistence", "r2d2"]
        } else if module.starts_with("domain") {
            &[
                "diesel",
                "actix",
                "crate::persistence",
                "crate::http",
                "crate::app",
                "Utc::now",
            ]
        } else {
            &[]
        };
        for word in banned {
            if code.contains(word) {
                offenders.push(format!("{module} uses {word}"));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn no_two_modules_depend_on_each_other() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in sources() {
        let from = two_levels(&module);
        for to in dependencies(&module, &code) {
            let to = two_levels(&to);
            if !to.is_empty() && to != from {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    assert!(graph.len() > 10, "the scan sees the modules: {graph:?}");
    // a cycle is a module that reaches itself
    let mut cycles = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == start {
                    cycles.push(format!("{} → {start}", path.join(" → ")));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles: {cycles:#?}");
}

#[test]
fn the_cycle_check_sees_a_cycle_when_there_is_one() {
    // the scanner itself: two modules naming each other are found
    let a = dependencies("domain::a::x", "use crate::domain::b::Thing;");
    let b = dependencies("domain::b", "use super::a::Other;");
    assert!(a.contains("domain::b"), "{a:?}");
    assert!(b.contains("domain::a"), "{b:?}");
}
