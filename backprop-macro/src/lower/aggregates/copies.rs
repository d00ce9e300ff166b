//! A copy of a struct the caller passes as data (`let mut s = st;` of `st: State`, `*r` of
//! `r: &State`, `let mut s = init[i];` of `init: &[State]`), held as one local per field
//! like a struct written out: `let mut s_x = st.x; let mut s_v = st.v;`, so that its fields
//! may then carry derivatives (`s.x *= k;`). The struct is declared in the function's
//! module without a gradient, derives `Copy` and has named number fields; the parameter's
//! name is bound by no `let` of the function (the name is the parameter wherever it is
//! read), and an element's index is a name or a literal (read once per field). A clone
//! of one that is not `Copy` (`let mut o = obs[i].clone();`), whose fields are numbers and
//! sequences of floats, is held the same way, each sequence cloned (`o_ys =
//! obs[i].ys.clone()`).

use super::*;
use crate::lower::helpers::ParamStructs;

/// The parameters of structs, or of sequences of them ([`ParamStructs`]), and the names the
/// function binds (a copy of a parameter is one where its name is the parameter's).
pub(super) struct DataParams {
    params: ParamStructs,
    bound: Vec<String>,
}

impl DataParams {
    pub(super) fn of(sig: &syn::Signature, block: &syn::Block) -> DataParams {
        let mut bound = Vec::new();
        super::super::helpers::Bound(&mut bound).visit_block(block);
        DataParams {
            params: ParamStructs::of(sig),
            bound,
        }
    }

    /// The struct `e` copies: a parameter (`st`, `*r`) or an element of one (`init[i]`, its
    /// index a name or a literal, read once per field).
    fn struct_of(&self, e: &Expr) -> Option<Ident> {
        if let Expr::Index(ix) = strip(e) {
            let plain = matches!(strip(&ix.index), Expr::Lit(_))
                || matches!(strip(&ix.index), Expr::Path(p) if p.path.get_ident().is_some());
            if !plain {
                return None;
            }
        }
        let (param, on) = self.params.copied(e)?;
        (!self.bound.contains(&param)).then_some(on)
    }
}

impl Split<'_> {
    /// `st` or `init[i]` as the struct's fields read from it, where it is such a copy.
    pub(super) fn data_copy(&self, e: &Expr) -> Option<Written> {
        // `obs[i].clone()` of a struct that is not `Copy`: its sequences cloned.
        let (e, cloned) = match strip(e) {
            Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => (&*m.receiver, true),
            e => (e, false),
        };
        let name = self.data.struct_of(e)?;
        // (A struct with a gradient bound to a name and only read is the parameter read
        // through its name, `struct_aliases`; what is left here is a copy to be written,
        // its fields then read from the parameter's.)
        let fields: Vec<(String, bool)> = match cloned {
            false => (crate::source::number_struct_fields(&self.caller, &name)?.into_iter())
                .map(|(k, _)| (k, false))
                .collect(),
            true => crate::source::value_struct_fields(&self.caller, &name)?,
        };
        let values = fields
            .into_iter()
            .map(|(k, seq)| {
                let member: syn::Member = syn::parse_str(&k).ok()?;
                let field = field_of(e, &member);
                let value = match seq {
                    true => syn::parse_quote!(#field.clone()),
                    false => field,
                };
                Some((k, value))
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
