//! Nested sequences (`Vec<Vec<f64>>`, `&[Vec<f64>]`, `[[f64; N]; M]`): how many indices
//! reach a float, elements `m[i][j]` as one [`Index`] of several levels, and rows (`let row
//! = &m[i];`, `for row in m.iter()`) as second names for `m[i]` that are indexed through.

use super::*;

/// A row of a nested sequence bound to a name: `row` stands for `base[prefix...]`.
#[derive(Clone)]
pub(super) struct Row {
    pub(super) base: VarId,
    pub(super) prefix: Vec<Konst>,
}

const ROW_USES: &str = "a row of a nested sequence can be indexed (`row[j]`), measured (`row.len()`) and iterated (`for &x in row`, `row.iter()...`); to pass it or copy it, index the whole sequence (`m[i][j]`) instead";

/// `m[i][j]`: the indexed expression `m` and the indices, outermost first.
fn index_chain(ix: &syn::ExprIndex) -> (&Expr, Vec<&Expr>) {
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

    /// A name for `base[prefix...]`, a row.
    pub(super) fn bind_row(&mut self, ident: &Ident, base: VarId, prefix: Vec<Konst>) {
        let var = self.user_var(ident, Kind::Seq, None);
        self.rows.insert(var, Row { base, prefix });
        self.bind(ident, var);
    }

    /// A sequence variable as the array it indexes into, with the indices already taken:
    /// `(m, [i])` for a row `row` of `m`, `(v, [])` for `v` itself.
    pub(super) fn seq_place(&self, v: VarId) -> (VarId, Vec<Konst>) {
        match self.rows.get(&v) {
            Some(row) => (row.base, row.prefix.clone()),
            None => (v, Vec::new()),
        }
    }

    /// `v.len()` as a constant, `m[i].len()` for a row.
    pub(super) fn seq_len(&mut self, v: VarId) -> Konst {
        let (base, prefix) = self.seq_place(v);
        let index = Index(prefix);
        let mut reads: Vec<VarId> = std::iter::once(base)
            .chain(index.reads().copied())
            .collect();
        reads.sort_unstable();
        reads.dedup();
        let name = &self.vars[base].ident;
        self.konst_tokens(quote!(#name #index.len()), &reads)
    }

    pub(super) fn is_row(&self, v: VarId) -> bool {
        self.rows.contains_key(&v)
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
                prefix.extend(levels.iter().map(|e| self.konst(e)));
                let depth = self.depth(base_var);
                if prefix.len() == depth {
                    return Some(Ok((base_var, Index(prefix))));
                }
                let message = if prefix.len() < depth {
                    format!(
                        "this is a row of a nested sequence: index it to a float ({depth} indices, `m[i][j]`), or bind it to a name (`let row = &m[i];`) to index, measure or iterate; a row is not passed or copied whole"
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
        if prefix.len() + levels.len() >= self.depth(base) {
            return false;
        }
        for e in levels {
            let k = self.konst(e);
            let fixed = match k.reads[..] {
                [] => true,
                [i] => self.loop_indices.contains(&i) && matches!(strip(e), Expr::Path(_)),
                _ => false,
            };
            if fixed {
                prefix.push(k);
                continue;
            }
            let at = self.generated_var(&format!("{ident}_index"), Kind::Int, e.span());
            out.push(Stmt::Let {
                var: at,
                op: Op::Konst(k),
                span: e.span(),
            });
            prefix.push(self.konst_var(at));
        }
        self.bind_row(ident, base, prefix);
        true
    }
}
