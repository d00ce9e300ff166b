//! Printing: the IR and the backward statements as Rust, and the module `#[differentiate]`
//! puts beside the user's function. Everything the generated code names from outside is an
//! absolute path (`::core::…`, the facade's `__private`), so user items called `Option`,
//! `Result` or `sigmoid` change nothing; generated locals have mixed-site hygiene.

use crate::analysis::Analysis;
use crate::args::Args;
use crate::ir::*;
use crate::reverse::{B, Replay};
use crate::rules::{E, Place};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use std::collections::{BTreeMap, BTreeSet};
use syn::Ident;

pub struct Emit<'a> {
    pub f: &'a Func,
    pub a: &'a Analysis,
    pub private: TokenStream,
    /// Forward over reverse: every primal value and every adjoint carries its tangent.
    pub fob: bool,
}

impl<'a> Emit<'a> {
    pub fn new(f: &'a Func, a: &'a Analysis, args: &Args) -> Self {
        let krate = &args.krate;
        Emit {
            f,
            a,
            private: quote!(#krate::__private),
            fob: false,
        }
    }

    pub fn ident(&self, v: VarId) -> &Ident {
        &self.f.vars[v].ident
    }

    pub fn adj(&self, v: VarId) -> Ident {
        let id = self.ident(v);
        Ident::new(&format!("grad_{id}"), id.span())
    }

    pub fn dot(&self, v: VarId) -> Ident {
        let id = self.ident(v);
        Ident::new(&format!("dot_{id}"), id.span())
    }

    /// A name derived from a variable's: `grad_x`, `dot_grad_x`, `x_stack`, ...
    pub fn prefixed(&self, prefix: &str, v: VarId) -> Ident {
        let id = self.ident(v);
        Ident::new(&format!("{prefix}{id}"), id.span())
    }

    pub fn suffixed(&self, v: VarId, prefix: &str, suffix: &str) -> Ident {
        let id = self.ident(v);
        Ident::new(&format!("{prefix}{id}{suffix}"), id.span())
    }

    fn upstream(&self, v: VarId) -> Ident {
        let id = self.ident(v);
        Ident::new(&format!("upstream_{id}"), id.span())
    }

    fn stack(&self, v: VarId) -> Ident {
        let id = self.ident(v);
        Ident::new(&format!("{id}_stack"), id.span())
    }

    fn elems(&self, v: VarId) -> Ident {
        let id = self.ident(v);
        Ident::new(&format!("{id}_elems"), id.span())
    }

    // ---------------------------------------------------------------- expressions

    /// An expression, parenthesized where its precedence is below `min`.
    pub fn expr(&self, e: &E, min: u8) -> TokenStream {
        let (prec, tokens) = match e {
            E::Var(v) => (PREC_ATOM, self.ident(*v).to_token_stream()),
            E::Adj(v) => (PREC_ATOM, self.adj(*v).to_token_stream()),
            E::Dot(v) => (PREC_ATOM, self.dot(*v).to_token_stream()),
            E::Elem(v, i) => {
                let (id, i) = (self.ident(*v), &i.expr);
                (PREC_ATOM, quote!(#id[#i]))
            }
            E::AdjElem(v, i) => {
                let (id, i) = (self.adj(*v), &i.expr);
                (PREC_ATOM, quote!(#id[#i]))
            }
            E::DotElem(v, i) => {
                let (id, i) = (self.dot(*v), &i.expr);
                (PREC_ATOM, quote!(#id[#i]))
            }
            E::Up(v) => (PREC_ATOM, self.upstream(*v).to_token_stream()),
            E::DotAdj(v) => (PREC_ATOM, self.prefixed("dot_grad_", *v).to_token_stream()),
            E::DotAdjElem(v, i) => {
                let (id, i) = (self.prefixed("dot_grad_", *v), &i.expr);
                (PREC_ATOM, quote!(#id[#i]))
            }
            E::DotUp(v) => (
                PREC_ATOM,
                self.prefixed("dot_upstream_", *v).to_token_stream(),
            ),
            E::Tensor(e) => (PREC_ATOM, self.texpr(e)),
            E::Select(c, a, b) => {
                let (c, a, b) = (self.expr(c, 0), self.expr(a, 0), self.expr(b, 0));
                (1, quote!(if #c { #a } else { #b }))
            }
            E::Konst(k) => (konst_prec(&k.expr), k.expr.to_token_stream()),
            E::Lit(l) => (
                PREC_ATOM,
                syn::LitFloat::new(l, Span::mixed_site()).to_token_stream(),
            ),
            E::Bin(op, a, b) => {
                let p = bin_prec(*op);
                let (a, b) = (self.expr(a, p), self.expr(b, p + 1));
                let t = bin_token(*op);
                (p, quote!(#a #t #b))
            }
            E::Neg(a) => {
                let a = self.expr(a, PREC_UNARY);
                (PREC_UNARY, quote!(-#a))
            }
            E::Not(a) => {
                let a = self.expr(a, PREC_UNARY);
                (PREC_UNARY, quote!(!#a))
            }
            E::Method(name, r, args) => {
                let r = self.expr(r, PREC_ATOM);
                let name = Ident::new(name.name(), Span::mixed_site());
                let args = args.iter().map(|a| self.expr(a, 0));
                (PREC_ATOM, quote!(#r.#name(#(#args),*)))
            }
            E::Helper(name, args) => {
                let name = Ident::new(name.name(), Span::mixed_site());
                let args = args.iter().map(|a| self.expr(a, 0));
                let private = &self.private;
                (PREC_ATOM, quote!(#private::d::#name(#(#args),*)))
            }
            E::Kernel(..) => (PREC_ATOM, self.texpr(e)),
            E::Field(a, i) => {
                let a = self.expr(a, PREC_ATOM);
                let i = syn::Index::from(*i);
                (PREC_ATOM, quote!(#a.#i))
            }
            E::Apply(v, args) => {
                let id = self.ident(*v);
                let args = args.iter().map(|a| self.expr(a, 0));
                (PREC_ATOM, quote!(#id(#(#args),*)))
            }
        };
        if prec < min {
            quote!((#tokens))
        } else {
            tokens
        }
    }

    pub fn operand(&self, o: &Operand) -> E {
        match o {
            Operand::Var(v) => E::Var(*v),
            Operand::Elem(v, i) => E::Elem(*v, i.clone()),
            Operand::Konst(k) => E::Konst(k.clone()),
        }
    }

    /// Whether an operation works on arrays (or values that may be): it then goes through the
    /// runtime's tensor kernels.
    pub fn tensor_op(&self, op: &Op) -> bool {
        matches!(op, Op::Dot(..) | Op::Reduce(..))
            || op
                .operands()
                .iter()
                .any(|o| o.var().is_some_and(|v| self.f.vars[v].kind == Kind::Tensor))
    }

    /// An expression over arrays: arithmetic through `t::add(&a, &b)` and friends, literals as
    /// `t::Lit`, kernels with their arguments by reference.
    pub fn texpr(&self, e: &E) -> TokenStream {
        let private = &self.private;
        match e {
            E::Bin(op, a, b) => {
                let name = Ident::new(
                    match op {
                        BinOp::Add => "add",
                        BinOp::Sub => "sub",
                        BinOp::Mul => "mul",
                        BinOp::Div => "div",
                    },
                    Span::mixed_site(),
                );
                let (a, b) = (self.texpr(a), self.texpr(b));
                quote!(#private::tensor::#name(&#a, &#b))
            }
            E::Neg(a) => {
                let a = self.texpr(a);
                quote!(#private::tensor::neg(&#a))
            }
            E::Lit(l) => {
                let l = syn::LitFloat::new(l, Span::mixed_site());
                quote!(#private::tensor::Lit(#l))
            }
            E::Method(name, r, args) => {
                let r = self.texpr(r);
                let name = Ident::new(name.name(), Span::mixed_site());
                let args = args.iter().map(|a| self.expr(a, 0));
                quote!(#r.#name(#(#args),*))
            }
            E::Kernel(kernel, args) => {
                let name = Ident::new(kernel.name(), Span::mixed_site());
                let args = args.iter().enumerate().map(|(i, a)| {
                    // Constant arguments (axes, degrees of freedom) are written as they are.
                    if let E::Konst(_) = a {
                        return self.expr(a, PREC_ATOM);
                    }
                    let t = self.texpr(a);
                    match a {
                        // `sum_to` takes a temporary by value and a variable by reference.
                        _ if kernel.takes_temporary() && i == 0 => match a {
                            E::Var(_)
                            | E::Adj(_)
                            | E::Up(_)
                            | E::Dot(_)
                            | E::DotAdj(_)
                            | E::DotUp(_) => quote!(&#t),
                            _ => t,
                        },
                        _ => quote!(&#t),
                    }
                });
                quote!(#private::tensor::#name(#(#args),*))
            }
            // Elementwise local derivatives: `t::d::powi(&x, n)`, `t::d::abs(&x)`.
            E::Helper(helper, args) if helper.elementwise() => {
                let name = Ident::new(helper.name(), Span::mixed_site());
                let x = self.texpr(&args[0]);
                let rest = args.iter().skip(1).map(|a| self.expr(a, 0));
                quote!(#private::tensor::d::#name(&#x #(, #rest)*))
            }
            E::Tensor(inner) => self.texpr(inner),
            // An unsuffixed float literal takes the element type of the array beside it.
            E::Konst(k) if is_float_literal(&k.expr) => {
                let l = &k.expr;
                quote!(#private::tensor::Lit(#l))
            }
            other => self.expr(other, PREC_ATOM),
        }
    }

    /// An operation of the forward pass.
    pub fn op(&self, op: &Op) -> TokenStream {
        if self.tensor_op(op) {
            return self.tensor_forward(op);
        }
        self.op_plain(op)
    }

    fn op_plain(&self, op: &Op) -> TokenStream {
        match op {
            Op::Konst(k) => k.expr.to_token_stream(),
            // A sequence is copied, never moved or aliased: the copy may be written, and the
            // backward pass may read the original.
            Op::Copy(Operand::Var(v)) if self.f.vars[*v].kind == Kind::Seq => {
                let (private, v) = (&self.private, self.ident(*v));
                quote!(#private::owned_copy(&#v))
            }
            Op::Copy(a) => self.expr(&self.operand(a), 0),
            Op::Neg(a) => self.expr(&E::Neg(Box::new(self.operand(a))), 0),
            Op::Bin(b, x, y) => self.expr(
                &E::Bin(*b, Box::new(self.operand(x)), Box::new(self.operand(y))),
                0,
            ),
            Op::Math(m, a, rest) => {
                let r = self.expr(&self.operand(a), PREC_ATOM);
                let name = Ident::new(m.name(), Span::mixed_site());
                let args = rest.iter().map(|o| self.expr(&self.operand(o), 0));
                quote!(#r.#name(#(#args),*))
            }
            Op::Cast(a, ty) => {
                let a = self.expr(&self.operand(a), PREC_CAST);
                quote!(#a as #ty)
            }
            Op::Call(call) => {
                let path = &call.path;
                let generics = &call.generics;
                let args = self.call_args(call);
                quote_spanned!(call.span=> #path #generics (#(#args),*))
            }
            Op::List { items, vec } => {
                let items = items.iter().map(|o| self.expr(&self.operand(o), 0));
                if *vec {
                    quote!(::std::vec![#(#items),*])
                } else {
                    quote!([#(#items),*])
                }
            }
            Op::Dot(..) | Op::Reduce(..) => self.tensor_forward(op),
        }
    }

    pub fn call_args_tokens(&self, call: &Call) -> Vec<TokenStream> {
        self.call_args(call)
    }

    /// Whether the forward pass assigns `v` after its definition.
    pub fn assigned_in_place(&self, v: VarId) -> bool {
        self.a.in_place[v]
    }

    pub fn annotation_tokens(&self, v: VarId) -> TokenStream {
        self.annotation(v)
    }

    /// An operation on arrays in the forward pass.
    fn tensor_forward(&self, op: &Op) -> TokenStream {
        let private = &self.private;
        let t = |o: &Operand| self.texpr(&crate::rules::operand(o));
        match op {
            Op::Bin(b, x, y) => self.texpr(&E::Bin(
                *b,
                Box::new(crate::rules::operand(x)),
                Box::new(crate::rules::operand(y)),
            )),
            Op::Neg(a) => {
                let a = t(a);
                quote!(#private::tensor::neg(&#a))
            }
            Op::Copy(a) => {
                let a = t(a);
                quote!(#private::tensor::owned(&#a))
            }
            Op::Math(m, a, rest) => {
                let a = t(a);
                let name = Ident::new(m.name(), Span::mixed_site());
                let args = rest.iter().map(|o| self.expr(&self.operand(o), 0));
                quote!(#a.#name(#(#args),*))
            }
            Op::Dot(a, b) => {
                let (a, b) = (t(a), t(b));
                quote!(#private::tensor::dot(&#a, &#b))
            }
            Op::Reduce(r, a) => {
                let a = t(a);
                let (kernel, args) = r.forward();
                let kernel = Ident::new(kernel.name(), Span::mixed_site());
                let args = args.iter().map(|e| self.expr(e, 0));
                quote!(#private::tensor::#kernel(&#a #(, #args)*))
            }
            // Calls, lists, constants and casts are written as for floats.
            Op::Call(_) | Op::List { .. } | Op::Konst(_) | Op::Cast(..) => self.op_plain(op),
        }
    }

    fn call_args(&self, call: &Call) -> Vec<TokenStream> {
        call.args
            .iter()
            .map(|a| {
                let v = self.expr(
                    &self.operand(&a.value),
                    if a.by_ref { PREC_UNARY } else { 0 },
                );
                if a.by_ref { quote!(&#v) } else { v }
            })
            .collect()
    }

    /// Whether a call goes through its module's `__vjp`: its value carries a derivative.
    pub fn call_active(&self, target: VarId, call: &Call) -> bool {
        self.a.active[target]
            && call
                .args
                .iter()
                .any(|a| a.value.var().is_some_and(|v| self.a.active[v]))
    }

    pub fn zero(&self, v: VarId) -> TokenStream {
        match self.f.vars[v].kind {
            Kind::Seq | Kind::Tensor => {
                let (private, id) = (&self.private, self.ident(v));
                quote!(#private::zeros_like(&#id))
            }
            Kind::Float => quote!(0.0),
            _ => quote!(::core::default::Default::default()),
        }
    }

    // ---------------------------------------------------------------- forward pass

    /// The forward pass, with the saves and records the backward pass needs.
    pub fn forward(&self) -> TokenStream {
        let private = &self.private;
        let active = |v: &&VarId| self.fob && self.a.active[**v];
        let [values, elems] = self.inline_capacities();
        // Inline up to 64 slots; a function with more push sites outside loops keeps them on
        // the heap rather than in a large stack frame.
        let inline = |sites: &BTreeMap<VarId, Option<usize>>, v: VarId| {
            sites
                .get(&v)
                .copied()
                .unwrap_or(Some(0))
                .map(|n| n.max(1))
                .filter(|&n| n <= 64)
        };
        let stacks = self
            .a
            .stacks
            .iter()
            .map(|&v| (self.stack(v), inline(&values, v)))
            .chain(
                self.a
                    .elem_stacks
                    .iter()
                    .map(|&v| (self.elems(v), inline(&elems, v))),
            )
            .chain(
                self.a
                    .stacks
                    .iter()
                    .filter(active)
                    .map(|&v| (self.suffixed(v, "dot_", "_stack"), inline(&values, v))),
            )
            .chain(
                self.a
                    .elem_stacks
                    .iter()
                    .filter(active)
                    .map(|&v| (self.suffixed(v, "dot_", "_elems"), inline(&elems, v))),
            );
        let stacks = stacks.map(|(s, inline)| match inline {
            // Pushed only outside loops: at most one value per push site, kept inline.
            Some(n) => quote!(let mut #s = #private::InlineStack::<_, #n>::new();),
            None => quote!(let mut #s = #private::Stack::new();),
        });
        let body = self.block(&self.f.body, &mut Vec::new());
        quote!(#(#stacks)* #body)
    }

    /// For every stack pushed only outside every loop, how many push sites it has (each
    /// runs at most once, so that many slots hold it): value stacks, then element stacks,
    /// found in one walk.
    fn inline_capacities(&self) -> [BTreeMap<VarId, Option<usize>>; 2] {
        let mut sites: [BTreeMap<VarId, Option<usize>>; 2] = Default::default();
        let depth = |scope: ScopeId| self.f.scopes[scope].loop_depth;
        let mut site = |kind: usize, v: VarId, scope: ScopeId| {
            let entry = sites[kind].entry(v).or_insert(Some(0));
            *entry = match *entry {
                Some(n) if depth(scope) == 0 => Some(n + 1),
                _ => None,
            };
        };
        for (&scope, vars) in &self.a.block_saves {
            for &v in vars {
                site(0, v, scope);
            }
        }
        crate::analysis::walk(&self.f.body, &mut |stmt, scope| match stmt {
            Stmt::Assign {
                var, init: false, ..
            } if crate::analysis::saved_at(self.f, self.a, *var, scope) => site(0, *var, scope),
            Stmt::SetElem { var, .. } if self.a.saved[*var] => site(1, *var, scope),
            Stmt::Loop { body, .. } => {
                for &v in self.a.loop_saves.get(&body.scope).into_iter().flatten() {
                    site(0, v, scope);
                }
            }
            _ => {}
        });
        sites
    }

    fn block(&self, block: &Block, chain: &mut Vec<ScopeId>) -> TokenStream {
        chain.push(block.scope);
        let mut out = TokenStream::new();
        for stmt in &block.stmts {
            out.extend(self.stmt(stmt, chain));
        }
        if block.scope != 0 && !exits(block) {
            out.extend(self.saves(block.scope));
        }
        chain.pop();
        out
    }

    /// The pushes at the end of a block: its locals the backward pass reads.
    fn saves(&self, scope: ScopeId) -> TokenStream {
        let Some(vars) = self.a.block_saves.get(&scope) else {
            return TokenStream::new();
        };
        vars.iter().map(|&v| self.push_value(v)).collect()
    }

    /// `v_stack.push(v);`, and in forward over reverse its tangent beside it.
    fn push_value(&self, v: VarId) -> TokenStream {
        let (s, id) = (self.stack(v), self.ident(v));
        let dot = self.tangent_push(v, false);
        quote!(#s.push(#id); #dot)
    }

    fn stmt(&self, stmt: &Stmt, chain: &mut Vec<ScopeId>) -> TokenStream {
        match stmt {
            Stmt::Let { var, op, .. } => {
                let id = self.ident(*var);
                let m = self.mutability(*var);
                if let Op::Call(call) = op {
                    if self.call_active(*var, call) {
                        let (path, generics) = (&call.path, &call.generics);
                        // A call that borrows a local makes its pullback in the backward
                        // pass; here it only gives the value (and its tangent).
                        let pb = if call.recompute {
                            quote!(_)
                        } else {
                            self.ident(call.pullback).to_token_stream()
                        };
                        let args = self.call_args(call);
                        if self.fob {
                            let tangents = self.call_tangents_pub(call);
                            let dot = self.dot(*var);
                            return quote_spanned!(call.span=>
                                let (#m #id, #m #dot, #pb) = #path::__fob #generics (#(#args,)* #(#tangents),*);
                            );
                        }
                        if !call.recompute {
                            return quote_spanned!(call.span=> let (#m #id, #pb) = #path::__vjp #generics (#(#args),*););
                        }
                    }
                }
                let ty = self.annotation(*var);
                let value = self.op(op);
                let tangent = if self.fob && self.a.active[*var] {
                    let (dot, t) = (self.dot(*var), self.tangent_of_pub(*var, op));
                    quote!(let #m #dot = #t;)
                } else {
                    TokenStream::new()
                };
                quote!(let #m #id #ty = #value; #tangent)
            }
            Stmt::Declare { var } => {
                let (id, ty) = (self.ident(*var), self.annotation(*var));
                let dot = self.dot(*var);
                let with_tangent = self.fob && self.a.active[*var];
                if self.a.zero_declare[*var] {
                    let zero = self.zero(*var);
                    let tangent = if with_tangent {
                        quote!(let mut #dot = #zero;)
                    } else {
                        TokenStream::new()
                    };
                    quote!(let mut #id #ty = #zero; #tangent)
                } else {
                    let m = self.mutability(*var);
                    let tangent = if with_tangent {
                        quote!(let #m #dot;)
                    } else {
                        TokenStream::new()
                    };
                    quote!(let #m #id #ty; #tangent)
                }
            }
            Stmt::Assign { var, op, init, .. } => {
                let id = self.ident(*var);
                let scope = *chain.last().expect("a block encloses every statement");
                let save = if !init && crate::analysis::saved_at(self.f, self.a, *var, scope) {
                    let s = self.stack(*var);
                    // An array the new value is computed from is copied, otherwise moved.
                    let reads_itself = self.f.vars[*var].kind != Kind::Float
                        && op.operands().iter().any(|o| match o {
                            Operand::Var(v) | Operand::Elem(v, _) => v == var,
                            Operand::Konst(k) => k.reads.contains(var),
                        });
                    let dot = self.tangent_push(*var, reads_itself);
                    if reads_itself {
                        quote!(#s.push(::core::clone::Clone::clone(&#id)); #dot)
                    } else {
                        quote!(#s.push(#id); #dot)
                    }
                } else {
                    TokenStream::new()
                };
                let value = self.op(op);
                if self.fob && self.a.active[*var] {
                    let (dot, t) = (self.dot(*var), self.tangent_of_pub(*var, op));
                    // An overwrite reads the old values: its tangent comes first.
                    if *init {
                        quote!(#save #id = #value; #dot = #t;)
                    } else {
                        quote!(#save #dot = #t; #id = #value;)
                    }
                } else {
                    quote!(#save #id = #value;)
                }
            }
            Stmt::SetElem { var, index, op, .. } => {
                let (id, i) = (self.ident(*var), &index.expr);
                let fob = self.fob && self.a.active[*var];
                let save = if self.a.saved[*var] {
                    let s = self.elems(*var);
                    let dot = if fob {
                        let (ds, d) = (self.suffixed(*var, "dot_", "_elems"), self.dot(*var));
                        quote!(#ds.push(#d[#i]);)
                    } else {
                        TokenStream::new()
                    };
                    quote!(#s.push(#id[#i]); #dot)
                } else {
                    TokenStream::new()
                };
                let value = self.op(op);
                if fob {
                    let dot = self.dot(*var);
                    let t = match crate::rules::tangent(op, E::Elem(*var, index.clone()), &|u| {
                        self.a.active[u]
                    }) {
                        Some(e) => self.expr(&e, 0),
                        None => quote!(0.0),
                    };
                    quote!(#save #dot[#i] = #t; #id[#i] = #value;)
                } else {
                    quote!(#save #id[#i] = #value;)
                }
            }
            Stmt::Eval(k) => {
                let e = &k.expr;
                quote!(#e;)
            }
            Stmt::If {
                cond, then, els, ..
            } => {
                let t = self.block(then, chain);
                let e = self.block(els, chain);
                let e = if e.is_empty() {
                    TokenStream::new()
                } else {
                    quote!(else { #e })
                };
                let c = &cond.expr;
                match self.a.control.get(&then.scope).and_then(|c| c.flag) {
                    Some(flag) => {
                        let flag = self.ident(flag);
                        quote!(let #flag = #c; if #flag { #t } #e)
                    }
                    None => quote!(if #c { #t } #e),
                }
            }
            Stmt::Loop { head, body, .. } => {
                // Values the loop overwrites but no rule inside it reads: saved once, here.
                let saves: TokenStream = self
                    .a
                    .loop_saves
                    .get(&body.scope)
                    .into_iter()
                    .flatten()
                    .map(|&v| self.push_value(v))
                    .collect();
                let lp = self.forward_loop(head, body, chain);
                quote!(#saves #lp)
            }
            Stmt::Break => {
                // Leaving the loop: every block up to the loop body saves its locals first.
                let mut saves = TokenStream::new();
                for &scope in chain.iter().rev() {
                    saves.extend(self.saves(scope));
                    let s = &self.f.scopes[scope];
                    let parent_depth = s.parent.map_or(0, |p| self.f.scopes[p].loop_depth);
                    if s.loop_depth > parent_depth {
                        break;
                    }
                }
                quote!(#saves break;)
            }
        }
    }

    fn forward_loop(&self, head: &LoopHead, body: &Block, chain: &mut Vec<ScopeId>) -> TokenStream {
        let control = self.a.control.get(&body.scope);
        let count = control.and_then(|c| c.count).map(|c| self.ident(c));
        let (init_count, bump) = match count {
            Some(c) => (quote!(let mut #c: usize = 0;), quote!(#c += 1;)),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let inner = self.block(body, chain);
        let pat = |v: &Option<VarId>| match v {
            Some(v) => self.ident(*v).to_token_stream(),
            None => quote!(_),
        };
        match head {
            LoopHead::Range { var, steps } => {
                let (p, s) = (pat(var), &steps.expr);
                match control.and_then(|c| c.range).map(|r| self.ident(r)) {
                    Some(range) => {
                        let reserve = self.reserve_stacks(body, range);
                        quote!(
                            let #range = #s;
                            #init_count
                            #reserve
                            for #p in #range { #bump #inner }
                        )
                    }
                    None => quote!(for #p in #s { #inner }),
                }
            }
            LoopHead::Iter { var, iter } => {
                let (p, i) = (pat(var), &iter.expr);
                quote!(#init_count for #p in #i { #bump #inner })
            }
            LoopHead::While { cond } => {
                let c = &cond.expr;
                quote!(#init_count while #c { #bump #inner })
            }
            LoopHead::Infinite => quote!(#init_count loop { #bump #inner }),
        }
    }

    /// `v_stack.reserve(range.len() * k)` for the stacks a loop body pushes to `k` times on
    /// every iteration, so a long loop grows each stack once.
    fn reserve_stacks(&self, body: &Block, range: &Ident) -> TokenStream {
        let mut per_iteration: std::collections::BTreeMap<VarId, (usize, bool)> =
            Default::default();
        for &v in self.a.block_saves.get(&body.scope).into_iter().flatten() {
            per_iteration.entry(v).or_insert((0, false)).0 += 1;
        }
        for stmt in &body.stmts {
            match stmt {
                Stmt::Assign {
                    var, init: false, ..
                } if crate::analysis::saved_at(self.f, self.a, *var, body.scope) => {
                    per_iteration.entry(*var).or_insert((0, false)).0 += 1;
                }
                Stmt::SetElem { var, .. } if self.a.saved[*var] => {
                    per_iteration.entry(*var).or_insert((0, true)).0 += 1;
                }
                Stmt::Loop { body: inner, .. } => {
                    for &v in self.a.loop_saves.get(&inner.scope).into_iter().flatten() {
                        per_iteration.entry(v).or_insert((0, false)).0 += 1;
                    }
                }
                _ => {}
            }
        }
        per_iteration
            .into_iter()
            .map(|(v, (k, elems))| {
                let s = if elems { self.elems(v) } else { self.stack(v) };
                if k == 1 {
                    quote!(#s.reserve(::core::iter::ExactSizeIterator::len(&#range));)
                } else {
                    quote!(#s.reserve(::core::iter::ExactSizeIterator::len(&#range) * #k);)
                }
            })
            .collect()
    }

    /// In forward over reverse, a saved active value's tangent is saved beside it (copied when
    /// the assignment that follows reads it).
    fn tangent_push(&self, v: VarId, copy: bool) -> TokenStream {
        if self.fob && self.a.active[v] {
            let (s, d) = (self.suffixed(v, "dot_", "_stack"), self.dot(v));
            if copy {
                quote!(#s.push(::core::clone::Clone::clone(&#d));)
            } else {
                quote!(#s.push(#d);)
            }
        } else {
            TokenStream::new()
        }
    }

    fn mutability(&self, v: VarId) -> TokenStream {
        if self.a.mutable[v] {
            quote!(mut)
        } else {
            TokenStream::new()
        }
    }

    fn annotation(&self, v: VarId) -> TokenStream {
        let var = &self.f.vars[v];
        match (&var.ty, var.param) {
            (Some(ty), None) => quote!(: #ty),
            _ => TokenStream::new(),
        }
    }

    // ---------------------------------------------------------------- backward pass

    pub fn backward(&self, stmts: &[B]) -> TokenStream {
        let mut assigned = BTreeSet::new();
        let mut restored = BTreeSet::new();
        collect_mutations(stmts, &mut assigned, &mut restored);
        self.b_stmts(stmts, &assigned, &restored)
    }

    /// Whether the backward pass assigns this adjoint after declaring it.
    pub fn adjoint_mutated(&self, stmts: &[B], v: VarId) -> bool {
        let mut assigned = BTreeSet::new();
        collect_mutations(stmts, &mut assigned, &mut BTreeSet::new());
        assigned.contains(&v)
    }

    fn b_stmts(
        &self,
        stmts: &[B],
        assigned: &BTreeSet<VarId>,
        restored: &BTreeSet<VarId>,
    ) -> TokenStream {
        stmts
            .iter()
            .map(|b| {
                if self.fob {
                    // Forward over reverse: the tangent first (it reads the old values),
                    // then the statement.
                    let (before, after) = self.b_tangent(b, assigned, restored);
                    let stmt = match b {
                        B::If(..) | B::For(..) => self.b_stmt(b, assigned, restored),
                        _ => self.b_stmt(b, assigned, restored),
                    };
                    quote!(#before #stmt #after)
                } else {
                    self.b_stmt(b, assigned, restored)
                }
            })
            .collect()
    }

    fn dot_place(&self, p: &Place) -> TokenStream {
        match p {
            Place::Var(v) => self.prefixed("dot_grad_", *v).to_token_stream(),
            Place::Elem(v, i) => {
                let (id, i) = (self.prefixed("dot_grad_", *v), &i.expr);
                quote!(#id[#i])
            }
        }
    }

    /// The tangent statements of a backward statement, to go before and after it.
    fn b_tangent(
        &self,
        b: &B,
        assigned: &BTreeSet<VarId>,
        restored: &BTreeSet<VarId>,
    ) -> (TokenStream, TokenStream) {
        let active = |v: VarId| self.a.active[v];
        let t = |e: &E| crate::rules::tangent_e(e, &active).map(|t| self.expr(&t, 0));
        let none = TokenStream::new();
        let seq = |v: VarId| self.f.vars[v].kind != Kind::Float;
        match b {
            B::LetAdj(v, e) => {
                let m = if assigned.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let dot = self.prefixed("dot_grad_", *v);
                let value = t(e).unwrap_or_else(|| self.zero(*v));
                (none, quote!(let #m #dot = #value;))
            }
            B::ZeroAdj(v) => {
                let (dot, zero) = (self.prefixed("dot_grad_", *v), self.zero(*v));
                (none, quote!(let mut #dot = #zero;))
            }
            B::SetAdj(p, e) => {
                let dot = self.dot_place(p);
                let value = t(e).unwrap_or_else(|| quote!(0.0));
                (quote!(#dot = #value;), none)
            }
            B::AddAdj(p, e) => match t(e) {
                Some(value) => {
                    let dot = self.dot_place(p);
                    if matches!(p, Place::Var(v) if seq(*v)) {
                        let private = &self.private;
                        (quote!(#private::accumulate(&mut #dot, #value);), none)
                    } else {
                        (quote!(#dot += #value;), none)
                    }
                }
                None => (none.clone(), none),
            },
            B::Kill(p) => {
                let dot = self.dot_place(p);
                if matches!(p, Place::Var(v) if seq(*v)) {
                    (none, quote!(#dot.fill(0.0);))
                } else {
                    (none, quote!(#dot = 0.0;))
                }
            }
            B::LetGrads(..) | B::LetPullback(..) | B::If(..) | B::For(..) | B::Nop => {
                (none.clone(), none)
            }
            B::LetUp(p) => {
                let (id, dot) = (self.prefixed("dot_upstream_", p.var()), self.dot_place(p));
                (none, quote!(let #id = #dot;))
            }
            B::Recompute(v, op) if active(*v) => {
                let (dot, value) = (self.dot(*v), self.tangent_of_pub(*v, op));
                (none, quote!(let #dot = #value;))
            }
            B::Pop(v) if active(*v) => {
                let m = if restored.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let (dot, s) = (self.dot(*v), self.suffixed(*v, "dot_", "_stack"));
                (none, quote!(let #m #dot = #s.pop();))
            }
            B::Restore(v) if active(*v) => {
                let (dot, s) = (self.dot(*v), self.suffixed(*v, "dot_", "_stack"));
                (none, quote!(#dot = #s.pop();))
            }
            B::RestoreElem(v, i) if active(*v) => {
                let (dot, s, i) = (self.dot(*v), self.suffixed(*v, "dot_", "_elems"), &i.expr);
                (none, quote!(#dot[#i] = #s.pop();))
            }
            _ => (none.clone(), none),
        }
    }
    fn place(&self, p: &Place) -> TokenStream {
        match p {
            Place::Var(v) => self.adj(*v).to_token_stream(),
            Place::Elem(v, i) => {
                let (id, i) = (self.adj(*v), &i.expr);
                quote!(#id[#i])
            }
        }
    }

    fn b_stmt(&self, b: &B, assigned: &BTreeSet<VarId>, restored: &BTreeSet<VarId>) -> TokenStream {
        match b {
            B::LetAdj(v, e) => {
                let m = if assigned.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let (id, e) = (self.adj(*v), self.expr(e, 0));
                quote!(let #m #id = #e;)
            }
            B::ZeroAdj(v) => {
                let id = self.adj(*v);
                let zero = self.zero(*v);
                quote!(let mut #id = #zero;)
            }
            B::SetAdj(p, e) => {
                let (p, e) = (self.place(p), self.expr(e, 0));
                quote!(#p = #e;)
            }
            // A matrix product's gradient goes straight into the total (GEMM, beta = 1).
            B::AddAdj(p, E::Tensor(inner)) if matches!(&**inner, E::Kernel(k, _) if k.accumulating().is_some()) =>
            {
                let E::Kernel(kernel, args) = &**inner else {
                    unreachable!("matched just above")
                };
                let private = &self.private;
                let kernel = kernel.accumulating().expect("matched just above");
                let kernel = Ident::new(kernel, Span::mixed_site());
                let pt = self.place(p);
                let args = args.iter().map(|a| self.texpr(a));
                quote!(#private::tensor::#kernel(&mut #pt, #(&#args),*);)
            }
            B::AddAdj(p, e) => {
                let whole_seq = matches!(p, Place::Var(v) if self.f.vars[*v].kind != Kind::Float);
                let (pt, e) = (self.place(p), self.expr(e, 0));
                if whole_seq {
                    let private = &self.private;
                    quote!(#private::accumulate(&mut #pt, #e);)
                } else {
                    quote!(#pt += #e;)
                }
            }
            B::Kill(p) if matches!(p, Place::Var(v) if self.f.vars[*v].kind == Kind::Tensor) => {
                let (pt, private) = (self.place(p), &self.private);
                quote!(#private::zero_out(&mut #pt);)
            }
            B::Kill(p) => {
                let whole_seq = matches!(p, Place::Var(v) if self.f.vars[*v].kind != Kind::Float);
                let pt = self.place(p);
                if whole_seq {
                    quote!(#pt.fill(0.0);)
                } else {
                    quote!(#pt = 0.0;)
                }
            }
            B::LetGrads(v, e) => {
                let id = self.ident(*v);
                match (self.fob, e) {
                    // Forward over reverse: the pullback takes the upstream adjoint and its
                    // tangent, and returns the gradients and their tangents.
                    (true, E::Apply(pullback, args)) => {
                        let pb = self.ident(*pullback);
                        let up = self.expr(&args[0], 0);
                        let dot_up = crate::rules::tangent_e(&args[0], &|u| self.a.active[u])
                            .map(|t| self.expr(&t, 0))
                            .unwrap_or_else(|| quote!(0.0));
                        let dot = self.dot(*v);
                        quote!(let (#id, #dot) = #pb(#up, #dot_up);)
                    }
                    _ => {
                        let e = self.expr(e, 0);
                        quote!(let #id = #e;)
                    }
                }
            }
            B::LetPullback(pb, call) => {
                let (path, generics, pb) = (&call.path, &call.generics, self.ident(*pb));
                let args = self.call_args(call);
                if self.fob {
                    // Forward over reverse: the call again with its arguments' tangents.
                    let tangents = self.call_tangents_pub(call);
                    quote_spanned!(call.span=> let #pb = #path::__fob #generics (#(#args,)* #(#tangents),*).2;)
                } else {
                    quote_spanned!(call.span=> let #pb = #path::__vjp #generics (#(#args),*).1;)
                }
            }
            B::LetUp(p) => {
                let (id, p) = (self.upstream(p.var()), self.place(p));
                quote!(let #id = #p;)
            }
            B::Recompute(v, op) => {
                let (id, op) = (self.ident(*v), self.op(op));
                quote!(let #id = #op;)
            }
            B::Pop(v) => {
                let m = if restored.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let (id, s) = (self.ident(*v), self.stack(*v));
                quote!(let #m #id = #s.pop();)
            }
            B::Restore(v) => {
                let (id, s) = (self.ident(*v), self.stack(*v));
                quote!(#id = #s.pop();)
            }
            B::RestoreElem(v, i) => {
                let (id, s, i) = (self.ident(*v), self.elems(*v), &i.expr);
                quote!(#id[#i] = #s.pop();)
            }
            B::If(cond, t, e) => {
                let c = self.expr(cond, 0);
                let t = self.b_stmts(t, assigned, restored);
                let e = self.b_stmts(e, assigned, restored);
                if e.is_empty() {
                    quote!(if #c { #t })
                } else {
                    quote!(if #c { #t } else { #e })
                }
            }
            B::For(var, replay, body) => {
                let p = match var {
                    Some(v) => self.ident(*v).to_token_stream(),
                    None => quote!(_),
                };
                let iter = match replay {
                    Replay::Rev(r) => {
                        let r = self.ident(*r);
                        quote!(#r.rev())
                    }
                    Replay::Partial(r, c) => {
                        let (r, c) = (self.ident(*r), self.ident(*c));
                        quote!(#r.replay(#c))
                    }
                    Replay::Count(c) => {
                        let c = self.ident(*c);
                        quote!(0..#c)
                    }
                    Replay::Forward(r) => self.ident(*r).to_token_stream(),
                };
                let body = self.b_stmts(body, assigned, restored);
                quote!(for #p in #iter { #body })
            }
            B::Nop => TokenStream::new(),
        }
    }
}

fn collect_mutations(stmts: &[B], assigned: &mut BTreeSet<VarId>, restored: &mut BTreeSet<VarId>) {
    for b in stmts {
        match b {
            B::SetAdj(p, _) | B::AddAdj(p, _) | B::Kill(p) => {
                assigned.insert(p.var());
            }
            B::Restore(v) | B::RestoreElem(v, _) => {
                restored.insert(*v);
            }
            B::If(_, t, e) => {
                collect_mutations(t, assigned, restored);
                collect_mutations(e, assigned, restored);
            }
            B::For(_, _, body) => collect_mutations(body, assigned, restored),
            _ => {}
        }
    }
}

/// Whether control never reaches a block's end (it ends in `break` on every path).
pub fn exits(block: &Block) -> bool {
    match block.stmts.last() {
        Some(Stmt::Break) => true,
        Some(Stmt::If { then, els, .. }) => exits(then) && exits(els),
        _ => false,
    }
}

const PREC_ATOM: u8 = 20;
const PREC_UNARY: u8 = 15;
const PREC_CAST: u8 = 14;

fn bin_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Mul | BinOp::Div => 13,
        BinOp::Add | BinOp::Sub => 12,
    }
}

fn bin_token(op: BinOp) -> TokenStream {
    match op {
        BinOp::Add => quote!(+),
        BinOp::Sub => quote!(-),
        BinOp::Mul => quote!(*),
        BinOp::Div => quote!(/),
    }
}

/// The precedence of a user's expression, to parenthesize it where it is embedded.
pub fn konst_prec(e: &syn::Expr) -> u8 {
    use syn::Expr;
    match e {
        Expr::Binary(b) => match b.op {
            syn::BinOp::Mul(_) | syn::BinOp::Div(_) | syn::BinOp::Rem(_) => 13,
            syn::BinOp::Add(_) | syn::BinOp::Sub(_) => 12,
            syn::BinOp::Shl(_) | syn::BinOp::Shr(_) => 11,
            syn::BinOp::BitAnd(_) => 10,
            syn::BinOp::BitXor(_) => 9,
            syn::BinOp::BitOr(_) => 8,
            syn::BinOp::Eq(_)
            | syn::BinOp::Ne(_)
            | syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_) => 7,
            syn::BinOp::And(_) => 6,
            syn::BinOp::Or(_) => 5,
            _ => 1,
        },
        Expr::Unary(_) | Expr::Reference(_) => PREC_UNARY,
        Expr::Cast(_) => PREC_CAST,
        Expr::Range(_) => 2,
        Expr::Assign(_) | Expr::Closure(_) | Expr::Return(_) | Expr::Break(_) => 0,
        // A negative literal: `-1.0` as a method receiver needs parentheses.
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) if f.base10_digits().starts_with('-') => PREC_UNARY,
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) if i.base10_digits().starts_with('-') => PREC_UNARY,
        _ => PREC_ATOM,
    }
}

/// An unsuffixed float literal, possibly negated: `2.0`, `-0.5`, `(1.0)`.
fn is_float_literal(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) => f.suffix().is_empty(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        })
        | syn::Expr::Paren(syn::ExprParen { expr, .. }) => is_float_literal(expr),
        _ => false,
    }
}

/// The lifetime for a reference parameter named after it: `x: &'x [f64]`.
pub fn lifetime_for(name: &Ident, taken: &mut BTreeSet<String>) -> syn::Lifetime {
    let base = name.to_string().trim_start_matches("r#").to_owned();
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.contains(&candidate) || candidate == "static" || candidate == "_" {
        candidate = format!("{base}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    syn::Lifetime::new(
        &format!("'{candidate}"),
        Span::mixed_site().located_at(name.span()),
    )
}
