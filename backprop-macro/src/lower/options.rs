//! An `Option` local that holds a value carrying a derivative (`let mut prev = None; ..
//! prev = Some(v);`), as the float and the flag it means: `let mut prev = 0.0; let mut
//! has_prev = false;`, `prev = Some(e)` as `prev = e; has_prev = true;`, `prev = None` as
//! `has_prev = false`, and each read as the test or the value it makes: `match prev {
//! Some(p) if p > t => a, Some(p) => b, None => c }` is `if has_prev && prev > t { let p =
//! prev; a } else if has_prev { let p = prev; b } else { c }`; `if let Some(p) = prev`,
//! `prev.is_some()`, `prev.is_none()`, `prev.unwrap()` (and `expect`, which still panic on
//! `None`), `prev.unwrap_or(d)`, `prev.map_or(d, |p| ..)` and `prev.is_some_and(|p| ..)`
//! likewise, and `prev.replace(v);` (or `insert`) as a statement, the assignment.
//! Lowering asks for this rewrite, by name, where such a value meets an `Option` of
//! constants ([`split`]); a local used any other way is left as written, and its error
//! stays.

use super::*;

/// Rewrites the `let`s in `block` of the names in `options`, each where every use in its
/// scope is one this rewrite takes. `zero` is the float type's zero (`0.0`, `T::zero()`).
pub(super) fn split(
    block: &mut syn::Block,
    options: &HashSet<String>,
    zero: &TokenStream,
    taken: &mut HashSet<String>,
) {
    // `acc = match acc { None => Some(v), Some(b) => Some(..) };` (a fold's step): the
    // assignment in each arm, which the rewrite takes.
    Distribute(options).visit_block_mut(block);
    // Names whose uses are not all taken, in the block at hand: left as written.
    let mut kept: HashSet<String> = HashSet::new();
    each_statement_list(block, &mut |stmts| {
        let at = stmts.iter().position(|s| {
            declared(s, options).is_some_and(|(name, _)| !kept.contains(&name.to_string()))
        });
        let Some(at) = at else {
            kept.clear();
            return false;
        };
        let (name, init) = declared(&stmts[at], options).expect("found above");
        let (name, init) = (name.clone(), init.clone());
        let flag = Ident::new(
            &crate::names::unused(taken, &format!("has_{name}")),
            name.span(),
        );
        // The float is named as the `Option` was; the rewritten uses name it apart until
        // every use is found, so that a use left is the `Option`'s.
        let held = Ident::new(
            &crate::names::unused(taken, &format!("{name}_held")),
            name.span(),
        );
        let mut rest: Vec<syn::Stmt> = stmts[at + 1..].to_vec();
        let taken_all = Uses::rewrite(&name, &flag, &held, &mut rest);
        let head = taken_all
            .then(|| initial(&name, &flag, &init, zero))
            .flatten();
        let Some(head) = head else {
            // Left as written: the error stays.
            kept.insert(name.to_string());
            return true;
        };
        let by = syn::parse_quote!(#name);
        let mut back = Replace {
            name: &held,
            by: &by,
        };
        for stmt in &mut rest {
            back.visit_stmt_mut(stmt);
        }
        stmts.truncate(at);
        stmts.extend(head);
        stmts.extend(rest);
        true
    });
}

/// Calls `f` on the statements of every block, innermost first, again while it splits one.
fn each_statement_list(block: &mut syn::Block, f: &mut dyn FnMut(&mut Vec<syn::Stmt>) -> bool) {
    struct Each<'a>(&'a mut dyn FnMut(&mut Vec<syn::Stmt>) -> bool);
    impl VisitMut for Each<'_> {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            while (self.0)(&mut block.stmts) {}
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Each(f).visit_block_mut(block);
}

/// `let mut name = None;` (typed `Option<..>` or not, or `Some(e)`, or an `if` whose
/// branches end in them) of a name in `options`: the name and the initializer.
fn declared<'a>(stmt: &'a syn::Stmt, options: &HashSet<String>) -> Option<(&'a Ident, &'a Expr)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let pat = match &local.pat {
        Pat::Type(t) => &*t.pat,
        p => p,
    };
    let Pat::Ident(p) = pat else { return None };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    (options.contains(&p.ident.to_string()) && p.by_ref.is_none() && p.subpat.is_none())
        .then_some((&p.ident, &*init.expr))
}

/// The declarations of the float and the flag, and what sets them first.
fn initial(name: &Ident, flag: &Ident, init: &Expr, zero: &TokenStream) -> Option<Vec<syn::Stmt>> {
    let span = name.span();
    // `None` and `Some(e)` declare what they set.
    match strip(init) {
        Expr::Path(p) if p.path.is_ident("None") => {
            return Some(vec![
                syn::parse_quote_spanned!(span=> let mut #name = #zero;),
                syn::parse_quote_spanned!(span=> let mut #flag = false;),
            ]);
        }
        Expr::Call(c) if is_some(&c.func) && c.args.len() == 1 => {
            let value = &c.args[0];
            return Some(vec![
                syn::parse_quote_spanned!(span=> let mut #name = #value;),
                syn::parse_quote_spanned!(span=> let mut #flag = true;),
            ]);
        }
        _ => {}
    }
    // `v.pop()` (of a local `Vec` of floats, as lowering found): the `Option` it gives.
    let popped: Expr;
    let init = match strip(init) {
        Expr::MethodCall(pop) if pop.method == "pop" && pop.args.is_empty() => {
            let v = &pop.receiver;
            popped = syn::parse_quote_spanned!(pop.span()=>
                if #v.is_empty() { None } else { Some(#v.pop().unwrap()) }
            );
            &popped
        }
        init => init,
    };
    let mut set = init.clone();
    if !(Fill { name, flag }).tail(&mut set) {
        return None;
    }
    Some(vec![
        syn::parse_quote_spanned!(span=> let mut #name = #zero;),
        syn::parse_quote_spanned!(span=> let mut #flag = false;),
        syn::parse_quote_spanned!(span=> #set;),
    ])
}

/// `Some(e)` and `None` at the tails of a value (through `if` and blocks) as the
/// assignments they mean.
struct Fill<'a> {
    name: &'a Ident,
    flag: &'a Ident,
}

impl Fill<'_> {
    /// Whether every tail is one.
    fn tail(&self, e: &mut Expr) -> bool {
        let (name, flag) = (self.name, self.flag);
        match e {
            Expr::If(i) => {
                let Some((_, other)) = &mut i.else_branch else {
                    return false;
                };
                self.block(&mut i.then_branch) && self.tail(other)
            }
            Expr::Block(b) if b.label.is_none() => self.block(&mut b.block),
            // A labeled block (a helper's body that returns early from a loop): its tail
            // and each `break 'label v` leaving it, the block's value then nothing.
            Expr::Block(b) => {
                let label = b.label.as_ref().map(|l| l.name.clone());
                let mut breaks = FillBreaks {
                    fill: self,
                    label: label.expect("labeled"),
                    filled: true,
                };
                breaks.visit_block_mut(&mut b.block);
                if !breaks.filled {
                    return false;
                }
                let Some(syn::Stmt::Expr(tail, semi @ None)) = b.block.stmts.last_mut() else {
                    return false;
                };
                *semi = Some(Default::default());
                self.tail(tail)
            }
            Expr::Paren(p) => self.tail(&mut p.expr),
            Expr::Path(p) if p.path.is_ident("None") => {
                *e = syn::parse_quote_spanned!(p.span()=> { #flag = false; });
                true
            }
            Expr::Call(c) if is_some(&c.func) && c.args.len() == 1 => {
                let value = &c.args[0];
                *e = syn::parse_quote_spanned!(c.span()=> { #name = #value; #flag = true; });
                true
            }
            _ => false,
        }
    }

    fn block(&self, b: &mut syn::Block) -> bool {
        match b.stmts.last_mut() {
            Some(syn::Stmt::Expr(tail, None)) => self.tail(tail),
            _ => false,
        }
    }
}

/// `break 'label v` leaving a labeled block whose value is an `Option`, `v` as
/// [`Fill::tail`] writes it, then `break 'label;`.
struct FillBreaks<'f, 'a> {
    fill: &'f Fill<'a>,
    label: syn::Lifetime,
    filled: bool,
}

impl VisitMut for FillBreaks<'_, '_> {
    /// A `break` that is a statement: the assignments written before it, in its block.
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        for stmt in std::mem::take(&mut block.stmts) {
            let mut stmt = stmt;
            if let syn::Stmt::Expr(e @ Expr::Break(_), _) = &mut stmt {
                self.visit_expr_mut(e);
                if let Expr::Block(b) = e {
                    block.stmts.append(&mut b.block.stmts);
                    continue;
                }
            }
            self.visit_stmt_mut(&mut stmt);
            block.stmts.push(stmt);
        }
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Break(b) = e
            && b.label.as_ref() == Some(&self.label)
        {
            let Some(mut value) = b.expr.take().map(|v| *v) else {
                self.filled = false;
                return;
            };
            self.filled &= self.fill.tail(&mut value);
            let label = &self.label;
            let set = match value {
                Expr::Block(b) if b.label.is_none() => b.block.stmts,
                value => vec![syn::Stmt::Expr(value, Some(Default::default()))],
            };
            *e = syn::parse_quote_spanned!(b.span()=> { #(#set)* break #label; });
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether `func` is `Some` (of `Some(e)`).
pub(super) fn is_some(func: &Expr) -> bool {
    matches!(strip(func), Expr::Path(p) if p.path.is_ident("Some"))
}

/// The uses of the name after its `let`, rewritten; `refused` where one is not taken.
struct Uses<'a> {
    name: &'a Ident,
    flag: &'a Ident,
    /// What the rewritten uses call the float, until every use is found.
    value: &'a Ident,
    refused: bool,
}

impl Uses<'_> {
    /// Rewrites the uses of `name` in `stmts` (the float read as `value`); whether every
    /// one was taken.
    fn rewrite(name: &Ident, flag: &Ident, value: &Ident, stmts: &mut Vec<syn::Stmt>) -> bool {
        let mut uses = Uses {
            name,
            flag,
            value,
            refused: false,
        };
        uses.statements(stmts);
        !uses.refused
    }

    /// The statements of a block, each rewritten; `let Some(v) = best else { .. };` as
    /// `if !has_best { .. }` and `let v = best;`.
    fn statements(&mut self, stmts: &mut Vec<syn::Stmt>) {
        for stmt in std::mem::take(stmts) {
            if let syn::Stmt::Local(l) = &stmt
                && let Some(init) = &l.init
                && let Some((_, diverge)) = &init.diverge
                && self.is_name(&init.expr)
                && let Pat::TupleStruct(ts) = &l.pat
                && ts.path.is_ident("Some")
                && ts.elems.len() == 1
            {
                let (value, flag) = (self.value, self.flag);
                let bound = match &ts.elems[0] {
                    Pat::Reference(r) => &*r.pat,
                    p => p,
                };
                let span = l.let_token.span;
                let mut split: [syn::Stmt; 2] = [
                    syn::parse_quote_spanned!(span=> if !#flag { #diverge; }),
                    syn::parse_quote_spanned!(span=> let #bound = #value;),
                ];
                for s in &mut split {
                    self.visit_stmt_mut(s);
                }
                stmts.extend(split);
                continue;
            }
            let mut stmt = stmt;
            self.visit_stmt_mut(&mut stmt);
            stmts.push(stmt);
        }
    }

    fn is_name(&self, e: &Expr) -> bool {
        matches!(strip(e), Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
    }

    /// The rewritten form of `e`, if it is a use this takes.
    fn rewritten(&self, e: &Expr) -> Option<Expr> {
        let (name, flag) = (self.value, self.flag);
        let span = e.span();
        match strip(e) {
            Expr::Assign(a) if self.is_name(&a.left) => {
                let mut value = (*a.right).clone();
                Fill { name, flag }.tail(&mut value).then_some(value)
            }
            Expr::MethodCall(m) if self.is_name(&m.receiver) => {
                let args: Vec<&Expr> = m.args.iter().collect();
                let method = m.method.to_string();
                let unwrap =
                    quote!(::core::assert!(#flag, "called `Option::unwrap()` on a `None` value"););
                Some(match (method.as_str(), &args[..]) {
                    ("is_some", []) => syn::parse_quote_spanned!(span=> #flag),
                    ("is_none", []) => syn::parse_quote_spanned!(span=> !#flag),
                    ("unwrap", []) => syn::parse_quote_spanned!(span=> { #unwrap #name }),
                    ("expect", [msg]) => {
                        syn::parse_quote_spanned!(span=> { ::core::assert!(#flag, "{}", #msg); #name })
                    }
                    ("unwrap_or", [d]) => {
                        syn::parse_quote_spanned!(span=> if #flag { #name } else { #d })
                    }
                    ("map_or", [d, f]) => {
                        let (p, body) = closure(f)?;
                        syn::parse_quote_spanned!(span=> if #flag { let #p = #name; #body } else { #d })
                    }
                    ("is_some_and", [f]) => {
                        let (p, body) = closure(f)?;
                        let body = renamed(body, p, name)?;
                        syn::parse_quote_spanned!(span=> (#flag && (#body)))
                    }
                    _ => return None,
                })
            }
            Expr::If(i) => {
                let Expr::Let(l) = &*i.cond else { return None };
                if !self.is_name(&l.expr) {
                    return None;
                }
                let (test, bind) = self.arm(&l.pat, None)?;
                let then = &i.then_branch;
                let other = i.else_branch.as_ref().map(|(_, e)| quote!(else #e));
                Some(syn::parse_quote_spanned!(span=> if #test { #bind #then } #other))
            }
            Expr::Match(m) if self.is_name(&m.expr) => {
                let mut chain = TokenStream::new();
                for (k, arm) in m.arms.iter().enumerate() {
                    let (pat, guard) = match &arm.pat {
                        Pat::Guard(g) => (&*g.pat, Some(&*g.guard)),
                        pat => (pat, None),
                    };
                    let (test, bind) = self.arm(pat, guard)?;
                    let body = &arm.body;
                    chain.extend(match k + 1 == m.arms.len() {
                        true => quote!({ #bind #body }),
                        false => quote!(if #test { #bind #body } else),
                    });
                }
                syn::parse2(quote_spanned!(span=> { #chain })).ok()
            }
            _ => None,
        }
    }

    /// An arm's test (its guard's names read from the float) and the `let` of its name.
    fn arm(&self, pat: &Pat, guard: Option<&Expr>) -> Option<(TokenStream, TokenStream)> {
        let (name, flag) = (self.value, self.flag);
        let (test, bound) = match pat {
            Pat::TupleStruct(t) if t.path.is_ident("Some") && t.elems.len() == 1 => {
                match &t.elems[0] {
                    Pat::Wild(_) => (quote!(#flag), None),
                    Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                        (quote!(#flag), Some(p))
                    }
                    _ => return None,
                }
            }
            Pat::Ident(p) if p.ident == "None" => (quote!(!#flag), None),
            Pat::Wild(_) => (quote!(true), None),
            _ => return None,
        };
        let guard = match (guard, bound) {
            (Some(g), Some(p)) => Some(renamed(g.clone(), &Pat::Ident(p.clone()), name)?),
            (Some(g), None) => Some(g.clone()),
            (None, _) => None,
        };
        let test = match guard {
            Some(g) => quote!(#test && (#g)),
            None => test,
        };
        let bind = bound.map(|p| quote!(let #p = #name;)).unwrap_or_default();
        Some((test, bind))
    }
}

/// `|p| body` with a plain name: the name and the body.
fn closure(e: &Expr) -> Option<(&Pat, Expr)> {
    let Expr::Closure(c) = strip(e) else {
        return None;
    };
    let [p] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    // `|b: f64|`: the name.
    let p = match p {
        Pat::Type(t) => &*t.pat,
        p => p,
    };
    matches!(p, Pat::Ident(_) | Pat::Wild(_)).then(|| (p, (*c.body).clone()))
}

/// `body` with the name `pat` binds read as `value` (a guard, a test's closure).
fn renamed(mut body: Expr, pat: &Pat, value: &Ident) -> Option<Expr> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() => Replace {
            name: &p.ident,
            by: &syn::parse_quote!(#value),
        }
        .visit_expr_mut(&mut body),
        Pat::Wild(_) => {}
        _ => return None,
    }
    Some(body)
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if self.refused {
            return;
        }
        if let Some(rewritten) = self.rewritten(e) {
            *e = rewritten;
            // The parts kept as written (values, arms) may use the name too.
            syn::visit_mut::visit_expr_mut(self, e);
            return;
        }
        if self.is_name(e) {
            self.refused = true;
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        self.statements(&mut block.stmts);
    }

    // `best.replace(v);` (or `insert`), its old value dropped: the assignment it means.
    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        if let syn::Stmt::Expr(Expr::MethodCall(m), Some(_)) = stmt
            && (m.method == "replace" || m.method == "insert")
            && m.args.len() == 1
            && self.is_name(&m.receiver)
        {
            let (value, flag, arg) = (self.value, self.flag, &m.args[0]);
            let span = m.method.span();
            *stmt = syn::parse_quote_spanned!(span=> { #value = #arg; #flag = true; });
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }

    // The name bound again: what follows is another value.
    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        self.refused |= p.ident == *self.name;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // `vec![a, b]` (or `vec![a; n]`): its expressions, as any other (the float then
        // read by its name at once: nothing visits the macro's tokens again).
        if m.path.is_ident("vec") {
            type Items = syn::punctuated::Punctuated<Expr, syn::Token![,]>;
            let name = self.name.clone();
            let by: Expr = syn::parse_quote!(#name);
            let each = |uses: &mut Self, e: &mut Expr| {
                uses.visit_expr_mut(e);
                Replace {
                    name: uses.value,
                    by: &by,
                }
                .visit_expr_mut(e);
            };
            if let Ok(mut items) = m.parse_body_with(Items::parse_terminated) {
                items.iter_mut().for_each(|e| each(self, e));
                m.tokens = items.to_token_stream();
                return;
            }
            if let Ok(mut r) = m.parse_body::<super::constants::VecRepeat>() {
                each(self, &mut r.value);
                each(self, &mut r.len);
                let (value, len) = (&r.value, &r.len);
                m.tokens = quote!(#value; #len);
                return;
            }
        }
        let named = m.tokens.clone().into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == *self.name,
            _ => false,
        });
        self.refused |= named;
    }
}

/// `name = match e { p => v, .. }` (or `= if c { v } else { w }`, or a block ending in one)
/// of a name in `options`, as the assignment at the end of each way through: `match e { p
/// => name = v, .. }`.
struct Distribute<'a>(&'a HashSet<String>);

impl VisitMut for Distribute<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::Assign(a) = e else { return };
        let Expr::Path(p) = strip(&a.left) else {
            return;
        };
        let Some(name) = p
            .path
            .get_ident()
            .filter(|n| self.0.contains(&n.to_string()))
        else {
            return;
        };
        if matches!(strip(&a.right), Expr::Match(_) | Expr::If(_)) {
            let name = name.clone();
            *e = assigned_in_each(&name, (*a.right).clone());
        }
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `value` with `name = ..` at the end of each way through its branches and blocks.
fn assigned_in_each(name: &Ident, value: Expr) -> Expr {
    match value {
        Expr::Paren(p) => assigned_in_each(name, *p.expr),
        Expr::Match(mut m) => {
            for arm in &mut m.arms {
                let body = std::mem::replace(&mut *arm.body, syn::parse_quote!(()));
                *arm.body = assigned_in_each(name, body);
                arm.comma.get_or_insert_with(Default::default);
            }
            Expr::Match(m)
        }
        Expr::If(mut i) => {
            assign_tail(name, &mut i.then_branch);
            if let Some((_, other)) = &mut i.else_branch {
                let e = std::mem::replace(&mut **other, syn::parse_quote!(()));
                **other = assigned_in_each(name, e);
            }
            Expr::If(i)
        }
        Expr::Block(mut b) if b.label.is_none() => {
            assign_tail(name, &mut b.block);
            Expr::Block(b)
        }
        other => syn::parse_quote!({ #name = #other; }),
    }
}

/// A block's tail `v` as `name = v;` (through its own branches).
fn assign_tail(name: &Ident, block: &mut syn::Block) {
    if let Some(syn::Stmt::Expr(tail, semi @ None)) = block.stmts.last_mut() {
        let e = std::mem::replace(tail, syn::parse_quote!(()));
        *tail = assigned_in_each(name, e);
        if !matches!(tail, Expr::Match(_) | Expr::If(_) | Expr::Block(_)) {
            *semi = Some(Default::default());
        }
    }
}
