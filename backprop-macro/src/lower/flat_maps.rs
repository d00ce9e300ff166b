//! A walk that makes a few values of each item, `xs.iter().flat_map(|&a| [a, a * a])`
//! (features expanded), as the rows it means, made first and then walked in order:
//!
//! ```text
//! let s: f64 = x.iter().flat_map(|&a| [a, a * a]).map(|v| v.sin()).sum();
//!     ==>  let rows: Vec<[f64; 2]> = x.iter().map(|&a| [a, a * a]).collect();
//!          let s: f64 = rows.iter().flatten().copied().map(|v| v.sin()).sum();
//! ```
//!
//! which lowering reads as a local `Vec` of arrays and a joined walk of its rows. Where the
//! closure's value is an array written out, and the walk is evaluated first thing in its
//! statement (not in a loop's condition, a branch or a closure).

use super::*;

/// Rewrites every such walk in `block`; `taken`, the function's names.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    hoisting::hoist(
        block,
        true,
        &mut |e: &mut Expr, before: &mut Vec<syn::Stmt>| {
            let Expr::MethodCall(m) = e else { return };
            if m.method != "flat_map" || m.args.len() != 1 {
                return;
            }
            let Expr::Closure(c) = strip(&m.args[0]) else {
                return;
            };
            let Some(len) = array_len(&c.body) else {
                return;
            };
            let span = m.method.span();
            let rows = Ident::new(&crate::names::unused(taken, "rows"), span);
            let float = crate::lower::caller_float_text().unwrap_or_else(|| "f64".to_owned());
            let float: syn::Type =
                syn::parse_str(&float).unwrap_or_else(|_| syn::parse_quote!(f64));
            let (walk, closure) = (&m.receiver, &m.args[0]);
            before.push(syn::parse_quote_spanned! {span=>
                let #rows: ::std::vec::Vec<[#float; #len]> = #walk.map(#closure).collect();
            });
            *e = syn::parse_quote_spanned!(span=> #rows.iter().flatten().copied());
        },
    );
}

/// The length of the array a closure's body writes out (`[a, a * a]`, or a block ending in
/// one).
fn array_len(body: &Expr) -> Option<usize> {
    match strip(body) {
        Expr::Array(a) if !a.elems.is_empty() => Some(a.elems.len()),
        Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => array_len(tail),
            _ => None,
        },
        _ => None,
    }
}
