//! Expressions: operands, operations, float and array methods.

use super::*;

impl<'e> Lower<'e> {
    /// Whether an expression the macro would treat as a constant takes the value of a
    /// variable that carries a derivative (which would silently lose it), rather than only
    /// its shape (`x.len()`, `x.shape()[1]`, `x.dim().0`) or a comparison of it.
    pub(super) fn reads_derivative(&self, expr: &Expr) -> bool {
        struct Finder<'a, 'e> {
            lower: &'a Lower<'e>,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Finder<'_, '_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                let name = m.method.to_string();
                let inspects = INSPECT_METHODS.contains(&name.as_str())
                    || SHAPE_METHODS.contains(&name.as_str());
                if !inspects {
                    syn::visit::visit_expr_method_call(self, m);
                } else {
                    // The receiver is only inspected; the arguments are values.
                    for a in &m.args {
                        self.visit_expr(a);
                    }
                }
            }
            fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
                use syn::BinOp::*;
                // Comparisons and logic give a `bool`, which carries no derivative.
                if !matches!(
                    b.op,
                    Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_) | And(_) | Or(_)
                ) {
                    syn::visit::visit_expr_binary(self, b);
                }
            }
            fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                if let Some(ident) = p.path.get_ident()
                    && let Some(v) = self.lower.lookup(&ident.to_string())
                {
                    self.found |= self.lower.kind(v).differentiable();
                }
            }
        }
        let mut finder = Finder {
            lower: self,
            found: false,
        };
        finder.visit_expr(expr);
        finder.found
    }

    /// An expression as an operand: variables and constants as they are, anything else
    /// computed into a new temporary first.
    pub(super) fn lower_operand(&mut self, expr: &Expr, out: &mut Vec<Stmt>) -> Operand {
        match strip(expr) {
            Expr::If(ifx) => {
                let var = self.temp_var(Kind::Float, ifx.span());
                self.deferred.insert(var);
                out.push(Stmt::Declare { var });
                if exits(ifx) {
                    self.errors.spanned(
                        ifx,
                        "#[differentiate] does not support `return`, `break` or `continue` inside an `if` used within an expression; assign the `if` to a variable first",
                    );
                }
                self.lower_if(ifx, Sink::Var(var), out, &[]);
                Operand::Var(var)
            }
            Expr::Block(b) if b.label.is_some() => {
                self.errors.spanned(
                    &b.label,
                    "#[differentiate] does not support labeled blocks; use `if` / `else`",
                );
                Operand::Konst(self.dummy())
            }
            Expr::Block(b) => {
                let var = self.temp_var(Kind::Float, first_span(strip(expr)));
                self.deferred.insert(var);
                out.push(Stmt::Declare { var });
                self.lower_block_expr(&b.block, Sink::Var(var), out);
                Operand::Var(var)
            }
            _ => {
                let op = self.lower_op(expr, out);
                self.materialize(op, first_span(expr), out)
            }
        }
    }

    /// An operation's result as an operand, through a temporary unless it is one already.
    pub(super) fn materialize(&mut self, op: Op, span: Span, out: &mut Vec<Stmt>) -> Operand {
        match op {
            // An array's element is read into a float first: an operation on it is a
            // float operation, not an array one.
            Op::Copy(Operand::Elem(v, _)) if self.kind(v) == Kind::Tensor => {
                let var = self.temp_var(Kind::Float, span);
                out.push(Stmt::Let { var, op, span });
                Operand::Var(var)
            }
            Op::Copy(operand) => operand,
            Op::Konst(k) => Operand::Konst(k),
            op => {
                let var = self.temp_var(self.op_kind(&op), span);
                let op = self.finish_call(op, var);
                out.push(Stmt::Let { var, op, span });
                Operand::Var(var)
            }
        }
    }

    /// The value of an assignment that overwrites a variable (or an element) goes through
    /// a temporary when it is a call (each call gets its own pullback) or when its rule reads
    /// its result (the reverse and tangent rules then read a value nothing overwrites).
    pub(super) fn overwrite(&mut self, op: Op, span: Span, out: &mut Vec<Stmt>) -> Op {
        if matches!(op, Op::Call(_)) || crate::rules::reads_output(&op) {
            Op::Copy(self.materialize(op, span, out))
        } else {
            op
        }
    }

    /// A call assigned into an existing variable goes through a temporary, so each call
    /// gets its own pullback.
    pub(super) fn materialize_call(&mut self, op: Op, span: Span, out: &mut Vec<Stmt>) -> Op {
        match op {
            Op::Call(_) => Op::Copy(self.materialize(op, span, out)),
            op => op,
        }
    }

    /// `v[i] = f(v[j])`: `v[j]` is read into a temporary first, so the reverse never has to
    /// consider `i == j` (the element `v[i]` itself may be read: `v[i] *= 2.0`).
    pub(super) fn detach_elems(
        &mut self,
        op: Op,
        var: VarId,
        index: &Index,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Op {
        let same = |i: &Index| i.text() == index.text();
        let mut detach = |o: Operand, cx: &mut Self| match o {
            Operand::Elem(v, i) if v == var && !same(&i) => {
                let t = cx.temp_var(Kind::Float, span);
                out.push(Stmt::Let {
                    var: t,
                    op: Op::Copy(Operand::Elem(v, i)),
                    span,
                });
                Operand::Var(t)
            }
            o => o,
        };
        match op {
            Op::Copy(a) => Op::Copy(detach(a, self)),
            Op::Neg(a) => Op::Neg(detach(a, self)),
            Op::Cast(a, t) => Op::Cast(detach(a, self), t),
            Op::Bin(b, x, y) => {
                let x = detach(x, self);
                Op::Bin(b, x, detach(y, self))
            }
            Op::Math(m, a, rest) => {
                let a = detach(a, self);
                Op::Math(m, a, rest.into_iter().map(|o| detach(o, self)).collect())
            }
            other => other,
        }
    }

    pub(super) fn operand_of(&mut self, var: VarId) -> Operand {
        if self.is_row(var) {
            let span = self.vars[var].ident.span();
            return self.row_used_whole(var, span);
        }
        match self.kind(var) {
            Kind::Float | Kind::Seq | Kind::Tensor | Kind::Struct => Operand::Var(var),
            _ => Operand::Konst(self.konst_var(var)),
        }
    }

    /// The outermost operation of an expression; its operands are lowered into `out`.
    pub(super) fn lower_op(&mut self, expr: &Expr, out: &mut Vec<Stmt>) -> Op {
        match expr {
            Expr::Paren(p) => self.lower_op(&p.expr, out),
            Expr::Group(g) => self.lower_op(&g.expr, out),
            Expr::Lit(_) => Op::Konst(self.konst(expr)),
            Expr::Path(_) | Expr::Field(_) => self.lower_name(expr, out),
            Expr::Binary(b) => self.lower_binary(b, expr, out),
            Expr::Unary(u) => match u.op {
                syn::UnOp::Neg(_) => match self.lower_operand(&u.expr, out) {
                    Operand::Konst(_) => Op::Konst(self.konst(expr)),
                    a => Op::Neg(a),
                },
                syn::UnOp::Deref(_) => match self.lower_operand(&u.expr, out) {
                    Operand::Konst(_) => Op::Konst(self.konst(expr)),
                    a => Op::Copy(a),
                },
                _ => Op::Konst(self.konst(expr)),
            },
            Expr::Index(ix) => self.lower_index(expr, ix),
            Expr::MethodCall(m) => self.lower_method_chain(m, expr, out),
            Expr::Call(c) => self.lower_call(c, out),
            Expr::Cast(c) => self.lower_cast(c, expr, out),
            Expr::Array(_) | Expr::Tuple(_) | Expr::Repeat(_) => self.lower_list(expr, out),
            Expr::Macro(m) => self.lower_macro(m, out),
            Expr::If(_) | Expr::Block(_) => Op::Copy(self.lower_operand(expr, out)),
            Expr::Reference(r) if r.mutability.is_none() && self.is_sub_slice(&r.expr) => {
                self.lower_sub_slice(&r.expr)
            }
            Expr::Reference(r) => match self.local_of(&r.expr) {
                Some(v) if self.kind(v) == Kind::Seq => Op::Copy(self.operand_of(v)),
                // `&h * &h` on arrays: a shared reference is its value.
                _ if r.mutability.is_none() => match self.lower_op(&r.expr, out) {
                    Op::Konst(_) => Op::Konst(self.konst(expr)),
                    op => op,
                },
                _ => Op::Konst(self.konst(expr)),
            },
            _ => self.lower_other(expr),
        }
    }

    /// A name or a field: a variable, a constant, or a field of a struct in a sequence.
    fn lower_name(&mut self, expr: &Expr, out: &mut Vec<Stmt>) -> Op {
        match self.local_of(expr) {
            Some(v) if self.is_row(v) => Op::Copy(self.row_used_whole(v, expr.span())),
            Some(v) => match self.operand_of(v) {
                Operand::Konst(k) => Op::Konst(k),
                operand => Op::Copy(operand),
            },
            // `layer.b`, `layers[l].b`: a float field of a struct in a sequence, checked
            // to be a float where the user wrote it.
            None if self.element_field(expr) => match self.struct_element(expr) {
                Some((v, index)) => {
                    let (private, span) = (self.private(), expr.span());
                    let check: Expr =
                        syn::parse_quote_spanned!(span=> #private::float_field(#expr));
                    self.check_at(&check, span, out);
                    Op::Copy(Operand::Elem(v, index))
                }
                None => {
                    self.errors.spanned(expr, ELEMENT_FIELDS);
                    Op::Konst(self.dummy())
                }
            },
            None => Op::Konst(self.konst(expr)),
        }
    }

    /// A binary operation: arithmetic, the remainder, or a comparison (a constant).
    fn lower_binary(&mut self, b: &syn::ExprBinary, expr: &Expr, out: &mut Vec<Stmt>) -> Op {
        match arith(&b.op) {
            Some(op) => {
                let a = self.lower_operand(&b.left, out);
                let c = self.lower_operand(&b.right, out);
                fold_konst(self, op, a, c)
            }
            None if compound(&b.op).is_some() || is_compound_other(&b.op) => {
                self.errors.spanned(
                    b,
                    "#[differentiate] supports assignments only as statements",
                );
                Op::Konst(self.dummy())
            }
            None if matches!(b.op, syn::BinOp::Rem(_)) => {
                let a = self.lower_operand(&b.left, out);
                let c = self.lower_operand(&b.right, out);
                if matches!((&a, &c), (Operand::Konst(_), Operand::Konst(_))) {
                    Op::Konst(self.konst(expr))
                } else {
                    Op::Math(Math::Rem, a, vec![c])
                }
            }
            // Comparisons and logic: evaluated, never differentiated.
            None => Op::Konst(self.konst(expr)),
        }
    }

    /// A method call: an iterator chain's terminal as the loop it means, or a method of a
    /// float, an array or a struct.
    fn lower_method_chain(
        &mut self,
        m: &syn::ExprMethodCall,
        expr: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Op {
        match iterators::terminal(self, m) {
            // `x.iter().zip(&y).map(|(a, b)| a * b).sum()`: the loop it means.
            Some(block) => Op::Copy(self.lower_operand(&block, out)),
            None => match iterators::unsupported_adaptor(m) {
                // `x.iter().skip(1).sum()`: one error, at the adaptor.
                Some(adaptor) if self.reads_derivative(expr) => {
                    self.errors.spanned(
                    &adaptor.method,
                    format!(
                        "#[differentiate] does not support `.{}(..)` in an iterator chain; supported: {}",
                        adaptor.method,
                        iterators::CHAINS
                    ),
                );
                    Op::Konst(self.dummy())
                }
                // `x.windows(2).map(..).collect()`: one error, at the end.
                _ => match iterators::unsupported_stretch_end(m) {
                    Some(end) if self.reads_derivative(expr) => {
                        self.errors.spanned(
                        end,
                        format!(
                            "#[differentiate] does not support `.{end}(..)` at the end of a chain over windows or chunks; supported: {}",
                            iterators::CHAINS
                        ),
                    );
                        Op::Konst(self.dummy())
                    }
                    _ => self.lower_method(m, out),
                },
            },
        }
    }

    /// `e as T`: a float cast carries the derivative; a cast to an integer is a step
    /// function (derivative zero). `layers[l].inputs as f64`: an integer field of a struct in
    /// a sequence, a constant (checked not to be a float).
    fn lower_cast(&mut self, c: &syn::ExprCast, expr: &Expr, out: &mut Vec<Stmt>) -> Op {
        if self.element_field(&c.expr) {
            let (private, field) = (self.private(), &c.expr);
            let check: Expr =
                syn::parse_quote_spanned!(field.span()=> #private::cast_field(&#field));
            self.check_at(&check, field.span(), out);
            return Op::Konst(self.konst(expr));
        }
        let a = self.lower_operand(&c.expr, out);
        match (&a, classify(&c.ty)) {
            (Operand::Konst(_), _) => Op::Konst(self.konst(expr)),
            (Operand::Var(v), _) if self.kind(*v) == Kind::Tensor => {
                self.errors
                    .spanned(c, "#[differentiate] does not support casting an array");
                Op::Konst(self.dummy())
            }
            (_, TypeClass::Float) => Op::Cast(a, (*c.ty).clone()),
            _ => Op::Konst(self.konst(expr)),
        }
    }

    /// Any other expression: a constant, or an error when it reads a value that carries a
    /// derivative.
    fn lower_other(&mut self, expr: &Expr) -> Op {
        match self.konst_checked(expr) {
            // A local whose definition already had an error: one error is enough.
            Some(k) if k.reads.iter().any(|v| self.poisoned.contains(v)) => Op::Konst(self.dummy()),
            Some(_) if self.reads_derivative(expr) => {
                self.errors.spanned(
                    expr,
                    "#[differentiate] does not support this expression on values that carry a derivative; supported: arithmetic, method calls, calls, casts, indexing and `&value`",
                );
                Op::Konst(self.dummy())
            }
            Some(k) => Op::Konst(k),
            None => Op::Konst(self.dummy()),
        }
    }

    /// `x[i]` or `a[[i, j]]`: an element of a sequence or an array, a float.
    fn lower_index(&mut self, expr: &Expr, ix: &syn::ExprIndex) -> Op {
        // `layer.w[j]`: an element of a field of a struct in a sequence.
        if let Some((v, index)) = self.struct_element(expr) {
            return Op::Copy(Operand::Elem(v, index));
        }
        match self.element_of(ix) {
            // An element of an array, `x[i]`, `m[i][j]` or `a[[i, j]]`: a float.
            Some(Ok((v, index))) => Op::Copy(Operand::Elem(v, index)),
            Some(Err(())) => Op::Konst(self.dummy()),
            None => {
                let k = self.konst(expr);
                if self.element_field(&ix.expr) {
                    self.errors.spanned(ix, ELEMENT_FIELDS);
                } else if self.reads_derivative(expr) {
                    self.errors.spanned(
                        ix,
                        "#[differentiate] supports indexing a parameter or local array of floats by name (`x[i]`), not nested indexing",
                    );
                }
                Op::Konst(k)
            }
        }
    }

    /// `[a, b]`, the function's tuple result `(a, b)`, `[value; N]`.
    fn lower_list(&mut self, expr: &Expr, out: &mut Vec<Stmt>) -> Op {
        match expr {
            Expr::Array(arr) => {
                let items: Vec<Operand> = arr
                    .elems
                    .iter()
                    .map(|e| self.lower_operand(e, out))
                    .collect();
                if items.iter().all(|o| matches!(o, Operand::Konst(_))) {
                    Op::Konst(self.konst(expr))
                } else {
                    Op::List { items, vec: false }
                }
            }
            // The function's tuple result, `(a, b)`: the array it is computed as.
            Expr::Tuple(t)
                if self.tuple_ret.as_ref().is_some_and(
                    |r| matches!(r, Type::Tuple(rt) if rt.elems.len() == t.elems.len()),
                ) =>
            {
                let items: Vec<Operand> =
                    t.elems.iter().map(|e| self.lower_operand(e, out)).collect();
                if items.iter().all(|o| matches!(o, Operand::Konst(_))) {
                    let elems = &t.elems;
                    Op::Konst(self.konst(&syn::parse_quote!([#elems])))
                } else {
                    Op::List { items, vec: false }
                }
            }
            Expr::Repeat(r) => {
                let k = self.konst(expr);
                if k.reads.iter().any(|&v| self.kind(v) == Kind::Float) {
                    self.errors.spanned(
                        &r.expr,
                        "#[differentiate] supports `[value; N]` only with a constant value; write the elements in a loop",
                    );
                }
                Op::Konst(k)
            }
            _ => self.lower_other(expr),
        }
    }

    pub(super) fn lower_method(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Op {
        // `concatenate(Axis(0), &[a.view(), b.view()]).unwrap()`, `stack(..)`: joins.
        if let Some(joined) = self.join_of(m) {
            return self.lower_op(&joined, out);
        }
        // An array's `a.map(|v| ..)`: elementwise, as `mapv`.
        if m.method == "map" && m.args.len() == 1 {
            let array = self
                .local_of(&m.receiver)
                .is_some_and(|v| self.kind(v) == Kind::Tensor);
            if let Some(mapped) = array
                .then(|| closures::elementwise(&m.receiver, &m.args[0]))
                .flatten()
            {
                return self.lower_op(&mapped, out);
            }
        }
        let name = m.method.to_string();
        // `(0..n).map(|k| k * k).sum::<usize>()`: closures over values that carry no
        // derivative, a constant evaluated as written.
        let whole = Expr::MethodCall(m.clone());
        if has_closure(&whole) && !self.reads_derivative(&whole) {
            return Op::Konst(self.konst(&whole));
        }
        // `let k = x.iter().position(|&v| v > t).unwrap_or(0);`, `.filter(..).count()`, `.any(..)`:
        // a test of values (an index, a count, a `bool`), in which no derivative flows.
        if is_test_chain(m) {
            return Op::Konst(self.konst(&whole));
        }
        // `(0..n).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap()`: an index, which the
        // comparison of values only picks.
        if picks_index(m) {
            return Op::Konst(self.konst(&whole));
        }
        // `x.first().unwrap()`, `x.last().expect("..")` of a sequence (or a row): the element
        // `x[0]`, `x[x.len() - 1]` (an empty one panics either way).
        if let Some(element) = (name == "unwrap" || name == "expect")
            .then(|| self.first_or_last(&m.receiver))
            .flatten()
        {
            return self.lower_op(&element, out);
        }
        // `x.mean().unwrap()`: ndarray's means are options (empty arrays have none).
        if let Some(op) = self.lower_unwrapped_reduction(m, &name, out) {
            return op;
        }
        // `m[i].to_vec()`, `row.clone()`: a copy of a row of a nested sequence.
        if matches!(name.as_str(), "to_vec" | "clone" | "to_owned")
            && m.args.is_empty()
            && let Some((v, prefix)) = self.part_arg(&m.receiver, true)
        {
            let (zero, receiver) = (self.konst(&syn::parse_quote!(0)), &m.receiver);
            let end = self.konst(&syn::parse_quote!(#receiver.len()));
            return self.part_copy(v, prefix.0, zero, end, m.span());
        }
        // `layer.forward(&h)` in `for layer in layers`, `layers[l].forward(&h)`: a method of
        // a struct in a sequence (any method but a sequence's own).
        if !SEQUENCE_METHODS.contains(&name.as_str())
            && let Some((v, index)) = self.part_arg(&m.receiver, true)
        {
            return self.lower_struct_method(m, Operand::Elem(v, index), out);
        }
        let receiver_var = self.local_of(&m.receiver);
        // Sequences: their length is a constant; a copy is a copy.
        if let Some(v) = receiver_var.filter(|&v| self.kind(v) == Kind::Seq) {
            return match name.as_str() {
                "len" if m.args.is_empty() => Op::Konst(self.konst(&Expr::MethodCall(m.clone()))),
                "to_vec" | "clone" | "to_owned" if m.args.is_empty() => {
                    Op::Copy(self.operand_of(v))
                }
                _ => {
                    self.errors.spanned(
                        &m.method,
                        format!("#[differentiate] does not support `.{name}()` on a sequence of floats; supported: `.len()`, `.to_vec()`, `.clone()`, indexing `x[i]`, loops over `x.iter()`, `x.windows(k)`, `x.chunks(k)`, and {}", iterators::CHAINS),
                    );
                    Op::Konst(self.dummy())
                }
            };
        }
        if INSPECT_METHODS.contains(&name.as_str()) || STEP_METHODS.contains(&name.as_str()) {
            return Op::Konst(self.konst(&Expr::MethodCall(m.clone())));
        }
        let receiver = self.lower_operand(&m.receiver, out);
        match receiver.var().map(|v| self.kind(v)) {
            Some(Kind::Tensor) => return self.lower_tensor_method(m, &name, receiver, out),
            // A copy of a struct (its gradient flows back whole), or its method.
            Some(Kind::Struct) if matches!(name.as_str(), "clone" | "to_owned") => {
                return Op::Copy(receiver);
            }
            Some(Kind::Struct) => return self.lower_struct_method(m, receiver, out),
            _ => {}
        }
        self.lower_float_method(m, &name, receiver, out)
    }

    /// `x.mean().unwrap()`, `x.mean().expect(..)`: an array's reduction whose value is an
    /// option (an empty array has none).
    fn lower_unwrapped_reduction(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        out: &mut Vec<Stmt>,
    ) -> Option<Op> {
        if (name == "unwrap" || name == "expect")
            && m.args.len() <= 1
            && let Expr::MethodCall(inner) = strip(&m.receiver)
        {
            let inner_name = inner.method.to_string();
            let optional = Reduction::METHODS
                .iter()
                .any(|&(n, _, unwrap)| unwrap && n == inner_name);
            if optional {
                // Only arrays have these among the types the macro accepts.
                let receiver = self.lower_operand(&inner.receiver, out);
                if receiver.var().is_some_and(|v| self.kind(v) == Kind::Tensor) {
                    let args = inner.args.iter().map(|a| self.konst(a)).collect();
                    if let Some(r) = Reduction::from_method(&inner_name, true, args) {
                        return Some(Op::Reduce(r, receiver));
                    }
                }
                self.errors.spanned(
                    &inner.method,
                    format!(
                        "#[differentiate] supports {} on ndarray arrays only",
                        Reduction::usage_of(&inner_name).unwrap_or_default()
                    ),
                );
                return Some(Op::Konst(self.dummy()));
            }
        }
        None
    }

    /// A float's method (`x.sin()`, `a.powf(b)`), from the operations table.
    fn lower_float_method(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        receiver: Operand,
        out: &mut Vec<Stmt>,
    ) -> Op {
        let args: Vec<Operand> = m.args.iter().map(|a| self.lower_operand(a, out)).collect();
        let constant = matches!(receiver, Operand::Konst(_))
            && args.iter().all(|a| matches!(a, Operand::Konst(_)));
        if constant {
            return Op::Konst(self.konst(&Expr::MethodCall(m.clone())));
        }
        let Some(&MathEntry {
            op: math, arity, ..
        }) = Math::from_name(name)
        else {
            self.errors.spanned(
                &m.method,
                format!("#[differentiate] does not know the derivative of `.{name}()`; supported float methods: {} (and, with zero derivative, {}); for another function, declare a gate with `backprop::gate!`", Math::names(|_| true), STEP_METHODS.join(", ")),
            );
            return Op::Konst(self.dummy());
        };
        if args.len() != arity {
            self.errors
                .spanned(&m.method, format!("`.{name}()` takes {arity} argument(s)"));
            return Op::Konst(self.dummy());
        }
        if let Some(t) = &m.turbofish {
            self.errors.spanned(t, "unexpected generic arguments");
        }
        Op::Math(math, receiver, args)
    }

    /// A method of an array: `dot`, reductions, transposition, elementwise math.
    pub(super) fn lower_tensor_method(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        receiver: Operand,
        out: &mut Vec<Stmt>,
    ) -> Op {
        let arg = |cx: &mut Self, out: &mut Vec<Stmt>, i: usize| -> Operand {
            let a = &m.args[i];
            let inner = match strip(a) {
                Expr::Reference(r) => &*r.expr,
                other => other,
            };
            cx.lower_operand(inner, out)
        };
        match (name, m.args.len()) {
            ("dot", 1) => {
                let rhs = arg(self, out, 0);
                Op::Dot(receiver, rhs)
            }
            // The standard deviation is the square root of the variance: its rules follow.
            ("std_axis", 2) => {
                let args = m.args.iter().map(|a| self.konst(a)).collect();
                let var = Reduction::from_method("var_axis", false, args).expect("two arguments");
                let var = self.materialize(Op::Reduce(var, receiver), m.method.span(), out);
                Op::Math(Math::Sqrt, var, Vec::new())
            }
            (name, n) if Reduction::METHODS.contains(&(name, n, false)) => {
                let args = m.args.iter().map(|a| self.konst(a)).collect();
                match Reduction::from_method(name, false, args) {
                    Some(r) => Op::Reduce(r, receiver),
                    None => Op::Konst(self.dummy()),
                }
            }
            // A view, an owned copy: the same value.
            ("to_owned" | "clone" | "view", 0) => Op::Copy(receiver),
            (name, _) if SHAPE_METHODS.contains(&name) => {
                Op::Konst(self.konst(&Expr::MethodCall(m.clone())))
            }
            (name, _) if Math::from_name(name).is_some_and(|e| e.on_arrays) => {
                let Some(&MathEntry {
                    op: math, arity, ..
                }) = Math::from_name(name)
                else {
                    return Op::Konst(self.dummy());
                };
                let args: Vec<Operand> = (0..m.args.len()).map(|i| arg(self, out, i)).collect();
                if args.len() != arity || args.iter().any(|a| !matches!(a, Operand::Konst(_))) {
                    self.errors.spanned(
                        &m.method,
                        format!("`.{name}()` takes {arity} constant argument(s)"),
                    );
                    return Op::Konst(self.dummy());
                }
                Op::Math(math, receiver, args)
            }
            (name, _) => {
                self.errors.spanned(
                    &m.method,
                    format!("#[differentiate] does not support `.{name}()` on an array; supported: `.dot(&w)`, {}, `.view()`, `.to_owned()`, `.clone()`, `.mapv(|v| ..)`, `.map(|v| ..)`, elementwise {}, and the gates `sigmoid`, `relu`, `maximum`, `minimum`, `softmax`, `log_softmax`, `softmax_cross_entropy`", Reduction::usage(), Math::names(|e| e.on_arrays)),
                );
                Op::Konst(self.dummy())
            }
        }
    }
}

const ELEMENT_FIELDS: &str = "#[differentiate] reads the fields of a struct in a sequence by name and index (`layer.w[j]`, `layers[i].b`, `&layer.w` passed to a function), not through ranges; or give the struct a differentiated method that reads them (`layer.forward(..)`)";

impl Lower<'_> {
    /// A check of the user's types (`float_field(layer.b)`), evaluated where it stands, with
    /// its errors at `span` (also where the renaming put the names' own spans).
    fn check_at(&mut self, check: &Expr, span: Span, out: &mut Vec<Stmt>) {
        let mut check = self.konst(check);
        let tokens = crate::expand::respan(check.expr.to_token_stream(), span);
        check.expr = syn::parse2(tokens).expect("an expression");
        out.push(Stmt::Eval(check));
    }

    /// `layer.w`, `layers[i].b`: a field of an element of a sequence (of structs), or of a
    /// name bound to one (`for layer in layers`).
    fn element_field(&self, e: &Expr) -> bool {
        let Expr::Field(f) = strip(e) else {
            return false;
        };
        let mut base = strip(&f.base);
        while let Expr::Field(inner) = base {
            base = strip(&inner.base);
        }
        match base {
            Expr::Index(ix) => {
                let (root, _) = nested::index_chain(ix);
                self.local_of(root)
                    .is_some_and(|v| self.kind(v) == Kind::Seq)
            }
            _ => self.local_of(base).is_some_and(|v| self.is_row(v)),
        }
    }
}

/// The methods of sequences (and their rows) the macro knows; another method of a row is a
/// method of the struct it is, in a sequence of structs.
const SEQUENCE_METHODS: &[&str] = &[
    "len",
    "iter",
    "into_iter",
    "to_vec",
    "clone",
    "to_owned",
    "windows",
    "chunks",
    "chunks_exact",
    "first",
    "last",
    "is_empty",
    "contains",
];

impl Lower<'_> {
    /// `x.first()` or `x.last()` of a sequence of floats (or a row of a nested one): the
    /// element it is, as an index expression.
    fn first_or_last(&self, e: &Expr) -> Option<Expr> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        let seq = &m.receiver;
        let flat = match self.local_of(seq) {
            Some(v) if self.kind(v) == Kind::Seq => {
                let (base, prefix) = self.seq_place(v);
                prefix.len() + 1 == self.depth(base)
            }
            _ => self
                .indexed_row(seq)
                .is_some_and(|(base, indices)| indices + 1 == self.depth(base)),
        };
        if !flat || !m.args.is_empty() {
            return None;
        }
        match m.method.to_string().as_str() {
            "first" => Some(syn::parse_quote_spanned!(m.span()=> #seq[0])),
            "last" => Some(syn::parse_quote_spanned!(m.span()=> #seq[#seq.len() - 1])),
            _ => None,
        }
    }
}

/// Whether a closure appears anywhere in the expression.
fn has_closure(e: &Expr) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    f.visit_expr(e);
    f.0
}

/// A test over an iterator (`.any(..)`, `.all(..)`, `.position(..)`, `.rposition(..)`,
/// `.count()`), or an `Option`'s unwrapping or test of one (`.unwrap_or(0)`, `.is_some()`).
fn is_test_chain(m: &syn::ExprMethodCall) -> bool {
    let name = m.method.to_string();
    if super::constants::TESTS.contains(&name.as_str()) {
        return true;
    }
    const UNWRAPS: &[&str] = &[
        "unwrap",
        "expect",
        "unwrap_or",
        "unwrap_or_default",
        "is_some",
        "is_none",
    ];
    UNWRAPS.contains(&name.as_str())
        && matches!(strip(&m.receiver), Expr::MethodCall(inner) if is_test_chain(inner))
}

/// An index picked by comparing values: `(a..b).min_by(cmp)` (or `max_by`, also after
/// `.rev()`) and `chain.enumerate().min_by(cmp).map(|(i, _)| i)`, unwrapped (`.unwrap()`,
/// `.expect(..)`, `.unwrap_or(..)`). An integer, a constant: the comparison decides only
/// which one.
pub(super) fn picks_index(m: &syn::ExprMethodCall) -> bool {
    const UNWRAPS: &[&str] = &["unwrap", "expect", "unwrap_or"];
    if !UNWRAPS.iter().any(|u| m.method == u) {
        return false;
    }
    let is_pick = |e: &Expr| -> Option<syn::ExprMethodCall> {
        match strip(e) {
            Expr::MethodCall(p) if p.method == "min_by" || p.method == "max_by" => Some(p.clone()),
            _ => None,
        }
    };
    // `(a..b).min_by(..)`, `(a..b).rev().max_by(..)`.
    if let Some(pick) = is_pick(&m.receiver) {
        let mut e = strip(&pick.receiver);
        if let Expr::MethodCall(r) = e
            && r.method == "rev"
        {
            e = strip(&r.receiver);
        }
        return matches!(e, Expr::Range(_));
    }
    // `chain.enumerate().min_by(..).map(|(i, _)| i)`.
    let Expr::MethodCall(map) = strip(&m.receiver) else {
        return false;
    };
    let Some(pick) = is_pick(&map.receiver).filter(|_| map.method == "map") else {
        return false;
    };
    let Some(Expr::Closure(c)) = map.args.first().map(strip) else {
        return false;
    };
    let index = match c.inputs.iter().collect::<Vec<_>>()[..] {
        [Pat::Tuple(t)] => match t.elems.first() {
            Some(Pat::Ident(i)) => i.ident.clone(),
            _ => return false,
        },
        _ => return false,
    };
    let returns_index = matches!(strip(&c.body), Expr::Path(p) if p.path.is_ident(&index));
    returns_index && enumerated(&pick.receiver)
}

/// Whether an iterator chain ends in `.enumerate()`: its items are `(index, value)`.
pub(super) fn enumerated(e: &Expr) -> bool {
    matches!(strip(e), Expr::MethodCall(m) if m.method == "enumerate")
}
