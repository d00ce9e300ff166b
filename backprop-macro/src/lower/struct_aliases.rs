//! A second name for a struct parameter, `let c = b;` (or `&b`, `*b`; `b: P` or `b: &P`;
//! several at once, `let (c, d) = (a, &b);`), read as the parameter itself for the rest of
//! its block: `c.x` is `b.x`. The macro reads a parameter's fields by their chains from its
//! name (`fields.rs`), so through another name they were read as constants, a silent loss
//! of derivative; inlined methods bind a struct argument this way too (`a.dot(&b)` binds
//! `o` to `b`). Not when the binding is `mut`, the function binds the parameter's name
//! again anywhere, or the rest of the block binds the new name again: those stay, an error
//! in lowering. A tuple binding some names to struct parameters and others to values, `let
//! (c, d) = (a, 2.0 * x);`, keeps the rest as its own `let d = 2.0 * x;` when no value reads
//! a name the pattern binds.

use super::helpers::{Bound, Rename};
use super::*;
use std::collections::HashMap;

/// Rewrites every such binding in `block`, for the struct parameters of `sig`.
pub(super) fn desugar(block: &mut syn::Block, sig: &syn::Signature) {
    let mut bound = Vec::new();
    Bound(&mut bound).visit_block(block);
    let params: HashSet<String> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) if is_struct(&t.ty) => match &*t.pat {
                Pat::Ident(i) => Some(i.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .filter(|p| !bound.contains(p))
        .collect();
    if !params.is_empty() {
        Aliases { params }.visit_block_mut(block);
    }
}

/// A struct's type, by value or by shared reference (`P`, `&Pendulum`, `&Lin<T>`): a path
/// of one capitalized segment that is none of the containers a parameter may be.
fn is_struct(ty: &Type) -> bool {
    let ty = match ty {
        Type::Reference(r) if r.mutability.is_none() => &*r.elem,
        ty => ty,
    };
    let Type::Path(p) = ty else { return false };
    let [segment] = &p.path.segments.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let name = segment.ident.to_string();
    const CONTAINERS: [&str; 6] = ["Vec", "Option", "Box", "String", "Rc", "Arc"];
    p.qself.is_none()
        && name.starts_with(char::is_uppercase)
        && !name.starts_with("Array")
        && !CONTAINERS.contains(&name.as_str())
}

struct Aliases {
    params: HashSet<String>,
}

impl Aliases {
    /// `let c = b;`, `let c: &P = &b;`, `let c = *b;` of a struct parameter: `c` and `b`;
    /// `let (c, d) = (a, &b);`: each pair, when every element is one.
    fn aliases(&self, stmt: &syn::Stmt) -> Option<Vec<(String, Ident)>> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        let pat = match &local.pat {
            Pat::Type(t) => &*t.pat,
            pat => pat,
        };
        match (pat, strip(&init.expr)) {
            (Pat::Tuple(names), Expr::Tuple(values)) if names.elems.len() == values.elems.len() => {
                names
                    .elems
                    .iter()
                    .zip(&values.elems)
                    .map(|(name, value)| self.alias(name, value))
                    .collect()
            }
            (pat, value) => Some(vec![self.alias(pat, value)?]),
        }
    }

    /// `let (c, d) = (a, 2.0 * x);` with `a` a struct parameter: its aliases (`c`: `a`), and
    /// the `let` of the other names (`let d = 2.0 * x;`, or a tuple of them). Only when some
    /// but not all of the names are aliases, no value reads a name the pattern binds (the
    /// values are all evaluated before any name is bound), and no type is written.
    fn mixed(&self, stmt: &syn::Stmt) -> Option<(Vec<(String, Ident)>, syn::Stmt)> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        let (Pat::Tuple(names), Expr::Tuple(values)) = (&local.pat, strip(&init.expr)) else {
            return None;
        };
        if names.elems.len() != values.elems.len() {
            return None;
        }
        let mut bound = Vec::new();
        Bound(&mut bound).visit_pat(&local.pat);
        let reads_bound = |e: &Expr| {
            let tokens = e.to_token_stream();
            bound
                .iter()
                .any(|n| mentions(&tokens, &Ident::new(n, Span::call_site())))
        };
        let (mut aliases, mut rest) = (Vec::new(), Vec::new());
        for (name, value) in names.elems.iter().zip(&values.elems) {
            match self.alias(name, value) {
                Some(pair) => aliases.push(pair),
                None if reads_bound(value) => return None,
                None => rest.push((name, value)),
            }
        }
        if aliases.is_empty() || rest.is_empty() {
            return None;
        }
        let attrs = &local.attrs;
        let stmt = match rest.as_slice() {
            [(name, value)] => {
                syn::parse_quote_spanned!(local.span()=> #(#attrs)* let #name = #value;)
            }
            _ => {
                let (names, values): (Vec<_>, Vec<_>) = rest.into_iter().unzip();
                syn::parse_quote_spanned!(local.span()=> #(#attrs)* let (#(#names),*) = (#(#values),*);)
            }
        };
        Some((aliases, stmt))
    }

    /// One name bound to one value, if it is a struct parameter's.
    fn alias(&self, pat: &Pat, value: &Expr) -> Option<(String, Ident)> {
        let Pat::Ident(name) = pat else { return None };
        if name.mutability.is_some() || name.by_ref.is_some() || name.subpat.is_some() {
            return None;
        }
        let value = match strip(value) {
            Expr::Reference(r) if r.mutability.is_none() => strip(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
            value => value,
        };
        let Expr::Path(p) = value else { return None };
        let param = p.path.get_ident().filter(|_| p.qself.is_none())?;
        self.params
            .contains(&param.to_string())
            .then(|| (name.ident.to_string(), param.clone()))
    }
}

impl VisitMut for Aliases {
    /// One pass over the statements, each read with the aliases before it as their
    /// parameters; what the statements after an alias bind is counted once for the block
    /// and counted down as the pass goes (linear in the block's length).
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        if !block
            .stmts
            .iter()
            .any(|s| self.aliases(s).is_some() || self.mixed(s).is_some())
        {
            return;
        }
        let binds: Vec<Vec<String>> = block
            .stmts
            .iter()
            .map(|stmt| {
                let mut bound = Vec::new();
                Bound(&mut bound).visit_stmt(stmt);
                bound
            })
            .collect();
        let mut later: HashMap<String, usize> = HashMap::new();
        for name in binds.iter().flatten() {
            *later.entry(name.clone()).or_default() += 1;
        }
        let mut renames: HashMap<String, Ident> = HashMap::new();
        let stmts = std::mem::take(&mut block.stmts);
        for (mut stmt, bound) in stmts.into_iter().zip(binds) {
            for name in bound {
                *later.entry(name).or_default() -= 1;
            }
            if let Some(pairs) = self.aliases(&stmt)
                && pairs
                    .iter()
                    .all(|(name, _)| later.get(name).is_none_or(|&n| n == 0))
            {
                renames.extend(pairs);
                continue;
            }
            if let Some((pairs, rest)) = self.mixed(&stmt)
                && pairs
                    .iter()
                    .all(|(name, _)| later.get(name).is_none_or(|&n| n == 0))
            {
                renames.extend(pairs);
                stmt = rest;
            }
            if !renames.is_empty() {
                rename_stmt(&renames, &mut stmt);
            }
            block.stmts.push(stmt);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `renames` applied to a statement, macros' tokens too.
fn rename_stmt(renames: &HashMap<String, Ident>, stmt: &mut syn::Stmt) {
    Rename(renames).visit_stmt_mut(stmt);
}
