//! An array's rows or columns walked as an iterator (`for row in a.outer_iter()`,
//! `a.rows().into_iter().map(|r| r.dot(x))`, `a.axis_iter(Axis(1))`, `a.columns()`): the walk
//! over their indices it means, each lane a view (`a.row(i)`, `a.column(j)`), which lowering
//! differentiates as it does any view. And ndarray's `a.fold(init, f)` of a one-dimensional
//! array: the fold over `a.iter()`.
//!
//! ```text
//! for (i, row) in w.outer_iter().enumerate() {     for i in 0..w.nrows() {
//!     s += row.dot(x);                        ==>      let row = w.row(i);
//!                                                      s += row.dot(x);
//! w.rows().into_iter().map(|r| r.sum())       ==>  (0..w.nrows()).map(|lane| w.row(lane)).map(|r| r.sum())
//! ```

use super::*;

/// A walk over an array's lanes: the array, which lanes, whether counted.
struct Lanes<'a> {
    array: &'a Expr,
    /// `row`/`nrows`, or `column`/`ncols`.
    lane: TokenStream,
    count: TokenStream,
    enumerate: bool,
    span: Span,
}

impl Lower<'_> {
    /// `e` with the walk over an array's lanes that starts it written as a walk over a range,
    /// `(0..a.nrows()).map(|i| a.row(i))`, if it has one.
    pub(super) fn array_lanes(&mut self, e: &Expr) -> Option<Expr> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        // `a.fold(init, |acc, &v| ..)` of a one-dimensional array: its elements' fold.
        if m.method == "fold" && m.args.len() == 2 {
            if iterators::Context::is_array(self, &m.receiver) {
                let (a, args) = (&m.receiver, &m.args);
                return Some(syn::parse_quote_spanned!(m.method.span()=> #a.iter().fold(#args)));
            }
            if self
                .local_of(strip(&m.receiver))
                .is_some_and(|v| self.kind(v) == Kind::Tensor)
            {
                self.errors.spanned(
                    &m.method,
                    "#[differentiate] folds the elements of a one-dimensional array whose type the function declares or its operands give (a parameter `a: &Array1<f64>`, a local `let h: Array1<f64> = ..;`, `let h = m.dot(x);` or `x.mapv(..)` of declared ones); for this array, declare its type, or use `.mapv(|v| ..)` and `.sum()`",
                );
                return Some(syn::parse_quote!(0.0));
            }
        }
        if let Some(Lanes {
            array,
            lane,
            count,
            enumerate,
            span,
        }) = self.lanes(m)
        {
            let i = Ident::new(&self.names.syntax("lane"), Span::mixed_site());
            return Some(match enumerate {
                true => syn::parse_quote_spanned!(span=>
                    (0..#array.#count()).map(|#i| (#i, #array.#lane(#i)))),
                false => syn::parse_quote_spanned!(span=>
                    (0..#array.#count()).map(|#i| #array.#lane(#i))),
            });
        }
        // `w.columns().into_iter().enumerate().map(|(j, col)| ..)`: the index walked and the
        // lane bound in the closure, `(0..w.ncols()).map(|j| { let col = w.column(j); .. })`
        // (a pair of an index and a view is not a value lowering holds).
        if let Some(walk) = self.counted_lanes(m) {
            return Some(walk);
        }
        let receiver = self.array_lanes(&m.receiver)?;
        let mut m = m.clone();
        *m.receiver = receiver;
        Some(Expr::MethodCall(m))
    }

    /// `.map(|(i, lane)| ..)` or `.for_each(..)` of an enumerated walk over lanes: the
    /// walk over the indices, each closure binding its lane.
    fn counted_lanes(&mut self, m: &syn::ExprMethodCall) -> Option<Expr> {
        if !(m.method == "map" || m.method == "for_each") || m.args.len() != 1 {
            return None;
        }
        let Expr::Closure(c) = strip(&m.args[0]) else {
            return None;
        };
        let [Pat::Tuple(pair)] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let [index, pat] = &pair.elems.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let Expr::MethodCall(walked) = strip(&m.receiver) else {
            return None;
        };
        let lanes = self.lanes(walked).filter(|l| l.enumerate)?;
        let i = match index {
            Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => p.ident.clone(),
            Pat::Wild(_) => Ident::new(&self.names.syntax("lane"), Span::mixed_site()),
            _ => return None,
        };
        let Lanes {
            array,
            lane,
            count,
            span,
            ..
        } = lanes;
        let (method, body) = (&m.method, &c.body);
        let pat = self.lane_pattern(pat);
        Some(syn::parse_quote_spanned!(span=>
            (0..#array.#count()).#method(|#i| { let #pat = #array.#lane(#i); #body })))
    }

    /// `for row in a.outer_iter() { .. }` (`for (i, row) in ...enumerate()`): the loop over
    /// the indices, `for i in 0..a.nrows() { let row = a.row(i); .. }`.
    pub(super) fn lanes_loop(&mut self, f: &syn::ExprForLoop) -> Option<Expr> {
        let Expr::MethodCall(m) = strip(&f.expr) else {
            return None;
        };
        let Lanes {
            array,
            lane,
            count,
            enumerate,
            span,
        } = self.lanes(m)?;
        let (index, pat) = match (&*f.pat, enumerate) {
            (Pat::Tuple(t), true) if t.elems.len() == 2 => {
                let index = match &t.elems[0] {
                    Pat::Wild(_) => None,
                    p => Some(p),
                };
                (index, &t.elems[1])
            }
            (_, true) => return None,
            (p, false) => (None, p),
        };
        let fresh = Ident::new(&self.names.syntax("lane"), Span::mixed_site());
        let index: Pat = match index {
            Some(p) => p.clone(),
            None => syn::parse_quote!(#fresh),
        };
        let i = match &index {
            Pat::Ident(p) => p.ident.clone(),
            _ => return None,
        };
        let (label, body) = (&f.label, &f.body.stmts);
        let pat = self.lane_pattern(pat);
        Some(syn::parse_quote_spanned! {span=>
            #label for #index in 0..#array.#count() {
                let #pat = #array.#lane(#i);
                #(#body)*
            }
        })
    }

    /// An array whose declared type is one-dimensional (`w: &Array1<f64>`, a lane walked).
    pub(super) fn one_dimensional(&self, o: &Operand) -> bool {
        self.rank(o) == Some(1)
    }

    /// The number of axes of an array whose type says (`&Array2<f64>`: 2).
    fn rank(&self, o: &Operand) -> Option<usize> {
        let v = o.whole().filter(|&v| self.kind(v) == Kind::Tensor)?;
        super::types::array_rank(self.vars[v].ty.as_ref()?)
    }

    /// The type of a `let` (or a temporary) without one whose value is a vector or a
    /// matrix, where the operands' types say so: a matrix times a vector (`let z =
    /// a.dot(x);`), elementwise arithmetic and functions of vectors (`x.mapv(f64::exp)`, `&x
    /// + 1.0`), a lane, a slice (`w.slice(s![i, ..])`), so that it is walked as a declared
    /// vector is (`z.iter().map(..)`); or a constant array of floats made by
    /// `Array2::from_shape_vec(..).unwrap()`, `Array1::linspace(..)`, `array![[..], ..]`.
    pub(super) fn inferred_array(&self, op: &Op) -> Option<Type> {
        let elementwise = |cx: &Self| {
            let arrays: Vec<&Operand> = op
                .operands()
                .into_iter()
                .filter(|o| o.whole().is_some_and(|v| cx.kind(v) == Kind::Tensor))
                .collect();
            (!arrays.is_empty() && arrays.iter().all(|o| cx.one_dimensional(o))).then_some(1)
        };
        let rank = match op {
            Op::Dot(a, b) => match (self.rank(a), self.rank(b)) {
                (Some(2), Some(1)) | (Some(1), Some(2)) => Some(1),
                _ => None,
            },
            // (The elementwise gates too: `maximum(&z, 0.0)` of `v.max(0.0)` in a `mapv`.)
            Op::Call(c)
                if c.method.is_none()
                    && c.path.segments.last().is_some_and(|s| {
                        ["sigmoid", "relu", "maximum", "minimum"]
                            .contains(&s.ident.to_string().as_str())
                    }) =>
            {
                elementwise(self)
            }
            Op::Neg(_) | Op::Bin(..) | Op::Math(..) | Op::Copy(_) => elementwise(self),
            Op::Konst(k) if of_floats(k.expr.to_token_stream()) => constant_rank(&k.expr),
            Op::Reduce(crate::ops::Reduction::Lane(..), _) => Some(1),
            // `w.slice(s![i, ..])`: an axis per range, none per index.
            Op::Reduce(crate::ops::Reduction::Slice(info), a) => {
                sliced_rank(self.rank(a)?, &info.expr)
            }
            _ => None,
        };
        let (float, krate) = (super::types::signature_float()?, &self.krate);
        match rank? {
            1 => Some(syn::parse_quote!(#krate::ndarray::Array1<#float>)),
            2 => Some(syn::parse_quote!(#krate::ndarray::Array2<#float>)),
            // (A slice to a single element or with a new axis: left untyped.)
            _ => None,
        }
    }

    /// The pattern a lane is bound to, a name typed as the one-dimensional array lowering
    /// makes of a lane (`let row: Array1<f64> = a.row(i);`), so that its elements are walked
    /// as a declared vector's are (`row.iter().map(..)`, `for &v in row.iter()`).
    fn lane_pattern(&self, pat: &Pat) -> Pat {
        match (pat, super::types::signature_float()) {
            (Pat::Ident(p), Some(float)) if p.subpat.is_none() => {
                let krate = &self.krate;
                Pat::Type(syn::PatType {
                    attrs: Vec::new(),
                    pat: Box::new(pat.clone()),
                    colon_token: Default::default(),
                    ty: Box::new(syn::parse_quote!(#krate::ndarray::Array1<#float>)),
                })
            }
            _ => pat.clone(),
        }
    }

    /// `a.outer_iter()`, `a.rows()` (`.into_iter()` taken), `a.axis_iter(Axis(0))`, or
    /// columns, maybe `.enumerate()`d, of an array.
    fn lanes<'a>(&self, m: &'a syn::ExprMethodCall) -> Option<Lanes<'a>> {
        let (mut inner, enumerate) = match strip(&m.receiver) {
            Expr::MethodCall(r) if m.method == "enumerate" && m.args.is_empty() => (r, true),
            _ => (m, false),
        };
        if inner.method == "into_iter"
            && inner.args.is_empty()
            && let Expr::MethodCall(r) = strip(&inner.receiver)
        {
            inner = r;
        }
        let args: Vec<&Expr> = inner.args.iter().collect();
        let rows = match (inner.method.to_string().as_str(), &args[..]) {
            ("outer_iter" | "rows", []) => true,
            ("columns", []) => false,
            ("axis_iter", [axis]) => match axis_number(axis)? {
                0 => true,
                1 => false,
                _ => return None,
            },
            _ => return None,
        };
        let array = &*inner.receiver;
        self.local_of(array)
            .filter(|&v| self.kind(v) == Kind::Tensor)?;
        let (count, lane) = match rows {
            true => (quote!(nrows), quote!(row)),
            false => (quote!(ncols), quote!(column)),
        };
        Some(Lanes {
            array,
            lane,
            count,
            enumerate,
            span: inner.method.span(),
        })
    }
}

/// `Axis(k)` (or `ndarray::Axis(k)`) with a literal `k`.
fn axis_number(e: &Expr) -> Option<u64> {
    let Expr::Call(c) = strip(e) else { return None };
    let Expr::Path(p) = strip(&c.func) else {
        return None;
    };
    if p.path.segments.last()?.ident != "Axis" || c.args.len() != 1 {
        return None;
    }
    match strip(&c.args[0]) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) => n.base10_parse().ok(),
        _ => None,
    }
}

/// The number of axes of a constant array its constructor names: `Array2::from_shape_vec(..)
/// .unwrap()`, `Array1::linspace(..)`, `array![[..], ..]` (rows: 2), `array![..]` (1).
fn constant_rank(e: &Expr) -> Option<usize> {
    match strip(e) {
        Expr::MethodCall(m) if m.method == "unwrap" && m.args.is_empty() => {
            constant_rank(&m.receiver)
        }
        Expr::Call(c) => match strip(&c.func) {
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 2 => {
                match p.path.segments[0].ident.to_string().as_str() {
                    "Array1" => Some(1),
                    "Array2" => Some(2),
                    _ => None,
                }
            }
            _ => None,
        },
        Expr::Macro(m) if super::calls::ndarray_array_macro(&m.mac) => {
            let first = m.mac.tokens.clone().into_iter().next();
            match first {
                Some(proc_macro2::TokenTree::Group(g))
                    if g.delimiter() == proc_macro2::Delimiter::Bracket =>
                {
                    Some(2)
                }
                Some(_) => Some(1),
                None => None,
            }
        }
        _ => None,
    }
}

/// Whether tokens hold a float literal or name a float type (`0.5`, `f64`, `T::one()` is
/// not seen: a constant array of them is left untyped).
fn of_floats(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Literal(l) => {
            matches!(syn::Lit::new(l), syn::Lit::Float(_))
        }
        proc_macro2::TokenTree::Ident(i) => i == "f64" || i == "f32",
        proc_macro2::TokenTree::Group(g) => of_floats(g.stream()),
        proc_macro2::TokenTree::Punct(_) => false,
    })
}

/// The number of axes `s![..]` leaves of an array of `rank` axes: one per range (`a..b`,
/// `..`, `a..;k`) and per `NewAxis`, none per index, the axes it does not name kept.
fn sliced_rank(rank: usize, info: &Expr) -> Option<usize> {
    let Expr::Macro(m) = strip(info) else {
        return None;
    };
    if m.mac.path.segments.last().is_none_or(|s| s.ident != "s") {
        return None;
    }
    let mut parts: Vec<Vec<proc_macro2::TokenTree>> = vec![Vec::new()];
    for t in m.mac.tokens.clone() {
        match &t {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
            _ => parts.last_mut().expect("one part at least").push(t),
        }
    }
    parts.retain(|p| !p.is_empty());
    let range = |p: &[proc_macro2::TokenTree]| {
        p.windows(2).any(|w| {
            matches!((&w[0], &w[1]), (proc_macro2::TokenTree::Punct(a), proc_macro2::TokenTree::Punct(b))
                if a.as_char() == '.' && b.as_char() == '.')
        })
    };
    let new_axis = |p: &[proc_macro2::TokenTree]| matches!(p, [proc_macro2::TokenTree::Ident(i)] if i == "NewAxis");
    let named = parts.iter().filter(|p| !new_axis(p)).count();
    let kept = parts.iter().filter(|p| range(p) || new_axis(p)).count();
    Some(kept + rank.checked_sub(named)?)
}
