//! A value chosen by `if` (`let (lo, hi) = if c { (a, b) } else { (b, a) };`, `let p = if
//! c { P { .. } } else { q };`): its locals declared first (typed where the struct's fields
//! are numbers), each branch assigning them.

use super::*;

impl Split<'_> {
    /// `let (lo, hi) = if c { (a, b) } else { (b, a) };` (or `let d = if ..` of tuples or
    /// structs of one shape): the names declared first, and each branch's value assigned to
    /// them (`(lo, hi) = (a, b);`), as `tuples.rs` takes apart; `d` is held one local per
    /// element.
    pub(super) fn split_if(
        &mut self,
        pat: &Pat,
        init: &Expr,
        uses: &mut Scope,
    ) -> Option<Vec<syn::Stmt>> {
        let Expr::If(written) = strip(init) else {
            return None;
        };
        // Asked of the `if` as written first: one that is not split is visited once, by
        // the caller.
        self.tail_keys(written)?;
        let mut value = strip(init).clone();
        self.visit_expr_mut(&mut value);
        let Expr::If(mut branches) = value else {
            return None;
        };
        let keys = self.tail_keys(&branches)?;
        let mut lets = Vec::new();
        let targets: Vec<(Ident, bool)> = match pat {
            Pat::Tuple(names) if names.elems.len() == keys.len() && keys[0] == "0" => {
                let mut targets = Vec::new();
                for p in &names.elems {
                    let (name, mutable, None) = plain_binding(p)? else {
                        return None;
                    };
                    lets.push(syn::parse_quote!(let #name;));
                    targets.push((name.clone(), mutable));
                }
                targets
            }
            _ => {
                let (name, mutable, None) = plain_binding(pat)? else {
                    return None;
                };
                if !uses
                    .remove(&name.to_string())
                    .unwrap_or_default()
                    .allow(&keys)
                {
                    return None;
                }
                let path = self.tail_path(&branches);
                // A struct of numbers: each field's type written on its local.
                let fields = path
                    .as_ref()
                    .and_then(|p| p.get_ident())
                    .and_then(|s| crate::source::number_struct_fields(&self.caller, s))
                    .unwrap_or_default();
                let mut elems = Vec::new();
                for key in &keys {
                    let local = Ident::new(
                        &crate::names::unused(self.taken, &format!("{name}_{key}")),
                        name.span(),
                    );
                    let ty = fields.iter().find(|(f, _)| f == key);
                    lets.push(match ty.and_then(|(_, t)| syn::parse_str::<Type>(t).ok()) {
                        Some(ty) => syn::parse_quote!(let #local: #ty;),
                        None => syn::parse_quote!(let #local;),
                    });
                    elems.push((key.clone(), local));
                }
                let targets = elems.iter().map(|(_, l)| (l.clone(), mutable)).collect();
                self.env.push(Aggregate {
                    name: name.to_string(),
                    path,
                    elems,
                });
                targets
            }
        };
        let names: Vec<Ident> = targets.iter().map(|(t, _)| t.clone()).collect();
        assign_tails(&mut branches, &keys, &names);
        lets.push(syn::Stmt::Expr(Expr::If(branches), None));
        // A declaration without a value is not `mut`: mutable, it is bound again after.
        for (t, _) in targets.iter().filter(|(_, mutable)| *mutable) {
            lets.push(syn::parse_quote!(let mut #t = #t;));
        }
        Some(lets)
    }

    /// The keys every branch of an `if` .. `else` ends with (a tuple or a struct written
    /// out, the same keys in each), in the first branch's order.
    fn tail_keys(&self, i: &syn::ExprIf) -> Option<Vec<String>> {
        let (_, other) = i.else_branch.as_ref()?;
        let keys = match i.then_branch.stmts.last()? {
            syn::Stmt::Expr(tail, None) => self.keys_of(tail)?,
            _ => return None,
        };
        let rest = match strip(other) {
            Expr::If(inner) => self.tail_keys(inner)?,
            Expr::Block(b) => match b.block.stmts.last()? {
                syn::Stmt::Expr(tail, None) => self.keys_of(tail)?,
                _ => return None,
            },
            _ => return None,
        };
        let same = rest.len() == keys.len() && rest.iter().all(|k| keys.contains(k));
        same.then_some(keys)
    }

    /// The keys of an aggregate value, written out or held.
    fn keys_of(&self, e: &Expr) -> Option<Vec<String>> {
        let (_, elems) = self.aggregate_value(e)?;
        Some(elems.into_iter().map(|(k, _)| k).collect())
    }

    /// The struct's path of an `if`'s first branch's value (`None` for a tuple).
    fn tail_path(&self, i: &syn::ExprIf) -> Option<syn::Path> {
        match i.then_branch.stmts.last()? {
            syn::Stmt::Expr(tail, None) => self.aggregate_value(tail)?.0,
            _ => None,
        }
    }
}

/// Each branch's value, a tuple or struct written out, assigned to `targets` by `keys`
/// instead (`(lo, hi) = (a, b);`).
fn assign_tails(i: &mut syn::ExprIf, keys: &[String], targets: &[Ident]) {
    fn assign(block: &mut syn::Block, keys: &[String], targets: &[Ident]) {
        let Some(syn::Stmt::Expr(tail, None)) = block.stmts.pop() else {
            return;
        };
        // A value written out, by key; else a copy of data (`st`, `init[i]`), by field.
        let values: Vec<Expr> = match written(&tail) {
            Some((_, values)) => keys
                .iter()
                .filter_map(|k| values.iter().find(|(w, _)| w == k).map(|(_, v)| v.clone()))
                .collect(),
            None => keys
                .iter()
                .map(|k| {
                    let member: syn::Member = syn::parse_str(k).expect("a field's key");
                    super::copies::field_of(&tail, &member)
                })
                .collect(),
        };
        block
            .stmts
            .push(syn::parse_quote!((#(#targets),*) = (#(#values),*);));
    }
    assign(&mut i.then_branch, keys, targets);
    if let Some((_, other)) = &mut i.else_branch {
        match &mut **other {
            Expr::If(inner) => assign_tails(inner, keys, targets),
            Expr::Block(b) => assign(&mut b.block, keys, targets),
            _ => {}
        }
    }
}
