//! The ordinary methods of a parameter's struct with a gradient, inlined where the
//! parameter calls them: with `impl Pendulum { fn accel(&self, th: f64) -> f64 { -9.81 /
//! self.length * th.sin() } }` beside the function, `p.accel(a + b)` (`p: &Pendulum`) is
//! `let accel_th = a + b;` then `-9.81 / p.length * accel_th.sin()`: `self` is the
//! parameter itself, read through its fields as the caller reads it, and a name passed
//! (`p.accel(th)`) is read in place where the body neither changes nor binds it again.
//! Methods taking `&self`, without
//! generics or `#[differentiate]` (a differentiated method stays a call); one the helpers'
//! rules refuse (`return`, a macro, ..) is an error at its call (`PLAIN_METHOD`, in
//! lowering).

use super::*;

/// The parameters whose type is a struct (`p: &Pendulum`, `this: &Model`), by name.
pub(super) fn struct_params(sig: &syn::Signature) -> std::collections::HashMap<String, String> {
    sig.inputs
        .iter()
        .filter_map(|a| {
            let syn::FnArg::Typed(t) = a else { return None };
            let Pat::Ident(name) = &*t.pat else {
                return None;
            };
            let ty = match &*t.ty {
                Type::Reference(r) if r.mutability.is_none() => &*r.elem,
                ty => ty,
            };
            let Type::Path(p) = ty else { return None };
            let on = p.path.get_ident().filter(|_| p.qself.is_none())?;
            Some((name.ident.to_string(), on.to_string()))
        })
        .collect()
}

impl Inline<'_> {
    /// The struct of a parameter `e` names, or of a field chain from one (`m.hidden`, its
    /// type declared in the file), and the parameter, where no `let` binds it again.
    pub(super) fn param_struct(&self, e: &Expr) -> Option<(String, Ident)> {
        match strip(e) {
            Expr::Path(p) => {
                let name = p.path.get_ident().filter(|_| p.qself.is_none())?;
                let key = name.to_string();
                if self.locals.contains(&key) {
                    return None;
                }
                Some((self.params.get(&key)?.clone(), name.clone()))
            }
            Expr::Field(f) => {
                let (on, root) = self.param_struct(&f.base)?;
                let syn::Member::Named(field) = &f.member else {
                    return None;
                };
                Some((crate::source::field_type(&self.caller, &on, field)?, root))
            }
            _ => None,
        }
    }

    /// `receiver.name(args)` of the ordinary method `name` of the struct `on`: the method's
    /// body with `self` the receiver, its parameters bound to the arguments.
    /// (`root`: the parameter the receiver starts from.)
    pub(super) fn inline_param_method(
        &mut self,
        on: &str,
        receiver: &Expr,
        root: &Ident,
        name: &Ident,
        args: &[&Expr],
    ) -> Option<(Vec<syn::Stmt>, Expr)> {
        let key = format!("{on}::{name}");
        // (A call not inlined stays a call, and lowering says why: `PLAIN_METHOD`.)
        if self.stack.contains(&key) {
            return None;
        }
        let m = crate::source::param_method(&self.caller, on, &name.to_string(), name.span())?;
        let (sig, by_ref) = self.without_receiver(&m.sig);
        let params = plain_params(&sig).filter(|p| {
            p.len() == args.len() && inlinable(&m.block) && !p.iter().any(|(n, _)| n == root)
        })?;
        let on_ident = Ident::new(on, name.span());
        let tokens = replace_self_type(m.block.to_token_stream(), &on_ident);
        let receiver = receiver.to_token_stream();
        let mut block: syn::Block = syn::parse2(replace_self(tokens, &receiver)).ok()?;
        // A closure's, a loop's or a later `let`'s name for a parameter renamed apart: the
        // parameter's name then means the parameter wherever it is left.
        let names: Vec<String> = params.iter().map(|(p, _)| p.to_string()).collect();
        renames::rename_shadowing_params(&mut block, &names, self.taken, name);
        // The receiver's parameter must not be a name the body binds (it would be renamed
        // apart).
        let mut bound = Vec::new();
        Bound(&mut bound).visit_block(&block);
        if bound.iter().any(|b| root == b) {
            return None;
        }
        // A name passed to a parameter the body neither changes nor binds again is read as
        // itself (a row of the caller's stays a row, not a value bound to a local).
        // (Nor a name the body binds or takes as a parameter: those are renamed apart.)
        let taken = |n: &Ident, param: &Ident| {
            bound.iter().any(|b| n == b) || params.iter().any(|(p, _)| n == p && p != param)
        };
        let mut kept = Vec::new();
        let mut names = std::collections::HashMap::new();
        let types = number_types(&sig);
        let typed = params.iter().cloned().zip(types);
        for ((((param, mutable), ty), by_ref), arg) in typed.zip(by_ref).zip(args) {
            let name = match strip(arg) {
                Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
                _ => None,
            };
            match name {
                Some(n) if !mutable && !bound.iter().any(|b| param == b) && !taken(n, &param) => {
                    names.insert(param.to_string(), n.clone());
                }
                _ => kept.push(((param, mutable), by_ref, *arg, ty)),
            }
        }
        Rename(&names).visit_block_mut(&mut block);
        let params: Vec<(Ident, bool)> = kept.iter().map(|k| k.0.clone()).collect();
        let by_ref: Vec<bool> = kept.iter().map(|k| k.1).collect();
        let args: Vec<&Expr> = kept.iter().map(|k| k.2).collect();
        let types: Vec<Option<Type>> = kept.iter().map(|k| k.3.clone()).collect();
        self.stack.push(key);
        let inlined = self.body(name, &params, Binding::new(&by_ref, &types), &block, &args);
        self.stack.pop();
        inlined
    }
}

/// `self` written as the receiver (a parameter, or a field chain from one).
fn replace_self(tokens: TokenStream, receiver: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|t| match t {
            TokenTree::Ident(i) if i == "self" => receiver.clone(),
            TokenTree::Group(g) => {
                let stream = replace_self(g.stream(), receiver);
                let mut group = proc_macro2::Group::new(g.delimiter(), stream);
                group.set_span(g.span());
                TokenTree::Group(group).into()
            }
            other => other.into(),
        })
        .collect()
}
