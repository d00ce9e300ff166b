//! The pieces of a chain's syntax: its sources (`xs.iter()`, `&xs`, `xs.iter_mut()`), its
//! adaptors (`.map(..)`, `.filter(..)`, `.rev()`, `.copied()`) and its limits (`.skip(k)`,
//! `.take(k)`, `.step_by(k)`), each read off the end of the expression.

use super::*;

/// `xs.iter()`, `xs.iter().copied()`, `&xs`, `xs`, `xs.iter_mut()`, `&mut xs`,
/// `xs.into_iter()` (its items references or values as `xs` is borrowed or owned): the
/// sequence `xs` (a path).
pub(in crate::lower) fn source(expr: &Expr) -> Option<&Expr> {
    match strip(expr) {
        Expr::MethodCall(m)
            if m.args.is_empty() && (m.method == "copied" || m.method == "cloned") =>
        {
            source(&m.receiver)
        }
        Expr::MethodCall(m)
            if m.args.is_empty()
                && (m.method == "iter" || m.method == "iter_mut" || m.method == "into_iter") =>
        {
            path_of(&m.receiver)
        }
        Expr::Reference(r) => path_of(&r.expr),
        other => path_of(other),
    }
}

/// Whether [`source`]'s items are mutable references: `xs.iter_mut()`, `&mut xs`.
pub(super) fn source_mut(expr: &Expr) -> bool {
    match strip(expr) {
        Expr::MethodCall(m) if SIDE_LIMITS.iter().any(|l| m.method == l) => source_mut(&m.receiver),
        Expr::MethodCall(m) => m.method == "iter_mut",
        Expr::Reference(r) => r.mutability.is_some(),
        _ => false,
    }
}

/// Whether [`source`]'s items are references, where the syntax says: `.copied()` and
/// `.cloned()` give values, `.iter()` and `&xs` references; `xs` alone depends on `xs`.
pub(super) fn source_refs(expr: &Expr) -> Option<bool> {
    match strip(expr) {
        Expr::MethodCall(m) if m.method == "copied" || m.method == "cloned" => Some(false),
        Expr::MethodCall(m) if SIDE_LIMITS.iter().any(|l| m.method == l) => {
            source_refs(&m.receiver)
        }
        Expr::MethodCall(m) if m.method == "iter" || m.method == "iter_mut" => Some(true),
        Expr::Reference(_) => Some(true),
        _ => None,
    }
}

pub(super) fn path_of(expr: &Expr) -> Option<&Expr> {
    match strip(expr) {
        e @ Expr::Path(p) if p.path.get_ident().is_some() => Some(e),
        // A field chain of a struct parameter (`m.v`), or a row `m[i]`: `is_seq` decides.
        e @ (Expr::Field(_) | Expr::Index(_)) => Some(e),
        _ => None,
    }
}

/// Takes any `.copied()` and `.cloned()` off the end of `e`; whether there were any.
pub(in crate::lower) fn copies(e: &mut &Expr) -> bool {
    let mut any = false;
    while peel(e, "copied") || peel(e, "cloned") {
        any = true;
    }
    any
}

/// `.skip(a)`, `.take(b)`, `.step_by(k)` at the end of `e`, in order, taken off it.
pub(in crate::lower) fn limits<'a>(e: &mut &'a Expr) -> Option<Vec<(Limit, &'a Expr)>> {
    let mut out = Vec::new();
    while let Expr::MethodCall(m) = *e {
        let limit = match m.method.to_string().as_str() {
            "skip" => Limit::Skip,
            "take" => Limit::Take,
            "step_by" => Limit::StepBy,
            _ => break,
        };
        if m.args.len() != 1 {
            return None;
        }
        out.push((limit, &m.args[0]));
        *e = strip(&m.receiver);
    }
    out.reverse();
    Some(out)
}

/// What a zipped sequence may end with: [`Side`]'s adaptors.
const SIDE_LIMITS: [&str; 3] = ["skip", "take", "rev"];

/// How one of a zip's sequences is walked: from its item `skip` on, at most `take` items,
/// perhaps backwards (`ys.iter().skip(1).take(n).rev()`).
#[derive(Clone, Copy, Default)]
pub(super) struct Side<'a> {
    pub skip: Option<&'a Expr>,
    pub take: Option<&'a Expr>,
    pub rev: bool,
}

impl Side<'_> {
    /// How many items the sequence `s` gives, walked so.
    pub fn len(&self, s: &Expr) -> TokenStream {
        let len = match self.skip {
            Some(k) => quote!(#s.len().saturating_sub(#k)),
            None => quote!(#s.len()),
        };
        match self.take {
            Some(t) => quote!(#len.min(#t)),
            None => len,
        }
    }

    /// The index into `s` of its item `i`, walked so.
    pub fn at(&self, s: &Expr, i: &Ident) -> TokenStream {
        let from = match self.rev {
            false => quote!(#i),
            true => {
                let len = self.len(s);
                quote!((#len - 1 - #i))
            }
        };
        match self.skip {
            Some(k) => quote!(#from + (#k)),
            None => from,
        }
    }
}

/// A zipped sequence and how it is walked: `ys`, `ys.iter().skip(1)`, `&ys[a..b]` (as
/// `ys.iter().skip(a).take(b - a)`), `ys.iter().rev()`, in that order.
pub(super) fn zipped_source(e: &Expr) -> Option<(&Expr, Side<'_>)> {
    let mut side = Side::default();
    let mut e = strip(e);
    copies(&mut e);
    side.rev = peel(&mut e, "rev");
    copies(&mut e);
    if let Expr::MethodCall(m) = e
        && m.method == "take"
        && m.args.len() == 1
    {
        side.take = Some(&m.args[0]);
        e = strip(&m.receiver);
    }
    if let Expr::MethodCall(m) = e
        && m.method == "skip"
        && m.args.len() == 1
    {
        side.skip = Some(&m.args[0]);
        e = strip(&m.receiver);
    }
    Some((source(e)?, side))
}

/// The chain's trailing `.map(|..| ..)`, `.filter(|..| ..)` and `.take_while(|..| ..)`,
/// in order, and what they adapt.
pub(super) fn adapters(expr: &Expr) -> Option<(Vec<Adapter<'_>>, &Expr)> {
    let mut maps = Vec::new();
    let mut e = strip(expr);
    // From the last one back.
    while let Expr::MethodCall(m) = e {
        let method = m.method.to_string();
        // `.filter(..).copied()`: the items from there on are values.
        if (method == "copied" || method == "cloned") && m.args.is_empty() && adapted(&m.receiver) {
            maps.push(Adapter::ByValue);
            e = strip(&m.receiver);
            continue;
        }
        // `.enumerate()` after a join, in one part's walk: counted across the parts.
        if method == super::joined::COUNTED
            && let Some(Expr::Path(count)) = m.args.first().map(strip)
            && let Some(count) = count.path.get_ident()
        {
            maps.push(Adapter::Count(count.clone()));
            e = strip(&m.receiver);
            continue;
        }
        if !["map", "filter", "take_while"].contains(&method.as_str()) || m.args.len() != 1 {
            break;
        }
        let Expr::Closure(c) = strip(&m.args[0]) else {
            return None;
        };
        if c.inputs.len() != 1 {
            return None;
        }
        maps.push(match method.as_str() {
            "map" => Adapter::Map(c),
            "filter" => Adapter::Filter(c),
            _ => Adapter::TakeWhile(c),
        });
        e = strip(&m.receiver);
    }
    maps.reverse();
    Some((maps, e))
}

/// Whether `e` ends in a `.map(..)`, `.filter(..)` or `.take_while(..)` (perhaps then
/// copied): a `.copied()` after it is an adapter of its own, not the source's.
fn adapted(e: &Expr) -> bool {
    match strip(e) {
        Expr::MethodCall(m)
            if m.args.is_empty() && (m.method == "copied" || m.method == "cloned") =>
        {
            adapted(&m.receiver)
        }
        Expr::MethodCall(m) => {
            m.args.len() == 1
                && ["map", "filter", "take_while"]
                    .iter()
                    .any(|a| m.method == a)
        }
        _ => false,
    }
}

/// Takes `.method()` (without arguments) off the end of `e`, if it ends so.
pub(in crate::lower) fn peel(e: &mut &Expr, method: &str) -> bool {
    match *e {
        Expr::MethodCall(m) if m.method == method && m.args.is_empty() => {
            *e = strip(&m.receiver);
            true
        }
        _ => false,
    }
}
