//! An `Option` a search or a lookup returns, mapped and defaulted in one expression
//! (`x.iter().position(|&v| v > t).map_or(0.0, |i| x[i] * w)`, also `map_or_else(|| d,
//! ..)`, `.map(|i| ..).unwrap_or(d)` and `.unwrap_or_else(|| d)`), as the `match` it
//! means, which lowering reads as any other: `match x.iter().position(..) { Some(i) => x[i]
//! * w, None => 0.0 }`. Only of the methods that return such an `Option` (`position`,
//! `rposition`, `find`, `get`, `first`, `last`, `reduce`, `max_by`, `min_by`, and the
//! `copied()` or `cloned()` of one), where each closure takes one plain pattern; and
//! `.unwrap_or_default()` of one, its `None` the type's default.
//!
//! Before that, a walk's last or `k`-th item (`xs.iter().last()`, `xs.iter().nth(k)`, also
//! `.copied()` or `.cloned()` first) is the lookup it means, `xs.last()` or `xs.get(k)`
//! (then `.copied()`), read as those are.

use super::*;
use syn::visit_mut::VisitMut;

/// Rewrites every such expression in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    Rewrite.visit_block_mut(block);
}

/// The methods whose `Option` is mapped here.
const OPTIONS: &[&str] = &[
    "position",
    "rposition",
    "find",
    "get",
    "first",
    "last",
    "reduce",
    "max_by",
    "min_by",
];

/// Whether `e` is an `Option` one of [`OPTIONS`] returns (or its `copied()`, `cloned()`).
fn optional(e: &Expr) -> bool {
    let Expr::MethodCall(m) = strip(e) else {
        return false;
    };
    let name = m.method.to_string();
    match name.as_str() {
        "copied" | "cloned" if m.args.is_empty() => optional(&m.receiver),
        _ => OPTIONS.contains(&name.as_str()),
    }
}

/// The parameter and body of a closure of one parameter (`|i| x[i]`), or the body of one of
/// none (`|| 0.0`).
fn closure(e: &Expr, inputs: usize) -> Option<(Option<&Pat>, &Expr)> {
    let Expr::Closure(c) = strip(e) else {
        return None;
    };
    if c.inputs.len() != inputs || c.asyncness.is_some() || c.capture.is_some() {
        return None;
    }
    // (`|i: usize|`: a pattern in a `match` arm carries no type.)
    let input = c.inputs.first().map(|p| match p {
        Pat::Type(t) => &*t.pat,
        p => p,
    });
    Some((input, &c.body))
}

/// `(option, pattern, mapped, default)` of `option.map_or(default, |pattern| mapped)` and
/// its other spellings.
fn parts(m: &syn::ExprMethodCall) -> Option<(&Expr, &Pat, &Expr, Expr)> {
    let args: Vec<&Expr> = m.args.iter().collect();
    match (m.method.to_string().as_str(), &args[..]) {
        ("map_or", [d, f]) => {
            let (p, body) = closure(f, 1)?;
            Some((&m.receiver, p?, body, (*d).clone()))
        }
        ("map_or_else", [d, f]) => {
            let (p, body) = closure(f, 1)?;
            let (_, d) = closure(d, 0)?;
            Some((&m.receiver, p?, body, d.clone()))
        }
        (unwrap @ ("unwrap_or" | "unwrap_or_else"), [d]) => {
            let Expr::MethodCall(map) = strip(&m.receiver) else {
                return None;
            };
            let [f] = &map.args.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            if map.method != "map" {
                return None;
            }
            let (p, body) = closure(f, 1)?;
            let d = match unwrap {
                "unwrap_or" => (*d).clone(),
                _ => closure(d, 0)?.1.clone(),
            };
            Some((&map.receiver, p?, body, d))
        }
        _ => None,
    }
}

/// `xs.iter().last()` as `xs.last()`, `xs.iter().nth(k)` as `xs.get(k)`, through
/// `.copied()` or `.cloned()` of the walk (`xs.last().copied()`).
fn lookup(m: &syn::ExprMethodCall) -> Option<Expr> {
    let pick = match (m.method.to_string().as_str(), m.args.len()) {
        ("last", 0) => "last",
        ("nth", 1) => "get",
        _ => return None,
    };
    let Expr::MethodCall(walk) = strip(&m.receiver) else {
        return None;
    };
    let (walk, then) = match walk.method.to_string().as_str() {
        "copied" | "cloned" if walk.args.is_empty() => match strip(&walk.receiver) {
            Expr::MethodCall(inner) => (inner, Some(&walk.method)),
            _ => return None,
        },
        _ => (walk, None),
    };
    if walk.method != "iter" || !walk.args.is_empty() {
        return None;
    }
    let (xs, args) = (&walk.receiver, &m.args);
    let pick = Ident::new(pick, m.method.span());
    let found: Expr = syn::parse_quote_spanned!(m.method.span()=> #xs.#pick(#args));
    Some(match then {
        Some(then) => syn::parse_quote!(#found.#then()),
        None => found,
    })
}

struct Rewrite;

impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = &*e else {
            return;
        };
        if let Some(found) = lookup(m) {
            *e = found;
            return;
        }
        // `.unwrap_or_default()`: the value, else its type's default.
        if m.method == "unwrap_or_default" && m.args.is_empty() && optional(&m.receiver) {
            let (option, span) = (&m.receiver, m.method.span());
            *e = syn::parse_quote_spanned! {span=>
                match #option {
                    Some(value) => value,
                    None => ::core::default::Default::default(),
                }
            };
            return;
        }
        let Some((option, pat, mapped, default)) = parts(m) else {
            return;
        };
        if !optional(option) {
            return;
        }
        let span = m.method.span();
        *e = syn::parse_quote_spanned! {span=>
            match #option {
                Some(#pat) => #mapped,
                None => #default,
            }
        };
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}
