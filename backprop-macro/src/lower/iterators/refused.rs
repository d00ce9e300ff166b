//! The chains no rewrite takes, found for one error at the adaptor or the end that is not
//! supported (`.cycle()`, `.rev().enumerate().step_by(2)`, `.max_by(..)` over windows).

use super::*;

/// In `chain.sum()` (or another terminal) over `xs.iter()` that is not a chain the macro
/// rewrites: the first method call that is no supported adaptor (`.skip(1)`, `.step_by(2)`,
/// `.take(n)`), searched in the receiver and in `zip`'s argument, for one error there.
pub(in crate::lower) fn unsupported_adaptor(
    m: &syn::ExprMethodCall,
) -> Option<&syn::ExprMethodCall> {
    let name = m.method.to_string();
    let terminal = TERMINALS.contains(&name.as_str())
        || (name == "unwrap" || name == "expect" || name == "unwrap_or")
            && matches!(strip(&m.receiver), Expr::MethodCall(i) if ["max_by", "min_by", "reduce"].iter().any(|e| i.method == e));
    if !terminal {
        return None;
    }
    // An adaptor no chain takes (`.cycle()`) first; else a limit where the rewrite does
    // not take it (`.rev().step_by(2)`).
    fn first_unknown<'a>(e: &'a Expr, known: &[&str]) -> Option<&'a syn::ExprMethodCall> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        if !known.iter().any(|a| m.method == a) {
            return Some(m);
        }
        let in_zip = match m.method == "zip" {
            true => m.args.first().and_then(|z| first_unknown(z, known)),
            false => None,
        };
        first_unknown(&m.receiver, known).or(in_zip)
    }
    let limits: Vec<&str> = [ADAPTORS, LIMITS].concat();
    let receiver = match strip(&m.receiver) {
        Expr::MethodCall(i) if name == "unwrap" || name == "expect" || name == "unwrap_or" => {
            &i.receiver
        }
        _ => &m.receiver,
    };
    // Only what reads as an iterator chain: an `.iter()` (or `into_iter`) at its source.
    fn has_iter(e: &Expr) -> bool {
        match strip(e) {
            Expr::MethodCall(m) => {
                m.method == "iter"
                    || m.method == "iter_mut"
                    || m.method == "into_iter"
                    || has_iter(&m.receiver)
            }
            _ => false,
        }
    }
    has_iter(receiver)
        .then(|| first_unknown(receiver, &limits).or_else(|| first_unknown(receiver, ADAPTORS)))
        .flatten()
}

/// In a chain over windows or chunks (`x.windows(2).map(..)`) ended by a method its
/// rewrite does not take (`.collect()`, `.max_by(..)`): that method, for one error there.
pub(in crate::lower) fn unsupported_stretch_end(m: &syn::ExprMethodCall) -> Option<&Ident> {
    let (receiver, end) = match strip(&m.receiver) {
        Expr::MethodCall(i) if m.method == "unwrap" || m.method == "expect" => {
            (&i.receiver, &i.method)
        }
        _ => (&m.receiver, &m.method),
    };
    let end_name = end.to_string();
    if !TERMINALS.contains(&end_name.as_str())
        || ["sum", "product", "fold", "for_each"].contains(&end_name.as_str())
    {
        return None;
    }
    let (_, mut e) = adapters(receiver)?;
    peel(&mut e, "enumerate");
    match e {
        Expr::MethodCall(s) if STRETCHES.contains(&s.method.to_string().as_str()) => Some(end),
        _ => None,
    }
}

/// The error for an adaptor [`unsupported_adaptor`] found: where joins (`.chain(..)`,
/// `.flatten()`) work, or which chains do.
pub(in crate::lower) fn unsupported_message(adaptor: &Ident) -> String {
    match ["chain", "flatten", "flat_map"]
        .iter()
        .any(|j| adaptor == j)
    {
        true => joined::JOINED.to_string(),
        false => format!(
            "#[differentiate] does not support `.{adaptor}(..)` in an iterator chain; supported: {CHAINS}"
        ),
    }
}
