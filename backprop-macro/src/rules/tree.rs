//! The expression tree derivative code is built from (`E`), the places gradients add to
//! (`Place`), what a backward rule adds (`Contrib`), their builders and what they read.

use crate::ir::*;
use crate::ops::{Helper, Kernel, Method};

/// An expression of generated code.
#[derive(Clone)]
pub enum E {
    /// A primal variable's value.
    Var(VarId),
    /// A variable's adjoint, `grad_v`.
    Adj(VarId),
    /// A variable's tangent, `dot_v`.
    Dot(VarId),
    /// `v[i]` of a primal sequence.
    Elem(VarId, Index),
    /// `grad_v[i]`.
    AdjElem(VarId, Index),
    /// `dot_v[i]`.
    DotElem(VarId, Index),
    /// `upstream_v`: the adjoint of `v` before an assignment `v = f(v, ...)` reset it.
    Up(VarId),
    /// `if cond { a } else { b }`.
    Select(Box<E>, Box<E>, Box<E>),
    /// The tangent of an adjoint, `dot_grad_v` (forward over reverse).
    DotAdj(VarId),
    /// `dot_grad_v[i]`.
    DotAdjElem(VarId, Index),
    /// `dot_upstream_v`.
    DotUp(VarId),
    /// The expression over arrays: its arithmetic goes through the runtime's tensor kernels.
    Tensor(Box<E>),
    Konst(Konst),
    /// A float literal (`1.0`): the float type comes from the other operand.
    Lit(&'static str),
    Bin(BinOp, Box<E>, Box<E>),
    Neg(Box<E>),
    /// `receiver.method(args)`.
    Method(Method, Box<E>, Vec<E>),
    /// `backprop::__private::d::name(args)`.
    Helper(Helper, Vec<E>),
    /// `backprop::__private::tensor::name(args)`.
    Kernel(Kernel, Vec<E>),
    /// `e.0`.
    Field(Box<E>, usize),
    /// Calling a variable: `pullback_y(grad_y)`.
    Apply(VarId, Vec<E>),
    Not(Box<E>),
}

/// Where a contribution goes.
#[derive(Clone)]
pub enum Place {
    Var(VarId),
    Elem(VarId, Index),
    /// A part of a sequence, `m[i]` or `x[a..b]`, that a call's gradient is added into
    /// whole ([`Arg::part`]).
    Part(VarId, Index),
}

impl Place {
    pub fn var(&self) -> VarId {
        match self {
            Place::Var(v) | Place::Elem(v, _) | Place::Part(v, _) => *v,
        }
    }

    /// The value there: `v`, `v[i]` or `v[a..b]`.
    pub fn value(&self) -> E {
        match self {
            Place::Var(v) => E::Var(*v),
            Place::Elem(v, i) | Place::Part(v, i) => E::Elem(*v, i.clone()),
        }
    }

    /// Its tangent: `dot_v`, `dot_v[i]` or `dot_v[a..b]`.
    pub fn tangent(&self) -> E {
        match self {
            Place::Var(v) => E::Dot(*v),
            Place::Elem(v, i) | Place::Part(v, i) => E::DotElem(*v, i.clone()),
        }
    }

    /// The index of an element or part.
    pub fn index(&self) -> Option<&Index> {
        match self {
            Place::Var(_) => None,
            Place::Elem(_, i) | Place::Part(_, i) => Some(i),
        }
    }

    /// Whether a contribution is added to it as a whole sequence or array
    /// (`accumulate(&mut grad_v, ..)`), not as one float.
    pub fn is_whole(&self, vars: &[Var]) -> bool {
        match self {
            Place::Var(v) => vars[*v].kind != Kind::Float,
            Place::Elem(..) => false,
            Place::Part(..) => true,
        }
    }
}

/// What the backward pass of one operation adds to its inputs' adjoints.
#[derive(Clone)]
pub enum Contrib {
    /// `place += value`.
    Add(Place, E),
    /// `if cond { then } else { els }`: where the gradient is routed (max, min, clamp).
    Branch(E, Vec<Contrib>, Vec<Contrib>),
    /// `let grads = pullback(upstream);` then `place += grads.i` for each part.
    Pullback {
        pullback: VarId,
        upstream: E,
        parts: Vec<(Place, usize)>,
        /// The call, when its pullback is made in the backward pass (`Call::recompute`).
        recompute: Option<Box<Call>>,
    },
}

pub fn lit(s: &'static str) -> E {
    E::Lit(s)
}

pub fn mul(a: E, b: E) -> E {
    match (&a, &b) {
        (E::Lit("1.0"), _) => b,
        (_, E::Lit("1.0")) => a,
        _ => E::Bin(BinOp::Mul, Box::new(a), Box::new(b)),
    }
}

pub fn div(a: E, b: E) -> E {
    match &b {
        E::Lit("1.0") => a,
        _ => E::Bin(BinOp::Div, Box::new(a), Box::new(b)),
    }
}

pub fn add(a: E, b: E) -> E {
    match (a, b) {
        (a, E::Neg(b)) => E::Bin(BinOp::Sub, Box::new(a), b),
        (E::Neg(a), b) => E::Bin(BinOp::Sub, Box::new(b), a),
        (a, b) => E::Bin(BinOp::Add, Box::new(a), Box::new(b)),
    }
}

/// The sum of two tangents, either of which may be zero (`None`).
pub fn add_either(a: Option<E>, b: Option<E>) -> Option<E> {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x),
        (Some(x), Some(y)) => Some(add(x, y)),
    }
}

pub fn sub(a: E, b: E) -> E {
    E::Bin(BinOp::Sub, Box::new(a), Box::new(b))
}

pub fn neg(a: E) -> E {
    match a {
        E::Neg(inner) => *inner,
        a => E::Neg(Box::new(a)),
    }
}

pub(super) fn method(name: Method, receiver: E, args: Vec<E>) -> E {
    E::Method(name, Box::new(receiver), args)
}

pub(super) fn helper(name: Helper, args: Vec<E>) -> E {
    E::Helper(name, args)
}

pub fn operand(o: &Operand) -> E {
    match o {
        Operand::Var(v) => E::Var(*v),
        Operand::Elem(v, i) => E::Elem(*v, i.clone()),
        Operand::Konst(k) => match konst_literal(k) {
            Some(l) => E::Lit(l),
            None => E::Konst(k.clone()),
        },
    }
}

/// `1.0` written by the user is the literal the simplifications know.
fn konst_literal(k: &Konst) -> Option<&'static str> {
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Float(f),
        ..
    }) = &k.expr
        && f.suffix().is_empty()
        && f.base10_parse::<f64>().ok() == Some(1.0)
    {
        return Some("1.0");
    }
    None
}

/// The place an operand's adjoint lives, if the operand carries a derivative.
pub fn place(o: &Operand, active: &dyn Fn(VarId) -> bool) -> Option<Place> {
    match o {
        Operand::Var(v) if active(*v) => Some(Place::Var(*v)),
        Operand::Elem(v, i) if active(*v) => Some(Place::Elem(*v, i.clone())),
        _ => None,
    }
}

/// A call argument's place: the part of a sequence it is, when it is one.
pub fn part_of(arg: &Arg, place: Place) -> Place {
    match place {
        Place::Elem(v, i) if arg.part => Place::Part(v, i),
        place => place,
    }
}

pub fn same_place(a: &Place, b: &Place) -> bool {
    match (a, b) {
        (Place::Var(x), Place::Var(y)) => x == y,
        (Place::Elem(x, i), Place::Elem(y, j)) | (Place::Part(x, i), Place::Part(y, j)) => {
            x == y && i.text() == j.text()
        }
        _ => false,
    }
}

impl E {
    /// The expression's direct subexpressions, in order: the one walk every pass over the
    /// tree builds on.
    pub fn for_each_child(&self, mut f: impl FnMut(&E)) {
        match self {
            E::Tensor(a) | E::Neg(a) | E::Not(a) | E::Field(a, _) => f(a),
            E::Bin(_, a, b) => {
                f(a);
                f(b);
            }
            E::Select(c, a, b) => {
                f(c);
                f(a);
                f(b);
            }
            E::Method(_, r, args) => {
                f(r);
                args.iter().for_each(f);
            }
            E::Helper(_, args) | E::Kernel(_, args) | E::Apply(_, args) => args.iter().for_each(f),
            E::Var(_)
            | E::Adj(_)
            | E::Dot(_)
            | E::Elem(..)
            | E::AdjElem(..)
            | E::DotElem(..)
            | E::Up(_)
            | E::DotAdj(_)
            | E::DotAdjElem(..)
            | E::DotUp(_)
            | E::Konst(_)
            | E::Lit(_) => {}
        }
    }

    /// The number of nodes in the tree.
    pub fn size(&self) -> usize {
        let mut n = 1;
        self.for_each_child(|c| n += c.size());
        n
    }

    /// The primal variables this node itself reads, not counting its subexpressions: a
    /// variable, an element's sequence and index, a constant's inputs, a called closure.
    pub fn own_reads(&self, out: &mut Vec<VarId>) {
        match self {
            E::Var(v) | E::Apply(v, _) => out.push(*v),
            E::Elem(v, i) => {
                out.push(*v);
                out.extend(i.reads());
            }
            E::AdjElem(_, i) | E::DotElem(_, i) | E::DotAdjElem(_, i) => out.extend(i.reads()),
            E::Konst(k) => out.extend(&k.reads),
            _ => {}
        }
    }
}

/// Every variable an expression reads, in order.
pub fn reads(e: &E, out: &mut Vec<VarId>) {
    e.own_reads(out);
    e.for_each_child(|c| reads(c, out));
}

/// Every primal variable the contributions read.
pub fn contrib_reads(cs: &[Contrib], out: &mut Vec<VarId>) {
    for c in cs {
        match c {
            Contrib::Add(p, e) => {
                if let Some(i) = p.index() {
                    out.extend(i.reads());
                }
                reads(e, out);
            }
            Contrib::Branch(cond, a, b) => {
                reads(cond, out);
                contrib_reads(a, out);
                contrib_reads(b, out);
            }
            Contrib::Pullback {
                pullback,
                upstream,
                parts,
                recompute,
            } => {
                match recompute {
                    // The backward pass makes the pullback again: it reads the arguments
                    // (and the result, given to `__pullback_at`).
                    Some(call) => {
                        for a in &call.args {
                            reads(&operand(&a.value), out);
                        }
                        out.extend(call.result);
                    }
                    None => out.push(*pullback),
                }
                reads(upstream, out);
                for (p, _) in parts {
                    if let Some(i) = p.index() {
                        out.extend(i.reads());
                    }
                }
            }
        }
    }
}

/// Every place the contributions add to.
pub fn contrib_places(cs: &[Contrib], out: &mut Vec<VarId>) {
    for c in cs {
        match c {
            Contrib::Add(p, _) => out.push(p.var()),
            Contrib::Branch(_, a, b) => {
                contrib_places(a, out);
                contrib_places(b, out);
            }
            Contrib::Pullback { parts, .. } => out.extend(parts.iter().map(|(p, _)| p.var())),
        }
    }
}
