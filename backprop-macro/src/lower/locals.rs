//! `let` statements: a definition, a declaration without a value, the value of an `if` or a
//! block, a second name for a row, an array or a struct, a discarded value.

use super::*;

impl Lower<'_> {
    /// `let name = init;`, `let name: T = init;`, `let name;`.
    pub(super) fn lower_local(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) {
        // `let _ = e;`: evaluated for its effect only.
        if let (Pat::Wild(_), Some(init)) = (&local.pat, &local.init)
            && init.diverge.is_none()
        {
            return self.lower_discarded(&init.expr, out);
        }
        if self.lower_constant_destructure(local, out) || self.refused_struct_alias(local) {
            return;
        }
        if let Some(kept) = self.pop_kept(local) {
            return self.lower_local(&kept, out);
        }
        let Some((ident, ty, _mutable)) = self.local_pattern(local) else {
            return;
        };
        let ty = ty
            .or_else(|| self.literal_beside_arrays(local))
            .or_else(|| self.untyped_array(local));
        let Some(init) = &local.init else {
            if let Some(var) = self.declare_local(local, out) {
                self.bind(&ident, var);
            }
            return;
        };
        if let Some((else_token, _)) = &init.diverge {
            self.errors.spanned(
                else_token,
                "#[differentiate] does not support `let ... else`",
            );
            return;
        }
        // `let mut kept = Some(t);` of a value that carries a derivative: an `Option` held
        // as a float and a flag when lowered again (`options.rs`).
        if let Expr::Call(c) = strip(&init.expr)
            && matches!(strip(&c.func), Expr::Path(p) if p.path.is_ident("Some"))
            && c.args.iter().any(|a| self.reads_derivative(a))
        {
            self.errors
                .spanned(&init.expr, super::constants::OPTION_VALUE);
            self.held_options.insert(ident.to_string());
            return;
        }
        if self.lower_nested_list_let(&ident, ty.as_ref(), &init.expr, out) {
            return;
        }
        if self.lower_repeat_let(&ident, ty.as_ref(), &init.expr, out) {
            return;
        }
        // `let d: Vec<usize> = x.iter().map(|v| (v * 3.0) as usize).collect();`: integers
        // or flags, a constant whatever the closure reads.
        let collected = collected_kind(&init.expr, ty.as_ref());
        if collected.is_none()
            && self.lower_local_form(local, &ident, ty.as_ref(), _mutable, &init.expr, out)
        {
            return;
        }
        let element = self.projected_element(&init.expr);
        let init_expr = element.as_ref().unwrap_or(&init.expr);
        let errors_before = self.errors.count();
        let (annotated, mut op) = self.local_value(ty.as_ref(), collected, init_expr, out);
        // `if let Act::Leaky(a) = act` with `act: &Act`: `a` is a reference in the user's
        // code (`*a`, `a * z`), its value here, so that its tangent's arithmetic takes it.
        let by_ref = self.projection_of_borrowed_param(init_expr);
        if let (true, Op::Konst(k)) = (by_ref, &mut op) {
            let e = &k.expr;
            k.expr = syn::parse_quote!(::core::clone::Clone::clone(#e));
        }
        // `let (a, b) = f(x);`: the tuple read as an array.
        if self.tuple_values.contains(&ident.to_string()) {
            match &mut op {
                Op::Call(call) => call.tuple = true,
                Op::Konst(k) => {
                    let (private, e) = (self.private(), &k.expr);
                    k.expr = syn::parse_quote!(#private::tuple_array(#e));
                }
                _ => {}
            }
        }
        // `let rot: &[f64] = &cam[0..3];`: the copy is a `Vec`, the annotation goes.
        let slice_copy = matches!(&op, Op::Call(c) if c.sub_slice)
            && matches!(strip(init_expr), Expr::Reference(_));
        let ty = if slice_copy { None } else { ty };
        let (kind, depth) = self.local_kind_depth(&ident, annotated, ty.as_ref(), &op, init_expr);
        let ty = ty.or_else(|| self.inferred_array(&op).filter(|_| kind == Kind::Tensor));
        let var = self.user_var(&ident, kind, ty);
        self.set_depth(var, depth);
        // (Walked as a sequence of constants, its type written or not.)
        if collected.is_some() {
            self.constant_fields.insert(var);
        }
        if slice_copy {
            self.slice_copies.insert(var);
        }
        // `let a = &x[0];`: a float here, a reference in the user's code (`*a > 0.0`).
        if kind == Kind::Float && (by_ref || matches!(strip(init_expr), Expr::Reference(_))) {
            self.elem_refs.insert(var);
        }
        // An error in its value, or a local read there that had one: one error is enough.
        if self.errors.count() != errors_before || self.reads_poisoned(init_expr) {
            self.poisoned.insert(var);
        }
        let op = self.finish_call(op, var);
        if !matches!(op, Op::Konst(_)) {
            self.carried.insert(var);
            self.check_written_type(var);
        }
        out.push(Stmt::Let {
            var,
            op,
            span: local.span(),
        });
        self.bind(&ident, var);
    }

    /// `let c = b;` of a struct with a gradient that `struct_aliases.rs` left (a `mut`
    /// binding, or names bound again): its fields would be read as constants. Reported.
    fn refused_struct_alias(&mut self, local: &syn::Local) -> bool {
        let aliased = local
            .init
            .as_ref()
            .is_some_and(|i| self.struct_named(&i.expr).is_some());
        if aliased {
            self.errors.spanned(&local.pat, STRUCT_ALIAS);
        }
        aliased
    }

    /// `b`, `&b` or `*b` of a struct with a gradient: its variable.
    fn struct_named(&self, e: &Expr) -> Option<VarId> {
        let inner = match strip(e) {
            Expr::Reference(r) if r.mutability.is_none() => strip(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
            other => other,
        };
        let v = self.local_of(inner)?;
        (self.kind(v) == Kind::Struct && !self.poisoned.contains(&v)).then_some(v)
    }

    /// The kind a `let`'s written type (or the integers or flags it collects) gives, and its
    /// value's operation.
    fn local_value(
        &mut self,
        ty: Option<&Type>,
        collected: Option<Kind>,
        init: &Expr,
        out: &mut Vec<Stmt>,
    ) -> (Option<Kind>, Op) {
        let annotated = collected.or_else(|| ty.filter(|t| read_type(t)).map(classify_kind));
        // `let n: usize = layer.inputs;`: an integer, a constant whatever it reads.
        let op = match annotated {
            Some(Kind::Int | Kind::Bool) if collected.is_some() => {
                Op::Konst(self.konst_with_closures(init))
            }
            Some(Kind::Int | Kind::Bool) => Op::Konst(self.konst(init)),
            _ => self.lower_op(init, out),
        };
        (annotated, op)
    }

    /// `let (x, y) = data[i];`, `let &(x, y) = &data[i];`: a pattern that takes apart a
    /// value carrying no derivative (a sample of the data, a label and its weight). Each name
    /// is a constant, taken out of the value as the pattern says ([`Self::destructure`]).
    /// Whether it was one (and is lowered).
    fn lower_constant_destructure(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) -> bool {
        let Some(init) = local.init.as_ref().filter(|i| i.diverge.is_none()) else {
            return false;
        };
        let pat = match &local.pat {
            Pat::Type(t) => &*t.pat,
            other => other,
        };
        let destructures = pat_ident(pat).is_none()
            && super::loops::pattern_names(pat).is_some_and(|names| !names.is_empty());
        if !destructures || self.reads_derivative(&init.expr) {
            return false;
        }
        let value = self.konst(&init.expr);
        let item = self.generated_var("item", Kind::Other, local.pat.span());
        out.push(Stmt::Let {
            var: item,
            op: Op::Konst(value),
            span: local.span(),
        });
        let names = self.destructure(pat, item, false);
        out.extend(names);
        true
    }

    /// `let _ = e;`: evaluated for its effect only.
    pub(super) fn lower_discarded(&mut self, expr: &Expr, out: &mut Vec<Stmt>) {
        let before = out.len();
        self.lower_stmt_expr(expr, out);
        // A value discarded on purpose stays discarded (`_ = x * 2.0;`), so rustc
        // does not warn about an unused result in the generated code.
        if out.len() == before + 1
            && let Some(Stmt::Eval(k)) = out.last_mut()
        {
            let e = &k.expr;
            k.expr = syn::parse_quote!(_ = #e);
        }
    }

    /// A `let` that is not one definition: the value of an `if` or a block (declared, then
    /// assigned inside), or a second name for a row, an array or a struct. Whether it was
    /// one (and is lowered).
    fn lower_local_form(
        &mut self,
        local: &syn::Local,
        ident: &Ident,
        ty: Option<&Type>,
        mutable: bool,
        expr: &Expr,
        out: &mut Vec<Stmt>,
    ) -> bool {
        match strip(expr) {
            Expr::If(ifx) => {
                let Some(var) = self.declare_local(local, out) else {
                    return true;
                };
                self.lower_if(ifx, Sink::Var(var), out, &[]);
                self.bind(ident, var);
                true
            }
            Expr::Block(b) if b.label.is_none() && b.block.stmts.len() > 1 => {
                let Some(var) = self.declare_local(local, out) else {
                    return true;
                };
                self.lower_block_expr(&b.block, Sink::Var(var), out);
                self.bind(ident, var);
                true
            }
            // `let v: Vec<f64> = xs.iter().map(..).collect();`: the loop it means, writing
            // into `v` itself (`let mut v = vec![0.0; len]; .. v[k] = ..;`), not into a
            // vector copied into `v` afterwards.
            Expr::MethodCall(m) if m.method == "collect" => {
                // (Its target, the `let`'s type: `Vec<Vec<f64>>` collects rows.)
                let mut m = m.clone();
                collect_target(&mut m, ty);
                let Some(Expr::Block(b)) = super::iterators::terminal(self, &m) else {
                    return false;
                };
                let stmts = &b.block.stmts;
                let mut named = HashSet::new();
                collect_idents(m.to_token_stream(), &mut named);
                // (Unless the chain reads a value the name now has: `let v = v.iter()..`.)
                if let [body @ .., syn::Stmt::Expr(Expr::Path(tail), None)] = &stmts[..]
                    && let Some(total) = tail.path.get_ident()
                    && !named.contains(&ident.to_string())
                {
                    let mut body = body.to_vec();
                    // The accumulator's type the `let`'s (`Vec<[f64; 2]>`: rows pushed).
                    if let (Some(ty), Some(syn::Stmt::Local(first))) = (ty, body.first_mut())
                        && let Pat::Ident(p) = &first.pat
                        && p.ident == *total
                    {
                        first.pat = Pat::Type(syn::PatType {
                            attrs: Vec::new(),
                            pat: Box::new(first.pat.clone()),
                            colon_token: Default::default(),
                            ty: Box::new(ty.clone()),
                        });
                    }
                    let mut rename = RenameIdent {
                        from: total,
                        to: ident,
                    };
                    for stmt in &mut body {
                        rename.visit_stmt_mut(stmt);
                    }
                    self.lower_stmts(&body, Sink::Discard, out, &[]);
                    return true;
                }
                self.lower_local_form(local, ident, ty, mutable, &Expr::Block(b), out)
            }
            // `let row = &m[i];` of a nested sequence: a second name for that row. `let w =
            // &m.hidden.w;` (or `&x`) of an array or a struct: a second name for the same value
            // (the borrow keeps it from changing), not a copy.
            Expr::Reference(r) if r.mutability.is_none() && !mutable => {
                let row =
                    matches!(strip(&r.expr), Expr::Index(ix) if self.lower_row_let(ident, ix, out));
                if row || (ty.is_none() && self.lower_data_element_let(ident, &r.expr, expr, out)) {
                    return true;
                }
                if ty.is_none() && self.lower_field_row_let(ident, &r.expr, out) {
                    return true;
                }
                // `let xs = &obs[i].xs;` of data: a constant, a sequence where walked.
                if ty.is_none()
                    && matches!(strip(&r.expr), Expr::Field(_))
                    && self.local_of(&r.expr).is_none()
                    && !self.reads_derivative(&r.expr)
                {
                    self.bind_data(ident, expr, local.span(), out);
                    return true;
                }
                if let (Some(v), None) = (self.local_of(&r.expr), ty)
                    && matches!(self.kind(v), Kind::Tensor | Kind::Struct)
                {
                    self.bind(ident, v);
                    return true;
                }
                // `let w = &layer.w;` of a struct in a sequence: a second name for that row.
                if let Some(v) = self.local_of(&r.expr)
                    && let Some(row) = self.rows.get(&v).filter(|r| !r.prefix.1.is_empty())
                {
                    let (base, prefix, depth) = (row.base, row.prefix.clone(), row.depth);
                    self.bind_row(ident, base, prefix, depth);
                    return true;
                }
                false
            }
            _ => false,
        }
    }

    /// A local's kind and nesting depth: from its annotation, or from what defines it.
    fn local_kind_depth(
        &self,
        ident: &Ident,
        annotated: Option<Kind>,
        ty: Option<&Type>,
        op: &Op,
        init: &Expr,
    ) -> (Kind, usize) {
        let kind = annotated.unwrap_or_else(|| match self.op_kind(op) {
            // `let p = polar(r, t); p[0]`: the call returns a sequence (it is indexed, or
            // the file declares it so: `fn cross(..) -> [f64; 3]`, walked by `c.iter()`).
            Kind::Float
                if matches!(op, Op::Call(c) if self.indexed.contains(&ident.to_string())
                || c.method.is_none() && c.path.get_ident().is_some_and(|callee| {
                    crate::source::returns_sequence_of(&self.fn_name.to_string(), callee)
                })) =>
            {
                Kind::Seq
            }
            // `let mut buf = zeros(n);` of `fn zeros(n: usize) -> Vec<f64>`, `let mut buf:
            // Vec<_> = (0..n).map(|i| i as f64).collect();`: floats, which later writes may
            // make carry derivatives.
            Kind::Float if matches!(op, Op::Konst(_)) && self.makes_floats(init) => Kind::Seq,
            // A tuple result, read as its array.
            _ if self.tuple_values.contains(&ident.to_string()) => Kind::Seq,
            kind => kind,
        });
        // A nested sequence: from its annotation, what it copies, or its literal.
        let depth = match (ty, op) {
            (Some(t), _) => match classify(t) {
                TypeClass::Seq(_, depth) => depth,
                _ => 1,
            },
            (None, Op::Copy(Operand::Var(v))) => self.depth(*v),
            (None, Op::Konst(_)) => Self::literal_depth(init),
            // `vec![m[0].to_vec(), c.clone()]`: one level above its deepest item.
            (None, Op::List { items, .. }) => {
                let item_depth = |o: &Operand| match o {
                    Operand::Var(v) if self.kind(*v) == Kind::Seq => {
                        self.seq_depth(*v) - self.seq_place(*v).1.0.len()
                    }
                    _ => 0,
                };
                1 + items.iter().map(item_depth).max().unwrap_or(0)
            }
            // `let l = cholesky(&k);` of `fn cholesky(..) -> Vec<Vec<f64>>`: as deep as the
            // result the file declares.
            (None, Op::Call(c)) if c.method.is_none() => (c.path.get_ident())
                .and_then(|f| crate::source::sequence_result_depth(&self.fn_name.to_string(), f))
                .unwrap_or(1),
            _ => 1,
        };
        (kind, depth)
    }

    /// `let v = match x.get(i) { Some(&v) => v, _ => unreachable!() };` (an arm's `Some(&v)`
    /// of a sequence that carries a derivative): the element itself, `x[i]`.
    fn projected_element(&self, init: &Expr) -> Option<Expr> {
        match strip(init) {
            Expr::Match(m) if self.reads_derivative(&m.expr) => matches::element_projection(m)
                .or_else(|| {
                    matches::slice_projection(m, |e| {
                        self.local_of(e).is_some_and(|v| self.borrowed(v))
                    })
                }),
            _ => None,
        }
    }

    /// Whether `init`, a constant, makes a sequence of floats: a call of a function of the
    /// file declared to return one, or a map collected whose closure gives a float.
    fn makes_floats(&self, init: &Expr) -> bool {
        match strip(init) {
            Expr::Call(c) => matches!(strip(&c.func), Expr::Path(p)
            if p.path.get_ident().is_some_and(|callee| {
                crate::source::returns_floats_of(&self.fn_name.to_string(), callee)
            })),
            Expr::MethodCall(m) if m.method == "collect" && m.args.is_empty() => {
                super::methods::mapped_kind(&m.receiver) == Some(Kind::Float)
            }
            // `obs[0].ys.clone()` of a struct declaring `ys: Vec<f64>`.
            Expr::MethodCall(m)
                if ["clone", "to_vec", "to_owned"]
                    .iter()
                    .any(|c| m.method == c)
                    && m.args.is_empty() =>
            {
                matches!(strip(&m.receiver), Expr::Field(f) if self.struct_held(&f.base).is_some_and(|on| {
                    crate::source::float_seq_field(&self.fn_name.to_string(), &on, &f.member)
                }))
            }
            _ => false,
        }
    }

    /// Whether `e` is a projection ([`matches::is_projection`]) of a parameter taken by
    /// reference, through a pattern that binds by reference (not `&P`).
    fn projection_of_borrowed_param(&self, e: &Expr) -> bool {
        let Expr::Match(m) = strip(e) else {
            return false;
        };
        let by_ref_pattern =
            matches::is_projection(m).is_some_and(|p| !matches!(p, Pat::Reference(_)));
        let borrowed = self.local_of(&m.expr).is_some_and(|v| {
            self.vars[v].param.is_some() && matches!(self.vars[v].ty, Some(Type::Reference(_)))
        });
        by_ref_pattern && borrowed
    }

    pub(super) fn local_pattern(
        &mut self,
        local: &syn::Local,
    ) -> Option<(Ident, Option<Type>, bool)> {
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some((*t.ty).clone())),
            other => (other, None),
        };
        match pat_ident(pat) {
            Some((ident, mutable)) => Some((ident.clone(), ty, mutable)),
            None => {
                self.errors.spanned(
                    pat,
                    "#[differentiate] supports `let name = ...;`, `let name: Type = ...;` and `let (a, b) = ...;` from a tuple of values (or a block or a closure's call ending in one), `x.sin_cos()`, `x.split_at(m)`, `x.split_first().unwrap()` (or `split_last`), `x.iter().enumerate().max_by(..).unwrap()` (or `min_by`: the index and the element) or a call returning a tuple, and `let [a, b, c] = ...;` of an array (without `..`), not this pattern",
                );
                None
            }
        }
    }

    /// `let eps = 1e-12;` beside ndarray arrays: the runtime's generic arithmetic (`add(&p,
    /// &eps)`) leaves an untyped literal's type open; it takes the signature's.
    fn literal_beside_arrays(&self, local: &syn::Local) -> Option<Type> {
        let float = types::signature_float()?;
        let literal = local.init.as_ref()?;
        let arrays = self
            .vars
            .iter()
            .any(|v| v.param.is_some() && v.kind == Kind::Tensor);
        (types::untyped_float(&literal.expr) && arrays).then(|| syn::parse_quote!(#float))
    }

    /// `let mut y = Array1::zeros(n);` (`ones`, `from_elem`), its element type left for Rust
    /// to infer from what the user's code writes into it: the generated code writes the
    /// later values into new locals (`y = x * x;` in straight-line code, a `Zip` writing
    /// it), so the array takes the signature's float type (`Array<f64, _>`).
    fn untyped_array(&self, local: &syn::Local) -> Option<Type> {
        let float = types::signature_float()?;
        let Expr::Call(c) = strip(&local.init.as_ref()?.expr) else {
            return None;
        };
        let Expr::Path(p) = strip(&c.func) else {
            return None;
        };
        let generic = p.path.segments.iter().any(|s| !s.arguments.is_empty());
        let made = super::calls::array_function(&c.func, &["zeros", "ones", "from_elem"]);
        let krate = &self.krate;
        // (Its number of axes where the path names it: `Array1::zeros(n)`.)
        let ty = match p
            .path
            .segments
            .first()
            .map(|s| s.ident.to_string())
            .as_deref()
        {
            Some("Array1") => quote!(#krate::ndarray::Array1<#float>),
            Some("Array2") => quote!(#krate::ndarray::Array2<#float>),
            _ => quote!(#krate::ndarray::Array<#float, _>),
        };
        (made && !generic).then(|| syn::parse_quote!(#ty))
    }

    /// `let name;` (or the variable an `if` used as a value assigns): declared now,
    /// assigned once on every path.
    pub(super) fn declare_local(
        &mut self,
        local: &syn::Local,
        out: &mut Vec<Stmt>,
    ) -> Option<VarId> {
        let (ident, ty, mutable) = self.local_pattern(local)?;
        if mutable && local.init.is_none() {
            self.errors.spanned(
                &local.pat,
                "#[differentiate] does not support `let mut` without a value: give it an initial value",
            );
            return None;
        }
        let kind = ty
            .as_ref()
            .filter(|t| read_type(t))
            .map_or(Kind::Float, classify_kind);
        let var = self.user_var(&ident, kind, ty);
        // Only a `let y;` of the user's is initialized by a later assignment of the user's;
        // after `let mut y = if ...`, an assignment updates `y`.
        if local.init.is_none() {
            self.deferred.insert(var);
        }
        out.push(Stmt::Declare { var });
        Some(var)
    }

    pub(super) fn bind_local(&mut self, local: &syn::Local, var: VarId) {
        if let Some((ident, _, _)) = self.local_pattern(local) {
            self.bind(&ident, var);
        }
    }

    /// The first assignment of a declared variable; it also settles the variable's kind.
    pub(super) fn assign_init(&mut self, var: VarId, op: Op, span: Span, out: &mut Vec<Stmt>) {
        // (`None` in one branch of `if c { Some(v) } else { None }` does not make a value
        // that may carry a derivative a constant.)
        let none = matches!(&op, Op::Konst(k) if matches!(strip(&k.expr), Expr::Path(p) if p.path.is_ident("None")));
        let typed = self.vars[var].ty.as_ref().is_some_and(read_type);
        let keeps = typed || (none && self.kind(var).differentiable());
        if !keeps {
            self.vars[var].kind = self.op_kind(&op);
        }
        if !matches!(op, Op::Konst(_)) {
            self.check_written_type(var);
        }
        let op = self.materialize_call(op, span, out);
        out.push(Stmt::Assign {
            var,
            op,
            init: true,
            span,
        });
    }

    /// [`UNKNOWN_TYPE`] at the written type of `var`, given a value that carries a
    /// derivative, where its kind (from that type) would hold none.
    fn check_written_type(&mut self, var: VarId) {
        if let Some(ty) = &self.vars[var].ty
            && !self.vars[var].kind.differentiable()
            && read_type(ty)
            && matches!(classify(ty), TypeClass::Unknown)
        {
            let ty = ty.clone();
            self.errors.spanned(&ty, UNKNOWN_TYPE);
        }
    }
}

/// Every `from` (an identifier) renamed `to`.
struct RenameIdent<'a> {
    from: &'a Ident,
    to: &'a Ident,
}

impl VisitMut for RenameIdent<'_> {
    fn visit_ident_mut(&mut self, i: &mut Ident) {
        if i == self.from {
            *i = self.to.clone();
        }
    }
}

/// Whether a local's written type says what it holds: one with `_` in it (`Vec<_>`, `_`,
/// `[_; 2]`) leaves it to the value (taken for a constant, a value carrying a derivative
/// would lose it).
fn read_type(ty: &Type) -> bool {
    struct Infers(bool);
    impl Visit<'_> for Infers {
        fn visit_type_infer(&mut self, _: &syn::TypeInfer) {
            self.0 = true;
        }
    }
    let mut infers = Infers(false);
    infers.visit_type(ty);
    !infers.0
}

/// A written type the macro does not know (an alias, `type Real = f64;`, a struct it does
/// not take apart) on a local whose value carries a derivative, which it would hold as a
/// constant.
const UNKNOWN_TYPE: &str = "#[differentiate] does not know this type, and the value it is written for carries a derivative (the macro reads `f32`, `f64`, the function's float type parameter, `Vec`s, slices and arrays of them, ndarray arrays, integers and `bool`, and aliases of them declared beside the function): write one of those, or leave the type out (`let v = ..;`, `Vec<_>`)";

/// The type a `collect()` bound by a `let` collects into, as its turbofish: the `let`'s
/// written type; or, untyped, rows of what its map makes (`(0..m).map(|j| a.iter().map(|row|
/// row[j]).collect()).collect::<Vec<_>>()` collects `Vec<Vec<f64>>`).
fn collect_target(m: &mut syn::ExprMethodCall, ty: Option<&Type>) {
    if let (Some(ty), None) = (ty, &m.turbofish) {
        m.turbofish = Some(syn::parse_quote!(::<#ty>));
    }
    let depth = Lower::collected_depth(m);
    if ty.is_none() && depth >= 2 {
        let float = super::types::float_param()
            .or_else(super::types::signature_float)
            .map_or_else(|| quote!(f64), |f| quote!(#f));
        let rows = (0..depth).fold(float, |t, _| quote!(Vec<#t>));
        m.turbofish = Some(syn::parse_quote!(::<#rows>));
    }
}

/// The kind of a `Vec` of integers or flags that `expr` collects, where its type says so
/// (`let d: Vec<usize> = ..`, `.collect::<Vec<bool>>()`) or its last `map` gives one
/// (`.map(|v| (v * 3.0) as usize)`, `.map(|&v| v > 0.0)`).
fn collected_kind(expr: &Expr, ty: Option<&Type>) -> Option<Kind> {
    let Expr::MethodCall(m) = strip(expr) else {
        return None;
    };
    if m.method != "collect" || !m.args.is_empty() {
        return None;
    }
    let constant = |k: Kind| matches!(k, Kind::Int | Kind::Bool).then_some(k);
    let turbofish = m
        .turbofish
        .iter()
        .flat_map(|t| &t.args)
        .find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        });
    if let Some(kind) = [ty, turbofish]
        .into_iter()
        .flatten()
        .find_map(|t| constant(classify_kind(t)))
    {
        return Some(kind);
    }
    super::methods::mapped_kind(&m.receiver).and_then(constant)
}

/// The error at a second name for a struct with a gradient that cannot be read as the
/// struct itself.
pub(super) const STRUCT_ALIAS: &str = "#[differentiate] reads a struct parameter bound to another name (`let c = b;`, `let c = &b;`) as the parameter itself, and holds a copy of one declared in the function's file whose fields are numbers (`let mut c = b;` of a `Copy` struct, `b.clone()`, `if .. { a } else { b }`) as one local per field; not here: the struct holds more than numbers and the binding is `mut` or a pattern, the function binds the parameter's name again, the rest of the block binds this name again, or the value is computed; read the parameter by its own name (`b.x`)";
