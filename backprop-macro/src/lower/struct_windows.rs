//! Windows of a parameter's sequence of structs, `for w in ps.windows(2)` and
//! `ps.windows(2).map(|w| ..)` (or `.for_each`), where the body reads the window only by
//! index (`w[1].x`, `w[0].dot(&w[1])`) and measures it: the index loop or range they mean,
//! `w[j]` written `ps[w_at + j]` and `w.len()` the window's size, so that the elements'
//! plain methods are inlined as those of `ps[i]` are. (`windows.rs` reads other windows in
//! place the same way, in lowering, after the methods are inlined.) The size is a
//! literal, not zero.

use super::*;

pub(super) fn desugar(block: &mut syn::Block, sig: &syn::Signature, taken: &mut HashSet<String>) {
    let seqs = helpers::seq_struct_names(sig);
    if !seqs.is_empty() {
        Windows { seqs, taken }.visit_block_mut(block);
    }
}

struct Windows<'a> {
    seqs: HashSet<String>,
    taken: &'a mut HashSet<String>,
}

impl Windows<'_> {
    /// `ps.windows(k)` of such a parameter, `k` a literal greater than zero: `ps` and `k`.
    fn windows(&self, e: &Expr) -> Option<(Ident, syn::LitInt)> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        let Expr::Path(p) = strip(&m.receiver) else {
            return None;
        };
        let seq = p.path.get_ident().filter(|_| p.qself.is_none())?;
        let [
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(k),
                ..
            }),
        ] = m.args.iter().collect::<Vec<_>>()[..]
        else {
            return None;
        };
        let size: u64 = k.base10_parse().ok()?;
        (m.method == "windows" && size > 0 && self.seqs.contains(&seq.to_string()))
            .then(|| (seq.clone(), k.clone()))
    }

    /// A name for the window's start, after the window's: `w_at`.
    fn fresh(&mut self, w: &Ident) -> Ident {
        let mut name = format!("{w}_at");
        while self.taken.contains(&name) {
            name.push('_');
        }
        self.taken.insert(name.clone());
        Ident::new(&name, w.span())
    }

    /// The window's start and `body` with the window `w` of `seq` read in place from it
    /// ([`windows::Inline`]); `None` if it uses the window in another way.
    fn in_place<T: Clone>(
        &mut self,
        body: &T,
        rewrite: impl Fn(windows::Inline, &mut T) -> bool,
        w: &Ident,
        (seq, size): &(Ident, syn::LitInt),
    ) -> Option<(Ident, T)> {
        let at = self.fresh(w);
        let mut body = body.clone();
        let seq: Expr = syn::parse_quote!(#seq);
        let inline = windows::Inline {
            name: w,
            seq: &seq,
            start: &at,
            len: size,
            other_use: false,
        };
        rewrite(inline, &mut body).then_some((at, body))
    }
}

/// A plain name a loop or a closure binds (not `mut`, not by reference).
fn plain_name(p: &Pat) -> Option<&Ident> {
    match p {
        Pat::Ident(i) if i.by_ref.is_none() && i.mutability.is_none() && i.subpat.is_none() => {
            Some(&i.ident)
        }
        _ => None,
    }
}

impl VisitMut for Windows<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            Expr::ForLoop(f) if f.label.is_none() => {
                let (Some(w), Some(walk)) = (plain_name(&f.pat).cloned(), self.windows(&f.expr))
                else {
                    return;
                };
                let visit = |r: windows::Inline, b: &mut syn::Block| r.rewrite(b);
                if let Some((at, body)) = self.in_place(&f.body, visit, &w, &walk) {
                    let (seq, size) = walk;
                    *f.pat = syn::parse_quote!(#at);
                    *f.expr = syn::parse_quote!(0..(#seq.len() + 1).saturating_sub(#size));
                    f.body = body;
                }
            }
            Expr::MethodCall(m) if m.method == "map" || m.method == "for_each" => {
                let Some(walk) = self.windows(&m.receiver) else {
                    return;
                };
                let [Expr::Closure(c)] = &m.args.iter().collect::<Vec<_>>()[..] else {
                    return;
                };
                let Some(w) = (c.inputs.len() == 1)
                    .then(|| plain_name(&c.inputs[0]))
                    .flatten()
                else {
                    return;
                };
                let w = w.clone();
                let visit = |r: windows::Inline, b: &mut Expr| r.rewrite_expr(b);
                if let Some((at, body)) = self.in_place(&*c.body, visit, &w, &walk) {
                    let (seq, size) = walk;
                    let mut c = c.clone();
                    c.inputs[0] = syn::parse_quote!(#at);
                    *c.body = body;
                    m.receiver = syn::parse_quote!((0..(#seq.len() + 1).saturating_sub(#size)));
                    m.args[0] = Expr::Closure(c);
                }
            }
            _ => {}
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
