//! A row of a parameter holding arrays of floats of a written length (`pts: &[[f64; 2]]`,
//! `&Vec<[f64; 3]>`, `[[f64; 3]; 4]`, or a field of a struct parameter declared so, `g.means`
//! of `means: Vec<[f64; 2]>`) used as a value of its own, as geometry code copies a
//! point out (`let p = pts[i];`, `norm(pts[i])`, `let mut q = pts[0]; q[0] *= k;`): the
//! array written out from its elements (`[pts[i][0], pts[i][1]]`), a local array like any
//! other. Rows read in place (`pts[i][0]`), lent (`&pts[i]`) or called a method on
//! (`pts[i].iter()`) are left as written; so is a row whose index does more than compute
//! (it is read once per element), and every row of a parameter the body binds again.
//! So are the rows of a local of such arrays bound once (`let mut pts: Vec<[f64; 2]> =
//! ..`, `let mut pts = ctrl.to_vec();` of such a parameter, `vec![[0.0; 2]; n]`), which
//! may also be written whole (`pts[i] = lerp(pts[i], pts[i + 1], t);`: the value bound to
//! a name, then written element by element).

use super::*;

/// The longest row written out.
const LONGEST: usize = 16;

pub(super) fn desugar(block: &mut syn::Block, sig: &syn::Signature, taken: &mut HashSet<String>) {
    let mut bound = Vec::new();
    helpers::Bound(&mut bound).visit_block(block);
    let float = sig
        .generics
        .type_params()
        .next()
        .map(|t| t.ident.to_string());
    let structs = helpers::ParamStructs::of(sig);
    let caller = sig.ident.to_string();
    let mut rows = std::collections::HashMap::new();
    for a in &sig.inputs {
        let syn::FnArg::Typed(t) = a else { continue };
        let Pat::Ident(name) = &*t.pat else { continue };
        let name = name.ident.to_string();
        if bound.contains(&name) {
            continue;
        }
        if let Some(len) = row_len(&t.ty, float.as_deref()) {
            rows.insert(name, len);
            continue;
        }
        // `g.means` of `g: &Gmm` declaring `means: Vec<[f64; 2]>`.
        let Some(on) = structs.held_by(&name) else {
            continue;
        };
        for (field, len) in crate::source::row_fields_of(&caller, on, sig.ident.span()) {
            rows.insert(format!("{name}.{field}"), len);
        }
    }
    local_rows(block, float.as_deref(), &mut rows);
    if !rows.is_empty() {
        Rows { rows: &rows, taken }.visit_block_mut(block);
    }
}

/// Adds to `rows` the locals bound once to arrays of floats of a written length: annotated,
/// a copy of a parameter in `rows` (`ctrl.to_vec()`, `ctrl.clone()`), or `vec![[c; N]; n]`.
fn local_rows(
    block: &syn::Block,
    float: Option<&str>,
    rows: &mut std::collections::HashMap<String, usize>,
) {
    struct Locals<'a> {
        float: Option<&'a str>,
        rows: &'a std::collections::HashMap<String, usize>,
        found: Vec<(String, Option<usize>)>,
    }
    impl<'ast> Visit<'ast> for Locals<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.found.push((i.ident.to_string(), None));
            syn::visit::visit_pat_ident(self, i);
        }
        fn visit_local(&mut self, local: &'ast syn::Local) {
            syn::visit::visit_local(self, local);
            let (pat, ty) = match &local.pat {
                Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
                other => (other, None),
            };
            let Pat::Ident(name) = pat else { return };
            let init = local.init.as_ref().map(|i| strip(&i.expr));
            let len = match (ty, init) {
                (Some(ty), _) => row_len(ty, self.float),
                (None, Some(Expr::MethodCall(m)))
                    if m.args.is_empty() && (m.method == "to_vec" || m.method == "clone") =>
                {
                    match strip(&m.receiver) {
                        Expr::Path(p) => (p.path.get_ident())
                            .and_then(|n| self.rows.get(&n.to_string()).copied()),
                        _ => None,
                    }
                }
                (None, Some(Expr::Macro(m))) if m.mac.path.is_ident("vec") => {
                    let repeat = m.mac.parse_body::<super::constants::VecRepeat>().ok();
                    repeat.and_then(|r| match strip(&r.value) {
                        Expr::Repeat(row) => {
                            literal_len(&row.len).filter(|_| float_literal(&row.expr))
                        }
                        _ => None,
                    })
                }
                _ => None,
            };
            if let Some(last) = self.found.iter_mut().rev().find(|(n, _)| name.ident == n) {
                last.1 = len;
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut locals = Locals {
        float,
        rows,
        found: Vec::new(),
    };
    locals.visit_block(block);
    let found = locals.found;
    for (name, len) in &found {
        let once = found.iter().filter(|(n, _)| n == name).count() == 1;
        if let (Some(len), true) = (len, once)
            && !rows.contains_key(name)
        {
            rows.insert(name.clone(), *len);
        }
    }
}

/// A literal length of at most [`LONGEST`].
fn literal_len(len: &Expr) -> Option<usize> {
    let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(n),
        ..
    }) = strip(len)
    else {
        return None;
    };
    let n: usize = n.base10_parse().ok()?;
    (1..=LONGEST).contains(&n).then_some(n)
}

/// A float literal (`0.0`, `-1.5`, `0f64`).
fn float_literal(e: &Expr) -> bool {
    match strip(e) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_),
            ..
        }) => true,
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => float_literal(&u.expr),
        _ => false,
    }
}

/// The length of the rows of `&[[f; N]]`, `&Vec<[f; N]>`, `Vec<[f; N]>`, `[[f; N]; M]` (and
/// references to them), `f` a float type (`f32`, `f64`, or the function's type parameter)
/// and `N` a literal.
pub(crate) fn row_len(ty: &Type, float: Option<&str>) -> Option<usize> {
    let row = match ty {
        Type::Reference(r) => return row_len(&r.elem, float),
        Type::Slice(s) => &*s.elem,
        Type::Array(a) => &*a.elem,
        path @ Type::Path(_) => vec_elem(path)?,
        _ => return None,
    };
    let Type::Array(row) = row else { return None };
    let Type::Path(elem) = &*row.elem else {
        return None;
    };
    let of_floats = ["f32", "f64"]
        .into_iter()
        .chain(float)
        .any(|f| elem.path.is_ident(f));
    literal_len(&row.len).filter(|_| of_floats)
}

/// The rows to write out, by the name (or `param.field`) holding them; the names in use.
struct Rows<'a> {
    rows: &'a std::collections::HashMap<String, usize>,
    taken: &'a mut HashSet<String>,
}

impl Rows<'_> {
    /// `pts[i]` of such a parameter: its rows' length.
    fn row(&self, e: &Expr) -> Option<usize> {
        let Expr::Index(ix) = strip(e) else {
            return None;
        };
        let key = match strip(&ix.expr) {
            Expr::Path(p) => p.path.get_ident()?.to_string(),
            Expr::Field(f) => match (strip(&f.base), &f.member) {
                (Expr::Path(p), syn::Member::Named(field)) => {
                    format!("{}.{field}", p.path.get_ident()?)
                }
                _ => return None,
            },
            _ => return None,
        };
        let len = *self.rows.get(&key)?;
        computes_only(&ix.index, &|_| false).then_some(len)
    }

    /// Visits `e` where it is a row left as written: only its index.
    fn in_place(&mut self, e: &mut Expr) {
        let row = self.row(e).is_some();
        match e {
            Expr::Index(ix) if row => self.visit_expr_mut(&mut ix.index),
            Expr::Paren(p) => self.in_place(&mut p.expr),
            _ => self.visit_expr_mut(e),
        }
    }
}

impl VisitMut for Rows<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Some(len) = self.row(e) {
            let row = e.clone();
            let elements = (0..len).map(|k| {
                let k = syn::Index::from(k);
                quote!(#row[#k])
            });
            *e = syn::parse_quote_spanned!(row.span()=> [#(#elements),*]);
            return;
        }
        match e {
            Expr::Index(ix) => {
                self.in_place(&mut ix.expr);
                self.visit_expr_mut(&mut ix.index);
            }
            Expr::Reference(r) => self.in_place(&mut r.expr),
            Expr::MethodCall(m) => {
                self.in_place(&mut m.receiver);
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
            }
            // `pts[i] = value;`: the value bound to a name, then written element by element.
            Expr::Assign(a) if self.row(&a.left).is_some() => {
                self.visit_expr_mut(&mut a.right);
                let len = self.row(&a.left).unwrap_or_default();
                let fresh = crate::names::unused(self.taken, "row");
                let row = Ident::new(&fresh, a.right.span());
                let (left, right) = (&a.left, &a.right);
                let writes = (0..len).map(syn::Index::from);
                *e = syn::parse_quote_spanned!(a.span()=> {
                    let #row = #right;
                    #(#left[#writes] = #row[#writes];)*
                });
            }
            Expr::Assign(a) => {
                self.in_place(&mut a.left);
                self.visit_expr_mut(&mut a.right);
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
