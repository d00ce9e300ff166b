//! The built-in gates, declared with [`gate!`](crate::gate) like a user's own. `sigmoid`,
//! `relu`, `maximum` and `minimum` take a float or an array (elementwise).

use crate::Real;
use crate::grad::{GradOf, ZerosLike};
#[allow(unused_imports)]
use num_traits::{One, Zero};

/// Floats and arrays the elementwise gates apply to, with their local derivatives.
pub trait Activation:
    GradOf<Grad: Clone> + ZerosLike<Grad = <Self as GradOf>::Grad> + Clone
{
    /// The element type.
    type Elem: Real;
    /// The gate's result: a float for a float, an array for an array.
    type Out: Clone;
    #[doc(hidden)]
    fn map_out(&self, f: impl Fn(Self::Elem) -> Self::Elem) -> Self::Out;
    /// `f` elementwise, consuming `self`: an owned array is mapped in place, with no new
    /// storage.
    #[doc(hidden)]
    #[inline]
    fn into_out(self, f: impl Fn(Self::Elem) -> Self::Elem) -> Self::Out
    where
        Self: Sized,
    {
        self.map_out(f)
    }
    /// `f(x, g)` elementwise, with `g` shaped like the result: a backward rule.
    #[doc(hidden)]
    fn zip_grad(
        &self,
        g: Self::Out,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> <Self as GradOf>::Grad;
    /// `f(out, g)` elementwise: a backward rule that reads the result.
    #[doc(hidden)]
    fn zip_out(
        out: &Self::Out,
        g: Self::Out,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> <Self as GradOf>::Grad;
    /// `f(x, dx)` elementwise, with `dx` shaped like the input: a tangent rule.
    #[doc(hidden)]
    fn zip_tangent(
        &self,
        dx: &<Self as GradOf>::Grad,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::Out;
    /// `f(out, dx)` elementwise: a tangent rule that reads the result.
    #[doc(hidden)]
    fn zip_out_tangent(
        out: &Self::Out,
        dx: &<Self as GradOf>::Grad,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::Out;
    /// `f(out, dout, grad, dgrad)` elementwise: a second-order rule.
    #[doc(hidden)]
    fn zip_second(
        out: &Self::Out,
        dout: &Self::Out,
        grad: &Self::Out,
        dgrad: &Self::Out,
        f: impl Fn(Self::Elem, Self::Elem, Self::Elem, Self::Elem) -> Self::Elem,
    ) -> <Self as GradOf>::Grad;
    /// The sum of `f(x, g)` over the elements: a scalar operand's gradient.
    #[doc(hidden)]
    fn fold_grad(
        &self,
        g: &Self::Out,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::Elem;
}

macro_rules! scalar_activation {
    ($($t:ty),*) => {$(
        impl Activation for $t {
            type Elem = $t;
            type Out = $t;
            #[inline] fn map_out(&self, f: impl Fn($t) -> $t) -> $t { f(*self) }
            #[inline] fn zip_grad(&self, g: $t, f: impl Fn($t, $t) -> $t) -> $t { f(*self, g) }
            #[inline] fn zip_out(out: &$t, g: $t, f: impl Fn($t, $t) -> $t) -> $t { f(*out, g) }
            #[inline] fn zip_tangent(&self, dx: &$t, f: impl Fn($t, $t) -> $t) -> $t { f(*self, *dx) }
            #[inline] fn zip_out_tangent(out: &$t, dx: &$t, f: impl Fn($t, $t) -> $t) -> $t { f(*out, *dx) }
            #[inline]
            fn zip_second(out: &$t, dout: &$t, grad: &$t, dgrad: &$t, f: impl Fn($t, $t, $t, $t) -> $t) -> $t {
                f(*out, *dout, *grad, *dgrad)
            }
            #[inline] fn fold_grad(&self, g: &$t, f: impl Fn($t, $t) -> $t) -> $t { f(*self, *g) }
        }
    )*};
}
scalar_activation!(f32, f64);

impl<T: Activation> Activation for &T {
    type Elem = T::Elem;
    type Out = T::Out;
    #[inline]
    fn map_out(&self, f: impl Fn(Self::Elem) -> Self::Elem) -> Self::Out {
        (**self).map_out(f)
    }
    #[inline]
    fn zip_grad(
        &self,
        g: Self::Out,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> <Self as GradOf>::Grad {
        (**self).zip_grad(g, f)
    }
    #[inline]
    fn zip_out(
        out: &Self::Out,
        g: Self::Out,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> <Self as GradOf>::Grad {
        T::zip_out(out, g, f)
    }
    #[inline]
    fn zip_tangent(
        &self,
        dx: &<Self as GradOf>::Grad,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::Out {
        (**self).zip_tangent(dx, f)
    }
    #[inline]
    fn zip_out_tangent(
        out: &Self::Out,
        dx: &<Self as GradOf>::Grad,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::Out {
        T::zip_out_tangent(out, dx, f)
    }
    #[inline]
    fn zip_second(
        out: &Self::Out,
        dout: &Self::Out,
        grad: &Self::Out,
        dgrad: &Self::Out,
        f: impl Fn(Self::Elem, Self::Elem, Self::Elem, Self::Elem) -> Self::Elem,
    ) -> <Self as GradOf>::Grad {
        T::zip_second(out, dout, grad, dgrad, f)
    }
    #[inline]
    fn fold_grad(
        &self,
        g: &Self::Out,
        f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::Elem {
        (**self).fold_grad(g, f)
    }
}

#[cfg(feature = "tensor")]
mod arrays {
    use super::Activation;
    use crate::Real;
    use ndarray::{Array, ArrayBase, Data, Dimension, RawDataClone, Zip};

    impl<A: Real, S: Data<Elem = A> + RawDataClone, D: Dimension> Activation for ArrayBase<S, D> {
        type Elem = A;
        type Out = Array<A, D>;
        #[inline]
        fn map_out(&self, f: impl Fn(Self::Elem) -> Self::Elem) -> Array<A, D> {
            self.mapv(f)
        }
        #[inline]
        fn into_out(self, f: impl Fn(Self::Elem) -> Self::Elem) -> Array<A, D> {
            // Free for an owned array; a view is copied once, as `mapv` would.
            let mut out = self.into_owned();
            out.mapv_inplace(f);
            out
        }
        #[inline]
        fn zip_grad(
            &self,
            mut g: Array<A, D>,
            f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
        ) -> Array<A, D> {
            Zip::from(&mut g).and(self).for_each(|g, &x| *g = f(x, *g));
            g
        }
        #[inline]
        fn zip_out(
            out: &Array<A, D>,
            mut g: Array<A, D>,
            f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
        ) -> Array<A, D> {
            Zip::from(&mut g).and(out).for_each(|g, &y| *g = f(y, *g));
            g
        }
        #[inline]
        fn zip_tangent(
            &self,
            dx: &Array<A, D>,
            f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
        ) -> Array<A, D> {
            Zip::from(self).and(dx).map_collect(|&x, &d| f(x, d))
        }
        #[inline]
        fn zip_out_tangent(
            out: &Array<A, D>,
            dx: &Array<A, D>,
            f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
        ) -> Array<A, D> {
            Zip::from(out).and(dx).map_collect(|&y, &d| f(y, d))
        }
        #[inline]
        fn zip_second(
            out: &Array<A, D>,
            dout: &Array<A, D>,
            grad: &Array<A, D>,
            dgrad: &Array<A, D>,
            f: impl Fn(Self::Elem, Self::Elem, Self::Elem, Self::Elem) -> Self::Elem,
        ) -> Array<A, D> {
            Zip::from(out)
                .and(dout)
                .and(grad)
                .and(dgrad)
                .map_collect(|&y, &dy, &g, &dg| f(y, dy, g, dg))
        }
        #[inline]
        fn fold_grad(
            &self,
            g: &Array<A, D>,
            f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem,
        ) -> A {
            Zip::from(self)
                .and(g)
                .fold(A::zero(), |s, &x, &g| s + f(x, g))
        }
    }
}

fn sigmoid_of<T: Real>(x: T) -> T {
    // Accurate at both ends: e⁻ˣ overflowing to ∞ gives exactly 0, and for large |x| the
    // relative error stays that of `exp`.
    T::one() / (T::one() + (-x).exp())
}

crate::gate! {
    /// The logistic sigmoid `σ(x) = 1 / (1 + e⁻ˣ)`, one gate with local gradient
    /// `σ(x)(1 − σ(x))`, as in the lecture; elementwise on arrays.
    ///
    /// ```
    /// assert_eq!(backprop::sigmoid(0.0_f64), 0.5);
    /// ```
    pub fn sigmoid<X: Activation>(x: X) -> X::Out {
        x.into_out(sigmoid_of)
    }
    // The rule reads the output only: the input is not kept.
    backward(out, grad) keep() {
        X::zip_out(&out, grad, |y, g| g * (X::Elem::one() - y) * y)
    }
    tangent(out, dx) {
        X::zip_out_tangent(&out, &dx, |y, d| d * (X::Elem::one() - y) * y)
    }
    second(dout, dgrad) {
        X::zip_second(&out, &dout, &grad, &dgrad, |y, dy, g, dg| {
            dg * (X::Elem::one() - y) * y + g * (X::Elem::one() - (y + y)) * dy
        })
    }
}

crate::gate! {
    /// The rectified linear unit `max(x, 0)`: the gradient passes where `x > 0` and is zero
    /// where `x ≤ 0`, as in the lecture; elementwise on arrays.
    ///
    /// ```
    /// assert_eq!(backprop::relu(-2.0_f64), 0.0);
    /// assert_eq!(backprop::relu(3.0_f32), 3.0);
    /// ```
    pub fn relu<X: Activation>(x: X) -> X::Out {
        x.into_out(|v| if v > X::Elem::zero() { v } else { X::Elem::zero() })
    }
    // `relu(x) > 0` exactly where `x > 0`: the rule reads the output, and the input is
    // not kept.
    backward(out, grad) keep() {
        X::zip_out(&out, grad, |y, g| if y > X::Elem::zero() { g } else { X::Elem::zero() })
    }
    tangent(out, dx) {
        x.zip_tangent(&dx, |v, d| if v > X::Elem::zero() { d } else { X::Elem::zero() })
    }
    second(dout, dgrad) {
        x.zip_grad(dgrad, |v, g| if v > X::Elem::zero() { g } else { X::Elem::zero() })
    }
}

crate::gate! {
    /// `max(x, c)` elementwise against a float `c`: the gradient goes to `x` where it is
    /// the larger (ties included) and to `c` elsewhere.
    pub fn maximum<X: Activation>(x: X, c: X::Elem) -> X::Out {
        x.into_out(|v| if v >= c { v } else { c })
    }
    // The rule reads the input, not the output: the output is not copied.
    backward(_, grad) {
        let to_c = x.fold_grad(&grad, |v, g| if v >= c { X::Elem::zero() } else { g });
        (x.zip_grad(grad, |v, g| if v >= c { g } else { X::Elem::zero() }), to_c)
    }
    tangent(out, dx, dc) {
        x.zip_tangent(&dx, |v, d| if v >= c { d } else { dc })
    }
    // The routing is piecewise constant: the tangent of the backward rule routes `dgrad`.
    second(dout, dgrad) {
        let to_c = x.fold_grad(&dgrad, |v, g| if v >= c { X::Elem::zero() } else { g });
        (x.zip_grad(dgrad, |v, g| if v >= c { g } else { X::Elem::zero() }), to_c)
    }
}

crate::gate! {
    /// `min(x, c)` elementwise against a float `c`: the gradient goes to `x` where it is
    /// the smaller (ties included) and to `c` elsewhere.
    pub fn minimum<X: Activation>(x: X, c: X::Elem) -> X::Out {
        x.into_out(|v| if v <= c { v } else { c })
    }
    // The rule reads the input, not the output: the output is not copied.
    backward(_, grad) {
        let to_c = x.fold_grad(&grad, |v, g| if v <= c { X::Elem::zero() } else { g });
        (x.zip_grad(grad, |v, g| if v <= c { g } else { X::Elem::zero() }), to_c)
    }
    tangent(out, dx, dc) {
        x.zip_tangent(&dx, |v, d| if v <= c { d } else { dc })
    }
    // The routing is piecewise constant: the tangent of the backward rule routes `dgrad`.
    second(dout, dgrad) {
        let to_c = x.fold_grad(&dgrad, |v, g| if v <= c { X::Elem::zero() } else { g });
        (x.zip_grad(dgrad, |v, g| if v <= c { g } else { X::Elem::zero() }), to_c)
    }
}

crate::gate! {
    /// `&x[start..end]` in a differentiated function: a copy of the elements, whose
    /// gradient flows back into `x[start..end]` (zeros elsewhere). `#[differentiate]` writes
    /// sub-slices (`&cam[0..3]`, `&x[k..]`) as calls to it.
    pub fn sub_slice<'a, T: Real>(x: &'a [T], start: usize, end: usize) -> Vec<T> {
        x[start..end].to_vec()
    }
    backward(_, grad) {
        let mut g = vec![T::zero(); x.len()];
        g[start..end].copy_from_slice(&grad);
        (g, crate::NotDifferentiable, crate::NotDifferentiable)
    }
    tangent(out, dx, dstart, dend) {
        dx[start..end].to_vec()
    }
    // Linear in `grad`: the tangent of the backward rule is the rule applied to `dgrad`.
    second(dout, dgrad) {
        let mut g = vec![T::zero(); x.len()];
        g[start..end].copy_from_slice(&dgrad);
        (g, crate::NotDifferentiable, crate::NotDifferentiable)
    }
}
