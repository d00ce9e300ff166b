//! The chains no rewrite takes, found for one error at the adaptor or the end that is not
//! supported (`.cycle()`, `.rev().enumerate().step_by(2)`, `.max_by(..)` over windows).

use super::*;

/// In `chain.sum()` (or another terminal) over `xs.iter()` that is not a chain the macro
/// rewrites: the first method call that is no supported adaptor (`.skip(1)`, `.step_by(2)`,
/// `.take(n)`), searched in the receiver and in `zip`'s argument, for one error there.
pub(in crate::lower) fn unsupported_adaptor(m: &syn::ExprMethodCall) -> Option<Refused<'_>> {
    let name = m.method.to_string();
    let terminal = TERMINALS.contains(&name.as_str())
        || (name == "unwrap" || name == "expect" || name == "unwrap_or")
            && matches!(strip(&m.receiver), Expr::MethodCall(i) if ["max_by", "min_by", "reduce"].iter().any(|e| i.method == e));
    if !terminal {
        return None;
    }
    // An adaptor no chain takes (`.cycle()`) first; else a limit where the rewrite does
    // not take it (`.rev().step_by(2)`). In `zip`'s argument, only what walks a sequence as
    // it is (`ys.iter().skip(1)`, `ys.iter().rev()`, zipped again).
    fn first_unknown<'a>(e: &'a Expr, known: &[&str]) -> Option<Refused<'a>> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        if !known.iter().any(|a| m.method == a) {
            return Some(Refused::Adaptor(m));
        }
        let in_zip = match m.method == "zip" {
            true => m.args.first().and_then(|z| match first_unknown(z, ZIPPED) {
                Some(Refused::Adaptor(inner)) => Some(Refused::Zipped(inner)),
                other => other,
            }),
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

/// What [`unsupported_adaptor`] found: an adaptor no chain takes, or one a zipped sequence
/// may not have (`xs.iter().zip(ys.iter().map(..))`).
pub(in crate::lower) enum Refused<'a> {
    Adaptor(&'a syn::ExprMethodCall),
    Zipped(&'a syn::ExprMethodCall),
}

/// What a sequence given to `zip` may be walked by.
const ZIPPED: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "copied",
    "cloned",
    "rev",
    "skip",
    "take",
    "zip",
];

impl Refused<'_> {
    /// The method to point at.
    pub(in crate::lower) fn method(&self) -> &Ident {
        match self {
            Refused::Adaptor(m) | Refused::Zipped(m) => &m.method,
        }
    }

    /// The error: where joins (`.chain(..)`, `.flatten()`) work, how a zipped sequence is
    /// walked, or which chains do.
    pub(in crate::lower) fn message(&self) -> String {
        let adaptor = self.method();
        match self {
            Refused::Zipped(_) => format!(
                "#[differentiate] zips sequences walked as they are (`.zip(ys)`, `.zip(&ys[a..b])`, `.zip(ys.iter().skip(k).take(n))`, `.zip(ys.iter().rev())`, `.zip(ys.iter().zip(zs))`), not with `.{adaptor}(..)`: apply it after the zip (`xs.iter().zip(ys).map(|(x, y)| ..)`)"
            ),
            _ if ["chain", "flatten", "flat_map"]
                .iter()
                .any(|j| adaptor == j) =>
            {
                joined::JOINED.to_string()
            }
            _ => format!(
                "#[differentiate] does not support `.{adaptor}(..)` in an iterator chain; supported: {CHAINS}"
            ),
        }
    }
}
