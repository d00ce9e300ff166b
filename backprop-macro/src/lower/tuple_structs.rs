//! Tuple structs of the caller's module written as structs with numbered fields: `P(a, b)`
//! is `P { 0: a, 1: b }` and the pattern `P(a, b)` is `P { 0: a, 1: b }` (both Rust), so
//! that a value of one is held one local per element (`aggregates.rs`) and its methods and
//! operators are inlined (`helpers.rs`) as a struct with named fields is. A unit struct's
//! value `S` is likewise `S {}`.

use super::*;

pub(super) fn desugar(block: &mut syn::Block, caller: &Ident) {
    Numbered { caller }.visit_block_mut(block);
}

struct Numbered<'a> {
    caller: &'a Ident,
}

impl Numbered<'_> {
    fn tuple_struct(&self, path: &syn::Path) -> bool {
        path.get_ident()
            .is_some_and(|name| crate::source::is_tuple_struct(&self.caller.to_string(), name))
    }
}

impl VisitMut for Numbered<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let Expr::Call(call) = e
            && let Expr::Path(p) = strip(&call.func)
            && p.qself.is_none()
            && self.tuple_struct(&p.path)
        {
            let path = &p.path;
            let fields = call.args.iter().enumerate().map(|(i, a)| {
                let member = syn::Member::Unnamed(syn::Index::from(i));
                quote!(#member: #a)
            });
            *e = syn::parse_quote_spanned!(call.span()=> #path { #(#fields),* });
        }
        // A unit struct's value (`let act = Softplus;`) as the struct without fields it is
        // (`Softplus {}`), whose methods are inlined as those of any struct of numbers.
        // (Only a capitalized name is looked up: not every read of a local.)
        if let Expr::Path(p) = e
            && p.qself.is_none()
            && let Some(name) = p.path.get_ident()
            && name.to_string().starts_with(char::is_uppercase)
            && crate::source::cloned_struct_fields(&self.caller.to_string(), name)
                .is_some_and(|f| f.is_empty())
        {
            *e = syn::parse_quote_spanned!(name.span()=> #name {});
        }
    }

    fn visit_pat_mut(&mut self, p: &mut Pat) {
        syn::visit_mut::visit_pat_mut(self, p);
        if let Pat::TupleStruct(t) = p
            && t.qself.is_none()
            && self.tuple_struct(&t.path)
            && !t.elems.iter().any(|e| matches!(e, Pat::Rest(_)))
        {
            let path = &t.path;
            let fields = t.elems.iter().enumerate().map(|(i, e)| {
                let member = syn::Member::Unnamed(syn::Index::from(i));
                quote!(#member: #e)
            });
            *p = syn::parse_quote_spanned!(t.span()=> #path { #(#fields),* });
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
