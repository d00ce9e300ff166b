//! Walks over a sequence of structs (`&pts`, `pts.iter().enumerate()`, `pts.windows(k)`,
//! zipped either side, then `rev`, `skip`, `take`, `step_by`) as ranges of its indices,
//! and the names a walk's pattern binds to an item.

use super::*;

impl Uses<'_> {
    /// A walk over the sequence: `&pts`, `&mut pts`, `pts.iter()`, `pts.iter_mut()`, each
    /// `enumerate`d or not, or `pts.windows(k)`, then any of `rev`, `skip`, `take` and
    /// `step_by` (which walk the indices the same way).
    pub(super) fn walk(&mut self, walk: &Expr) -> Option<Walk> {
        let mut adaptors = Vec::new();
        let mut base = strip(walk);
        while let Expr::MethodCall(m) = base
            && RANGE_ADAPTORS.contains(&m.method.to_string().as_str())
        {
            adaptors.push(m);
            base = strip(&m.receiver);
        }
        // `.enumerate()` right after a zip: its count is the index the zip is walked at.
        let mut counted = false;
        if adaptors.is_empty()
            && let Expr::MethodCall(m) = base
            && m.method == "enumerate"
            && m.args.is_empty()
            && matches!(strip(&m.receiver), Expr::MethodCall(zip) if zip.method == "zip")
        {
            counted = true;
            base = strip(&m.receiver);
        }
        if adaptors.is_empty()
            && let Some(walk) = self.zipped_with_itself(base, counted)
        {
            return Some(walk);
        }
        // `ws.iter().zip(&pts)`: the other walk zipped with the range.
        if let Expr::MethodCall(m) = base
            && m.method == "zip"
            && adaptors.is_empty()
            && m.args.len() == 1
            && self.whole_walk(&m.args[0])
        {
            return self.behind(m).map(|walk| Walk { counted, ..walk });
        }
        // `pts.iter().zip(ws)`: the range zipped with the other walk, as written.
        let mut other = None;
        if let Expr::MethodCall(m) = base
            && m.method == "zip"
            && m.args.len() == 1
            && adaptors.is_empty()
        {
            let mut arg = m.args[0].clone();
            self.visit_expr_mut(&mut arg);
            other = Some(arg);
            base = strip(&m.receiver);
        }
        let (enumerated, window) = match base {
            Expr::Reference(r) if self.is_seq(&r.expr) => (false, None),
            // `for p in pts`: its elements by value, `Copy`.
            e if self.is_seq(e) => (false, None),
            Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
                // `pts.iter().take(n).enumerate()` (another sequence of structs zipped with
                // this one walks so): the count is still the index, the walk narrowed.
                let mut inner = strip(&m.receiver);
                while let Expr::MethodCall(take) = inner
                    && take.method == "take"
                    && take.args.len() == 1
                {
                    adaptors.push(take);
                    inner = strip(&take.receiver);
                }
                let Expr::MethodCall(inner) = inner else {
                    return None;
                };
                let plain = matches!(
                    inner.method.to_string().as_str(),
                    "iter" | "iter_mut" | "into_iter"
                );
                (plain && inner.args.is_empty() && self.is_seq(&inner.receiver))
                    .then_some((true, None))?
            }
            Expr::MethodCall(m) if self.is_seq(&m.receiver) => {
                match (m.method.to_string().as_str(), m.args.len()) {
                    ("iter" | "iter_mut" | "into_iter", 0) => (false, None),
                    ("windows", 1) => (false, Some(m.args[0].clone())),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let (mut range, hi) = self.range(adaptors, window.as_ref())?;
        // Zipped (with no adaptor after the zip): the other walk, as long as the sequence
        // at most and counted, its count the index (`(at, w)` for the zip's `(p, w)`; a
        // range zipped with a walk is not one lowering reads).
        if let Some(other) = &other {
            if enumerated || window.is_some() {
                return None;
            }
            let other: Expr = match strip(other) {
                Expr::Reference(r) if r.mutability.is_none() => {
                    let seq = &r.expr;
                    syn::parse_quote!(#seq.iter())
                }
                Expr::Path(p) => syn::parse_quote!(#p.into_iter()),
                e => e.clone(),
            };
            range = syn::parse_quote!(#other.take(#hi).enumerate());
        }
        Some(Walk {
            range,
            enumerated,
            window,
            zipped: other.is_some(),
            behind: false,
            counted,
            shifted: None,
        })
    }

    /// The range of indices `adaptors` (innermost last) walk, over the elements or the
    /// windows of length `window`; and its upper bound.
    fn range(
        &mut self,
        adaptors: Vec<&syn::ExprMethodCall>,
        window: Option<&Expr>,
    ) -> Option<(Expr, Expr)> {
        let len = self.seq.len();
        // The range's bounds, then whether it is reversed and its step: `skip` and `take`
        // move a bound, as a range walks the same indices only with `rev` and `step_by`.
        let mut lo: Expr = syn::parse_quote!(0);
        let mut hi: Expr = match window {
            Some(k) => syn::parse_quote!((#len + 1).saturating_sub(#k)),
            None => len,
        };
        let (mut reversed, mut step) = (false, None);
        for m in adaptors.into_iter().rev() {
            let mut k = m
                .args
                .first()
                .cloned()
                .unwrap_or_else(|| syn::parse_quote!(0));
            self.visit_expr_mut(&mut k);
            match (m.method.to_string().as_str(), reversed, &step) {
                ("rev", _, None) => reversed = !reversed,
                ("step_by", _, None) => step = Some(k),
                ("skip", false, None) => lo = syn::parse_quote!((#lo + #k).min(#hi)),
                ("skip", true, None) => {
                    hi = at_least(syn::parse_quote!(#hi.saturating_sub(#k)), &lo)
                }
                ("take", false, None) => hi = syn::parse_quote!(#hi.min(#lo + #k)),
                ("take", true, None) => {
                    lo = at_least(syn::parse_quote!(#hi.saturating_sub(#k)), &lo)
                }
                _ => return None,
            }
        }
        let mut range: Expr = syn::parse_quote!((#lo..#hi));
        if reversed {
            range = syn::parse_quote!(#range.rev());
        }
        if let Some(k) = step {
            range = syn::parse_quote!(#range.step_by(#k));
        }
        Some((range, hi))
    }

    /// The name standing for the element (or field) a walk binds to `i`: its own, or
    /// where it is bound `mut`, a fresh one copied into it at the top of the body.
    fn copied(&mut self, i: &syn::PatIdent) -> Ident {
        if i.mutability.is_none() {
            return i.ident.clone();
        }
        let name = &i.ident;
        let fresh = Ident::new(
            &crate::names::unused(self.taken, &format!("{name}_element")),
            name.span(),
        );
        self.copies.push(syn::parse_quote!(let mut #name = #fresh;));
        fresh
    }

    /// `other.zip(&pts)`: `other` counted, as long as the sequence at most (its count the
    /// index), where `other` does not read the sequence.
    fn behind(&mut self, m: &syn::ExprMethodCall) -> Option<Walk> {
        let mut read = HashSet::new();
        collect_idents(m.receiver.to_token_stream(), &mut read);
        if read.contains(&self.seq.name.to_string()) {
            return None;
        }
        let mut other = (*m.receiver).clone();
        self.visit_expr_mut(&mut other);
        let len = self.seq.len();
        Some(Walk {
            range: syn::parse_quote!(#other.take(#len).enumerate()),
            enumerated: false,
            window: None,
            zipped: false,
            behind: true,
            counted: false,
            shifted: None,
        })
    }

    /// `pts.iter().zip(pts.iter().skip(k))`: each element and the one `k` after it.
    fn zipped_with_itself(&mut self, zip: &Expr, counted: bool) -> Option<Walk> {
        let Expr::MethodCall(m) = zip else {
            return None;
        };
        if m.method != "zip" || m.args.len() != 1 || !self.whole_walk(&m.receiver) {
            return None;
        }
        let mut k = self.shifted_walk(&m.args[0])?.clone();
        self.visit_expr_mut(&mut k);
        let len = self.seq.len();
        Some(Walk {
            range: syn::parse_quote!((0..#len.saturating_sub(#k))),
            enumerated: false,
            window: None,
            zipped: false,
            behind: false,
            counted,
            shifted: Some(k),
        })
    }

    /// `k` of `pts.iter().skip(k)`, `&pts[k..]` or `pts[k..].iter()`: the sequence itself,
    /// from its element `k`.
    fn shifted_walk<'e>(&self, e: &'e Expr) -> Option<&'e Expr> {
        let from = |e: &'e Expr| match strip(e) {
            Expr::Index(ix) if self.is_seq(&ix.expr) => match strip(&ix.index) {
                Expr::Range(r) if r.end.is_none() => r.start.as_deref(),
                _ => None,
            },
            _ => None,
        };
        match strip(e) {
            Expr::MethodCall(m) if m.method == "skip" && m.args.len() == 1 => {
                self.whole_walk(&m.receiver).then(|| &m.args[0])
            }
            Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => from(&m.receiver),
            Expr::Reference(r) if r.mutability.is_none() => from(&r.expr),
            _ => None,
        }
    }

    /// `&pts`, `pts`, `pts.iter()`, `pts.iter_mut()` or `pts.into_iter()`: every element,
    /// in order.
    fn whole_walk(&self, e: &Expr) -> bool {
        match strip(e) {
            Expr::Reference(r) => self.is_seq(&r.expr),
            Expr::MethodCall(m) => {
                m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "iter" | "iter_mut" | "into_iter"
                    )
                    && self.is_seq(&m.receiver)
            }
            e => self.is_seq(e),
        }
    }

    /// The names `pat` binds to an item of `walk` (`p`, `&p`, `(i, p)` when enumerated, `w`
    /// of a window): the index's name, and the names bound to the element or window.
    pub(super) fn bind(&mut self, walk: &Walk, pat: &Pat) -> Option<(Pat, Vec<(Ident, Bound)>)> {
        // (What a walk that failed to bind left.)
        self.copies.clear();
        self.destructure = None;
        if let Some(k) = &walk.shifted {
            return self.bind_shifted(walk.counted, k, pat);
        }
        // `(p, w)` of a zip: `p` the element, `w` the other walk's item, kept; `(w, p)` of
        // `ws.zip(&pts)`. Either is walked as `(at, w)`.
        if walk.zipped || walk.behind {
            // `(i, (p, w))` of a zip counted: `i` the index.
            let (count, pat) = match (walk.counted, strip_pat(pat)) {
                (true, Pat::Tuple(t)) if t.elems.len() == 2 => (Some(&t.elems[0]), &t.elems[1]),
                (true, _) => return None,
                (false, pat) => (None, pat),
            };
            let Pat::Tuple(t) = strip_pat(pat) else {
                return None;
            };
            let [mut item, mut other] = [t.elems.first()?, t.elems.get(1)?];
            if walk.behind {
                (item, other) = (other, item);
            }
            let plain = Walk {
                range: walk.range.clone(),
                enumerated: false,
                window: None,
                zipped: false,
                behind: false,
                counted: false,
                shifted: None,
            };
            let (index, bound) = self.bind(&plain, item)?;
            match count.map(strip_pat) {
                Some(Pat::Ident(i)) if i.subpat.is_none() && i.by_ref.is_none() => {
                    self.copies.push(syn::parse_quote!(let #i = #index;));
                }
                Some(Pat::Wild(_)) | None => {}
                Some(_) => return None,
            }
            return (t.elems.len() == 2).then(|| (syn::parse_quote!((#index, #other)), bound));
        }
        let (index, item) = match (walk.enumerated, strip_pat(pat)) {
            (true, Pat::Tuple(t)) if t.elems.len() == 2 => {
                // The count a fresh index, the user's name bound to it at the top of the
                // body: the body may bind that name again (`let i = i * 2;`), while the
                // element's fields are read at the index.
                let index = match strip_pat(&t.elems[0]) {
                    Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                        let index = self.fresh();
                        let name = &t.elems[0];
                        self.copies.push(syn::parse_quote!(let #name = #index;));
                        index
                    }
                    Pat::Wild(_) => self.fresh(),
                    _ => return None,
                };
                (index, &t.elems[1])
            }
            (true, _) => return None,
            (false, p) => (self.fresh(), p),
        };
        let item = match strip_pat(item) {
            Pat::Reference(r) => strip_pat(&r.pat),
            p => p,
        };
        let name = match item {
            Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => self.copied(i),
            // `(a, b)` of a tuple: each name its field's sequence at the index.
            Pat::Tuple(t) if self.seq.path.is_none() && walk.window.is_none() => {
                if t.elems.len() != self.seq.fields.len() {
                    return None;
                }
                let at: Expr = syn::parse_quote!(#index);
                let mut bound = Vec::new();
                for (k, p) in t.elems.iter().enumerate() {
                    let member = syn::Member::Unnamed(k.into());
                    match strip_pat(p) {
                        Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                            let name = self.copied(i);
                            bound.push((name, Bound::Field(at.clone(), member)));
                        }
                        Pat::Wild(_) => {}
                        _ => return None,
                    }
                }
                self.destructure = Some(item.clone());
                return Some((syn::parse_quote!(#index), bound));
            }
            _ => return None,
        };
        let at: Expr = syn::parse_quote!(#index);
        let bound = match &walk.window {
            Some(k) => Bound::Window(at, k.clone()),
            None => Bound::Element(at),
        };
        Some((syn::parse_quote!(#index), vec![(name, bound)]))
    }
}

impl Uses<'_> {
    /// `(a, b)` of `pts.iter().zip(pts.iter().skip(k))` (`(i, (a, b))` counted): `a` the
    /// element at the index, `b` the one `k` after it.
    fn bind_shifted(
        &mut self,
        counted: bool,
        k: &Expr,
        pat: &Pat,
    ) -> Option<(Pat, Vec<(Ident, Bound)>)> {
        let index = self.fresh();
        let pat = match (counted, strip_pat(pat)) {
            (true, Pat::Tuple(t)) if t.elems.len() == 2 => {
                match strip_pat(&t.elems[0]) {
                    Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                        self.copies.push(syn::parse_quote!(let #i = #index;));
                    }
                    Pat::Wild(_) => {}
                    _ => return None,
                }
                &t.elems[1]
            }
            (true, _) => return None,
            (false, pat) => pat,
        };
        let Pat::Tuple(t) = strip_pat(pat) else {
            return None;
        };
        if t.elems.len() != 2 {
            return None;
        }
        let at = [syn::parse_quote!(#index), syn::parse_quote!(#index + #k)];
        let mut bound = Vec::new();
        for (p, at) in t.elems.iter().zip(at) {
            let p = match strip_pat(p) {
                Pat::Reference(r) => strip_pat(&r.pat),
                p => p,
            };
            match p {
                Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                    let name = self.copied(i);
                    bound.push((name, Bound::Element(at)));
                }
                Pat::Wild(_) => {}
                _ => return None,
            }
        }
        Some((syn::parse_quote!(#index), bound))
    }
}

/// `e.max(lo)`, or `e` where `lo` is the range's first bound, zero.
fn at_least(e: Expr, lo: &Expr) -> Expr {
    match lo {
        Expr::Lit(l) if quote!(#l).to_string() == "0" => e,
        lo => syn::parse_quote!(#e.max(#lo)),
    }
}

/// The adaptors that walk a range of indices as they walk the sequence.
const RANGE_ADAPTORS: &[&str] = &["rev", "skip", "take", "step_by"];

/// A walk over the sequence as a range of its indices.
pub(super) struct Walk {
    pub(super) range: Expr,
    /// `enumerate`d: its items are `(index, element)`.
    pub(super) enumerated: bool,
    /// `windows(k)`: the window's length.
    pub(super) window: Option<Expr>,
    /// `zip(other)`: its items are `(element, item of other)`.
    pub(super) zipped: bool,
    /// `other.zip(&pts)`: its items are `(item of other, element)`, walked as `other`
    /// counted (`(at, w)` for `(w, p)`).
    pub(super) behind: bool,
    /// A zip, then `enumerate`d: its items are `(count, item of the zip)`, the count the
    /// index.
    pub(super) counted: bool,
    /// `pts.iter().zip(pts.iter().skip(k))`: its items are the elements at the index and
    /// `k` after it.
    pub(super) shifted: Option<Expr>,
}
