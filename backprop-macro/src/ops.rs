//! What generated derivative code calls, as data: the float methods the backward rules
//! write (`x.cos()`), the runtime's scalar helpers (`d::powi`) and its array kernels
//! (`tensor::sum_back`). Each is one enum variant with its name and its tangent rule in
//! exhaustive matches, so a helper or kernel without a rule is a compile error of the macro,
//! never a dropped Hessian term or a panic.

use crate::ir::Konst;
use crate::rules::{E, add_either, div, lit, mul, neg};

/// A float method written in derivative code (the backward rules' `x.cos()`, `x.sqrt()`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sin,
    Cos,
    Sinh,
    Cosh,
    Sqrt,
    Hypot,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Sin => "sin",
            Method::Cos => "cos",
            Method::Sinh => "sinh",
            Method::Cosh => "cosh",
            Method::Sqrt => "sqrt",
            Method::Hypot => "hypot",
        }
    }

    /// The tangent of `whole = receiver.method(args)`, given the tangent `t` of a
    /// subexpression (`None` where it is zero).
    pub fn tangent(
        self,
        whole: &E,
        receiver: &E,
        args: &[E],
        t: &dyn Fn(&E) -> Option<E>,
    ) -> Option<E> {
        let call = |m: Method, r: E| E::Method(m, Box::new(r), vec![]);
        let r = receiver.clone();
        Some(match self {
            // d hypot(r, a) = (r·dr + a·da) / hypot(r, a), as (r / h)·dr + (a / h)·da.
            Method::Hypot => {
                let (tr, ta) = (t(receiver), t(&args[0]));
                return add_either(
                    tr.map(|d| mul(d, div(r, whole.clone()))),
                    ta.map(|d| mul(d, div(args[0].clone(), whole.clone()))),
                );
            }
            Method::Sin => mul(t(receiver)?, call(Method::Cos, r)),
            Method::Cos => neg(mul(t(receiver)?, call(Method::Sin, r))),
            Method::Sinh => mul(t(receiver)?, call(Method::Cosh, r)),
            Method::Cosh => mul(t(receiver)?, call(Method::Sinh, r)),
            Method::Sqrt => div(t(receiver)?, mul(lit("2.0"), call(Method::Sqrt, r))),
        })
    }
}

/// A scalar helper of the runtime, `backprop::__private::d::name(args)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Helper {
    Exp2,
    Log2,
    Log10,
    LnBase,
    Abs,
    Powi,
    Powi2,
    PowfBase,
    PowfBaseDx,
    PowfBaseDp,
    PowfExponent,
    PowfExponentDx,
    PowfExponentDy,
    ToDegrees,
    ToRadians,
    CastLike,
    MaxPicksFirst,
    MinPicksFirst,
    ClampAboveLo,
    ClampBelowHi,
    CopysignDx,
    DivEuclid,
    RemQuotient,
}

impl Helper {
    pub fn name(self) -> &'static str {
        match self {
            Helper::Exp2 => "exp2",
            Helper::Log2 => "log2",
            Helper::Log10 => "log10",
            Helper::LnBase => "ln_base",
            Helper::Abs => "abs",
            Helper::Powi => "powi",
            Helper::Powi2 => "powi2",
            Helper::PowfBase => "powf_base",
            Helper::PowfBaseDx => "powf_base_dx",
            Helper::PowfBaseDp => "powf_base_dp",
            Helper::PowfExponent => "powf_exponent",
            Helper::PowfExponentDx => "powf_exponent_dx",
            Helper::PowfExponentDy => "powf_exponent_dy",
            Helper::ToDegrees => "to_degrees",
            Helper::ToRadians => "to_radians",
            Helper::CastLike => "cast_like",
            Helper::MaxPicksFirst => "max_picks_first",
            Helper::MinPicksFirst => "min_picks_first",
            Helper::ClampAboveLo => "clamp_above_lo",
            Helper::ClampBelowHi => "clamp_below_hi",
            Helper::CopysignDx => "copysign_dx",
            Helper::DivEuclid => "div_euclid",
            Helper::RemQuotient => "rem_quotient",
        }
    }

    /// Whether the runtime has it elementwise for arrays too (`tensor::d::name`).
    pub fn elementwise(self) -> bool {
        matches!(
            self,
            Helper::Powi
                | Helper::Powi2
                | Helper::Abs
                | Helper::Exp2
                | Helper::Log2
                | Helper::Log10
                | Helper::LnBase
                | Helper::PowfBase
                | Helper::PowfBaseDx
                | Helper::ToDegrees
                | Helper::ToRadians
        )
    }

    /// The tangent of `name(args)` (forward mode over a backward rule), `None` where it
    /// is zero.
    pub fn tangent(self, args: &[E], t: &dyn Fn(&E) -> Option<E>) -> Option<E> {
        let call = |h: Helper, args: Vec<E>| E::Helper(h, args);
        let partials = |dx: Helper, dy: Helper| {
            let first = t(&args[0]).map(|d| mul(d, call(dx, args.to_vec())));
            let second = t(&args[1]).map(|d| mul(d, call(dy, args.to_vec())));
            add_either(first, second)
        };
        match self {
            // Linear in the first argument.
            Helper::Exp2 | Helper::ToDegrees | Helper::ToRadians => {
                Some(call(self, vec![t(&args[0])?]))
            }
            Helper::CastLike => Some(call(self, vec![t(&args[0])?, args[1].clone()])),
            // d/dx 1/(x ln b) = -(1/(x ln b)) / x
            Helper::Log2 | Helper::Log10 => {
                let x = args[0].clone();
                Some(neg(div(mul(t(&args[0])?, call(self, vec![x.clone()])), x)))
            }
            // d ln b = db / b
            Helper::LnBase => Some(div(t(&args[1])?, args[1].clone())),
            Helper::Powi => Some(mul(t(&args[0])?, call(Helper::Powi2, args.to_vec()))),
            Helper::PowfBase => partials(Helper::PowfBaseDx, Helper::PowfBaseDp),
            Helper::PowfExponent => partials(Helper::PowfExponentDx, Helper::PowfExponentDy),
            // Second derivatives: written by the backward rules' tangents only, never
            // differentiated again.
            Helper::Powi2
            | Helper::PowfBaseDx
            | Helper::PowfBaseDp
            | Helper::PowfExponentDx
            | Helper::PowfExponentDy => None,
            // Piecewise constant: `abs`'s and `copysign`'s signs, the quotient `rem_euclid`
            // takes away, and the routing predicates.
            Helper::Abs
            | Helper::CopysignDx
            | Helper::DivEuclid
            | Helper::RemQuotient
            | Helper::MaxPicksFirst
            | Helper::MinPicksFirst
            | Helper::ClampAboveLo
            | Helper::ClampBelowHi => None,
        }
    }
}

/// An array kernel of the runtime, `backprop::__private::tensor::name(args)`: the forward
/// operations' tangents and the backward rules of matrix products, reductions and
/// broadcasting.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// An owned copy.
    Owned,
    Dot,
    DotBackLhs,
    DotBackRhs,
    Sum,
    SumBack,
    Mean,
    MeanBack,
    SumAxis,
    SumAxisBack,
    MeanAxis,
    MeanAxisBack,
    VarAxis,
    VarAxisBack,
    VarAxisTangent,
    /// The variance of every element (`x.var(ddof)`), its gradient and its tangent.
    Var,
    VarBack,
    VarTangent,
    Slice,
    SliceBack,
    /// `slice_back(dot_back_lhs(g, a, b), x, info)` as one kernel (`reverse/fused.rs`).
    SliceDotBack,
    Transpose,
    TransposeBack,
    Reshape,
    /// The gradient of a reshape (or an inserted axis): back to the input's shape.
    ReshapeBack,
    InsertAxis,
    /// A row or a column of a matrix (`lane(x, axis, i)`).
    Lane,
    LaneBack,
    /// `lane_back(dot_back_lhs(g, a, b), x, axis, i)` as one kernel: a row's product's
    /// gradient added into its row (`reverse/fused.rs`).
    LaneDotBack,
    /// A matrix's diagonal (`x.diag()`), and its gradient.
    Diag,
    DiagBack,
    /// A broadcast operand's gradient, summed back to its shape.
    SumTo,
    /// The gradient of an operand of the result's shape (a copy, a negation, an
    /// elementwise function): the upstream itself, no shape read.
    Same,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Owned => "owned",
            Kernel::Dot => "dot",
            Kernel::DotBackLhs => "dot_back_lhs",
            Kernel::DotBackRhs => "dot_back_rhs",
            Kernel::Sum => "sum",
            Kernel::SumBack => "sum_back",
            Kernel::Mean => "mean",
            Kernel::MeanBack => "mean_back",
            Kernel::SumAxis => "sum_axis",
            Kernel::SumAxisBack => "sum_axis_back",
            Kernel::MeanAxis => "mean_axis",
            Kernel::MeanAxisBack => "mean_axis_back",
            Kernel::VarAxis => "var_axis",
            Kernel::VarAxisBack => "var_axis_back",
            Kernel::VarAxisTangent => "var_axis_tangent",
            Kernel::Var => "var",
            Kernel::VarBack => "var_back",
            Kernel::VarTangent => "var_tangent",
            Kernel::Slice => "slice",
            Kernel::SliceBack => "slice_back",
            Kernel::SliceDotBack => "slice_dot_back",
            Kernel::Transpose => "transpose",
            Kernel::TransposeBack => "transpose_back",
            Kernel::Reshape => "reshape",
            Kernel::ReshapeBack => "reshape_back",
            Kernel::InsertAxis => "insert_axis",
            Kernel::Lane => "lane",
            Kernel::LaneBack => "lane_back",
            Kernel::LaneDotBack => "lane_dot_back",
            Kernel::Diag => "diag",
            Kernel::DiagBack => "diag_back",
            Kernel::SumTo => "sum_to",
            Kernel::Same => "same",
        }
    }

    /// The kernel that adds its result into a gradient in place (GEMM with beta = 1, a
    /// lane's or a slice's gradient into its part), where the runtime has one.
    pub fn accumulating(self) -> Option<&'static str> {
        match self {
            Kernel::DotBackLhs => Some("dot_back_lhs_into"),
            Kernel::DotBackRhs => Some("dot_back_rhs_into"),
            // A row's gradient into its row of the total, not a matrix of zeros around it.
            Kernel::LaneBack => Some("lane_back_into"),
            Kernel::LaneDotBack => Some("lane_dot_back_into"),
            Kernel::SliceBack => Some("slice_back_into"),
            Kernel::SliceDotBack => Some("slice_dot_back_into"),
            Kernel::Owned
            | Kernel::Dot
            | Kernel::Sum
            | Kernel::SumBack
            | Kernel::Mean
            | Kernel::MeanBack
            | Kernel::SumAxis
            | Kernel::SumAxisBack
            | Kernel::MeanAxis
            | Kernel::MeanAxisBack
            | Kernel::VarAxis
            | Kernel::VarAxisBack
            | Kernel::VarAxisTangent
            | Kernel::Var
            | Kernel::VarBack
            | Kernel::VarTangent
            | Kernel::Slice
            | Kernel::Transpose
            | Kernel::TransposeBack
            | Kernel::Reshape
            | Kernel::ReshapeBack
            | Kernel::InsertAxis
            | Kernel::Lane
            | Kernel::Diag
            | Kernel::DiagBack
            | Kernel::SumTo
            | Kernel::Same => None,
        }
    }

    /// Whether the first argument is taken by value when it is a temporary (`sum_to`,
    /// `same`); every other array argument is borrowed.
    pub fn takes_temporary(self) -> bool {
        matches!(self, Kernel::SumTo | Kernel::Same)
    }

    /// The tangent of `name(args)`: reductions, copies and the backward kernels are linear
    /// in their first argument (the others give shapes or axes); the matrix product and its
    /// rules are bilinear.
    pub fn tangent(self, args: &[E], t: &dyn Fn(&E) -> Option<E>) -> Option<E> {
        let call = |args: Vec<E>| E::Kernel(self, args);
        let with = |i: usize, value: E| {
            let mut args = args.to_vec();
            args[i] = value;
            call(args)
        };
        match self {
            Kernel::Owned
            | Kernel::Sum
            | Kernel::SumBack
            | Kernel::Mean
            | Kernel::MeanBack
            | Kernel::SumAxis
            | Kernel::SumAxisBack
            | Kernel::MeanAxis
            | Kernel::MeanAxisBack
            | Kernel::Slice
            | Kernel::SliceBack
            | Kernel::Transpose
            | Kernel::TransposeBack
            | Kernel::Reshape
            | Kernel::ReshapeBack
            | Kernel::InsertAxis
            | Kernel::Lane
            | Kernel::LaneBack
            | Kernel::Diag
            | Kernel::DiagBack
            | Kernel::SumTo
            | Kernel::Same => Some(with(0, t(&args[0])?)),
            // `2/(n − ddof) · g·(x − mean)` and `2/(n − ddof) · Σ (x − mean)·dx`: bilinear
            // in the first two arguments (centring is linear).
            Kernel::VarAxisBack | Kernel::VarAxisTangent | Kernel::VarBack | Kernel::VarTangent => {
                add_either(
                    t(&args[0]).map(|d| with(0, d)),
                    t(&args[1]).map(|d| with(1, d)),
                )
            }
            // The variance itself: its tangent is `var_axis_tangent` (`var_tangent`).
            Kernel::VarAxis | Kernel::Var => {
                let dx = t(&args[0])?;
                let mut rest = args.to_vec();
                rest.insert(0, dx);
                let tangent = match self {
                    Kernel::Var => Kernel::VarTangent,
                    _ => Kernel::VarAxisTangent,
                };
                Some(E::Kernel(tangent, rest))
            }
            // `a · b`: d(a) · b + a · d(b).
            Kernel::Dot => add_either(
                t(&args[0]).map(|d| with(0, d)),
                t(&args[1]).map(|d| with(1, d)),
            ),
            // `g · bᵀ`: d(g) · bᵀ + g · d(b)ᵀ (the lane's too).
            Kernel::DotBackLhs | Kernel::LaneDotBack | Kernel::SliceDotBack => add_either(
                t(&args[0]).map(|d| with(0, d)),
                t(&args[2]).map(|d| with(2, d)),
            ),
            // `aᵀ · g`: aᵀ · d(g) + d(a)ᵀ · g.
            Kernel::DotBackRhs => add_either(
                t(&args[0]).map(|d| with(0, d)),
                t(&args[1]).map(|d| with(1, d)),
            ),
        }
    }
}

/// An axis fixed by the method (`row` is axis 0), as the kernel's argument.
fn axis_number(axis: usize) -> E {
    E::Konst(Konst {
        expr: syn::parse_quote!(#axis),
        reads: Vec::new(),
    })
}

fn usage(&(name, arity, unwrap): &(&str, usize, bool)) -> String {
    let args = match (name, arity) {
        ("slice", _) => "s![..]",
        ("to_shape" | "into_shape_with_order", _) => "shape",
        ("row", _) => "i",
        ("column", _) => "j",
        ("var" | "std", _) => "ddof",
        (_, 0) => "",
        (_, 1) => "Axis(k)",
        _ => "Axis(k), ddof",
    };
    let unwrap = if unwrap { ".unwrap()" } else { "" };
    format!("`.{name}({args}){unwrap}`")
}

/// A reduction or rearrangement of an array, one entry each: the method it comes from, its
/// forward kernel, its backward rule and its tangent.
#[derive(Clone)]
pub enum Reduction {
    /// `x.sum()`
    Sum,
    /// `x.mean().unwrap()`
    Mean,
    /// `x.sum_axis(axis)`
    SumAxis(Konst),
    /// `x.mean_axis(axis).unwrap()`
    MeanAxis(Konst),
    /// `x.var_axis(axis, ddof)`; `x.std_axis(axis, ddof)` is its square root.
    VarAxis(Konst, Konst),
    /// `x.var(ddof)` of every element; `x.std(ddof)` is its square root.
    Var(Konst),
    /// `x.slice(s![..])`, as an owned array.
    Slice(Konst),
    /// `x.t()`
    Transpose,
    /// `x.to_shape(shape).unwrap()`, `x.into_shape_with_order(shape).unwrap()` (row-major),
    /// as an owned array.
    Reshape(Konst),
    /// `x.insert_axis(Axis(k))`, as an owned array.
    InsertAxis(Konst),
    /// `x.row(i)` (axis 0) or `x.column(j)` (axis 1) of a matrix, as an owned vector.
    Lane(usize, Konst),
    /// `x.diag()` of a matrix, as an owned vector.
    Diag,
}

impl Reduction {
    /// The array methods that are reductions, with their constant arguments' count, and
    /// whether ndarray returns an `Option` the user unwraps (`x.mean().unwrap()`). Error
    /// messages list them from here.
    pub const METHODS: &'static [(&'static str, usize, bool)] = &[
        ("sum", 0, false),
        ("mean", 0, true),
        ("sum_axis", 1, false),
        ("mean_axis", 1, true),
        ("var_axis", 2, false),
        // Lowered as the square root of `var_axis`, whose rules it then follows.
        ("std_axis", 2, false),
        ("var", 1, false),
        // Lowered as the square root of `var`.
        ("std", 1, false),
        ("slice", 1, false),
        ("t", 0, false),
        ("to_shape", 1, true),
        ("into_shape_with_order", 1, true),
        ("insert_axis", 1, false),
        ("row", 1, false),
        ("column", 1, false),
        ("diag", 0, false),
    ];

    /// The reduction `x.name(args)` (`x.name(args).unwrap()` when `unwrapped`).
    pub fn from_method(name: &str, unwrapped: bool, mut args: Vec<Konst>) -> Option<Reduction> {
        let &(_, arity, optional) = Reduction::METHODS.iter().find(|(n, ..)| *n == name)?;
        if arity != args.len() || optional != unwrapped {
            return None;
        }
        let mut next = || args.remove(0);
        Some(match name {
            "sum" => Reduction::Sum,
            "mean" => Reduction::Mean,
            "sum_axis" => Reduction::SumAxis(next()),
            "mean_axis" => Reduction::MeanAxis(next()),
            "var_axis" => {
                let axis = next();
                Reduction::VarAxis(axis, next())
            }
            "var" => Reduction::Var(next()),
            "slice" => Reduction::Slice(next()),
            "t" => Reduction::Transpose,
            "to_shape" | "into_shape_with_order" => Reduction::Reshape(next()),
            "insert_axis" => Reduction::InsertAxis(next()),
            "row" => Reduction::Lane(0, next()),
            "column" => Reduction::Lane(1, next()),
            "diag" => Reduction::Diag,
            _ => return None,
        })
    }

    /// How the user calls them, for error messages: `.sum()`, `.mean_axis(Axis(k)).unwrap()`.
    pub fn usage() -> String {
        let all: Vec<String> = Reduction::METHODS.iter().map(usage).collect();
        all.join(", ")
    }

    /// How the user calls the method `name`.
    pub fn usage_of(name: &str) -> Option<String> {
        Reduction::METHODS.iter().find(|m| m.0 == name).map(usage)
    }

    /// Whether the result is a float rather than an array.
    pub fn to_float(&self) -> bool {
        matches!(self, Reduction::Sum | Reduction::Mean | Reduction::Var(_))
    }

    /// The forward kernel and its constant arguments after the array.
    pub fn forward(&self) -> (Kernel, Vec<E>) {
        let lit = axis_number;
        let k = |k: &Konst| E::Konst(k.clone());
        match self {
            Reduction::Sum => (Kernel::Sum, vec![]),
            Reduction::Mean => (Kernel::Mean, vec![]),
            Reduction::SumAxis(axis) => (Kernel::SumAxis, vec![k(axis)]),
            Reduction::MeanAxis(axis) => (Kernel::MeanAxis, vec![k(axis)]),
            Reduction::VarAxis(axis, ddof) => (Kernel::VarAxis, vec![k(axis), k(ddof)]),
            Reduction::Var(ddof) => (Kernel::Var, vec![k(ddof)]),
            Reduction::Slice(info) => (Kernel::Slice, vec![k(info)]),
            Reduction::Transpose => (Kernel::Transpose, vec![]),
            Reduction::Reshape(shape) => (Kernel::Reshape, vec![k(shape)]),
            Reduction::InsertAxis(axis) => (Kernel::InsertAxis, vec![k(axis)]),
            Reduction::Lane(axis, i) => (Kernel::Lane, vec![lit(*axis), k(i)]),
            Reduction::Diag => (Kernel::Diag, vec![]),
        }
    }

    /// What the array `x` gets from the upstream gradient `up`.
    pub fn backward(&self, up: E, x: E) -> E {
        let lit = axis_number;
        let k = |k: &Konst| E::Konst(k.clone());
        match self {
            Reduction::Sum => E::Kernel(Kernel::SumBack, vec![up, x]),
            Reduction::Mean => E::Kernel(Kernel::MeanBack, vec![up, x]),
            Reduction::SumAxis(axis) => E::Kernel(Kernel::SumAxisBack, vec![up, x, k(axis)]),
            Reduction::MeanAxis(axis) => E::Kernel(Kernel::MeanAxisBack, vec![up, x, k(axis)]),
            Reduction::VarAxis(axis, ddof) => {
                E::Kernel(Kernel::VarAxisBack, vec![up, x, k(axis), k(ddof)])
            }
            Reduction::Var(ddof) => E::Kernel(Kernel::VarBack, vec![up, x, k(ddof)]),
            Reduction::Slice(info) => E::Kernel(Kernel::SliceBack, vec![up, x, k(info)]),
            Reduction::Transpose => E::Kernel(Kernel::TransposeBack, vec![up]),
            Reduction::Reshape(_) | Reduction::InsertAxis(_) => {
                E::Kernel(Kernel::ReshapeBack, vec![up, x])
            }
            Reduction::Lane(axis, i) => E::Kernel(Kernel::LaneBack, vec![up, x, lit(*axis), k(i)]),
            Reduction::Diag => E::Kernel(Kernel::DiagBack, vec![up, x]),
        }
    }

    /// The tangent of the result, given the array `x` and its tangent `dx`.
    pub fn tangent(&self, dx: E, x: E) -> E {
        match self {
            // Linear: the reduction of the tangent.
            Reduction::Sum
            | Reduction::Mean
            | Reduction::SumAxis(_)
            | Reduction::MeanAxis(_)
            | Reduction::Slice(_)
            | Reduction::Transpose
            | Reduction::Reshape(_)
            | Reduction::InsertAxis(_)
            | Reduction::Lane(..)
            | Reduction::Diag => {
                let (kernel, mut args) = self.forward();
                args.insert(0, dx);
                E::Kernel(kernel, args)
            }
            // `2/(n − ddof) · Σ (x − mean)·dx` along the axis.
            Reduction::VarAxis(axis, ddof) => E::Kernel(
                Kernel::VarAxisTangent,
                vec![dx, x, E::Konst(axis.clone()), E::Konst(ddof.clone())],
            ),
            // `2/(n − ddof) · Σ (x − mean)·dx`.
            Reduction::Var(ddof) => {
                E::Kernel(Kernel::VarTangent, vec![dx, x, E::Konst(ddof.clone())])
            }
        }
    }
}

/// A float method the macro knows the derivative of. Its rules: the backward rule in
/// `rules::math_backward` (an exhaustive match), the tangent derived from it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Math {
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Ln1p,
    Log2,
    Log10,
    Log,
    Sqrt,
    Cbrt,
    Powi,
    Powf,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Abs,
    Recip,
    Max,
    Min,
    Hypot,
    MulAdd,
    Clamp,
    ToDegrees,
    ToRadians,
    Fract,
    Copysign,
    RemEuclid,
    /// `a % b`, written with the operator.
    Rem,
}

/// One row of the float methods' table.
pub struct MathEntry {
    pub name: &'static str,
    pub op: Math,
    /// Arguments besides the receiver.
    pub arity: usize,
    /// The backward rule reads the method's result (`exp`: `grad · y`).
    pub reads_output: bool,
    /// ndarray arrays have it elementwise, and the macro differentiates it there too.
    pub on_arrays: bool,
}

const fn entry(
    name: &'static str,
    op: Math,
    arity: usize,
    reads_output: bool,
    on_arrays: bool,
) -> MathEntry {
    MathEntry {
        name,
        op,
        arity,
        reads_output,
        on_arrays,
    }
}

impl Math {
    /// Every float method the macro differentiates: error messages list them from here.
    pub const TABLE: &'static [MathEntry] = &[
        entry("exp", Math::Exp, 0, true, true),
        entry("exp2", Math::Exp2, 0, true, true),
        entry("exp_m1", Math::ExpM1, 0, true, true),
        entry("ln", Math::Ln, 0, false, true),
        entry("ln_1p", Math::Ln1p, 0, false, true),
        entry("log2", Math::Log2, 0, false, true),
        entry("log10", Math::Log10, 0, false, true),
        entry("log", Math::Log, 1, true, true),
        entry("sqrt", Math::Sqrt, 0, true, true),
        entry("cbrt", Math::Cbrt, 0, true, true),
        entry("powi", Math::Powi, 1, false, true),
        entry("powf", Math::Powf, 1, true, true),
        entry("sin", Math::Sin, 0, false, true),
        entry("cos", Math::Cos, 0, false, true),
        entry("tan", Math::Tan, 0, true, true),
        entry("asin", Math::Asin, 0, false, true),
        entry("acos", Math::Acos, 0, false, true),
        entry("atan", Math::Atan, 0, false, true),
        entry("atan2", Math::Atan2, 1, false, false),
        entry("sinh", Math::Sinh, 0, false, true),
        entry("cosh", Math::Cosh, 0, false, true),
        entry("tanh", Math::Tanh, 0, true, true),
        entry("asinh", Math::Asinh, 0, false, true),
        entry("acosh", Math::Acosh, 0, false, true),
        entry("atanh", Math::Atanh, 0, false, true),
        entry("abs", Math::Abs, 0, false, true),
        entry("recip", Math::Recip, 0, true, true),
        entry("max", Math::Max, 1, false, false),
        entry("min", Math::Min, 1, false, false),
        entry("hypot", Math::Hypot, 1, true, true),
        entry("mul_add", Math::MulAdd, 2, false, false),
        entry("clamp", Math::Clamp, 2, false, false),
        entry("to_degrees", Math::ToDegrees, 0, false, true),
        entry("to_radians", Math::ToRadians, 0, false, true),
        entry("fract", Math::Fract, 0, false, true),
        entry("copysign", Math::Copysign, 1, false, false),
        entry("rem_euclid", Math::RemEuclid, 1, false, false),
        entry("rem", Math::Rem, 1, false, false),
    ];

    pub fn entry(self) -> &'static MathEntry {
        Math::TABLE
            .iter()
            .find(|e| e.op == self)
            .expect("every method has a row")
    }

    pub fn from_name(name: &str) -> Option<&'static MathEntry> {
        Math::TABLE.iter().find(|e| e.name == name)
    }

    pub fn name(self) -> &'static str {
        self.entry().name
    }

    pub fn reads_output(self) -> bool {
        self.entry().reads_output
    }

    /// The operator it is written with instead of a method call (`a % b`).
    pub fn operator(self) -> Option<proc_macro2::TokenStream> {
        match self {
            Math::Rem => Some(quote::quote!(%)),
            _ => None,
        }
    }

    /// For `max` and `min`, which route the gradient to the operand they return: the
    /// helper telling whether `a.max(b)` returned `a`.
    pub fn picks_first(self) -> Option<Helper> {
        match self {
            Math::Max => Some(Helper::MaxPicksFirst),
            Math::Min => Some(Helper::MinPicksFirst),
            _ => None,
        }
    }

    /// The names, comma-separated, of the methods with `filter`.
    pub fn names(filter: fn(&MathEntry) -> bool) -> String {
        let names: Vec<&str> = Math::TABLE
            .iter()
            .filter(|e| filter(e))
            .map(|e| e.name)
            .collect();
        names.join(", ")
    }
}
