//! An item that is a tuple (the pairs of `x.iter().zip(y)`, of `.enumerate()`, of two walks
//! of windows zipped) bound to one name and read through its elements (`|p| p.0 * p.1`,
//! `|(i, p)| p.1 * i as f64`): the name taken apart into one name per element read, bound
//! as a tuple pattern's names are.

use super::*;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// The names of an item's pattern that hold tuples a body reads by their elements (`p`
/// of `|p| p.0 * p.1`, of `|(i, p)| p.0 * i as f64`), each with the elements it reads.
pub(super) struct Elements {
    pat: Pat,
    names: Vec<Named>,
}

/// One name bound to a tuple, and the elements read of it (`p.0`, `p.1.0`), each with the
/// name it is read by once taken apart.
struct Named {
    name: String,
    read: Vec<(Vec<usize>, Ident)>,
}

impl Elements {
    /// The names of `pat` (a plain name, or one in a tuple pattern) whose elements `body`
    /// reads, each element given a fresh name; `None` where there are none.
    pub(super) fn of(cx: &mut dyn Context, pat: &Pat, body: &[syn::Stmt]) -> Option<Elements> {
        let mut names = Vec::new();
        for ident in plain_names(pat) {
            let name = ident.to_string();
            let mut paths = Paths {
                name: &name,
                found: Vec::new(),
            };
            for stmt in body {
                paths.visit_stmt(stmt);
            }
            let read: Vec<_> = paths
                .found
                .into_iter()
                .map(|path| {
                    let suffix: Vec<String> = path.iter().map(usize::to_string).collect();
                    let leaf = cx.fresh(&format!("{name}_{}", suffix.join("_")));
                    (path, leaf)
                })
                .collect();
            if !read.is_empty() {
                names.push(Named { name, read });
            }
        }
        (!names.is_empty()).then(|| Elements {
            pat: pat.clone(),
            names,
        })
    }

    /// [`Elements::of`] a closure's body.
    pub(super) fn of_expr(cx: &mut dyn Context, pat: &Pat, body: &Expr) -> Option<Elements> {
        Elements::of(cx, pat, &[syn::Stmt::Expr(body.clone(), None)])
    }

    /// The pattern with each such name a tuple pattern binding the elements read (`(p_0,
    /// p_1)`, `_` for one not read) of its part of `value`, and `body` reading those names,
    /// where that part is a tuple with those elements and every use of the name in `body`
    /// is one of them (none shadows it, none passes it whole); otherwise `None`, `body`
    /// unchanged.
    pub(super) fn take_apart(&self, value: &Value, body: &mut [syn::Stmt]) -> Option<Pat> {
        let pattern = self.rebuild(&self.pat, value)?;
        let mut taken = body.to_vec();
        for named in &self.names {
            let mut replace = Replace { named, replaced: 0 };
            for stmt in &mut taken {
                replace.visit_stmt_mut(stmt);
            }
            let uses: usize = body
                .iter()
                .map(|s| mentions(s.to_token_stream(), &named.name))
                .sum();
            if replace.replaced != uses {
                return None;
            }
        }
        body.clone_from_slice(&taken);
        Some(syn::parse_quote!(#pattern))
    }

    /// [`Elements::take_apart`] of a closure's body.
    pub(super) fn take_apart_expr(&self, value: &Value, body: &mut Expr) -> Option<Pat> {
        let mut stmts = [syn::Stmt::Expr(body.clone(), None)];
        let pat = self.take_apart(value, &mut stmts)?;
        let [syn::Stmt::Expr(taken, None)] = stmts else {
            return None;
        };
        *body = taken;
        Some(pat)
    }

    /// `pat` matched against `value`, each name whose elements are read as their pattern.
    fn rebuild(&self, pat: &Pat, value: &Value) -> Option<TokenStream> {
        match (pat, value) {
            // A type written on the pattern (`|p: (&f64, &f64)|`): the value's own.
            (Pat::Paren(p), v) => self.rebuild(&p.pat, v),
            (Pat::Type(t), v) => self.rebuild(&t.pat, v),
            (Pat::Tuple(t), Value::Tuple(vs)) if t.elems.len() == vs.len() => {
                let parts = t.elems.iter().zip(vs).map(|(p, v)| self.rebuild(p, v));
                let parts: Vec<TokenStream> = parts.collect::<Option<_>>()?;
                Some(quote!((#(#parts),*)))
            }
            (Pat::Ident(p), v) => match self.names.iter().find(|n| p.ident == n.name) {
                Some(named) => {
                    let Value::Tuple(_) = v else {
                        return None;
                    };
                    let mut bound = 0;
                    let pattern = named.pattern(v, &mut Vec::new(), &mut bound);
                    (bound == named.read.len()).then_some(pattern)
                }
                None => Some(quote!(#p)),
            },
            (other, _) => Some(quote!(#other)),
        }
    }
}

impl Named {
    /// The pattern of `value`'s shape: the names of the elements read, `_` elsewhere;
    /// `bound` counts the names placed.
    fn pattern(&self, value: &Value, path: &mut Vec<usize>, bound: &mut usize) -> TokenStream {
        match value {
            Value::Tuple(vs) => {
                let parts = vs.iter().enumerate().map(|(k, v)| {
                    path.push(k);
                    let part = self.pattern(v, path, bound);
                    path.pop();
                    part
                });
                let parts: Vec<TokenStream> = parts.collect();
                quote!((#(#parts),*))
            }
            _ => match self.read.iter().find(|(p, _)| p == path) {
                Some((_, leaf)) => {
                    *bound += 1;
                    quote!(#leaf)
                }
                None => quote!(_),
            },
        }
    }
}

/// A `for` loop's item that is a pair of two walks of stretches (`for p in
/// x.windows(2).zip(y.chunks(2))`) bound to one name its body reads only by elements
/// (`p.0[1]`): the pattern binding the elements read (`(p_0, p_1)`, `_` for one not read)
/// and the body reading them.
pub(in crate::lower) fn pair_taken_apart(
    cx: &mut dyn Context,
    pat: &Pat,
    body: &[syn::Stmt],
) -> Option<(Pat, Vec<syn::Stmt>)> {
    let read = pairs::Elements::of(cx, pat, body)?;
    let mut body = body.to_vec();
    let pair = Value::Tuple(vec![
        Value::One(TokenStream::new()),
        Value::One(TokenStream::new()),
    ]);
    let pat = read.take_apart(&pair, &mut body)?;
    Some((pat, body))
}

/// The error for a pair bound to one name and used whole.
const PAIR_WHOLE: &str = "#[differentiate] reads a chain's pair (of `.zip(..)` or `.enumerate()`) bound to one name through its elements (`|p| p.0 * p.1`) or a tuple pattern (`|(a, b)| a * b`); it is not passed on or used whole";

/// `let`s binding `value` to `pat` ([`bind`]); where `pat` is one name for a pair its body
/// uses whole (`|p| f(p)`, `|p: (&f64, &f64)| f(p)`), the error that says how to take it
/// apart, reported at the name (an empty binding then stands in, so no second error
/// follows).
pub(super) fn bind_item(cx: &mut dyn Context, pat: &Pat, value: Value) -> Option<TokenStream> {
    let named = match pat {
        Pat::Type(t) => &*t.pat,
        p => p,
    };
    let whole = matches!((named, &value), (Pat::Ident(_), Value::Tuple(_)));
    match bind(pat, value) {
        None if whole => {
            cx.error(pat.span(), PAIR_WHOLE);
            Some(TokenStream::new())
        }
        bound => bound,
    }
}

/// The plain names a pattern binds directly or in tuple patterns (not by reference, not
/// `mut`).
fn plain_names(pat: &Pat) -> Vec<&Ident> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() => {
            vec![&p.ident]
        }
        Pat::Paren(p) => plain_names(&p.pat),
        Pat::Type(t) => plain_names(&t.pat),
        Pat::Tuple(t) => t.elems.iter().flat_map(plain_names).collect(),
        _ => Vec::new(),
    }
}

/// `p.1.0` as `("p", [1, 0])`.
fn element(e: &Expr) -> Option<(&Ident, Vec<usize>)> {
    match e {
        Expr::Field(f) => {
            let syn::Member::Unnamed(index) = &f.member else {
                return None;
            };
            let (root, mut path) = element(&f.base)?;
            path.push(index.index as usize);
            Some((root, path))
        }
        Expr::Path(p) if p.qself.is_none() => Some((p.path.get_ident()?, Vec::new())),
        _ => None,
    }
}

/// How many times `name` appears in `tokens`.
fn mentions(tokens: TokenStream, name: &str) -> usize {
    tokens
        .into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Ident(i) => usize::from(i == name),
            proc_macro2::TokenTree::Group(g) => mentions(g.stream(), name),
            _ => 0,
        })
        .sum()
}

/// Finds the elements of `name` read (the outermost path of each `p.1.0`).
struct Paths<'a> {
    name: &'a str,
    found: Vec<Vec<usize>>,
}

impl<'ast> Visit<'ast> for Paths<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if let Some((root, path)) = element(e)
            && root == self.name
            && !path.is_empty()
        {
            if !self.found.contains(&path) {
                self.found.push(path);
            }
            return;
        }
        syn::visit::visit_expr(self, e);
    }
}

/// Replaces each element read of one name by its own name.
struct Replace<'a> {
    named: &'a Named,
    replaced: usize,
}

impl VisitMut for Replace<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Some((root, path)) = element(e)
            && root == self.named.name.as_str()
            && let Some((_, leaf)) = self.named.read.iter().find(|(p, _)| *p == path)
        {
            *e = syn::parse_quote!(#leaf);
            self.replaced += 1;
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}
