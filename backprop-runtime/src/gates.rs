//! The built-in gates, declared with [`gate!`](crate::gate) like a user's own.

use crate::Real;

crate::gate! {
    /// The logistic sigmoid `σ(x) = 1 / (1 + e⁻ˣ)`, one gate with local gradient
    /// `σ(x)(1 − σ(x))`, as in the lecture.
    ///
    /// ```
    /// assert_eq!(backprop::sigmoid(0.0_f64), 0.5);
    /// ```
    pub fn sigmoid<T: Real>(x: T) -> T {
        // Accurate at both ends: e⁻ˣ overflowing to ∞ gives exactly 0, and for large |x|
        // the relative error stays that of `exp`.
        T::one() / (T::one() + (-x).exp())
    }
    backward(out, grad) {
        grad * (T::one() - out) * out
    }
    tangent(out, dx) {
        dx * (T::one() - out) * out
    }
    second(dout, dgrad) {
        dgrad * (T::one() - out) * out + grad * (T::one() - (out + out)) * dout
    }
}

crate::gate! {
    /// The rectified linear unit `max(x, 0)`: the gradient passes where `x > 0` and is zero
    /// where `x ≤ 0`, as in the lecture.
    ///
    /// ```
    /// assert_eq!(backprop::relu(-2.0_f64), 0.0);
    /// assert_eq!(backprop::relu(3.0_f32), 3.0);
    /// ```
    pub fn relu<T: Real>(x: T) -> T {
        if x > T::zero() { x } else { T::zero() }
    }
    backward(out, grad) {
        if x > T::zero() { grad } else { T::zero() }
    }
    tangent(out, dx) {
        if x > T::zero() { dx } else { T::zero() }
    }
    second(dout, dgrad) {
        if x > T::zero() { dgrad } else { T::zero() }
    }
}
