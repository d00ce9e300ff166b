//! A method call met by the inliner: its receiver and arguments first, then the method
//! inlined where it is a struct's without a gradient or a parameter's ordinary one; `.map(sq)`
//! of a helper as the closure calling it; the items of `vec![..]`.

use super::*;

impl Inline<'_> {
    /// A method call: its receiver and arguments first, then the method inlined where it is
    /// a struct's without a gradient or a parameter's ordinary one.
    pub(super) fn method_call(&mut self, e: &mut Expr, mut before: Option<&mut Vec<syn::Stmt>>) {
        let Expr::MethodCall(m) = e else { return };
        self.map_path(m);
        self.expr(&mut m.receiver, before.as_deref_mut());
        if !self.chain_closures(m) {
            for a in &mut m.args {
                self.expr(a, before.as_deref_mut());
            }
        }
        if let Some(on) = self.struct_of(&m.receiver) {
            let args: Vec<&Expr> = std::iter::once(&*m.receiver).chain(&m.args).collect();
            let inlined = self.inline_method(&on, &m.method.clone(), None, &args, true);
            self.place(e, inlined, before);
        } else if let Some((on, root, types)) = self.param_struct(&m.receiver) {
            let args: Vec<&Expr> = m.args.iter().collect();
            let on = (on.as_str(), &types[..]);
            let inlined = self.inline_param_method(on, &m.receiver, &root, &m.method, &args);
            self.place(e, inlined, before);
        }
    }

    /// `.map(sq)` of a helper inlined: `.map(|item| sq(item))`, a closure that calls it.
    fn map_path(&mut self, m: &mut syn::ExprMethodCall) {
        if m.method != "map" || m.args.len() != 1 {
            return;
        }
        let Expr::Path(p) = strip(&m.args[0]) else {
            return;
        };
        // `.map(sq)`, or `.map(act::leaky)` of another file's function.
        let local = p
            .path
            .get_ident()
            .is_some_and(|n| self.locals.contains_key(&n.to_string()));
        if p.qself.is_some()
            || local
            || crate::source::helper(&self.caller, &p.path, self.floats).is_none()
        {
            return;
        }
        let item = crate::names::unused(self.taken, "item");
        let item = Ident::new(&item, proc_macro2::Span::mixed_site());
        let f = p.clone();
        m.args[0] = syn::parse_quote_spanned!(f.span()=> |#item| #f(#item));
    }

    /// `vec![a, b]`: its items in turn, as an array's.
    pub(super) fn vec_items(
        &mut self,
        mac: &mut syn::Macro,
        mut before: Option<&mut Vec<syn::Stmt>>,
    ) {
        type Items = syn::punctuated::Punctuated<Expr, syn::Token![,]>;
        if let Ok(mut items) = mac.parse_body_with(Items::parse_terminated) {
            for x in &mut items {
                self.expr(x, before.as_deref_mut());
            }
            mac.tokens = items.to_token_stream();
        }
    }
}
