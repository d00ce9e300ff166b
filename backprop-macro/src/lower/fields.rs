//! Struct parameters: the field chains the body reads (`m.hidden.w`, `&m.out.b`, `m.v[i]`),
//! each read once at the top of the body into a variable of the kind its uses show.
//!
//! The macro sees `m: &Model`, not `Model`'s fields, so a chain's kind comes from how the
//! body uses it: an array if it is used as one (an array method, `.dot(&chain)`, `[[i, j]]`,
//! `&chain` in arithmetic), a sequence if indexed `[i]` or iterated, a struct if only
//! borrowed (passed whole to a call), a float otherwise. Uses that never carry a derivative
//! (conditions, ranges, indices, casts to integers, `let n: usize = m.n;`) read the field as a
//! constant. A float read that is not one fails to compile at the chain, with a message
//! saying what to write.
//!
//! The same scan finds the fields of the structs in a sequence the body reads as sequences
//! (`layer.w` of `for layer in layers`, `layers[l].w`) and how deep they are, from their
//! uses (`for (i, row) in layer.w.iter().enumerate()`, then `row.iter()`: two levels).
//! Lowering binds a row for each when it binds the struct (`layers[l].w`).

use super::*;

/// What one use of a chain says about its kind, weakest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Hint {
    Float,
    /// Borrowed, nothing more known: a struct unless another use says more.
    Borrowed,
    Seq,
    Tensor,
}

/// A chain the body reads: its root parameter's name and the fields from it.
struct Chain {
    root: Ident,
    path: Vec<syn::Member>,
    span: Span,
    hint: Option<Hint>,
    /// How many indices its deepest element read takes (`m.w[i][j]`: 2).
    depth: usize,
}

fn key(root: &Ident, path: &[syn::Member]) -> String {
    let path = path.iter().map(|m| quote!(#m).to_string());
    std::iter::once(root.to_string())
        .chain(path)
        .collect::<Vec<_>>()
        .join(".")
}

/// `m.hidden.w`: the name it starts from and the fields after it, outermost first (none
/// for a name alone). `through_index`: also `layers[l].w` (the fields of the elements of
/// `layers`: root `layers`, fields `w`).
pub(super) fn field_path(expr: &Expr, through_index: bool) -> Option<(&Ident, Vec<syn::Member>)> {
    let mut path = Vec::new();
    let mut e = strip(expr);
    loop {
        match e {
            Expr::Field(f) => {
                path.push(f.member.clone());
                e = strip(&f.base);
            }
            Expr::Index(ix) if through_index && !path.is_empty() => e = strip(&ix.expr),
            Expr::Path(p) => {
                path.reverse();
                return Some((p.path.get_ident()?, path));
            }
            _ => return None,
        }
    }
}

/// `m.hidden.w` with `m` one of `roots`: the root and the fields (at least one).
fn chain_parts<'a>(
    expr: &'a Expr,
    roots: &BTreeSet<String>,
    through_index: bool,
) -> Option<(&'a Ident, Vec<syn::Member>)> {
    field_path(expr, through_index)
        .filter(|(root, path)| !path.is_empty() && roots.contains(&root.to_string()))
}

struct Scan<'r> {
    roots: &'r BTreeSet<String>,
    /// Whether `layers[l].w` is a chain of the root `layers` ([`chain_parts`]).
    through_index: bool,
    chains: BTreeMap<String, Chain>,
    /// `let w = &m.hidden.w;`: uses of `w` are uses of the chain.
    aliases: BTreeMap<String, String>,
    /// `let row = &m.w[i];`, `for row in m.w.iter()`: `row[j]` reads the chain with one
    /// index more (the chain, and the indices before).
    rows: BTreeMap<String, (String, usize)>,
    /// Chains cast to a float (`m.n as f64`): constants (integers) unless another use says
    /// they carry a derivative; checked not to be floats ([`Lower::field_reads`]).
    cast: BTreeMap<String, Span>,
}

impl Scan<'_> {
    /// The chain `expr` reads (`m.w`, or an alias of it), if any.
    fn chain_of(&mut self, expr: &Expr) -> Option<String> {
        if let Some((root, path)) = chain_parts(expr, self.roots, self.through_index) {
            let k = key(root, &path);
            self.chains.entry(k.clone()).or_insert_with(|| Chain {
                root: root.clone(),
                path,
                span: expr.span(),
                hint: None,
                depth: 0,
            });
            return Some(k);
        }
        match strip(expr) {
            Expr::Path(p) => {
                let ident = p.path.get_ident()?;
                self.aliases.get(&ident.to_string()).cloned()
            }
            _ => None,
        }
    }

    /// `base[i][j]..`: the chain `base` indexes (directly, or through a row's name) and how
    /// many indices reach this element.
    fn indexed(&mut self, ix: &syn::ExprIndex) -> Option<(String, usize)> {
        let (base, levels) = super::nested::index_chain(ix);
        // A range (`&m.b[1..]`) stays at its level.
        let ranges = levels.iter().filter(|e| matches!(strip(e), Expr::Range(_)));
        self.reached(base, levels.len() - ranges.count())
    }

    /// The chain `base` stands for with `more` indices after it, counting a row's own.
    fn reached(&mut self, base: &Expr, more: usize) -> Option<(String, usize)> {
        if let Some(k) = self.chain_of(base) {
            return Some((k, more));
        }
        let Expr::Path(p) = strip(base) else {
            return None;
        };
        let (k, offset) = self.rows.get(&p.path.get_ident()?.to_string())?.clone();
        Some((k, offset + more))
    }

    /// The element pattern `pat` (`row`, `(i, row)` after `enumerate`, `(row, b)` after
    /// `zip`) binds a row of what `source` walks (`m.w.iter()`, `&m.w`,
    /// `rows.iter().enumerate()`, `m.w.iter().zip(&m.b)`), when that is a chain or a row of
    /// one.
    fn bind_rows_of(&mut self, source: &Expr, pat: &Pat) {
        /// The `i`-th of a pair pattern's two.
        fn half(pat: &Pat, i: usize) -> Option<&Pat> {
            match pat {
                Pat::Type(t) => half(&t.pat, i),
                Pat::Paren(p) => half(&p.pat, i),
                Pat::Tuple(t) if t.elems.len() == 2 => Some(&t.elems[i]),
                _ => None,
            }
        }
        let mut e = strip(source);
        let mut pat = pat;
        // From the last adaptor in: each `enumerate` or `zip` takes one half of the pair, and
        // what is zipped in binds the other (`.zip(&m.v)`).
        while let Expr::MethodCall(m) = e {
            let inner = match m.method.to_string().as_str() {
                "iter" | "into_iter" | "rev" | "cloned" if m.args.is_empty() => Some(pat),
                "enumerate" if m.args.is_empty() => half(pat, 1),
                "zip" if m.args.len() == 1 => {
                    if let Some(other) = half(pat, 1) {
                        self.bind_rows_of(&m.args[0], other);
                    }
                    half(pat, 0)
                }
                _ => return,
            };
            let Some(inner) = inner else { return };
            pat = inner;
            e = strip(&m.receiver);
        }
        if let Expr::Reference(r) = e {
            e = strip(&r.expr);
        }
        let name = match pat {
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) => &p.ident,
                _ => return,
            },
            Pat::Ident(p) => &p.ident,
            _ => return,
        };
        if let Some((k, depth)) = self.reached(e, 1) {
            self.rows.insert(name.to_string(), (k, depth));
        }
    }

    /// A row used whole (`f(row)`, `f(&m.w[i])`, `layer.forward(&h)`): the chain holds rows
    /// there, so it is at least one level deeper (`m.layers: Vec<Layer>` holds structs).
    fn whole_row(&mut self, e: &Expr) {
        let e = match strip(e) {
            Expr::Reference(r) => strip(&r.expr),
            other => other,
        };
        let reached = match e {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.rows.get(&i.to_string()).cloned()),
            Expr::Index(ix) => self.indexed(ix),
            _ => None,
        };
        if let Some((k, indices)) = reached
            && let Some(c) = self.chains.get_mut(&k)
        {
            c.depth = c.depth.max(indices + 1);
        }
    }

    fn hint(&mut self, key: &str, hint: Hint) {
        if let Some(c) = self.chains.get_mut(key) {
            c.hint = c.hint.max(Some(hint));
        }
    }

    /// A use of `expr` as an operand: `chain` by value, `&chain` borrowed. Anything else is
    /// scanned for the chains inside it.
    fn operand(&mut self, expr: &Expr, by_value: Hint, borrowed: Hint) {
        if let Some(k) = self.chain_of(expr) {
            return self.hint(&k, by_value);
        }
        if let Expr::Reference(r) = strip(expr)
            && let Some(k) = self.chain_of(&r.expr)
        {
            return self.hint(&k, borrowed);
        }
        self.visit_expr(expr);
    }
}

impl<'ast> Visit<'ast> for Scan<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if let Some(k) = self.chain_of(e) {
            return self.hint(&k, Hint::Float);
        }
        // `m.layers[l].w`, `layer.b` (`for layer in &m.layers`): the rows are structs.
        if let Expr::Field(f) = e {
            self.whole_row(&f.base);
        }
        match e {
            Expr::Reference(r) => self.operand(&r.expr, Hint::Borrowed, Hint::Borrowed),
            Expr::MethodCall(m) => self.method(m),
            Expr::Index(ix) => {
                let hint = match strip(&ix.index) {
                    Expr::Array(_) | Expr::Tuple(_) => Hint::Tensor,
                    _ => Hint::Seq,
                };
                if let (Hint::Seq, Some((k, depth))) = (hint, self.indexed(ix)) {
                    self.hint(&k, Hint::Seq);
                    if let Some(c) = self.chains.get_mut(&k) {
                        c.depth = c.depth.max(depth);
                    }
                    return;
                }
                // The index is a constant: not scanned.
                self.operand(&ix.expr, hint, hint);
            }
            Expr::Binary(b) if arith(&b.op).is_some() || compound(&b.op).is_some() => {
                self.operand(&b.left, Hint::Float, Hint::Tensor);
                self.operand(&b.right, Hint::Float, Hint::Tensor);
            }
            // Comparisons and logic, casts to integers: constants.
            Expr::Binary(_) => {}
            Expr::Cast(c) => {
                if let TypeClass::Float = classify(&c.ty) {
                    // `m.n as f64`: an integer field, as written to be used in arithmetic.
                    match self.chain_of(&c.expr) {
                        Some(k) => {
                            self.cast.entry(k).or_insert(c.expr.span());
                        }
                        None => self.operand(&c.expr, Hint::Float, Hint::Float),
                    }
                }
            }
            Expr::Call(c) => {
                self.visit_expr(&c.func);
                for a in &c.args {
                    self.whole_row(a);
                    self.operand(a, Hint::Float, Hint::Borrowed);
                }
            }
            Expr::ForLoop(f) => {
                self.bind_rows_of(&f.expr, &f.pat);
                // `for v in row`: the chain holds sequences where `row` is.
                self.whole_row(&f.expr);
                self.operand(&f.expr, Hint::Seq, Hint::Seq);
                self.visit_block(&f.body);
            }
            Expr::If(i) => {
                self.visit_block(&i.then_branch);
                if let Some((_, e)) = &i.else_branch {
                    self.visit_expr(e);
                }
            }
            Expr::While(w) => self.visit_block(&w.body),
            // `vec![a, b]` carries its elements' values (read as the array it lists); the
            // printing and checking macros read values, never derivatives.
            Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "vec") => {
                let tokens = &m.mac.tokens;
                if let Ok(list) = syn::parse2::<Expr>(quote!([#tokens])) {
                    self.visit_expr(&list);
                }
            }
            Expr::Range(_) | Expr::Macro(_) => {}
            _ => syn::visit::visit_expr(self, e),
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let Some(init) = &local.init else { return };
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        match ty.map(classify) {
            Some(TypeClass::Int | TypeClass::Bool | TypeClass::Const) => {}
            Some(TypeClass::Float) => self.operand(&init.expr, Hint::Float, Hint::Float),
            _ => {
                // `let mut out = m.b.clone();`: a copy, whose uses show the chain's kind.
                let copied = match strip(&init.expr) {
                    Expr::MethodCall(c)
                        if c.args.is_empty()
                            && matches!(c.method.to_string().as_str(), "clone" | "to_owned") =>
                    {
                        Some(&*c.receiver)
                    }
                    _ => None,
                };
                let target = match (strip(&init.expr), copied) {
                    (_, Some(receiver)) => self.chain_of(receiver),
                    (Expr::Reference(r), None) => self.chain_of(&r.expr),
                    (other, None) => self.chain_of(other),
                };
                // `let row = &m.w[i];`: a row, if `m.w` is nested.
                if let (Pat::Ident(p), Expr::Reference(r)) = (pat, strip(&init.expr))
                    && let Expr::Index(ix) = strip(&r.expr)
                    && let Some((k, depth)) = self.indexed(ix)
                {
                    self.rows.insert(p.ident.to_string(), (k, depth));
                }
                match (pat, target) {
                    (Pat::Ident(p), Some(k)) if ty.is_none() => {
                        // A copied float is a float; a borrow or a clone takes its kind
                        // from the uses of its alias.
                        if !matches!(strip(&init.expr), Expr::Reference(_)) && copied.is_none() {
                            self.hint(&k, Hint::Float);
                        }
                        self.aliases.insert(p.ident.to_string(), k);
                    }
                    _ => self.visit_expr(&init.expr),
                }
            }
        }
        if let Some((_, diverge)) = &init.diverge {
            self.visit_expr(diverge);
        }
    }
}

impl Scan<'_> {
    fn method(&mut self, m: &syn::ExprMethodCall) {
        let name = m.method.to_string();
        // `m.w.iter().map(|row| ..)`: the closure's parameter is a row.
        if let Some(Expr::Closure(c)) = m.args.first()
            && let Some(p) = c.inputs.first()
        {
            self.bind_rows_of(&m.receiver, p);
        }
        let receiver = if Math::from_name(&name).is_some() {
            Some(Hint::Float)
        } else if STEP_METHODS.contains(&name.as_str())
            || INSPECT_METHODS.contains(&name.as_str())
            || SHAPE_METHODS.contains(&name.as_str())
        {
            None
        } else if matches!(
            name.as_str(),
            "iter"
                | "iter_mut"
                | "to_vec"
                | "windows"
                | "chunks"
                | "chunks_exact"
                | "first"
                | "last"
        ) {
            // A row walked as a sequence (`for row in &m.w { row.iter()... }`): the chain
            // holds sequences there, one level deeper.
            self.whole_row(&m.receiver);
            Some(Hint::Seq)
        } else if matches!(name.as_str(), "clone" | "to_owned") || !is_array_method(&name) {
            // Another method than an array's: a struct's differentiated method
            // (`m.hidden.forward(x)`, `layer.forward(&h)` of a sequence of structs).
            self.whole_row(&m.receiver);
            Some(Hint::Borrowed)
        } else {
            Some(Hint::Tensor)
        };
        if let Some(h) = receiver {
            self.operand(&m.receiver, h, h);
        }
        // What is zipped in (or chained on) is walked: a row there makes the chain one
        // level deeper.
        if name == "zip" || name == "chain" {
            for a in &m.args {
                self.whole_row(a);
            }
        }
        let (by_value, borrowed) = match name.as_str() {
            "dot" => (Hint::Float, Hint::Tensor),
            // What an iterator is zipped with or walks next is a sequence (`.zip(&m.b)`,
            // `.chain(&m.b)`).
            "zip" | "chain" => (Hint::Seq, Hint::Seq),
            _ => (Hint::Float, Hint::Borrowed),
        };
        // (`powi`'s exponent is an integer, a constant.)
        if name != "powi" {
            for a in &m.args {
                self.operand(a, by_value, borrowed);
            }
        }
    }
}

impl Lower<'_> {
    /// One variable per field chain of a struct parameter the body reads as a value that
    /// may carry a derivative, defined by the returned statements (the body's first).
    pub(super) fn field_reads(&mut self, params: &[Param], body: &syn::Block) -> Vec<Stmt> {
        let roots: BTreeSet<String> = params
            .iter()
            .filter(|p| matches!(p.form, ParamForm::Struct(_)))
            .map(|p| p.name.to_string())
            .collect();
        if roots.is_empty() {
            return Vec::new();
        }
        self.field_roots = roots.clone();
        let mut scan = Scan {
            roots: &roots,
            through_index: false,
            chains: BTreeMap::new(),
            aliases: BTreeMap::new(),
            rows: BTreeMap::new(),
            cast: BTreeMap::new(),
        };
        scan.visit_block(body);
        let mut stmts = Vec::new();
        for (k, chain) in scan.chains {
            let Some(root) = self.lookup(&chain.root.to_string()) else {
                continue;
            };
            // `m.rate` marked `#[differentiable(constant)]`: read into a constant.
            let on = self.param_structs.get(&root).cloned();
            let constant = self.constant_path(on.clone(), &chain.path);
            let on = on.and_then(|on| {
                (chain.path.iter()).try_fold(on, |on, member| self.field_struct(&on, member))
            });
            let Some(hint) = chain.hint else {
                // Read only through casts to a float: a constant, checked not to be a float.
                if let Some(&span) = scan.cast.get(&k) {
                    let (private, path) = (self.private(), &chain.path);
                    // The root named at the cast, so the error points at what the body reads.
                    let id = &self.vars[root].ident;
                    let id = Ident::new(&id.to_string(), id.span().located_at(span));
                    let check = quote_spanned!(span=> #private::cast_field(&#id #(.#path)*));
                    let check = self.konst_tokens(check, &[root]);
                    stmts.push(Stmt::Eval(check));
                }
                continue;
            };
            let kind = match hint {
                Hint::Float => Kind::Float,
                Hint::Borrowed => Kind::Struct,
                Hint::Seq => Kind::Seq,
                Hint::Tensor => Kind::Tensor,
            };
            let name = self.names.user_var(&k.replace('.', "_"));
            let var = self.new_var(&name, chain.span, kind, None);
            self.set_depth(var, chain.depth);
            self.fields.insert(k, var);
            if let Some(on) = on {
                self.param_structs.insert(var, on);
            }
            let op = if constant {
                let (id, path) = (&self.vars[root].ident, &chain.path);
                let read = match kind {
                    Kind::Float => quote_spanned!(chain.span=> #id #(.#path)*),
                    _ => quote_spanned!(chain.span=> &#id #(.#path)*),
                };
                Op::Konst(self.konst_tokens(read, &[root]))
            } else {
                Op::Field(FieldRead {
                    root,
                    path: chain.path,
                    by_ref: kind != Kind::Float,
                    span: chain.span,
                })
            };
            stmts.push(Stmt::Let {
                var,
                op,
                span: chain.span,
            });
        }
        stmts
    }

    /// Whether `value` is a variable a field chain was read into by reference (`let m_w =
    /// &m.w;` at the top of the body): a reference into a parameter.
    pub(super) fn field_reference(&self, value: &Operand) -> bool {
        matches!(value, Operand::Var(v)
            if self.kind(*v) != Kind::Float && self.fields.values().any(|f| f == v))
    }

    /// The variable a field chain was read into (`m.hidden.w`), if the body reads it as a
    /// value that may carry a derivative.
    pub(super) fn field_var(&self, expr: &Expr) -> Option<VarId> {
        if !matches!(expr, Expr::Field(_)) || self.fields.is_empty() {
            return None;
        }
        let (root, path) = chain_parts(expr, &self.field_roots, false)?;
        // The root must still be the parameter (not a local that shadows it).
        let var = self.lookup(&root.to_string())?;
        self.vars[var].param?;
        self.fields.get(&key(root, &path)).copied()
    }
}

/// A method of ndarray's arrays the macro differentiates: its receiver is an array.
fn is_array_method(name: &str) -> bool {
    matches!(name, "dot" | "mapv" | "map" | "view")
        || Reduction::METHODS.iter().any(|&(n, ..)| n == name)
}

/// Per name the body reads fields of (`layer` of `layer.w.iter()`, `layer.b[i]`), the field
/// paths it reads as sequences, each with how many indices reach a float (at least one), by
/// the same scan as a struct parameter's chains. Which of these names are rows of a
/// sequence of structs (`for layer in layers`) is known only as lowering binds them
/// ([`Lower::bind_field_rows`]).
pub(super) fn element_fields(
    body: &syn::Block,
) -> BTreeMap<String, Vec<(Vec<syn::Member>, usize)>> {
    struct Bases(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Bases {
        fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
            let mut base = strip(&f.base);
            while let Expr::Field(inner) = base {
                base = strip(&inner.base);
            }
            while let Expr::Index(ix) = base {
                base = strip(&ix.expr);
            }
            if let Expr::Path(p) = base
                && let Some(ident) = p.path.get_ident()
            {
                self.0.insert(ident.to_string());
            }
            syn::visit::visit_expr_field(self, f);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut bases = Bases(BTreeSet::new());
    bases.visit_block(body);
    let mut found: BTreeMap<String, Vec<_>> = BTreeMap::new();
    if bases.0.is_empty() {
        return found;
    }
    let mut scan = Scan {
        roots: &bases.0,
        through_index: true,
        chains: BTreeMap::new(),
        aliases: BTreeMap::new(),
        rows: BTreeMap::new(),
        cast: BTreeMap::new(),
    };
    scan.visit_block(body);
    for chain in scan.chains.into_values() {
        if chain.hint == Some(Hint::Seq) {
            let paths = found.entry(chain.root.to_string()).or_default();
            paths.push((chain.path, chain.depth.max(1)));
        }
    }
    found
}

/// `w` or `inner.w`: a field path as text.
fn path_key(path: &[syn::Member]) -> String {
    let path: Vec<String> = path.iter().map(|m| quote!(#m).to_string()).collect();
    path.join(".")
}

impl Lower<'_> {
    /// `row` bound to a row of a sequence of structs (`for layer in layers`): a row for each
    /// field the body reads of it as a sequence (`layer.w`, `layers[l].w`), found by
    /// [`Lower::field_row`].
    pub(super) fn bind_field_rows(&mut self, ident: &Ident, row: VarId) {
        let Some(paths) = self.element_fields.get(&ident.to_string()).cloned() else {
            return;
        };
        let (base, prefix) = self.seq_place(row);
        for (path, depth) in paths {
            // `layer.mask` marked `#[differentiable(constant)]`: read as a constant.
            if self.constant_path(self.param_structs.get(&base).cloned(), &path) {
                continue;
            }
            let mut index = prefix.clone();
            let at = index.0.len();
            index.1.extend(path.iter().map(|m| (at, m.clone())));
            let key = path_key(&path);
            let name = self
                .names
                .syntax(&format!("{ident}_{}", key.replace('.', "_")));
            let var = self.new_var(&name, ident.span(), Kind::Seq, None);
            let depth = Some(at + depth);
            self.rows.insert(
                var,
                nested::Row {
                    base,
                    prefix: index,
                    depth,
                },
            );
            self.field_rows.insert((row, key), var);
        }
    }

    /// Whether the fields `path` from a value of the struct `on` end at a field marked
    /// `#[differentiable(constant)]` (`hidden.rate` of a `Model`).
    fn constant_path(&self, on: Option<String>, path: &[syn::Member]) -> bool {
        let caller = self.fn_name.to_string();
        let mut on = on;
        for (k, member) in path.iter().enumerate() {
            let Some(of) = on.take() else { return false };
            if k + 1 == path.len() {
                return crate::source::constant_field(&caller, &of, member);
            }
            on = self.field_struct(&of, member);
        }
        false
    }

    /// How many indices reach a float in `layers[l].w` (`net.layers[l].w`), a field of the
    /// elements of a sequence the body reads as a sequence.
    pub(super) fn element_field_depth(&self, place: &Expr) -> Option<usize> {
        let (root, path) = field_path(place, true)?;
        let paths = self.element_fields.get(&root.to_string())?;
        paths
            .iter()
            .find(|(p, _)| *p == path)
            .map(|&(_, depth)| depth)
    }

    /// `layer.w` of a row of a sequence of structs bound to `layer`, read as a sequence: the
    /// row [`Lower::bind_field_rows`] made for it.
    pub(super) fn field_row(&self, expr: &Expr) -> Option<VarId> {
        if self.field_rows.is_empty() {
            return None;
        }
        let (root, path) = field_path(expr, false)?;
        let row = self.lookup(&root.to_string())?;
        self.field_rows.get(&(row, path_key(&path))).copied()
    }
}

/// `layers[l].w.iter()`, `.zip(&layers[l].w)`, `for row in &layers[l].w`: a field of an
/// element of a sequence walked as a sequence, bound to a name first, `let layers_w =
/// &layers[l].w;` right before the statement (lowering binds such a name to the row, as it
/// does `layer.w` of `for layer in layers`). Only where the statement itself reaches it, not
/// inside a closure or a block of its own (whose statements are looked at in turn), so the
/// index means the same there.
pub(super) fn hoist_element_fields(body: &mut syn::Block, taken: &mut HashSet<String>) {
    struct Hoist<'t> {
        taken: &'t mut HashSet<String>,
    }
    /// Finds and replaces the walked fields in one statement, outside its blocks.
    struct Walked<'a> {
        taken: &'a mut HashSet<String>,
        lets: Vec<syn::Stmt>,
    }
    impl Walked<'_> {
        /// `X[i].f` (`X` a name or a field chain): replaced by a name bound to it.
        fn walked(&mut self, e: &mut Expr) {
            let place = match e {
                Expr::Reference(r) if r.mutability.is_none() => &mut *r.expr,
                other => other,
            };
            let Expr::Field(f) = strip(place) else { return };
            let mut base = strip(&f.base);
            while let Expr::Field(inner) = base {
                base = strip(&inner.base);
            }
            let Expr::Index(ix) = base else { return };
            let mut root = strip(&ix.expr);
            while let Expr::Field(inner) = root {
                root = strip(&inner.base);
            }
            let Expr::Path(p) = root else { return };
            let Some(root) = p.path.get_ident() else {
                return;
            };
            let member = match &f.member {
                syn::Member::Named(m) => m.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            };
            let name = format!("{root}_{member}");
            let ident = Ident::new(&crate::names::unused(self.taken, &name), f.member.span());
            let value = place.clone();
            self.lets.push(syn::parse_quote!(let #ident = &#value;));
            *place = syn::parse_quote!(#ident);
        }
    }
    impl VisitMut for Walked<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            match e {
                Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                    self.walked(&mut m.receiver);
                }
                Expr::MethodCall(m) if m.method == "zip" && m.args.len() == 1 => {
                    if let Some(arg) = m.args.first_mut() {
                        self.walked(arg);
                    }
                }
                Expr::ForLoop(f) => {
                    self.walked(&mut f.expr);
                    // (The body is a block of its own.)
                    return self.visit_expr_mut(&mut f.expr);
                }
                // Looked at as blocks of their own, or not at all (a closure's parameters
                // or an arm's names may be in the index).
                Expr::Closure(_) | Expr::Block(_) | Expr::Loop(_) | Expr::While(_) => return,
                Expr::If(i) => return self.visit_expr_mut(&mut i.cond),
                Expr::Match(m) => return self.visit_expr_mut(&mut m.expr),
                _ => {}
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    impl VisitMut for Hoist<'_> {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            let mut stmts = Vec::with_capacity(block.stmts.len());
            for mut stmt in std::mem::take(&mut block.stmts) {
                let mut walked = Walked {
                    taken: self.taken,
                    lets: Vec::new(),
                };
                walked.visit_stmt_mut(&mut stmt);
                stmts.extend(walked.lets);
                stmts.push(stmt);
            }
            block.stmts = stmts;
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Hoist { taken }.visit_block_mut(body);
}
