//! Printing: the IR and the backward statements as Rust, and the module `#[differentiate]`
//! puts beside the user's function. Everything the generated code names from outside is an
//! absolute path (`::core::…`, the facade's `__private`), so user items called `Option`,
//! `Result` or `sigmoid` change nothing; generated locals have mixed-site hygiene.

use crate::analysis::Analysis;
use crate::args::Args;
use crate::ir::*;
pub use crate::names::Derived;
use crate::precedence::{PREC_ATOM, PREC_CAST, PREC_UNARY, bin_prec, bin_token, konst_prec};
use crate::reverse::{B, Replay};
use crate::rules::{E, Place};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use std::collections::{BTreeMap, BTreeSet};
use syn::Ident;

mod backward;
mod forward;
mod rebound;
mod views;

pub struct Emit<'a> {
    pub f: &'a Func,
    pub a: &'a Analysis,
    pub private: TokenStream,
    /// Forward over reverse: every primal value and every adjoint carries its tangent.
    pub fob: bool,
    /// Whether the forward pass records what a backward pass reads (stacks, branch flags,
    /// loop ranges and counts). Forward mode (`jvp`) records nothing: the same printer, each
    /// value followed by its tangent.
    pub records: bool,
    /// Whether values carry their tangents where the mode has them (off for the copy of a
    /// forward-mode loop that runs when every tangent flowing into it is zero).
    pub tangents: bool,
    /// Forward mode along several directions at once (`jvps`): each float's tangent is a
    /// `Tangents<T, LANES>`, so tangent zeros are written as its.
    pub lanes: bool,
}

impl<'a> Emit<'a> {
    pub fn new(f: &'a Func, a: &'a Analysis, args: &Args) -> Self {
        let krate = &args.krate;
        Emit {
            f,
            a,
            private: quote!(#krate::__private),
            fob: false,
            records: true,
            tangents: true,
            lanes: false,
        }
    }

    pub fn ident(&self, v: VarId) -> &Ident {
        &self.f.vars[v].ident
    }

    /// A name derived from a variable's: `grad_x`, `dot_grad_x`, `x_stack`, ...
    pub fn derived(&self, d: Derived, v: VarId) -> Ident {
        let id = self.ident(v);
        Ident::new(&d.of(&id.to_string()), id.span())
    }

    pub fn adj(&self, v: VarId) -> Ident {
        self.derived(Derived::Grad, v)
    }

    pub fn dot(&self, v: VarId) -> Ident {
        self.derived(Derived::Dot, v)
    }

    // ---------------------------------------------------------------- expressions

    /// An expression, parenthesized where its precedence is below `min`.
    pub fn expr(&self, e: &E, min: u8) -> TokenStream {
        let (prec, tokens) = match e {
            E::Var(v) => (PREC_ATOM, self.ident(*v).to_token_stream()),
            E::Adj(v) => (PREC_ATOM, self.adj(*v).to_token_stream()),
            E::Dot(v) => (PREC_ATOM, self.dot(*v).to_token_stream()),
            E::Elem(v, i) => match rebound::rebound(*v, i, false) {
                Some(bound) => (PREC_ATOM, bound),
                None => {
                    let id = self.ident(*v);
                    (PREC_ATOM, quote!(#id #i))
                }
            },
            E::AdjElem(v, i) => match rebound::rebound(*v, i, true) {
                Some(bound) => (PREC_ATOM, bound),
                None => {
                    let id = self.adj(*v);
                    (PREC_ATOM, quote!(#id #i))
                }
            },
            E::DotElem(v, i) => {
                let id = self.dot(*v);
                (PREC_ATOM, quote!(#id #i))
            }
            E::Up(v) => (
                PREC_ATOM,
                self.derived(Derived::Upstream, *v).to_token_stream(),
            ),
            E::DotAdj(v) => (
                PREC_ATOM,
                self.derived(Derived::DotGrad, *v).to_token_stream(),
            ),
            E::DotAdjElem(v, i) => {
                let id = self.derived(Derived::DotGrad, *v);
                (PREC_ATOM, quote!(#id #i))
            }
            E::DotUp(v) => (
                PREC_ATOM,
                self.derived(Derived::DotUpstream, *v).to_token_stream(),
            ),
            E::Tensor(e) => (PREC_ATOM, self.texpr(e)),
            E::Select(c, a, b) => {
                let (c, a, b) = (self.expr(c, 0), self.expr(a, 0), self.expr(b, 0));
                (1, quote!(if #c { #a } else { #b }))
            }
            E::Konst(k) => (konst_prec(&k.expr), k.expr.to_token_stream()),
            E::Lit(l) => (PREC_ATOM, self.float(l)),
            E::Bin(op, a, b) => {
                let p = bin_prec(*op);
                let (a, b) = (self.expr(a, p), self.expr(b, p + 1));
                (p, cat([a, bin_token(*op), b]))
            }
            E::Neg(a) => {
                let a = self.expr(a, PREC_UNARY);
                (PREC_UNARY, cat([quote!(-), a]))
            }
            E::Not(a) => {
                let a = self.expr(a, PREC_UNARY);
                (PREC_UNARY, cat([quote!(!), a]))
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
            let group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, tokens);
            proc_macro2::TokenTree::Group(group).into()
        } else {
            tokens
        }
    }

    /// Whether an operation works on arrays (or values that may be): it then goes through the
    /// runtime's tensor kernels.
    pub fn tensor_op(&self, op: &Op) -> bool {
        matches!(op, Op::Dot(..) | Op::Reduce(..))
            || op.operands().iter().any(|o| {
                o.whole()
                    .is_some_and(|v| self.f.vars[v].kind == Kind::Tensor)
            })
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
            Op::Copy(a) => self.expr(&crate::rules::operand(a), 0),
            Op::Neg(a) => self.expr(&E::Neg(Box::new(crate::rules::operand(a))), 0),
            Op::Bin(b, x, y) => self.expr(
                &E::Bin(
                    *b,
                    Box::new(crate::rules::operand(x)),
                    Box::new(crate::rules::operand(y)),
                ),
                0,
            ),
            Op::Math(m, a, rest) => {
                let r = self.expr(&crate::rules::operand(a), PREC_ATOM);
                match (m.operator(), &rest[..]) {
                    (Some(op), [b]) => {
                        let b = self.expr(&crate::rules::operand(b), PREC_ATOM);
                        quote!(#r #op #b)
                    }
                    _ => {
                        let name = Ident::new(m.name(), Span::mixed_site());
                        let args = rest.iter().map(|o| self.expr(&crate::rules::operand(o), 0));
                        quote!(#r.#name(#(#args),*))
                    }
                }
            }
            Op::Cast(a, ty) => {
                let a = self.expr(&crate::rules::operand(a), PREC_CAST);
                quote!(#a as #ty)
            }
            Op::Call(call) => {
                let args = self.call_args(call);
                let value = match &call.method {
                    None => {
                        let (path, generics) = (&call.path, &call.generics);
                        quote_spanned!(call.span=> #path #generics (#(#args),*))
                    }
                    // The user's method, on the receiver (the first argument).
                    Some(method) => {
                        let receiver =
                            self.expr(&crate::rules::operand(&call.args[0].value), PREC_ATOM);
                        let rest = &args[1..];
                        quote_spanned!(call.span=> #receiver.#method(#(#rest),*))
                    }
                };
                if call.tuple {
                    let private = &self.private;
                    quote!(#private::tuple_array(#value))
                } else {
                    value
                }
            }
            Op::List { items, vec } => {
                // A sequence item is copied too (`vec![a, b]` of rows): the backward pass
                // reads it for its shape.
                let items = items.iter().map(|o| match o {
                    Operand::Var(v) if self.f.vars[*v].kind == Kind::Seq => {
                        self.op_plain(&Op::Copy(o.clone()))
                    }
                    o => self.expr(&crate::rules::operand(o), 0),
                });
                if *vec {
                    quote!(::std::vec![#(#items),*])
                } else {
                    quote!([#(#items),*])
                }
            }
            Op::Dot(..) | Op::Reduce(..) => self.tensor_forward(op),
            Op::Field(f) => {
                // The root named at the chain, so errors point at what the body reads.
                let root = self.ident(f.root);
                let root = Ident::new(&root.to_string(), root.span().located_at(f.span));
                let path = f.path_tokens();
                if f.by_ref {
                    quote_spanned!(f.span=> &#root #path)
                } else {
                    // A float, checked to be one where the user wrote it.
                    let private = &self.private;
                    quote_spanned!(f.span=> #private::float_field(#root #path))
                }
            }
        }
    }

    /// After `v.push(..)` or `v.pop()`: the tangent of each sequence whose length changed,
    /// grown with zeros or cut to the value's length.
    pub fn grow_tangents(&self, k: &Konst, active: impl Fn(VarId) -> bool) -> TokenStream {
        let private = &self.private;
        k.resized(&self.f.vars)
            .into_iter()
            .filter(|&v| active(v))
            .map(|v| {
                let (dot, id) = (self.dot(v), self.ident(v));
                match self.lanes {
                    true => quote!(#private::grow_lanes::<LANES, _>(&mut #dot, &#id);),
                    false => quote!(#private::grow_like(&mut #dot, &#id);),
                }
            })
            .collect()
    }

    /// Whether the forward pass carries `v`'s tangent beside it: in forward mode and in
    /// forward over reverse, for an active value.
    pub fn with_tangent(&self, v: VarId) -> bool {
        self.tangents && (self.fob || !self.records) && self.a.facts[v].active
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
            // A temporary nothing else reads is moved, as the user's code does.
            Op::Copy(Operand::Var(s)) if self.a.moved.contains(s) => {
                self.ident(*s).to_token_stream()
            }
            Op::Copy(a) => {
                let a = t(a);
                quote!(#private::tensor::owned(&#a))
            }
            Op::Math(m, a, rest) => {
                let a = t(a);
                let name = Ident::new(m.name(), Span::mixed_site());
                let args = rest.iter().map(|o| self.expr(&crate::rules::operand(o), 0));
                quote!(#a.#name(#(#args),*))
            }
            Op::Dot(a, b) => {
                let (a, b) = (t(a), t(b));
                quote!(#private::tensor::dot(&#a, &#b))
            }
            // A parameter the function borrows, transposed: a view for as long as the
            // borrow, not a copy.
            Op::Reduce(crate::ops::Reduction::Transpose, Operand::Var(v))
                if self.f.borrowed_param(*v) =>
            {
                let id = self.ident(*v);
                quote!(#private::tensor::transpose_view(#id))
            }
            // A row, a column or a slice of a parameter the function borrows: a view of
            // it, saved and read back as one, not a copy.
            Op::Reduce(r, Operand::Var(v)) if self.borrowed_view(op) => {
                let (id, (_, args)) = (self.ident(*v), r.forward());
                let args = args.iter().map(|e| self.expr(e, 0));
                let kernel = match r {
                    crate::ops::Reduction::Lane(..) => quote!(lane_view),
                    _ => quote!(slice_view),
                };
                quote!(#private::tensor::#kernel(#id #(, #args)*))
            }
            Op::Reduce(r, a) => {
                let a = t(a);
                let (kernel, args) = r.forward();
                let kernel = Ident::new(kernel.name(), Span::mixed_site());
                let args = args.iter().map(|e| self.expr(e, 0));
                quote!(#private::tensor::#kernel(&#a #(, #args)*))
            }
            // Calls, lists, constants and casts are written as for floats.
            Op::Call(_) | Op::List { .. } | Op::Konst(_) | Op::Cast(..) | Op::Field(_) => {
                self.op_plain(op)
            }
        }
    }

    /// A call's arguments; in a pass that records, an array passed by value that the
    /// reverse reads again is passed as a copy ([`Analysis::copied_args`]).
    pub(crate) fn call_args(&self, call: &Call) -> Vec<TokenStream> {
        call.args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let v = self.expr(
                    &crate::rules::operand(&a.value),
                    if a.by_ref { PREC_UNARY } else { 0 },
                );
                if a.by_ref {
                    quote!(&#v)
                } else if self.records && self.a.copied_args.contains(&(call.pullback, i)) {
                    quote!(::core::clone::Clone::clone(&#v))
                } else {
                    v
                }
            })
            .collect()
    }

    /// The callee's hidden `item` (`__vjp`, `__jvp`, ...) with the call's generic arguments:
    /// `path::item::<..>` of a function's module, or `receiver.__differentiate_name().item` of
    /// a method's (see [`Call::method`]).
    pub(crate) fn callee(&self, call: &Call, item: &str) -> TokenStream {
        // At the call: an error about the callee's items points there.
        let item = Ident::new(item, call.span);
        let generics = &call.generics;
        match &call.method {
            None => {
                let path = &call.path;
                quote_spanned!(call.span=> #path::#item #generics)
            }
            Some(method) => {
                let receiver = self.expr(&crate::rules::operand(&call.args[0].value), PREC_ATOM);
                let handle = crate::names::method_handle(method);
                quote_spanned!(call.span=> #receiver.#handle().#item)
            }
        }
    }

    /// Whether a call goes through its module's `__vjp`: its value carries a derivative.
    pub fn call_active(&self, target: VarId, call: &Call) -> bool {
        self.a.facts[target].active
            && call
                .args
                .iter()
                .any(|a| a.value.var().is_some_and(|v| self.a.facts[v].active))
    }

    /// A differentiable parameter's gradient when the backward pass ends (`Derived::Grad`),
    /// or its tangent (`Derived::DotGrad`): its adjoint if the pass declared one, zeros
    /// otherwise; a struct's with the gradients of the fields the body read added in.
    pub fn param_gradient(&self, p: &Param, d: Derived, declared: &BTreeSet<VarId>) -> TokenStream {
        let base = if declared.contains(&p.var) {
            self.derived(d, p.var).to_token_stream()
        } else {
            self.tangent_zero(p.var)
        };
        let private = &self.private;
        let reads: Vec<(VarId, &FieldRead)> = self
            .f
            .body
            .stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Let {
                    var,
                    op: Op::Field(field),
                    ..
                } if field.root == p.var && declared.contains(var) => Some((*var, field)),
                _ => None,
            })
            .collect();
        // A field no other read overlaps (`m.hidden` and `m.hidden.w` do) takes its gradient
        // as it is, when nothing else went into the struct's: no addition over zeros.
        let alone = |field: &FieldRead| {
            !declared.contains(&p.var)
                && reads.iter().all(|(_, other)| {
                    std::ptr::eq(*other, field)
                        || !(other.path.starts_with(&field.path)
                            || field.path.starts_with(&other.path))
                })
        };
        // Spanned at the chain: a field the gradient lacks (a constant one) is reported where
        // the body reads it.
        let (moved, added): (Vec<_>, Vec<_>) = reads.iter().partition(|(_, field)| alone(field));
        let moved: Vec<TokenStream> = moved
            .iter()
            .map(|(var, field)| {
                let (adj, path) = (self.derived(d, *var), field.path_tokens());
                // An array field's gradient in standard layout, as a parameter's.
                let adj = match (self.f.vars[*var].kind, self.lanes) {
                    (Kind::Tensor, false) => quote!(#private::tensor::standard(#adj)),
                    _ => adj.to_token_stream(),
                };
                quote_spanned!(field.span=> grad #path = #adj;)
            })
            .collect();
        let added = added.iter().map(|(var, field)| {
            let (adj, path) = (self.derived(d, *var), field.path_tokens());
            quote_spanned!(field.span=> #private::accumulate(&mut grad #path, #adj);)
        });
        if reads.is_empty() {
            // An array's gradient in standard layout (`g.a.as_slice()` works).
            return match (&p.form, self.lanes) {
                (ParamForm::Tensor(_), false) => quote!(#private::tensor::standard(#base)),
                _ => base,
            };
        }
        if moved.is_empty() {
            return quote!({
                let mut grad = #base;
                #(#added)*
                grad
            });
        }
        // The fields' gradients move into a gradient with no storage yet; the fields no read
        // reached get zeros of their shape (no zeros allocated for the others).
        let id = self.ident(p.var);
        let root = if matches!(p.ty, syn::Type::Reference(_)) {
            quote!(#id)
        } else {
            quote!(&#id)
        };
        quote!({
            let mut grad = #private::empty_grad(#root);
            #(#moved)*
            #private::fill_zeros(#root, &mut grad);
            #(#added)*
            grad
        })
    }

    /// A float constant of the function's float type (`2.0`, or `T::from_f64(2.0)`).
    pub fn float(&self, text: &str) -> TokenStream {
        float_lit(self.f.float_ty.as_ref(), text)
    }

    /// A float's zero tangent: `0.0`, or `Tangents::<f64, LANES>::ZERO` along several
    /// directions (the width and, for a result `f64` or `[f64; M]`, the float written out: a
    /// zero nothing else touches, such as the gradient of a parameter the result does not
    /// depend on or of a local nothing reads, has nothing to infer them from).
    pub fn float_tangent_zero(&self) -> TokenStream {
        match self.lanes {
            true => {
                let private = &self.private;
                let float = match &self.f.ret {
                    syn::Type::Array(a) => a.elem.to_token_stream(),
                    syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32") => {
                        p.to_token_stream()
                    }
                    _ => quote!(_),
                };
                quote!(#private::Tangents::<#float, LANES>::ZERO)
            }
            false => self.float("0.0"),
        }
    }

    /// A variable's zero tangent in forward mode (and forward over reverse): `0.0`,
    /// `zeros_like(&v)`, or their counterparts along several directions.
    pub fn tangent_zero(&self, v: VarId) -> TokenStream {
        match (self.lanes, self.f.vars[v].kind) {
            (true, Kind::Float) => self.float_tangent_zero(),
            (true, Kind::Seq) => {
                let (private, id) = (&self.private, self.ident(v));
                quote!(#private::lanes_like::<LANES, _>(&#id))
            }
            _ => self.zero(v),
        }
    }

    /// A tangent expression of forward mode. Along several directions, the zeros it is
    /// made of (a branch of `max`'s rule, `0.0 - dot_b`) are `Tangents::ZERO`.
    pub fn tangent_expr(&self, e: E) -> TokenStream {
        self.expr(&self.lane_zeros(e), 0)
    }

    /// An expression of the backward pass: as it is, or, when the adjoints carry several
    /// rows at once (`__jacobian_lanes`), with its zeros as `Tangents::ZERO`.
    pub fn adjoint_expr(&self, e: &E) -> TokenStream {
        match self.lanes {
            true => self.tangent_expr(e.clone()),
            false => self.adjoint_value(e),
        }
    }

    /// An expression of adjoints; a sequence's whole adjoint (or its tangent) where the
    /// sequence is assigned whole in place is copied (`owned_copy(&grad_y)` for `y = s;`):
    /// the adjoint is reset there and used again, so it cannot be moved.
    pub fn adjoint_value(&self, e: &E) -> TokenStream {
        match e {
            E::Adj(w) | E::DotAdj(w)
                if self.f.vars[*w].kind == Kind::Seq && self.a.facts[*w].reassigned =>
            {
                let private = &self.private;
                let id = match e {
                    E::Adj(_) => self.adj(*w),
                    _ => self.derived(crate::names::Derived::DotGrad, *w),
                };
                quote!(#private::owned_copy(&#id))
            }
            e => self.expr(e, 0),
        }
    }

    fn lane_zeros(&self, e: E) -> E {
        if !self.lanes {
            return e;
        }
        let z = |e: Box<E>| Box::new(self.lane_zeros(*e));
        match e {
            E::Lit("0.0") => {
                let zero = self.float_tangent_zero();
                E::Konst(Konst {
                    expr: syn::parse_quote!(#zero),
                    reads: Vec::new(),
                })
            }
            E::Select(c, a, b) => E::Select(c, z(a), z(b)),
            E::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) => E::Bin(op, z(a), z(b)),
            E::Neg(a) => E::Neg(z(a)),
            e => e,
        }
    }

    pub fn zero(&self, v: VarId) -> TokenStream {
        match self.f.vars[v].kind {
            Kind::Seq | Kind::Tensor | Kind::Struct => {
                let (private, id) = (&self.private, self.ident(v));
                quote!(#private::zeros_like(&#id))
            }
            Kind::Float => self.float("0.0"),
            _ => quote!(::core::default::Default::default()),
        }
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

/// `parts` one after another, each moved into the result (`quote!` would copy each).
pub fn cat<const N: usize>(parts: [TokenStream; N]) -> TokenStream {
    let mut out = TokenStream::new();
    out.extend(parts);
    out
}

/// A token stream spliced into `quote!` by moving it. `quote!` interpolates by reference,
/// and extending a stream with a shared one copies every token (outside the compiler,
/// `proc_macro2` allocates each identifier again): a large stream passed up through nested
/// `quote!`s was copied whole at every level. Each `Moved` is spliced once; a second
/// interpolation of it would splice nothing.
pub struct Moved(std::cell::Cell<Option<TokenStream>>);

impl Moved {
    pub fn new(tokens: TokenStream) -> Self {
        Moved(std::cell::Cell::new(Some(tokens)))
    }
}

impl ToTokens for Moved {
    fn to_tokens(&self, out: &mut TokenStream) {
        if let Some(tokens) = self.0.take() {
            out.extend(std::iter::once(tokens));
        }
    }
}
