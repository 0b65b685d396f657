//! The source tree is the dependency order (see `src/lib.rs`): a module
//! imports only from its own floor or the floors below, never from one
//! above, and no two folders import each other. This test reads `src/`,
//! resolves every `crate::` and `super::` path, and fails naming the file,
//! the line and the import that breaks the rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floors, top to bottom. A top-level folder (or file) of `src/` not in
/// this list fails the test, so that a new one must be given its place.
const FLOORS: &[(&str, u32)] = &[
    ("cli", 7),
    ("study", 6),
    ("report", 5),
    ("chart", 5),
    ("results", 4),
    ("engine", 3),
    ("stats", 3),
    ("model", 2),
    ("scenario", 1),
    ("error", 0),
];

/// Files outside the floors: the crate root and the binary.
const ROOTS: &[&str] = &["lib.rs", "main.rs"];

/// One import: where it is, what it names, and the module it reaches.
#[derive(Debug, Clone)]
struct Import {
    file: String,
    line: usize,
    text: String,
    /// The target's module path from the crate root, e.g. `["engine", "shard"]`.
    target: Vec<String>,
}

/// A module's path from the crate root, from its file's path under `src/`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// Code without comments and string literals, line structure kept.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut block = 0usize;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if block > 0 {
            if c == '*' && next == Some('/') {
                block -= 1;
                i += 2;
            } else if c == '/' && next == Some('*') {
                block += 1;
                i += 2;
            } else {
                if c == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            block = 1;
            i += 2;
            continue;
        }
        if c == '"' {
            // A string (raw strings with # are rare in imports' company;
            // their content cannot hold an unescaped quote here).
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                if b.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
            continue;
        }
        if c == '\'' && b.get(i + 2) == Some(&'\'') {
            // A char literal such as '{' or '"'.
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Paths starting at `start` in `code`: `a::b::c`, or a group
/// `a::{b, c::d}` (each member's first segments).
fn paths_at(code: &[char], mut i: usize) -> Vec<Vec<String>> {
    let mut segs = Vec::new();
    if code.get(i) == Some(&'{') {
        return group(code, i, &segs);
    }
    loop {
        let s = i;
        while i < code.len() && is_ident(code[i]) {
            i += 1;
        }
        if i == s {
            break;
        }
        segs.push(code[s..i].iter().collect::<String>());
        if code.get(i) == Some(&':') && code.get(i + 1) == Some(&':') {
            i += 2;
            if code.get(i) == Some(&'{') {
                return group(code, i, &segs);
            }
        } else {
            break;
        }
    }
    vec![segs]
}

/// The members of a group `{a, b::c}` at `i`, each prefixed by `segs`.
fn group(code: &[char], i: usize, segs: &[String]) -> Vec<Vec<String>> {
    let mut depth = 0;
    let mut member_start = i + 1;
    let mut out = Vec::new();
    let mut j = i;
    while j < code.len() {
        let end = match code[j] {
            '{' => {
                depth += 1;
                false
            }
            '}' => {
                depth -= 1;
                depth == 0
            }
            ',' => depth == 1,
            _ => false,
        };
        if end {
            let m = trim_start(code, member_start);
            for p in paths_at(code, m) {
                if !p.is_empty() {
                    let mut full = segs.to_vec();
                    full.extend(p);
                    out.push(full);
                }
            }
            member_start = j + 1;
            if depth == 0 {
                break;
            }
        }
        j += 1;
    }
    out
}

fn trim_start(code: &[char], mut i: usize) -> usize {
    while i < code.len() && code[i].is_whitespace() {
        i += 1;
    }
    i
}

/// Every `crate::` and `super::` path of a file, resolved from the root.
fn imports(file: &str, text: &str) -> Vec<Import> {
    let code: Vec<char> = strip(text).chars().collect();
    let module = module_of(file);
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < code.len() {
        if code[i] == '\n' {
            line += 1;
        }
        let boundary = i == 0 || !(is_ident(code[i - 1]) || code[i - 1] == ':');
        if boundary
            && code[i] == 'c'
            && code[i..].starts_with(&"crate::".chars().collect::<Vec<_>>()[..])
        {
            for p in paths_at(&code, i + "crate::".len()) {
                out.push(Import {
                    file: file.to_string(),
                    line,
                    text: format!("crate::{}", p.join("::")),
                    target: p,
                });
            }
            i += "crate::".len();
            continue;
        }
        if boundary
            && code[i] == 's'
            && code[i..].starts_with(&"super::".chars().collect::<Vec<_>>()[..])
        {
            let mut base = module.clone();
            let mut j = i;
            let mut shown = String::new();
            while code[j..].starts_with(&"super::".chars().collect::<Vec<_>>()[..]) {
                base.pop();
                j += "super::".len();
                shown.push_str("super::");
            }
            for p in paths_at(&code, j) {
                let mut target = base.clone();
                target.extend(p.iter().cloned());
                out.push(Import {
                    file: file.to_string(),
                    line,
                    text: format!("{shown}{}", p.join("::")),
                    target,
                });
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// The folder (directory under `src/`) a module path reaches: the longest
/// prefix of it that is a folder of the tree.
fn folder_of(target: &[String], folders: &BTreeSet<String>) -> String {
    let mut best = String::new();
    for k in 1..=target.len() {
        let candidate = target[..k].join("/");
        if folders.contains(&candidate) {
            best = candidate;
        }
    }
    best
}

fn floor(top: &str) -> Option<u32> {
    FLOORS
        .iter()
        .find(|(name, _)| *name == top)
        .map(|(_, f)| *f)
}

/// Every breach of the rules in a tree of (path under `src/`, text).
fn breaches(files: &[(String, String)]) -> Vec<String> {
    let mut folders = BTreeSet::new();
    for (path, _) in files {
        let parts: Vec<&str> = path.split('/').collect();
        for k in 1..parts.len() {
            folders.insert(parts[..k].join("/"));
        }
    }
    let mut problems = Vec::new();
    // (from folder, to folder) -> the first import that makes the edge.
    let mut edges: BTreeMap<(String, String), Import> = BTreeMap::new();
    for (path, text) in files {
        if ROOTS.contains(&path.as_str()) {
            continue;
        }
        let top = path
            .split('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".rs");
        let Some(from_floor) = floor(top) else {
            problems.push(format!(
                "src/{path}: `{top}` has no floor; give it one in tests/architecture.rs (FLOORS) and in src/lib.rs"
            ));
            continue;
        };
        let from_dir = path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        for imp in imports(path, text) {
            let Some(to_top) = imp.target.first() else {
                continue;
            };
            if !FLOORS.iter().any(|(n, _)| n == to_top) {
                continue; // the crate root's re-exports (`crate::Error`) and macros
            }
            let to_floor = floor(to_top).unwrap_or(0);
            if to_floor > from_floor {
                problems.push(format!(
                    "src/{}:{}: `{}` (floor {from_floor}) imports `{}` from `{to_top}`, a higher floor ({to_floor})",
                    imp.file, imp.line, top, imp.text
                ));
            }
            let to_dir = folder_of(&imp.target, &folders);
            if to_top != top {
                edges
                    .entry((top.to_string(), to_top.clone()))
                    .or_insert_with(|| imp.clone());
            } else if !from_dir.is_empty()
                && !to_dir.is_empty()
                && from_dir != to_dir
                && !from_dir.starts_with(&format!("{to_dir}/"))
                && !to_dir.starts_with(&format!("{from_dir}/"))
            {
                edges
                    .entry((from_dir.clone(), to_dir))
                    .or_insert_with(|| imp.clone());
            }
        }
    }
    for ((a, b), imp) in &edges {
        if a < b
            && let Some(back) = edges.get(&(b.clone(), a.clone()))
        {
            problems.push(format!(
                    "folders `{a}` and `{b}` import each other: src/{}:{} imports `{}`, and src/{}:{} imports `{}`",
                    imp.file, imp.line, imp.text, back.file, back.line, back.text
                ));
        }
    }
    problems.sort();
    problems
}

fn read_tree(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under src/")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((
                    rel,
                    std::fs::read_to_string(&path).expect("a readable source file"),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn no_module_imports_from_a_higher_floor_and_no_two_folders_import_each_other() {
    let files = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        files.len() > 50,
        "read the whole tree ({} files)",
        files.len()
    );
    let problems = breaches(&files);
    assert!(
        problems.is_empty(),
        "the layering of src/ is broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_floor_named_in_lib_rs_exists_and_every_folder_has_a_floor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    for (name, _) in FLOORS {
        assert!(
            src.join(name).is_dir() || src.join(format!("{name}.rs")).is_file(),
            "src/{name} is a floor but does not exist"
        );
        assert!(
            lib.contains(&format!("pub mod {name};")) || lib.contains(&format!("mod {name};")),
            "lib.rs declares {name}"
        );
    }
}

// The checker itself: each rule fails on a tree that breaks it.

fn tree(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

#[test]
fn an_import_from_a_higher_floor_is_named_with_its_file_and_line() {
    let t = tree(&[
        (
            "model/trial.rs",
            "use crate::scenario::Scenario;\n\nfn f() { crate::study::run::go(); }\n",
        ),
        ("scenario/mod.rs", "pub mod load;\n"),
        ("study/run.rs", "pub fn go() {}\n"),
    ]);
    let p = breaches(&t);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        p[0],
        "src/model/trial.rs:3: `model` (floor 2) imports `crate::study::run::go` from `study`, a higher floor (6)"
    );
}

#[test]
fn grouped_and_super_imports_are_resolved() {
    let t = tree(&[
        (
            "engine/mod.rs",
            "use crate::{model::Theatre, results::Manifest};\n",
        ),
        (
            "chart/calibration/data.rs",
            "use super::super::super::study::calibrate;\n",
        ),
        ("results/mod.rs", ""),
        ("study/calibrate/mod.rs", ""),
    ]);
    let p = breaches(&t);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].starts_with("src/chart/calibration/data.rs:1: `chart` (floor 5) imports `super::super::super::study::calibrate`"), "{p:?}");
    assert!(
        p[1].starts_with(
            "src/engine/mod.rs:1: `engine` (floor 3) imports `crate::results::Manifest`"
        ),
        "{p:?}"
    );
}

#[test]
fn comments_and_strings_are_not_imports() {
    let t = tree(&[(
        "model/trial.rs",
        "//! See [`crate::study::run`].\n/* crate::cli */\nconst S: &str = \"crate::cli::x\";\n",
    )]);
    assert!(breaches(&t).is_empty());
}

#[test]
fn two_folders_importing_each_other_are_named_even_on_one_floor() {
    let t = tree(&[
        ("chart/mod.rs", "use crate::report::html;\n"),
        ("report/mod.rs", "use crate::chart::draw;\n"),
        ("study/sweep/mod.rs", "use crate::study::sensitivity::x;\n"),
        ("study/sensitivity/mod.rs", "use super::sweep::y;\n"),
    ]);
    let p = breaches(&t);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(
        p[0],
        "folders `chart` and `report` import each other: src/chart/mod.rs:1 imports `crate::report::html`, and src/report/mod.rs:1 imports `crate::chart::draw`"
    );
    assert!(
        p[1].starts_with("folders `study/sensitivity` and `study/sweep` import each other"),
        "{p:?}"
    );
}

#[test]
fn a_folder_without_a_floor_is_refused() {
    let t = tree(&[("utils/mod.rs", "")]);
    assert_eq!(
        breaches(&t),
        vec![
            "src/utils/mod.rs: `utils` has no floor; give it one in tests/architecture.rs (FLOORS) and in src/lib.rs"
        ]
    );
}
