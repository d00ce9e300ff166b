//! Local sequences that grow: `v.push(x * x)` as `let v_len = v.len(); v.push(0.0);
//! v[v_len] = x * x;` (an element write, differentiated like any other), `v.extend(it)`
//! and `v.extend_from_slice(&w)` as the loop of pushes they mean; `let v = vec![x; n];`
//! (and `[x; N]`) of a value that carries a derivative as zeros, then a loop writing `x`.
//! And that shrink: `v.pop().unwrap()` as `let n = v.len() - 1; let t = v[n]; v[n] = 0.0;
//! v.pop();` (the element read, then overwritten so that its value is saved as any
//! overwritten element's where the reverse reads it; the reverse puts an element back
//! before restoring it), `v.pop();`, `v.truncate(n)`, `v.clear()` and `v.resize(n, c)` as
//! the pops and pushes they mean.

use super::*;

impl Lower<'_> {
    /// `v.push(..)`, `v.extend(..)`, `v.extend_from_slice(..)` on a local sequence of floats
    /// that carries or will carry a derivative: the receiver, when this call is one.
    pub(super) fn growing(&self, m: &syn::ExprMethodCall) -> Option<VarId> {
        let name = m.method.to_string();
        if !["push", "extend", "extend_from_slice"].contains(&name.as_str()) || m.args.len() != 1 {
            return None;
        }
        let v = self.local_of(&m.receiver)?;
        if self.vars[v].param.is_some() {
            return None;
        }
        match self.kind(v) {
            Kind::Seq => Some(v),
            // `let mut v = Vec::new();` without a type: a sequence of floats once a value
            // that carries a derivative goes in.
            Kind::Float | Kind::Other if self.reads_derivative(&m.args[0]) => Some(v),
            _ => None,
        }
    }

    pub(super) fn lower_growth(&mut self, v: VarId, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let arg = &m.args[0];
        if m.method == "push" {
            match self.depth(v) {
                1 => {
                    self.vars[v].kind = Kind::Seq;
                    self.lower_push(v, arg, m.span(), out);
                }
                _ => self.lower_push_row(v, m, out),
            }
            return;
        }
        if self.depth(v) > 1 && !self.holds_rows_for(arg, v) {
            self.errors.spanned(
                arg,
                "`extend` on a nested sequence takes the rows of another local or parameter of the same nesting (`m.extend(rows.iter().cloned())`, `m.extend_from_slice(&rows)`); push other rows one at a time (`m.push(row)`)",
            );
            return;
        }
        self.vars[v].kind = Kind::Seq;
        // The loop of pushes: `for item in it { v.push(item); }`.
        let item = Ident::new(&self.names.syntax("item"), Span::mixed_site());
        let receiver = &m.receiver;
        let iterable = match m.method == "extend_from_slice" {
            // `&w`, `w.as_slice()`: `w` walked.
            true => {
                let slice = match strip(arg) {
                    Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                    Expr::MethodCall(c) if c.method == "as_slice" && c.args.is_empty() => {
                        &*c.receiver
                    }
                    e => e,
                };
                quote!(#slice.iter())
            }
            false => quote!(#arg),
        };
        let lowered: Expr =
            syn::parse_quote_spanned!(m.span()=> for #item in #iterable { #receiver.push(#item); });
        self.lower_stmt_expr(&lowered, out);
    }

    fn lower_push(&mut self, v: VarId, arg: &Expr, span: Span, out: &mut Vec<Stmt>) {
        // The value first, as Rust evaluates it: before the push (`v.push(v[v.len() - 1])`
        // reads the last element there is).
        let value = self.lower_op(arg, out);
        let reads_v = value.operands().iter().any(|o| match o {
            Operand::Var(u) | Operand::Elem(u, _) => *u == v,
            Operand::Konst(k) => k.reads.contains(&v),
        }) || matches!(&value, Op::Konst(k) if k.reads.contains(&v));
        let value = match reads_v {
            true => Op::Copy(self.materialize(value, span, out)),
            false => value,
        };
        let name = self.vars[v].ident.clone();
        let len = self.generated_var(&format!("{name}_len"), Kind::Int, span);
        let len_value = self.konst_tokens(quote!(#name.len()), &[v]);
        out.push(Stmt::Let {
            var: len,
            op: Op::Konst(len_value),
            span,
        });
        let zero = float_lit(float_param().as_ref(), "0.0");
        let push = self.konst_tokens(quote!(#name.push(#zero)), &[v]);
        out.push(Stmt::Eval(push));
        let index = Index::one(self.konst_var(len));
        let value = self.overwrite(value, span, out);
        let value = self.detach_elems(value, v, &index, span, out);
        out.push(Stmt::SetElem {
            var: v,
            index,
            op: value,
            span,
        });
    }
}

impl Lower<'_> {
    /// Whether `e` names a local sequence of floats, not nested, not a parameter.
    fn own_flat_local(&self, e: &Expr) -> bool {
        self.flat_local(e)
            && self
                .local_of(e)
                .is_some_and(|v| self.vars[v].param.is_none())
    }

    /// `v.remove(i)`, `v.swap_remove(i)` and `v.insert(i, x)` on a local sequence of floats,
    /// as the element writes and the `pop` or `push` they mean, and the removed element's
    /// name: `{ let i = i; let n = v.len(); assert!(i < n, ..); let t = v[i]; for k in i..n
    /// - 1 { v[k] = v[k + 1]; } v.pop().unwrap(); t }` (`swap_remove` moves the last
    /// element into `i` instead; `insert` pushes, moves the elements after `i` up by one and
    /// writes `x` at `i`). Each panics where the method would, with its message.
    pub(super) fn moved_elements(
        &mut self,
        m: &syn::ExprMethodCall,
    ) -> Option<(Vec<syn::Stmt>, Option<Ident>)> {
        let method = m.method.to_string();
        let arity = match method.as_str() {
            "remove" | "swap_remove" => 1,
            "insert" => 2,
            _ => return None,
        };
        if m.args.len() != arity || !self.own_flat_local(&m.receiver) {
            return None;
        }
        let [i, n, t, k, x] = ["i", "n", "t", "k", "x"]
            .map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let (v, at) = (&m.receiver, &m.args[0]);
        let block: syn::Block = match method.as_str() {
            "remove" => syn::parse_quote_spanned!(m.span()=> {
                let #i: usize = #at;
                let #n: usize = #v.len();
                ::core::assert!(#i < #n, "removal index (is {}) should be < len (is {})", #i, #n);
                let #t = #v[#i];
                for #k in #i..#n - 1 {
                    #v[#k] = #v[#k + 1];
                }
                #v.pop().unwrap();
            }),
            "swap_remove" => syn::parse_quote_spanned!(m.span()=> {
                let #i: usize = #at;
                let #n: usize = #v.len();
                ::core::assert!(#i < #n, "swap_remove index (is {}) should be < len (is {})", #i, #n);
                let #t = #v[#i];
                #v[#i] = #v[#n - 1];
                #v.pop().unwrap();
            }),
            _ => {
                let value = &m.args[1];
                syn::parse_quote_spanned!(m.span()=> {
                    let #i: usize = #at;
                    let #x = #value;
                    let #n: usize = #v.len();
                    ::core::assert!(#i <= #n, "insertion index (is {}) should be <= len (is {})", #i, #n);
                    #v.push(#x);
                    for #k in (#i + 1..=#n).rev() {
                        #v[#k] = #v[#k - 1];
                    }
                    #v[#i] = #x;
                })
            }
        };
        Some((block.stmts, (method != "insert").then_some(t)))
    }

    /// `v.remove(i)` or `v.swap_remove(i)` as a value: the block [`Lower::moved_elements`]
    /// writes, ending in the removed element.
    pub(super) fn removed_element(&mut self, m: &syn::ExprMethodCall) -> Option<Expr> {
        let (stmts, Some(t)) = self.moved_elements(m)? else {
            return None;
        };
        Some(syn::parse_quote_spanned!(m.span()=> { #(#stmts)* #t }))
    }

    /// `let t = v.pop();` of a local `Vec` of floats, kept as an `Option`: the `let` of `if
    /// v.is_empty() { None } else { Some(v.pop().unwrap()) }`, the `Option` then held as a
    /// float and a flag (`options.rs`, which reads `v.pop()` so too).
    pub(super) fn pop_kept(&self, local: &syn::Local) -> Option<syn::Local> {
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        self.popping(&init.expr)?;
        let Expr::MethodCall(pop) = strip(&init.expr) else {
            return None;
        };
        let v = &pop.receiver;
        let mut kept = local.clone();
        *kept.init.as_mut()?.expr = syn::parse_quote_spanned!(pop.span()=>
            if #v.is_empty() { None } else { Some(#v.pop().unwrap()) }
        );
        Some(kept)
    }

    /// `v.pop()` of a local sequence of floats (not a parameter, not nested): `v`.
    fn popping(&self, e: &Expr) -> Option<VarId> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        if m.method != "pop" || !m.args.is_empty() || !self.own_flat_local(&m.receiver) {
            return None;
        }
        self.local_of(&m.receiver)
    }

    /// `v.pop().unwrap()` or `v.pop().expect(..)` of such a sequence: `v`.
    pub(super) fn taken_pop(&self, m: &syn::ExprMethodCall) -> Option<VarId> {
        let takes = (m.method == "unwrap" && m.args.is_empty())
            || (m.method == "expect" && m.args.len() == 1);
        takes.then(|| self.popping(&m.receiver)).flatten()
    }

    /// `v.pop().unwrap_or(d)` of such a sequence, as the `pop` it means when `v` has an
    /// element: `{ let taken = !v.is_empty(); let t = if taken { v.pop().unwrap() } else {
    /// 0.0 }; let d = d; if taken { t } else { d } }` (`d` evaluated after the `pop`, as
    /// written).
    pub(super) fn defaulted_pop(&mut self, m: &syn::ExprMethodCall) -> Option<Expr> {
        if m.method != "unwrap_or" || m.args.len() != 1 {
            return None;
        }
        self.popping(&m.receiver)?;
        let Expr::MethodCall(pop) = strip(&m.receiver) else {
            return None;
        };
        let [taken, t, d] =
            ["taken", "t", "d"].map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let (v, default) = (&pop.receiver, &m.args[0]);
        let zero = float_lit(float_param().as_ref(), "0.0");
        Some(syn::parse_quote_spanned!(m.span()=> {
            let #taken = !#v.is_empty();
            let #t = if #taken { #v.pop().unwrap() } else { #zero };
            let #d = #default;
            if #taken { #t } else { #d }
        }))
    }

    /// `v.pop().unwrap()` (`m`, of [`Lower::taken_pop`]): the last element read into a
    /// local of its own, then overwritten with zero and taken off; its value. An empty `v`
    /// panics as `unwrap` (or `expect`, with its message) would.
    pub(super) fn lower_pop(
        &mut self,
        v: VarId,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Operand {
        let span = m.span();
        let Expr::MethodCall(pop) = strip(&m.receiver) else {
            unreachable!("`taken_pop` found `v.pop()`")
        };
        let (receiver, method, args) = (&pop.receiver, &m.method, &m.args);
        let name = self.vars[v].ident.to_string();
        let last = self.generated_var(&format!("{name}_last"), Kind::Int, span);
        let at: Expr =
            syn::parse_quote_spanned!(span=> #receiver.len().checked_sub(1).#method(#args));
        let at = self.konst(&at);
        out.push(Stmt::Let {
            var: last,
            op: Op::Konst(at),
            span,
        });
        let index = Index::one(self.konst_var(last));
        let value = self.generated_var(&format!("{name}_popped"), Kind::Float, span);
        out.push(Stmt::Let {
            var: value,
            op: Op::Copy(Operand::Elem(v, index.clone())),
            span,
        });
        let zero = float_lit(float_param().as_ref(), "0.0");
        let zero = self.konst_tokens(zero, &[]);
        out.push(Stmt::SetElem {
            var: v,
            index,
            op: Op::Konst(zero),
            span,
        });
        let taken: Expr = syn::parse_quote_spanned!(span=> #receiver.pop());
        let taken = self.konst(&taken);
        out.push(Stmt::Eval(taken));
        Operand::Var(value)
    }

    /// `v.pop();`, `v.truncate(n);`, `v.clear();`, `v.resize(n, c);` on a local sequence of
    /// floats, as the pops and pushes they mean (`n` and `c` evaluated first, as the call's
    /// arguments are), and `remove`, `swap_remove`, `insert` ([`Lower::moved_elements`]);
    /// `false` for any other statement.
    pub(super) fn lower_length_change(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> bool {
        let shrinks = matches!(
            (m.method.to_string().as_str(), m.args.len()),
            ("pop" | "clear", 0) | ("truncate", 1) | ("resize", 2)
        );
        if let Some((stmts, _)) = self.moved_elements(m) {
            self.lower_stmts(&stmts, Sink::Discard, out, &[]);
            return true;
        }
        if !shrinks || !self.own_flat_local(&m.receiver) {
            return false;
        }
        let [n, c] = ["n", "c"].map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let v = &m.receiver;
        let block: syn::Block = match m.method.to_string().as_str() {
            "pop" => syn::parse_quote_spanned!(m.span()=> {
                if !#v.is_empty() {
                    #v.pop().unwrap();
                }
            }),
            "clear" => syn::parse_quote_spanned!(m.span()=> {
                while !#v.is_empty() {
                    #v.pop().unwrap();
                }
            }),
            "truncate" => {
                let len = &m.args[0];
                syn::parse_quote_spanned!(m.span()=> {
                    let #n: usize = #len;
                    while #v.len() > #n {
                        #v.pop().unwrap();
                    }
                })
            }
            _ => {
                let (len, value) = (&m.args[0], &m.args[1]);
                syn::parse_quote_spanned!(m.span()=> {
                    let #n: usize = #len;
                    let #c = #value;
                    while #v.len() > #n {
                        #v.pop().unwrap();
                    }
                    while #v.len() < #n {
                        #v.push(#c);
                    }
                })
            }
        };
        self.lower_stmts(&block.stmts, Sink::Discard, out, &[]);
        true
    }

    /// Whether `e` walks the rows of a sequence whose rows fit the nested sequence `v`:
    /// `rows`, `&rows`, `rows.iter()`, `rows.iter().cloned()`.
    fn holds_rows_for(&self, e: &Expr, v: VarId) -> bool {
        let mut e = strip(e);
        loop {
            match e {
                Expr::Reference(r) => e = strip(&r.expr),
                Expr::MethodCall(m)
                    if m.args.is_empty()
                        && ["iter", "cloned", "into_iter"]
                            .iter()
                            .any(|n| m.method == n) =>
                {
                    e = strip(&m.receiver)
                }
                _ => break,
            }
        }
        self.local_of(e)
            .filter(|&u| self.kind(u) == Kind::Seq)
            .is_some_and(|u| {
                let (_, prefix) = self.seq_place(u);
                self.seq_depth(u) - prefix.0.len() == self.depth(v)
            })
    }

    /// `m.push(row)` on a nested sequence, as the writes it means: `let row = ..; let len =
    /// m.len(); m.push(zeros shaped like row);` then a loop (one per level) writing
    /// `m[len][j] = row[j]`, each an element write differentiated like any other.
    fn lower_push_row(&mut self, v: VarId, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let span = m.span();
        let (receiver, arg) = (&m.receiver, &m.args[0]);
        let [row, len] =
            ["row", "len"].map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        // A row of another nested sequence (`m.extend(rows.iter().cloned())` pushes each) is
        // copied.
        let value = match self.part_arg(arg, true) {
            Some(_) => quote!((#arg).to_vec()),
            None => quote!(#arg),
        };
        let setup: syn::Block = syn::parse_quote_spanned!(span=> {
            let #row = #value;
            let #len = #receiver.len();
        });
        // Into the current block, so both names stay visible to what follows.
        self.lower_stmts(&setup.stmts, Sink::Discard, out, &[]);
        let Some(row_var) = self.lookup(&row.to_string()) else {
            return;
        };
        if self.poisoned.contains(&row_var) {
            return;
        }
        if self.kind(row_var) != Kind::Seq || self.depth(row_var) + 1 != self.depth(v) {
            let depth = self.depth(v);
            self.errors.spanned(
                arg,
                format!(
                    "a row pushed onto this nested sequence must be a sequence of {} (a local `Vec`, or `vec![..]`)",
                    if depth == 2 { "floats".to_owned() } else { format!("depth {}", depth - 1) }
                ),
            );
            return;
        }
        let (name, row_name) = (self.vars[v].ident.clone(), self.vars[row_var].ident.clone());
        let private = self.private();
        let push = self.konst_tokens(
            quote!(#name.push(#private::zeros_like(&#row_name))),
            &[v, row_var],
        );
        out.push(Stmt::Eval(push));
        // `for j0 in 0..row.len() { for j1 in 0..row[j0].len() { m[len][j0][j1] = row[j0][j1]; } }`
        let indices: Vec<Ident> = (0..self.depth(row_var))
            .map(|_| Ident::new(&self.names.syntax("j"), Span::mixed_site()))
            .collect();
        let mut body: syn::Stmt =
            syn::parse_quote_spanned!(span=> #receiver[#len] #([#indices])* = #row #([#indices])*;);
        for (level, j) in indices.iter().enumerate().rev() {
            let outer = &indices[..level];
            body = syn::parse_quote_spanned!(span=> for #j in 0..#row #([#outer])*.len() { #body });
        }
        self.lower_stmts(&[body], Sink::Discard, out, &[]);
    }

    /// `let v = vec![x * w; n];` or `let v = [x * w; N];` where the value carries a
    /// derivative: `let v = vec![0.0; n]; let value = x * w; for i in 0..v.len() { v[i] =
    /// value; }`. `true` when the initializer is one.
    pub(super) fn lower_repeat_let(
        &mut self,
        ident: &Ident,
        ty: Option<&Type>,
        init: &Expr,
        out: &mut Vec<Stmt>,
    ) -> bool {
        let (value, len, vec) = match strip(init) {
            Expr::Repeat(r) => ((*r.expr).clone(), (*r.len).clone(), false),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => match m.mac.parse_body::<VecRepeat>() {
                Ok(r) => (r.value, r.len, true),
                Err(_) => return false,
            },
            _ => return false,
        };
        if !self.reads_derivative(&value) {
            return false;
        }
        let zero = float_lit(float_param().as_ref(), "0.0");
        let zeros = match vec {
            true => quote!(vec![#zero; #len]),
            false => quote!([#zero; #len]),
        };
        let ty = ty.map(|t| quote!(: #t));
        let (item, i) = (self.names.syntax("item"), self.names.syntax("i"));
        let (item, i) = (
            Ident::new(&item, Span::mixed_site()),
            Ident::new(&i, Span::mixed_site()),
        );
        let span = init.span();
        let block: syn::Block = syn::parse_quote_spanned!(span=> {
            let mut #ident #ty = #zeros;
            let #item = #value;
            for #i in 0..#ident.len() {
                #ident[#i] = #item;
            }
        });
        // The statements go into the current block, so `v` stays visible after them.
        self.lower_stmts(&block.stmts, Sink::Discard, out, &[]);
        true
    }
}

/// `while let Some(t) = v.pop() { .. }` as `while !v.is_empty() { let t = v.pop().unwrap();
/// .. }`, and `if let Some(t) = v.pop()` likewise (the same for every collection with
/// `pop` and `is_empty`), and `match v.pop() { Some(t) => .., None => .. }`: a sequence of
/// floats taken from is then lowered as its element read and its `pop` (above), an integer
/// stack's item as the constant it is.
pub(super) fn popping_let(expr: &Expr) -> Option<Expr> {
    if let Expr::Match(m) = expr {
        return popping_match(m);
    }
    let (cond, label, head, then, other) = match expr {
        Expr::While(w) => (&w.cond, w.label.as_ref(), w.while_token.span, &w.body, None),
        Expr::If(i) => (
            &i.cond,
            None,
            i.if_token.span,
            &i.then_branch,
            Some(&i.else_branch),
        ),
        _ => return None,
    };
    let Expr::Let(l) = &**cond else { return None };
    popped(&l.pat, &l.expr, head, label, then, other)
}

/// `match v.pop() { Some(t) => a, None => b }` (either order, `_` for `None`; a guard is a
/// pattern syn keeps apart, refused) as
/// `if let Some(t) = v.pop() { a } else { b }` is.
fn popping_match(m: &syn::ExprMatch) -> Option<Expr> {
    let [first, second] = &m.arms[..] else {
        return None;
    };
    let is_none = |p: &Pat| match p {
        Pat::Wild(_) => true,
        Pat::Ident(i) => i.ident == "None" && i.subpat.is_none(),
        Pat::Path(p) => p.path.is_ident("None"),
        _ => false,
    };
    let (some, none) = match (is_none(&first.pat), is_none(&second.pat)) {
        (false, true) => (first, second),
        (true, false) if !matches!(first.pat, Pat::Wild(_)) => (second, first),
        _ => return None,
    };
    let block = |e: &Expr| -> syn::Block {
        match e {
            Expr::Block(b) if b.label.is_none() => b.block.clone(),
            e => syn::parse_quote!({ #e }),
        }
    };
    let (then, other) = (block(&some.body), &none.body);
    let other = Some((
        syn::token::Else::default(),
        Box::new(syn::parse_quote!({ #other })),
    ));
    popped(
        &some.pat,
        &m.expr,
        m.match_token.span,
        None,
        &then,
        Some(&other),
    )
}

/// The rewrite of `pat` taken from `value` (`Some(t)` from `v.pop()`), the body `then`
/// (and `other`) of a `while` (`other` `None`) or an `if`.
fn popped(
    pat: &Pat,
    value: &Expr,
    head: Span,
    label: Option<&syn::Label>,
    then: &syn::Block,
    other: Option<&Option<(syn::token::Else, Box<Expr>)>>,
) -> Option<Expr> {
    let Expr::MethodCall(m) = strip(value) else {
        return None;
    };
    let receiver = match strip(&m.receiver) {
        Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => p,
        _ => return None,
    };
    let Pat::TupleStruct(some) = pat else {
        return None;
    };
    let item = match some.elems.iter().collect::<Vec<_>>()[..] {
        [
            item @ (Pat::Wild(_)
            | Pat::Ident(syn::PatIdent {
                subpat: None,
                by_ref: None,
                ..
            })),
        ] if some.path.is_ident("Some") && some.qself.is_none() => item,
        _ => return None,
    };
    if m.method != "pop" || !m.args.is_empty() {
        return None;
    }
    let stmts = &then.stmts;
    let body = quote_spanned!(m.span()=> {
        let #item = #receiver.pop().unwrap();
        #(#stmts)*
    });
    let test = quote_spanned!(head=> !#receiver.is_empty());
    let rewritten = match other {
        None => quote_spanned!(head=> #label while #test #body),
        Some(None) => quote_spanned!(head=> if #test #body),
        Some(Some((_, e))) => quote_spanned!(head=> if #test #body else #e),
    };
    syn::parse2(rewritten).ok()
}
