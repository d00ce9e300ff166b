//! Nested sequences (`Vec<Vec<f64>>`, `&[Vec<f64>]`, `[[f64; N]; M]`): how many indices
//! reach a float, elements `m[i][j]` as one [`Index`] of several levels, and rows (`let row
//! = &m[i];`, `for row in m.iter()`) as second names for `m[i]` that are indexed through.

use super::*;

/// A row of a nested sequence bound to a name: `row` stands for `base[prefix...]`, fields
/// included (`layer.w` of `for layer in layers` stands for `layers[l].w`).
#[derive(Clone)]
pub(super) struct Row {
    pub(super) base: VarId,
    pub(super) prefix: Index,
    /// How many indices from `base` reach a float, where not the base's own depth: a
    /// field of a struct in a sequence (`layers[l].w`) has the depth its uses show.
    pub(super) depth: Option<usize>,
}

const ROW_USES: &str = "a row of a nested sequence can be indexed (`row[j]`), measured (`row.len()`), iterated (`for &x in row`, `row.iter()...`), passed to a function (`f(row)`) and copied (`row.to_vec()`), but not used as a value of its own";

/// `m[i][j]`: the indexed expression `m` and the indices, outermost first.
pub(super) fn index_chain(ix: &syn::ExprIndex) -> (&Expr, Vec<&Expr>) {
    let mut levels = vec![&*ix.index];
    let mut base = strip(&ix.expr);
    while let Expr::Index(inner) = base {
        levels.push(&*inner.index);
        base = strip(&inner.expr);
    }
    levels.reverse();
    (base, levels)
}

impl Lower<'_> {
    /// How many indices reach a float in the sequence `v` (1 unless it is nested).
    pub(super) fn depth(&self, v: VarId) -> usize {
        self.depths.get(&v).copied().unwrap_or(1)
    }

    pub(super) fn set_depth(&mut self, v: VarId, depth: usize) {
        if depth > 1 {
            self.depths.insert(v, depth);
        }
    }

    /// The depth of a sequence's value from its syntax: `vec![vec![0.0; n]; m]` and
    /// `[[0.0; 3]; 2]` are 2.
    pub(super) fn literal_depth(expr: &Expr) -> usize {
        let inner = match strip(expr) {
            Expr::Repeat(r) => Some(&*r.expr),
            Expr::Array(a) => a.elems.first(),
            Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "vec") => {
                return match m.mac.parse_body::<VecRepeat>() {
                    Ok(r) => 1 + Self::literal_depth(&r.value),
                    Err(_) => m
                        .mac
                        .parse_body_with(
                            syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                        )
                        .ok()
                        .and_then(|items| items.first().map(|e| 1 + Self::literal_depth(e)))
                        .unwrap_or(1),
                };
            }
            _ => return 0,
        };
        1 + inner.map_or(0, Self::literal_depth)
    }

    /// How deep a collected sequence nests where its map makes sequences (`(0..m).map(|j|
    /// a.iter().map(|row| row[j]).collect()).collect()`: 2): one level above what each item
    /// is (a `collect()`, `.to_vec()`, `vec![..]`, an array); 1 for a collect of anything
    /// else, 0 for another method.
    pub(super) fn collected_depth(c: &syn::ExprMethodCall) -> usize {
        if c.method != "collect" || !c.args.is_empty() {
            return 0;
        }
        let item = match strip(&c.receiver) {
            Expr::MethodCall(m) if m.method == "map" && m.args.len() == 1 => {
                match strip(&m.args[0]) {
                    Expr::Closure(f) => super::closures::closure_value(f),
                    _ => None,
                }
            }
            _ => None,
        };
        let inner = match item.map(strip) {
            Some(Expr::MethodCall(x)) if x.method == "collect" => Self::collected_depth(x),
            Some(Expr::MethodCall(x)) if x.method == "to_vec" && x.args.is_empty() => 1,
            Some(e @ (Expr::Macro(_) | Expr::Array(_) | Expr::Repeat(_))) => Self::literal_depth(e),
            _ => 0,
        };
        1 + inner
    }

    /// A name for `base[prefix...]`, a row (`depth` as in [`Row`]).
    pub(super) fn bind_row(
        &mut self,
        ident: &Ident,
        base: VarId,
        prefix: Index,
        depth: Option<usize>,
    ) {
        let var = self.user_var(ident, Kind::Seq, None);
        self.rows.insert(
            var,
            Row {
                base,
                prefix,
                depth,
            },
        );
        self.bind(ident, var);
        self.bind_field_rows(ident, var);
    }

    /// A sequence variable as the array it indexes into, with the indices (and fields)
    /// already taken: `(m, [i])` for a row `row` of `m`, `(v, [])` for `v` itself.
    pub(super) fn seq_place(&self, v: VarId) -> (VarId, Index) {
        match self.rows.get(&v) {
            Some(row) => (row.base, row.prefix.clone()),
            None => (v, Index::levels(Vec::new())),
        }
    }

    /// How many indices from the array `v` indexes into ([`Self::seq_place`]) reach a
    /// float.
    pub(super) fn seq_depth(&self, v: VarId) -> usize {
        match self.rows.get(&v) {
            Some(Row {
                depth: Some(depth), ..
            }) => *depth,
            Some(row) => self.depth(row.base),
            None => self.depth(v),
        }
    }

    /// `v.len()` as a constant, `m[i].len()` for a row.
    pub(super) fn seq_len(&mut self, v: VarId) -> Konst {
        let (base, index) = self.seq_place(v);
        let mut reads: Vec<VarId> = std::iter::once(base)
            .chain(index.reads().copied())
            .collect();
        reads.sort_unstable();
        reads.dedup();
        let name = &self.vars[base].ident;
        self.konst_tokens(quote!(#name #index.len()), &reads)
    }

    /// `m[i]` (or `row[j]` of a deeper row) short of a float: the sequence and how many
    /// indices reach the row.
    pub(super) fn indexed_row(&self, e: &Expr) -> Option<(VarId, usize)> {
        let Expr::Index(ix) = strip(e) else {
            return None;
        };
        let (base, levels) = index_chain(ix);
        let v = self.local_of(base).filter(|&v| self.kind(v) == Kind::Seq)?;
        let (base, prefix) = self.seq_place(v);
        let indices = prefix.0.len() + levels.len();
        let ranged = levels.iter().any(|e| matches!(strip(e), Expr::Range(_)));
        (indices < self.seq_depth(v) && !ranged).then_some((base, indices))
    }

    /// `m[i].len()`, the length of a row indexed out of a nested sequence, or `v[1..].len()`,
    /// a sub-slice's (and `is_empty`).
    pub(super) fn row_len(&self, m: &syn::ExprMethodCall) -> bool {
        let sub_slice = match strip(&m.receiver) {
            Expr::Index(ix) if matches!(strip(&ix.index), Expr::Range(_)) => {
                iterators::Context::is_seq(self, &ix.expr)
            }
            _ => false,
        };
        (m.method == "len" || m.method == "is_empty")
            && m.args.is_empty()
            && (sub_slice || self.indexed_row(&m.receiver).is_some())
    }

    pub(super) fn is_row(&self, v: VarId) -> bool {
        self.rows.contains_key(&v)
    }

    /// A row of floats of a written length used as a value of its own (`norm(p)` of `for &p
    /// in pts`, `pts: &[[f64; 2]]`): its elements, to be written out as an array.
    pub(super) fn row_written_out(&mut self, v: VarId) -> Option<Vec<Operand>> {
        let (base, prefix) = self.seq_place(v);
        let float = types::float_param().map(|f| f.to_string());
        let len = super::array_rows::row_len(self.vars[base].ty.as_ref()?, float.as_deref())?;
        if !prefix.1.is_empty() || prefix.0.len() + 1 != self.depth(base) {
            return None;
        }
        let items = (0..len).map(|k| {
            let k = syn::Index::from(k);
            let mut at = prefix.clone();
            at.0.push(self.konst_tokens(quote!(#k), &[]));
            Operand::Elem(base, at)
        });
        Some(items.collect())
    }

    /// A row used as a whole value: reported once, at the use.
    pub(super) fn row_used_whole(&mut self, v: VarId, span: Span) -> Operand {
        self.errors.at(span, ROW_USES);
        self.poisoned.insert(v);
        Operand::Konst(self.dummy())
    }

    /// `m[i][j]`, `row[j]`, `x[i]`, `a[[i, j]]`: the sequence or array indexed and every
    /// level's index, when the base is a local or parameter that may carry a derivative.
    /// `None` when the base is something else (a constant array, say).
    pub(super) fn element_of(&mut self, ix: &syn::ExprIndex) -> Option<Result<(VarId, Index), ()>> {
        let (base, levels) = index_chain(ix);
        let v = self.local_of(base)?;
        if self.poisoned.contains(&v) {
            // Its definition had an error already.
            return Some(Err(()));
        }
        match self.kind(v) {
            Kind::Tensor if levels.len() == 1 => Some(Ok((v, Index::one(self.konst(levels[0]))))),
            Kind::Seq => {
                let (base_var, mut prefix) = self.seq_place(v);
                prefix.0.extend(levels.iter().map(|e| self.konst(e)));
                let depth = self.seq_depth(v);
                // A range followed by an index (`c[lo..hi][l]`, a view read in place) steps
                // into the sequence without going a level deeper.
                let last_ranged = matches!(levels.last().map(|e| strip(e)), Some(Expr::Range(_)));
                let ranges = levels.iter().filter(|e| matches!(strip(e), Expr::Range(_)));
                let reached = prefix.0.len() - if last_ranged { 0 } else { ranges.count() };
                // (A field of a struct in it, `layer.w`, holds floats or rows.)
                if reached == depth && self.struct_seqs.contains(&base_var) && prefix.1.is_empty() {
                    self.errors.spanned(
                        ix,
                        "this is a struct in a sequence of structs: call its differentiated methods (`layers[i].forward(..)`) or pass it to a differentiated function (`f(&layers[i])`)",
                    );
                    return Some(Err(()));
                }
                if reached == depth {
                    return Some(Ok((base_var, prefix)));
                }
                let message = if reached < depth && self.struct_seqs.contains(&base_var) {
                    "this is an element of a sequence of structs: read its fields (`ps[i].x`), bind it to a name (`let p = &ps[i];` or `let p = ps[i];`, not `mut`) whose fields and plain methods are read, walk the sequence (`for p in ps`, `ps.windows(2)`), call its differentiated methods or pass it to a differentiated function; it is not changed or used as a value whole".to_owned()
                } else if reached < depth {
                    format!(
                        "this is a row of a nested sequence: index it to a float ({depth} indices, `m[i][j]`), iterate it (`m[i].iter()...`), pass it to a function (`f(&m[i])`), copy it (`m[i].to_vec()`), or bind it to a name (`let row = &m[i];`); it is not written or used as a value whole"
                    )
                } else {
                    "indexed too deep: this sequence holds floats at this level".to_owned()
                };
                self.errors.spanned(ix, message);
                Some(Err(()))
            }
            Kind::Float => {
                self.errors.spanned(&ix.expr, "cannot index a float");
                Some(Err(()))
            }
            _ => None,
        }
    }
}

impl Lower<'_> {
    /// `layer.w[j]`, `layers[l].b`, `m.layers[l].w[j]`, `layer.inner.forward(..)`'s receiver:
    /// a place inside a struct in a sequence, indices and fields from a sequence (or a row of
    /// one, or a struct parameter's field chain) with a field after an index. The sequence
    /// and the index, fields included. `None` for anything else.
    pub(super) fn struct_element(&mut self, e: &Expr) -> Option<(VarId, Index)> {
        enum Step<'a> {
            At(&'a Expr),
            Field(&'a syn::Member),
        }
        let mut steps = Vec::new();
        let mut cur = strip(e);
        let base = loop {
            if let Some(v) = self.field_var(cur) {
                break v;
            }
            match cur {
                Expr::Index(ix) => {
                    steps.push(Step::At(&ix.index));
                    cur = strip(&ix.expr);
                }
                Expr::Field(f) => {
                    steps.push(Step::Field(&f.member));
                    cur = strip(&f.base);
                }
                _ => break self.local_of(cur)?,
            }
        };
        let fields = steps.iter().any(|s| matches!(s, Step::Field(_)));
        if !fields || self.kind(base) != Kind::Seq || self.poisoned.contains(&base) {
            return None;
        }
        let (base, Index(mut levels, mut read)) = self.seq_place(base);
        for step in steps.iter().rev() {
            match step {
                Step::At(index) if matches!(strip(index), Expr::Range(_)) => return None,
                Step::At(index) => levels.push(self.konst(index)),
                // A field of the sequence itself (`xs.len` is no place), not of an element.
                Step::Field(_) if levels.is_empty() => return None,
                Step::Field(member) => read.push((levels.len(), (*member).clone())),
            }
        }
        Some((base, Index(levels, read)))
    }

    /// A call argument that is a part of a sequence, passed whole: `&m[i]` (a row of a
    /// nested sequence), `&x[a..b]` or `&m[i][a..b]` (a range), or a name bound to a row
    /// (`row` or `&row`). The sequence and the index that ends at the part.
    pub(super) fn part_arg(&mut self, e: &Expr, by_ref: bool) -> Option<(VarId, Index)> {
        // `f(&layer.w)`, `layer.inner.forward(x)`: a field of a struct in a sequence.
        if by_ref
            && matches!(strip(e), Expr::Field(_))
            && let Some(found) = self.struct_element(e)
        {
            return Some(found);
        }
        if let Some(v) = self.local_of(e) {
            let row = self.rows.get(&v)?;
            return Some((row.base, row.prefix.clone()));
        }
        let Expr::Index(ix) = strip(e) else {
            return None;
        };
        let (base, levels) = index_chain(ix);
        let v = self
            .local_of(base)
            .filter(|&v| by_ref && self.kind(v) == Kind::Seq && !self.poisoned.contains(&v))?;
        let (base, mut prefix) = self.seq_place(v);
        let ranged = matches!(levels.last().map(|e| strip(e)), Some(Expr::Range(_)));
        let reached = prefix.0.len() + levels.len();
        let depth = self.seq_depth(v);
        if !(reached < depth || (ranged && reached == depth)) {
            return None;
        }
        prefix.0.extend(levels.iter().map(|e| self.konst(e)));
        Some((base, prefix))
    }

    /// `let row = &m[i];` where `m[i]` is a row: binds `row` to it and gives `true`. Each
    /// index that reads a variable (other than a loop's own index, which cannot change in
    /// the row's scope) is kept in an integer local first, so the row stays the one the
    /// user took if that variable changes later.
    pub(super) fn lower_row_let(
        &mut self,
        ident: &Ident,
        ix: &syn::ExprIndex,
        out: &mut Vec<Stmt>,
    ) -> bool {
        let (base, levels) = index_chain(ix);
        let Some(v) = self.local_of(base).filter(|&v| self.kind(v) == Kind::Seq) else {
            return false;
        };
        let (base, mut prefix) = self.seq_place(v);
        let depth = self.rows.get(&v).and_then(|r| r.depth);
        if prefix.0.len() + levels.len() >= self.seq_depth(v) {
            return false;
        }
        let from = prefix.0.len();
        prefix.0.extend(levels.iter().map(|e| self.konst(e)));
        self.fix_levels(ident, &mut prefix, from, out);
        self.bind_row(ident, base, prefix, depth);
        true
    }

    /// `let s = &data[i];` of a sequence of structs without a gradient (data, declared in
    /// the file, `data: &[Sample]`), as an iterator chain binds `data.iter()`'s items: a
    /// constant whose fields are read and walked (`s.x[1]`, `s.x.iter()`) as a loop's
    /// item over the same sequence is, not an element of floats.
    pub(super) fn lower_data_element_let(
        &mut self,
        ident: &Ident,
        element: &Expr,
        whole: &Expr,
        out: &mut Vec<Stmt>,
    ) -> bool {
        let Expr::Index(ix) = strip(element) else {
            return false;
        };
        let data = self.local_of(&ix.expr).is_some_and(|v| {
            !self.kind(v).differentiable()
                && self.vars[v]
                    .ty
                    .as_ref()
                    .is_some_and(|ty| super::signature::plain_struct(&self.fn_name, ty))
        });
        if !data || self.reads_derivative(&ix.index) {
            return false;
        }
        self.bind_data(ident, whole, ident.span(), out);
        true
    }

    /// `let ident = value;` of data (a sample, its features): a constant, walked as a
    /// sequence of constants where it is one.
    pub(super) fn bind_data(
        &mut self,
        ident: &Ident,
        value: &Expr,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        let var = self.user_var(ident, Kind::Other, None);
        let value = self.konst(value);
        out.push(Stmt::Let {
            var,
            op: Op::Konst(value),
            span,
        });
        self.constant_fields.insert(var);
        self.bind(ident, var);
    }

    /// The indices of a row bound to `ident` from level `from` on, each that reads a
    /// variable (other than a loop's own index, which cannot change in the row's scope) kept
    /// in an integer local first, so the row stays the one the user took if that variable
    /// changes later.
    fn fix_levels(&mut self, ident: &Ident, index: &mut Index, from: usize, out: &mut Vec<Stmt>) {
        for k in &mut index.0[from..] {
            let fixed = match k.reads[..] {
                [] => true,
                [i] => self.loop_indices.contains(&i) && matches!(strip(&k.expr), Expr::Path(_)),
                _ => false,
            };
            if fixed {
                continue;
            }
            let span = k.expr.span();
            let at = self.generated_var(&format!("{ident}_index"), Kind::Int, span);
            let value = std::mem::replace(k, self.konst_var(at));
            out.push(Stmt::Let {
                var: at,
                op: Op::Konst(value),
                span,
            });
        }
    }

    /// `let w = &layers[i].w;` (or `&net.layers[i].w`) of a field the body reads as a
    /// sequence: binds `w` to that row and gives `true`.
    pub(super) fn lower_field_row_let(
        &mut self,
        ident: &Ident,
        place: &Expr,
        out: &mut Vec<Stmt>,
    ) -> bool {
        let Some(depth) = self.element_field_depth(place) else {
            return false;
        };
        let Some((base, mut index)) = self.struct_element(place) else {
            return false;
        };
        // Ending at a field, not at an element of one.
        if index.1.last().is_none_or(|&(at, _)| at != index.0.len()) {
            return false;
        }
        // (The levels of a row it starts from are fixed already.)
        let from = match strip(place) {
            Expr::Field(f) => self
                .local_of(&f.base)
                .map_or(0, |v| self.seq_place(v).1.0.len()),
            _ => 0,
        };
        self.fix_levels(ident, &mut index, from, out);
        let depth = Some(index.0.len() + depth);
        self.bind_row(ident, base, index, depth);
        true
    }
}

impl Lower<'_> {
    /// `let m = vec![vec![a, b], vec![c, d]];` or `[[a, b], [c, d]]`: zeros of its shape,
    /// then one element write per element, in order (`m[0][0] = a; m[0][1] = b; ...`), so
    /// that elements may carry a derivative or be any constant expression. `true` when the
    /// initializer is one.
    pub(super) fn lower_nested_list_let(
        &mut self,
        ident: &Ident,
        ty: Option<&Type>,
        init: &Expr,
        out: &mut Vec<Stmt>,
    ) -> bool {
        let mut leaves = Vec::new();
        let Some(zeros) = zeros_shaped(init, &mut Vec::new(), &mut leaves) else {
            return false;
        };
        let depth = leaves
            .first()
            .map_or(0, |(at, _): &(Vec<usize>, Expr)| at.len());
        if depth < 2 || leaves.iter().any(|(at, _)| at.len() != depth) {
            return false;
        }
        let ty = ty.map(|t| quote!(: #t));
        let writes = leaves.iter().map(|(at, value)| {
            let at = at
                .iter()
                .map(|&i| proc_macro2::Literal::usize_unsuffixed(i));
            quote!(#ident #([#at])* = #value;)
        });
        let block: syn::Block = syn::parse_quote_spanned!(init.span()=> {
            let mut #ident #ty = #zeros;
            #(#writes)*
        });
        // The statements go into the current block, so `m` stays visible after them.
        self.lower_stmts(&block.stmts, Sink::Discard, out, &[]);
        true
    }
}

/// A literal list of lists (`[..]` or `vec![..]` at every level but the last, rows of one
/// shape) as zeros of its shape, and each element with its indices. `None` for anything
/// else, and for an array of `Vec`s (no repeat form: a `Vec` is not `Copy`).
fn zeros_shaped(
    e: &Expr,
    at: &mut Vec<usize>,
    leaves: &mut Vec<(Vec<usize>, Expr)>,
) -> Option<proc_macro2::TokenStream> {
    zeros_level(e, at, leaves).map(|(zeros, _)| zeros)
}

/// [`zeros_shaped`], and whether the level is a `vec!`.
fn zeros_level(
    e: &Expr,
    at: &mut Vec<usize>,
    leaves: &mut Vec<(Vec<usize>, Expr)>,
) -> Option<(proc_macro2::TokenStream, bool)> {
    let (items, vec): (Vec<Expr>, bool) = match strip(e) {
        Expr::Array(a) => (a.elems.iter().cloned().collect(), false),
        Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            let items = m
                .mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()?;
            (items.into_iter().collect(), true)
        }
        _ => {
            leaves.push((at.clone(), e.clone()));
            let zero = float_lit(float_param().as_ref(), "0.0");
            return Some((quote!(#zero), false));
        }
    };
    let mut row: Option<(proc_macro2::TokenStream, bool)> = None;
    for (i, item) in items.iter().enumerate() {
        at.push(i);
        let z = zeros_level(item, at, leaves)?;
        at.pop();
        // Rows of one shape: the zeros are `vec![row; n]` (ragged lists are not desugared).
        match &row {
            Some(first) if first.0.to_string() != z.0.to_string() => return None,
            _ => row = Some(z),
        }
    }
    let ((zero, row_is_vec), len) = (row?, proc_macro2::Literal::usize_unsuffixed(items.len()));
    match vec {
        true => Some((quote!(vec![#zero; #len]), true)),
        false if row_is_vec => None,
        false => Some((quote!([#zero; #len]), false)),
    }
}
