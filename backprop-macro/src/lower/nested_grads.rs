//! A nested `grad` (`let (v, g) = f::grad(args);` inside a differentiated function): the
//! call found, and the fields of `g` the statements after it read, as elements of the
//! vector the call's generated code computes (`tuples.rs` rewrites them).

use super::*;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Methods of a sequence, not of a float: a gradient's field they are called on is one.
const WALKS: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "len",
    "to_vec",
    "windows",
    "chunks",
    "chunks_exact",
    "first",
    "last",
    "get",
    "is_empty",
];

/// `f::jvp(..)`: the module path `f`.
pub(super) fn jvp_call(call: &syn::ExprCall) -> Option<syn::Path> {
    generated_item_call(call, "jvp")
}

/// `f::item(..)`: the module path `f` of a call to a generated item named `item`.
fn generated_item_call(call: &syn::ExprCall, item: &str) -> Option<syn::Path> {
    let Expr::Path(p) = strip(&call.func) else {
        return None;
    };
    let mut module = p.path.clone();
    let last = module.segments.pop()?;
    if last.ident != item || module.segments.is_empty() {
        return None;
    }
    module.segments.pop_punct();
    Some(module)
}

/// `let (v, g) = f::grad(args);`: the module path `f`, the two patterns, the arguments,
/// and where `grad` is written.
pub(super) fn nested_grad(
    local: &syn::Local,
) -> Option<(syn::Path, &Pat, &Ident, Vec<Expr>, Span)> {
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let Pat::Tuple(names) = &local.pat else {
        return None;
    };
    let Expr::Call(call) = strip(&init.expr) else {
        return None;
    };
    // (`f::jvp` is rewritten as the array call it means in `split`.)
    let module = generated_item_call(call, "grad").filter(|_| names.elems.len() == 2)?;
    let Pat::Ident(g) = &names.elems[1] else {
        return None;
    };
    let span = match strip(&call.func) {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.span()),
        _ => None,
    };
    Some((
        module,
        &names.elems[0],
        &g.ident,
        call.args.iter().cloned().collect(),
        span.unwrap_or_else(Span::call_site),
    ))
}

/// `g.x` → `value[f::__grad_fields::x]` in the statements after a nested `grad`, and a
/// field read as a sequence (`g.q[i]`, `g.q.iter()`, `&g.q`) → the name of its slice of
/// the vector (`value[f::__grad_seqs::q..]`, bound after the call); `whole` where they
/// use `g` otherwise (whole), which the value cannot stand for.
pub(super) struct GradFields<'a> {
    pub(super) g: &'a Ident,
    pub(super) array: &'a Ident,
    pub(super) module: &'a syn::Path,
    /// The fields read as sequences, each with the name its slice is bound to.
    pub(super) sequences: Vec<(Ident, Ident)>,
    pub(super) whole: Option<TokenStream>,
}

impl GradFields<'_> {
    /// The field of `g` that `e` is.
    fn field<'e>(&self, e: &'e Expr) -> Option<&'e Ident> {
        match strip(e) {
            Expr::Field(f) => match (strip(&f.base), &f.member) {
                (Expr::Path(p), syn::Member::Named(field)) if p.path.is_ident(self.g) => {
                    Some(field)
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// The fields of `g` the statements read as sequences: indexed, borrowed, walked or
/// called a sequence's method (a float field's own methods, `g.x.abs()`, are a float's).
pub(super) struct SequenceFields<'a> {
    pub(super) fields: &'a GradFields<'a>,
    pub(super) found: Vec<Ident>,
}

impl<'ast> Visit<'ast> for SequenceFields<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        let sequence = match e {
            Expr::Index(ix) => Some(&*ix.expr),
            Expr::Reference(r) => Some(&*r.expr),
            Expr::ForLoop(l) => Some(&*l.expr),
            Expr::MethodCall(m) if WALKS.contains(&m.method.to_string().as_str()) => {
                Some(&*m.receiver)
            }
            _ => None,
        };
        if let Some(field) = sequence.and_then(|s| self.fields.field(s))
            && !self.found.contains(field)
        {
            self.found.push(field.clone());
        }
        syn::visit::visit_expr(self, e);
    }
}

impl VisitMut for GradFields<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Some(field) = self.field(e).cloned()
            && matches!(e, Expr::Field(_))
        {
            *e = match self.sequences.iter().find(|(f, _)| *f == field) {
                Some((_, slice)) => {
                    let mut slice = slice.clone();
                    slice.set_span(field.span());
                    syn::parse_quote!(#slice)
                }
                None => {
                    let (array, module) = (self.array, self.module);
                    // Named at the user's field, where an error about them belongs.
                    let fields = Ident::new("__grad_fields", field.span());
                    syn::parse_quote!(#array[#module::#fields::#field])
                }
            };
            return;
        }
        if let Expr::Path(p) = e
            && p.path.is_ident(self.g)
        {
            self.whole.get_or_insert(p.to_token_stream());
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}
