//! The arrows between the top-level modules, held by a test: each layer names what it may use,
//! and a `use` (or path) reaching anything else fails here with the file and line. The layers,
//! bottom up: the plain helpers and `domain`; `api` (wire only); `store`; `backend` (one
//! adapter per API); `config`; `engine`; and the front ends, `tui` (which knows nothing of the
//! APIs, adapters or store) and `cli` (which starts everything, the dashboard included). The
//! simulator stands apart: it knows the domain's words and nothing of the client.

use std::collections::BTreeSet;
use std::path::Path;

/// Helpers every layer may use.
const HELPERS: &[&str] = &[
    "text",
    "redact",
    "lenient",
    "clock",
    "paths",
    "fsutil",
    "emails",
    "term",
    "process_start",
];

/// What each layer may use beyond the helpers.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("api", &["domain"]),
    ("store", &["domain", "api"]),
    ("backend", &["domain", "api", "store"]),
    ("config", &["domain", "api"]),
    ("engine", &["domain", "api", "store", "backend", "config"]),
    ("tui", &["domain", "config", "engine"]),
    // A build's checks read only what is given: the domain's words, nothing of the network.
    ("preflight", &["domain"]),
    // The simulator shares the domain's words (statuses, kinds) and nothing of the client:
    // its wire shapes are its own, so a wrong field name in the client cannot be mirrored.
    ("sim", &["domain"]),
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file reaches, with the line (comments left out).
fn reached(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push((n + 1, name));
        }
    }
    found
}

#[test]
fn no_layer_reaches_above_itself() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for (layer, allowed) in ALLOWED {
        let mut files = Vec::new();
        sources(&root.join(layer), &mut files);
        let single = root.join(format!("{layer}.rs"));
        if single.exists() {
            files.push(single);
        }
        assert!(!files.is_empty(), "no sources for {layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, name) in reached(&text) {
                seen.insert(*layer);
                if name != *layer
                    && !allowed.contains(&name.as_str())
                    && !HELPERS.contains(&name.as_str())
                {
                    wrong.push(format!(
                        "{}:{line}: {layer} uses crate::{name}",
                        file.strip_prefix(&root).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(
        seen.len() > 3,
        "the check found almost no imports: {seen:?}"
    );
    assert!(
        wrong.is_empty(),
        "arrows pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_arrow() {
    let found = reached("use crate::tui::state::App; // crate::cli in a comment\n");
    assert_eq!(found, vec![(1, "tui".to_string())]);
}
