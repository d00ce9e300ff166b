//! Every operation of the straight-line subset, checked against finite differences at many
//! points, and the lecture's four gate patterns checked exactly.

// The functions are written the way the patterns under test need, not the way clippy likes.
#![allow(clippy::let_and_return, clippy::assign_op_pattern)]

mod common;
use backprop::{differentiate, relu, sigmoid};
use common::{Points, assert_close, assert_fd};

/// Checks `NAME::grad` of a function of two floats against finite differences at points
/// drawn from `[lo, hi)`.
macro_rules! check2 {
    ($name:ident, $lo:expr, $hi:expr) => {{
        let mut points = Points::new(stringify!($name).len() as u64);
        for _ in 0..25 {
            let (a, b) = (points.next_f64($lo, $hi), points.next_f64($lo, $hi));
            let (value, g) = $name::grad(a, b);
            assert_eq!(
                value.to_bits(),
                $name(a, b).to_bits(),
                "{} value at {a}, {b}",
                stringify!($name)
            );
            assert_fd(|v| $name(v[0], v[1]), &[a, b], &[g.a, g.b]);
            // The dot-product test: u·(J t) = t·(Jᵀ u).
            let (ta, tb) = (points.next_f64(-1.0, 1.0), points.next_f64(-1.0, 1.0));
            let u = points.next_f64(-2.0, 2.0);
            let (jvp_value, jv) = $name::jvp(a, b, ta, tb);
            assert_eq!(jvp_value.to_bits(), value.to_bits());
            let (_, pullback) = $name::vjp(a, b);
            let gu = pullback(u);
            assert_close(u * jv, ta * gu.a + tb * gu.b, 1e-12);
        }
    }};
}

macro_rules! unary {
    ($($name:ident: |$a:ident| $body:expr, $lo:expr, $hi:expr;)*) => {$(
        #[differentiate(reverse, forward)]
        fn $name($a: f64, b: f64) -> f64 {
            ($body) * b
        }
    )*
        #[test]
        fn unary_methods_match_finite_differences() {
            $( check2!($name, $lo, $hi); )*
        }
    };
}

unary! {
    exp: |a| a.exp(), -2.0, 2.0;
    exp2: |a| a.exp2(), -2.0, 2.0;
    exp_m1: |a| a.exp_m1(), -2.0, 2.0;
    ln: |a| a.ln(), 0.1, 3.0;
    ln_1p: |a| a.ln_1p(), -0.5, 3.0;
    log2: |a| a.log2(), 0.1, 3.0;
    log10: |a| a.log10(), 0.1, 3.0;
    log_literal_base: |a| a.log(3.0), 0.1, 3.0;
    sqrt: |a| a.sqrt(), 0.1, 3.0;
    cbrt: |a| a.cbrt(), 0.1, 3.0;
    powi3: |a| a.powi(3), -2.0, 2.0;
    powi_neg: |a| a.powi(-2), 0.5, 2.0;
    sin: |a| a.sin(), -3.0, 3.0;
    cos: |a| a.cos(), -3.0, 3.0;
    tan: |a| a.tan(), -1.2, 1.2;
    asin: |a| a.asin(), -0.9, 0.9;
    acos: |a| a.acos(), -0.9, 0.9;
    atan: |a| a.atan(), -3.0, 3.0;
    sinh: |a| a.sinh(), -2.0, 2.0;
    cosh: |a| a.cosh(), -2.0, 2.0;
    tanh: |a| a.tanh(), -2.0, 2.0;
    asinh: |a| a.asinh(), -2.0, 2.0;
    acosh: |a| a.acosh(), 1.1, 3.0;
    atanh: |a| a.atanh(), -0.9, 0.9;
    abs: |a| a.abs(), -2.0, 2.0;
    recip: |a| a.recip(), 0.5, 2.0;
    neg: |a| -a, -2.0, 2.0;
    to_degrees: |a| a.to_degrees(), -2.0, 2.0;
    to_radians: |a| a.to_radians(), -2.0, 2.0;
    ufcs_exp: |a| f64::exp(a), -2.0, 2.0;
    sigmoid_gate: |a| sigmoid(a), -4.0, 4.0;
    relu_gate: |a| relu(a), -2.0, 2.0;
    floor_is_flat: |a| a.floor() + a, 0.05, 0.95;
    fract: |a| (a * 3.0).fract() * a, 0.05, 0.3;
}

macro_rules! binary {
    ($($name:ident: |$a:ident, $b:ident| $body:expr, $lo:expr, $hi:expr;)*) => {$(
        #[differentiate(reverse, forward)]
        #[allow(unused_variables)]
        fn $name($a: f64, $b: f64) -> f64 {
            $body
        }
    )*
        #[test]
        fn binary_operations_match_finite_differences() {
            $( check2!($name, $lo, $hi); )*
        }
    };
}

binary! {
    add: |a, b| a + b, -2.0, 2.0;
    sub: |a, b| a - b, -2.0, 2.0;
    mul: |a, b| a * b, -2.0, 2.0;
    div: |a, b| a / b, 0.5, 2.0;
    const_over: |a, b| 3.0 / a + b, 0.5, 2.0;
    powf: |a, b| a.powf(b), 0.5, 2.0;
    atan2: |a, b| a.atan2(b), 0.5, 2.0;
    hypot: |a, b| a.hypot(b), 0.5, 2.0;
    log: |a, b| a.log(b + 1.0), 0.5, 2.0;
    copysign: |a, b| a.copysign(b) * (a + b), -2.0, 2.0;
    // Between the jumps: each quotient is the same over the range (2, 2 and 1).
    rem: |a, b| (a * 3.0 + 2.0) % (b + 0.8) * b + 7.5 % (b + 3.0), 0.1, 0.2;
    rem_assign: |a, b| { let mut s = a * a * 4.0 + 1.0; s %= b * 0.1 + 0.7; s * b }, 0.1, 0.2;
    rem_euclid: |a, b| (a * 4.0).rem_euclid(b - 2.5) * b + a.div_euclid(0.7) * b, -2.0, 2.0;
    max: |a, b| a.max(b) * 2.0, -2.0, 2.0;
    min: |a, b| a.min(b) * 2.0, -2.0, 2.0;
    mul_add: |a, b| a.mul_add(b, a), -2.0, 2.0;
    clamp: |a, b| a.clamp(b - 1.0, b * 0.5 + 1.5), -2.0, 2.0;
    ufcs_max: |a, b| f64::max(a, b), -2.0, 2.0;
    square_by_self: |a, b| a * a + b * b * b, -2.0, 2.0;
    nested: |a, b| ((a * b).sin() + (a / (1.0 + b * b)).exp()).ln(), -1.0, 1.0;
    shadowing: |a, b| { let t = a * b; let t = t + a; let t = t * t; t }, -1.0, 1.0;
    reassign: |a, b| { let mut s = a; s = s * b; s += a; s -= b * 0.5; s *= s; s /= 1.5; s }, -1.0, 1.0;
    early_parens: |a, b| return (a - b) * (a + b), -1.0, 1.0;
    typed_lets: |a, b| { let c: f64 = a * 2.0; let n: i32 = 3; c.powi(n) + b }, -1.0, 1.0;
    unused_param: |a, b| a * 3.0, -1.0, 1.0;
    constant_result: |a, b| 2.5, -1.0, 1.0;
    param_result: |a, b| a, -1.0, 1.0;
    block_value: |a, b| { let t = { let u = a * b; u + 1.0 }; t * t }, -1.0, 1.0;
}

#[test]
fn derivative_of_c_over_x_is_minus_c_over_x_squared() {
    // A tape-based peer recorded d(c/x)/dx as -1/x (the constant dropped).
    let (_, g) = const_over::grad(2.0, 1.0);
    assert_eq!(g.a, -3.0 / 4.0);
}

// The lecture's patterns in gradient flow.

#[differentiate]
fn add_gate(x: f64, y: f64) -> f64 {
    x + y
}

#[differentiate]
fn copy_gate(x: f64) -> f64 {
    let a = x * 3.0;
    let b = x * 5.0;
    a + b
}

#[differentiate]
fn mul_gate(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiate]
fn max_gate(x: f64, y: f64) -> f64 {
    x.max(y)
}

#[test]
fn add_gate_distributes() {
    let (_, pullback) = add_gate::vjp(3.0, -1.0);
    let g = pullback(2.5);
    assert_eq!((g.x, g.y), (2.5, 2.5));
}

#[test]
fn copy_gate_adds() {
    let (_, pullback) = copy_gate::vjp(1.5);
    assert_eq!(pullback(2.0).x, 2.0 * 3.0 + 2.0 * 5.0);
}

#[test]
fn mul_gate_swaps() {
    let (_, pullback) = mul_gate::vjp(3.0, -4.0);
    let g = pullback(2.0);
    assert_eq!((g.x, g.y), (2.0 * -4.0, 2.0 * 3.0));
}

#[test]
fn max_gate_routes() {
    let (_, pullback) = max_gate::vjp(4.0, 2.0);
    let g = pullback(2.0);
    assert_eq!((g.x, g.y), (2.0, 0.0));
    let (_, pullback) = max_gate::vjp(1.0, 2.0);
    let g = pullback(2.0);
    assert_eq!((g.x, g.y), (0.0, 2.0));
    // Ties go to the first operand, as `f64::max` returns it.
    let (_, g) = max_gate::grad(2.0, 2.0);
    assert_eq!((g.x, g.y), (1.0, 0.0));
}

#[test]
fn relu_zeroes_where_input_is_not_positive() {
    assert_eq!(relu_gate::grad(-1.0, 3.0).1.a, 0.0);
    assert_eq!(relu_gate::grad(0.0, 3.0).1.a, 0.0);
    assert_eq!(relu_gate::grad(2.0, 3.0).1.a, 3.0);
}

#[differentiate]
fn in_f32(x: f32, y: f32) -> f32 {
    (x * y).sin() + x.exp() / y
}

#[test]
fn f32_functions() {
    let (v, g) = in_f32::grad(0.5, 2.0);
    assert_eq!(v, in_f32(0.5, 2.0));
    assert_close(g.x as f64, (1.0f64).cos() * 2.0 + 0.5f64.exp() / 2.0, 1e-5);
    assert_close(g.y as f64, (1.0f64).cos() * 0.5 - 0.5f64.exp() / 4.0, 1e-5);
}

#[differentiate(wrt(y))]
fn only_y(x: f64, y: f64, n: usize) -> f64 {
    x * y * n as f64
}

#[test]
fn wrt_restricts_the_gradient() {
    let (v, g) = only_y::grad(2.0, 3.0, 4);
    assert_eq!(v, 24.0);
    assert_eq!(g, only_y::Grad { y: 8.0 });
}

#[differentiate]
fn integer_and_bool_constants(x: f64, k: i32, flip: bool, scale: &u32) -> f64 {
    let s = if flip { -1.0 } else { 1.0 };
    s * x.powi(k) * *scale as f64
}

#[test]
fn integers_and_bools_pass_through() {
    let (_, g) = integer_and_bool_constants::grad(2.0, 3, true, &2);
    assert_eq!(g.x, -(3.0 * 4.0 * 2.0));
}

#[differentiate]
fn cast_through_f32(a: f64, b: f64) -> f64 {
    (a as f32 * 2.0) as f64 * b
}

#[test]
fn casts_between_float_types_carry_the_gradient() {
    // Finite differences of an f32 computation are too noisy to compare with: exact values.
    let (_, g) = cast_through_f32::grad(0.75, -1.5);
    assert_eq!((g.a, g.b), (-3.0, 1.5));
}
