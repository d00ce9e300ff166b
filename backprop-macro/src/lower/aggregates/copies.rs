//! A copy of a struct the caller passes as data (`let mut s = st;` of `st: State`, `*r` of
//! `r: &State`, `let mut s = init[i];` of `init: &[State]`), held as one local per field
//! like a struct written out: `let mut s_x = st.x; let mut s_v = st.v;`, so that its fields
//! may then carry derivatives (`s.x *= k;`). The struct is declared in the function's
//! module without a gradient, derives `Copy` and has named number fields; the parameter's
//! name is bound by no `let` of the function (the name is the parameter wherever it is
//! read), and an element's index is a name or a literal (read once per field).

use super::*;

/// The parameters whose type is such a struct, or a sequence of one, by name: the struct.
pub(super) struct DataParams {
    structs: Vec<(String, Ident, bool)>,
}

impl DataParams {
    pub(super) fn of(sig: &syn::Signature, block: &syn::Block) -> DataParams {
        let mut bound = Vec::new();
        super::super::helpers::Bound(&mut bound).visit_block(block);
        let mut structs = Vec::new();
        for input in &sig.inputs {
            let syn::FnArg::Typed(t) = input else {
                continue;
            };
            let Pat::Ident(p) = &*t.pat else { continue };
            if bound.iter().any(|b| p.ident == b) {
                continue;
            }
            let ty = match &*t.ty {
                Type::Reference(r) => &*r.elem,
                ty => ty,
            };
            let (elem, sequence) = match ty {
                Type::Slice(s) => (&*s.elem, true),
                Type::Array(a) => (&*a.elem, true),
                Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec") => {
                    match &p.path.segments.last().expect("a segment").arguments {
                        syn::PathArguments::AngleBracketed(a) => match a.args.first() {
                            Some(syn::GenericArgument::Type(t)) => (t, true),
                            _ => continue,
                        },
                        _ => continue,
                    }
                }
                ty => (ty, false),
            };
            if let Type::Path(e) = elem
                && let Some(name) = e.path.get_ident()
            {
                structs.push((p.ident.to_string(), name.clone(), sequence));
            }
        }
        DataParams { structs }
    }

    /// The struct `e` copies: a parameter (`st`) or an element of one (`init[i]`).
    fn struct_of(&self, e: &Expr) -> Option<&Ident> {
        let (param, element) = match strip(e) {
            Expr::Path(p) => (p.path.get_ident()?, false),
            // `*r` of `r: &State`.
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => match strip(&u.expr) {
                Expr::Path(p) => (p.path.get_ident()?, false),
                _ => return None,
            },
            Expr::Index(ix) => {
                let plain = matches!(strip(&ix.index), Expr::Lit(_))
                    || matches!(strip(&ix.index), Expr::Path(p) if p.path.get_ident().is_some());
                match strip(&ix.expr) {
                    Expr::Path(p) if plain => (p.path.get_ident()?, true),
                    _ => return None,
                }
            }
            _ => return None,
        };
        self.structs
            .iter()
            .find(|(n, _, sequence)| param == n && *sequence == element)
            .map(|(_, s, _)| s)
    }
}

impl Split<'_> {
    /// `st` or `init[i]` as the struct's fields read from it, where it is such a copy.
    pub(super) fn data_copy(&self, e: &Expr) -> Option<Written> {
        let name = self.data.struct_of(e)?;
        // (A struct with a gradient is a parameter read through its name: `struct_aliases`.)
        if !crate::source::plain_struct(&self.caller, name) {
            return None;
        }
        let fields = crate::source::number_struct_fields(&self.caller, name)?;
        let values = fields
            .into_iter()
            .map(|(k, _)| {
                let member: syn::Member = syn::parse_str(&k).ok()?;
                Some((k, field_of(e, &member)))
            })
            .collect::<Option<Vec<_>>>()?;
        Some((Some(syn::Path::from(name.clone())), values))
    }
}

/// `e.member`, `(*r).member` of a dereference.
pub(super) fn field_of(e: &Expr, member: &syn::Member) -> Expr {
    match strip(e) {
        Expr::Unary(_) => syn::parse_quote!((#e).#member),
        _ => syn::parse_quote!(#e.#member),
    }
}
