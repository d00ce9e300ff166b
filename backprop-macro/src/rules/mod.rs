//! Local derivatives: for each operation, what it adds to the adjoint of each input
//! (reverse mode) and what its tangent is (forward mode). The lecture's gate patterns are
//! here: add distributes (`grad_a += grad`), mul swaps (`grad_a += grad * b`), max routes.

use crate::ir::*;
use crate::ops::{Helper, Kernel, Method};

mod tree;

pub use tree::*;
use tree::{helper, method};

/// What a rule's operands are: floats, or arrays taken elementwise. The derivatives are
/// the same; the rules for floats are written for the shortest chain from the upstream.
#[derive(Clone, Copy, PartialEq)]
enum Values {
    Floats,
    Arrays,
}

impl Values {
    /// `up` divided by the primal value `b`. For floats, `up * (1.0 / b)`: the reciprocal
    /// reads primal values only, so it is computed off the upstream's path (once for every
    /// adjoint that needs it) and the upstream, the chain the backward pass waits on, is
    /// multiplied, not divided; carried several at a time (`Tangents`), one division
    /// serves every lane. For arrays `up / b`, where a reciprocal would be an array of its
    /// own.
    fn over(self, up: E, b: E) -> E {
        match self {
            Values::Floats => mul(up, div(lit("1.0"), b)),
            Values::Arrays => div(up, b),
        }
    }
}

/// The reverse rule of `out = op`: contributions to the active inputs, given the upstream
/// adjoint `up` and the output's value `out`.
pub fn backward(op: &Op, up: E, out: E, active: &dyn Fn(VarId) -> bool) -> Vec<Contrib> {
    backward_of(op, up, out, active, Values::Floats)
}

fn backward_of(
    op: &Op,
    up: E,
    out: E,
    active: &dyn Fn(VarId) -> bool,
    values: Values,
) -> Vec<Contrib> {
    let p = |o: &Operand| place(o, active);
    let mut c = Vec::new();
    let mut add_to = |o: &Operand, value: E| {
        if let Some(place) = p(o) {
            c.push(Contrib::Add(place, value));
        }
    };
    match op {
        // A field's gradient goes into the struct's when the backward pass ends.
        Op::Konst(_) | Op::Field(_) => {}
        Op::Copy(a) => add_to(a, up),
        Op::Neg(a) => add_to(a, neg(up)),
        Op::Cast(a, _) => add_to(a, helper(Helper::CastLike, vec![up, operand(a)])),
        Op::Bin(BinOp::Add, a, b) => {
            add_to(a, up.clone());
            add_to(b, up);
        }
        Op::Bin(BinOp::Sub, a, b) => {
            add_to(a, up.clone());
            add_to(b, neg(up));
        }
        // A float's square: one contribution, `up * (2.0 * a)`, the sum of the two below
        // (doubling is exact: bit for bit but where `up * a` is subnormal), and one product
        // and sum fewer on the upstream's path.
        Op::Bin(BinOp::Mul, a, b)
            if values == Values::Floats
                && p(a).zip(p(b)).is_some_and(|(x, y)| same_place(&x, &y)) =>
        {
            add_to(a, mul(up, mul(lit("2.0"), operand(a))));
        }
        Op::Bin(BinOp::Mul, a, b) => {
            // The mul gate swaps its inputs.
            add_to(a, mul(up.clone(), operand(b)));
            add_to(b, mul(up, operand(a)));
        }
        Op::Bin(BinOp::Div, a, b) => {
            add_to(a, values.over(up.clone(), operand(b)));
            // d(a/b)/db = -a/b², as `-(up / b) * (a / b)`: `b * b` over- or underflows
            // where `a / b` and the derivative do not (|b| beyond 1e154 or below 1e-154).
            add_to(
                b,
                mul(
                    neg(values.over(up, operand(b))),
                    div(operand(a), operand(b)),
                ),
            );
        }
        Op::Math(m, a, rest) => return math_backward(*m, a, rest, up, out, active, values),
        Op::Call(call) => {
            let parts: Vec<(Place, usize)> = call
                .args
                .iter()
                .enumerate()
                .filter_map(|(i, arg)| p(&arg.value).map(|pl| (part_of(arg, pl), i)))
                .collect();
            if !parts.is_empty() {
                c.push(Contrib::Pullback {
                    pullback: call.pullback,
                    upstream: up,
                    parts,
                    recompute: call.recompute.then(|| Box::new(call.clone())),
                });
            }
        }
        // Array operations: see `backward_tensor`.
        Op::Dot(..) | Op::Reduce(..) => {}
        Op::List { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                let index = Index::one(Konst {
                    expr: syn::parse_quote!(#i),
                    reads: Vec::new(),
                });
                let value = match &up {
                    E::Adj(v) => E::AdjElem(*v, index),
                    other => other.clone(),
                };
                add_to(item, value);
            }
        }
    }
    c
}

/// `up` times the derivative of a sine (`cos x`) or a cosine (`-sin x`), from `other`, the
/// other function of the same value: computed again, or read from its twin.
fn sin_cos_local(m: Math, up: E, other: E) -> E {
    match m {
        Math::Sin => mul(up, other),
        _ => mul(neg(up), other),
    }
}

/// The reverse rule of `s = x.sin()` or `c = x.cos()` when the other of the two, of the
/// same value, is in the variable `twin` ([`crate::ir::Var::twin`]): it reads that
/// instead of computing the other function again. `None` for any other operation.
pub fn twin_backward(
    op: &Op,
    up: E,
    twin: VarId,
    active: &dyn Fn(VarId) -> bool,
) -> Option<Vec<Contrib>> {
    let Op::Math(m @ (Math::Sin | Math::Cos), x, _) = op else {
        return None;
    };
    let local = sin_cos_local(*m, up, E::Var(twin));
    Some(
        place(x, active)
            .map(|p| Contrib::Add(p, local))
            .into_iter()
            .collect(),
    )
}

fn math_backward(
    m: Math,
    a: &Operand,
    rest: &[Operand],
    up: E,
    y: E,
    active: &dyn Fn(VarId) -> bool,
    values: Values,
) -> Vec<Contrib> {
    let x = operand(a);
    let over = |up: E, b: E| values.over(up, b);
    let one = || lit("1.0");
    let mut c = Vec::new();
    let mut add_to = |o: &Operand, value: E| {
        if let Some(place) = place(o, active) {
            c.push(Contrib::Add(place, value));
        }
    };
    let local = match m {
        Math::Exp => Some(mul(up.clone(), y.clone())),
        Math::Exp2 => Some(mul(up.clone(), helper(Helper::Exp2, vec![y.clone()]))),
        Math::ExpM1 => Some(mul(up.clone(), add(y.clone(), one()))),
        Math::Ln => Some(over(up.clone(), x.clone())),
        Math::Ln1p => Some(over(up.clone(), add(one(), x.clone()))),
        Math::Log2 => Some(mul(up.clone(), helper(Helper::Log2, vec![x.clone()]))),
        Math::Log10 => Some(mul(up.clone(), helper(Helper::Log10, vec![x.clone()]))),
        Math::Log => {
            // x.log(b) = ln x / ln b: d/dx = 1 / (x ln b), d/db = -(x.log(b)) / (b ln b).
            // `ln b` through a helper typed by `x`: a literal base (`x.log(3.0)`) has no float
            // type of its own to call `.ln()` on.
            let base = operand(&rest[0]);
            let ln_base = helper(Helper::LnBase, vec![x.clone(), base.clone()]);
            add_to(
                &rest[0],
                neg(over(mul(up.clone(), y.clone()), mul(base, ln_base.clone()))),
            );
            Some(over(up.clone(), mul(x.clone(), ln_base)))
        }
        Math::Sqrt => Some(over(up.clone(), mul(lit("2.0"), y.clone()))),
        Math::Cbrt => Some(over(up.clone(), mul(mul(lit("3.0"), y.clone()), y.clone()))),
        Math::Powi => Some(mul(
            up.clone(),
            helper(Helper::Powi, vec![x.clone(), operand(&rest[0])]),
        )),
        Math::Powf => {
            add_to(
                &rest[0],
                mul(
                    up.clone(),
                    helper(Helper::PowfExponent, vec![x.clone(), y.clone()]),
                ),
            );
            Some(mul(
                up.clone(),
                helper(Helper::PowfBase, vec![x.clone(), operand(&rest[0])]),
            ))
        }
        Math::Sin => Some(sin_cos_local(
            m,
            up.clone(),
            method(Method::Cos, x.clone(), vec![]),
        )),
        Math::Cos => Some(sin_cos_local(
            m,
            up.clone(),
            method(Method::Sin, x.clone(), vec![]),
        )),
        Math::Tan => Some(mul(up.clone(), add(one(), mul(y.clone(), y.clone())))),
        Math::Asin => Some(over(
            up.clone(),
            method(Method::Sqrt, sub(one(), mul(x.clone(), x.clone())), vec![]),
        )),
        Math::Acos => Some(over(
            neg(up.clone()),
            method(Method::Sqrt, sub(one(), mul(x.clone(), x.clone())), vec![]),
        )),
        Math::Atan => Some(over(up.clone(), add(one(), mul(x.clone(), x.clone())))),
        Math::Atan2 => {
            // y.atan2(x): d/dy = x / (x² + y²), d/dx = -y / (x² + y²), as (x / h) / h with
            // h = y.hypot(x), so neither tiny nor huge arguments overflow.
            let other = operand(&rest[0]);
            let h = method(Method::Hypot, x.clone(), vec![other.clone()]);
            add_to(
                &rest[0],
                neg(over(mul(up.clone(), div(x.clone(), h.clone())), h.clone())),
            );
            Some(over(mul(up.clone(), div(other, h.clone())), h))
        }
        Math::Sinh => Some(mul(up.clone(), method(Method::Cosh, x.clone(), vec![]))),
        Math::Cosh => Some(mul(up.clone(), method(Method::Sinh, x.clone(), vec![]))),
        Math::Tanh => Some(mul(up.clone(), sub(one(), mul(y.clone(), y.clone())))),
        Math::Asinh => Some(over(
            up.clone(),
            method(Method::Sqrt, add(mul(x.clone(), x.clone()), one()), vec![]),
        )),
        Math::Acosh => Some(over(
            up.clone(),
            method(Method::Sqrt, sub(mul(x.clone(), x.clone()), one()), vec![]),
        )),
        Math::Atanh => Some(over(up.clone(), sub(one(), mul(x.clone(), x.clone())))),
        Math::Abs => Some(mul(up.clone(), helper(Helper::Abs, vec![x.clone()]))),
        Math::Recip => Some(mul(mul(neg(up.clone()), y.clone()), y.clone())),
        Math::Hypot => {
            let other = operand(&rest[0]);
            add_to(&rest[0], over(mul(up.clone(), other), y.clone()));
            Some(over(mul(up.clone(), x.clone()), y.clone()))
        }
        Math::MulAdd => {
            add_to(&rest[0], mul(up.clone(), x.clone()));
            add_to(&rest[1], up.clone());
            Some(mul(up.clone(), operand(&rest[0])))
        }
        // x.fract() = x − x.trunc(): slope 1 between the integers.
        Math::Fract => Some(up.clone()),
        // x.copysign(s) is x or −x, as the signs of x and s agree: d/ds = 0.
        Math::Copysign => Some(mul(
            up.clone(),
            helper(Helper::CopysignDx, vec![x.clone(), operand(&rest[0])]),
        )),
        // x.rem_euclid(b) = x − b·x.div_euclid(b), and x % b = x − b·(x / b).trunc(): the
        // quotient piecewise constant.
        Math::RemEuclid | Math::Rem => {
            let quotient = match m {
                Math::RemEuclid => Helper::DivEuclid,
                _ => Helper::RemQuotient,
            };
            let b = operand(&rest[0]);
            add_to(
                &rest[0],
                neg(mul(up.clone(), helper(quotient, vec![x.clone(), b]))),
            );
            Some(up.clone())
        }
        Math::ToDegrees => Some(helper(Helper::ToDegrees, vec![up.clone()])),
        Math::ToRadians => Some(helper(Helper::ToRadians, vec![up.clone()])),
        Math::Max | Math::Min => {
            // The max gate routes the whole gradient to the input it picked.
            let picks = m.picks_first().expect("max and min pick");
            let cond = helper(picks, vec![x.clone(), operand(&rest[0])]);
            let first: Vec<Contrib> = place(a, active)
                .map(|p| Contrib::Add(p, up.clone()))
                .into_iter()
                .collect();
            let second: Vec<Contrib> = place(&rest[0], active)
                .map(|p| Contrib::Add(p, up.clone()))
                .into_iter()
                .collect();
            return route(cond, first, second);
        }
        Math::Clamp => {
            // x.clamp(lo, hi): to `lo` below it, to `hi` above it, to `x` in between.
            let (lo, hi) = (&rest[0], &rest[1]);
            let to = |o: &Operand| -> Vec<Contrib> {
                place(o, active)
                    .map(|p| Contrib::Add(p, up.clone()))
                    .into_iter()
                    .collect()
            };
            let inner = route(
                helper(Helper::ClampBelowHi, vec![x.clone(), operand(hi)]),
                to(a),
                to(hi),
            );
            return route(
                helper(Helper::ClampAboveLo, vec![x.clone(), operand(lo)]),
                inner,
                to(lo),
            );
        }
    };
    if let Some(local) = local {
        add_to(a, local);
    }
    c
}

/// The tangent of `out = op` for a scalar operation: `Σᵢ ∂op/∂aᵢ · dot_aᵢ` over the active
/// inputs, or `None` when no input is active. The local derivatives are the reverse rules'
/// own: for a scalar operation the contribution to input `i` is linear in the upstream
/// adjoint, so evaluating it at `dot_aᵢ` gives `∂op/∂aᵢ · dot_aᵢ`.
pub fn tangent(op: &Op, out: E, active: &dyn Fn(VarId) -> bool) -> Option<E> {
    tangent_of(op, out, active, Values::Floats)
}

fn tangent_of(op: &Op, out: E, active: &dyn Fn(VarId) -> bool, values: Values) -> Option<E> {
    let dot = Place::tangent;
    let zero = || lit("0.0");
    match op {
        Op::Konst(_) | Op::Call(_) | Op::List { .. } | Op::Dot(..) | Op::Reduce(..) => None,
        Op::Cast(a, _) => place(a, active).map(|p| helper(Helper::CastLike, vec![dot(&p), out])),
        Op::Math(m @ (Math::Max | Math::Min), a, rest) => {
            let (pa, pb) = (place(a, active), place(&rest[0], active));
            if pa.is_none() && pb.is_none() {
                return None;
            }
            let picks = m.picks_first().expect("max and min pick");
            let cond = helper(picks, vec![operand(a), operand(&rest[0])]);
            let first = pa.as_ref().map(dot).unwrap_or_else(zero);
            let second = pb.as_ref().map(dot).unwrap_or_else(zero);
            Some(E::Select(Box::new(cond), Box::new(first), Box::new(second)))
        }
        Op::Math(Math::Clamp, x, rest) => {
            let (px, plo, phi) = (
                place(x, active),
                place(&rest[0], active),
                place(&rest[1], active),
            );
            if px.is_none() && plo.is_none() && phi.is_none() {
                return None;
            }
            let d = |p: &Option<Place>| p.as_ref().map(dot).unwrap_or_else(zero);
            let inner = E::Select(
                Box::new(helper(
                    Helper::ClampBelowHi,
                    vec![operand(x), operand(&rest[1])],
                )),
                Box::new(d(&px)),
                Box::new(d(&phi)),
            );
            Some(E::Select(
                Box::new(helper(
                    Helper::ClampAboveLo,
                    vec![operand(x), operand(&rest[0])],
                )),
                Box::new(inner),
                Box::new(d(&plo)),
            ))
        }
        _ => {
            let mut places: Vec<Place> = Vec::new();
            for o in op.operands() {
                if let Some(p) = place(o, active)
                    && !places.iter().any(|q| same_place(q, &p))
                {
                    places.push(p);
                }
            }
            let mut terms = Vec::new();
            for p in &places {
                for c in backward_of(op, dot(p), out.clone(), active, values) {
                    if let Contrib::Add(q, e) = c
                        && same_place(&q, p)
                    {
                        terms.push(e);
                    }
                }
            }
            terms.into_iter().reduce(add)
        }
    }
}

/// `if cond { first } else { second }`, without empty branches where possible.
fn route(cond: E, first: Vec<Contrib>, second: Vec<Contrib>) -> Vec<Contrib> {
    match (first.is_empty(), second.is_empty()) {
        (true, true) => Vec::new(),
        (false, true) => vec![Contrib::Branch(cond, first, Vec::new())],
        (true, false) => vec![Contrib::Branch(E::Not(Box::new(cond)), second, Vec::new())],
        (false, false) => vec![Contrib::Branch(cond, first, second)],
    }
}

/// Whether the rule of `op` reads the operation's own result.
pub fn reads_output(op: &Op) -> bool {
    match op {
        Op::Math(m, ..) => m.reads_output(),
        _ => false,
    }
}

/// The tangent of a generated expression (forward mode applied to the backward pass): the
/// product, quotient and chain rules over the tree, `None` where it is zero. Primal values
/// of inactive variables and constants have zero tangents.
pub fn tangent_e(e: &E, active: &dyn Fn(VarId) -> bool) -> Option<E> {
    let t = |x: &E| tangent_e(x, active);
    let zero_or = |x: Option<E>| x.unwrap_or_else(|| lit("0.0"));
    Some(match e {
        E::Var(v) if active(*v) => E::Dot(*v),
        E::Elem(v, i) if active(*v) => E::DotElem(*v, i.clone()),
        E::Var(_) | E::Elem(..) | E::Konst(_) | E::Lit(_) | E::Not(_) => return None,
        E::Adj(v) => E::DotAdj(*v),
        E::AdjElem(v, i) => E::DotAdjElem(*v, i.clone()),
        E::Up(v) => E::DotUp(*v),
        // Tangents of tangents do not occur: the backward pass reads no tangent.
        E::Dot(_) | E::DotElem(..) | E::DotAdj(_) | E::DotAdjElem(..) | E::DotUp(_) => return None,
        E::Bin(op, a, b) => {
            let (ta, tb) = (t(a), t(b));
            let (a, b) = ((**a).clone(), (**b).clone());
            match op {
                BinOp::Add => add_either(ta, tb)?,
                BinOp::Sub => match (ta, tb) {
                    (None, None) => return None,
                    (Some(x), None) => x,
                    (None, Some(y)) => neg(y),
                    (Some(x), Some(y)) => sub(x, y),
                },
                BinOp::Mul => match (ta, tb) {
                    (None, None) => return None,
                    (Some(x), None) => mul(x, b),
                    (None, Some(y)) => mul(a, y),
                    (Some(x), Some(y)) => add(mul(x, b), mul(a, y)),
                },
                BinOp::Div => match (ta, tb) {
                    (None, None) => return None,
                    (Some(x), None) => div(x, b),
                    // (x - y·(a/b)) / b, never forming b² (see the backward rule).
                    (ta, Some(y)) => {
                        let rest = mul(y, div(a, b.clone()));
                        match ta {
                            Some(x) => div(sub(x, rest), b),
                            None => div(neg(rest), b),
                        }
                    }
                },
            }
        }
        E::Neg(a) => neg(t(a)?),
        E::Method(m, r, args) => m.tangent(e, r, args, &t)?,
        E::Helper(h, args) => h.tangent(args, &t)?,
        E::Kernel(k, args) => k.tangent(args, &t)?,
        E::Field(inner, i) => match &**inner {
            E::Var(grads) => E::Field(Box::new(E::Dot(*grads)), *i),
            _ => return None,
        },
        E::Tensor(inner) => E::Tensor(Box::new(t(inner)?)),
        E::Apply(..) => return None,
        E::Select(c, a, b) => {
            let (ta, tb) = (t(a), t(b));
            if ta.is_none() && tb.is_none() {
                return None;
            }
            E::Select(c.clone(), Box::new(zero_or(ta)), Box::new(zero_or(tb)))
        }
    })
}

/// The reverse rule of an operation on arrays (or on values that may be arrays). Elementwise
/// operations use the scalar rule elementwise; a binary one's contributions are then summed
/// back to their operand's shape (`t::sum_to`: a broadcast operand's gradient sums over the
/// broadcast axes), a unary one's taken as they are (`t::same`); matrix products and
/// reductions have their own rules, as the lecture derives them.
pub fn backward_tensor(op: &Op, up: E, out: E, active: &dyn Fn(VarId) -> bool) -> Vec<Contrib> {
    let kernel = |k: Kernel, args: Vec<E>| E::Tensor(Box::new(E::Kernel(k, args)));
    let mut c = Vec::new();
    match op {
        Op::Dot(a, b) => {
            if let Some(p) = place(a, active) {
                c.push(Contrib::Add(
                    p,
                    kernel(Kernel::DotBackLhs, vec![up.clone(), operand(a), operand(b)]),
                ));
            }
            if let Some(p) = place(b, active) {
                c.push(Contrib::Add(
                    p,
                    kernel(Kernel::DotBackRhs, vec![up, operand(a), operand(b)]),
                ));
            }
        }
        Op::Reduce(r, a) => {
            if let Some(p) = place(a, active) {
                let value = E::Tensor(Box::new(r.backward(up, operand(a))));
                c.push(Contrib::Add(p, value));
            }
        }
        Op::Konst(_) => {}
        Op::Call(_) => return backward(op, up, out, active),
        // The result has the operand's shape (the elementwise functions of arrays take no
        // array argument besides it): no shape to read.
        Op::Copy(_) | Op::Neg(_) | Op::Math(..) => {
            for contrib in backward_of(op, up, out, active, Values::Arrays) {
                match contrib {
                    Contrib::Add(p, value) => {
                        c.push(Contrib::Add(p, kernel(Kernel::Same, vec![value])))
                    }
                    other => c.push(other),
                }
            }
        }
        _ => {
            for contrib in backward_of(op, up, out, active, Values::Arrays) {
                match contrib {
                    Contrib::Add(p, value) => {
                        let like = p.value();
                        c.push(Contrib::Add(p, kernel(Kernel::SumTo, vec![value, like])));
                    }
                    other => c.push(other),
                }
            }
        }
    }
    c
}

/// The tangent of an operation on arrays: the scalar rule elementwise (broadcasting as the
/// operation did), matrix products by the product rule, reductions of the tangent.
pub fn tangent_tensor(op: &Op, out: E, active: &dyn Fn(VarId) -> bool) -> Option<E> {
    let dot = |o: &Operand| place(o, active).map(|p| p.tangent());
    let e = match op {
        Op::Dot(a, b) => {
            let left = dot(a).map(|da| E::Kernel(Kernel::Dot, vec![da, operand(b)]));
            let right = dot(b).map(|db| E::Kernel(Kernel::Dot, vec![operand(a), db]));
            add_either(left, right)?
        }
        Op::Reduce(r, a) => r.tangent(dot(a)?, operand(a)),
        Op::Copy(a) => E::Kernel(Kernel::Owned, vec![dot(a)?]),
        _ => tangent_of(op, out, active, Values::Arrays)?,
    };
    Some(E::Tensor(Box::new(e)))
}
