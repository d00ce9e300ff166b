//! Type aliases declared beside the function (`type Real = f64;`, `type Vector =
//! Vec<Real>;`), read from the file and written out wherever the function's signature and
//! body name them: the macro reads what a type is from its syntax, and an alias would
//! otherwise be a type it does not know.

use super::*;

/// How many aliases deep a name is followed (`type A = B; type B = A;` stops there).
const DEPTH: usize = 8;

/// `item` with every alias of its module written out, or `None` where it names none.
pub(super) fn resolved(item: &syn::ItemFn) -> Option<syn::ItemFn> {
    let aliases = crate::source::type_aliases(&item.sig.ident.to_string(), item.sig.ident.span());
    if aliases.is_empty() {
        return None;
    }
    // A type parameter of the same name is the one its uses mean.
    let params: HashSet<String> = item
        .sig
        .generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    let aliases: Vec<(String, Type)> = aliases
        .into_iter()
        .filter(|(name, _)| !params.contains(name))
        .collect();
    let mut item = item.clone();
    let mut written = WriteOut {
        aliases: &aliases,
        depth: 0,
        any: false,
    };
    written.visit_item_fn_mut(&mut item);
    written.any.then_some(item)
}

struct WriteOut<'a> {
    aliases: &'a [(String, Type)],
    depth: usize,
    any: bool,
}

impl VisitMut for WriteOut<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(p) = ty
            && p.qself.is_none()
            && let Some(name) = p.path.get_ident()
            && let Some((_, alias)) = self.aliases.iter().find(|(a, _)| name == a)
            && self.depth < DEPTH
        {
            let span = name.span();
            *ty = syn::parse2(crate::expand::respan(alias.to_token_stream(), span))
                .unwrap_or_else(|_| alias.clone());
            self.any = true;
            self.depth += 1;
            self.visit_type_mut(ty);
            self.depth -= 1;
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }

    // Items inside the body are not the function's code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
