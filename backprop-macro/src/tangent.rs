//! Forward mode's rules as tokens: the tangent of each operation (`dot_v`), the tangents a
//! call passes on, and a sine or cosine with its tangent from one `sin_cos`. The walk over
//! the statements is the forward pass's printer (`emit/forward.rs`), shared by `jvp`
//! (nothing recorded, every statement followed, or when it overwrites one of its own
//! inputs preceded, by its tangent, as the lecture's closing section describes) and by
//! forward over reverse (the forward pass with its saves, tangents beside the values).

use crate::emit::Emit;
use crate::ir::*;
use crate::precedence::PREC_UNARY;
use crate::rules::{self, E};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

impl Emit<'_> {
    /// The tangent of `v = op`, or zero when nothing active flows in.
    /// The tangent of a copy of the sequence `w`: a copy of its tangent, or zeros shaped
    /// like `like` where `w` carries none.
    fn seq_copy_tangent(&self, w: VarId, like: VarId) -> TokenStream {
        if self.a.facts[w].active {
            let (private, dw) = (&self.private, self.dot(w));
            quote!(#private::owned_copy(&#dw))
        } else {
            self.tangent_zero(like)
        }
    }

    pub fn tangent_of(&self, v: VarId, op: &Op) -> TokenStream {
        let active = |u: VarId| self.a.facts[u].active;
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
                // (A sequence item's tangent is copied, as the item is; one that carries no
                // derivative has zeros of its shape.)
                let items = items.iter().map(|o| match (o, rules::place(o, &active)) {
                    (Operand::Var(w), _) if self.f.vars[*w].kind == Kind::Seq => {
                        self.seq_copy_tangent(*w, *w)
                    }
                    (_, Some(p)) => self.expr(&p.tangent(), 0),
                    (_, None) => self.float_tangent_zero(),
                });
                if *vec {
                    quote!(::std::vec![#(#items),*])
                } else {
                    quote!([#(#items),*])
                }
            }
            Op::Copy(Operand::Var(w)) if self.f.vars[*w].kind == Kind::Seq => {
                self.seq_copy_tangent(*w, v)
            }
            // `[0.0; N]`, `vec![0.0; n]`, `[a, b]`: zeros of the same shape, written the same
            // way, so the float type is inferred from how it is used.
            Op::Konst(k) if self.f.vars[v].kind == Kind::Seq => {
                match zero_shaped(&k.expr, &self.float_tangent_zero()) {
                    Some(zero) => zero,
                    None => self.tangent_zero(v),
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
                    None => self.tangent_zero(v),
                }
            }
            _ => match rules::tangent(op, E::Var(v), &active) {
                Some(e) => self.tangent_expr(e),
                None => self.tangent_zero(v),
            },
        }
    }

    /// The tangents a call passes on: `Some(dot_a)` for an active argument, `None` (zero)
    /// otherwise.
    pub fn call_tangents(&self, call: &Call) -> Vec<TokenStream> {
        let private = &self.private;
        call.args
            .iter()
            .map(
                |arg| match rules::place(&arg.value, &|u| self.a.facts[u].active) {
                    Some(p) => {
                        let p = rules::part_of(arg, p);
                        let d = self.expr(&p.tangent(), 0);
                        let whole = match p {
                            // A struct's tangent too: the same one may go to several calls.
                            rules::Place::Var(v) => matches!(
                                self.f.vars[v].kind,
                                Kind::Seq | Kind::Tensor | Kind::Struct
                            ),
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

    /// Along several directions, a call's tangents for direction `lane` (the closure
    /// `per_lane` calls once per direction): `Some(lane(&dot_a, lane))`, or `None`.
    pub fn lane_tangents(&self, call: &Call, lane: &proc_macro2::Ident) -> Vec<TokenStream> {
        let private = &self.private;
        call.args
            .iter()
            .map(
                |arg| match rules::place(&arg.value, &|u| self.a.facts[u].active) {
                    Some(p) => {
                        let p = rules::part_of(arg, p);
                        let whole = p.is_whole(&self.f.vars);
                        let d = self.expr(&p.tangent(), PREC_UNARY);
                        let d = quote!(#private::lane(&#d, #lane));
                        match whole {
                            true => quote!(::core::option::Option::Some(#private::tangent(&#d))),
                            false => quote!(::core::option::Option::Some(#d)),
                        }
                    }
                    None => quote!(::core::option::Option::None),
                },
            )
            .collect()
    }

    /// A call's arguments inside the closure that makes it once per direction: an owned
    /// sequence passed by value is cloned for each.
    pub fn lane_args(&self, call: &Call) -> Vec<TokenStream> {
        call.args
            .iter()
            .zip(self.call_args(call))
            .map(|(arg, tokens)| match arg.value.var() {
                Some(v) if !arg.by_ref && self.f.vars[v].kind != Kind::Float => {
                    quote!(::core::clone::Clone::clone(&#tokens))
                }
                _ => tokens,
            })
            .collect()
    }

    /// A sine or cosine and its tangent from one `sin_cos`, as a person would write:
    /// `{ let (sin, cos) = x.sin_cos(); (sin, dot_x * cos) }`.
    pub fn sin_cos(&self, var: VarId, op: &Op) -> Option<TokenStream> {
        let Op::Math(math @ (Math::Sin | Math::Cos), a, _) = op else {
            return None;
        };
        if !self.with_tangent(var) || self.f.vars[var].kind != Kind::Float {
            return None;
        }
        let p = rules::place(a, &|u| self.a.facts[u].active)?;
        let (x, da) = (
            self.expr(&crate::rules::operand(a), 20),
            self.expr(&p.tangent(), 13),
        );
        let (sin, cos) = (quote!(sin), quote!(cos));
        let pair = if *math == Math::Sin {
            quote!((#sin, #da * #cos))
        } else {
            quote!((#cos, -(#da * #sin)))
        };
        Some(quote!({ let (#sin, #cos) = #x.sin_cos(); #pair }))
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
