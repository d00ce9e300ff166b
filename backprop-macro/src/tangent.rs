//! Forward mode: the same IR, each value's tangent `dot_v` carried beside it, left to right,
//! as the lecture's closing section describes. No stack and no closure: control flow runs
//! once, as written, and every statement is followed (or, when it overwrites one of its own
//! inputs, preceded) by its tangent.

use crate::emit::Emit;
use crate::ir::*;
use crate::rules::{self, E};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};

impl Emit<'_> {
    /// The body of `jvp`: the forward pass with tangents, ending with `(value, tangent)`.
    pub fn jvp_body(&self) -> TokenStream {
        let body = self.t_block(&self.f.body);
        let out = self.ident(self.a.result);
        let dot_out = if self.a.active[self.a.result] {
            self.dot(self.a.result).to_token_stream()
        } else {
            self.zero(self.a.result)
        };
        quote!(#body (#out, #dot_out))
    }

    fn t_active(&self, v: VarId) -> bool {
        self.a.active[v]
    }

    fn t_block(&self, block: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in &block.stmts {
            out.extend(self.t_stmt(stmt));
        }
        out
    }

    /// Whether the forward pass assigns `v` in place.
    fn t_mutable(&self, v: VarId) -> TokenStream {
        if self.assigned_in_place(v) {
            quote!(mut)
        } else {
            TokenStream::new()
        }
    }

    pub fn tangent_of_pub(&self, v: VarId, op: &Op) -> TokenStream {
        self.tangent_of(v, op)
    }

    pub fn call_tangents_pub(&self, call: &Call) -> Vec<TokenStream> {
        self.call_tangents(call)
    }

    /// The tangent of `v = op`, or zero when nothing active flows in.
    fn tangent_of(&self, v: VarId, op: &Op) -> TokenStream {
        let active = |u: VarId| self.a.active[u];
        match op {
            // The same field of the struct's tangent: borrowed, or copied where the pullback
            // outlives the tangent (forward over reverse owns it).
            Op::Field(f) => {
                let (dot, path) = (self.dot(f.root), f.path_tokens());
                match (f.by_ref, self.fob) {
                    (true, false) => quote_spanned!(f.span=> &#dot #path),
                    (true, true) => {
                        quote_spanned!(f.span=> ::core::clone::Clone::clone(&#dot #path))
                    }
                    (false, _) => quote_spanned!(f.span=> #dot #path),
                }
            }
            Op::List { items, vec } => {
                let items = items.iter().map(|o| match rules::place(o, &active) {
                    Some(p) => self.expr(&p.tangent(), 0),
                    None => self.float("0.0"),
                });
                if *vec {
                    quote!(::std::vec![#(#items),*])
                } else {
                    quote!([#(#items),*])
                }
            }
            Op::Copy(Operand::Var(w)) if self.f.vars[*w].kind == Kind::Seq => {
                if self.a.active[*w] {
                    let (private, dw) = (&self.private, self.dot(*w));
                    quote!(#private::owned_copy(&#dw))
                } else {
                    self.zero_tangent(v)
                }
            }
            // `[0.0; N]`, `vec![0.0; n]`, `[a, b]`: zeros of the same shape, written the same
            // way, so the float type is inferred from how it is used.
            Op::Konst(k) if self.f.vars[v].kind == Kind::Seq => {
                match zero_shaped(&k.expr, &self.float("0.0")) {
                    Some(zero) => zero,
                    None => self.zero_tangent(v),
                }
            }
            _ if self.tensor_op(op) || self.f.vars[v].kind == Kind::Tensor => {
                match rules::tangent_tensor(op, E::Var(v), &active) {
                    // Another value's tangent as it is (`y = x + 1.0`): a copy, since `dot_x`
                    // may be read again.
                    Some(E::Tensor(inner)) if matches!(*inner, E::Dot(_) | E::DotElem(..)) => self
                        .expr(
                            &E::Tensor(Box::new(E::Kernel(
                                crate::ops::Kernel::Owned,
                                vec![*inner],
                            ))),
                            0,
                        ),
                    Some(e) => self.expr(&e, 0),
                    None => self.zero_tangent(v),
                }
            }
            _ => match rules::tangent(op, E::Var(v), &active) {
                Some(e) => self.expr(&e, 0),
                None => self.zero_tangent(v),
            },
        }
    }

    fn zero_tangent(&self, v: VarId) -> TokenStream {
        match self.f.vars[v].kind {
            Kind::Seq | Kind::Tensor => {
                let (private, id) = (&self.private, self.ident(v));
                quote!(#private::zeros_like(&#id))
            }
            _ => self.float("0.0"),
        }
    }

    /// The tangents a call passes on: `Some(dot_a)` for an active argument, `None` (zero)
    /// otherwise.
    fn call_tangents(&self, call: &Call) -> Vec<TokenStream> {
        let private = &self.private;
        call.args
            .iter()
            .map(
                |arg| match rules::place(&arg.value, &|u| self.a.active[u]) {
                    Some(p) => {
                        let p = rules::part_of(arg, p);
                        let d = self.expr(&p.tangent(), 0);
                        let whole = match p {
                            rules::Place::Var(v) => {
                                matches!(self.f.vars[v].kind, Kind::Seq | Kind::Tensor)
                            }
                            rules::Place::Elem(..) => false,
                            rules::Place::Part(..) => true,
                        };
                        if whole {
                            quote!(::core::option::Option::Some(#private::tangent(&#d)))
                        } else {
                            quote!(::core::option::Option::Some(#d))
                        }
                    }
                    None => quote!(::core::option::Option::None),
                },
            )
            .collect()
    }

    /// `let v = op;` and its tangent `let dot_v = ..;` (one `sin_cos` for a sine or cosine, one
    /// `__jvp` call for a call).
    fn t_let(&self, var: VarId, op: &Op, span: proc_macro2::Span) -> TokenStream {
        let id = self.ident(var);
        let m = self.t_mutable(var);
        if let Op::Call(call) = op
            && self.call_active(var, call)
        {
            let (path, generics) = (&call.path, &call.generics);
            let args = self.call_args_tokens(call);
            let tangents = self.call_tangents(call);
            let dot = self.dot(var);
            return quote_spanned!(call.span=>
                let (#m #id, #m #dot) = #path::__jvp #generics (#(#args,)* #(#tangents),*);
            );
        }
        let ty = self.annotation_tokens(var);
        // `sin` and `cos` with their tangent: one `sin_cos`, as a person would write.
        if let (true, Kind::Float, Op::Math(math @ (Math::Sin | Math::Cos), a, _)) =
            (self.t_active(var), self.f.vars[var].kind, op)
            && let Some(p) = rules::place(a, &|u| self.a.active[u])
        {
            let (dot, x, da) = (
                self.dot(var),
                self.expr(&crate::rules::operand(a), 20),
                self.expr(&p.tangent(), 13),
            );
            let (sin, cos) = (quote!(sin), quote!(cos));
            let pair = if *math == Math::Sin {
                quote!((#sin, #da * #cos))
            } else {
                quote!((#cos, -(#da * #sin)))
            };
            return quote_spanned!(span=> let (#m #id, #m #dot) = { let (#sin, #cos) = #x.sin_cos(); #pair };);
        }
        let value = self.op(op);
        let mut out = quote_spanned!(span=> let #m #id #ty = #value;);
        if self.t_active(var) {
            let (dot, t) = (self.dot(var), self.tangent_of(var, op));
            out.extend(quote_spanned!(span=> let #m #dot = #t;));
        }
        out
    }

    fn t_stmt(&self, stmt: &Stmt) -> TokenStream {
        match stmt {
            Stmt::Let { var, op, span } => self.t_let(*var, op, *span),
            Stmt::Declare { var } => {
                let (id, ty, m) = (
                    self.ident(*var),
                    self.annotation_tokens(*var),
                    self.t_mutable(*var),
                );
                let mut out = quote!(let #m #id #ty;);
                if self.t_active(*var) {
                    let dot = self.dot(*var);
                    out.extend(quote!(let #m #dot;));
                }
                out
            }
            Stmt::Assign {
                var,
                op,
                init,
                span,
            } => {
                let id = self.ident(*var);
                let value = self.op(op);
                let primal = quote_spanned!(*span=> #id = #value;);
                if !self.t_active(*var) {
                    return primal;
                }
                let (dot, t) = (self.dot(*var), self.tangent_of(*var, op));
                let tangent = quote_spanned!(*span=> #dot = #t;);
                // A first assignment may read its own result; an overwrite reads the old
                // values of its inputs, so its tangent comes first.
                if *init {
                    quote!(#primal #tangent)
                } else {
                    quote!(#tangent #primal)
                }
            }
            Stmt::SetElem {
                var,
                index,
                op,
                span,
            } => {
                let (id, i) = (self.ident(*var), index);
                let value = self.op(op);
                let primal = quote_spanned!(*span=> #id #i = #value;);
                if !self.t_active(*var) {
                    return primal;
                }
                let dot = self.dot(*var);
                let t =
                    match rules::tangent(op, E::Elem(*var, index.clone()), &|u| self.a.active[u]) {
                        Some(e) => self.expr(&e, 0),
                        None => self.float("0.0"),
                    };
                quote_spanned!(*span=> #dot #i = #t; #primal)
            }
            Stmt::Eval(k) => {
                let e = &k.expr;
                let grow = self.grow_tangents(k, |v| self.t_active(v));
                quote!(#e; #grow)
            }
            Stmt::If {
                cond, then, els, ..
            } => {
                let (c, t, e) = (&cond.expr, self.t_block(then), self.t_block(els));
                if e.is_empty() {
                    quote!(if #c { #t })
                } else {
                    quote!(if #c { #t } else { #e })
                }
            }
            Stmt::Loop { head, body, .. } => {
                let inner = self.t_block(body);
                let pat = |v: &Option<VarId>| match v {
                    Some(v) => self.ident(*v).to_token_stream(),
                    None => quote!(_),
                };
                match head {
                    LoopHead::Range { var, steps } => {
                        let (p, s) = (pat(var), &steps.expr);
                        quote!(for #p in #s { #inner })
                    }
                    LoopHead::Iter { var, iter } => {
                        let (p, i) = (pat(var), &iter.expr);
                        quote!(for #p in #i { #inner })
                    }
                    LoopHead::While { cond } => {
                        let c = &cond.expr;
                        quote!(while #c { #inner })
                    }
                    LoopHead::Infinite => quote!(loop { #inner }),
                }
            }
            Stmt::Break => quote!(break;),
        }
    }
}

/// Zeros shaped like a sequence's initializer: `[0.0; n]` for `[v; n]`, `vec![vec![0.0; n];
/// m]` for `vec![vec![v; n]; m]`, one zero per listed element.
fn zero_shaped(e: &syn::Expr, zero: &TokenStream) -> Option<TokenStream> {
    // An element's zero: itself a sequence's, or a float.
    let item = |e: &syn::Expr| zero_shaped(e, zero).unwrap_or_else(|| zero.clone());
    match e {
        syn::Expr::Repeat(r) => {
            let (z, len) = (item(&r.expr), &r.len);
            Some(quote!([#z; #len]))
        }
        syn::Expr::Array(a) => {
            let zeros = a.elems.iter().map(item);
            Some(quote!([#(#zeros),*]))
        }
        syn::Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "vec") => {
            // `vec![v; n]` or `vec![a, b, c]`, read as the array it lists.
            let tokens = &m.mac.tokens;
            match syn::parse2::<syn::Expr>(quote!([#tokens])).ok()? {
                syn::Expr::Repeat(r) => {
                    let (z, len) = (item(&r.expr), &r.len);
                    Some(quote!(::std::vec![#z; #len]))
                }
                syn::Expr::Array(a) => {
                    let zeros = a.elems.iter().map(item);
                    Some(quote!(::std::vec![#(#zeros),*]))
                }
                _ => None,
            }
        }
        syn::Expr::Paren(p) => zero_shaped(&p.expr, zero),
        syn::Expr::Group(g) => zero_shaped(&g.expr, zero),
        _ => None,
    }
}
