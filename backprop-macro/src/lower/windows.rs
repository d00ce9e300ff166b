//! `for w in x.windows(k)`, `x.chunks(k)`, `x.chunks_exact(k)`, `y.chunks_mut(k)`,
//! `y.chunks_exact_mut(k)` (also `.enumerate()`d, `.rev()`ersed, and two of them zipped)
//! over a sequence:
//! the index loop they mean. And `for v in &x[a..b]`
//! (or `x[a..].iter()...`): the walk `x.iter().skip(a).take(b - a)`, after the bounds check
//! the slice makes. Each window is a stretch of `x`: where the body only indexes it and
//! measures it, `w[j]` becomes `x[start + j]` and `w.len()` its length, so no copy is made;
//! otherwise `w` is bound to the copy `&x[start..end]`.

use super::iterators::Limit;
use super::*;
use syn::visit_mut::VisitMut;

/// The stretches a loop walks.
#[derive(Clone, Copy, PartialEq)]
enum Stretch {
    Windows,
    Chunks,
    ChunksExact,
}

/// One sequence a loop walks in stretches: `x.chunks(k)` bound to `name`.
struct Side<'a> {
    kind: Stretch,
    /// `chunks_mut`: the body writes the chunk's elements, which must then be read and
    /// written in place (`c[j] = ..` as `y[start + j] = ..`).
    mutable: bool,
    seq: &'a Expr,
    size: &'a Expr,
    name: Ident,
}

impl Lower<'_> {
    /// `x.windows(k)`, `x.chunks(k)`, `x.chunks_exact(k)` of a sequence (or `chunks_mut`,
    /// `chunks_exact_mut`): what, whether written, and how.
    fn stretches<'a>(&self, e: &'a Expr) -> Option<(Stretch, bool, &'a Expr, &'a Expr)> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        let (kind, mutable) = match m.method.to_string().as_str() {
            "windows" => (Stretch::Windows, false),
            "chunks" => (Stretch::Chunks, false),
            "chunks_exact" => (Stretch::ChunksExact, false),
            "chunks_mut" => (Stretch::Chunks, true),
            "chunks_exact_mut" => (Stretch::ChunksExact, true),
            _ => return None,
        };
        let seq = &*m.receiver;
        let is_seq = self
            .local_of(seq)
            .is_some_and(|v| self.kind(v) == Kind::Seq)
            || self.indexed_row(seq).is_some();
        (m.args.len() == 1 && is_seq).then_some((kind, mutable, seq, &m.args[0]))
    }

    /// The index loop `f` means, when it walks windows or chunks of a sequence, or two
    /// such walks zipped (`x.chunks(d).zip(y.chunks(d))`, as long as the shorter).
    /// A walk of one sequence's stretches may skip and take some first (`x.chunks(2).skip(i
    /// + 1)`, also after `.enumerate()`, whose count is then the stretch's index).
    pub(super) fn stretch_loop(&mut self, f: &syn::ExprForLoop) -> Option<Expr> {
        let (mut e, mut enumerated) = (strip(&f.expr), false);
        // `.rev()` last (`x.windows(2).rev()`, `.enumerate().rev()`: the count is the
        // stretch's index): the same stretches, the last first.
        let reversed = super::iterators::peel(&mut e, "rev");
        let limits = super::iterators::limits(&mut e)?;
        if reversed && !limits.is_empty() {
            return None;
        }
        if let Expr::MethodCall(m) = e
            && m.method == "enumerate"
            && m.args.is_empty()
        {
            (e, enumerated) = (strip(&m.receiver), true);
        }
        // (`.step_by(k)` is not one of them.)
        let skip_take = limits.iter().all(|(l, _)| !matches!(l, Limit::StepBy));
        if f.label.is_some() {
            return None;
        }
        let walks = match self.stretches(e) {
            Some(one) if skip_take => vec![one],
            Some(_) => return None,
            None if !limits.is_empty() || reversed => return None,
            None => match e {
                Expr::MethodCall(z) if z.method == "zip" && z.args.len() == 1 => {
                    vec![self.stretches(&z.receiver)?, self.stretches(&z.args[0])?]
                }
                _ => return None,
            },
        };
        let (index, item) = match (&*f.pat, enumerated) {
            (p, false) => (None, p),
            (Pat::Tuple(t), true) if t.elems.len() == 2 => match &t.elems[0] {
                Pat::Ident(i) => (Some(i.ident.clone()), &t.elems[1]),
                Pat::Wild(_) => (None, &t.elems[1]),
                _ => return None,
            },
            _ => return None,
        };
        // A pair bound to one name and read by its elements (`p.0[1]`): taken apart.
        let taken = match (item, walks.len()) {
            (Pat::Ident(_), 2) => {
                let (pat, body) = super::iterators::pair_taken_apart(self, item, &f.body.stmts)?;
                let mut f = f.clone();
                f.body.stmts = body;
                Some((pat, f))
            }
            _ => None,
        };
        let (item, f) = taken.as_ref().map_or((item, f), |(pat, f)| (pat, f));
        let names: Vec<Ident> = match (item, walks.len()) {
            (Pat::Ident(p), 1) => vec![p.ident.clone()],
            (Pat::Tuple(t), 2) if t.elems.len() == 2 => t
                .elems
                .iter()
                .map(|p| match p {
                    Pat::Ident(p) => Some(p.ident.clone()),
                    // An element not read.
                    Pat::Wild(_) => {
                        Some(Ident::new(&self.names.syntax("unread"), Span::mixed_site()))
                    }
                    _ => None,
                })
                .collect::<Option<_>>()?,
            _ => return None,
        };
        let sides: Vec<Side> = walks
            .into_iter()
            .zip(names)
            .map(|((kind, mutable, seq, size), name)| Side {
                kind,
                mutable,
                seq,
                size,
                name,
            })
            .collect();
        self.stretch_walk(f, &sides, index, (&limits, reversed))
    }

    /// The loop over the stretches of `sides` (each bound to its name, or read in place).
    fn stretch_walk(
        &mut self,
        f: &syn::ExprForLoop,
        sides: &[Side],
        index: Option<Ident>,
        (limits, reversed): (&[(Limit, &Expr)], bool),
    ) -> Option<Expr> {
        let span = f.span();
        let one = match sides[0].kind {
            Stretch::Windows => "window",
            Stretch::Chunks | Stretch::ChunksExact => "chunk",
        };
        let at = Ident::new(&self.names.syntax(one), Span::mixed_site());
        let at = index.unwrap_or(at);
        let mut body = f.body.clone();
        let (mut setup, mut heads, mut counts) = (Vec::new(), Vec::new(), Vec::new());
        for side in sides {
            let (count_name, len_name) = (format!("{one}_count"), format!("{one}_len"));
            let [k, n, start, len] = ["size", &count_name, "start", &len_name]
                .map(|b| Ident::new(&self.names.syntax(b), Span::mixed_site()));
            let (seq, size, name) = (side.seq, side.size, &side.name);
            // How many stretches, where each starts, and how long it is.
            let (count, first, length): (Expr, Expr, Expr) = match side.kind {
                Stretch::Windows => (
                    syn::parse_quote!((#seq.len() + 1).saturating_sub(#k)),
                    syn::parse_quote!(#at),
                    syn::parse_quote!(#k),
                ),
                Stretch::Chunks => (
                    syn::parse_quote!(#seq.len().div_ceil(#k)),
                    syn::parse_quote!(#at * #k),
                    syn::parse_quote!(#k.min(#seq.len() - #start)),
                ),
                Stretch::ChunksExact => (
                    syn::parse_quote!(#seq.len() / #k),
                    syn::parse_quote!(#at * #k),
                    syn::parse_quote!(#k),
                ),
            };
            // A window of size 0 panics in `std`; so does this (`assert!` runs as written).
            setup.push(quote_spanned! {span=>
                let #k: usize = #size;
                assert!(#k != 0, "window or chunk size must be non-zero");
                let #n = #count;
            });
            counts.push(n);
            let inlined = Inline {
                name,
                seq,
                start: &start,
                len: &len,
                other_use: false,
            };
            let mut rewritten = body.clone();
            let bind = match inlined.rewrite(&mut rewritten) {
                true => {
                    body = rewritten;
                    None
                }
                // A chunk written other than by index (passed on, walked): not supported.
                false if side.mutable => return None,
                false => Some(quote_spanned!(span=> let #name = &#seq[#start..#start + #len];)),
            };
            heads.push(quote_spanned! {span=>
                let #start: usize = #first;
                let #len: usize = #length;
                #bind
            });
        }
        let (first, rest) = counts.split_first()?;
        // The stretches walked: all, or those the limits leave, in order.
        let (mut lo, mut hi) = (quote!(0), quote!(#first #(.min(#rest))*));
        for (limit, arg) in limits {
            match limit {
                Limit::Skip => lo = quote!((#arg).min(#hi)),
                Limit::Take => hi = quote!((#hi).min(#lo + (#arg))),
                _ => return None,
            }
        }
        let range = match reversed {
            false => quote!(#lo..#hi),
            true => quote!((#lo..#hi).rev()),
        };
        let stmts = &body.stmts;
        Some(syn::parse_quote_spanned!(span=> {
            #(#setup)*
            for #at in #range {
                #(#heads)*
                #(#stmts)*
            }
        }))
    }
}

impl Lower<'_> {
    /// `for v in &x[a..b]`, `x[a..].iter().enumerate()`, `x[1..].iter_mut()`, ...: `{
    /// assert!(the bounds); for v in x.iter().skip(a).take(b - a)... }`, when `x` is a
    /// sequence.
    pub(super) fn sub_slice_loop(&mut self, f: &syn::ExprForLoop) -> Option<Expr> {
        if f.label.is_some() {
            return None;
        }
        let (check, walk) = self.slice_walk(&f.expr)?;
        let (pat, body) = (&f.pat, &f.body);
        Some(syn::parse_quote_spanned!(f.span()=> {
            #check
            for #pat in #walk #body
        }))
    }

    /// The check and the walk for the sub-slice at the source of an iterator expression.
    pub(super) fn slice_walk(&self, e: &Expr) -> Option<(Option<syn::Stmt>, Expr)> {
        let (slice, mutable) = match strip(e) {
            Expr::Reference(r) => (&*r.expr, r.mutability.is_some()),
            Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => (&*m.receiver, false),
            Expr::MethodCall(m) if m.method == "iter_mut" && m.args.is_empty() => {
                (&*m.receiver, true)
            }
            // The source at the chain's start, and a sub-slice zipped with it
            // (`x[1..].iter().zip(&y[..n])`), checked in that order.
            Expr::MethodCall(m) => {
                let receiver = self.slice_walk(&m.receiver);
                let zipped = match &m.args.iter().collect::<Vec<_>>()[..] {
                    [arg] if m.method == "zip" => self.slice_walk(arg),
                    _ => None,
                };
                if receiver.is_none() && zipped.is_none() {
                    return None;
                }
                let mut m = m.clone();
                let mut checks = Vec::new();
                if let Some((check, receiver)) = receiver {
                    checks.extend(check);
                    m.receiver = Box::new(receiver);
                }
                if let Some((check, arg)) = zipped {
                    checks.extend(check);
                    m.args[0] = arg;
                }
                let check = match checks.len() {
                    0 | 1 => checks.pop(),
                    _ => Some(syn::parse_quote!({ #(#checks)* })),
                };
                return Some((check, Expr::MethodCall(m)));
            }
            _ => return None,
        };
        let Expr::Index(ix) = strip(slice) else {
            return None;
        };
        let Expr::Range(range) = strip(&ix.index) else {
            return None;
        };
        let seq = &*ix.expr;
        let is_seq = self
            .local_of(seq)
            .is_some_and(|v| self.kind(v) == Kind::Seq)
            || self.indexed_row(seq).is_some();
        if !is_seq {
            return None;
        }
        let from_start = range.start.is_none();
        let start: Expr = match &range.start {
            Some(a) => (**a).clone(),
            None => syn::parse_quote!(0),
        };
        let end: Option<Expr> = match (&range.end, &range.limits) {
            (Some(b), syn::RangeLimits::HalfOpen(_)) => Some((**b).clone()),
            (Some(b), syn::RangeLimits::Closed(_)) => Some(syn::parse_quote!((#b) + 1)),
            (None, _) => None,
        };
        let span = ix.span();
        let iter = match mutable {
            true => quote::format_ident!("iter_mut", span = span),
            false => quote::format_ident!("iter", span = span),
        };
        let (check, walk): (Option<syn::Stmt>, Expr) = match end {
            Some(end) if from_start => (
                Some(syn::parse_quote_spanned!(span=>
                    assert!((#end) <= #seq.len(), "slice index out of range");
                )),
                syn::parse_quote_spanned!(span=> #seq.#iter().take(#end)),
            ),
            Some(end) => (
                Some(syn::parse_quote_spanned!(span=>
                    assert!((#start) <= (#end) && (#end) <= #seq.len(), "slice index out of range");
                )),
                syn::parse_quote_spanned!(span=> #seq.#iter().skip(#start).take((#end) - (#start))),
            ),
            None if from_start => (None, syn::parse_quote_spanned!(span=> #seq.#iter())),
            None => (
                Some(syn::parse_quote_spanned!(span=>
                    assert!((#start) <= #seq.len(), "slice index out of range");
                )),
                syn::parse_quote_spanned!(span=> #seq.#iter().skip(#start)),
            ),
        };
        Some((check, walk))
    }
}

/// Rewrites `w[j]` as `x[start + j]` and `w.len()` as the stretch's length, in a loop body
/// that uses `w` no other way and does not bind the name again.
pub(super) struct Inline<'a> {
    pub name: &'a Ident,
    pub seq: &'a Expr,
    pub start: &'a Ident,
    pub len: &'a dyn quote::ToTokens,
    pub other_use: bool,
}

impl Inline<'_> {
    /// The same in a closure's body (`ps.windows(2).map(|w| ..)`).
    pub(super) fn rewrite_expr(mut self, body: &mut Expr) -> bool {
        self.visit_expr_mut(body);
        !self.other_use
    }

    /// Whether every use was rewritten: not where the body binds a name the sequence is
    /// read by (`let x = 5.0;`), which the stretch read in place would then read.
    pub(super) fn rewrite(mut self, body: &mut syn::Block) -> bool {
        if super::extrema::binds_again(&body.stmts, &[self.seq]).is_some() {
            return false;
        }
        self.visit_block_mut(body);
        !self.other_use
    }

    fn is_name(&self, e: &Expr) -> bool {
        matches!(strip(e), Expr::Path(p) if p.path.is_ident(self.name))
    }
}

impl VisitMut for Inline<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Index(ix) if self.is_name(&ix.expr) => {
                self.visit_expr_mut(&mut ix.index);
                let (seq, start, j) = (self.seq, self.start, &*ix.index);
                let at: Expr = match j {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    }) if i.base10_digits() == "0" => syn::parse_quote!(#start),
                    Expr::Lit(_) | Expr::Path(_) => syn::parse_quote!(#start + #j),
                    _ => syn::parse_quote!(#start + (#j)),
                };
                *e = syn::parse_quote_spanned!(ix.span()=> #seq[#at]);
            }
            Expr::MethodCall(m)
                if m.method == "len" && m.args.is_empty() && self.is_name(&m.receiver) =>
            {
                let len = self.len;
                *e = syn::parse_quote!(#len);
            }
            Expr::Path(p) if p.path.is_ident(self.name) => self.other_use = true,
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        // The name bound again (a `let`, a closure's parameter), or a name the sequence
        // reads (`let v = 0.5;` in a walk of `v.windows(2)`): not rewritten.
        if p.ident == *self.name || mentions(&self.seq.to_token_stream(), &p.ident) {
            self.other_use = true;
        }
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {
        // A macro's tokens (`println!("{w:?}")`) are not rewritten: the copy is bound.
        self.other_use = true;
    }
}
