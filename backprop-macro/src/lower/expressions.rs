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
                // An integer or a `bool`, whatever its closure reads.
                if super::constants::gives_a_decision(m) {
                    return;
                }
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
            fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
                // `m.rate` marked `#[differentiable(constant)]`.
                if !self.lower.constant_member(f) {
                    syn::visit::visit_expr_field(self, f);
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
                    "#[differentiate] supports a labeled block (`'b: { .. break 'b v; .. }`) where nothing inside it leaves an enclosing loop by `break` or `continue` without a label; label that loop (`'outer: for ..`, `continue 'outer`), or use `if` / `else`",
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
                if self.kind(var) == Kind::Tensor {
                    self.vars[var].ty = self.inferred_array(&op);
                }
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
                // `let r = &mut q;` of a sequence: what is written through `r` is written to
                // `q`, which a copy would not be.
                Some(v) if self.kind(v) == Kind::Seq && r.mutability.is_some() => {
                    self.errors.spanned(r, super::constants::HIDDEN_CHANGE);
                    Op::Konst(self.dummy())
                }
                Some(v) if self.kind(v) == Kind::Seq => Op::Copy(self.operand_of(v)),
                // `let row = &mut m[k];` not read as `m[k]` (`borrows.rs`): likewise.
                None if r.mutability.is_some() && self.borrows_a_row(&r.expr) => {
                    self.errors.spanned(r, super::constants::HIDDEN_CHANGE);
                    Op::Konst(self.dummy())
                }
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

    /// Whether `place` is an element or a row of a local sequence (`m[k]`, `m[k][j]`).
    fn borrows_a_row(&mut self, place: &Expr) -> bool {
        let mut root = strip(place);
        while let Expr::Index(i) = root {
            root = strip(&i.expr);
        }
        !std::ptr::eq(root, strip(place))
            && self
                .local_of(root)
                .is_some_and(|v| self.kind(v) == Kind::Seq)
    }

    /// A name or a field: a variable, a constant, or a field of a struct in a sequence.
    fn lower_name(&mut self, expr: &Expr, out: &mut Vec<Stmt>) -> Op {
        // `(p - q).x`, `(a * b, a + b).0`: an element of a value written in place (an
        // inlined operator's or function's result) is the expression written for it.
        if let Expr::Field(f) = strip(expr) {
            match literal_element(&f.base, &f.member) {
                Some(Ok(element)) => return self.lower_op(&element, out),
                Some(Err(())) => {
                    self.errors.spanned(expr, IN_PLACE_FIELD);
                    return Op::Konst(self.dummy());
                }
                None => {}
            }
        }
        match self.local_of(expr) {
            Some(v) if self.is_row(v) => match self.row_written_out(v) {
                Some(items) => Op::List { items, vec: false },
                None => Op::Copy(self.row_used_whole(v, expr.span())),
            },
            Some(v) => match self.operand_of(v) {
                Operand::Konst(k) => Op::Konst(k),
                operand => Op::Copy(operand),
            },
            // `u.rate`, `m.units[j].rate`: a field without a gradient of a struct in a
            // sequence reads no derivative.
            None if self.constant_field(expr) => Op::Konst(self.konst(expr)),
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
            // A field of any other value computed in place would read as a constant and
            // lose the derivative it carries.
            None if matches!(strip(expr), Expr::Field(f) if !rooted_in_name(&f.base))
                && self.reads_derivative(expr) =>
            {
                self.errors.spanned(expr, IN_PLACE_FIELD);
                Op::Konst(self.dummy())
            }
            // `p.0` of a float (`let p = P(a, b);`, a tuple struct's constructor read as a
            // call): a float has no elements, and read as a constant it would lose its
            // derivative.
            None if self.element_of_a_number(expr) => {
                self.errors.spanned(expr, ELEMENT_OF_A_NUMBER);
                Op::Konst(self.dummy())
            }
            // `c.x` of `let c = a.clone();` (`a` a struct parameter): its fields are read
            // through the parameter's name only; as a constant it would lose its derivative.
            None if self.field_of_a_struct_copy(expr) => {
                self.errors.spanned(expr, super::locals::STRUCT_ALIAS);
                Op::Konst(self.dummy())
            }
            None => Op::Konst(self.konst(expr)),
        }
    }

    /// Whether `e` is a field of a local that holds a float or a sequence of floats carrying
    /// a derivative, which the macro does not know as a tuple or a struct.
    fn element_of_a_number(&self, e: &Expr) -> bool {
        let Expr::Field(f) = strip(e) else {
            return false;
        };
        let Expr::Path(p) = strip(&f.base) else {
            return false;
        };
        p.path
            .get_ident()
            .and_then(|i| self.lookup(&i.to_string()))
            .is_some_and(|v| {
                matches!(self.kind(v), Kind::Float | Kind::Seq) && self.carried.contains(&v)
            })
    }

    /// Whether `e` is a field of a local (not a parameter) holding a struct with a gradient.
    fn field_of_a_struct_copy(&self, e: &Expr) -> bool {
        let Some(Expr::Path(p)) = field_chain_root(e) else {
            return false;
        };
        p.path
            .get_ident()
            .and_then(|i| self.lookup(&i.to_string()))
            .is_some_and(|v| self.kind(v) == Kind::Struct && self.vars[v].param.is_none())
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
        // `v.pop().unwrap()` of a local sequence of floats: its last element, taken.
        if let Some(v) = self.taken_pop(m) {
            return Op::Copy(self.lower_pop(v, m, out));
        }
        if let Some(taken) = self.defaulted_pop(m).or_else(|| self.removed_element(m)) {
            return self.lower_op(&taken, out);
        }
        // `x.iter().map(|&v| (v * k) as i64).sum::<i64>()`: integers, a constant.
        if super::methods::integer_reduction(m) {
            return Op::Konst(self.konst(expr));
        }
        // `a.rows().into_iter().map(|r| ..).sum()`: the walk over the rows' indices.
        if let Some(walk) = self.array_lanes(expr) {
            return self.lower_op(&walk, out);
        }
        // `x[1..].iter().map(..).sum()`: the walk over `x` it means, after the bounds check
        // the slice makes.
        let ends = [
            "sum",
            "product",
            "fold",
            "collect",
            "unwrap",
            "expect",
            "unwrap_or",
        ];
        if ends.iter().any(|e| m.method == e)
            && let Some((check, walk)) = self.slice_walk(expr)
        {
            return self.lower_op(&syn::parse_quote!({ #check #walk }), out);
        }
        match iterators::terminal(self, m) {
            // `x.iter().zip(&y).map(|(a, b)| a * b).sum()`: the loop it means.
            Some(block) => Op::Copy(self.lower_operand(&block, out)),
            None => match iterators::unsupported_adaptor(m) {
                // `x.iter().skip(1).sum()`: one error, at the adaptor.
                Some(refused) if self.reads_derivative(expr) => {
                    self.errors.spanned(refused.method(), refused.message());
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
                let message = match strip(expr) {
                    Expr::Tuple(_) | Expr::Struct(_) => super::aggregates::HELD,
                    _ => {
                        "#[differentiate] does not support this expression on values that carry a derivative; supported: arithmetic, method calls, calls, casts, indexing and `&value`"
                    }
                };
                self.errors.spanned(expr, message);
                Op::Konst(self.dummy())
            }
            Some(k) => Op::Konst(k),
            None => Op::Konst(self.dummy()),
        }
    }

    /// `x[i]` or `a[[i, j]]`: an element of a sequence or an array, a float.
    fn lower_index(&mut self, expr: &Expr, ix: &syn::ExprIndex) -> Op {
        // `m.layers[l].mask[j]` of a field marked constant: a constant.
        if !self.reads_derivative(expr) {
            return Op::Konst(self.konst(expr));
        }
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
                    let items = self.rows_named(items, arr.bracket_token.span.join(), out);
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
}

/// The error for a field of a value computed in place that carries a derivative.
const IN_PLACE_FIELD: &str = "#[differentiate] reads an element of a tuple or struct computed in place (`(p - q).x`, `pair(a, b).0`) where the value is written out there (a tuple or struct literal, an operator, function or closure of this file returning one) and its other elements are plain expressions; bind this value to a name first (`let d = p - q;`, then `d.x`)";

/// The error for an element of a value the macro holds as a float or a sequence.
const ELEMENT_OF_A_NUMBER: &str = "#[differentiate] reads this value as a float or a sequence of floats, which has no elements: it holds tuples, and the structs and tuple structs declared in the function's module (`let p = V2 { x: a, y: b };`, `let c = Cx(a, b);`), one local per element, and a struct of another module or a call's result of another type it does not; declare the struct beside the function, or bind its elements to names";

/// The element `member` of `base` where `base` is a tuple or struct written out (`(a, b)`,
/// `V2 { x: a, y: b }`, an inlined operator's result): `Ok` with its expression when every
/// other element is a plain expression (dropping it changes nothing), `Err` otherwise;
/// `None` when `base` is no such value or has no such element.
fn literal_element(base: &Expr, member: &syn::Member) -> Option<Result<Expr, ()>> {
    let elements: Vec<(syn::Member, &Expr)> = match strip(base) {
        // An inlined closure's or helper's body, `{ let a = ..; (a, a * a) }`: the block
        // with the element for its value.
        Expr::Block(b) if b.label.is_none() => {
            let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() else {
                return None;
            };
            return literal_element(tail, member).map(|element| {
                let mut block = b.clone();
                block.block.stmts.pop();
                block.block.stmts.push(syn::Stmt::Expr(element?, None));
                Ok(Expr::Block(block))
            });
        }
        Expr::Tuple(t) => t
            .elems
            .iter()
            .enumerate()
            .map(|(i, e)| (syn::Member::Unnamed(syn::Index::from(i)), e))
            .collect(),
        Expr::Struct(s) if s.rest.is_none() => s
            .fields
            .iter()
            .map(|f| (f.member.clone(), &f.expr))
            .collect(),
        _ => return None,
    };
    let key = super::aggregates::member_key;
    let (_, element) = elements.iter().find(|(m, _)| key(m) == key(member))?;
    let plain = elements
        .iter()
        .all(|(m, e)| key(m) == key(member) || is_plain(e));
    Some(if plain {
        Ok((*element).clone())
    } else {
        Err(())
    })
}

/// An expression written for its value: names, literals, fields, indexing, casts,
/// arithmetic, calls and shared borrows of such (no block, closure, macro or assignment,
/// so nothing the user wrote to happen is dropped with it).
fn is_plain(e: &Expr) -> bool {
    match strip(e) {
        Expr::Path(_) | Expr::Lit(_) => true,
        Expr::Field(f) => is_plain(&f.base),
        Expr::Index(i) => is_plain(&i.expr) && is_plain(&i.index),
        Expr::Cast(c) => is_plain(&c.expr),
        Expr::Unary(u) => is_plain(&u.expr),
        Expr::Binary(b) => is_plain(&b.left) && is_plain(&b.right),
        Expr::MethodCall(m) => is_plain(&m.receiver) && m.args.iter().all(is_plain),
        Expr::Call(c) => c.args.iter().all(is_plain),
        Expr::Reference(r) => r.mutability.is_none() && is_plain(&r.expr),
        Expr::Tuple(t) => t.elems.iter().all(is_plain),
        Expr::Struct(s) => s.rest.is_none() && s.fields.iter().all(|f| is_plain(&f.expr)),
        _ => false,
    }
}

/// A name or a field of one (`p`, `b.pos`): what `local_of` resolves, or a value that
/// carries no derivative.
fn rooted_in_name(e: &Expr) -> bool {
    match strip(e) {
        Expr::Path(_) => true,
        Expr::Field(f) => rooted_in_name(&f.base),
        _ => false,
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

    /// Whether `e` reads a field without a gradient (marked `#[differentiable(constant)]`,
    /// or an integer) of a struct parameter or of an element of a sequence of them
    /// (`m.rate`, `m.layers[l].rate`, `b.r` of `for b in bs`): a constant, with no gradient
    /// to add into.
    pub(super) fn constant_field(&self, e: &Expr) -> bool {
        matches!(strip(e), Expr::Field(f) if self.constant_member(f))
    }

    /// [`Self::constant_field`] of `f`.
    fn constant_member(&self, f: &syn::ExprField) -> bool {
        self.struct_held(&f.base).is_some_and(|on| {
            crate::source::constant_field(&self.fn_name.to_string(), &on, &f.member)
        })
    }

    /// The struct a place holds, where the macro can tell: a struct parameter, an element
    /// or a row of a sequence parameter of structs, and their fields, as this file declares
    /// them.
    pub(super) fn struct_held(&self, e: &Expr) -> Option<String> {
        match strip(e) {
            Expr::Field(f) => {
                let on = self.struct_held(&f.base)?;
                self.field_struct(&on, &f.member)
            }
            Expr::Index(ix) => self.struct_held(&ix.expr),
            Expr::Reference(r) => self.struct_held(&r.expr),
            Expr::Path(_) => {
                let v = self.local_of(e)?;
                let (base, _) = self.seq_place(v);
                self.param_structs.get(&base).cloned()
            }
            _ => None,
        }
    }

    /// The struct the field `member` of the struct `on` is, or holds as a sequence.
    pub(super) fn field_struct(&self, on: &str, member: &syn::Member) -> Option<String> {
        let syn::Member::Named(field) = member else {
            return None;
        };
        let caller = self.fn_name.to_string();
        crate::source::field_type(&caller, on, field).or_else(|| {
            crate::source::field_type_args(&caller, (on, &[]), field, true).map(|(ty, _)| ty)
        })
    }

    /// `layer.w`, `layers[i].b`: a field of an element of a sequence (of structs), or of a
    /// name bound to one (`for layer in layers`).
    fn element_field(&self, e: &Expr) -> bool {
        let Some(base) = field_chain_root(e) else {
            return false;
        };
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

/// What a field chain starts from (`layers[i]` of `layers[i].w`, `m` of `m.hidden.b`), or
/// `None` where `e` is no field.
fn field_chain_root(e: &Expr) -> Option<&Expr> {
    let Expr::Field(f) = strip(e) else {
        return None;
    };
    let mut base = strip(&f.base);
    while let Expr::Field(inner) = base {
        base = strip(&inner.base);
    }
    Some(base)
}
