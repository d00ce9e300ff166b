//! Expansion snapshots: every `tests/expand/NAME.rs` of the workspace, expanded and
//! pretty-printed (prettyplease), must equal the checked-in `tests/expand/NAME.expanded.rs`.
//! Run with `BACKPROP_BLESS=1` to write the snapshots after an intended change, then review
//! the diff.

use std::path::{Path, PathBuf};

/// Expands every `#[differentiate]` function and `impl` block and every
/// `#[derive(Differentiable)]` of a source file; other items stay as they are.
pub fn expand_file(source: &str) -> String {
    let file: syn::File = syn::parse_str(source).expect("snapshot input parses");
    let mut out = proc_macro2::TokenStream::new();
    for mut item in file.items {
        let differentiate = |attrs: &mut Vec<syn::Attribute>| {
            let at = attrs
                .iter()
                .position(|a| a.path().is_ident("differentiate"));
            at.map(|i| attrs.remove(i))
        };
        let attr = match &mut item {
            syn::Item::Fn(f) => differentiate(&mut f.attrs),
            syn::Item::Impl(i) => differentiate(&mut i.attrs),
            syn::Item::Struct(s) => {
                // `#[derive(Differentiable)]`: the struct with the other derives, then what
                // the derive writes.
                let derived = s.attrs.iter().position(|a| a.path().is_ident("derive"));
                if let Some(at) = derived {
                    let list: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = s.attrs[at]
                        .parse_args_with(syn::punctuated::Punctuated::parse_terminated)
                        .expect("a derive list");
                    let others: Vec<&syn::Path> = list
                        .iter()
                        .filter(|p| !p.is_ident("Differentiable"))
                        .collect();
                    if others.len() != list.len() {
                        let input = quote::ToTokens::to_token_stream(&*s);
                        s.attrs[at] = syn::parse_quote!(#[derive(#(#others),*)]);
                        out.extend(quote::ToTokens::to_token_stream(&*s));
                        out.extend(crate::derive::derive(input));
                        continue;
                    }
                }
                None
            }
            _ => None,
        };
        let tokens = quote::ToTokens::to_token_stream(&item);
        match attr {
            Some(attr) => {
                let args = match attr.meta {
                    syn::Meta::List(list) => list.tokens,
                    _ => proc_macro2::TokenStream::new(),
                };
                out.extend(crate::expand::differentiate(args, tokens));
            }
            None => out.extend(tokens),
        }
    }
    let file: syn::File = syn::parse2(out).expect("expansion parses as a file");
    prettyplease::unparse(&file)
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/expand");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/expand exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rs")
                && !p.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn expansions_match_snapshots() {
    let bless = std::env::var_os("BACKPROP_BLESS").is_some();
    let mut stale = Vec::new();
    for input in inputs() {
        let source = std::fs::read_to_string(&input).expect("readable input");
        let expanded = expand_file(&source);
        let snapshot = input.with_extension("expanded.rs");
        let current = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if current != expanded {
            if bless {
                std::fs::write(&snapshot, &expanded).expect("writable snapshot");
            } else {
                stale.push(format!("{}:\n{}", snapshot.display(), expanded));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "expansion snapshots differ (rerun with BACKPROP_BLESS=1 and review the diff):\n{}",
        stale.join("\n")
    );
}

#[test]
fn expansion_is_deterministic() {
    for input in inputs() {
        let source = std::fs::read_to_string(&input).expect("readable input");
        assert_eq!(
            expand_file(&source),
            expand_file(&source),
            "{}",
            input.display()
        );
    }
}

/// A Jacobian by reverse mode runs one forward pass when its pullback can be copied: a local
/// vector (`vec![..]`, which lowering writes `::std::vec![..]`) does not stop that, while a
/// list of values of a type the macro cannot see does.
#[test]
fn local_vectors_keep_the_jacobian_to_one_forward_pass() {
    let jacobian_of = |decl: &str| {
        let source = format!(
            "#[differentiate]\nfn f(x: &[f64], n: usize) -> Vec<f64> {{\n{decl}\n    let mut y = vec![0.0; n];\n    for i in 0..n {{\n        y[i] = x[i] * x[0];\n    }}\n    y\n}}\n"
        );
        let expanded = expand_file(&source);
        let rows = expanded.find("jacobian_rows").expect("a Jacobian");
        expanded[rows..].split('(').next().unwrap().to_owned()
    };
    assert_eq!(jacobian_of(""), "jacobian_rows_copied");
    assert_eq!(
        jacobian_of("    let t = vec![1.0, n as f64];"),
        "jacobian_rows_copied"
    );
    assert_eq!(jacobian_of("    let t = vec![table(n)];"), "jacobian_rows");
}

/// A development aid: `BACKPROP_EXPAND=path cargo test -p backprop-macro --lib expand_one -- --ignored --nocapture`
/// prints the expansion of every `#[differentiate]` function in the file.
#[test]
#[ignore]
fn expand_one() {
    let path = std::env::var("BACKPROP_EXPAND").expect("BACKPROP_EXPAND=path/to/file.rs");
    let source = std::fs::read_to_string(path).expect("readable file");
    crate::source::read_in_tests(&source);
    println!("{}", expand_file(&source));
}

/// A straight-line function of at least `ops` operations: F2's terms over a `[f64; 20]`
/// (`sin(x_a·x_b)`, `x_a·exp(x_b)`, `x_a·x_b` for `k mod 3 = 0, 1, 2`), added to `s` one
/// statement each, as a generated objective or an unrolled model would be.
pub fn straight_line(ops: usize, args: &str) -> String {
    let mut body = String::from("    let mut s = 0.0;\n");
    let (mut count, mut k) = (0, 0);
    while count < ops {
        let (a, b) = (k % 20, (7 * k + 3) % 20);
        let (term, n) = match k % 3 {
            0 => (format!("(x[{a}] * x[{b}]).sin()"), 3),
            1 => (format!("x[{a}] * x[{b}].exp()"), 3),
            _ => (format!("x[{a}] * x[{b}]"), 2),
        };
        body.push_str(&format!("    s += {term};\n"));
        count += n;
        k += 1;
    }
    format!("#[differentiate({args})]\npub fn big(x: &[f64; 20]) -> f64 {{\n{body}    s\n}}\n")
}

/// With `BACKPROP_SHAPE=loops`: a function of about `ops` operations made of local arrays,
/// each written by its own loop and read after it (`a7[i] = x[i] * s;`, `s += a7[1] *
/// a7[2];`), as an unrolled model's layers would be: what the analyses per array (saved
/// copies, stored gradients) cost as their number grows. Otherwise [`straight_line`].
pub fn shaped(ops: usize, args: &str) -> String {
    if std::env::var("BACKPROP_SHAPE").is_ok_and(|s| s == "loops") {
        let mut body = String::from("    let n = x.len();\n    let mut s = 0.0;\n");
        for j in 0..ops.div_ceil(6) {
            body.push_str(&format!(
                "    let mut a{j} = vec![0.0; n];\n    for i in 0..n {{ a{j}[i] = x[i] * s; }}\n    s += a{j}[{}] * a{j}[1];\n",
                j % 3
            ));
        }
        return format!(
            "#[differentiate({args})]\npub fn big(x: &[f64]) -> f64 {{\n{body}    s\n}}\n"
        );
    }
    straight_line(ops, args)
}

/// Expansion time against the function's size, the macro alone (best of three):
/// `cargo test -p backprop-macro --lib expansion_benchmark -- --ignored --nocapture`
/// (a debug build, as cargo builds proc macros for users; add `--release` to compare).
/// `BACKPROP_SIZES=250,1000` picks the sizes, `BACKPROP_SHAPE=loops` the function
/// ([`shaped`]). Timings are printed, never asserted.
#[test]
#[ignore]
fn expansion_benchmark() {
    let sizes = std::env::var("BACKPROP_SIZES").unwrap_or("250,1000,4000,16000".into());
    println!("| operations | mode | expansion | per 1,000 operations |\n|---|---|---|---|");
    for ops in sizes
        .split(',')
        .map(|s| s.parse::<usize>().expect("a size"))
    {
        for mode in std::env::var("BACKPROP_MODES")
            .unwrap_or(",reverse,hessian".into())
            .split(',')
        {
            let mut f: syn::ItemFn = syn::parse_str(&shaped(ops, mode)).expect("parses");
            f.attrs.clear();
            let args: proc_macro2::TokenStream = mode.parse().expect("tokens");
            let tokens = quote::ToTokens::to_token_stream(&f);
            let best = (0..3)
                .map(|_| {
                    let t = std::time::Instant::now();
                    let _ = crate::expand::differentiate(args.clone(), tokens.clone());
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            let mode = if mode.is_empty() { "(default)" } else { mode };
            println!(
                "| {ops} | {mode} | {:.1} ms | {:.1} ms |",
                best * 1e3,
                best * 1e6 / ops as f64
            );
        }
    }
}

/// Where the expansion time goes, stage by stage (best of five), for the function of
/// [`expansion_benchmark`]: `BACKPROP_OPS=4000 BACKPROP_MODE=hessian cargo test -p
/// backprop-macro --lib expansion_stages -- --ignored --nocapture`. Printed, never asserted.
#[test]
#[ignore]
fn expansion_stages() {
    let ops = std::env::var("BACKPROP_OPS").map_or(4000, |s| s.parse().expect("a size"));
    let mode = std::env::var("BACKPROP_MODE").unwrap_or("reverse".into());
    let mut f: syn::ItemFn = syn::parse_str(&shaped(ops, &mode)).expect("parses");
    f.attrs.clear();
    let tokens = quote::ToTokens::to_token_stream(&f);
    let attr: proc_macro2::TokenStream = mode.parse().expect("tokens");
    let names = ["parse", "lower", "analyze", "backward", "print", "drop"];
    let mut best = [f64::INFINITY; 6];
    for _ in 0..5 {
        let mut clock = std::time::Instant::now();
        let mut lap = |stage: usize| {
            best[stage] = best[stage].min(clock.elapsed().as_secs_f64());
            clock = std::time::Instant::now();
        };
        let item: syn::ItemFn = syn::parse2(tokens.clone()).expect("parses");
        lap(0);
        let mut errors = crate::diag::Errors::default();
        let args = crate::args::parse(attr.clone(), &mut errors);
        let crate::lower::Lowered::Func(mut func) =
            crate::lower::lower(&item, &args, &Default::default(), &mut errors)
        else {
            panic!("the benchmark's function lowers")
        };
        lap(1);
        let (analysis, additions) = crate::analysis::analyze(&func, args.reverse && !args.hessian);
        additions.apply(&mut func);
        lap(2);
        let backward = crate::reverse::backward(&func, &analysis, true);
        lap(3);
        let module = crate::items::module(&func, &analysis, &backward, &args);
        lap(4);
        drop((module, backward, analysis, func, item));
        lap(5);
    }
    let stages: Vec<String> = (0..6)
        .map(|i| format!("{} {:.1} ms", names[i], best[i] * 1e3))
        .collect();
    println!("{ops} operations, {mode}: {}", stages.join(", "));
}

/// Every stage's output for the functions of `tests/passes/NAME.rs`, as
/// `tests/passes/NAME.txt` holds it: the IR after lowering, what the analysis found, and
/// the backward pass (`BACKPROP_BLESS=1` rewrites them).
#[test]
fn passes_match_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/passes");
    let bless = std::env::var_os("BACKPROP_BLESS").is_some();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/passes exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut stale = Vec::new();
    for input in inputs {
        let source = std::fs::read_to_string(&input).expect("readable input");
        let file: syn::File = syn::parse_str(&source).expect("the input parses");
        let mut dump = String::new();
        for item in file.items {
            let syn::Item::Fn(mut f) = item else { continue };
            let at = f
                .attrs
                .iter()
                .position(|a| a.path().is_ident("differentiate"));
            let Some(at) = at else { continue };
            let args = match f.attrs.remove(at).meta {
                syn::Meta::List(list) => list.tokens,
                _ => proc_macro2::TokenStream::new(),
            };
            let mut errors = crate::diag::Errors::default();
            let args = crate::args::parse(args, &mut errors);
            let crate::lower::Lowered::Func(mut func) =
                crate::lower::lower(&f, &args, &Default::default(), &mut errors)
            else {
                panic!("{} is rejected", f.sig.ident);
            };
            let lowered = format!("{func:?}");
            let (analysis, additions) =
                crate::analysis::analyze(&func, args.reverse && !args.hessian);
            additions.apply(&mut func);
            let backward = crate::reverse::backward(&func, &analysis, true);
            dump.push_str(&format!(
                "== lower\n{lowered}== analysis\n{}== reverse\n{}\n",
                crate::dump::analysis(&func, &analysis),
                crate::dump::backward(&func, &backward)
            ));
        }
        let snapshot = input.with_extension("txt");
        let current = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if current != dump {
            if bless {
                std::fs::write(&snapshot, &dump).expect("writable snapshot");
            } else {
                stale.push(format!("{}:\n{dump}", snapshot.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "pass snapshots differ (rerun with BACKPROP_BLESS=1 and review the diff):\n{}",
        stale.join("\n")
    );
}
