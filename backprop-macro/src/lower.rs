//! From `syn` to the IR: one operation per statement, unique variable names, structured
//! control flow with every exit at the end of a block. Every construct outside the
//! supported subset is reported here, at its span, and lowering goes on so that all
//! problems are reported at once.

use crate::args::Args;
use crate::diag::Errors;
use crate::ir::*;
use crate::names::Names;
use crate::ops::MathEntry;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use std::collections::{BTreeSet, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, Ident, Pat, Type};

const RESULT_TYPES: &str = "#[differentiate] needs the function to return `f32` or `f64`, a vector of them (`[T; N]`, `Vec<T>`), or an owned ndarray array of them (`Array1<T>`, `Array2<T>`)";

/// Float methods whose derivative is zero almost everywhere: their results are constants.
const STEP_METHODS: &[&str] = &[
    "floor",
    "ceil",
    "round",
    "round_ties_even",
    "trunc",
    "signum",
];

/// Methods that read an array's or a sequence's shape, not its values.
const SHAPE_METHODS: &[&str] = &[
    "len", "is_empty", "shape", "dim", "raw_dim", "ndim", "nrows", "ncols", "strides",
];

/// Float methods that inspect a value without producing a float.
const INSPECT_METHODS: &[&str] = &[
    "is_nan",
    "is_infinite",
    "is_finite",
    "is_normal",
    "is_subnormal",
    "is_sign_positive",
    "is_sign_negative",
    "classify",
    "to_bits",
    "partial_cmp",
    "total_cmp",
];

/// What lowering gives: the function, or, when it was rejected, a stand-in with its
/// signature and a body that never returns (`None` if the signature itself was rejected).
pub enum Lowered {
    Func(Func),
    Rejected(Option<Func>),
}

pub fn lower(item: &syn::ItemFn, args: &Args, errors: &mut Errors) -> Lowered {
    let mut user = HashSet::new();
    collect_idents(item.to_token_stream(), &mut user);
    let mut cx = Lower {
        errors,
        krate: args.krate.clone(),
        names: Names::new(user),
        vars: Vec::new(),
        scopes: vec![Scope {
            parent: None,
            loop_depth: 0,
        }],
        env: vec![Vec::new()],
        scope: 0,
        deferred: BTreeSet::new(),
        pullback_names: BTreeSet::new(),
        poisoned: BTreeSet::new(),
        ret: None,
        result: None,
        fn_name: item.sig.ident.clone(),
        indexed: indexed_names(&item.block),
    };
    let sig = &item.sig;
    cx.check_signature(sig);
    let lifetimes = sig.generics.lifetimes().cloned().collect();
    let params = cx.lower_params(sig, args);
    let (ret, ret_kind) = cx.lower_return_type(sig);
    let signature_accepted = cx.errors.is_empty();
    let body_start = cx.vars.len();

    // `return` before the end: the value goes through one variable, named after the function.
    let mut stmts = Vec::new();
    let returns = Returns::scan(&item.block);
    if returns.early {
        let span = sig.ident.span();
        let name = cx.names.user_var(&sig.ident.to_string());
        let out = cx.new_var(&name, span, ret_kind, Some(ret.clone()));
        let flag = if returns.in_loop {
            // A `return` inside a loop assigns it there, so it starts with a value.
            let default = cx.konst_tokens(quote!(::core::default::Default::default()), &[]);
            stmts.push(Stmt::Let {
                var: out,
                op: Op::Konst(default),
                span,
            });
            let flag = cx.generated_var("returned", Kind::Bool, span);
            let no = cx.konst_tokens(quote!(false), &[]);
            stmts.push(Stmt::Let {
                var: flag,
                op: Op::Konst(no),
                span,
            });
            Some(flag)
        } else {
            cx.deferred.insert(out);
            stmts.push(Stmt::Declare { var: out });
            None
        };
        cx.ret = Some(Ret { out, flag });
    }
    cx.lower_stmts(&item.block.stmts, Sink::Result, &mut stmts, &[]);
    let result = match (cx.ret.as_ref(), cx.result.take()) {
        (Some(ret), _) => Operand::Var(ret.out),
        (None, Some(result)) => result,
        (None, None) => {
            // Missing tail: rustc reports it on the user's function.
            Operand::Konst(cx.konst_tokens(quote!(::core::unreachable!()), &[]))
        }
    };
    let mut result = cx.result_var(result, sig, ret_kind, &mut stmts);
    if !cx.errors.is_empty() {
        if !signature_accepted {
            return Lowered::Rejected(None);
        }
        // The stand-in: the body's variables dropped, its value never produced.
        cx.vars.truncate(body_start);
        cx.scopes.truncate(1);
        let never = cx.konst_tokens(quote!(::core::unreachable!()), &[]);
        stmts = Vec::new();
        result = cx.result_var(Operand::Konst(never), sig, ret_kind, &mut stmts);
    }
    let func = Func {
        name: sig.ident.clone(),
        vis: item.vis.clone(),
        params,
        lifetimes,
        ret,
        ret_kind,
        vars: cx.vars,
        scopes: cx.scopes,
        body: Block { scope: 0, stmts },
        result,
        names: cx.names,
    };
    if cx.errors.is_empty() {
        Lowered::Func(func)
    } else {
        Lowered::Rejected(Some(func))
    }
}

/// Where a block's value goes.
#[derive(Clone, Copy)]
enum Sink {
    /// The function's result.
    Result,
    /// An `if` or block used as a value: assigned to this variable.
    Var(VarId),
    /// A statement: no value.
    Discard,
}

/// Whether control reaches the end of a lowered statement list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Falls,
    Exits,
}

/// The rest of an enclosing block, to be lowered where control goes on after an `if` that
/// can leave (the branch that does not leave takes it).
#[derive(Clone)]
struct Frame<'s> {
    rest: &'s [syn::Stmt],
    sink: Sink,
    env: Vec<Vec<(String, VarId)>>,
}

struct Ret {
    /// The variable the function's value is assigned to.
    out: VarId,
    /// Set when a `return` inside a loop left it.
    flag: Option<VarId>,
}

struct Lower<'e> {
    errors: &'e mut Errors,
    krate: syn::Path,
    names: Names,
    vars: Vec<Var>,
    scopes: Vec<Scope>,
    /// Name bindings, innermost last; each level a block of the user's code.
    env: Vec<Vec<(String, VarId)>>,
    /// The IR block being lowered into.
    scope: ScopeId,
    /// Variables declared without a value (`let y;`): every assignment of the user's
    /// initializes them (rustc allows one per path, as `let mut y;` is rejected).
    deferred: BTreeSet<VarId>,
    pullback_names: BTreeSet<String>,
    /// Locals whose value already had an error: using them reports nothing more.
    poisoned: BTreeSet<VarId>,
    ret: Option<Ret>,
    result: Option<Operand>,
    fn_name: Ident,
    /// Names the body indexes (`p[i]`): a call's result bound to one is a sequence.
    indexed: BTreeSet<String>,
}

impl<'e> Lower<'e> {
    // ---------------------------------------------------------------- variables and names

    fn new_var(&mut self, name: &str, span: Span, kind: Kind, ty: Option<Type>) -> VarId {
        let ident = Ident::new(name, Span::mixed_site().located_at(span));
        self.vars.push(Var {
            ident,
            kind,
            ty,
            scope: self.scope,
            param: None,
        });
        self.vars.len() - 1
    }

    fn user_var(&mut self, user: &Ident, kind: Kind, ty: Option<Type>) -> VarId {
        let name = self.names.user_var(&user.to_string());
        self.new_var(&name, user.span(), kind, ty)
    }

    fn temp_var(&mut self, kind: Kind, span: Span) -> VarId {
        let name = self.names.temp();
        self.new_var(&name, span, kind, None)
    }

    fn generated_var(&mut self, base: &str, kind: Kind, span: Span) -> VarId {
        let name = self.names.generated(base);
        self.new_var(&name, span, kind, None)
    }

    fn bind(&mut self, user: &Ident, var: VarId) {
        let level = self.env.last_mut().expect("an environment level");
        level.push((user.to_string(), var));
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.env
            .iter()
            .rev()
            .flat_map(|level| level.iter().rev())
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }

    /// Points the user's name at a new SSA version of its variable.
    fn rebind(&mut self, name: &str, var: VarId) {
        for level in self.env.iter_mut().rev() {
            if let Some(entry) = level.iter_mut().rev().find(|(n, _)| n == name) {
                entry.1 = var;
                return;
            }
        }
    }

    fn local_of(&self, expr: &Expr) -> Option<VarId> {
        match expr {
            Expr::Path(p) if p.qself.is_none() && p.path.leading_colon.is_none() => {
                let ident = p.path.get_ident()?;
                self.lookup(&ident.to_string())
            }
            Expr::Paren(p) => self.local_of(&p.expr),
            Expr::Group(g) => self.local_of(&g.expr),
            _ => None,
        }
    }

    fn kind(&self, v: VarId) -> Kind {
        self.vars[v].kind
    }

    /// Whether the block being lowered is the function body itself, outside every branch
    /// and loop: there, reassigning a variable makes a new SSA version instead.
    fn straight_line(&self) -> bool {
        self.scope == 0
    }

    fn enter_block(&mut self, in_loop: bool) -> ScopeId {
        let depth = self.scopes[self.scope].loop_depth + usize::from(in_loop);
        self.scopes.push(Scope {
            parent: Some(self.scope),
            loop_depth: depth,
        });
        let id = self.scopes.len() - 1;
        self.scope = id;
        self.env.push(Vec::new());
        id
    }

    fn leave_block(&mut self, previous: ScopeId) {
        self.scope = previous;
        self.env.pop();
    }

    fn in_loop(&self) -> bool {
        self.scopes[self.scope].loop_depth > 0
    }

    // ---------------------------------------------------------------- signature

    fn check_signature(&mut self, sig: &syn::Signature) {
        if let Some(a) = &sig.asyncness {
            self.errors
                .at(a.span, "#[differentiate] does not support `async fn`");
        }
        if let syn::Safety::Unsafe(u) = &sig.safety {
            self.errors
                .at(u.span, "#[differentiate] does not support `unsafe fn`");
        }
        if let Some(v) = &sig.variadic {
            self.errors
                .spanned(v, "#[differentiate] does not support variadic functions");
        }
        for param in sig.generics.params.iter() {
            match param {
                syn::GenericParam::Lifetime(_) => {}
                other => self.errors.spanned(
                    other,
                    "#[differentiate] does not support type or const parameters yet: write the function for `f32` or `f64`",
                ),
            }
        }
        if let Some(w) = &sig.generics.where_clause {
            self.errors
                .spanned(w, "#[differentiate] does not support `where` clauses");
        }
    }

    fn lower_params(&mut self, sig: &syn::Signature, args: &Args) -> Vec<Param> {
        let mut params = Vec::new();
        let mut seen_wrt = BTreeSet::new();
        if let Some(wrt) = &args.wrt {
            for name in wrt {
                if !seen_wrt.insert(name.to_string()) {
                    self.errors
                        .at(name.span(), format!("`{name}` is named twice in `wrt`"));
                }
                let found = sig.inputs.iter().any(|arg| match arg {
                    syn::FnArg::Typed(t) => pat_ident(&t.pat).is_some_and(|(i, _)| i == name),
                    syn::FnArg::Receiver(_) => false,
                });
                if !found {
                    self.errors.at(
                        name.span(),
                        format!("`{name}` is not a parameter of `{}`", sig.ident),
                    );
                }
            }
        }
        for (index, arg) in sig.inputs.iter().enumerate() {
            let typed = match arg {
                syn::FnArg::Receiver(r) => {
                    self.errors.spanned(
                        r,
                        "#[differentiate] supports free functions, not methods: make `self` an ordinary parameter",
                    );
                    continue;
                }
                syn::FnArg::Typed(t) => t,
            };
            let Some((ident, mutable)) = pat_ident(&typed.pat) else {
                self.errors.spanned(
                    &typed.pat,
                    "#[differentiate] needs every parameter to be a plain name (`x: f64`), not a pattern",
                );
                continue;
            };
            let in_wrt = args.wrt.as_ref().map(|w| w.iter().any(|n| n == ident));
            let class = classify(&typed.ty);
            let (kind, form) = match class {
                TypeClass::MutRef => {
                    self.errors.spanned(
                        &typed.ty,
                        "#[differentiate] does not support `&mut` parameters: writes through references have no gradient it can track; return the value instead",
                    );
                    continue;
                }
                TypeClass::Float => (Kind::Float, ParamForm::Float),
                TypeClass::Seq(grad) => (Kind::Seq, ParamForm::Seq(grad)),
                TypeClass::Tensor(elem, dim) => {
                    let private = self.private();
                    let dim = match dim.to_string().as_str() {
                        "Ix1" | "Ix2" | "Ix3" | "IxDyn" => quote!(#private::ndarray::#dim),
                        _ => dim,
                    };
                    let grad: Type = syn::parse_quote!(#private::ndarray::Array<#elem, #dim>);
                    (Kind::Tensor, ParamForm::Tensor(Box::new(grad)))
                }
                TypeClass::Int => (Kind::Int, ParamForm::Const),
                TypeClass::Bool => (Kind::Bool, ParamForm::Const),
                TypeClass::Unknown if in_wrt == Some(false) => (Kind::Other, ParamForm::Const),
                // A type parameter's type: the error about generics says it already.
                TypeClass::Unknown if sig.generics.type_params().next().is_some() => continue,
                TypeClass::Unknown => {
                    self.errors.spanned(
                        &typed.ty,
                        "unsupported parameter type: #[differentiate] differentiates `f32`, `f64`, `[T; N]`, `&[T]`, `Vec<T>`, `&Vec<T>` and ndarray arrays (`&Array1<T>`, `&Array2<T>`, `&Array<T, D>`, views) (T = f32 or f64) and passes integers, `bool` and references to them through as constants; to pass another type as a constant, leave it out of `wrt(...)`",
                    );
                    continue;
                }
            };
            let form = match (in_wrt, form) {
                (Some(false), _) => ParamForm::Const,
                (Some(true), ParamForm::Const) => {
                    self.errors.at(
                        ident.span(),
                        format!(
                            "`{ident}` cannot be differentiated: only floats and sequences of floats can (integers and `bool` are constants)"
                        ),
                    );
                    ParamForm::Const
                }
                (_, form) => form,
            };
            let var = self.user_var(ident, kind, Some((*typed.ty).clone()));
            self.vars[var].param = Some(index);
            self.bind(ident, var);
            params.push(Param {
                var,
                name: ident.clone(),
                ty: (*typed.ty).clone(),
                form,
                mutable,
            });
        }
        params
    }

    fn lower_return_type(&mut self, sig: &syn::Signature) -> (Type, Kind) {
        match &sig.output {
            syn::ReturnType::Type(_, ty) => match classify(ty) {
                TypeClass::Float => ((**ty).clone(), Kind::Float),
                // A vector result: `vjp` takes a vector upstream gradient, `jacobian` gives
                // one gradient per output.
                TypeClass::Seq(_) if !matches!(**ty, Type::Reference(_)) => {
                    ((**ty).clone(), Kind::Seq)
                }
                // An owned ndarray array: `vjp` takes an upstream array of its shape.
                TypeClass::Tensor(..) if !matches!(**ty, Type::Reference(_)) => {
                    ((**ty).clone(), Kind::Tensor)
                }
                _ => {
                    self.errors.spanned(ty, RESULT_TYPES);
                    ((**ty).clone(), Kind::Other)
                }
            },
            syn::ReturnType::Default => {
                self.errors.at(sig.paren_token.span.join(), RESULT_TYPES);
                (syn::parse_quote!(()), Kind::Other)
            }
        }
    }

    /// The value the pullback starts from must be a variable of the function body.
    fn result_var(
        &mut self,
        result: Operand,
        sig: &syn::Signature,
        ret_kind: Kind,
        stmts: &mut Vec<Stmt>,
    ) -> Operand {
        let needs_var = match &result {
            Operand::Var(v) => self.vars[*v].param.is_some(),
            Operand::Elem(..) => true,
            Operand::Konst(_) => true,
        };
        if !needs_var {
            return result;
        }
        let kind = match &result {
            Operand::Var(v) => self.kind(*v),
            Operand::Elem(..) => Kind::Float,
            Operand::Konst(_) => ret_kind,
        };
        let name = self.names.user_var(&sig.ident.to_string());
        let previous = self.scope;
        self.scope = 0;
        let var = self.new_var(&name, sig.ident.span(), kind, None);
        self.scope = previous;
        let op = match result {
            Operand::Konst(k) => Op::Konst(k),
            other => Op::Copy(other),
        };
        stmts.push(Stmt::Let {
            var,
            op,
            span: sig.ident.span(),
        });
        Operand::Var(var)
    }
}

// -------------------------------------------------------------------- statements
impl<'e> Lower<'e> {
    fn lower_stmts<'s>(
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
                    let exiting = local.init.as_ref().and_then(|init| match strip(&init.expr) {
                        Expr::If(ifx) if exits(ifx) && init.diverge.is_none() => Some(Ok(ifx)),
                        Expr::Block(b)
                            if b.label.is_none() && block_exits(&b.block) && init.diverge.is_none() =>
                        {
                            Some(Err(&b.block))
                        }
                        _ => None,
                    });
                    if let Some(init) = exiting {
                        let Some(var) = self.declare_local(local, out) else { continue };
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
                syn::Stmt::Item(item) => self.errors.spanned(
                    item,
                    "#[differentiate] does not support items (fn, struct, use, ...) inside the function: move them out",
                ),
                syn::Stmt::Macro(m) => self.lower_statement_macro(&m.mac, out),
                syn::Stmt::Expr(expr, semi) => {
                    let tail = semi.is_none() && i == last;
                    // Code from `macro_rules!` arrives in invisible groups.
                    let expr = strip_group(expr);
                    match expr {
                        Expr::Return(r) => return self.lower_return(r, out),
                        Expr::Break(b) => {
                            if let Some(label) = &b.label {
                                self.errors.spanned(label, "#[differentiate] does not support labeled `break` yet");
                            } else if let Some(value) = &b.expr {
                                self.errors.spanned(value, "#[differentiate] does not support `break` with a value");
                            } else if !self.in_loop() {
                                self.errors.spanned(b, "`break` outside of a loop");
                            }
                            out.push(Stmt::Break);
                            return Flow::Exits;
                        }
                        Expr::Continue(c) => {
                            if let Some(label) = &c.label {
                                self.errors.spanned(label, "#[differentiate] does not support labeled `continue` yet");
                            }
                            return Flow::Exits;
                        }
                        Expr::If(ifx) if exits(ifx) => {
                            let k2 = self.push_frame(k, rest, sink);
                            let branch_sink = if tail { sink } else { Sink::Discard };
                            return self.lower_if(ifx, branch_sink, out, &k2);
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

    fn push_frame<'s>(&self, k: &[Frame<'s>], rest: &'s [syn::Stmt], sink: Sink) -> Vec<Frame<'s>> {
        let mut k2 = k.to_vec();
        k2.push(Frame {
            rest,
            sink,
            env: self.env.clone(),
        });
        k2
    }

    /// Control reached the end of a block: go on with the rest of the enclosing blocks.
    fn fall_through<'s>(&mut self, out: &mut Vec<Stmt>, k: &[Frame<'s>]) -> Flow {
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
    fn lower_tail(&mut self, expr: &Expr, sink: Sink, out: &mut Vec<Stmt>) -> Flow {
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

    fn fn_result_name(&mut self) -> String {
        // The enclosing function's name is the nicest name for its value (`f = q * z`).
        self.names.user_var(&self.fn_name_string())
    }

    fn fn_name_string(&self) -> String {
        self.fn_name.to_string()
    }

    /// `let name = init;`, `let name: T = init;`, `let name;`.
    fn lower_local(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) {
        // `let _ = e;`: evaluated for its effect only.
        if let (Pat::Wild(_), Some(init)) = (&local.pat, &local.init) {
            if init.diverge.is_none() {
                let before = out.len();
                self.lower_stmt_expr(&init.expr, out);
                // A value discarded on purpose stays discarded (`_ = x * 2.0;`), so rustc
                // does not warn about an unused result in the generated code.
                if out.len() == before + 1 {
                    if let Some(Stmt::Eval(k)) = out.last_mut() {
                        let e = &k.expr;
                        k.expr = syn::parse_quote!(_ = #e);
                    }
                }
                return;
            }
        }
        let Some((ident, ty, _mutable)) = self.local_pattern(local) else {
            return;
        };
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
        let annotated = ty.as_ref().map(classify_kind);
        let errors_before = self.errors.count();
        match strip(&init.expr) {
            Expr::If(ifx) => {
                let Some(var) = self.declare_local(local, out) else {
                    return;
                };
                self.lower_if(ifx, Sink::Var(var), out, &[]);
                self.bind(&ident, var);
                return;
            }
            Expr::Block(b) if b.label.is_none() && b.block.stmts.len() > 1 => {
                let Some(var) = self.declare_local(local, out) else {
                    return;
                };
                self.lower_block_expr(&b.block, Sink::Var(var), out);
                self.bind(&ident, var);
                return;
            }
            _ => {}
        }
        let op = self.lower_op(&init.expr, out);
        // `let rot: &[f64] = &cam[0..3];`: the copy is a `Vec`, the annotation goes.
        let ty = if matches!(&op, Op::Call(c) if c.sub_slice) {
            None
        } else {
            ty
        };
        let kind = annotated.unwrap_or_else(|| match self.op_kind(&op) {
            // `let p = polar(r, t); p[0]`: the call returns a sequence.
            Kind::Float
                if matches!(op, Op::Call(_)) && self.indexed.contains(&ident.to_string()) =>
            {
                Kind::Seq
            }
            kind => kind,
        });
        let var = self.user_var(&ident, kind, ty);
        if self.errors.count() != errors_before {
            self.poisoned.insert(var);
        }
        let op = self.finish_call(op, var);
        out.push(Stmt::Let {
            var,
            op,
            span: local.span(),
        });
        self.bind(&ident, var);
    }

    fn local_pattern(&mut self, local: &syn::Local) -> Option<(Ident, Option<Type>, bool)> {
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some((*t.ty).clone())),
            other => (other, None),
        };
        match pat_ident(pat) {
            Some((ident, mutable)) => Some((ident.clone(), ty, mutable)),
            None => {
                self.errors.spanned(
                    pat,
                    "#[differentiate] supports `let name = ...;` and `let name: Type = ...;`, not patterns",
                );
                None
            }
        }
    }

    /// `let name;` (or the variable an `if` used as a value assigns): declared now,
    /// assigned once on every path.
    fn declare_local(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) -> Option<VarId> {
        let (ident, ty, mutable) = self.local_pattern(local)?;
        if mutable && local.init.is_none() {
            self.errors.spanned(
                &local.pat,
                "#[differentiate] does not support `let mut` without a value: give it an initial value",
            );
            return None;
        }
        let kind = ty.as_ref().map(classify_kind).unwrap_or(Kind::Float);
        let var = self.user_var(&ident, kind, ty);
        // Only a `let y;` of the user's is initialized by a later assignment of the user's;
        // after `let mut y = if ...`, an assignment updates `y`.
        if local.init.is_none() {
            self.deferred.insert(var);
        }
        out.push(Stmt::Declare { var });
        Some(var)
    }

    fn bind_local(&mut self, local: &syn::Local, var: VarId) {
        if let Some((ident, _, _)) = self.local_pattern(local) {
            self.bind(&ident, var);
        }
    }

    /// The first assignment of a declared variable; it also settles the variable's kind.
    fn assign_init(&mut self, var: VarId, op: Op, span: Span, out: &mut Vec<Stmt>) {
        if self.vars[var].ty.is_none() {
            self.vars[var].kind = self.op_kind(&op);
        }
        let op = self.materialize_call(op, span, out);
        out.push(Stmt::Assign {
            var,
            op,
            init: true,
            span,
        });
    }

    /// `{ stmts; tail }` used as a value.
    fn lower_block_expr(&mut self, block: &syn::Block, sink: Sink, out: &mut Vec<Stmt>) -> Flow {
        self.env.push(Vec::new());
        let flow = self.lower_stmts(&block.stmts, sink, out, &[]);
        self.env.pop();
        flow
    }

    fn lower_return(&mut self, r: &syn::ExprReturn, out: &mut Vec<Stmt>) -> Flow {
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
    fn after_returning_loop<'s>(&mut self, out: &mut Vec<Stmt>, k: &[Frame<'s>]) -> Flow {
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

    fn lower_if<'s>(
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
    fn lower_stmt_expr(&mut self, expr: &Expr, out: &mut Vec<Stmt>) {
        match strip_group(expr) {
            Expr::Assign(a) => self.lower_assign(&a.left, None, &a.right, a.span(), out),
            Expr::Binary(b) if compound(&b.op).is_some() => {
                self.lower_assign(&b.left, compound(&b.op), &b.right, b.span(), out);
            }
            Expr::Binary(b) if is_compound_other(&b.op) => self.errors.spanned(
                b.op,
                "#[differentiate] supports `=`, `+=`, `-=`, `*=`, `/=` on floats (other compound assignments only on integers)",
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
            // `v.push(x * x);` on a sequence or array: a change the derivative cannot follow.
            Expr::MethodCall(m)
                if self.local_of(&m.receiver).is_some_and(|v| {
                    matches!(self.kind(v), Kind::Seq | Kind::Tensor)
                        || (self.kind(v) == Kind::Float
                            && ["push", "extend", "extend_from_slice", "insert", "append", "resize"]
                                .contains(&m.method.to_string().as_str())
                            && m.args.iter().any(|a| self.reads_derivative(a)))
                }) =>
            {
                self.errors.spanned(
                    &m.method,
                    format!(
                        "#[differentiate] does not support `.{}(..)` on a sequence or array that may carry a derivative: make it with its final length (`vec![0.0; n]`, `[0.0; N]`, `Array::zeros(..)`) and write its elements (`v[i] = ...`)",
                        m.method
                    ),
                );
            }
            other => {
                if let Some(k) = self.konst_checked(other) {
                    out.push(Stmt::Eval(k));
                }
            }
        }
    }

    fn lower_assign(
        &mut self,
        left: &Expr,
        op: Option<BinOp>,
        right: &Expr,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        match strip(left) {
            Expr::Index(ix) => {
                let Some(var) = self.local_of(&ix.expr).filter(|&v| self.kind(v) == Kind::Seq) else {
                    // Writing into an integer array, say: no derivative flows.
                    if let Some(k) = self.konst_checked_assign(left, op, right) {
                        out.push(Stmt::Eval(k));
                    }
                    return;
                };
                let index = self.konst(&ix.index);
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
                if self.deferred.contains(&var) {
                    self.assign_init(var, value, span, out);
                } else if self.straight_line() && !self.is_result(var) {
                    // Top-level straight-line code: a new SSA version instead of mutation.
                    let user = self.vars[var].ident.clone();
                    let base = user_base(&user, left);
                    let name = self.names.user_var(&base);
                    let new = self.new_var(&name, span, kind, self.vars[var].ty.clone());
                    let value = self.finish_call(value, new);
                    out.push(Stmt::Let { var: new, op: value, span });
                    self.rebind(&base, new);
                } else {
                    // Each call gets its own pullback; a rule that reads its result reads a
                    // value no later assignment overwrites.
                    let value = self.overwrite(value, span, out);
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

    fn is_result(&self, var: VarId) -> bool {
        self.ret.as_ref().is_some_and(|r| r.out == var)
    }

    // ---------------------------------------------------------------- loops

    fn lower_loop(&mut self, expr: &Expr, out: &mut Vec<Stmt>) {
        let (label, span) = match expr {
            Expr::ForLoop(f) => (&f.label, f.for_token.span),
            Expr::While(w) => (&w.label, w.while_token.span),
            Expr::Loop(l) => (&l.label, l.loop_token.span),
            _ => return,
        };
        if let Some(label) = label {
            self.errors
                .spanned(label, "#[differentiate] does not support labeled loops yet");
        }
        let previous = self.scope;
        match expr {
            Expr::ForLoop(f) => {
                let Some((head, prelude, body_scope)) = self.lower_for_head(f) else {
                    return;
                };
                let mut stmts = prelude;
                self.lower_stmts(&f.body.stmts, Sink::Discard, &mut stmts, &[]);
                self.leave_block(previous);
                out.push(Stmt::Loop {
                    head,
                    body: Block {
                        scope: body_scope,
                        stmts,
                    },
                    span,
                });
            }
            Expr::While(w) => {
                if let Expr::Let(l) = &*w.cond {
                    self.errors
                        .spanned(l, "#[differentiate] does not support `while let`");
                    return;
                }
                let cond = self.konst(&w.cond);
                let scope = self.enter_block(true);
                let mut stmts = Vec::new();
                self.lower_stmts(&w.body.stmts, Sink::Discard, &mut stmts, &[]);
                self.leave_block(previous);
                out.push(Stmt::Loop {
                    head: LoopHead::While { cond },
                    body: Block { scope, stmts },
                    span,
                });
            }
            Expr::Loop(l) => {
                let scope = self.enter_block(true);
                let mut stmts = Vec::new();
                self.lower_stmts(&l.body.stmts, Sink::Discard, &mut stmts, &[]);
                self.leave_block(previous);
                out.push(Stmt::Loop {
                    head: LoopHead::Infinite,
                    body: Block { scope, stmts },
                    span,
                });
            }
            _ => {}
        }
    }

    /// A `for` loop's variable, bound in the loop's scope: a plain name, or none for `_`.
    fn loop_var(&mut self, pat: &Pat, kind: Kind, form: &str) -> Option<VarId> {
        if matches!(pat, Pat::Wild(_)) {
            return None;
        }
        match pat_ident(pat) {
            Some((ident, _)) => {
                let var = self.user_var(ident, kind, None);
                self.bind(ident, var);
                Some(var)
            }
            None => {
                self.errors.spanned(
                    pat,
                    format!("#[differentiate] supports {form} with a plain name (or `_`)"),
                );
                None
            }
        }
    }

    /// The head of a `for` loop, the statements that start its body, and the body's scope
    /// (entered; the caller leaves it).
    fn lower_for_head(&mut self, f: &syn::ExprForLoop) -> Option<(LoopHead, Vec<Stmt>, ScopeId)> {
        let iterable = strip(&f.expr);
        // A range, possibly reversed and stepped: replayed arithmetically in reverse.
        if let Some(steps) = self.range_steps(iterable) {
            let scope = self.enter_block(true);
            let var = self.loop_var(&f.pat, Kind::Int, "`for i in range`");
            return Some((LoopHead::Range { var, steps }, Vec::new(), scope));
        }
        // Elements of a sequence of floats: `for x in xs.iter()`, `for &x in xs`,
        // `for (i, &x) in xs.iter().enumerate()`.
        if let Some((seq, enumerate)) = self.seq_iteration(iterable) {
            let len = self.konst_tokens_reading(seq, |name| quote!(#name.len()));
            let private = self.private();
            let len_expr = &len.expr;
            let steps = self.konst_tokens(quote!(#private::steps(0..#len_expr)), &len.reads);
            let scope = self.enter_block(true);
            let (index_pat, elem_pat) = if enumerate {
                match &*f.pat {
                    Pat::Tuple(t) if t.elems.len() == 2 => (Some(&t.elems[0]), &t.elems[1]),
                    other => {
                        self.errors
                            .spanned(other, "expected a pattern `(i, x)` for `.enumerate()`");
                        return None;
                    }
                }
            } else {
                (None, &*f.pat)
            };
            let index = match index_pat.map(|p| (p, pat_ident(p))) {
                Some((_, Some((ident, _)))) => {
                    let var = self.user_var(ident, Kind::Int, None);
                    self.bind(ident, var);
                    var
                }
                Some((Pat::Wild(_), _)) | None => {
                    self.generated_var("index", Kind::Int, f.pat.span())
                }
                Some((p, None)) => {
                    self.errors
                        .spanned(p, "expected a name or `_` for the index");
                    return None;
                }
            };
            let mut prelude = Vec::new();
            let elem = match strip_pat_ref(elem_pat) {
                Pat::Wild(_) => None,
                p => match pat_ident(p) {
                    Some((ident, _)) => Some(ident.clone()),
                    None => {
                        self.errors
                            .spanned(p, "expected a name, `&name` or `_` for the element");
                        return None;
                    }
                },
            };
            if let Some(ident) = elem {
                let var = self.user_var(&ident, Kind::Float, None);
                let at = self.konst_var(index);
                prelude.push(Stmt::Let {
                    var,
                    op: Op::Copy(Operand::Elem(seq, at)),
                    span: ident.span(),
                });
                self.bind(&ident, var);
            }
            return Some((
                LoopHead::Range {
                    var: Some(index),
                    steps,
                },
                prelude,
                scope,
            ));
        }
        // Anything else is iterated as constants.
        let iter = self.konst(iterable);
        if iter.reads.iter().any(|&v| self.kind(v).differentiable()) {
            self.errors.spanned(
                iterable,
                "#[differentiate] iterates over ranges (`a..b`, `a..=b`, `.rev()`, `.step_by(k)`) and over floats with `xs.iter()`, `&xs`, `xs.iter().enumerate()`; other iterator chains are not supported",
            );
            return None;
        }
        let scope = self.enter_block(true);
        let var = self.loop_var(strip_pat_ref(&f.pat), Kind::Other, "`for name in ...`");
        // `for &c in CONSTS.iter()`: the pattern's `&` goes into the head.
        let iter = if matches!(&*f.pat, Pat::Reference(_)) {
            let inner = iter.expr.clone();
            self.konst_tokens(
                quote!(::core::iter::Iterator::copied(::core::iter::IntoIterator::into_iter(#inner))),
                &iter.reads,
            )
        } else {
            iter
        };
        Some((LoopHead::Iter { var, iter }, Vec::new(), scope))
    }

    /// `a..b`, `a..=b`, with `.rev()` and `.step_by(k)` in any order, as `Steps`.
    fn range_steps(&mut self, expr: &Expr) -> Option<Konst> {
        let mut methods = Vec::new();
        let mut base = expr;
        loop {
            match strip(base) {
                Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                    methods.push((m.method.clone(), None));
                    base = &m.receiver;
                }
                Expr::MethodCall(m) if m.method == "step_by" && m.args.len() == 1 => {
                    methods.push((m.method.clone(), Some(&m.args[0])));
                    base = &m.receiver;
                }
                Expr::Range(r) => {
                    let (Some(start), Some(end)) = (&r.start, &r.end) else {
                        self.errors
                            .spanned(r, "#[differentiate] needs both ends of a loop's range");
                        return None;
                    };
                    let range = self.konst(strip(&Expr::Range(r.clone())));
                    let _ = (start, end);
                    let private = self.private();
                    let inner = range.expr.clone();
                    let mut reads = range.reads.clone();
                    let mut tokens = quote!(#private::steps(#inner));
                    for (method, arg) in methods.iter().rev() {
                        match arg {
                            Some(arg) => {
                                let k = self.konst(arg);
                                reads.extend(k.reads.iter().copied());
                                let e = k.expr;
                                tokens.extend(quote!(.#method(#e)));
                            }
                            None => tokens.extend(quote!(.#method())),
                        }
                    }
                    reads.sort_unstable();
                    reads.dedup();
                    return Some(self.konst_tokens(tokens, &reads));
                }
                _ => return None,
            }
        }
    }

    /// `xs`, `&xs`, `xs.iter()`, `xs.iter().copied()`, with `.enumerate()`: the sequence.
    fn seq_iteration(&self, expr: &Expr) -> Option<(VarId, bool)> {
        let mut enumerate = false;
        let mut e = strip(expr);
        if let Expr::MethodCall(m) = e {
            if m.method == "enumerate" && m.args.is_empty() {
                enumerate = true;
                e = strip(&m.receiver);
            }
        }
        loop {
            match e {
                Expr::MethodCall(m)
                    if m.args.is_empty()
                        && ["iter", "copied", "cloned", "into_iter"]
                            .iter()
                            .any(|n| m.method == n) =>
                {
                    e = strip(&m.receiver);
                }
                Expr::Reference(r) if r.mutability.is_none() => e = strip(&r.expr),
                other => {
                    let v = self.local_of(other)?;
                    return (self.kind(v) == Kind::Seq).then_some((v, enumerate));
                }
            }
        }
    }
}

// -------------------------------------------------------------------- expressions
impl<'e> Lower<'e> {
    /// Whether an expression the macro would treat as a constant takes the value of a
    /// variable that carries a derivative (which would silently lose it), rather than only
    /// its shape (`x.len()`, `x.shape()[1]`, `x.dim().0`) or a comparison of it.
    fn reads_derivative(&self, expr: &Expr) -> bool {
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
                if let Some(ident) = p.path.get_ident() {
                    if let Some(v) = self.lower.lookup(&ident.to_string()) {
                        self.found |= self.lower.kind(v).differentiable();
                    }
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
    fn lower_operand(&mut self, expr: &Expr, out: &mut Vec<Stmt>) -> Operand {
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
            Expr::Block(b) if b.label.is_none() => {
                let var = self.temp_var(Kind::Float, b.span());
                self.deferred.insert(var);
                out.push(Stmt::Declare { var });
                self.lower_block_expr(&b.block, Sink::Var(var), out);
                Operand::Var(var)
            }
            _ => {
                let op = self.lower_op(expr, out);
                self.materialize(op, expr.span(), out)
            }
        }
    }

    /// An operation's result as an operand, through a temporary unless it is one already.
    fn materialize(&mut self, op: Op, span: Span, out: &mut Vec<Stmt>) -> Operand {
        match op {
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
    fn overwrite(&mut self, op: Op, span: Span, out: &mut Vec<Stmt>) -> Op {
        if matches!(op, Op::Call(_)) || crate::rules::reads_output(&op) {
            Op::Copy(self.materialize(op, span, out))
        } else {
            op
        }
    }

    /// A call assigned into an existing variable goes through a temporary, so each call
    /// gets its own pullback.
    fn materialize_call(&mut self, op: Op, span: Span, out: &mut Vec<Stmt>) -> Op {
        match op {
            Op::Call(_) => Op::Copy(self.materialize(op, span, out)),
            op => op,
        }
    }

    /// `v[i] = f(v[j])`: `v[j]` is read into a temporary first, so the reverse never has to
    /// consider `i == j` (the element `v[i]` itself may be read: `v[i] *= 2.0`).
    fn detach_elems(
        &mut self,
        op: Op,
        var: VarId,
        index: &Konst,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Op {
        let same = |i: &Konst| {
            i.expr.to_token_stream().to_string() == index.expr.to_token_stream().to_string()
        };
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

    fn operand_of(&self, var: VarId) -> Operand {
        match self.kind(var) {
            Kind::Float | Kind::Seq | Kind::Tensor => Operand::Var(var),
            _ => Operand::Konst(self.konst_var(var)),
        }
    }

    /// The outermost operation of an expression; its operands are lowered into `out`.
    fn lower_op(&mut self, expr: &Expr, out: &mut Vec<Stmt>) -> Op {
        match expr {
            Expr::Paren(p) => self.lower_op(&p.expr, out),
            Expr::Group(g) => self.lower_op(&g.expr, out),
            Expr::Lit(_) => Op::Konst(self.konst(expr)),
            Expr::Path(_) => match self.local_of(expr) {
                Some(v) => match self.operand_of(v) {
                    Operand::Konst(k) => Op::Konst(k),
                    operand => Op::Copy(operand),
                },
                None => Op::Konst(self.konst(expr)),
            },
            Expr::Binary(b) => match arith(&b.op) {
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
                        self.errors.spanned(b.op, "#[differentiate] does not support `%` on floats that carry a derivative; supported: + - * /");
                        Op::Konst(self.dummy())
                    }
                }
                // Comparisons and logic: evaluated, never differentiated.
                None => Op::Konst(self.konst(expr)),
            },
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
            Expr::Index(ix) => match self.local_of(&ix.expr) {
                Some(v) if self.kind(v) == Kind::Tensor => {
                    self.errors.spanned(
                        ix,
                        "#[differentiate] does not support indexing an array that carries a derivative; use array operations",
                    );
                    Op::Konst(self.dummy())
                }
                Some(v) if self.kind(v) == Kind::Seq => {
                    let index = self.konst(&ix.index);
                    Op::Copy(Operand::Elem(v, index))
                }
                Some(v) if self.kind(v) == Kind::Float => {
                    self.errors.spanned(&ix.expr, "cannot index a float");
                    Op::Konst(self.dummy())
                }
                _ => {
                    let k = self.konst(expr);
                    if self.reads_derivative(expr) {
                        self.errors.spanned(
                            ix,
                            "#[differentiate] supports indexing a parameter or local array of floats by name (`x[i]`), not nested indexing",
                        );
                    }
                    Op::Konst(k)
                }
            },
            Expr::MethodCall(m) => self.lower_method(m, out),
            Expr::Call(c) => self.lower_call(c, out),
            Expr::Cast(c) => {
                let a = self.lower_operand(&c.expr, out);
                match (&a, classify(&c.ty)) {
                    (Operand::Konst(_), _) => Op::Konst(self.konst(expr)),
                    (Operand::Var(v), _) if self.kind(*v) == Kind::Tensor => {
                        self.errors
                            .spanned(c, "#[differentiate] does not support casting an array");
                        Op::Konst(self.dummy())
                    }
                    (_, TypeClass::Float) => Op::Cast(a, (*c.ty).clone()),
                    // Casting to an integer: a step function, derivative zero.
                    _ => Op::Konst(self.konst(expr)),
                }
            }
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
            Expr::Macro(m) => self.lower_macro(m, out),
            Expr::If(_) | Expr::Block(_) => Op::Copy(self.lower_operand(expr, out)),
            Expr::Reference(r)
                if r.mutability.is_none() && self.sub_slice_of(&r.expr).is_some() =>
            {
                self.lower_sub_slice(&r.expr)
            }
            Expr::Reference(r) => match self.local_of(&r.expr) {
                Some(v) if self.kind(v) == Kind::Seq => Op::Copy(Operand::Var(v)),
                // `&h * &h` on arrays: a shared reference is its value.
                _ if r.mutability.is_none() => match self.lower_op(&r.expr, out) {
                    Op::Konst(_) => Op::Konst(self.konst(expr)),
                    op => op,
                },
                _ => Op::Konst(self.konst(expr)),
            },
            _ => match self.konst_checked(expr) {
                // A local whose definition already had an error: one error is enough.
                Some(k) if k.reads.iter().any(|v| self.poisoned.contains(v)) => {
                    Op::Konst(self.dummy())
                }
                Some(_) if self.reads_derivative(expr) => {
                    self.errors.spanned(
                        expr,
                        "#[differentiate] does not support this expression on values that carry a derivative; supported: arithmetic, method calls, calls, casts, indexing and `&value`",
                    );
                    Op::Konst(self.dummy())
                }
                Some(k) => Op::Konst(k),
                None => Op::Konst(self.dummy()),
            },
        }
    }

    fn lower_method(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Op {
        let name = m.method.to_string();
        // `x.mean().unwrap()`: ndarray's means are options (empty arrays have none).
        if (name == "unwrap" || name == "expect") && m.args.len() <= 1 {
            if let Expr::MethodCall(inner) = strip(&m.receiver) {
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
                            return Op::Reduce(r, receiver);
                        }
                    }
                    self.errors.spanned(
                        &inner.method,
                        format!(
                            "#[differentiate] supports {} on ndarray arrays only",
                            Reduction::usage_of(&inner_name).unwrap_or_default()
                        ),
                    );
                    return Op::Konst(self.dummy());
                }
            }
        }
        let receiver_var = self.local_of(&m.receiver);
        // Sequences: their length is a constant; a copy is a copy.
        if let Some(v) = receiver_var.filter(|&v| self.kind(v) == Kind::Seq) {
            return match name.as_str() {
                "len" if m.args.is_empty() => Op::Konst(self.konst(&Expr::MethodCall(m.clone()))),
                "to_vec" | "clone" | "to_owned" if m.args.is_empty() => Op::Copy(Operand::Var(v)),
                _ => {
                    self.errors.spanned(
                        &m.method,
                        format!("#[differentiate] does not support `.{name}()` on a sequence of floats; supported: `.len()`, `.to_vec()`, `.clone()`, indexing `x[i]`, and loops over `x.iter()`"),
                    );
                    Op::Konst(self.dummy())
                }
            };
        }
        if INSPECT_METHODS.contains(&name.as_str()) || STEP_METHODS.contains(&name.as_str()) {
            return Op::Konst(self.konst(&Expr::MethodCall(m.clone())));
        }
        let receiver = self.lower_operand(&m.receiver, out);
        if receiver.var().is_some_and(|v| self.kind(v) == Kind::Tensor) {
            return self.lower_tensor_method(m, &name, receiver, out);
        }
        let args: Vec<Operand> = m.args.iter().map(|a| self.lower_operand(a, out)).collect();
        let constant = matches!(receiver, Operand::Konst(_))
            && args.iter().all(|a| matches!(a, Operand::Konst(_)));
        if constant {
            return Op::Konst(self.konst(&Expr::MethodCall(m.clone())));
        }
        let Some(&MathEntry {
            op: math, arity, ..
        }) = Math::from_name(&name)
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
    fn lower_tensor_method(
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
            // An owned copy: the same value.
            ("to_owned" | "clone", 0) => Op::Copy(receiver),
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
                    format!("#[differentiate] does not support `.{name}()` on an array; supported: `.dot(&w)`, {}, `.to_owned()`, `.clone()`, elementwise {}, and the gates `sigmoid`, `relu`, `maximum`, `minimum`, `softmax`, `log_softmax`, `softmax_cross_entropy`", Reduction::usage(), Math::names(|e| e.on_arrays)),
                );
                Op::Konst(self.dummy())
            }
        }
    }

    fn lower_call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) -> Op {
        let Expr::Path(fp) = strip(&c.func) else {
            self.errors.spanned(&c.func, "#[differentiate] supports calls to functions by path (`f(x)`, `module::f(x)`), not to closures or expressions");
            return Op::Konst(self.dummy());
        };
        if fp.qself.is_some() {
            self.errors.spanned(
                &c.func,
                "#[differentiate] does not support qualified paths (`<T as Trait>::f`) in calls",
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
            self.errors.spanned(
                &c.func,
                "#[differentiate] does not support calling a local variable",
            );
            return Op::Konst(self.dummy());
        }
        if fp.path.is_ident(&self.fn_name) {
            self.errors.spanned(
                &c.func,
                "#[differentiate] does not support recursion yet: write the recursion as a loop",
            );
            return Op::Konst(self.dummy());
        }
        // `f64::exp(x)`, `f32::max(a, b)`: a float method in function syntax.
        let segments: Vec<String> = fp
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if segments.len() == 2
            && (segments[0] == "f64" || segments[0] == "f32")
            && !c.args.is_empty()
        {
            if let Some(&MathEntry {
                op: math, arity, ..
            }) = Math::from_name(&segments[1])
            {
                if c.args.len() == arity + 1 {
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
                        return Op::Konst(self.konst(&Expr::Call(c.clone())));
                    }
                    return Op::Math(math, receiver, args);
                }
            }
        }
        let mut args = Vec::new();
        for a in c.args.iter() {
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
            args.push(Arg {
                value,
                by_ref,
                span: a.span(),
            });
        }
        if args.iter().all(|a| matches!(a.value, Operand::Konst(_))) {
            // Nothing that carries a derivative goes in: an ordinary call.
            return Op::Konst(self.konst(&Expr::Call(c.clone())));
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
        let recompute = args
            .iter()
            .any(|a| a.by_ref && self.borrows_local(&a.value));
        Op::Call(Call {
            path,
            generics,
            args,
            pullback: usize::MAX,
            recompute,
            sub_slice: false,
            span: c.span(),
        })
    }

    /// `x[a..b]` (or `a..`, `..b`, `..`, `a..=b`) of a sequence: the sequence.
    fn sub_slice_of(&self, e: &Expr) -> Option<VarId> {
        let Expr::Index(ix) = strip(e) else {
            return None;
        };
        if !matches!(strip(&ix.index), Expr::Range(_)) {
            return None;
        }
        self.local_of(&ix.expr)
            .filter(|&v| self.kind(v) == Kind::Seq)
    }

    /// `&x[a..b]`: a call to the runtime's `sub_slice` gate, a copy of the elements whose
    /// gradient flows back into `x[a..b]`.
    fn lower_sub_slice(&mut self, e: &Expr) -> Op {
        let (Some(v), Expr::Index(ix)) = (self.sub_slice_of(e), strip(e)) else {
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
        let span = e.span();
        let (start, end) = (self.konst(&start), self.konst(&end));
        let krate = &self.krate;
        let recompute = self.borrows_local(&Operand::Var(v));
        let arg = |value, by_ref| Arg {
            value,
            by_ref,
            span,
        };
        Op::Call(Call {
            path: syn::parse_quote!(#krate::__private::sub_slice),
            generics: None,
            args: vec![
                arg(Operand::Var(v), true),
                arg(Operand::Konst(start), false),
                arg(Operand::Konst(end), false),
            ],
            pullback: usize::MAX,
            recompute,
            sub_slice: true,
            span,
        })
    }

    /// Whether `&value` borrows a variable of this function rather than data behind a
    /// reference parameter (whose borrow outlives the call).
    fn borrows_local(&self, value: &Operand) -> bool {
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

    fn lower_macro(&mut self, m: &syn::ExprMacro, out: &mut Vec<Stmt>) -> Op {
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
            return Op::List { items, vec: true };
        }
        match m.mac.parse_body::<VecRepeat>() {
            Ok(rep) => {
                let value = self.konst(&rep.value);
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

    fn konst_vec_macro(&mut self, m: &syn::ExprMacro) -> Konst {
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
    fn lower_statement_macro(&mut self, mac: &syn::Macro, out: &mut Vec<Stmt>) {
        let name = mac.path.segments.last().map(|s| s.ident.to_string());
        let Some(format_at) = name.as_deref().and_then(|name| match name {
            "print" | "println" | "eprint" | "eprintln" => Some(0),
            "assert" | "debug_assert" => Some(1),
            "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => Some(2),
            _ => None,
        }) else {
            return self.unsupported_macro(mac);
        };
        let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
        let args = match mac.parse_body_with(parser) {
            Ok(args) => args,
            Err(e) => return self.errors.push(e),
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
            let Some(k) = self.konst_checked(value) else {
                return;
            };
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
        let k = self.konst_tokens(quote!(#path!(#(#renamed),*)), &reads);
        out.push(Stmt::Eval(k));
    }

    fn unsupported_macro(&mut self, mac: &syn::Macro) {
        self.errors.spanned(
            mac,
            "#[differentiate] cannot see the code this macro expands to: it supports `vec!`, and as statements `println!`, `print!`, `eprintln!`, `eprint!`, `assert!`, `assert_eq!`, `assert_ne!` and their `debug_` forms",
        );
    }

    fn finish_call(&mut self, op: Op, target: VarId) -> Op {
        match op {
            Op::Call(mut call) => {
                let base = format!("pullback_{}", self.vars[target].ident);
                let name = if self.pullback_names.insert(base.clone()) {
                    base
                } else {
                    self.names.generated(&base)
                };
                let span = call.span;
                call.pullback = self.new_var(&name, span, Kind::Pullback, None);
                Op::Call(call)
            }
            op => op,
        }
    }
}

// -------------------------------------------------------------------- constants
impl<'e> Lower<'e> {
    fn private(&self) -> TokenStream {
        let krate = &self.krate;
        quote!(#krate::__private)
    }

    /// The user's expression with its local variables renamed; reports what it cannot
    /// evaluate as a plain expression.
    fn konst(&mut self, expr: &Expr) -> Konst {
        self.konst_checked(expr).unwrap_or_else(|| self.dummy())
    }

    fn konst_checked(&mut self, expr: &Expr) -> Option<Konst> {
        let mut expr = expr.clone();
        let mut renamer = Renamer {
            lower: self,
            reads: BTreeSet::new(),
            ok: true,
        };
        renamer.visit_expr_mut(&mut expr);
        let Renamer { reads, ok, .. } = renamer;
        ok.then(|| Konst {
            expr,
            reads: reads.into_iter().collect(),
        })
    }

    fn konst_checked_assign(
        &mut self,
        left: &Expr,
        op: Option<BinOp>,
        right: &Expr,
    ) -> Option<Konst> {
        let l = self.konst_checked(left)?;
        let r = self.konst_checked(right)?;
        let (le, re) = (l.expr, r.expr);
        let tokens = match op {
            None => quote!(#le = #re),
            Some(op) => {
                let op = compound_token(op);
                quote!(#le #op #re)
            }
        };
        let mut reads = l.reads;
        reads.extend(r.reads);
        reads.sort_unstable();
        reads.dedup();
        Some(self.konst_tokens(tokens, &reads))
    }

    fn konst_binary(&mut self, left: &Expr, op: BinOp, right: &Expr) -> Konst {
        let l = self.konst(left);
        let r = self.konst(right);
        let (le, re) = (l.expr, parenthesized(r.expr, 13));
        let op = bin_token(op);
        let mut reads = l.reads;
        reads.extend(r.reads);
        reads.sort_unstable();
        reads.dedup();
        self.konst_tokens(quote!(#le #op #re), &reads)
    }

    fn konst_var(&self, var: VarId) -> Konst {
        let ident = &self.vars[var].ident;
        Konst {
            expr: syn::parse_quote!(#ident),
            reads: vec![var],
        }
    }

    fn konst_tokens_reading(&self, var: VarId, f: impl FnOnce(&Ident) -> TokenStream) -> Konst {
        let tokens = f(&self.vars[var].ident);
        Konst {
            expr: syn::parse2(tokens).expect("generated expression parses"),
            reads: vec![var],
        }
    }

    fn konst_tokens(&mut self, tokens: TokenStream, reads: &[VarId]) -> Konst {
        match syn::parse2::<Expr>(tokens) {
            Ok(expr) => Konst {
                expr,
                reads: reads.to_vec(),
            },
            Err(e) => {
                self.errors.push(e);
                self.dummy()
            }
        }
    }

    /// A placeholder after an error has been reported.
    fn dummy(&self) -> Konst {
        Konst {
            expr: syn::parse_quote!(::core::unreachable!()),
            reads: Vec::new(),
        }
    }
}

impl Konst {
    fn into_op(self) -> Op {
        Op::Konst(self)
    }
}

/// Renames local variables inside a constant expression and rejects what cannot be one.
struct Renamer<'a, 'e> {
    lower: &'a mut Lower<'e>,
    reads: BTreeSet<VarId>,
    ok: bool,
}

impl VisitMut for Renamer<'_, '_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        let what = match expr {
            Expr::Closure(_) => Some("closures"),
            Expr::Macro(m) if !m.mac.path.is_ident("vec") => Some("macros (except `vec!`)"),
            Expr::Macro(_) => Some("`vec!` inside an expression"),
            Expr::Block(_) | Expr::If(_) | Expr::Match(_) => Some(
                "`if`, `match` or blocks inside a condition or index; assign them to a variable first",
            ),
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => Some("loops inside an expression"),
            Expr::Unsafe(_) => Some("`unsafe` blocks"),
            Expr::Async(_) | Expr::Await(_) => Some("`async`"),
            Expr::Try(_) | Expr::TryBlock(_) => Some("the `?` operator"),
            Expr::Let(_) => Some("`let` in conditions"),
            Expr::Assign(_) => Some("assignments inside an expression"),
            Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => {
                Some("`return`, `break` or `continue` inside an expression")
            }
            Expr::Yield(_) => Some("`yield`"),
            Expr::Struct(_) => Some("struct expressions"),
            Expr::RawAddr(_) => Some("raw pointers"),
            Expr::Verbatim(_) => Some("this expression"),
            Expr::Binary(b) if compound(&b.op).is_some() || is_compound_other(&b.op) => {
                Some("assignments inside an expression")
            }
            _ => None,
        };
        if let Some(what) = what {
            let message = if what.starts_with("match") {
                "#[differentiate] does not support `match`: use `if` / `else if`".to_owned()
            } else {
                format!("#[differentiate] does not support {what}")
            };
            let message = match expr {
                Expr::Match(_) => "#[differentiate] does not support `match` yet: use `if` / `else if`".to_owned(),
                Expr::Closure(_) => "#[differentiate] does not support closures: write the computation inline, or make it a #[differentiate] function or a gate".to_owned(),
                Expr::Unsafe(_) => "#[differentiate] does not support `unsafe` blocks".to_owned(),
                _ => message,
            };
            self.lower.errors.spanned(&*expr, message);
            self.ok = false;
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        if path.qself.is_none() && path.path.leading_colon.is_none() {
            if let Some(ident) = path.path.get_ident() {
                if let Some(v) = self.lower.lookup(&ident.to_string()) {
                    if self.lower.vars[v].kind == Kind::Pullback {
                        return;
                    }
                    let renamed = self.lower.vars[v].ident.clone();
                    path.path = renamed.into();
                    self.reads.insert(v);
                    return;
                }
            }
        }
        syn::visit_mut::visit_expr_path_mut(self, path);
    }
}

/// `vec![value; n]`'s body.
struct VecRepeat {
    value: Expr,
    len: Expr,
}

impl syn::parse::Parse for VecRepeat {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let value = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        let len = input.parse()?;
        Ok(VecRepeat { value, len })
    }
}

fn fold_konst(cx: &mut Lower, op: BinOp, a: Operand, b: Operand) -> Op {
    match (a, b) {
        (Operand::Konst(x), Operand::Konst(y)) => {
            let p = match op {
                BinOp::Mul | BinOp::Div => 13,
                BinOp::Add | BinOp::Sub => 12,
            };
            let (xe, ye) = (parenthesized(x.expr, p), parenthesized(y.expr, p + 1));
            let t = bin_token(op);
            let mut reads = x.reads;
            reads.extend(y.reads);
            reads.sort_unstable();
            reads.dedup();
            let tokens = quote!(#xe #t #ye);
            Op::Konst(cx.konst_tokens(tokens, &reads))
        }
        (a, b) => Op::Bin(op, a, b),
    }
}

// -------------------------------------------------------------------- syntax helpers

/// `e`, in parentheses when its precedence is below `min`.
fn parenthesized(e: Expr, min: u8) -> Expr {
    if crate::emit::konst_prec(&e) < min {
        syn::parse_quote!((#e))
    } else {
        e
    }
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

fn strip_group(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(g) => strip_group(&g.expr),
        other => other,
    }
}

fn strip_pat_ref(pat: &Pat) -> &Pat {
    match pat {
        Pat::Reference(r) => &r.pat,
        Pat::Paren(p) => strip_pat_ref(&p.pat),
        other => other,
    }
}

fn pat_ident(pat: &Pat) -> Option<(&Ident, bool)> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            Some((&p.ident, p.mutability.is_some()))
        }
        Pat::Paren(p) => pat_ident(&p.pat),
        _ => None,
    }
}

fn user_base(_renamed: &Ident, left: &Expr) -> String {
    match strip(left) {
        Expr::Path(p) => p
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn arith(op: &syn::BinOp) -> Option<BinOp> {
    match op {
        syn::BinOp::Add(_) => Some(BinOp::Add),
        syn::BinOp::Sub(_) => Some(BinOp::Sub),
        syn::BinOp::Mul(_) => Some(BinOp::Mul),
        syn::BinOp::Div(_) => Some(BinOp::Div),
        _ => None,
    }
}

fn compound(op: &syn::BinOp) -> Option<BinOp> {
    match op {
        syn::BinOp::AddAssign(_) => Some(BinOp::Add),
        syn::BinOp::SubAssign(_) => Some(BinOp::Sub),
        syn::BinOp::MulAssign(_) => Some(BinOp::Mul),
        syn::BinOp::DivAssign(_) => Some(BinOp::Div),
        _ => None,
    }
}

fn is_compound_other(op: &syn::BinOp) -> bool {
    matches!(
        op,
        syn::BinOp::RemAssign(_)
            | syn::BinOp::BitXorAssign(_)
            | syn::BinOp::BitAndAssign(_)
            | syn::BinOp::BitOrAssign(_)
            | syn::BinOp::ShlAssign(_)
            | syn::BinOp::ShrAssign(_)
    )
}

fn bin_token(op: BinOp) -> TokenStream {
    match op {
        BinOp::Add => quote!(+),
        BinOp::Sub => quote!(-),
        BinOp::Mul => quote!(*),
        BinOp::Div => quote!(/),
    }
}

fn compound_token(op: BinOp) -> TokenStream {
    match op {
        BinOp::Add => quote!(+=),
        BinOp::Sub => quote!(-=),
        BinOp::Mul => quote!(*=),
        BinOp::Div => quote!(/=),
    }
}

impl Lower<'_> {
    /// What a value computed by `op` is: a copy is what it copies; anything computed from
    /// an array may be an array; a sum or a mean of an array is a float.
    fn op_kind(&self, op: &Op) -> Kind {
        let any_tensor = op
            .operands()
            .iter()
            .any(|o| o.var().is_some_and(|v| self.kind(v) == Kind::Tensor));
        match op {
            Op::Konst(k) => konst_kind(&k.expr),
            Op::Copy(Operand::Var(v)) => self.kind(*v),
            Op::Copy(_) => Kind::Float,
            Op::List { .. } => Kind::Seq,
            Op::Reduce(r, _) if r.to_float() => Kind::Float,
            Op::Dot(..) | Op::Reduce(..) => Kind::Tensor,
            _ if any_tensor => Kind::Tensor,
            Op::Call(c) if c.sub_slice => Kind::Seq,
            Op::Neg(_) | Op::Bin(..) | Op::Math(..) | Op::Cast(..) | Op::Call(_) => Kind::Float,
        }
    }
}

/// A constant's kind, from its syntax: integers and booleans where that is certain, a
/// float (a candidate for carrying a derivative later) otherwise.
fn konst_kind(expr: &Expr) -> Kind {
    match strip(expr) {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(_) => Kind::Int,
            syn::Lit::Bool(_) => Kind::Bool,
            _ => Kind::Float,
        },
        Expr::Binary(b) => match b.op {
            syn::BinOp::Eq(_)
            | syn::BinOp::Ne(_)
            | syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_)
            | syn::BinOp::And(_)
            | syn::BinOp::Or(_) => Kind::Bool,
            _ => match (konst_kind(&b.left), konst_kind(&b.right)) {
                (Kind::Int, Kind::Int) => Kind::Int,
                (Kind::Bool, Kind::Bool) => Kind::Bool,
                _ => Kind::Float,
            },
        },
        Expr::Unary(u) => match u.op {
            syn::UnOp::Not(_) => match konst_kind(&u.expr) {
                Kind::Int => Kind::Int,
                _ => Kind::Bool,
            },
            _ => konst_kind(&u.expr),
        },
        Expr::Cast(c) => classify_kind(&c.ty),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if name == "len" || name == "count" {
                Kind::Int
            } else if INSPECT_METHODS.contains(&name.as_str())
                && name != "classify"
                && name != "to_bits"
            {
                Kind::Bool
            } else {
                Kind::Float
            }
        }
        Expr::Repeat(_) | Expr::Array(_) => Kind::Seq,
        Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "vec") => Kind::Seq,
        // `Array2::zeros((n, m))`, `Array1::ones(n)`, `Array::from_elem(..)`: an array.
        Expr::Call(c) => match strip(&c.func) {
            Expr::Path(p)
                if p.path.segments.len() >= 2
                    && p.path.segments[p.path.segments.len() - 2]
                        .ident
                        .to_string()
                        .starts_with("Array")
                    && p.path.segments.last().is_some_and(|s| {
                        ["zeros", "ones", "from_elem", "from_shape_fn", "from_vec"]
                            .contains(&s.ident.to_string().as_str())
                    }) =>
            {
                Kind::Tensor
            }
            _ => Kind::Float,
        },
        _ => Kind::Float,
    }
}

pub enum TypeClass {
    Float,
    /// A sequence of floats, with the gradient's type.
    Seq(Box<Type>),
    /// An ndarray array of floats: its element type and its dimension (`Ix1`, `Ix2`, or the
    /// user's `D`).
    Tensor(Box<Type>, TokenStream),
    Int,
    Bool,
    MutRef,
    Unknown,
}

fn is_float_type(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && (p.path.is_ident("f32") || p.path.is_ident("f64")))
}

/// `Array1<T>`, `Array2<T>`, `Array<T, D>`, `ArrayView1<T>`, `ArrayView2<T>`,
/// `ArrayView<'a, T, D>`, `ArcArray...`, `CowArray...` of `f32`/`f64`: the element type and
/// the dimension.
fn ndarray_type(p: &syn::TypePath) -> Option<(Type, TokenStream)> {
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    let family = ["ArrayView", "ArcArray", "CowArray", "Array"]
        .iter()
        .find(|f| name.starts_with(**f))?;
    let suffix = &name[family.len()..];
    let syn::PathArguments::AngleBracketed(g) = &last.arguments else {
        return None;
    };
    let types: Vec<&Type> = g
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    let elem = (*types.first()?).clone();
    if !is_float_type(&elem) {
        return None;
    }
    let dim = match suffix {
        "1" => quote!(Ix1),
        "2" => quote!(Ix2),
        "3" => quote!(Ix3),
        "D" => quote!(IxDyn),
        "" => match types.get(1) {
            Some(d) => quote!(#d),
            None => return None,
        },
        _ => return None,
    };
    Some((elem, dim))
}

/// `Vec<usize>`, `[u8; 4]` and the like: integer sequences, constants.
fn int_vec(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Vec" {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(g) if g.args.len() == 1 => {
            matches!(&g.args[0], syn::GenericArgument::Type(t) if matches!(classify(t), TypeClass::Int))
        }
        _ => false,
    }
}

fn vec_elem(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(g) if g.args.len() == 1 => match &g.args[0] {
            syn::GenericArgument::Type(t) if is_float_type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

pub fn classify(ty: &Type) -> TypeClass {
    match ty {
        Type::Paren(p) => classify(&p.elem),
        Type::Group(g) => classify(&g.elem),
        _ if is_float_type(ty) => TypeClass::Float,
        Type::Path(p) if p.qself.is_none() => {
            if let Some(elem) = vec_elem(ty) {
                return TypeClass::Seq(Box::new(syn::parse_quote!(::std::vec::Vec<#elem>)));
            }
            if let Some((elem, dim)) = ndarray_type(p) {
                return TypeClass::Tensor(Box::new(elem), dim);
            }
            if int_vec(ty) {
                return TypeClass::Int;
            }
            let Some(ident) = p.path.get_ident() else {
                return TypeClass::Unknown;
            };
            match ident.to_string().as_str() {
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize" => TypeClass::Int,
                "bool" => TypeClass::Bool,
                _ => TypeClass::Unknown,
            }
        }
        Type::Array(a) if is_float_type(&a.elem) => {
            TypeClass::Seq(Box::new(Type::Array(a.clone())))
        }
        Type::Reference(r) if r.mutability.is_some() => TypeClass::MutRef,
        Type::Array(a) if matches!(classify(&a.elem), TypeClass::Int) => TypeClass::Int,
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) if is_float_type(&s.elem) => {
                let elem = &s.elem;
                TypeClass::Seq(Box::new(syn::parse_quote!(::std::vec::Vec<#elem>)))
            }
            // `&[usize]`: labels, indices: constants.
            Type::Slice(s) if matches!(classify(&s.elem), TypeClass::Int) => TypeClass::Int,
            inner => match classify(inner) {
                TypeClass::Seq(grad) => TypeClass::Seq(grad),
                TypeClass::Tensor(elem, dim) => TypeClass::Tensor(elem, dim),
                TypeClass::Int => TypeClass::Int,
                TypeClass::Bool => TypeClass::Bool,
                _ => TypeClass::Unknown,
            },
        },
        _ => TypeClass::Unknown,
    }
}

fn classify_kind(ty: &Type) -> Kind {
    match classify(ty) {
        TypeClass::Float => Kind::Float,
        TypeClass::Seq(_) => Kind::Seq,
        TypeClass::Tensor(..) => Kind::Tensor,
        TypeClass::Int => Kind::Int,
        TypeClass::Bool => Kind::Bool,
        _ => Kind::Other,
    }
}

/// Whether an `if` can leave the block it is in: a `return` anywhere in it, or a `break` or
/// `continue` not inside a loop of its own.
fn exits(ifx: &syn::ExprIf) -> bool {
    let mut scan = ExitScan {
        loops: 0,
        found: false,
    };
    scan.visit_expr_if(ifx);
    scan.found
}

/// The names a format string captures: `x` in `"{x}"` and `"{x:.3}"`, not in `"{{x}}"`.
fn format_captures(format: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c == '}' || c == ':' {
                        break;
                    }
                    name.push(c);
                    chars.next();
                }
                let is_ident = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                if is_ident && !names.contains(&name) {
                    names.push(name);
                }
            }
            _ => {}
        }
    }
    names
}

/// Every name the block indexes as `name[...]`.
fn indexed_names(block: &syn::Block) -> BTreeSet<String> {
    struct Scan(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Scan {
        fn visit_expr_index(&mut self, ix: &'ast syn::ExprIndex) {
            if let Expr::Path(p) = strip(&ix.expr) {
                if let Some(ident) = p.path.get_ident() {
                    self.0.insert(ident.to_string());
                }
            }
            syn::visit::visit_expr_index(self, ix);
        }
    }
    let mut scan = Scan(BTreeSet::new());
    scan.visit_block(block);
    scan.0
}

fn block_exits(block: &syn::Block) -> bool {
    let mut scan = ExitScan {
        loops: 0,
        found: false,
    };
    scan.visit_block(block);
    scan.found
}

fn has_return(expr: &Expr) -> bool {
    let mut scan = Returns::default();
    scan.visit_expr(expr);
    scan.any
}

struct ExitScan {
    loops: usize,
    found: bool,
}

impl<'ast> Visit<'ast> for ExitScan {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Return(_) => self.found = true,
            Expr::Break(_) | Expr::Continue(_) if self.loops == 0 => self.found = true,
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                self.loops += 1;
                syn::visit::visit_expr(self, e);
                self.loops -= 1;
            }
            Expr::Closure(_) => {}
            _ => syn::visit::visit_expr(self, e),
        }
    }
}

/// Where `return` appears in the function.
#[derive(Default)]
struct Returns {
    /// A `return` other than as the body's last statement.
    early: bool,
    /// A `return` inside a loop.
    in_loop: bool,
    any: bool,
    loops: usize,
}

impl Returns {
    fn scan(block: &syn::Block) -> Returns {
        let mut scan = Returns::default();
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            let last_return = i + 1 == n
                && matches!(stmt, syn::Stmt::Expr(Expr::Return(r), _) if !r.expr.as_deref().is_some_and(has_return));
            if last_return {
                continue;
            }
            scan.visit_stmt(stmt);
        }
        scan.early = scan.any;
        scan
    }
}

impl<'ast> Visit<'ast> for Returns {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Return(_) => {
                self.any = true;
                if self.loops > 0 {
                    self.in_loop = true;
                }
                syn::visit::visit_expr(self, e);
            }
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                self.loops += 1;
                syn::visit::visit_expr(self, e);
                self.loops -= 1;
            }
            Expr::Closure(_) => {}
            _ => syn::visit::visit_expr(self, e),
        }
    }
}

fn collect_idents(tokens: TokenStream, out: &mut HashSet<String>) {
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}
