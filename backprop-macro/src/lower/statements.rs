//! Statements: blocks, `let`, assignments, `if`, `return`, and the frames that carry the
//! rest of a block into the branch that does not leave.

use super::*;

/// A value that carries a derivative written into a local held as a constant.
const CONSTANT_PLACE: &str = "#[differentiate] cannot write a value that carries a derivative here: what is written holds constants for the macro (a struct, or a sequence of structs, without a gradient that it does not follow field by field, because it is passed on, returned or used whole, or changed by a method it does not inline), so the derivative would be lost; make it a value the macro follows: floats, a small `Copy` struct or a sequence of them (made by `vec![..]`, `Vec::new()` and `push`, `.map(|..| S { .. }).collect()`, or copied from a parameter: `init.to_vec()`, `let mut s = st;`) read and written by its elements and fields, changed by methods it inlines";

impl<'e> Lower<'e> {
    pub(super) fn lower_stmts<'s>(
        &mut self,
        stmts: &'s [syn::Stmt],
        sink: Sink,
        out: &mut Vec<Stmt>,
        k: &[Frame<'s>],
    ) -> Flow {
        let last = stmts.len().saturating_sub(1);
        for (i, stmt) in stmts.iter().enumerate() {
            let rest = &stmts[i + 1..];
            match stmt {
                syn::Stmt::Local(local) => {
                    // An initializer that can `return` (or leave the loop): the statements
                    // after the `let` go on inside the paths that fall through it.
                    let exiting = local
                        .init
                        .as_ref()
                        .and_then(|init| match strip(&init.expr) {
                            Expr::If(ifx) if exits(ifx) && init.diverge.is_none() => Some(Ok(ifx)),
                            Expr::Block(b)
                                if b.label.is_none()
                                    && block_exits(&b.block)
                                    && init.diverge.is_none() =>
                            {
                                Some(Err(&b.block))
                            }
                            _ => None,
                        });
                    if let Some(init) = exiting {
                        let Some(var) = self.declare_local(local, out) else {
                            continue;
                        };
                        // The statements after the `let` see the variable; its initializer
                        // sees the names bound before it.
                        let before = self.env.clone();
                        self.bind_local(local, var);
                        let k2 = self.push_frame(k, rest, sink);
                        self.env = before;
                        let flow = match init {
                            Ok(ifx) => self.lower_if(ifx, Sink::Var(var), out, &k2),
                            Err(block) => {
                                self.env.push(Vec::new());
                                let flow = self.lower_stmts(&block.stmts, Sink::Var(var), out, &k2);
                                self.env.pop();
                                flow
                            }
                        };
                        self.bind_local(local, var);
                        return flow;
                    }
                    self.lower_local(local, out);
                }
                syn::Stmt::Item(item) => self.local_item(item),
                syn::Stmt::Macro(m) => self.lower_statement_macro(&m.mac, out),
                syn::Stmt::Expr(expr, semi) => {
                    let tail = semi.is_none() && i == last;
                    // Code from `macro_rules!` arrives in invisible groups.
                    let expr = strip_group(expr);
                    match expr {
                        Expr::Return(r) => return self.lower_return(r, out),
                        Expr::Break(b) => {
                            if let Some(label) = &b.label {
                                self.errors.spanned(
                                    label,
                                    "#[differentiate] does not support labeled `break` yet",
                                );
                            } else if let Some(value) = &b.expr {
                                self.errors.spanned(
                                    value,
                                    "#[differentiate] does not support `break` with a value",
                                );
                            } else if !self.in_loop() {
                                self.errors.spanned(b, "`break` outside of a loop");
                            }
                            out.push(Stmt::Break);
                            return Flow::Exits;
                        }
                        Expr::Continue(c) => {
                            if let Some(label) = &c.label {
                                self.errors.spanned(
                                    label,
                                    "#[differentiate] does not support labeled `continue` yet",
                                );
                            }
                            return Flow::Exits;
                        }
                        Expr::If(ifx) if exits(ifx) => {
                            let k2 = self.push_frame(k, rest, sink);
                            let branch_sink = if tail { sink } else { Sink::Discard };
                            return self.lower_if(ifx, branch_sink, out, &k2);
                        }
                        // `{ ..; return t; }` as a statement: the rest of the block goes on
                        // where its statements fall through, as after an `if`.
                        Expr::Block(b) if b.label.is_none() && block_exits(&b.block) => {
                            let k2 = self.push_frame(k, rest, sink);
                            let block_sink = if tail { sink } else { Sink::Discard };
                            self.env.push(Vec::new());
                            let flow = self.lower_stmts(&b.block.stmts, block_sink, out, &k2);
                            self.env.pop();
                            return flow;
                        }
                        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) if has_return(expr) => {
                            self.lower_loop(expr, out);
                            return self.after_returning_loop(out, &self.push_frame(k, rest, sink));
                        }
                        _ if tail => {
                            if let Flow::Exits = self.lower_tail(expr, sink, out) {
                                return Flow::Exits;
                            }
                        }
                        _ => self.lower_stmt_expr(expr, out),
                    }
                }
            }
        }
        self.fall_through(out, k)
    }

    pub(super) fn push_frame<'s>(
        &self,
        k: &[Frame<'s>],
        rest: &'s [syn::Stmt],
        sink: Sink,
    ) -> Vec<Frame<'s>> {
        let mut k2 = k.to_vec();
        k2.push(Frame {
            rest,
            sink,
            env: self.env.clone(),
        });
        k2
    }

    /// Control reached the end of a block: go on with the rest of the enclosing blocks.
    pub(super) fn fall_through<'s>(&mut self, out: &mut Vec<Stmt>, k: &[Frame<'s>]) -> Flow {
        let Some((frame, below)) = k.split_last() else {
            return Flow::Falls;
        };
        let saved = std::mem::replace(&mut self.env, frame.env.clone());
        // The continuation's own `let`s are scoped to it, inside the current block.
        self.env.push(Vec::new());
        let flow = self.lower_stmts(frame.rest, frame.sink, out, below);
        self.env = saved;
        flow
    }

    /// The block's value, given to its sink.
    pub(super) fn lower_tail(&mut self, expr: &Expr, sink: Sink, out: &mut Vec<Stmt>) -> Flow {
        match sink {
            Sink::Discard => {
                self.lower_stmt_expr(expr, out);
                Flow::Falls
            }
            Sink::Var(var) => {
                match strip(expr) {
                    Expr::If(ifx) => return self.lower_if(ifx, sink, out, &[]),
                    Expr::Block(b) if b.label.is_none() => {
                        return self.lower_block_expr(&b.block, sink, out);
                    }
                    _ => {}
                }
                if self.refuse_option_value(var, expr) {
                    return Flow::Falls;
                }
                let op = self.lower_op(expr, out);
                self.assign_init(var, op, expr.span(), out);
                Flow::Falls
            }
            Sink::Result => {
                if let Some(ret) = &self.ret {
                    let (var, init) = (ret.out, ret.flag.is_none());
                    match strip(expr) {
                        Expr::If(ifx) => return self.lower_if(ifx, Sink::Var(var), out, &[]),
                        Expr::Block(b) if b.label.is_none() => {
                            return self.lower_block_expr(&b.block, Sink::Var(var), out);
                        }
                        _ => {}
                    }
                    let op = self.lower_op(expr, out);
                    if init {
                        self.assign_init(var, op, expr.span(), out);
                    } else {
                        let op = self.overwrite(op, expr.span(), out);
                        out.push(Stmt::Assign {
                            var,
                            op,
                            init: false,
                            span: expr.span(),
                        });
                    }
                    return Flow::Falls;
                }
                let value = match strip(expr) {
                    Expr::If(_) | Expr::Block(_) => {
                        // Named after the function, like a `let` of the user's.
                        let name = self.fn_result_name();
                        let var = self.new_var(&name, expr.span(), Kind::Float, None);
                        self.deferred.insert(var);
                        out.push(Stmt::Declare { var });
                        let flow = match strip(expr) {
                            Expr::If(ifx) => self.lower_if(ifx, Sink::Var(var), out, &[]),
                            Expr::Block(b) => self.lower_block_expr(&b.block, Sink::Var(var), out),
                            _ => Flow::Falls,
                        };
                        self.result = Some(Operand::Var(var));
                        return flow;
                    }
                    _ => {
                        let op = self.lower_op(expr, out);
                        match op {
                            Op::Copy(operand) => operand,
                            Op::Konst(k) => Operand::Konst(k),
                            op => {
                                let name = self.fn_result_name();
                                let var = self.new_var(&name, expr.span(), self.op_kind(&op), None);
                                out.push(Stmt::Let {
                                    var,
                                    op: self.finish_call(op, var),
                                    span: expr.span(),
                                });
                                Operand::Var(var)
                            }
                        }
                    }
                };
                self.result = Some(value);
                Flow::Falls
            }
        }
    }

    pub(super) fn fn_result_name(&mut self) -> String {
        // The enclosing function's name is the nicest name for its value (`f = q * z`).
        self.names.user_var(&self.fn_name_string())
    }

    pub(super) fn fn_name_string(&self) -> String {
        self.fn_name.to_string()
    }

    /// `{ stmts; tail }` used as a value.
    pub(super) fn lower_block_expr(
        &mut self,
        block: &syn::Block,
        sink: Sink,
        out: &mut Vec<Stmt>,
    ) -> Flow {
        self.env.push(Vec::new());
        let flow = self.lower_stmts(&block.stmts, sink, out, &[]);
        self.env.pop();
        flow
    }

    pub(super) fn lower_return(&mut self, r: &syn::ExprReturn, out: &mut Vec<Stmt>) -> Flow {
        let Some(value) = &r.expr else {
            self.errors.spanned(
                r,
                "#[differentiate] needs `return` to give the function's value",
            );
            return Flow::Exits;
        };
        let Some(ret) = &self.ret else {
            // The function's last statement: `return x;` is its tail.
            return self.lower_tail(value, Sink::Result, out);
        };
        let (var, flag) = (ret.out, ret.flag);
        let op = self.lower_op(value, out);
        match flag {
            None => self.assign_init(var, op, r.span(), out),
            Some(flag) => {
                let op = self.overwrite(op, r.span(), out);
                out.push(Stmt::Assign {
                    var,
                    op,
                    init: false,
                    span: r.span(),
                });
                if self.in_loop() {
                    let yes = self.konst_tokens(quote!(true), &[]);
                    out.push(Stmt::Assign {
                        var: flag,
                        op: Op::Konst(yes),
                        init: false,
                        span: r.span(),
                    });
                    out.push(Stmt::Break);
                }
            }
        }
        Flow::Exits
    }

    /// After a loop a `return` can leave: `if returned { leave } else { the rest }`.
    pub(super) fn after_returning_loop<'s>(
        &mut self,
        out: &mut Vec<Stmt>,
        k: &[Frame<'s>],
    ) -> Flow {
        let flag = self
            .ret
            .as_ref()
            .and_then(|r| r.flag)
            .expect("a loop with `return` has a flag");
        let cond = self.konst_var(flag);
        let previous = self.scope;
        let then_scope = self.enter_block(false);
        let then = if self.in_loop() {
            vec![Stmt::Break]
        } else {
            Vec::new()
        };
        self.leave_block(previous);
        let else_scope = self.enter_block(false);
        let mut els = Vec::new();
        // The rest of the enclosing block runs only when nothing returned.
        let (frame, below) = k.split_last().expect("a frame for the rest");
        let flow = self.lower_stmts(frame.rest, frame.sink, &mut els, below);
        self.leave_block(previous);
        out.push(Stmt::If {
            cond,
            then: Block {
                scope: then_scope,
                stmts: then,
            },
            els: Block {
                scope: else_scope,
                stmts: els,
            },
            span: Span::call_site(),
        });
        flow
    }

    pub(super) fn lower_if<'s>(
        &mut self,
        ifx: &'s syn::ExprIf,
        sink: Sink,
        out: &mut Vec<Stmt>,
        k: &[Frame<'s>],
    ) -> Flow {
        let cond = if let Expr::Let(l) = &*ifx.cond {
            self.errors
                .spanned(l, "#[differentiate] does not support `if let`");
            self.dummy()
        } else {
            self.konst(&ifx.cond)
        };
        let previous = self.scope;

        let then_scope = self.enter_block(false);
        let mut then = Vec::new();
        let then_flow = self.lower_stmts(&ifx.then_branch.stmts, sink, &mut then, k);
        self.leave_block(previous);

        let else_scope = self.enter_block(false);
        let mut els = Vec::new();
        let else_flow = match &ifx.else_branch {
            None => self.fall_through(&mut els, k),
            Some((_, e)) => match &**e {
                Expr::If(nested) => self.lower_if(nested, sink, &mut els, k),
                Expr::Block(b) => self.lower_stmts(&b.block.stmts, sink, &mut els, k),
                other => {
                    self.errors.spanned(other, "unexpected `else` branch");
                    Flow::Falls
                }
            },
        };
        self.leave_block(previous);
        out.push(Stmt::If {
            cond,
            then: Block {
                scope: then_scope,
                stmts: then,
            },
            els: Block {
                scope: else_scope,
                stmts: els,
            },
            span: ifx.if_token.span,
        });
        if then_flow == Flow::Exits && else_flow == Flow::Exits {
            Flow::Exits
        } else {
            Flow::Falls
        }
    }

    /// An expression statement that is not a tail: assignments, `if`, loops, blocks, calls.
    pub(super) fn lower_stmt_expr(&mut self, expr: &Expr, out: &mut Vec<Stmt>) {
        match strip_group(expr) {
            // `_ = e;`: `let _ = e;`, evaluated for its effect only.
            Expr::Assign(a) if matches!(strip(&a.left), Expr::Infer(_)) => {
                self.lower_discarded(&a.right, out)
            }
            Expr::Assign(a) => self.lower_assign(&a.left, None, &a.right, first_span(expr), out),
            Expr::Binary(b) if compound(&b.op).is_some() => {
                self.lower_assign(&b.left, compound(&b.op), &b.right, first_span(expr), out);
            }
            // `x %= y` on a float: `x = x % y`.
            Expr::Binary(b) if matches!(b.op, syn::BinOp::RemAssign(_)) => {
                let (left, right) = (&b.left, &b.right);
                let rem: Expr = syn::parse_quote_spanned!(b.op.span()=> #left % (#right));
                self.lower_assign(&b.left, None, &rem, first_span(expr), out);
            }
            Expr::Binary(b) if is_compound_other(&b.op) => self.errors.spanned(
                b.op,
                "#[differentiate] supports `=`, `+=`, `-=`, `*=`, `/=` and `%=` on floats (other compound assignments only on integers)",
            ),
            Expr::If(ifx) => {
                self.lower_if(ifx, Sink::Discard, out, &[]);
            }
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => self.lower_loop(expr, out),
            Expr::Block(b) if b.label.is_none() => {
                self.lower_block_expr(&b.block, Sink::Discard, out);
            }
            Expr::Paren(p) => self.lower_stmt_expr(&p.expr, out),
            Expr::Macro(m) => self.lower_statement_macro(&m.mac, out),
            // `xs.iter().for_each(|x| ..);`: the loop it means.
            Expr::MethodCall(m) if m.method == "for_each" => {
                if let Some(walk) = self.array_lanes(expr) {
                    return self.lower_stmt_expr(&walk, out);
                }
                // `x[1..].iter().for_each(..)`: the walk over `x`, after the slice's check.
                if let Some((check, walk)) = self.slice_walk(expr) {
                    return self.lower_stmt_expr(&syn::parse_quote!({ #check #walk; }), out);
                }
                match super::iterators::terminal(self, m) {
                    Some(block) => self.lower_stmt_expr(&block, out),
                    None => self.errors.spanned(
                        &m.method,
                        "#[differentiate] supports `.for_each(|x| ..)` at the end of an iterator chain over sequences of floats (`xs.iter().map(..).for_each(..)`), and ndarray's `Zip::from(&mut y).and(&x).for_each(|y, &x| *y = ..)` writing its first array (`=`, `+=`, `-=`, `*=`, `/=`, after `let`s) from the others",
                    ),
                }
            }
            // `v.pop().unwrap();` on a local sequence of floats: the element taken, dropped.
            Expr::MethodCall(m) if self.taken_pop(m).is_some() => {
                let v = self.taken_pop(m).expect("a popped sequence");
                self.lower_pop(v, m, out);
            }
            // `v.pop();`, `v.truncate(n);`, `v.clear();`, `v.resize(n, c);`, `v.remove(i);`,
            // `v.insert(i, x);`, `v.swap_remove(i);` on one.
            Expr::MethodCall(m) if self.lower_length_change(m, out) => {}
            // `v.push(x * x);`, `v.extend(..)` on a local sequence of floats.
            Expr::MethodCall(m) if self.growing(m).is_some() => {
                let v = self.growing(m).expect("a growing sequence");
                self.lower_growth(v, m, out);
            }
            // `v.swap(i, j);`, `v.reverse();`, `v.fill(c);`, `v.sort_by(..)`, .. on a local
            // sequence of floats: the element writes they mean.
            Expr::MethodCall(m) if self.rearranges(m) => self.lower_rearranging(m, out),
            // `y.slice_mut(..).fill(0.0);` on a sequence or array: a change the derivative
            // cannot follow.
            Expr::MethodCall(m)
                if self.local_of(root_receiver(&m.receiver)).is_some_and(|v| {
                    matches!(self.kind(v), Kind::Seq | Kind::Tensor)
                        || (self.kind(v) == Kind::Float
                            && ["push", "extend", "extend_from_slice", "insert", "append", "resize"]
                                .contains(&m.method.to_string().as_str())
                            && m.args.iter().any(|a| self.reads_derivative(a)))
                }) =>
            {
                self.array_method(m, out);
            }
            // `states.fill(State { x: k, .. })`, `s.step(k, dt)` of a method not inlined, on a
            // local held as constants: the value's derivative would be lost.
            Expr::MethodCall(m) if self.stores_derivative(m) => {
                self.errors.spanned(&m.method, CONSTANT_PLACE);
            }
            other => {
                if !self.refuse_hidden_change(other)
                    && let Some(k) = self.konst_checked(other)
                {
                    out.push(Stmt::Eval(k));
                }
            }
        }
    }

    /// Whether `m`, called for its effect, gives a value that carries a derivative (not a
    /// comparison's closure, not an integer made from one) to a local the macro holds as a
    /// constant (a struct or a sequence of structs without a gradient that it does not
    /// follow field by field: `states.fill(..)`, `s.step(k, dt)` of a method it does not
    /// inline), which may keep it.
    fn stores_derivative(&self, m: &syn::ExprMethodCall) -> bool {
        let carries = |a: &Expr| match strip(a) {
            Expr::Closure(_) => false,
            Expr::Cast(c) => {
                !matches!(classify(&c.ty), TypeClass::Int | TypeClass::Bool)
                    && self.reads_derivative(a)
            }
            _ => self.reads_derivative(a),
        };
        // (A float's own methods change nothing; one taken for a float that is not, as a
        // struct copied through a reference may be, is the same case.)
        let opaque = |v: VarId| match self.kind(v) {
            Kind::Other => true,
            Kind::Float => !self.carries(v) && Math::from_name(&m.method.to_string()).is_none(),
            _ => false,
        };
        self.local_of(root_receiver(&m.receiver))
            .is_some_and(opaque)
            && m.args.iter().any(carries)
    }

    /// A method called for its effect on a sequence or array that may carry a derivative:
    /// `w.scaled_add(alpha, &g)` on an array is the assignment it means, `w = &w + &(&g *
    /// alpha)`; any other is an error.
    fn array_method(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let array = self
            .local_of(strip(&m.receiver))
            .is_some_and(|v| self.kind(v) == Kind::Tensor);
        if array && m.method == "scaled_add" && m.args.len() == 2 {
            let (target, alpha, rhs) = (&m.receiver, &m.args[0], &m.args[1]);
            let value: Expr =
                syn::parse_quote_spanned!(m.method.span()=> &#target + &((#rhs) * (#alpha)));
            self.lower_assign(target, None, &value, m.span(), out);
            return;
        }
        self.errors.spanned(
            &m.method,
            format!(
                "#[differentiate] does not support `.{}(..)` on a sequence or array that may carry a derivative; supported: writing its elements (`v[i] = ...`), and `push`, `extend`, `extend_from_slice`, `pop`, `truncate`, `clear`, `resize`, `insert`, `remove`, `swap_remove`, `swap`, `reverse`, `rotate_left`, `rotate_right`, `fill`, `copy_from_slice`, `sort_by` and `retain` on a local `Vec` of floats, and `scaled_add` and `mapv_inplace` on a local array",
                m.method
            ),
        );
    }

    /// A statement evaluated for its effect that changes a value carrying a derivative by
    /// an assignment operator's method (`q.add_assign(1.0)`), or any method of a struct
    /// (`m.scaled_add(-lr, &g)`): a change the derivative would not follow, reported;
    /// whether it was. (A `&mut` borrow is refused where the
    /// statement's constant is made, [`Self::konst_checked`].)
    fn refuse_hidden_change(&mut self, e: &Expr) -> bool {
        let assigning = [
            "add_assign",
            "sub_assign",
            "mul_assign",
            "div_assign",
            "rem_assign",
            "clone_from",
        ];
        let Expr::MethodCall(m) = strip(e) else {
            return false;
        };
        // On a struct (`m.scaled_add(-lr, &g)`), any method called for its effect.
        let changes = self.local_of(strip(&m.receiver)).is_some_and(|v| {
            self.carries(v)
                && (self.kind(v) == Kind::Struct
                    || assigning.contains(&m.method.to_string().as_str()))
        });
        if changes {
            self.errors
                .spanned(&m.method, super::constants::HIDDEN_CHANGE);
        }
        // A value that carries a derivative put into a constant `Option` (`best.replace(v)`).
        let filling = ["replace", "insert", "get_or_insert", "get_or_insert_with"];
        let fills = filling.contains(&m.method.to_string().as_str())
            && self
                .local_of(strip(&m.receiver))
                .is_some_and(|v| self.kind(v) == Kind::Other)
            && m.args.iter().any(|a| self.reads_derivative(a));
        if fills {
            self.errors.spanned(&m.args, super::constants::OPTION_VALUE);
            self.held_options.insert(user_base(&m.receiver));
        }
        changes || fills
    }

    /// `best = Some(v)` of a value that carries a derivative into a constant `Option`
    /// (`let mut best = None;`): refused, where the derivative would be lost.
    fn refuse_option_value(&mut self, var: VarId, value: &Expr) -> bool {
        // (Whatever the local was taken for: `let best = if c { Some(v) } else { None };`
        // declares it before either branch says.)
        let refused = matches!(strip(value), Expr::Call(c)
                if matches!(strip(&c.func), Expr::Path(p) if p.path.is_ident("Some"))
                    && c.args.iter().any(|a| self.reads_derivative(a)));
        if refused {
            self.errors.spanned(value, super::constants::OPTION_VALUE);
            self.held_options.insert(self.vars[var].ident.to_string());
        }
        refused
    }

    /// A local computed from what carries a derivative, or a differentiable parameter.
    pub(super) fn carries(&self, v: VarId) -> bool {
        self.carried.contains(&v) || (self.vars[v].param.is_some() && self.kind(v).differentiable())
    }

    pub(super) fn lower_assign(
        &mut self,
        left: &Expr,
        op: Option<BinOp>,
        right: &Expr,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        match strip(left) {
            Expr::Index(ix) => {
                let (var, index) = match self.element_of(ix) {
                    Some(Ok(place)) => place,
                    Some(Err(())) => return,
                    // Writing into an integer array, say: no derivative flows.
                    None => {
                        if self.loses_derivative(ix, op, right) {
                            self.errors.spanned(right, CONSTANT_PLACE);
                            return;
                        }
                        if let Some(k) = self.konst_checked_assign(left, op, right) {
                            out.push(Stmt::Eval(k));
                        }
                        return;
                    }
                };
                let value = match op {
                    Some(op) => {
                        let b = self.lower_operand(right, out);
                        Op::Bin(op, Operand::Elem(var, index.clone()), b)
                    }
                    None => self.lower_op(right, out),
                };
                let value = self.overwrite(value, span, out);
                let value = self.detach_elems(value, var, &index, span, out);
                out.push(Stmt::SetElem { var, index, op: value, span });
            }
            Expr::Path(_) => {
                let Some(var) = self.local_of(left) else {
                    self.errors.spanned(left, "#[differentiate] can assign only to local variables");
                    return;
                };
                // (`hit = Some(v);` of a local declared without a value, `let hit;`: a
                // labeled block's value, which the breaks leaving it assign.)
                if op.is_none() && self.refuse_option_value(var, right) {
                    return;
                }
                let kind = self.kind(var);
                let value = match op {
                    Some(op) if matches!(kind, Kind::Int | Kind::Bool | Kind::Other | Kind::Pullback) => {
                        match self.konst_checked_assign(left, Some(op), right) {
                            Some(_) => {
                                let combined = self.konst_binary(left, op, right);
                                Op::Konst(combined)
                            }
                            None => return,
                        }
                    }
                    Some(op) => {
                        let b = self.lower_operand(right, out);
                        let a = self.operand_of(var);
                        fold_konst(self, op, a, b)
                    }
                    None => self.lower_op(right, out),
                };
                if !matches!(value, Op::Konst(_)) {
                    // A value that carries a derivative into a local of constants (`hit =
                    // a;` of `let mut hit = None;`): the derivative would be lost.
                    if kind == Kind::Other && !self.deferred.contains(&var) {
                        self.errors
                            .spanned(right, super::constants::OPTION_VALUE);
                        self.held_options.insert(user_base(left));
                        return;
                    }
                    self.carried.insert(var);
                }
                if self.deferred.contains(&var) {
                    self.assign_init(var, value, span, out);
                } else if self.straight_line() && !self.is_result(var) {
                    // Top-level straight-line code: a new SSA version instead of mutation.
                    let base = user_base(left);
                    let name = self.names.user_var(&base);
                    let new = self.new_var(&name, span, kind, self.vars[var].ty.clone());
                    let value = self.finish_call(value, new);
                    if !matches!(value, Op::Konst(_)) {
                        self.carried.insert(new);
                    }
                    out.push(Stmt::Let { var: new, op: value, span });
                    self.rebind(&base, new);
                } else {
                    // Each call gets its own pullback; a rule that reads its result reads a
                    // value no later assignment overwrites.
                    let value = self.overwrite(value, span, out);
                    // A list of the variable's own elements (`a = [a[1], a[0]];`) is made in
                    // a temporary first: the reverse then takes the new value's adjoint
                    // before it resets the old one's and adds into its elements.
                    let own = |o: &Operand| matches!(o, Operand::Var(v) | Operand::Elem(v, _) if *v == var);
                    let value = match value {
                        Op::List { .. } if value.operands().into_iter().any(own) => {
                            Op::Copy(self.materialize(value, span, out))
                        }
                        value => value,
                    };
                    out.push(Stmt::Assign { var, op: value, init: false, span });
                }
            }
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.errors.spanned(
                left,
                "#[differentiate] does not support writes through references: there is no gradient to track for them; return the value instead",
            ),
            Expr::Field(_) => self.errors.spanned(left, "#[differentiate] does not support assigning to fields"),
            other => self.errors.spanned(other, "#[differentiate] can assign only to local variables and their elements"),
        }
    }

    /// Whether `place[..] = value` (or `op=`) writes a value that carries a derivative into
    /// a local the macro holds as a constant (a sequence of a struct without a gradient,
    /// not one it follows field by field): the derivative would be lost.
    fn loses_derivative(&self, place: &syn::ExprIndex, op: Option<BinOp>, value: &Expr) -> bool {
        let mut root = &*place.expr;
        while let Expr::Index(inner) = strip(root) {
            root = &inner.expr;
        }
        let holds_constants = self
            .local_of(root)
            .is_some_and(|v| self.kind(v) == Kind::Other);
        let carried = self.reads_derivative(value)
            || op.is_some() && self.reads_derivative(&Expr::Index(place.clone()));
        holds_constants && carried
    }

    pub(super) fn is_result(&self, var: VarId) -> bool {
        self.ret.as_ref().is_some_and(|r| r.out == var)
    }
}

impl Lower<'_> {
    /// An item the body declares: `const`, `static`, `fn` and `use` (of paths that do not
    /// start from the function's module, `self::` or `super::`, which would name another
    /// module from the generated one) are declared again in the generated module. Such items
    /// see nothing of the function's locals, so they mean the same there.
    fn local_item(&mut self, item: &syn::Item) {
        let relative = |tree: &syn::UseTree| match tree {
            syn::UseTree::Path(p) => p.ident == "self" || p.ident == "super",
            _ => false,
        };
        match item {
            syn::Item::Use(u) if relative(&u.tree) => self.errors.spanned(
                &u.tree,
                "#[differentiate] does not support `use self::..` or `use super::..` inside the function: write the path from the crate (`use crate::..`) or move the `use` out",
            ),
            syn::Item::Const(_) | syn::Item::Static(_) | syn::Item::Fn(_) | syn::Item::Use(_) => {
                self.items.push(item.clone());
            }
            _ => self.errors.spanned(
                item,
                "#[differentiate] supports `const`, `static`, `fn` and `use` items inside the function; move this one out of it",
            ),
        }
    }
}
