//! The scalar types gradients are computed in, and the local derivatives whose formulas
//! need a typed constant or a case split (the rest are emitted inline by the macro).

use crate::grad::{Accumulate, GradOf, ZerosLike};
use num_traits::{Float, FloatConst};

/// `f32` or `f64`: a float whose gradient is a float of the same type.
pub trait Real:
    Float
    + FloatConst
    + GradOf<Grad = Self>
    + crate::Differentiable<Grad = Self>
    + crate::Elements<Elem = Self>
    + ZerosLike<Grad = Self>
    + crate::grad::Discard
    + Accumulate
    + crate::grad::SeqItem
    + crate::grad::LeftOut
    + crate::grad::ResetLike
    + core::ops::AddAssign
    + core::ops::SubAssign
    + core::ops::MulAssign
    + core::ops::DivAssign
    + core::iter::Sum
    + for<'a> core::iter::Sum<&'a Self>
    + core::iter::Product
    + for<'a> core::iter::Product<&'a Self>
    + core::fmt::Debug
    + core::fmt::Display
    + Default
    + 'static
{
    /// `n as Self`.
    fn from_i32(n: i32) -> Self;
    /// `x as Self`.
    fn from_f64(x: f64) -> Self;
    /// `self as f64`.
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    #[inline(always)]
    fn from_i32(n: i32) -> Self {
        n as f32
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Real for f64 {
    #[inline(always)]
    fn from_i32(n: i32) -> Self {
        n as f64
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

/// Local derivatives `dy/dx` of the float methods whose formula needs a typed constant or a
/// case split. `y` is the method's result where the formula reads it.
pub mod d {
    use super::Real;

    /// `g.to_degrees()` as a function: `to_degrees` is linear, so this is its backward and
    /// tangent rule. A function (not a method call) lets an untyped `0.0` take its type
    /// from where it is used.
    #[inline(always)]
    pub fn to_degrees<T: Angle>(g: T) -> T {
        g.degrees()
    }

    /// `g.to_radians()` as a function (see [`to_degrees`]).
    #[inline(always)]
    pub fn to_radians<T: Angle>(g: T) -> T {
        g.radians()
    }

    /// Gradients and tangents converted between radians and degrees: floats, and the
    /// tangents of several directions lane by lane.
    pub trait Angle: Copy {
        /// `self.to_degrees()`.
        fn degrees(self) -> Self;
        /// `self.to_radians()`.
        fn radians(self) -> Self;
    }

    impl<T: Real> Angle for T {
        #[inline(always)]
        fn degrees(self) -> Self {
            self.to_degrees()
        }
        #[inline(always)]
        fn radians(self) -> Self {
            self.to_radians()
        }
    }

    impl<T: Real + crate::LaneFloat, const K: usize> Angle for crate::Tangents<T, K> {
        #[inline(always)]
        fn degrees(self) -> Self {
            crate::Tangents(self.0.map(|g| g.to_degrees()))
        }
        #[inline(always)]
        fn radians(self) -> Self {
            crate::Tangents(self.0.map(|g| g.to_radians()))
        }
    }

    /// `y = x.exp2()`: `y · ln 2`.
    #[inline(always)]
    pub fn exp2<T: Real>(y: T) -> T {
        y * T::LN_2()
    }

    /// `y = x.log2()`: `1 / (x · ln 2)`.
    #[inline(always)]
    pub fn log2<T: Real>(x: T) -> T {
        (x * T::LN_2()).recip()
    }

    /// `y = x.log10()`: `1 / (x · ln 10)`.
    #[inline(always)]
    pub fn log10<T: Real>(x: T) -> T {
        (x * T::LN_10()).recip()
    }

    /// `ln b` for `y = x.log(b)`'s derivatives, `b` typed like `x` (a literal base has no
    /// float type of its own to call `.ln()` on).
    #[inline(always)]
    pub fn ln_base<T: Real>(_x: T, b: T) -> T {
        b.ln()
    }

    /// `y = x.powi(n)`: `n · xⁿ⁻¹`, and exactly 0 for `n = 0`.
    #[inline(always)]
    pub fn powi<T: Real>(x: T, n: i32) -> T {
        if n == 0 {
            T::zero()
        } else {
            T::from_i32(n) * x.powi(n - 1)
        }
    }

    /// `y = x.powf(p)`, derivative in `x`: `p · xᵖ⁻¹`, and exactly 0 for `p = 0`.
    #[inline(always)]
    pub fn powf_base<T: Real>(x: T, p: T) -> T {
        if p == T::zero() {
            T::zero()
        } else {
            p * x.powf(p - T::one())
        }
    }

    /// `y = x.powf(p)`, derivative in `p`: `y · ln x`, and exactly 0 where `y = 0`
    /// (`0ᵖ` is flat in `p` for `p > 0`).
    #[inline(always)]
    pub fn powf_exponent<T: Real>(x: T, y: T) -> T {
        if y == T::zero() {
            T::zero()
        } else {
            y * x.ln()
        }
    }

    /// `y = x.copysign(s)`, derivative in `x`: 1 where `x` and `s` have the same sign bit
    /// (`y = x`), −1 where not (`y = −x`).
    #[inline(always)]
    pub fn copysign_dx<T: Real>(x: T, s: T) -> T {
        if x.is_sign_negative() == s.is_sign_negative() {
            T::one()
        } else {
            -T::one()
        }
    }

    /// `a.div_euclid(b)`, the quotient `y = a.rem_euclid(b)` takes away (`y = a − b·q`):
    /// minus the derivative in `b`. As `f64::div_euclid` computes it.
    #[inline(always)]
    pub fn div_euclid<T: Real>(a: T, b: T) -> T {
        let q = (a / b).trunc();
        if a % b < T::zero() {
            if b > T::zero() {
                q - T::one()
            } else {
                q + T::one()
            }
        } else {
            q
        }
    }

    /// `(a / b).trunc()`, the quotient `y = a % b` takes away (`y = a − b·q`): minus the
    /// derivative in `b`.
    #[inline(always)]
    pub fn rem_quotient<T: Real>(a: T, b: T) -> T {
        (a / b).trunc()
    }

    /// `y = x.abs()`: the sign of `x`, and 0 at `x = 0` (the subgradient JAX and PyTorch
    /// pick).
    #[inline(always)]
    pub fn abs<T: Real>(x: T) -> T {
        if x > T::zero() {
            T::one()
        } else if x < T::zero() {
            -T::one()
        } else {
            T::zero()
        }
    }

    /// `a.max(b)` returned `a`: ties and a NaN `b` go to the first operand, as `f64::max`
    /// returns it. Any ordered type: a running maximum the macro searches before
    /// differentiating may be of integers (`a != a` is a NaN test for floats, never true
    /// for integers).
    #[inline(always)]
    #[allow(clippy::eq_op)]
    pub fn max_picks_first<T: PartialOrd>(a: T, b: T) -> bool {
        !(a != a || a < b)
    }

    /// `a.min(b)` returned `a` (ties to the first operand).
    #[inline(always)]
    #[allow(clippy::eq_op)]
    pub fn min_picks_first<T: PartialOrd>(a: T, b: T) -> bool {
        !(a != a || a > b)
    }

    /// `x.clamp(lo, hi)` did not return `lo` (`f64::clamp` tests `x < lo` first; a NaN `x`
    /// passes through).
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn clamp_above_lo<T: Real>(x: T, lo: T) -> bool {
        !(x < lo)
    }

    /// `x.clamp(lo, hi)`, with `x ≥ lo`, did not return `hi`.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn clamp_below_hi<T: Real>(x: T, hi: T) -> bool {
        !(x > hi)
    }

    /// The gradient of `x as U` flows back as `x`'s own float type.
    #[inline(always)]
    pub fn cast_like<U: Real, T: Real>(grad: U, _x: T) -> T {
        T::from_f64(grad.to_f64())
    }

    /// Second-order: the derivative of [`powi`]: `n (n − 1) xⁿ⁻²`, exactly 0 for n = 0, 1.
    #[inline(always)]
    pub fn powi2<T: Real>(x: T, n: i32) -> T {
        if n == 0 || n == 1 {
            T::zero()
        } else {
            T::from_i32(n) * T::from_i32(n - 1) * x.powi(n - 2)
        }
    }

    /// Second-order: `∂/∂x` of [`powf_base`]: `p (p − 1) xᵖ⁻²`.
    #[inline(always)]
    pub fn powf_base_dx<T: Real>(x: T, p: T) -> T {
        if p == T::zero() || p == T::one() {
            T::zero()
        } else {
            p * (p - T::one()) * x.powf(p - T::from_i32(2))
        }
    }

    /// Second-order: `∂/∂p` of [`powf_base`]: `xᵖ⁻¹ (1 + p ln x)`.
    #[inline(always)]
    pub fn powf_base_dp<T: Real>(x: T, p: T) -> T {
        x.powf(p - T::one()) * (T::one() + p * x.ln())
    }

    /// Second-order: `∂/∂x` of [`powf_exponent`] (`y ln x`, with `y = xᵖ`): `y / x`.
    #[inline(always)]
    pub fn powf_exponent_dx<T: Real>(x: T, y: T) -> T {
        if y == T::zero() { T::zero() } else { y / x }
    }

    /// Second-order: `∂/∂y` of [`powf_exponent`]: `ln x`.
    #[inline(always)]
    pub fn powf_exponent_dy<T: Real>(x: T, y: T) -> T {
        if y == T::zero() { T::zero() } else { x.ln() }
    }
}
