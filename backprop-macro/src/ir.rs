//! The intermediate representation the passes share: the user's function as a tree of
//! blocks whose statements each apply one operation, the form the lecture's flat code has.
//!
//! Lowering (`lower.rs`) produces it; analysis (`analysis.rs`) decides what is active and
//! what the backward pass reads; `reverse.rs` and `tangent.rs` derive the backward and
//! tangent code from it; `emit.rs` prints all of it. Every variable, user-named or not, is
//! one [`Var`] with a unique name; expressions that carry no derivative (integers,
//! conditions, literals, constants) stay as the user's syntax in a [`Konst`].

use proc_macro2::Span;
use syn::Ident;

pub type VarId = usize;
pub type ScopeId = usize;

/// What a variable holds, as far as differentiation is concerned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `f32` or `f64`: gets an adjoint when active.
    Float,
    /// A fixed array, slice or `Vec` of floats: indexed element by element, its adjoint is
    /// a `Vec` or array of the same length.
    Seq,
    /// An integer: loop counters, indices, sizes. Never differentiable.
    Int,
    /// A `bool`: conditions and flags. Never differentiable.
    Bool,
    /// A value that may be an ndarray array (or a float computed from arrays): every
    /// operation on it goes through the runtime's tensor kernels.
    Tensor,
    /// A struct deriving `Differentiable` (a parameter, or a field of one holding a struct):
    /// read through its fields, or passed whole to another differentiated function.
    Struct,
    /// The pullback closure of a call to another differentiated function or gate.
    Pullback,
    /// Anything else: passed through as a constant.
    Other,
}

impl Kind {
    /// Whether values of this kind can carry a derivative.
    pub fn differentiable(self) -> bool {
        matches!(self, Kind::Float | Kind::Seq | Kind::Tensor | Kind::Struct)
    }
}

/// A variable: a parameter, a user's `let`, an SSA version of a reassigned variable, or a
/// temporary made by splitting an expression into single operations.
#[derive(Clone)]
pub struct Var {
    /// The unique name, with a mixed-site span located at the user's code.
    pub ident: Ident,
    pub kind: Kind,
    /// The user's type annotation, kept in the forward pass.
    pub ty: Option<syn::Type>,
    /// The block that declares it.
    pub scope: ScopeId,
    /// `Some(i)` for the i-th parameter.
    pub param: Option<usize>,
    /// For `let s = x.sin()`, the variable holding `x.cos()` computed beside it, and the
    /// other way round ([`crate::lower::twins`]): each one's reverse rule reads the other.
    pub twin: Option<VarId>,
}

/// A block's place in the nesting.
#[derive(Clone)]
pub struct Scope {
    pub parent: Option<ScopeId>,
    /// How many loops enclose the block (0 for the function body and its branches).
    pub loop_depth: usize,
}

/// The methods that hand out an item by changing their receiver (`it.next()`,
/// `stack.pop()`): the receiver changes where one is called, a value matched from one is
/// evaluated once, and what one hands out from a constant is a constant.
pub const TAKING_METHODS: [&str; 8] = [
    "next",
    "next_back",
    "nth",
    "pop",
    "pop_front",
    "pop_back",
    "remove",
    "swap_remove",
];

/// An expression the derivative does not flow through: the user's syntax, with every local
/// variable renamed to its IR name.
#[derive(Clone)]
pub struct Konst {
    pub expr: syn::Expr,
    /// The local variables it reads, sorted.
    pub reads: Vec<VarId>,
}

impl Konst {
    /// The local variables a statement evaluated for its effect may change: the receiver of
    /// a method call (taken as `&mut self`: `idx.sort()`) and the target of an assignment
    /// (`c[k] += 1`) on an integer sequence, say. Conservative: any method call counts,
    /// except `push` ([`Konst::pushed`]) and `reserve`, which changes no value.
    pub fn mutated(&self, vars: &[Var]) -> Vec<VarId> {
        match self.method() {
            Some("push" | "reserve") => Vec::new(),
            Some("pop") => {
                let popped = self.popped(vars);
                self.target(vars)
                    .into_iter()
                    .filter(|v| !popped.contains(v))
                    .collect()
            }
            _ => self.target(vars),
        }
    }

    /// The locals a condition or an initializer advances, takes from or lends mutably
    /// (`stack.pop()` in `while let Some(k) = stack.pop()`, `step(&mut pos)`): receivers
    /// of the methods that take `&mut self` to hand out an item, and `&mut` borrows,
    /// anywhere in the expression.
    pub fn advanced(&self, vars: &[Var]) -> Vec<VarId> {
        struct Receivers(Vec<syn::Ident>);
        impl<'ast> syn::visit::Visit<'ast> for Receivers {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if TAKING_METHODS.contains(&m.method.to_string().as_str())
                    && let syn::Expr::Path(p) = &*m.receiver
                    && let Some(name) = p.path.get_ident()
                {
                    self.0.push(name.clone());
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
                if r.mutability.is_some()
                    && let syn::Expr::Path(p) = &*r.expr
                    && let Some(name) = p.path.get_ident()
                {
                    self.0.push(name.clone());
                }
                syn::visit::visit_expr_reference(self, r);
            }
        }
        let mut found = Receivers(Vec::new());
        syn::visit::Visit::visit_expr(&mut found, &self.expr);
        self.reads
            .iter()
            .copied()
            .filter(|&v| found.0.contains(&vars[v].ident))
            .collect()
    }

    /// The sequence a statement pushes one element onto (`v.push(x)`): the elements it had
    /// keep their values; the reverse sweep takes the new one off again (`v.pop()`), so what
    /// it reads of the length is what it was.
    pub fn pushed(&self, vars: &[Var]) -> Vec<VarId> {
        match self.method() {
            Some("push") => self.target(vars),
            _ => Vec::new(),
        }
    }

    /// The sequence of floats a statement takes its last element off (`v.pop()`, lowered
    /// after `v[n] = 0.0;` so that the element's value is saved as an overwritten one's):
    /// the reverse sweep puts an element back (`v.push(0.0)`), which the reverse of that
    /// write then restores.
    pub fn popped(&self, vars: &[Var]) -> Vec<VarId> {
        match self.method() {
            Some("pop") => self
                .target(vars)
                .into_iter()
                .filter(|&v| vars[v].kind == Kind::Seq)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The sequences whose length a statement changes, and nothing else of them: those it
    /// pushes onto or pops off.
    pub fn resized(&self, vars: &[Var]) -> Vec<VarId> {
        let mut found = self.pushed(vars);
        found.extend(self.popped(vars));
        found
    }

    fn method(&self) -> Option<&'static str> {
        match &self.expr {
            syn::Expr::MethodCall(m) if m.method == "push" => Some("push"),
            syn::Expr::MethodCall(m) if m.method == "reserve" => Some("reserve"),
            syn::Expr::MethodCall(m) if m.method == "pop" && m.args.is_empty() => Some("pop"),
            _ => None,
        }
    }

    /// The local a method call or an assignment acts on.
    fn target(&self, vars: &[Var]) -> Vec<VarId> {
        fn root(e: &syn::Expr) -> Option<&syn::Ident> {
            match e {
                syn::Expr::Path(p) => p.path.get_ident(),
                syn::Expr::Index(i) => root(&i.expr),
                syn::Expr::Field(f) => root(&f.base),
                syn::Expr::Paren(p) => root(&p.expr),
                syn::Expr::Group(g) => root(&g.expr),
                _ => None,
            }
        }
        let target = match &self.expr {
            syn::Expr::MethodCall(m) => root(&m.receiver),
            syn::Expr::Assign(a) => root(&a.left),
            syn::Expr::Binary(b) if compound_assign(&b.op) => root(&b.left),
            _ => None,
        };
        // The names in a constant are the IR's, unique: the read with the target's name.
        self.reads
            .iter()
            .copied()
            .filter(|&v| target.is_some_and(|t| vars[v].ident == *t))
            .collect()
    }
}

/// `+=`, `<<=` and the other assignments with an operator.
pub(crate) fn compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// Which element of an array: `[i]` of a sequence, `[[i, j]]` of an ndarray array (one
/// level, whose expression is the pattern `[i, j]`), or `[i][j]` of a nested sequence
/// (`Vec<Vec<f64>>`, `[[f64; N]; M]`): one constant per level, outermost first. In a
/// sequence of structs, fields between the levels: `[l].w[j]` of `layers`, the second list
/// holding `(1, w)` (the field `.w` after the first level).
#[derive(Clone)]
pub struct Index(pub Vec<Konst>, pub Vec<(usize, syn::Member)>);

impl Index {
    pub fn one(k: Konst) -> Index {
        Index(vec![k], Vec::new())
    }

    /// The levels, without fields.
    pub fn levels(levels: Vec<Konst>) -> Index {
        Index(levels, Vec::new())
    }

    /// The fields read after the first `k` levels.
    fn fields_at(&self, k: usize) -> impl Iterator<Item = &syn::Member> {
        self.1
            .iter()
            .filter(move |(at, _)| *at == k)
            .map(|(_, m)| m)
    }

    /// The local variables the index reads, at every level.
    pub fn reads(&self) -> impl Iterator<Item = &VarId> {
        self.0.iter().flat_map(|k| &k.reads)
    }

    /// The index of a flat sequence or an ndarray array: its one level.
    pub fn single(&self) -> Option<&Konst> {
        match self.0.as_slice() {
            [k] if self.1.is_empty() => Some(k),
            _ => None,
        }
    }

    /// The index as text, to compare two indices: equal texts are equal indices. A literal
    /// or a variable is written out directly (most indices are, and printing tokens is
    /// slow as proc macros are built); anything else as its tokens print.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for (at, k) in self.0.iter().enumerate() {
            for m in self.fields_at(at) {
                text.push('.');
                text.push_str(&quote::ToTokens::to_token_stream(m).to_string());
            }
            text.push('[');
            match &k.expr {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }) => text.push_str(n.base10_digits()),
                syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                    text.push_str(&p.path.segments[0].ident.to_string())
                }
                e => text.push_str(&quote::ToTokens::to_token_stream(e).to_string()),
            }
            text.push(']');
        }
        for m in self.fields_at(self.0.len()) {
            text.push('.');
            text.push_str(&quote::ToTokens::to_token_stream(m).to_string());
        }
        text
    }
}

impl quote::ToTokens for Index {
    /// `[i]`, `[[i, j]]` or `[i][j]`; `[l].w[j]` with fields.
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        for (at, k) in self.0.iter().enumerate() {
            for m in self.fields_at(at) {
                tokens.extend(quote::quote!(.#m));
            }
            let e = &k.expr;
            tokens.extend(quote::quote!([#e]));
        }
        for m in self.fields_at(self.0.len()) {
            tokens.extend(quote::quote!(.#m));
        }
    }
}

/// An input of an operation.
#[derive(Clone)]
pub enum Operand {
    Var(VarId),
    /// `x[i]` of a `Seq` variable (`x[i][j]` of a nested one), `a[[i, j]]` of a `Tensor`.
    Elem(VarId, Index),
    Konst(Konst),
}

impl Operand {
    /// The variable whose value or element this operand reads, if any.
    pub fn var(&self) -> Option<VarId> {
        match self {
            Operand::Var(v) | Operand::Elem(v, _) => Some(*v),
            Operand::Konst(_) => None,
        }
    }

    /// The variable, when the operand is its whole value (not an element of it).
    pub fn whole(&self) -> Option<VarId> {
        match self {
            Operand::Var(v) => Some(*v),
            Operand::Elem(..) | Operand::Konst(_) => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

pub use crate::ops::Math;

/// A call to another `#[differentiate]` function or a gate, through its module's `__vjp`.
#[derive(Clone)]
pub struct Call {
    /// The function's path as the user wrote it, without generic arguments.
    pub path: syn::Path,
    /// `receiver.forward(x)`: a differentiated method of the receiver's type (the first
    /// argument, passed by reference), whose module's items are reached through the handle
    /// `receiver.__differentiate_forward()`, as the macro does not know the receiver's type.
    /// `path` is then the method's name.
    pub method: Option<syn::Ident>,
    /// Generic arguments the user gave the last segment (`f::<f32>(x)`).
    pub generics: Option<syn::AngleBracketedGenericArguments>,
    pub args: Vec<Arg>,
    /// The variable holding the call's pullback, when the call is active.
    pub pullback: VarId,
    /// An argument borrows a local of the caller: a pullback kept from the forward pass
    /// would borrow a value the gradient closure owns, so the backward pass calls `__vjp`
    /// again (the callee's forward pass runs twice).
    pub recompute: bool,
    /// An argument borrows a sequence local to the caller, and the callee is a method, whose
    /// module has `__vjp_owned`: a pullback that owns copies of the borrowed sequences. It
    /// is kept from the forward pass as any other (not [`Call::recompute`]).
    pub owned: bool,
    /// The call's result, when the call is made again in the backward pass and its result
    /// is known to be a float: the backward pass makes the pullback from the arguments and
    /// this value (`__pullback_at`), so a gate's backward rule runs without its forward pass
    /// again. Lowering records the variable of every call made again (the function's own
    /// result is known only once its body is lowered); `lower::call_results` keeps the
    /// floats.
    pub result: Option<VarId>,
    /// `&x[a..b]`, lowered to the runtime's `sub_slice` gate: the result is a new sequence.
    pub sub_slice: bool,
    /// The callee returns a tuple, which the caller reads as the array the callee computes
    /// it as (`__vjp` gives that array; a plain call is converted).
    pub tuple: bool,
    /// The function calls itself: its pullback goes through `__vjp_boxed` (a boxed closure,
    /// so the pullback's type does not contain itself).
    pub recursive: bool,
    /// A call of the function to itself whose pullback adds into the caller's gradients
    /// (`__vjp_into_boxed`) instead of returning fresh ones: see [`crate::lower::pull_into`].
    pub into: bool,
    pub span: Span,
}

impl Call {
    /// A call of the runtime's `array_from_vec` gate (`Array1::from_vec(v)` of a `Vec` of
    /// floats): its result is an array.
    pub fn makes_array(&self) -> bool {
        self.runtime_gate("array_from_vec")
    }

    /// A call to the runtime's `array_to_vec` (`x.to_vec()` of an array): a `Vec`.
    pub fn makes_vec(&self) -> bool {
        self.runtime_gate("array_to_vec")
    }

    /// A call to the runtime's gate `name` (`backprop::__private::tensor::name`).
    fn runtime_gate(&self, name: &str) -> bool {
        self.method.is_none()
            && self.path.segments.len() > 1
            && self.path.segments.last().is_some_and(|s| s.ident == name)
            && self.path.segments.iter().any(|s| s.ident == "__private")
    }

    /// The callee's item that gives the value, its tangent and the pullback carrying
    /// tangents (forward over reverse): `__fob`, or `__fob_boxed` for a recursive call.
    pub fn fob_item(&self) -> &'static str {
        if self.recursive {
            "__fob_boxed"
        } else {
            "__fob"
        }
    }

    /// A call of another function's nested `grad` or `jvp` (`f::__grad(..)`,
    /// `f::__jvp_value(..)`): its module's `__pullback` makes the pullback without the value.
    pub fn nested(&self) -> bool {
        self.method.is_none()
            && self
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "__grad" || s.ident == "__jvp_value")
    }

    /// The callee's item that gives the value and the pullback: `__vjp`, `__vjp_owned`
    /// ([`Call::owned`]), or `__vjp_boxed` (`__vjp_into_boxed`) for a call of the function
    /// to itself.
    pub fn vjp_item(&self) -> &'static str {
        match (self.recursive, self.into, self.owned) {
            (true, true, _) => "__vjp_into_boxed",
            (true, false, _) => "__vjp_boxed",
            (false, _, true) => "__vjp_owned",
            _ => "__vjp",
        }
    }
}

#[derive(Clone)]
pub struct Arg {
    pub value: Operand,
    pub span: Span,
    /// Passed as `&value`.
    pub by_ref: bool,
    /// A part of a sequence passed whole (`&m[i]`, a row; `&x[a..b]`, a range): the value is
    /// an [`Operand::Elem`] whose index ends at the part, and the callee's gradient for it is
    /// added into that part of the sequence's adjoint.
    pub part: bool,
}

/// The right-hand side of a definition or assignment: one operation.
#[derive(Clone)]
pub enum Op {
    /// A value the derivative does not flow through.
    Konst(Konst),
    Copy(Operand),
    Neg(Operand),
    Bin(BinOp, Operand, Operand),
    /// `receiver.method(args)`.
    Math(Math, Operand, Vec<Operand>),
    /// `a as f32` / `a as f64`.
    Cast(Operand, syn::Type),
    Call(Call),
    /// `[a, b, c]`, or `vec![a, b, c]` when `vec` is set.
    List {
        items: Vec<Operand>,
        vec: bool,
    },
    /// `a.dot(&b)`: a matrix or vector product of arrays.
    Dot(Operand, Operand),
    /// A reduction or transposition of an array.
    Reduce(Reduction, Operand),
    /// `m.hidden.w` of a struct parameter `m`: read once, at the top of the body, by
    /// reference unless it is a float. Its gradient goes into the same field of `m`'s.
    Field(FieldRead),
}

#[derive(Clone)]
pub struct FieldRead {
    /// The struct parameter.
    pub root: VarId,
    /// `hidden.w`: the fields from the root.
    pub path: Vec<syn::Member>,
    /// Read by reference (an array, a sequence, a struct), or copied (a float).
    pub by_ref: bool,
    /// The chain as the user wrote it, for spans.
    pub span: Span,
}

impl FieldRead {
    /// `.hidden.w`.
    pub fn path_tokens(&self) -> proc_macro2::TokenStream {
        let path = &self.path;
        quote::quote!(#(.#path)*)
    }
}

pub use crate::ops::Reduction;

impl Op {
    /// Every operand, in source order.
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            Op::Konst(_) | Op::Field(_) => Vec::new(),
            Op::Copy(a) | Op::Neg(a) | Op::Cast(a, _) | Op::Reduce(_, a) => vec![a],
            Op::Bin(_, a, b) | Op::Dot(a, b) => vec![a, b],
            Op::Math(_, a, rest) => std::iter::once(a).chain(rest).collect(),
            Op::Call(call) => call.args.iter().map(|a| &a.value).collect(),
            Op::List { items, .. } => items.iter().collect(),
        }
    }

    /// Every variable whose value it reads: its operands, their indices, the variables a
    /// constant operand (or a constant operation) reads.
    pub fn reads(&self) -> Vec<VarId> {
        let mut out = Vec::new();
        for o in self.operands() {
            match o {
                Operand::Var(u) => out.push(*u),
                Operand::Elem(u, i) => {
                    out.push(*u);
                    out.extend(i.reads());
                }
                Operand::Konst(k) => out.extend(&k.reads),
            }
        }
        if let Op::Konst(k) = self {
            out.extend(&k.reads);
        }
        out
    }
}

/// A statement. After lowering, `Break` only ends a block, and `return` and `continue`
/// are gone: code after an `if` that can leave the block has moved into the branch that
/// goes on, so every path through a block is a path through its statement list.
#[derive(Clone)]
pub enum Stmt {
    /// `let var = op;`
    Let {
        var: VarId,
        op: Op,
        span: Span,
    },
    /// `let var;`: assigned exactly once on every path that follows.
    Declare {
        var: VarId,
    },
    /// `var = op;` (`init`: the first assignment of a declared variable).
    Assign {
        var: VarId,
        op: Op,
        init: bool,
        span: Span,
    },
    /// `var[index] = op;`
    SetElem {
        var: VarId,
        index: Index,
        op: Op,
        span: Span,
    },
    /// An expression evaluated for its effect (`check(n);`).
    Eval(Konst),
    If {
        cond: Konst,
        then: Block,
        els: Block,
        span: Span,
    },
    Loop {
        head: LoopHead,
        body: Block,
        span: Span,
    },
    Break,
}

#[derive(Clone)]
pub enum LoopHead {
    /// `for var in steps` over a `backprop::Steps` progression (ranges, slices' indices).
    Range {
        var: Option<VarId>,
        steps: Konst,
    },
    /// `for var in iter` over constants the derivative does not flow through.
    Iter {
        var: Option<VarId>,
        iter: Konst,
    },
    While {
        cond: Konst,
    },
    Infinite,
}

#[derive(Clone)]
pub struct Block {
    pub scope: ScopeId,
    pub stmts: Vec<Stmt>,
}

impl Block {
    /// Whether control never reaches the block's end (it ends in `break` on every path).
    pub fn exits(&self) -> bool {
        match self.stmts.last() {
            Some(Stmt::Break) => true,
            Some(Stmt::If { then, els, .. }) => then.exits() && els.exits(),
            _ => false,
        }
    }
}

/// How a parameter is passed, which fixes its gradient's type.
#[derive(Clone)]
pub enum ParamForm {
    /// `f32` / `f64`.
    Float,
    /// A sequence of floats; the gradient field's type.
    Seq(Box<syn::Type>),
    /// An ndarray array; the gradient field's type (an owned array of the same shape).
    Tensor(Box<syn::Type>),
    /// A struct deriving `Differentiable`; the gradient field's type (`{S}Grad`).
    Struct(Box<syn::Type>),
    /// Not differentiable: integers, `bool`, references to them, or left out by `wrt`.
    Const,
}

#[derive(Clone)]
pub struct Param {
    pub var: VarId,
    /// The parameter's name as the user wrote it: the `Grad` field's name.
    pub name: Ident,
    pub ty: syn::Type,
    pub form: ParamForm,
    pub mutable: bool,
    /// A float, sequence or array left out by `wrt(...)`: the gradient type it would have.
    /// Pullbacks give a zero of it in its place (and `jvp` takes one, ignored), so that a
    /// caller passing a value that carries a derivative there gets the one error that
    /// says so, not type errors in its generated code too.
    pub left_out: Option<syn::Type>,
}

impl Param {
    pub fn differentiable(&self) -> bool {
        !matches!(self.form, ParamForm::Const)
    }
}

/// The whole function, lowered.
#[derive(Clone)]
pub struct Func {
    pub name: Ident,
    pub vis: syn::Visibility,
    pub params: Vec<Param>,
    /// The lifetimes the user declared, kept on the generated functions.
    pub lifetimes: Vec<syn::LifetimeParam>,
    /// The type and const parameters, with their bounds (a `where` clause's folded in).
    pub type_params: Vec<syn::GenericParam>,
    /// The type parameter bounded by `Real`, when the function is generic over its float.
    pub float_ty: Option<Ident>,
    /// The result's type, as the generated code computes it: a tuple result `(T, T)` is the
    /// array `[T; 2]` there.
    pub ret: syn::Type,
    pub ret_kind: Kind,
    /// The tuple type of a tuple result, which the public items take and give.
    pub tuple_ret: Option<syn::Type>,
    pub vars: Vec<Var>,
    pub scopes: Vec<Scope>,
    pub body: Block,
    /// The function's value, after the body.
    pub result: Operand,
    /// The names taken so far; later passes take theirs from it too.
    pub names: crate::names::Names,
    /// Items the body declares (`const EPS: f64 = 1e-9;`, `use std::f64::consts::PI;`,
    /// `fn helper(..)`), declared again in the generated module, where the generated
    /// functions see them as the body does.
    pub items: Vec<syn::Item>,
}

impl Func {
    /// Each block's variables (indexed by scope), in order.
    pub fn vars_by_scope(&self) -> Vec<Vec<VarId>> {
        let mut by = vec![Vec::new(); self.scopes.len()];
        for (v, var) in self.vars.iter().enumerate() {
            by[var.scope].push(v);
        }
        by
    }

    /// Whether `v` is a parameter passed as a reference (`x: &Array2<T>`, `a: &[f64]`), or
    /// a field of a parameter read by reference (`let m_w = &m.w;`, the body's first
    /// statements).
    pub fn borrowed_param(&self, v: VarId) -> bool {
        let param = self.vars[v]
            .param
            .is_some_and(|p| matches!(self.params[p].ty, syn::Type::Reference(_)));
        param
            || self.body.stmts.iter().any(|s| {
                matches!(s, Stmt::Let { var, op: Op::Field(read), .. } if *var == v && read.by_ref)
            })
    }

    /// Whether `inner` is `outer` or nested in it.
    pub fn within(&self, inner: ScopeId, outer: ScopeId) -> bool {
        let mut s = Some(inner);
        while let Some(id) = s {
            if id == outer {
                return true;
            }
            s = self.scopes[id].parent;
        }
        false
    }
}

/// A float constant of the function's float type: the literal (`2.0`) for `f32`/`f64`, or
/// `T::zero()`, `T::one()`, `T::from_f64(2.0)` when the function is generic over `T: Real`.
pub fn float_lit(float_ty: Option<&Ident>, text: &str) -> proc_macro2::TokenStream {
    let lit = syn::LitFloat::new(text, Span::mixed_site());
    match float_ty {
        None => quote::quote!(#lit),
        Some(t) => match text {
            "0.0" => quote::quote!(#t::zero()),
            "1.0" => quote::quote!(#t::one()),
            _ => quote::quote!(#t::from_f64(#lit)),
        },
    }
}
