//! Calls to differentiated functions and gates, sub-slices, macros.

use super::*;

impl<'e> Lower<'e> {
    pub(super) fn lower_call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) -> Op {
        let Expr::Path(fp) = strip(&c.func) else {
            self.errors.spanned(&c.func, "#[differentiate] supports calls to functions by path (`f(x)`, `module::f(x)`), not to closures or expressions");
            return Op::Konst(self.dummy());
        };
        if fp.qself.is_some() {
            // `<f64 as Zero>::zero()`, `<f64 as Real>::from_f64(0.5)`: a constant.
            let args = self.lower_args(c.args.iter(), out);
            if args.iter().all(|a| matches!(a.value, Operand::Konst(_))) {
                return Op::Konst(self.konst(&Expr::Call(c.clone())));
            }
            self.errors.spanned(
                &c.func,
                "#[differentiate] does not support qualified paths (`<T as Trait>::f`) in calls of values that carry a derivative",
            );
            return Op::Konst(self.dummy());
        }
        if let Some(v) = fp
            .path
            .get_ident()
            .and_then(|i| self.lookup(&i.to_string()))
        {
            if self.poisoned.contains(&v) {
                return Op::Konst(self.dummy());
            }
            self.errors
                .spanned(&c.func, super::signature::FUNCTION_PASSED);
            return Op::Konst(self.dummy());
        }
        let recursive = fp.path.is_ident(&self.fn_name);
        // `f64::exp(x)`, `T::from_f64(0.5)`: the float type's methods and constructors.
        if let Some(op) = self.lower_float_type_call(fp, c, out) {
            return op;
        }
        let args = self.lower_args(c.args.iter(), out);
        if args.iter().all(|a| matches!(a.value, Operand::Konst(_))) {
            // Nothing that carries a derivative goes in: an ordinary call.
            return Op::Konst(self.konst(&Expr::Call(c.clone())));
        }
        if array_function(&c.func, &FROM_VALUES) {
            // `Array1::from_vec(v)` (or `Array1::from(v)`, the same) of a `Vec` of floats:
            // the runtime's gate.
            let n = fp.path.segments.len();
            let last = fp.path.segments[n - 1].ident.to_string();
            let from_vec =
                last == "from_vec" || (last == "from" && fp.path.segments[n - 2].ident == "Array1");
            if let ([arg], true) = (&args[..], from_vec)
                && !arg.by_ref
                && matches!(arg.value, Operand::Var(v) if self.depth(v) == 1)
                && self.float_sequence(&arg.value)
            {
                let krate = &self.krate;
                let gate = syn::parse_quote!(#krate::__private::tensor::array_from_vec);
                return self.call(gate, None, None, args, false, c.span());
            }
            self.errors.spanned(&c.func, ARRAY_FROM_VALUES);
            return Op::Konst(self.dummy());
        }
        // `Box::new(x)`, `Foo::helper(x)`: a type's function, never a differentiated one
        // (those are free functions or methods with a receiver).
        let segments: Vec<&syn::PathSegment> = fp.path.segments.iter().collect();
        // (Its functions of floats, `Dense::act`, are inlined: `source::is_float_fn`.)
        if let [.., ty, f] = &segments[..]
            && ty.ident.to_string().starts_with(char::is_uppercase)
            && !crate::source::is_float_fn(&self.fn_name.to_string(), &fp.path)
        {
            let (ty, f) = (&ty.ident, &f.ident);
            self.errors.spanned(
                &c.func,
                format!("`{ty}::{f}` is a function of the type `{ty}`, and #[differentiate] has no derivative for it: it differentiates calls to functions with `#[differentiate]` (`f(x)`, `module::f(x)`), to gates (`backprop::gate!`), to the float types' methods (`f64::exp(x)`) and to methods with a receiver (`m.forward(x)`), and inlines a function of a `Copy` struct declared beside it (`V2::new(x, y)`) that has no `return`, `?`, macro, item or generics; pass it no value that carries a derivative"),
            );
            return Op::Konst(self.dummy());
        }
        let mut path = fp.path.clone();
        let generics = match path
            .segments
            .last_mut()
            .map(|s| std::mem::take(&mut s.arguments))
        {
            Some(syn::PathArguments::AngleBracketed(g)) => Some(g),
            Some(syn::PathArguments::Parenthesized(p)) => {
                self.errors.spanned(p, "unexpected parenthesized arguments");
                None
            }
            _ => None,
        };
        self.call(path, None, generics, args, recursive, c.span())
    }

    /// `receiver.forward(x)` on a struct: a call of the receiver type's differentiated
    /// method `forward`, through its module's handle ([`Call::method`]).
    pub(super) fn lower_struct_method(
        &mut self,
        m: &syn::ExprMethodCall,
        receiver: Operand,
        out: &mut Vec<Stmt>,
    ) -> Op {
        if let Some(t) = &m.turbofish {
            self.errors.spanned(
                t,
                "#[differentiate] calls differentiated methods without generic arguments",
            );
        }
        // An ordinary method the syntax pass did not inline (`helpers/param_methods.rs`):
        // it has no derivative to call.
        if crate::source::is_plain_method(&self.fn_name.to_string(), &m.method) {
            self.errors.spanned(&m.method, PLAIN_METHOD);
            return Op::Konst(self.dummy());
        }
        let mut args = vec![Arg {
            by_ref: !self.field_reference(&receiver),
            // A struct in a sequence: its gradient goes into that element's.
            part: matches!(receiver, Operand::Elem(..)),
            value: receiver,
            span: m.receiver.span(),
        }];
        args.extend(self.lower_args(m.args.iter(), out));
        let name = m.method.clone();
        self.call(name.clone().into(), Some(name), None, args, false, m.span())
    }

    pub(super) fn call(
        &mut self,
        path: syn::Path,
        method: Option<Ident>,
        generics: Option<syn::AngleBracketedGenericArguments>,
        args: Vec<Arg>,
        recursive: bool,
        span: Span,
    ) -> Op {
        let lends_local = |a: &Arg| a.by_ref && self.borrows_local(&a.value);
        let recompute = args.iter().any(lends_local);
        // A method's module has `__vjp_owned`, whose pullback owns copies of the sequences
        // lent to it: kept from the forward pass, it needs the caller's locals no more.
        // (Not under `hessian`: forward over reverse calls `__fob`, which borrows.)
        let owned = recompute
            && method.is_some()
            && !self.second_order
            && !lends_local(&args[0])
            && args
                .iter()
                .filter(|a| lends_local(a))
                .all(|a| self.float_sequence(&a.value));
        Op::Call(Call {
            path,
            method,
            generics,
            args,
            pullback: usize::MAX,
            recompute: recompute && !owned,
            owned,
            result: None,
            sub_slice: false,
            tuple: false,
            recursive,
            into: false,
            span,
        })
    }

    /// A call's arguments: each an operand, borrowed or not, or a part of a sequence.
    fn lower_args<'a>(
        &mut self,
        exprs: impl Iterator<Item = &'a Expr>,
        out: &mut Vec<Stmt>,
    ) -> Vec<Arg> {
        let mut args = Vec::new();
        for a in exprs {
            let (inner, by_ref) = match strip(a) {
                Expr::Reference(r) if r.mutability.is_none() => (&*r.expr, true),
                Expr::Reference(r) => {
                    self.errors.spanned(
                        r,
                        "#[differentiate] does not support passing `&mut` references",
                    );
                    (&*r.expr, true)
                }
                other => (other, false),
            };
            // `f(&m[i])`, `f(row)`, `f(&x[a..b])`: a part of a sequence, passed as it is.
            if let Some((base, index)) = self.part_arg(inner, by_ref) {
                args.push(Arg {
                    value: Operand::Elem(base, index),
                    by_ref: true,
                    part: true,
                    span: a.span(),
                });
                continue;
            }
            let value = match strip(inner) {
                // `f(x.to_owned())`, `f(v.clone())`: the callee takes an owned copy.
                Expr::MethodCall(m)
                    if !by_ref
                        && m.args.is_empty()
                        && ["to_owned", "clone", "to_vec"]
                            .contains(&m.method.to_string().as_str()) =>
                {
                    match self.lower_op(inner, out) {
                        Op::Copy(Operand::Var(v))
                            if matches!(self.kind(v), Kind::Seq | Kind::Tensor) =>
                        {
                            let copy = self.temp_var(self.kind(v), a.span());
                            out.push(Stmt::Let {
                                var: copy,
                                op: Op::Copy(Operand::Var(v)),
                                span: a.span(),
                            });
                            Operand::Var(copy)
                        }
                        op => self.materialize(op, a.span(), out),
                    }
                }
                _ => self.lower_operand(inner, out),
            };
            // `let s = &x[a..b]; f(s)`: the copy is a `Vec`, passed by reference. `f(&m.hidden)`:
            // the field was read by reference, passed as it is (a borrow of the variable
            // would last only as long as the variable).
            let by_ref = (by_ref && !self.field_reference(&value))
                || matches!(value, Operand::Var(v) if self.slice_copies.contains(&v));
            args.push(Arg {
                value,
                by_ref,
                part: false,
                span: a.span(),
            });
        }
        args
    }

    /// `f64::exp(x)`, `f32::max(a, b)`, `T::sin(x)`: a float method in function syntax;
    /// `T::zero()`, `T::from_f64(0.5)`: constructors of the float type, constants. `None`
    /// for any other call.
    fn lower_float_type_call(
        &mut self,
        fp: &syn::ExprPath,
        c: &syn::ExprCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Op> {
        // `f64::exp(x)`, `f32::max(a, b)`: a float method in function syntax.
        let segments: Vec<String> = fp
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let float_param = super::types::float_param().map(|t| t.to_string());
        let float_type = segments.len() == 2
            && (segments[0] == "f64"
                || segments[0] == "f32"
                || float_param.as_deref() == Some(segments[0].as_str()));
        if float_type
            && !c.args.is_empty()
            && let Some(&MathEntry {
                op: math, arity, ..
            }) = Math::from_name(&segments[1])
            && c.args.len() == arity + 1
        {
            let receiver = self.lower_operand(&c.args[0], out);
            let args: Vec<Operand> = c
                .args
                .iter()
                .skip(1)
                .map(|a| self.lower_operand(a, out))
                .collect();
            if matches!(receiver, Operand::Konst(_))
                && args.iter().all(|a| matches!(a, Operand::Konst(_)))
            {
                return Some(Op::Konst(self.konst(&Expr::Call(c.clone()))));
            }
            return Some(Op::Math(math, receiver, args));
        }
        // `T::zero()`, `T::from_f64(0.5)`, `f64::EPSILON`-like constructors of the float type:
        // constants.
        if float_type {
            let args: Vec<Operand> = c.args.iter().map(|a| self.lower_operand(a, out)).collect();
            if args.iter().all(|a| matches!(a, Operand::Konst(_))) {
                return Some(Op::Konst(self.konst(&Expr::Call(c.clone()))));
            }
            self.errors.spanned(
                c,
                "#[differentiate] supports the float type's constructors (`T::zero()`, `T::one()`, `T::from_f64(0.5)`) on constants; a value that carries a derivative is already of the float type",
            );
            return Some(Op::Konst(self.dummy()));
        }
        None
    }

    /// `x[a..b]` (or `a..`, `..b`, `..`, `a..=b`) of a sequence, or `m[i][a..b]` of a row
    /// of a nested one: the sequence, and the indices before the range.
    pub(super) fn sub_slice_of(&mut self, e: &Expr) -> Option<(VarId, Index)> {
        let (v, mut prefix, before) = self.sub_slice_parts(e)?;
        prefix.0.extend(before.iter().map(|e| self.konst(e)));
        Some((v, prefix))
    }

    pub(super) fn is_sub_slice(&self, e: &Expr) -> bool {
        self.sub_slice_parts(e).is_some()
    }

    /// The sequence, a row's indices, and the indices written before the range.
    fn sub_slice_parts<'a>(&self, e: &'a Expr) -> Option<(VarId, Index, Vec<&'a Expr>)> {
        let Expr::Index(ix) = strip(e) else {
            return None;
        };
        if !matches!(strip(&ix.index), Expr::Range(_)) {
            return None;
        }
        let (base, mut levels) = super::nested::index_chain(ix);
        let v = self.local_of(base).filter(|&v| self.kind(v) == Kind::Seq)?;
        let depth = self.seq_depth(v);
        let (v, prefix) = self.seq_place(v);
        if prefix.0.len() + levels.len() != depth {
            return None;
        }
        levels.pop();
        Some((v, prefix, levels))
    }

    /// `&x[a..b]`: a call to the runtime's `sub_slice` gate, a copy of the elements whose
    /// gradient flows back into `x[a..b]`.
    pub(super) fn lower_sub_slice(&mut self, e: &Expr) -> Op {
        let (Some((v, prefix)), Expr::Index(ix)) = (self.sub_slice_of(e), strip(e)) else {
            return Op::Konst(self.dummy());
        };
        let Expr::Range(range) = strip(&ix.index) else {
            return Op::Konst(self.dummy());
        };
        let seq = &ix.expr;
        let start: Expr = match &range.start {
            Some(s) => (**s).clone(),
            None => syn::parse_quote!(0),
        };
        let end: Expr = match (&range.end, &range.limits) {
            (Some(end), syn::RangeLimits::HalfOpen(_)) => (**end).clone(),
            (Some(end), syn::RangeLimits::Closed(_)) => syn::parse_quote!((#end) + 1),
            (None, _) => syn::parse_quote!(#seq.len()),
        };
        let (start, end) = (self.konst(&start), self.konst(&end));
        self.part_copy(v, prefix, start, end, e.span())
    }

    /// A copy of `v[prefix][start..end]` (of `v[start..end]` when `prefix` is empty): a
    /// call to the runtime's `sub_slice` gate, whose gradient flows back into that part.
    pub(super) fn part_copy(
        &mut self,
        v: VarId,
        prefix: Index,
        start: Konst,
        end: Konst,
        span: Span,
    ) -> Op {
        let krate = &self.krate;
        let recompute = self.borrows_local(&Operand::Var(v));
        let arg = |value, by_ref, part| Arg {
            value,
            by_ref,
            part,
            span,
        };
        let seq = match prefix.0.is_empty() && prefix.1.is_empty() {
            true => arg(Operand::Var(v), true, false),
            false => arg(Operand::Elem(v, prefix), true, true),
        };
        Op::Call(Call {
            path: syn::parse_quote!(#krate::__private::sub_slice),
            method: None,
            generics: None,
            args: vec![
                seq,
                arg(Operand::Konst(start), false, false),
                arg(Operand::Konst(end), false, false),
            ],
            pullback: usize::MAX,
            recompute,
            owned: false,
            result: None,
            sub_slice: true,
            tuple: false,
            recursive: false,
            into: false,
            span,
        })
    }

    /// ndarray's `concatenate(axis, &[a.view(), b.view(), ..])` and `stack(axis, &[..])`,
    /// unwrapped, over arrays that carry a derivative: the runtime's `concat` gate, joining
    /// two at a time (`stack` inserts the axis into each array first).
    pub(super) fn join_of(&self, m: &syn::ExprMethodCall) -> Option<Expr> {
        let unwraps = (m.method == "unwrap" && m.args.is_empty())
            || (m.method == "expect" && m.args.len() == 1);
        let (Expr::Call(c), true) = (strip(&m.receiver), unwraps) else {
            return None;
        };
        let Expr::Path(p) = strip(&c.func) else {
            return None;
        };
        let stack = match p.path.segments.last()?.ident.to_string().as_str() {
            "concatenate" => false,
            "stack" => true,
            _ => return None,
        };
        let Expr::Reference(list) = strip(c.args.get(1)?) else {
            return None;
        };
        let Expr::Array(items) = strip(&list.expr) else {
            return None;
        };
        if c.args.len() != 2 || !items.elems.iter().any(|e| self.reads_derivative(e)) {
            return None;
        }
        let axis = &c.args[0];
        let mut arrays = items.elems.iter().map(|e| {
            // `a.view()`: the array itself.
            let e = match strip(e) {
                Expr::MethodCall(v) if v.method == "view" && v.args.is_empty() => &*v.receiver,
                e => e,
            };
            match stack {
                true => quote!((#e).insert_axis(#axis)),
                false => quote!((#e).to_owned()),
            }
        });
        let first = arrays.next()?;
        let private = self.private();
        let concat = quote!(#private::tensor::concat);
        let joined = arrays.fold(first, |acc, next| quote!(#concat(&#acc, &#next, #axis)));
        syn::parse2(joined).ok()
    }

    /// Whether a lent argument is a sequence of floats (or a row of one), which a callee's
    /// `__vjp_owned` copies.
    fn float_sequence(&self, value: &Operand) -> bool {
        let (v, levels) = match value {
            Operand::Var(v) => (*v, 0),
            Operand::Elem(v, index) if index.1.is_empty() => (*v, index.0.len()),
            _ => return false,
        };
        self.kind(v) == Kind::Seq && !self.struct_seqs.contains(&v) && levels < self.depth(v)
    }

    /// Whether `&value` borrows a variable of this function rather than data behind a
    /// reference parameter (whose borrow outlives the call).
    pub(super) fn borrows_local(&self, value: &Operand) -> bool {
        if self.field_reference(value) {
            return false;
        }
        let reads: Vec<VarId> = match value {
            Operand::Var(v) => vec![*v],
            // `&x[i]` borrows `x`'s element; the index is read, not borrowed.
            Operand::Elem(v, _) => vec![*v],
            Operand::Konst(k) => k.reads.clone(),
        };
        reads.into_iter().any(|v| {
            let var = &self.vars[v];
            var.param.is_none() || !matches!(var.ty, Some(syn::Type::Reference(_)))
        })
    }

    /// The items of a list of rows (`vec![a.to_vec(), vec![0.5, 2.0]]`): each constant row
    /// bound to a local of its own, so that every item is a sequence the emitters copy (and
    /// whose tangent and gradient have its shape).
    pub(super) fn rows_named(
        &mut self,
        items: Vec<Operand>,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Vec<Operand> {
        let rows = items
            .iter()
            .any(|o| matches!(o, Operand::Var(v) if self.kind(*v) == Kind::Seq));
        if !rows {
            return items;
        }
        items
            .into_iter()
            .map(|o| match o {
                Operand::Konst(k) => {
                    let var = self.generated_var("row", Kind::Seq, span);
                    out.push(Stmt::Let {
                        var,
                        op: Op::Konst(k),
                        span,
                    });
                    Operand::Var(var)
                }
                o => o,
            })
            .collect()
    }

    pub(super) fn lower_macro(&mut self, m: &syn::ExprMacro, out: &mut Vec<Stmt>) -> Op {
        if let Some(op) = self.diverging_value(&m.mac) {
            return op;
        }
        if ndarray_array_macro(&m.mac) {
            return self.lower_array_macro(m);
        }
        if !m.mac.path.is_ident("vec") {
            self.unsupported_macro(&m.mac);
            return Op::Konst(self.dummy());
        }
        // `vec![a, b, c]` or `vec![value; n]`.
        if let Ok(items) = m
            .mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        {
            let items: Vec<Operand> = items.iter().map(|e| self.lower_operand(e, out)).collect();
            if items.iter().all(|o| matches!(o, Operand::Konst(_))) {
                return Op::Konst(self.konst_vec_macro(m));
            }
            let items = self.rows_named(items, m.mac.path.span(), out);
            return Op::List { items, vec: true };
        }
        match m.mac.parse_body::<VecRepeat>() {
            Ok(rep) => {
                // `vec![vec![0.0; n]; m]`: a nested sequence of constants.
                let value = match strip(&rep.value) {
                    Expr::Macro(inner) if inner.mac.path.is_ident("vec") => {
                        match self.lower_macro(inner, out) {
                            Op::Konst(k) => k,
                            _ => self.dummy(),
                        }
                    }
                    value => self.konst(value),
                };
                let len = self.konst(&rep.len);
                if value.reads.iter().any(|&v| self.kind(v) == Kind::Float) {
                    self.errors.spanned(
                        &rep.value,
                        "#[differentiate] supports `vec![value; n]` only with a constant value; write the elements in a loop",
                    );
                }
                let (v, n) = (value.expr, len.expr);
                let mut reads = value.reads;
                reads.extend(len.reads);
                reads.sort_unstable();
                reads.dedup();
                let span = m.mac.path.span();
                self.konst_tokens(quote_spanned!(span=> ::std::vec![#v; #n]), &reads)
                    .into_op()
            }
            Err(e) => {
                self.errors.push(e);
                Op::Konst(self.dummy())
            }
        }
    }

    /// ndarray's `array![[1.0, 0.5], [0.3, 0.1]]` of constants: an array that carries no
    /// derivative, written as it is. Of values that carry one: the error of the other
    /// constructors from values.
    fn lower_array_macro(&mut self, m: &syn::ExprMacro) -> Op {
        let reads_derivative = m
            .mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
            .map(|items| items.iter().any(|e| self.reads_derivative(e)));
        match reads_derivative {
            Ok(false) => Op::Konst(self.konst(&Expr::Macro(m.clone()))),
            Ok(true) => {
                self.errors.spanned(&m.mac, ARRAY_FROM_VALUES);
                Op::Konst(self.dummy())
            }
            Err(e) => {
                self.errors.push(e);
                Op::Konst(self.dummy())
            }
        }
    }

    pub(super) fn konst_vec_macro(&mut self, m: &syn::ExprMacro) -> Konst {
        let items = m
            .mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
            .unwrap_or_default();
        let ks: Vec<Konst> = items.iter().map(|e| self.konst(e)).collect();
        let mut reads: Vec<VarId> = ks.iter().flat_map(|k| k.reads.iter().copied()).collect();
        reads.sort_unstable();
        reads.dedup();
        let exprs = ks.into_iter().map(|k| k.expr);
        let span = m.mac.path.span();
        self.konst_tokens(quote_spanned!(span=> ::std::vec![#(#exprs),*]), &reads)
    }

    /// `println!`, `assert!` and their kin as statements: run on the forward pass as
    /// written, their arguments reading values (never derivatives). Names a format string
    /// captures (`{x}`) become explicit arguments, so they read the right version of `x`.
    /// `panic!`, `unreachable!`, `todo!` and `unimplemented!` too, run through the runtime's
    /// `diverged` (the code after them is then no unreachable code to warn about).
    pub(super) fn lower_statement_macro(&mut self, mac: &syn::Macro, out: &mut Vec<Stmt>) {
        if let Some(k) = self.checking_macro(mac, false) {
            out.push(Stmt::Eval(k));
        }
    }

    /// `_ => unreachable!()`, `panic!(..)` where a value is expected: the runtime's
    /// `diverged`, as if it returned the value.
    pub(super) fn diverging_value(&mut self, mac: &syn::Macro) -> Option<Op> {
        let name = mac.path.segments.last()?.ident.to_string();
        DIVERGING.contains(&name.as_str()).then(|| {
            let k = self.checking_macro(mac, true);
            Op::Konst(k.unwrap_or_else(|| self.dummy()))
        })
    }

    /// A printing, checking or panicking macro with its arguments reading the function's
    /// values, as a constant to evaluate (`None` after an error); `valued`: where a
    /// value is expected.
    fn checking_macro(&mut self, mac: &syn::Macro, valued: bool) -> Option<Konst> {
        let name = mac.path.segments.last().map(|s| s.ident.to_string());
        let diverging = name.as_deref().is_some_and(|n| DIVERGING.contains(&n));
        let Some(format_at) = name.as_deref().and_then(|name| match name {
            "print" | "println" | "eprint" | "eprintln" => Some(0),
            n if DIVERGING.contains(&n) => Some(0),
            "assert" | "debug_assert" => Some(1),
            "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => Some(2),
            _ => None,
        }) else {
            self.unsupported_macro(mac);
            return None;
        };
        let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
        let args = match mac.parse_body_with(parser) {
            Ok(args) => args,
            Err(e) => {
                self.errors.push(e);
                return None;
            }
        };
        let mut args: Vec<Expr> = args.into_iter().collect();
        if let Some(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(format),
            ..
        })) = args.get(format_at)
        {
            let named: BTreeSet<String> = args
                .iter()
                .filter_map(|a| match a {
                    Expr::Assign(a) => Some(a.left.to_token_stream().to_string()),
                    _ => None,
                })
                .collect();
            let span = format.span();
            for captured in format_captures(&format.value()) {
                if !named.contains(&captured) && self.lookup(&captured).is_some() {
                    let ident = Ident::new(&captured, span);
                    args.push(syn::parse_quote!(#ident = #ident));
                }
            }
        }
        let mut reads = Vec::new();
        let mut renamed = Vec::new();
        for arg in &args {
            // `name = value`: the name stays, the value reads the function's variables.
            let (name, value) = match arg {
                Expr::Assign(a) => (Some(&a.left), &*a.right),
                other => (None, other),
            };
            let k = self.konst_checked(value)?;
            reads.extend(k.reads);
            let value = k.expr;
            renamed.push(match name {
                Some(name) => quote!(#name = #value),
                None => quote!(#value),
            });
        }
        reads.sort_unstable();
        reads.dedup();
        let path = &mac.path;
        let mut call = quote!(#path!(#(#renamed),*));
        if diverging {
            let krate = &self.krate;
            let unit = (!valued).then(|| quote!(::<()>));
            call = quote!(#krate::__private::diverged #unit (|| #call));
        }
        Some(self.konst_tokens(call, &reads))
    }

    pub(super) fn unsupported_macro(&mut self, mac: &syn::Macro) {
        self.errors.spanned(
            mac,
            "#[differentiate] cannot see the code this macro expands to: it supports `vec!`, `panic!`, `unreachable!`, `todo!` and `unimplemented!`, and as statements `println!`, `print!`, `eprintln!`, `eprint!`, `assert!`, `assert_eq!`, `assert_ne!` and their `debug_` forms",
        );
    }

    pub(super) fn finish_call(&mut self, op: Op, target: VarId) -> Op {
        match op {
            Op::Call(mut call) => {
                let base = crate::names::Derived::Pullback.of(&self.vars[target].ident.to_string());
                let name = if self.pullback_names.insert(base.clone()) {
                    base
                } else {
                    self.names.generated(&base)
                };
                let span = call.span;
                call.pullback = self.new_var(&name, span, Kind::Pullback, None);
                // Which of these results the backward pass reads: `lower::call_results`.
                call.result = (call.recompute && !call.recursive).then_some(target);
                Op::Call(call)
            }
            op => op,
        }
    }
}

/// The error for an ndarray array made from values that carry a derivative.
const ARRAY_FROM_VALUES: &str = "#[differentiate] makes an ndarray array from values that carry a derivative only as `Array1::from_vec(v)` or `Array1::from(v)` of a `Vec` of floats bound to a name; for another shape or constructor, compute the array with ndarray's operations on array parameters (`x.mapv(..)`, `a.dot(&x)`, ...), or keep the values in the `Vec` (indexed, walked, summed)";

/// ndarray's `array![..]` (as `array!`, `ndarray::array!` or through the facade).
pub(super) fn ndarray_array_macro(mac: &syn::Macro) -> bool {
    mac.path.segments.last().is_some_and(|s| s.ident == "array")
}

/// `Array2::from_shape_vec(shape, v)`: an ndarray array in a `Result`.
pub(super) fn shaped_array(expr: &Expr) -> bool {
    matches!(strip(expr), Expr::Call(c) if array_function(&c.func, &["from_shape_vec"]))
}

/// `Array2::zeros`, `Array1::from_vec`, ...: a path to one of ndarray's `Array*` functions
/// named `names`.
pub(super) fn array_function(func: &Expr, names: &[&str]) -> bool {
    let Expr::Path(p) = strip(func) else {
        return false;
    };
    let n = p.path.segments.len();
    n >= 2
        && p.path.segments[n - 2]
            .ident
            .to_string()
            .starts_with("Array")
        && names.iter().any(|m| p.path.segments[n - 1].ident == m)
}

/// `Array1::from_vec`, `Array::from`, `Array2::from_shape_vec`, ...: a constructor of an
/// ndarray array from values.
const FROM_VALUES: [&str; 5] = [
    "from_vec",
    "from",
    "from_shape_vec",
    "from_iter",
    "from_shape_fn",
];

/// The macros that panic, run where they are written.
const DIVERGING: [&str; 4] = ["panic", "unreachable", "todo", "unimplemented"];
