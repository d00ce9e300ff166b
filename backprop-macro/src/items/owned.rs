//! `__vjp_owned`, a method's value and a pullback that owns copies of the sequences passed
//! to it by reference.
//!
//! A caller whose argument borrows one of its own locals (`h = layer.forward(&h)`) cannot
//! keep the pullback of `__vjp`, which borrows that local, in the closure that owns the
//! local: it would make the pullback again in its backward pass, running the callee's
//! forward pass twice. For a method it calls `__vjp_owned` instead ([`Call::owned`]): the
//! borrowed sequences (`x: &[f64]`) are copied once, the pullback reads the copies, and
//! the caller keeps it like any other. A method whose forward pass lends such a parameter
//! to another call, or keeps more of it than its elements, gets the same item made the
//! plain way: the pullback owns the copies and makes `__vjp`'s pullback from them when it
//! runs.

use super::*;

/// What the pullback of `vjp` is made of, printed once for `vjp`.
pub(super) struct Pullback<'a> {
    pub forward: &'a TokenStream,
    /// The value returned beside the pullback.
    pub value: &'a TokenStream,
    /// The closure's parameter: `mut grad_out: Vec<f64>`.
    pub upstream: &'a TokenStream,
    /// The backward pass, ending with the gradient (`Grad { .. }`).
    pub body: &'a TokenStream,
    /// The backward pass alone, for the parameters it reads.
    pub back: &'a TokenStream,
    /// The gradient's fields in parameter order, from `grad`.
    pub positional_values: &'a [TokenStream],
}

/// What [`vjp_owned`] makes: `__vjp_owned`, and, when the pullback can read copies as well
/// as borrows, the body `vjp` calls instead of printing the passes itself.
pub(super) struct Owned {
    /// `__vjp_owned`, and `__vjp_held` when it is used.
    pub items: TokenStream,
    /// `__vjp_held(this, x)`: the body of `vjp` (or `__vjp_rows`), whose passes are printed
    /// once, in `__vjp_held`.
    pub vjp_body: Option<TokenStream>,
}

/// `__vjp_owned` of a method's module.
///
/// Where the forward pass reads the copied parameters only element by element, both the
/// borrowing `vjp` and `__vjp_owned` call one function, `__vjp_held`, generic over what
/// holds each copied sequence (`&[f64]` for `vjp`, `Vec<f64>` for `__vjp_owned`): the
/// passes are printed once.
pub(super) fn vjp_owned(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    sig: &Signature,
    positional_types: &[TokenStream],
    pullback: Pullback,
) -> Owned {
    let held = held_params(f, sig);
    let c = copies(f, e, sig, &held);
    let (call_args, ret) = (&sig.args, &f.ret);
    let (generics, params, capture) = (&c.generics, &c.params, &c.capture);
    let owned_item = |body: TokenStream| {
        quote! {
            /// The value and a pullback owning copies of the sequences passed by reference: what
            /// a caller whose argument borrows its own local calls.
            #[doc(hidden)]
            #[inline]
            pub fn __vjp_owned #generics (#(#params),*)
                -> (#ret, impl ::core::ops::FnOnce(#ret) -> (#(#positional_types,)*) #capture)
            {
                #body
            }
        }
    };
    if held.is_empty() {
        // Nothing to copy: `__vjp` itself.
        return Owned {
            items: owned_item(quote!(__vjp(#(#call_args),*))),
            vjp_body: None,
        };
    }
    let held_vars: Vec<VarId> = held.iter().map(|&(k, _)| f.params[k].var).collect();
    let read_in_place = held_vars.iter().all(|&v| only_elements_read(f, v));
    if !e.a.tape && f.tuple_ret.is_none() && read_in_place {
        let items = vjp_held(f, e, backward, sig, &c, &held_vars, &pullback);
        let (held_args, positional_values) = (&c.held_args, pullback.positional_values);
        let owned = owned_item(quote! {
            let (value, pullback) = __vjp_held(#(#held_args),*);
            (value, move |upstream: #ret| {
                let grad = pullback(upstream);
                (#(#positional_values,)*)
            })
        });
        return Owned {
            items: quote!(#items #owned),
            vjp_body: Some(quote!(__vjp_held(#(#call_args),*))),
        };
    }
    // Otherwise the pullback makes `__vjp`'s pullback from the copies when it runs.
    let name = &f.name;
    let value = match f.tuple_ret {
        Some(_) => {
            let private = &e.private;
            quote!(#private::tuple_array(super::#name(#(#call_args),*)))
        }
        None => quote!(super::#name(#(#call_args),*)),
    };
    let (holds, rebinds) = (&c.holds, &c.rebinds);
    Owned {
        items: owned_item(quote! {
            #(#holds)*
            let value: #ret = #value;
            (value, move |upstream: #ret| {
                #(#rebinds)*
                __vjp(#(#call_args),*).1(upstream)
            })
        }),
        vjp_body: None,
    }
}

/// How `__vjp_owned` and `__vjp_held` take the copied parameters.
struct Copies {
    /// `__vjp_owned`'s generics and parameters (a lifetime the user named for a copied
    /// reference replaced by one of its own), and what its pullback captures.
    generics: TokenStream,
    params: Vec<TokenStream>,
    capture: TokenStream,
    /// The lifetimes and type parameters `__vjp_held`'s pullback captures, but the holders.
    kept: Vec<TokenStream>,
    /// The macro's lifetimes for the copied references, which `__vjp_held` does not declare.
    owned_lifetimes: Vec<String>,
    /// `__vjp_held`'s parameters (`__held_x: Held0`), the holders' declarations
    /// (`Held0: Borrow<[f64]> + Clone`) and names, and `__vjp_owned`'s arguments to it
    /// (`ToOwned::to_owned(x)`).
    held_params: Vec<TokenStream>,
    holders: Vec<TokenStream>,
    holder_names: Vec<Ident>,
    held_args: Vec<TokenStream>,
    /// `let __held_x = ToOwned::to_owned(x);` and `let x: &[f64] = Borrow::borrow(&__held_x);`
    holds: Vec<TokenStream>,
    rebinds: Vec<TokenStream>,
}

fn copies(f: &Func, e: &Emit, sig: &Signature, held: &[(usize, Option<syn::Lifetime>)]) -> Copies {
    // The lifetimes the macro named for the copied references: the pullback captures
    // none of them.
    let owned_lifetimes: Vec<String> = held
        .iter()
        .filter(|(_, explicit)| explicit.is_none())
        .map(|&(k, _)| sig.param_lifetimes[k][0].to_string())
        .collect();
    let kept: Vec<TokenStream> = sig
        .captured
        .iter()
        .filter(|n| !owned_lifetimes.contains(&n.to_string()))
        .cloned()
        .collect();
    let capture = match sig.capture.is_empty() {
        true => TokenStream::new(),
        false => quote!(+ use<#(#kept),*>),
    };
    let mut c = Copies {
        generics: sig.generics.clone(),
        params: sig.params.clone(),
        capture,
        kept,
        owned_lifetimes,
        held_params: sig.params.clone(),
        holders: Vec::new(),
        holder_names: Vec::new(),
        held_args: sig.args.clone(),
        holds: Vec::new(),
        rebinds: Vec::new(),
    };
    let mut fresh = Vec::new();
    for &(k, ref explicit) in held {
        let p = &f.params[k];
        let id = e.ident(p.var);
        let copy = Ident::new(&format!("__held_{id}"), proc_macro2::Span::mixed_site());
        let syn::Type::Reference(r) = &p.ty else {
            continue;
        };
        let elem = &r.elem;
        // A lifetime the user named (perhaps on `self` too) gets one of its own here, which
        // the pullback does not capture.
        if explicit.is_some() {
            let own = syn::Lifetime::new(&format!("'__held_{id}"), proc_macro2::Span::call_site());
            let m = p.mutable.then(|| quote!(mut));
            c.params[k] = quote!(#m #id: &#own #elem);
            fresh.push(own);
        }
        let holder = Ident::new(
            &format!("Held{}", c.holders.len()),
            proc_macro2::Span::mixed_site(),
        );
        c.held_params[k] = quote!(#copy: #holder);
        c.held_args[k] = quote!(::std::borrow::ToOwned::to_owned(#id));
        c.holders
            .push(quote!(#holder: ::core::borrow::Borrow<#elem> + ::core::clone::Clone));
        c.holder_names.push(holder);
        c.holds
            .push(quote!(let #copy = ::std::borrow::ToOwned::to_owned(#id);));
        c.rebinds
            .push(quote!(let #id: &#elem = ::core::borrow::Borrow::borrow(&#copy);));
    }
    if !fresh.is_empty() {
        let (lifetimes, types) = (&sig.lifetimes, &sig.type_params);
        c.generics = quote!(<#(#lifetimes,)* #(#fresh,)* #(#types),*>);
    }
    c
}

/// `__vjp_held`: the forward pass, with the copied parameters read through their holders,
/// and the pullback, which owns the holders.
fn vjp_held(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    sig: &Signature,
    c: &Copies,
    held_vars: &[VarId],
    pullback: &Pullback,
) -> TokenStream {
    let Pullback {
        forward,
        value,
        upstream,
        body,
        back,
        ..
    } = pullback;
    let locals = captured_params_except(f, e, backward, back, held_vars);
    // The function's lifetimes, but those the macro named for the copied references
    // (their holders carry them).
    let lifetimes = sig
        .lifetimes
        .iter()
        .filter(|l| !c.owned_lifetimes.contains(&l.to_string()));
    let (types, grad, ret) = (&sig.type_params, &sig.grad, &f.ret);
    let clone = match matches!(f.ret_kind, Kind::Seq | Kind::Tensor) && pullback_is_clone(f) {
        true => quote!(+ ::core::clone::Clone),
        false => TokenStream::new(),
    };
    let (kept, holders, holder_names) = (&c.kept, &c.holders, &c.holder_names);
    let (held_params, rebinds) = (&c.held_params, &c.rebinds);
    quote! {
        /// The forward pass and the pullback, for `vjp` (the sequences borrowed) and
        /// `__vjp_owned` (copies of them, which the pullback owns).
        #[doc(hidden)]
        #[inline]
        pub fn __vjp_held<#(#lifetimes,)* #(#types,)* #(#holders),*>(#(#held_params),*)
            -> (#ret, impl ::core::ops::FnOnce(#ret) -> #grad #clone + use<#(#kept,)* #(#holder_names),*>)
        {
            #(#rebinds)*
            #forward
            (#value, #[inline(always)] move |#upstream| {
                #(#rebinds)*
                #locals
                #body
            })
        }
    }
}

/// The parameters `__vjp_owned` copies, by their position: sequences of floats taken by a
/// reference (`x: &[f64]`, `v: &Vec<f64>`, `x: &'a [f64]`), each with the lifetime the user
/// named for it, if any (the result's type and the bounds must not name it: it is given a
/// lifetime of its own).
fn held_params(f: &Func, sig: &Signature) -> Vec<(usize, Option<syn::Lifetime>)> {
    let mut held = Vec::new();
    for (k, p) in f.params.iter().enumerate() {
        let syn::Type::Reference(r) = &p.ty else {
            continue;
        };
        let sequence = f.vars[p.var].kind == Kind::Seq && !matches!(p.form, ParamForm::Struct(_));
        if r.mutability.is_some() || !sequence {
            continue;
        }
        match (&r.lifetime, sig.param_lifetimes[k].as_slice()) {
            (None, [_]) => held.push((k, None)),
            (Some(l), []) if separable(f, l) => held.push((k, Some(l.clone()))),
            _ => {}
        }
    }
    held
}

/// Whether a reference's lifetime `l`, which the user declared, can be replaced by one of
/// its own: neither the result's type nor a bound names it.
fn separable(f: &Func, l: &syn::Lifetime) -> bool {
    // By text: a longer name that starts the same (`'ab`) counts too, which only errs
    // toward keeping the reference borrowed.
    let name = l.to_string();
    let named = |tokens: TokenStream| tokens.to_string().contains(&name);
    let bounded = f
        .lifetimes
        .iter()
        .any(|d| (d.lifetime == *l && !d.bounds.is_empty()) || d.bounds.iter().any(|b| b == l));
    !bounded
        && !named(f.ret.to_token_stream())
        && !f.type_params.iter().any(|t| named(t.to_token_stream()))
}

/// Whether the forward pass reads the parameter `p` only element by element, or in
/// constant expressions of integers, booleans and floats (`x.len()`): never lent to a call,
/// copied whole or iterated, so nothing the pullback keeps borrows it.
fn only_elements_read(f: &Func, p: VarId) -> bool {
    let scalar = |v: VarId| matches!(f.vars[v].kind, Kind::Int | Kind::Bool | Kind::Float);
    let mut ok = true;
    analysis::walk(&f.body, &mut |stmt, _| {
        let (target, op) = match stmt {
            Stmt::Let { var, op, .. } | Stmt::Assign { var, op, .. } => (Some(*var), op),
            Stmt::SetElem { op, .. } => (None, op),
            Stmt::Loop {
                head: LoopHead::Iter { iter, .. },
                ..
            } => {
                ok &= !iter.reads.contains(&p);
                return;
            }
            _ => return,
        };
        // An element write's target is a float.
        let into_scalar = target.is_none_or(scalar);
        // What an operand keeps of `p`: `p` itself, or (into a call, which may keep it) an
        // element or a constant reading it; a constant only into a value that holds no
        // borrow (a number).
        let keeps = |o: &Operand, call: bool| match o {
            Operand::Var(v) => *v == p,
            Operand::Elem(v, _) => call && *v == p,
            Operand::Konst(k) => k.reads.contains(&p) && (call || !into_scalar),
        };
        ok &= match op {
            Op::Call(call) => !call.args.iter().any(|a| keeps(&a.value, true)),
            Op::Konst(k) => !k.reads.contains(&p) || into_scalar,
            _ => !op.operands().into_iter().any(|o| keeps(o, false)),
        };
    });
    ok
}
