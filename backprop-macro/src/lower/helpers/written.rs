//! An ordinary function's reference parameters read and written as the caller's places.
//! Its `&mut` parameters (`fn rhs(x: &[f64], y: &[f64], dy: &mut [f64])`, `fn bump(s: &mut
//! f64, by: f64)`), where it is called with a place of the caller's (`rhs(x, &y, &mut
//! k1)`, `bump(&mut s, 1.0)`): the inlined body writes the place itself. `dy[i]`,
//! `dy.len()`, `p.0` and `*s` read as `k1[i]`, `k1.len()`, `pair.0` and `s`; anywhere else
//! (`inner(dy)`, `for d in dy`) the parameter is `&mut k1`, which an inner helper's
//! inlining takes in turn. A place is a name (`&mut k1`), a field of one (`&mut p.pos`), a
//! row of one at an index that is a literal or a name the call does not also lend (`&mut
//! m[i]`), or a sub-slice of one between such bounds (`&mut v[1..]`, `&mut v[a..b]`:
//! `dy[i]` reads `v[1..][i]`, its bounds checked first); any other argument leaves the
//! call as written (an error at the borrow, in lowering), as does a body binding the name
//! again. A method taking `&mut self` reads its
//! receiver the same way (`self.x` is `p.x`).
//! Its shared references to sequences (`y: &[f64]` given `&y` or `x`) are read the same way,
//! `&y` where a reference is meant, instead of bound to a copy of the sequence: nothing
//! changes the sequence while the body borrows it.

use super::*;
use std::collections::HashMap;

/// How a parameter reads the caller's place.
#[derive(Clone)]
pub(in crate::lower) struct Place {
    place: Expr,
    /// `Some(mutable)` for a place lent as `&mut place` or `&place`; `None` for a
    /// reference passed as it is (`x`), read as itself everywhere.
    lent: Option<bool>,
}

impl Place {
    /// A place lent mutably (`&mut k1`, `&mut m[i]`, `&mut p.pos`), if it is one.
    pub(in crate::lower) fn lent_mutably(place: Expr) -> Option<Place> {
        place_root(&place)?;
        Some(Place {
            place,
            lent: Some(true),
        })
    }

    /// The name the place starts from (`m` of `m[i]`, `p` of `p.pos`).
    pub(in crate::lower) fn root(&self) -> Option<Ident> {
        place_root(&self.place)
    }

    /// Whether the place is a sub-slice (`v[1..]`), whose bounds the borrow checks.
    pub(in crate::lower) fn sub_slice(&self) -> bool {
        matches!(&self.place, Expr::Index(i) if matches!(strip(&i.index), Expr::Range(_)))
    }

    /// `let _ = v[a..b].len();` for a sub-slice: the borrow's bounds check, where the
    /// borrow is no longer written (nothing may index it).
    pub(in crate::lower) fn bounds_check(&self) -> Option<syn::Stmt> {
        let place = &self.place;
        self.sub_slice()
            .then(|| syn::parse_quote_spanned!(place.span()=> let _ = #place.len();))
    }

    /// The names a row's index or a sub-slice's bounds are (`i` of `m[i]`, `a` and `b` of
    /// `v[a..b]`).
    pub(in crate::lower) fn index_names(&self) -> Vec<Ident> {
        match &self.place {
            Expr::Index(i) => index_names(&i.index),
            _ => Vec::new(),
        }
    }
}

/// The names an index is made of: itself (`i`), or a range's bounds (`a..b`).
fn index_names(index: &Expr) -> Vec<Ident> {
    match strip(index) {
        Expr::Range(r) => [&r.start, &r.end]
            .into_iter()
            .flatten()
            .filter_map(|e| name_of(e))
            .collect(),
        other => name_of(other).into_iter().collect(),
    }
}

/// A parameter written through (`dy: &mut [f64]`), or a shared reference to a sequence
/// (`y: &[f64]`, `&Vec<f64>`, `&[f64; 3]`), read in place: `Some(mutable)`.
fn by_place(a: &syn::FnArg) -> Option<bool> {
    let syn::FnArg::Typed(t) = a else { return None };
    let Type::Reference(r) = &*t.ty else {
        return None;
    };
    let sequence = match &*r.elem {
        Type::Slice(_) | Type::Array(_) => true,
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Vec"),
        _ => false,
    };
    (r.mutability.is_some() || sequence).then_some(r.mutability.is_some())
}

/// The signature without the parameters read in place, the arguments to the others, and
/// the caller's place for each parameter read in place, by its name; `None` where the
/// argument to a `&mut` parameter is not a place, or the body binds its name again
/// (`bound`; a shared one is then bound to its argument as usual).
pub(super) fn split<'e>(
    sig: &syn::Signature,
    args: &[&'e Expr],
    bound: &[String],
) -> Option<(syn::Signature, Vec<&'e Expr>, HashMap<String, Place>)> {
    let mut sig = sig.clone();
    let mut kept_args = Vec::new();
    let mut places = HashMap::new();
    let mut inputs = syn::punctuated::Punctuated::new();
    if sig.inputs.len() != args.len() {
        return None;
    }
    for (input, arg) in std::mem::take(&mut sig.inputs).into_iter().zip(args) {
        let name = match &input {
            syn::FnArg::Typed(t) => match &*t.pat {
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => Some(&i.ident),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        };
        let place = match (by_place(&input), name) {
            (Some(mutable), Some(name)) if !bound.iter().any(|b| name == b) => {
                let place = match strip(arg) {
                    Expr::Reference(r) if r.mutability.is_some() == mutable => Some(Place {
                        place: strip(&r.expr).clone(),
                        lent: Some(mutable),
                    }),
                    path @ Expr::Path(_) if !mutable => Some(Place {
                        place: path.clone(),
                        lent: None,
                    }),
                    _ => None,
                };
                place
                    .filter(|p| place_root(&p.place).is_some())
                    .map(|p| (name, p))
            }
            _ => None,
        };
        match place {
            Some((name, place)) => {
                places.insert(name.to_string(), place);
            }
            // A `&mut` parameter must be read in place.
            None if by_place(&input) == Some(true) => return None,
            None => {
                inputs.push(input);
                kept_args.push(*arg);
            }
        }
    }
    // A row's index may not be a name the call also lends mutably (`f(&mut m[i], &mut
    // i)`): the body's writes to it would move the row.
    let roots: Vec<Ident> = places
        .values()
        .filter(|p| p.lent == Some(true))
        .filter_map(|p| place_root(&p.place))
        .collect();
    let moved = |p: &Place| p.index_names().iter().any(|n| roots.contains(n));
    if places.values().any(moved) {
        return None;
    }
    sig.inputs = inputs;
    Some((sig, kept_args, places))
}

/// `let _ = dy.len();` first in a helper's body for each parameter lent a sub-slice (`dy`
/// given `&mut v[1..]`): the bounds the borrow checks, checked where the call was.
pub(in crate::lower) fn bounds_checks(
    places: &HashMap<String, Place>,
    block: &mut syn::Block,
    span: Span,
) {
    let mut checked: Vec<&String> = places
        .iter()
        .filter(|(_, p)| p.sub_slice())
        .map(|(name, _)| name)
        .collect();
    checked.sort();
    for name in checked.into_iter().rev() {
        let name = Ident::new(name, span);
        block
            .stmts
            .insert(0, syn::parse_quote!(let _ = #name.len();));
    }
}

/// The name a place starts from: `k1` of `k1`, `m` of `m[i]` (`i` a literal or a name),
/// `v` of `v[a..b]` (a sub-slice, each bound a literal or a name, or left out), `p` of
/// `p.pos.x`.
fn place_root(place: &Expr) -> Option<Ident> {
    let plain = |e: &Expr| matches!(strip(e), Expr::Lit(_)) || name_of(e).is_some();
    match place {
        Expr::Path(_) => name_of(place),
        Expr::Field(f) => place_root(strip(&f.base)),
        Expr::Index(i) => {
            let plain = match strip(&i.index) {
                Expr::Range(r) => [&r.start, &r.end].into_iter().flatten().all(|e| plain(e)),
                index => plain(index),
            };
            name_of(strip(&i.expr)).filter(|_| plain)
        }
        _ => None,
    }
}

fn name_of(e: &Expr) -> Option<Ident> {
    match strip(e) {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
        _ => None,
    }
}

/// Reads and writes the caller's places for the parameters read in place, in a helper's
/// body.
pub(in crate::lower) fn write_through(places: &HashMap<String, Place>, block: &mut syn::Block) {
    Through(places).visit_block_mut(block);
}

/// [`write_through`] in one statement.
pub(in crate::lower) fn write_through_stmt(places: &HashMap<String, Place>, stmt: &mut syn::Stmt) {
    Through(places).visit_stmt_mut(stmt);
}

struct Through<'a>(&'a HashMap<String, Place>);

impl Through<'_> {
    /// The place itself, where `e` names a parameter lent a place, located at `e` (where
    /// an error about it belongs).
    fn place(&self, e: &Expr) -> Option<Expr> {
        let p = self.0.get(&name_of(e)?.to_string())?;
        p.lent?;
        syn::parse2(crate::expand::respan(p.place.to_token_stream(), e.span())).ok()
    }

    /// What the parameter `e` names stands for as a whole: `&mut k1`, `&y`, or `x`.
    fn whole(&self, e: &Expr) -> Option<TokenStream> {
        let p = self.0.get(&name_of(e)?.to_string())?;
        let place = crate::expand::respan(p.place.to_token_stream(), e.span());
        let whole = match p.lent {
            Some(true) => quote!((&mut #place)),
            Some(false) => quote!((&#place)),
            None => place,
        };
        Some(crate::expand::respan(whole, e.span()))
    }
}

impl VisitMut for Through<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                if let Some(place) = self.place(&u.expr) {
                    *e = syn::parse_quote_spanned!(u.span()=> (#place));
                    return;
                }
            }
            // (The caller's place is not read again: its names are the caller's.)
            Expr::Index(i) => {
                if let Some(place) = self.place(&i.expr) {
                    *i.expr = place;
                    return self.visit_expr_mut(&mut i.index);
                }
            }
            Expr::Field(f) => {
                if let Some(place) = self.place(&f.base) {
                    *f.base = place;
                    return;
                }
            }
            Expr::MethodCall(m) => {
                if let Some(place) = self.place(&m.receiver) {
                    *m.receiver = place;
                    for a in &mut m.args {
                        self.visit_expr_mut(a);
                    }
                    return;
                }
            }
            Expr::Path(_) => {
                if let Some(whole) = self.whole(e) {
                    *e = syn::parse_quote!(#whole);
                }
                return;
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    /// In a macro's tokens (`debug_assert_eq!(dy.len(), n)`), the place for the name, not
    /// after a `.`.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = through_tokens(self.0, std::mem::take(&mut m.tokens));
    }
}

fn through_tokens(places: &HashMap<String, Place>, tokens: TokenStream) -> TokenStream {
    super::renames::replace_names(tokens, &|i| {
        let place = &places.get(&i.to_string())?.place;
        Some(quote!((#place)))
    })
}
