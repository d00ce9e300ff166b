//! The macro's own source against issue 8's layout rules: every file is named in the map at
//! the top of `lib.rs`, no file is over 800 lines, and no function over 120, except the
//! templates and tables listed in [`LONG`], which read best whole.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 120;

/// Functions allowed to be longer, each with why.
const LONG: &[(&str, &str)] = &[
    // One arm per float method: the table of their backward rules.
    ("rules/mod.rs", "math_backward"),
    // `quote!` templates of the public items, read top to bottom as the code they print.
    ("items/mod.rs", "reverse_items"),
    ("items/jacobian.rs", "jacobian_items"),
    ("methods.rs", "forwarding_methods"),
    ("derive.rs", "items"),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the source directory")
        .map(|e| e.expect("an entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Each function's name and length in lines, from its `fn` line to the closing brace at
/// the same indentation (the layout rustfmt gives).
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let rest = [
            "pub(crate) ",
            "pub(super) ",
            "pub(in crate::lower) ",
            "pub ",
            "",
        ]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p))
        .and_then(|r| r.strip_prefix("const ").or(Some(r)))
        .and_then(|r| r.strip_prefix("fn "));
        let Some(rest) = rest else { continue };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A declaration without a body (a trait's) ends its signature with `;`.
        let declared = lines[i..]
            .iter()
            .map(|l| l.trim_end())
            .find(|l| l.ends_with('{') || l.ends_with(';'))
            .is_some_and(|l| l.ends_with(';'));
        if declared {
            continue;
        }
        let close = format!("{indent}}}");
        if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
            found.push((name, end + 2));
        }
    }
    found
}

#[test]
fn files_and_functions_stay_small_and_mapped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let map = std::fs::read_to_string(root.join("lib.rs")).expect("lib.rs");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut problems = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("a source file");
        let name = rel.rsplit('/').next().expect("a file name");
        if !map.contains(&format!("`{rel}`")) && !map.contains(&format!("`{name}`")) {
            problems.push(format!("{rel}: not in the map at the top of lib.rs"));
        }
        let count = text.lines().count();
        if count > MAX_FILE_LINES {
            problems.push(format!("{rel}: {count} lines"));
        }
        for (f, len) in functions(&text) {
            if len > MAX_FN_LINES && !LONG.contains(&(rel.as_str(), f.as_str())) {
                problems.push(format!("{rel}: fn {f} is {len} lines"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn function_lengths_are_measured() {
    let text = "fn a() {\n    x\n}\n\ntrait U {\n    fn d(&self);\n}\n\nimpl T {\n    pub(super) fn b(\n        y: u8,\n    ) {\n        z\n    }\n}\n";
    assert_eq!(
        functions(text),
        vec![("a".to_owned(), 3), ("b".to_owned(), 5)]
    );
}
