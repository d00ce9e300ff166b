//! Recursion that adds into the caller's gradients ([`crate::lower::pull_into`]): the
//! inner calls' pullbacks as boxed closures that take the caller's gradients
//! (`__vjp_into_boxed`), or, when the function can run on one tape
//! ([`crate::analysis::Analysis::tape`]), no closures at all: `__forward_tape` pushes onto
//! stacks its caller passes in and `__backward_tape` pops them, each calling itself.

use super::*;

/// The parameters and body of a backward pass that adds into the caller's gradients: the
/// upstream gradient and one `&mut` gradient per differentiable parameter, which the pass
/// takes over (in place of zeros; it only adds into them) and puts back at the end.
fn adding_into(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    positional: &[TokenStream],
) -> (Vec<TokenStream>, TokenStream) {
    let differentiable: Vec<(&Param, &TokenStream)> = f
        .params
        .iter()
        .zip(positional)
        .filter(|(p, _)| p.differentiable())
        .collect();
    let taken_over = |b: &reverse::B| match b {
        reverse::B::ZeroAdj(v) => differentiable
            .iter()
            .find(|(p, _)| p.var == *v)
            .map(|(p, _)| p.var),
        _ => None,
    };
    let body: Vec<reverse::B> = backward
        .iter()
        .filter(|b| taken_over(b).is_none())
        .cloned()
        .collect();
    let back = e.backward(&body);
    let taken: Vec<VarId> = backward.iter().filter_map(taken_over).collect();
    let (take, put_back): (Vec<TokenStream>, Vec<TokenStream>) = taken
        .iter()
        .map(|&v| {
            let (grad, into) = (e.adj(v), e.derived(Derived::Into, v));
            (
                quote!(let mut #grad = ::core::mem::take(#into);),
                quote!(*#into = #grad;),
            )
        })
        .unzip();
    let result = e.a.result;
    let (grad_out, ret) = (e.adj(result), &f.ret);
    let grad_out_mut = if e.adjoint_mutated(&body, result) {
        quote!(mut)
    } else {
        TokenStream::new()
    };
    let mut params = vec![quote!(#grad_out_mut #grad_out: #ret)];
    params.extend(differentiable.iter().map(|(p, ty)| {
        let into = e.derived(Derived::Into, p.var);
        quote!(#into: &mut #ty)
    }));
    (params, quote!(#(#take)* #back #(#put_back)*))
}

/// `__vjp_into_boxed`: its pullback takes, beside the upstream gradient, the caller's
/// gradient of each differentiable parameter, and adds the call's contributions to it, in
/// place of returning a fresh gradient the caller adds in.
pub(super) fn into_vjp(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    sig: &Signature,
    positional: &[TokenStream],
) -> TokenStream {
    if !analysis::calls_into(&f.body) || e.a.tape {
        return TokenStream::new();
    }
    let (params, ret) = (&sig.params, &f.ret);
    let (lifetimes, type_params, captured) = (&sig.lifetimes, &sig.type_params, &sig.captured);
    let types = f
        .params
        .iter()
        .zip(positional)
        .filter(|(p, _)| p.differentiable())
        .map(|(_, ty)| ty);
    let (closure_params, body) = adding_into(f, e, backward, positional);
    let forward = e.forward();
    let out = e.ident(e.a.result);
    quote! {
        #[doc(hidden)]
        #[inline]
        pub fn __vjp_into_boxed<'__pullback, #(#lifetimes,)* #(#type_params),*>(#(#params),*) -> (
            #ret,
            ::std::boxed::Box<dyn ::core::ops::FnOnce(#ret, #(&mut #types),*) + '__pullback>,
        )
        where
            #(#captured: '__pullback,)*
        {
            #forward
            (#out, ::std::boxed::Box::new(move |#(#closure_params),*| { #body }))
        }
    }
}

/// On one tape: `__forward_tape`, the forward pass pushing onto the stacks it is given,
/// and `__backward_tape`, the backward pass popping them and adding into the gradients it
/// is given. Each calls itself where the function does.
pub(super) fn tape_items(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    sig: &Signature,
    positional: &[TokenStream],
) -> TokenStream {
    if !e.a.tape {
        return TokenStream::new();
    }
    let (params, generics, ret, private) = (&sig.params, &sig.generics, &f.ret, &e.private);
    let stacks = e
        .tape_stacks()
        .into_iter()
        .map(|s| quote!(#s: &mut #private::Stack<#ret>));
    let stacks: Vec<TokenStream> = stacks.collect();
    let (closure_params, body) = adding_into(f, e, backward, positional);
    let forward = e.forward();
    let out = e.ident(e.a.result);
    quote! {
        #[doc(hidden)]
        pub fn __forward_tape #generics (#(#params,)* #(#stacks),*) -> #ret {
            #forward
            #out
        }

        #[doc(hidden)]
        pub fn __backward_tape #generics (#(#params,)* #(#stacks,)* #(#closure_params),*) {
            #body
        }
    }
}

/// On one tape, `vjp`'s body: the stacks, the forward pass onto them, and a pullback that
/// runs the backward pass from zero gradients.
pub(super) fn tape_vjp_body(f: &Func, e: &Emit, sig: &Signature) -> TokenStream {
    let (args, private) = (&sig.args, &e.private);
    let stacks = e.tape_stacks();
    let grads: Vec<(Ident, &Param)> = f
        .params
        .iter()
        .filter(|p| p.differentiable())
        .map(|p| (e.adj(p.var), p))
        .collect();
    let zeros = grads.iter().map(|(g, p)| {
        let id = e.ident(p.var);
        quote!(let mut #g = #private::zeros_like(&#id);)
    });
    let fields = grads.iter().map(|(g, p)| {
        let name = &p.name;
        quote!(#name: #g)
    });
    let grads = grads.iter().map(|(g, _)| g);
    let ret = &f.ret;
    quote! {
        #(let mut #stacks = #private::Stack::new();)*
        let value = __forward_tape(#(#args,)* #(&mut #stacks),*);
        (
            value,
            #[inline(always)]
            move |upstream: #ret| {
                #(#zeros)*
                __backward_tape(#(#args,)* #(&mut #stacks,)* upstream, #(&mut #grads),*);
                Grad { #(#fields),* }
            },
        )
    }
}
