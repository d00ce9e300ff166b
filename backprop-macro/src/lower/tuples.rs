//! `let` with a tuple pattern, from a tuple of values or from `x.sin_cos()`, or with an
//! array pattern (`let [x, y, z] = p;`), as one `let` per name, and `(a, b) = (b, a);` as one assignment per place: `let (s, c) = x.sin_cos();` is `let s = x.sin(); let c = x.cos();` (what the
//! standard library computes). Values that read a name the pattern rebinds (`let (a, b) =
//! (b, a);`) go through temporaries first, so every value is the one before the `let`.

use super::nested_grads::{GradFields, SequenceFields, jvp_call, nested_grad};
use super::*;

/// Returns the temporaries that hold a call's tuple result (`let value = f(x);` before
/// `let a = value[0];`): the call's value is converted to the array it is computed as.
pub(super) fn desugar(
    block: &mut syn::Block,
    caller: &Ident,
    taken: &mut HashSet<String>,
    errors: &mut Errors,
) -> BTreeSet<String> {
    let caller = caller.to_string();
    let mut rewrite = Rewrite {
        caller: &caller,
        taken,
        tuple_values: BTreeSet::new(),
        errors,
    };
    rewrite.visit_block_mut(block);
    rewrite.tuple_values
}

struct Rewrite<'a> {
    /// The differentiated function's name.
    caller: &'a str,
    taken: &'a mut HashSet<String>,
    tuple_values: BTreeSet<String>,
    errors: &'a mut Errors,
}

const NESTED_GRAD_FIELDS: &str = "#[differentiate] differentiates a nested `grad` through the gradient's fields (`g.x`, `g.q[i]`, `g.q.iter()`), for a function whose differentiable parameters are floats and slices of floats; its gradient is not used whole (read its fields)";

impl Rewrite<'_> {
    /// A nested `f::grad` or `f::jvp` (`item`) of a function `f` the file shows
    /// differentiated without `hessian`: the error that says to add it (the call is still
    /// rewritten, so nothing else reports it).
    fn check_hessian(&mut self, module: &syn::Path, item: &str, span: Span) {
        if let Some(callee) = module.get_ident()
            && crate::source::lacks_hessian(self.caller, callee)
        {
            self.errors.at(
                span,
                format!(
                    "`{callee}::{item}` is called inside a differentiated function (nested differentiation), which goes through `{callee}`'s second derivatives: write `#[differentiate(hessian)]` on `{callee}`"
                ),
            );
        }
    }

    fn temporary(&mut self, span: Span) -> Ident {
        Ident::new(&crate::names::unused(self.taken, "value"), span)
    }

    /// `let (k, _) = d.iter().enumerate().min_by(..).unwrap();`: the index alone, an integer
    /// the comparison picks ([`super::methods::picks_index`]); `let (k, m) =
    /// x.iter().copied().enumerate().max_by(..).unwrap();`: the index, then the element at it.
    fn split_search(&mut self, names: &syn::PatTuple, init: &Expr) -> Option<Vec<syn::Stmt>> {
        let Expr::MethodCall(unwrap) = strip(init) else {
            return None;
        };
        let Expr::MethodCall(pick) = strip(&unwrap.receiver) else {
            return None;
        };
        let searched = ["unwrap", "expect"].iter().any(|u| unwrap.method == u)
            && ["min_by", "max_by"].iter().any(|p| pick.method == p)
            && super::methods::enumerated(&pick.receiver);
        let [k, value] = &names.elems.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        if !searched {
            return None;
        }
        let (i, method, args) = (
            self.temporary(pick.method.span()),
            &unwrap.method,
            &unwrap.args,
        );
        // (The index's pattern as written, `mut k` too; read by its name.)
        let (k, pattern): (Ident, Pat) = match k {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                (p.ident.clone(), (*k).clone())
            }
            Pat::Wild(_) if !matches!(value, Pat::Wild(_)) => {
                let t = self.temporary(pick.method.span());
                (t.clone(), syn::parse_quote!(#t))
            }
            _ => return None,
        };
        let index: syn::Stmt =
            syn::parse_quote!(let #pattern = #pick.map(|(#i, _)| #i).#method(#args););
        if let Pat::Wild(_) = value {
            return Some(vec![index]);
        }
        let Expr::MethodCall(enumerate) = strip(&pick.receiver) else {
            return None;
        };
        let (seq, by_ref) = walked_elements(&enumerate.receiver)?;
        // (`(k, &m)` of `x.iter()` takes the element by value.)
        let (value, element): (&Pat, Expr) = match (by_ref, value) {
            (true, Pat::Reference(r)) => (&r.pat, syn::parse_quote!(#seq[#k])),
            (true, value) => (value, syn::parse_quote!(&#seq[#k])),
            (false, value) => (value, syn::parse_quote!(#seq[#k])),
        };
        Some(vec![index, syn::parse_quote!(let #value = #element;)])
    }

    /// The `let`s for `pat = init`, or `None` when it is not a tuple of names and values.
    fn split(&mut self, local: &syn::Local) -> Option<Vec<syn::Stmt>> {
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            other => (other, None),
        };
        // `let [x, y, z] = p;`: an array's elements, one `let` each.
        if let Pat::Slice(names) = pat {
            return self.split_array(names, ty, &init.expr);
        }
        let Pat::Tuple(names) = pat else {
            return None;
        };
        if ty.is_none()
            && let Some(lets) = self.split_search(names, &init.expr)
        {
            return Some(lets);
        }
        if let Expr::Block(b) = strip(&init.expr) {
            return self.split_block(names, ty, b);
        }
        let mut prelude = Vec::new();
        let values: Vec<Expr> = match strip(&init.expr) {
            Expr::Tuple(t) => t.elems.iter().cloned().collect(),
            Expr::MethodCall(m) if m.method == "sin_cos" && m.args.is_empty() => {
                // The receiver once, then both.
                let receiver = match strip(&m.receiver) {
                    e @ Expr::Path(_) => e.clone(),
                    other => {
                        let r = self.temporary(m.method.span());
                        prelude.push(syn::parse_quote!(let #r = #other;));
                        syn::parse_quote!(#r)
                    }
                };
                vec![
                    syn::parse_quote!(#receiver.sin()),
                    syn::parse_quote!(#receiver.cos()),
                ]
            }
            // `let (a, b) = x.split_at(m);`: the two sub-slices, the receiver and the
            // middle computed once.
            Expr::MethodCall(m) if m.method == "split_at" && m.args.len() == 1 => {
                let mut once = |e: &Expr, prelude: &mut Vec<syn::Stmt>| -> Expr {
                    match strip(e) {
                        e @ (Expr::Path(_) | Expr::Lit(_)) => e.clone(),
                        other => {
                            let t = self.temporary(other.span());
                            prelude.push(syn::parse_quote!(let #t = #other;));
                            syn::parse_quote!(#t)
                        }
                    }
                };
                let seq = once(&m.receiver, &mut prelude);
                let mid = once(&m.args[0], &mut prelude);
                vec![
                    syn::parse_quote_spanned!(m.method.span()=> &#seq[..#mid]),
                    syn::parse_quote_spanned!(m.method.span()=> &#seq[#mid..]),
                ]
            }
            // `let (first, rest) = x.split_first().unwrap();`: `&x[0]` and `&x[1..]`.
            Expr::MethodCall(unwrap) if split_end(unwrap).is_some() => split_end(unwrap)?,
            // `let (v, d) = f::jvp(args, tangents);`: the array `f::__jvp_value(..)`, as
            // other generated code differentiates it (nested differentiation).
            Expr::Call(call) if jvp_call(call).is_some() => {
                let t = self.temporary(call.span());
                let path = jvp_call(call).expect("a jvp call");
                self.check_hessian(&path, "jvp", call.func.span());
                let args = &call.args;
                prelude.push(syn::parse_quote!(let #t = #path::__jvp_value(#args);));
                (0..names.elems.len())
                    .map(|i| syn::parse_quote!(#t[#i]))
                    .collect()
            }
            // `let (a, b) = f(x);` of a differentiated function's tuple result: the call
            // once, then its elements.
            call @ Expr::Call(_) => {
                let t = self.temporary(call.span());
                prelude.push(syn::parse_quote!(let #t = #call;));
                self.tuple_values.insert(t.to_string());
                (0..names.elems.len())
                    .map(|i| syn::parse_quote!(#t[#i]))
                    .collect()
            }
            _ => return None,
        };
        if values.len() != names.elems.len() {
            return None;
        }
        let types = element_types(ty, values.len())?;
        self.bind_each(names.elems.iter(), values, types, prelude)
    }

    /// `let (p, q) = { stmts; (a, b) };` (a closure returning a tuple, inlined, is one):
    /// the names declared first and assigned at the block's end, `let p; let q; { stmts; p
    /// = a; q = b; }`, through temporaries when the block mentions a name the pattern binds
    /// (and for a `mut` name).
    fn split_block(
        &mut self,
        names: &syn::PatTuple,
        ty: Option<&syn::Type>,
        b: &syn::ExprBlock,
    ) -> Option<Vec<syn::Stmt>> {
        let mut inner = b.block.stmts.clone();
        // A tail that is a block itself (a closure's body `{ let r = ..; (r, t) }`): its
        // statements go last in this one, where nothing after them reads what they bind.
        let values = loop {
            let Some(syn::Stmt::Expr(tail, None)) = inner.pop() else {
                return None;
            };
            match strip(&tail) {
                Expr::Tuple(values) => break values.clone(),
                Expr::Block(b) if b.label.is_none() => inner.extend(b.block.stmts.clone()),
                _ => return None,
            }
        };
        if b.label.is_some() || values.elems.len() != names.elems.len() {
            return None;
        }
        let types = element_types(ty, values.elems.len())?;
        let names_only = names.elems.iter().all(|p| match p {
            Pat::Ident(i) => i.subpat.is_none() && i.by_ref.is_none(),
            _ => matches!(p, Pat::Wild(_)),
        });
        if !names_only {
            return None;
        }
        let tokens = b.block.to_token_stream();
        let shadowed = names.elems.iter().any(|p| match p {
            Pat::Ident(i) => mentions(&tokens, &i.ident),
            _ => false,
        });
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for ((p, v), ty) in names.elems.iter().zip(&values.elems).zip(types) {
            let Pat::Ident(name) = p else {
                // `_`: the value is not kept (a tuple's elements have no effects).
                continue;
            };
            let ty = ty.map(|t| quote!(: #t));
            // (A `let mut` is declared with its value: through a temporary too.)
            let target = match shadowed || name.mutability.is_some() {
                true => {
                    let t = self.temporary(name.ident.span());
                    after.push(syn::parse_quote!(let #p #ty = #t;));
                    before.push(syn::parse_quote!(let #t;));
                    t
                }
                false => {
                    before.push(syn::parse_quote!(let #p #ty;));
                    name.ident.clone()
                }
            };
            inner.push(syn::parse_quote!(#target = #v;));
        }
        before.push(syn::Stmt::Expr(
            Expr::Block(syn::ExprBlock {
                attrs: b.attrs.clone(),
                label: None,
                block: syn::Block {
                    brace_token: b.block.brace_token,
                    stmts: inner,
                },
            }),
            None,
        ));
        before.extend(after);
        Some(before)
    }

    /// `let [a, b, c] = value;` (`value` an array literal, or anything indexed `value[i]`;
    /// a pattern with `..` is not one).
    fn split_array(
        &mut self,
        names: &syn::PatSlice,
        ty: Option<&syn::Type>,
        init: &Expr,
    ) -> Option<Vec<syn::Stmt>> {
        let n = names.elems.len();
        let mut prelude = Vec::new();
        let values: Vec<Expr> = match strip(init) {
            Expr::Array(a) if a.elems.len() == n => a.elems.iter().cloned().collect(),
            Expr::Array(_) => return None,
            other => {
                let array = match other {
                    e @ Expr::Path(_) => e.clone(),
                    // `let [x, y] = *pt;` of a row `pt: &[f64; 2]`: indexed through the
                    // reference.
                    Expr::Unary(u)
                        if matches!(u.op, syn::UnOp::Deref(_))
                            && matches!(strip(&u.expr), Expr::Path(_)) =>
                    {
                        strip(&u.expr).clone()
                    }
                    // `let [x0, y0] = w[0];` of a row of points: its elements indexed in
                    // place (`w[0][1]`), when the indices are names and literals the pattern
                    // does not bind; an index computed otherwise (`w[(i + 1) % n]`) is
                    // computed once first.
                    e @ Expr::Index(_) if indexed_place(e, names) => e.clone(),
                    e @ Expr::Index(_)
                        if let Some((place, indices)) = self.hoisted_place(e)
                            && indexed_place(&place, names) =>
                    {
                        prelude.extend(indices);
                        place
                    }
                    e => {
                        let t = self.temporary(e.span());
                        prelude.push(syn::parse_quote!(let #t = #e;));
                        syn::parse_quote!(#t)
                    }
                };
                (0..n)
                    .map(proc_macro2::Literal::usize_unsuffixed)
                    .map(|i| syn::parse_quote!(#array[#i]))
                    .collect()
            }
        };
        // Each element's type, when the `let` gives the array's: `let [a, b]: [f64; 2]`.
        let elem = match ty {
            Some(syn::Type::Array(a)) => Some((*a.elem).clone()),
            Some(_) => return None,
            None => None,
        };
        self.bind_each(names.elems.iter(), values, vec![elem; n], prelude)
    }

    /// `w[(i + 1) % n]` as `w[t]`, and `let t = (i + 1) % n;` (for each index that is not
    /// a name or a literal), where the indexed sequence is named by a path.
    fn hoisted_place(&mut self, e: &Expr) -> Option<(Expr, Vec<syn::Stmt>)> {
        let mut prelude = Vec::new();
        let place = self.hoisted_into(e, &mut prelude)?;
        Some((place, prelude))
    }

    fn hoisted_into(&mut self, e: &Expr, prelude: &mut Vec<syn::Stmt>) -> Option<Expr> {
        match strip(e) {
            Expr::Index(ix) => {
                let base = self.hoisted_into(&ix.expr, prelude)?;
                let index = match strip(&ix.index) {
                    i @ (Expr::Path(_) | Expr::Lit(_)) => i.clone(),
                    Expr::Range(_) => return None,
                    other => {
                        let t = crate::names::unused(self.taken, "index");
                        let t = Ident::new(&t, other.span());
                        prelude.push(syn::parse_quote!(let #t = #other;));
                        syn::parse_quote!(#t)
                    }
                };
                Some(syn::parse_quote!(#base[#index]))
            }
            p @ Expr::Path(_) => Some(p.clone()),
            _ => None,
        }
    }

    /// `let name = value;` for each name (`_` skipped), through temporaries when a value
    /// reads a name the pattern binds.
    fn bind_each<'p>(
        &mut self,
        pats: impl Iterator<Item = &'p Pat> + Clone,
        values: Vec<Expr>,
        types: Vec<Option<syn::Type>>,
        prelude: Vec<syn::Stmt>,
    ) -> Option<Vec<syn::Stmt>> {
        let mut bound = Vec::new();
        for p in pats.clone() {
            match p {
                Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                    bound.push(i.ident.clone())
                }
                Pat::Wild(_) => {}
                _ => return None,
            }
        }
        let reads_bound = values.iter().any(|v| {
            let tokens = v.to_token_stream();
            bound.iter().any(|b| mentions(&tokens, b))
        });
        let mut stmts = prelude;
        let mut values = values;
        if reads_bound {
            for v in &mut values {
                let t = self.temporary(v.span());
                stmts.push(syn::parse_quote!(let #t = #v;));
                *v = syn::parse_quote!(#t);
            }
        }
        for ((p, v), ty) in pats.zip(values).zip(types) {
            // `_`: nothing bound (the values have no effects).
            if matches!(p, Pat::Wild(_)) {
                continue;
            }
            stmts.push(match ty {
                Some(ty) => syn::parse_quote!(let #p: #ty = #v;),
                None => syn::parse_quote!(let #p = #v;),
            });
        }
        Some(stmts)
    }
}

impl Rewrite<'_> {
    /// `(a, b) = (b, a);` or `[a, b] = [b, a];`: every value into a temporary, then each
    /// assigned.
    fn split_assign(&mut self, a: &syn::ExprAssign) -> Option<Vec<syn::Stmt>> {
        let elems = |e: &Expr| match strip(e) {
            Expr::Tuple(t) => Some((true, t.elems.iter().cloned().collect::<Vec<_>>())),
            Expr::Array(a) => Some((false, a.elems.iter().cloned().collect())),
            _ => None,
        };
        let ((tuple, places), (values_tuple, values)) = (elems(&a.left)?, elems(&a.right)?);
        if tuple != values_tuple || places.len() != values.len() {
            return None;
        }
        let mut stmts: Vec<syn::Stmt> = Vec::new();
        let mut temporaries = Vec::new();
        for v in &values {
            let t = self.temporary(v.span());
            stmts.push(syn::parse_quote!(let #t = #v;));
            temporaries.push(t);
        }
        for (p, t) in places.iter().zip(temporaries) {
            if !matches!(p, Expr::Infer(_)) {
                stmts.push(syn::parse_quote!(#p = #t;));
            }
        }
        Some(stmts)
    }
}

/// Each element's type, when the `let` gives the tuple's (`let (a, b): (f64, f64)`), for a
/// tuple of `n`; `None` for a type of another shape.
fn element_types(ty: Option<&syn::Type>, n: usize) -> Option<Vec<Option<syn::Type>>> {
    match ty {
        Some(syn::Type::Tuple(t)) if t.elems.len() == n => {
            Some(t.elems.iter().cloned().map(Some).collect())
        }
        Some(_) => None,
        None => Some(vec![None; n]),
    }
}

/// `w[0]`, `m[i][j]`: elements of a name by names and literals, none of them one the
/// pattern `names` binds (its later elements would read the new one).
fn indexed_place(e: &Expr, names: &syn::PatSlice) -> bool {
    let mut bound = HashSet::new();
    collect_idents(names.to_token_stream(), &mut bound);
    let mut read = HashSet::new();
    collect_idents(e.to_token_stream(), &mut read);
    fn pure(e: &Expr) -> bool {
        match strip(e) {
            Expr::Index(i) => {
                pure(&i.expr) && matches!(strip(&i.index), Expr::Path(_) | Expr::Lit(_))
            }
            Expr::Path(p) => p.path.get_ident().is_some(),
            _ => false,
        }
    }
    pure(e) && bound.is_disjoint(&read)
}

/// `x.iter()` (its items references: `true`), `x.iter().copied()`, `x.iter().cloned()` or
/// `x.into_iter()` of a sequence named by a path (`x`, `self.w`): the sequence.
fn walked_elements(e: &Expr) -> Option<(Expr, bool)> {
    let Expr::MethodCall(m) = strip(e) else {
        return None;
    };
    let named = |e: &Expr| matches!(strip(e), Expr::Path(_) | Expr::Field(_));
    match (m.method.to_string().as_str(), strip(&m.receiver)) {
        ("iter", seq) if m.args.is_empty() && named(seq) => Some((seq.clone(), true)),
        ("into_iter", seq) if m.args.is_empty() && named(seq) => Some((seq.clone(), false)),
        ("copied" | "cloned", Expr::MethodCall(iter))
            if m.args.is_empty()
                && iter.method == "iter"
                && iter.args.is_empty()
                && named(&iter.receiver) =>
        {
            Some(((*iter.receiver).clone(), false))
        }
        _ => None,
    }
}

/// `x.split_first().unwrap()` (or `split_last`, or `.expect(..)`) of a sequence bound to a
/// name: the element and the sub-slice, `&x[0]` and `&x[1..]`.
fn split_end(unwrap: &syn::ExprMethodCall) -> Option<Vec<Expr>> {
    let Expr::MethodCall(m) = strip(&unwrap.receiver) else {
        return None;
    };
    let seq = strip(&m.receiver);
    let split = ["unwrap", "expect"].iter().any(|u| unwrap.method == u)
        && ["split_first", "split_last"].iter().any(|s| m.method == s)
        && m.args.is_empty()
        && matches!(seq, Expr::Path(_));
    let span = m.method.span();
    match (split, m.method == "split_first") {
        (false, _) => None,
        (true, true) => Some(vec![
            syn::parse_quote_spanned!(span=> &#seq[0]),
            syn::parse_quote_spanned!(span=> &#seq[1..]),
        ]),
        (true, false) => Some(vec![
            syn::parse_quote_spanned!(span=> &#seq[#seq.len() - 1]),
            syn::parse_quote_spanned!(span=> &#seq[..#seq.len() - 1]),
        ]),
    }
}

/// `swap(&mut a, &mut b)` (`mem::swap`, `std::mem::swap`, `core::mem::swap`) as the
/// assignment `(a, b) = (b, a)`.
fn mem_swap(c: &syn::ExprCall) -> Option<syn::ExprAssign> {
    if !is_mem_call(c, "swap") || c.args.len() != 2 {
        return None;
    }
    let [a, b] = [&c.args[0], &c.args[1]].map(mut_borrowed);
    let (a, b) = (a?, b?);
    Some(syn::parse_quote!((#a, #b) = (#b, #a)))
}

/// `std::mem::replace(&mut a, value)` (a place and the value it gets: the old value is
/// `a` as it was, read before the assignment; the borrow keeps `value` from reading `a`).
fn mem_replace(c: &syn::ExprCall) -> Option<(Expr, Expr)> {
    if !is_mem_call(c, "replace") || c.args.len() != 2 {
        return None;
    }
    Some((mut_borrowed(&c.args[0])?, c.args[1].clone()))
}

/// A call of `std::mem::{name}` (`mem::{name}`, `{name}`, `core::mem::{name}`).
fn is_mem_call(c: &syn::ExprCall, name: &str) -> bool {
    let Expr::Path(f) = strip(&c.func) else {
        return false;
    };
    let names: Vec<String> = f
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [n] | ["mem", n] | ["std" | "core", "mem", n] => n == name,
        _ => false,
    }
}

/// `&mut place`: the place.
fn mut_borrowed(arg: &Expr) -> Option<Expr> {
    match strip(arg) {
        Expr::Reference(r) if r.mutability.is_some() => Some((*r.expr).clone()),
        _ => None,
    }
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut rest: std::collections::VecDeque<syn::Stmt> =
            std::mem::take(&mut block.stmts).into();
        while let Some(stmt) = rest.pop_front() {
            // Nested differentiation: `let (v, g) = f::grad(args);` read as the array
            // `f::__grad(args)`, its fields by index.
            if let syn::Stmt::Local(local) = &stmt
                && let Some((module, v, g, args, grad_span)) = nested_grad(local)
            {
                self.check_hessian(&module, "grad", grad_span);
                // Named after the function: `potential_grad`.
                let base = module
                    .segments
                    .last()
                    .map_or_else(|| "grad".to_string(), |s| format!("{}_grad", s.ident));
                let array = Ident::new(&crate::names::unused(self.taken, &base), g.span());
                let mut later: Vec<syn::Stmt> = rest.iter().cloned().collect();
                let mut fields = GradFields {
                    g,
                    array: &array,
                    module: &module,
                    sequences: Vec::new(),
                    whole: None,
                };
                let scope = scope_of(&later, g);
                let mut sequences = SequenceFields {
                    fields: &fields,
                    found: Vec::new(),
                };
                for s in &later[..scope] {
                    sequences.visit_stmt(s);
                }
                let found = sequences.found;
                fields.sequences = found
                    .into_iter()
                    .map(|field| {
                        let name = crate::names::unused(self.taken, &format!("{g}_{field}"));
                        let slice = Ident::new(&name, field.span());
                        (field, slice)
                    })
                    .collect();
                for s in &mut later[..scope] {
                    fields.visit_stmt_mut(s);
                }
                // (The statement is left out: the error is the one to read.)
                if let Some(misuse) = fields.whole {
                    self.errors.spanned(misuse, NESTED_GRAD_FIELDS);
                    continue;
                }
                // Named at the user's `grad`, where an error about it belongs.
                let item = Ident::new("__grad", grad_span);
                block
                    .stmts
                    .push(syn::parse_quote!(let #array = #module::#item(#(#args),*);));
                if !matches!(v, Pat::Wild(_)) {
                    block.stmts.push(syn::parse_quote!(let #v = #array[0];));
                }
                // A sequence's gradient: the vector's slice from where it starts to where it
                // ends (by the arguments' lengths).
                for (field, slice) in &fields.sequences {
                    let seqs = Ident::new("__grad_seqs", field.span());
                    let [start, end] = [quote!(start), quote!(end)]
                        .map(|at| quote!(#module::#seqs::#at::#field(#(#args),*)));
                    block
                        .stmts
                        .push(syn::parse_quote!(let #slice = &#array[#start..#end];));
                }
                rest = later.into();
                continue;
            }
            let split = match &stmt {
                // `let old = std::mem::replace(&mut a, value);`: `let old = a; a = value;`.
                syn::Stmt::Local(local)
                    if let Some(init) = local.init.as_ref().filter(|i| i.diverge.is_none())
                        && let Expr::Call(c) = strip(&init.expr)
                        && let Some((place, value)) = mem_replace(c) =>
                {
                    let (attrs, pat) = (&local.attrs, &local.pat);
                    Some(vec![
                        syn::parse_quote!(#(#attrs)* let #pat = #place;),
                        syn::parse_quote!(#place = #value;),
                    ])
                }
                syn::Stmt::Expr(Expr::Call(c), Some(_))
                    if let Some((place, value)) = mem_replace(c) =>
                {
                    Some(vec![syn::parse_quote!(#place = #value;)])
                }
                syn::Stmt::Local(local) => self.split(local),
                syn::Stmt::Expr(Expr::Assign(a), Some(_)) => self.split_assign(a),
                // `std::mem::swap(&mut a, &mut b);`: the `(a, b) = (b, a);` it means.
                syn::Stmt::Expr(Expr::Call(c), Some(_)) => {
                    mem_swap(c).and_then(|a| self.split_assign(&a))
                }
                _ => None,
            };
            match split {
                Some(stmts) => block.stmts.extend(stmts),
                None => block.stmts.push(stmt),
            }
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// `let (p, q) = (ps[i - 1], ps[i]);` (each value an element, `x[i]` or `&x[i]`, none reading
/// a name the pattern binds): one `let` per name, before the passes that read an element of
/// a sequence of structs bound to a name (`let q = ps[i];`) see the statement.
pub(super) fn split_element_lets(block: &mut syn::Block) {
    struct Split;
    impl VisitMut for Split {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            let mut stmts = Vec::with_capacity(block.stmts.len());
            for stmt in std::mem::take(&mut block.stmts) {
                match split(&stmt) {
                    Some(lets) => stmts.extend(lets),
                    None => stmts.push(stmt),
                }
            }
            block.stmts = stmts;
        }

        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    fn split(stmt: &syn::Stmt) -> Option<Vec<syn::Stmt>> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        let (Pat::Tuple(names), Expr::Tuple(values)) = (&local.pat, strip(&init.expr)) else {
            return None;
        };
        let names: Vec<&syn::PatIdent> = names
            .elems
            .iter()
            .map(|p| match p {
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => Some(i),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let element = |e: &Expr| match strip(e) {
            Expr::Reference(r) if r.mutability.is_none() => {
                matches!(strip(&r.expr), Expr::Index(_))
            }
            e => matches!(e, Expr::Index(_)),
        };
        let reads_bound = |e: &Expr| {
            let tokens = e.to_token_stream();
            names.iter().any(|n| mentions(&tokens, &n.ident))
        };
        if names.len() != values.elems.len()
            || !values.elems.iter().all(element)
            || values.elems.iter().any(reads_bound)
        {
            return None;
        }
        Some(
            names
                .iter()
                .zip(&values.elems)
                .map(|(name, value)| syn::parse_quote_spanned!(value.span()=> let #name = #value;))
                .collect(),
        )
    }
    Split.visit_block_mut(block);
}
