//! Arrays: the lecture's ReLU and matrix-multiply examples, every tensor operation and gate
//! against finite differences (random shapes, broadcasting, values used several times), and
//! a whole two-layer network's loss.

#![cfg(feature = "tensor")]
#![allow(clippy::needless_range_loop)]

mod common;
use backprop::ndarray::{Array1, Array2, Axis, Zip, array, concatenate, s, stack};
use backprop::{differentiate, relu, sigmoid};
use common::{Points, assert_close, assert_fd, assert_fd_array, check_hvp};

/// ReLU of a vector, weighted by `u` so the upstream gradient of `relu(x)` is `u`.
#[differentiate(wrt(x), reverse, forward)]
fn relu_weighted(x: &Array1<f64>, u: &Array1<f64>) -> f64 {
    (relu(x) * u).sum()
}

#[test]
fn lecture_relu_zeroes_the_upstream_gradient_where_x_is_not_positive() {
    let x = array![1.0, -2.0, 3.0, 0.0, -0.5];
    let u = array![4.0, 5.0, 6.0, 7.0, 8.0];
    let (value, g) = relu_weighted::grad(&x, &u);
    assert_eq!(value, 4.0 + 18.0);
    assert_eq!(g.x, array![4.0, 0.0, 6.0, 0.0, 0.0]);
}

/// `y = x·w`, weighted by `g` so that `dL/dy = g`.
#[differentiate(wrt(x, w), reverse, forward)]
fn matmul_weighted(x: &Array2<f64>, w: &Array2<f64>, g: &Array2<f64>) -> f64 {
    let y = x.dot(w);
    (y * g).sum()
}

#[test]
fn lecture_matmul_gradients_are_two_matrix_products() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let w = array![[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]];
    let g = array![[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]];
    let (_, grads) = matmul_weighted::grad(&x, &w, &g);
    // dL/dx = dL/dy · wᵀ, dL/dw = xᵀ · dL/dy
    assert_eq!(grads.x, g.dot(&w.t()));
    assert_eq!(grads.w, x.t().dot(&g));
    assert_eq!(grads.x, array![[-2.0, -2.0], [16.0, 25.0]]);
}

#[test]
fn values_are_the_functions() {
    let x = array![1.0, -2.0];
    assert_eq!(
        relu_weighted::grad(&x, &array![1.0, 1.0]).0,
        relu_weighted(&x, &array![1.0, 1.0])
    );
    let _ = (Axis(0), assert_close as fn(f64, f64, f64));
}

// ---------------------------------------------------------------------------------------
// Every op and gate against finite differences, on random shapes.

#[differentiate(reverse, forward)]
fn elementwise(a: &Array2<f64>, b: &Array2<f64>, s: f64) -> f64 {
    let c = a * b + a / (b * b + 1.0) - s * a;
    let d = 2.0 - c / 3.0 + s;
    (-d * a).sum()
}

#[differentiate(reverse, forward)]
fn bias_row(x: &Array2<f64>, b: &Array1<f64>) -> f64 {
    let h = x + b;
    (&h * &h).sum()
}

#[differentiate(reverse, forward)]
fn bias_column(x: &Array2<f64>, c: &Array2<f64>) -> f64 {
    // c has one column: broadcast along rows
    ((x - c) * x).mean().unwrap()
}

#[differentiate(reverse, forward)]
fn unary_gates(x: &Array1<f64>) -> f64 {
    let a = x.exp() + x.tanh() + x.sin() + x.cos();
    let b = (x * x + 1.0).ln() + (x * x + 2.0).sqrt() + x.powi(3) + x.abs();
    let c =
        backprop::sigmoid(x) + relu(x) + backprop::maximum(x, 0.25) + backprop::minimum(x, -0.25);
    (a * b + c).sum()
}

#[differentiate(reverse, forward)]
fn reductions(x: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let rows = x.sum_axis(Axis(0));
    let cols = x.sum_axis(Axis(1));
    let t = x.t();
    rows.dot(v) + (&cols * &cols).sum() + t.sum() * x.mean().unwrap() + t.dot(&t.t()).sum()
}

#[differentiate(reverse, forward)]
fn products(a: &Array2<f64>, b: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let ab = a.dot(b);
    let av = a.dot(v);
    let vv = v.dot(v);
    (&ab * &ab).sum() + av.sum() * vv + ab.t().dot(&av).sum()
}

#[differentiate(reverse, forward)]
fn used_several_times(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    let h = x.dot(w);
    let k = h.dot(&h.t());
    (&h * &h + &h).sum() + k.sum() + h.dot(&w.t()).sum()
}

/// Random shapes and points for the finite-difference checks.
/// Gradients whose backward pass makes them column-major (`a.t()` in a product and in an
/// elementwise update): handed back in standard layout, so `as_slice()` works.
#[differentiate(hessian)]
fn transposed_uses(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let mut d = a.dot(b).mapv(|v| v.sin());
    d -= &a.t();
    (&d * &d).sum() + b.t().dot(a).sum()
}

#[test]
fn array_gradients_come_back_in_standard_layout() {
    let a = array![[0.3, -0.6], [1.2, 0.4]];
    let b = array![[0.1, 0.2], [-0.3, 0.5]];
    let (value, g) = transposed_uses::grad(&a, &b);
    assert_eq!(value, transposed_uses(&a, &b));
    assert!(g.a.is_standard_layout() && g.b.is_standard_layout());
    let flat_a = g.a.as_slice().expect("standard layout").to_vec();
    assert_fd(
        |p| transposed_uses(&Array2::from_shape_vec((2, 2), p.to_vec()).unwrap(), &b),
        a.as_slice().unwrap(),
        &flat_a,
    );
    let flat_b = g.b.as_slice().expect("standard layout").to_vec();
    assert_fd(
        |p| transposed_uses(&a, &Array2::from_shape_vec((2, 2), p.to_vec()).unwrap()),
        b.as_slice().unwrap(),
        &flat_b,
    );
    let (_, _, h) = transposed_uses::hvp(&a, &b, &a, &b);
    assert!(h.a.is_standard_layout() && h.b.is_standard_layout());
}

/// `mapv_inplace` and `scaled_add` on a local array: the assignments they mean.
#[differentiate(hessian)]
fn updated_in_place(a: &Array1<f64>, b: &Array1<f64>, k: f64) -> f64 {
    let mut c = a.to_owned();
    c.scaled_add(k, b);
    c.mapv_inplace(|v| (v * k).tanh());
    c.scaled_add(-0.5, &a.mapv(|v| v * v));
    // A closure binding the array's own name (`a`): renamed apart where the array takes
    // `v`'s place (it read the new `a`, and did not compile).
    c.sum()
        + a.mapv(|v| {
            let a = 2.0;
            v * a
        })
        .sum()
}

#[test]
fn in_place_updates_of_a_local_array() {
    let (a, b, k) = (array![0.3, -0.2, 0.9], array![0.5, 0.1, -0.4], 0.7);
    let (value, g) = updated_in_place::grad(&a, &b, k);
    assert_eq!(value, updated_in_place(&a, &b, k));
    let mut point = a.to_vec();
    point.extend(b.iter());
    point.push(k);
    let mut grad = g.a.to_vec();
    grad.extend(g.b.iter());
    grad.push(g.k);
    let f = |p: &[f64]| {
        let (pa, pb) = (
            Array1::from(p[..3].to_vec()),
            Array1::from(p[3..6].to_vec()),
        );
        updated_in_place(&pa, &pb, p[6])
    };
    assert_fd(f, &point, &grad);
    let (da, db, dk) = (array![1.0, -0.5, 0.25], array![0.2, 0.0, -1.0], 0.3);
    let (_, dot) = updated_in_place::jvp(&a, &b, k, &da, &db, dk);
    let expected: f64 = g.a.dot(&da) + g.b.dot(&db) + g.k * dk;
    assert_close(dot, expected, 1e-10);
}

/// Constant weights written as ndarray users write them: `array![..]` and
/// `Array2::from_shape_vec(..).unwrap()` in the body (were "cannot see the code this macro
/// expands to" and an array taken for a float).
#[differentiate(hessian)]
fn constant_weights(x: &Array1<f64>) -> f64 {
    let w = array![[1.0, 0.5, -0.2], [0.3, 0.1, 0.7]];
    let v = Array2::from_shape_vec((3, 2), vec![0.2, -0.4, 0.6, 0.1, -0.3, 0.5]).unwrap();
    let h = w.dot(x).mapv(|t| t.tanh());
    let b = backprop::ndarray::array![0.1, -0.1];
    (&h + &b).dot(&v.t().dot(x)) + h.sum()
}

/// A function of one vector, checked every way: the value, the gradient against central
/// differences, `jvp` against the gradient, `hvp` against differences of the gradient.
macro_rules! check_every_mode {
    ($f:ident, $x:expr, $dx:expr, $seed:expr) => {{
        let (x, dx) = ($x, $dx);
        let (value, g) = $f::grad(&x);
        assert_eq!(value, $f(&x));
        assert_fd_array($f, &x, &g.x);
        let (_, dot) = $f::jvp(&x, &dx);
        assert_close(dot, g.x.dot(&dx), 1e-12);
        let f = |p: &[f64]| $f::grad(&Array1::from(p.to_vec())).1.x.to_vec();
        let hvp = |p: &[f64], u: &[f64]| {
            let (p, u) = (Array1::from(p.to_vec()), Array1::from(u.to_vec()));
            $f::hvp(&p, &u).2.x.to_vec()
        };
        check_hvp(f, hvp, &x.to_vec(), $seed);
    }};
}

#[test]
fn constant_arrays_from_array_and_from_shape_vec() {
    check_every_mode!(
        constant_weights,
        array![0.3, -0.8, 0.5],
        array![0.5, 1.0, -0.25],
        5
    );
}

/// Every float method the scalar code differentiates that ndarray has elementwise, on an
/// array and inside `mapv` (`tan`, `powf(1.5)`, `log2`, `log(2.0)`, ... were "does not
/// support `.tan()` on an array").
#[differentiate(hessian)]
fn elementwise_functions(x: &Array1<f64>) -> f64 {
    let trig = x.mapv(|v| v.tan() + v.atan() + (0.5 * v).asin() + (0.3 * v).acos());
    let logs = x.mapv(|v| (1.0 + v * v).log2() + (2.0 + v).log10() + (1.0 + v * v).log(3.0));
    let powers = x.mapv(|v| (1.0 + v * v).powf(1.5) + (3.0 + v).cbrt() + v.exp2());
    let hyperbolic = x.mapv(|v| v.hypot(1.0) + v.asinh() + (2.0 + v).acosh() + (0.5 * v).atanh());
    let angles = x.mapv(|v| (v.to_degrees() * 0.01).sin() + v.to_radians().exp());
    let direct =
        x.tan() + x.powf(2.5).sqrt() + x.log2() + x.log(3.0) + x.exp2() + (x * 3.0).fract();
    // ndarray's square, and the steps (derivative zero): constants of the values.
    let steps = x.pow2() * (x * 3.3).floor() + x * &(x - 0.4).signum() + (x * 2.0).round();
    (trig * logs + powers + hyperbolic + angles + direct + steps).sum()
}

#[test]
fn elementwise_functions_of_arrays() {
    check_every_mode!(
        elementwise_functions,
        array![0.3, 0.8, 0.5, 0.1],
        array![0.5, -1.0, 0.25, 2.0],
        9
    );
}

/// Vectors whose type the operands give, walked as declared ones are: `let z = a.dot(x);`
/// of a constant matrix and the vector, and `mapv`s and arithmetic of it (each was "walks
/// the elements of a one-dimensional array whose type the function declares").
#[differentiate(hessian)]
fn vectors_from_their_operands(x: &Array1<f64>) -> f64 {
    let a = Array2::from_shape_vec((3, 2), vec![0.2, -0.4, 0.6, 0.1, -0.3, 0.5]).unwrap();
    let z = a.dot(x);
    let h = (&z + 0.1).mapv(|v| v.max(0.0));
    let e = x.mapv(f64::exp);
    let mut s = z.iter().map(|v| v.tanh()).sum::<f64>() + h.fold(0.0, |m, &v| m + v * v);
    for (i, v) in e.iter().enumerate() {
        s += v * (i as f64 + 0.5);
    }
    s
}

/// Slices of a local matrix to an element, a row and columns: the number of axes each
/// leaves (0, 1, 2) follows from `s![..]`; only the row and the columns are typed.
#[differentiate]
fn slices_of_a_local(w: &Array2<f64>) -> f64 {
    let a: Array2<f64> = w * 2.0;
    let e = a.slice(s![0, 1]);
    let r = a.slice(s![1, ..]);
    let q = a.slice(s![.., 1..]);
    e.sum() * 3.0 + r.iter().map(|v| v * v).sum::<f64>() + q.sum()
}

#[test]
fn slices_keep_the_axes_their_ranges_keep() {
    let w = array![[1.0, 2.0], [3.0, 4.0]];
    let (value, g) = slices_of_a_local::grad(&w);
    assert_eq!(value, slices_of_a_local(&w));
    assert_fd_array(slices_of_a_local, &w, &g.w);
}

#[test]
fn vectors_known_from_their_operands() {
    check_every_mode!(
        vectors_from_their_operands,
        array![0.3, -0.8],
        array![0.5, 1.0],
        11
    );
}

/// ndarray's `Zip` as its users write elementwise updates: `for_each` writing the first
/// array (`=`, `+=`, `*=` after a `let`, reading `*y`), over two and three arrays, into an
/// array made by `Array1::zeros` whose element type Rust infers from the writes;
/// `map_collect` bound by a `let`; and `fold`, the fold of the elements walked together.
#[differentiate(hessian)]
fn zipped(x: &Array1<f64>) -> f64 {
    let w = array![0.1, 0.7, -0.4];
    let mut y = Array1::zeros(x.len());
    Zip::from(&mut y).and(x).for_each(|yi, &xi| *yi = xi * xi);
    Zip::from(&mut y)
        .and(x)
        .and(&w)
        .for_each(|yi, &xi, &wi| *yi += (wi * xi).tanh());
    Zip::from(&mut y).and(&w).for_each(|yi, wi| {
        let t = *wi * 0.5;
        *yi *= (t + *yi).max(0.0) + 1.0;
    });
    let z = Zip::from(&y).and(x).map_collect(|&a, &b| a * b.exp());
    let folded = Zip::from(x)
        .and(&z)
        .and(&w)
        .fold(0.5, |acc, &a, &b, &c| acc * 0.9 + a * b - c);
    z.sum() + folded
}

#[test]
fn zips_as_the_elementwise_assignments_they_mean() {
    check_every_mode!(zipped, array![0.3, -0.8, 0.5], array![0.5, 1.0, -0.25], 11);
}

#[test]
#[should_panic(expected = "the arrays' shapes differ")]
fn a_zip_of_arrays_of_different_shapes_panics_as_zip_does() {
    let _ = zipped::grad(&array![0.3, -0.8]);
}

/// The elements of a one-dimensional array walked by a `for` loop (`for &v in x.iter()`,
/// `for v in x`; only the enumerated walk was taken), and of a matrix's rows
/// (`for row in a.outer_iter()` then `row.iter()`, a chain or a loop).
#[differentiate(hessian)]
fn walked_elements(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        s += v.exp();
    }
    for v in x {
        s += v * v * 0.5;
    }
    s
}

#[differentiate(reverse, forward)]
fn walked_rows(a: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for row in a.outer_iter() {
        s += row.iter().map(|v| v * v).sum::<f64>().sqrt();
        for &v in row.iter() {
            s += v.sin();
        }
    }
    s + a
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.iter().map(|v| v * (i as f64 + 1.0)).sum::<f64>())
        .sum::<f64>()
}

#[test]
fn elements_of_arrays_and_of_their_rows_walked() {
    check_every_mode!(
        walked_elements,
        array![0.3, -0.8, 0.5],
        array![0.5, 1.0, -0.25],
        15
    );
    let a = array![[0.3, -0.8, 0.5], [0.2, 0.4, -0.1]];
    let (value, g) = walked_rows::grad(&a);
    assert_eq!(value, walked_rows(&a));
    assert_fd_array(walked_rows, &a, &g.a);
    let da = array![[0.5, 1.0, -0.25], [0.1, -0.3, 0.7]];
    let (_, dot) = walked_rows::jvp(&a, &da);
    assert_close(dot, (&g.a * &da).sum(), 1e-12);
}

fn shapes(seed: u64) -> impl Iterator<Item = (Points, usize, usize, usize)> {
    (0..6).map(move |i| {
        let mut p = Points::new(seed * 100 + i);
        let (n, k, m) = (p.size(4), p.size(4), p.size(4));
        (p, n, k, m)
    })
}

#[test]
fn elementwise_arithmetic_with_arrays_and_scalars() {
    for (mut p, n, k, _) in shapes(1) {
        let (a, b, s) = (
            p.matrix(n, k, -2.0, 2.0),
            p.matrix(n, k, -2.0, 2.0),
            p.next_f64(-1.0, 1.0),
        );
        let (value, g) = elementwise::grad(&a, &b, s);
        assert_close(value, elementwise(&a, &b, s), 1e-12);
        assert_fd_array(|a| elementwise(a, &b, s), &a, &g.a);
        assert_fd_array(|b| elementwise(&a, b, s), &b, &g.b);
        assert_fd(|v| elementwise(&a, &b, v[0]), &[s], &[g.s]);
    }
}

#[test]
fn broadcast_operands_get_gradients_of_their_own_shape() {
    for (mut p, n, k, _) in shapes(2) {
        let (x, b) = (p.matrix(n, k, -2.0, 2.0), p.array(k, -1.0, 1.0));
        let (_, g) = bias_row::grad(&x, &b);
        assert_eq!(g.b.shape(), &[k]);
        assert_fd_array(|x| bias_row(x, &b), &x, &g.x);
        assert_fd_array(|b| bias_row(&x, b), &b, &g.b);

        let c = p.matrix(n, 1, -1.0, 1.0);
        let (_, g) = bias_column::grad(&x, &c);
        assert_eq!(g.c.shape(), &[n, 1]);
        assert_fd_array(|x| bias_column(x, &c), &x, &g.x);
        assert_fd_array(|c| bias_column(&x, c), &c, &g.c);
    }
}

#[test]
fn elementwise_gates() {
    for (mut p, n, _, _) in shapes(3) {
        // Away from the kinks of abs, relu, maximum and minimum.
        let x = p
            .array(n + 3, -2.0, 2.0)
            .mapv(|v| if v.abs() < 0.3 { v + 0.6 } else { v });
        let (value, g) = unary_gates::grad(&x);
        assert_close(value, unary_gates(&x), 1e-12);
        assert_fd_array(unary_gates, &x, &g.x);
    }
}

#[test]
fn reductions_transpose_and_products() {
    for (mut p, n, k, m) in shapes(4) {
        let (x, v) = (p.matrix(n, k, -2.0, 2.0), p.array(k, -1.0, 1.0));
        let (_, g) = reductions::grad(&x, &v);
        assert_fd_array(|x| reductions(x, &v), &x, &g.x);
        assert_fd_array(|v| reductions(&x, v), &v, &g.v);

        let (a, b, w) = (
            p.matrix(n, k, -1.0, 1.0),
            p.matrix(k, m, -1.0, 1.0),
            p.array(k, -1.0, 1.0),
        );
        let (value, g) = products::grad(&a, &b, &w);
        assert_close(value, products(&a, &b, &w), 1e-12);
        assert_fd_array(|a| products(a, &b, &w), &a, &g.a);
        assert_fd_array(|b| products(&a, b, &w), &b, &g.b);
        assert_fd_array(|w| products(&a, &b, w), &w, &g.v);
    }
}

#[test]
fn values_used_several_times_sum_their_gradients() {
    for (mut p, n, k, m) in shapes(5) {
        let (x, w) = (p.matrix(n, k, -1.0, 1.0), p.matrix(k, m, -1.0, 1.0));
        let (_, g) = used_several_times::grad(&x, &w);
        assert_fd_array(|x| used_several_times(x, &w), &x, &g.x);
        assert_fd_array(|w| used_several_times(&x, w), &w, &g.w);
    }
}

#[differentiate(reverse, forward)]
fn softmax_weighted(x: &Array2<f64>, u: &Array2<f64>) -> f64 {
    let p = backprop::softmax(x, Axis(1));
    let q = backprop::log_softmax(x, Axis(0));
    (p * u).sum() + (q * u).sum()
}

#[differentiate(reverse, forward)]
fn cross_entropy(logits: &Array2<f64>, labels: &[usize]) -> f64 {
    backprop::softmax_cross_entropy(logits, labels)
}

#[test]
fn softmax_log_softmax_and_cross_entropy() {
    for (mut p, n, k, _) in shapes(6) {
        let (x, u) = (p.matrix(n, k + 1, -3.0, 3.0), p.matrix(n, k + 1, -1.0, 1.0));
        let (_, g) = softmax_weighted::grad(&x, &u);
        assert_fd_array(|x| softmax_weighted(x, &u), &x, &g.x);
        assert_fd_array(|u| softmax_weighted(&x, u), &u, &g.u);

        let labels: Vec<usize> = (0..n).map(|i| (i * 7 + 1) % (k + 1)).collect();
        let (value, g) = cross_entropy::grad(&x, &labels);
        assert_close(value, cross_entropy(&x, &labels), 1e-12);
        assert_fd_array(|x| cross_entropy(x, &labels), &x, &g.logits);
    }
}

#[test]
fn softmax_is_stable_for_large_logits() {
    let x = array![[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]];
    let labels = [1, 2];
    let (value, g) = cross_entropy::grad(&x, &labels);
    assert!(value.is_finite());
    // Row sums of (softmax − one-hot) vanish.
    for row in g.logits.rows() {
        assert_close(row.sum(), 0.0, 1e-12);
    }
    assert_close(g.logits[[1, 2]], (1.0 / 3.0 - 1.0) / 2.0, 1e-12);
}

// ---------------------------------------------------------------------------------------
// A whole network: two layers, ReLU, softmax cross-entropy over a batch.

#[differentiate(wrt(w1, b1, w2, b2), reverse, forward)]
fn mlp_loss(
    x: &Array2<f64>,
    labels: &[usize],
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
) -> f64 {
    let h = relu(x.dot(w1) + b1);
    let scores = h.dot(w2) + b2;
    backprop::softmax_cross_entropy(&scores, labels)
}

#[test]
fn mlp_loss_gradient_matches_finite_differences_for_all_four_parameters() {
    let mut p = Points::new(42);
    let (batch, inputs, hidden, classes) = (5, 3, 6, 4);
    let x = p.matrix(batch, inputs, -1.0, 1.0);
    let labels: Vec<usize> = (0..batch).map(|i| i % classes).collect();
    let (w1, b1) = (
        p.matrix(inputs, hidden, -1.0, 1.0),
        p.array(hidden, -0.5, 0.5),
    );
    let (w2, b2) = (
        p.matrix(hidden, classes, -1.0, 1.0),
        p.array(classes, -0.5, 0.5),
    );
    let (value, g) = mlp_loss::grad(&x, &labels, &w1, &b1, &w2, &b2);
    assert_close(value, mlp_loss(&x, &labels, &w1, &b1, &w2, &b2), 1e-12);
    assert_fd_array(|w1| mlp_loss(&x, &labels, w1, &b1, &w2, &b2), &w1, &g.w1);
    assert_fd_array(|b1| mlp_loss(&x, &labels, &w1, b1, &w2, &b2), &b1, &g.b1);
    assert_fd_array(|w2| mlp_loss(&x, &labels, &w1, &b1, w2, &b2), &w2, &g.w2);
    assert_fd_array(|b2| mlp_loss(&x, &labels, &w1, &b1, &w2, b2), &b2, &g.b2);
}

// ---------------------------------------------------------------------------------------
// Forward mode against reverse mode: u·(J t) = ⟨t, Jᵀ u⟩ for every function above.

/// `⟨a, b⟩` over all elements.
fn inner<D: backprop::ndarray::Dimension>(
    a: &backprop::ndarray::Array<f64, D>,
    b: &backprop::ndarray::Array<f64, D>,
) -> f64 {
    (a * b).sum()
}

#[test]
fn forward_mode_agrees_with_reverse_mode_on_arrays() {
    for (mut p, n, k, m) in shapes(7) {
        let u = p.next_f64(-2.0, 2.0);
        let mat = |p: &mut Points, r, c| p.matrix(r, c, -1.5, 1.5);
        let vec = |p: &mut Points, r| p.array(r, -1.5, 1.5);

        let (x, w) = (vec(&mut p, n), vec(&mut p, n));
        let tx = vec(&mut p, n);
        let g = relu_weighted::vjp(&x, &w).1(u);
        assert_close(
            u * relu_weighted::jvp(&x, &w, &tx).1,
            inner(&tx, &g.x),
            1e-11,
        );
        let g = unary_gates::vjp(&x).1(u);
        assert_close(u * unary_gates::jvp(&x, &tx).1, inner(&tx, &g.x), 1e-10);

        let (a, b, s, ta, tb, ts) = (
            mat(&mut p, n, k),
            mat(&mut p, n, k),
            p.next_f64(-1.0, 1.0),
            mat(&mut p, n, k),
            mat(&mut p, n, k),
            p.next_f64(-1.0, 1.0),
        );
        let g = elementwise::vjp(&a, &b, s).1(u);
        let right = inner(&ta, &g.a) + inner(&tb, &g.b) + ts * g.s;
        assert_close(
            u * elementwise::jvp(&a, &b, s, &ta, &tb, ts).1,
            right,
            1e-10,
        );
        let g = softmax_weighted::vjp(&a, &b).1(u);
        let right = inner(&ta, &g.x) + inner(&tb, &g.u);
        assert_close(u * softmax_weighted::jvp(&a, &b, &ta, &tb).1, right, 1e-10);
        let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
        let g = cross_entropy::vjp(&a, &labels).1(u);
        assert_close(
            u * cross_entropy::jvp(&a, &labels, &ta).1,
            inner(&ta, &g.logits),
            1e-11,
        );

        let (bias, tbias, col, tcol) = (
            vec(&mut p, k),
            vec(&mut p, k),
            mat(&mut p, n, 1),
            mat(&mut p, n, 1),
        );
        let g = bias_row::vjp(&a, &bias).1(u);
        let right = inner(&ta, &g.x) + inner(&tbias, &g.b);
        assert_close(u * bias_row::jvp(&a, &bias, &ta, &tbias).1, right, 1e-10);
        let g = bias_column::vjp(&a, &col).1(u);
        let right = inner(&ta, &g.x) + inner(&tcol, &g.c);
        assert_close(u * bias_column::jvp(&a, &col, &ta, &tcol).1, right, 1e-11);
        let g = reductions::vjp(&a, &bias).1(u);
        let right = inner(&ta, &g.x) + inner(&tbias, &g.v);
        assert_close(u * reductions::jvp(&a, &bias, &ta, &tbias).1, right, 1e-10);

        let (c, tc) = (mat(&mut p, k, m), mat(&mut p, k, m));
        let g = products::vjp(&a, &c, &bias).1(u);
        let right = inner(&ta, &g.a) + inner(&tc, &g.b) + inner(&tbias, &g.v);
        assert_close(
            u * products::jvp(&a, &c, &bias, &ta, &tc, &tbias).1,
            right,
            1e-10,
        );
        let g = used_several_times::vjp(&a, &c).1(u);
        let right = inner(&ta, &g.x) + inner(&tc, &g.w);
        assert_close(
            u * used_several_times::jvp(&a, &c, &ta, &tc).1,
            right,
            1e-10,
        );
        let (gy, tw) = (mat(&mut p, n, m), mat(&mut p, k, m));
        let g = matmul_weighted::vjp(&a, &c, &gy).1(u);
        let right = inner(&ta, &g.x) + inner(&tw, &g.w);
        assert_close(
            u * matmul_weighted::jvp(&a, &c, &gy, &ta, &tw).1,
            right,
            1e-10,
        );

        let (w1, b1, w2, b2) = (
            mat(&mut p, k, m),
            vec(&mut p, m),
            mat(&mut p, m, 3),
            vec(&mut p, 3),
        );
        let (t1, tb1, t2, tb2) = (
            mat(&mut p, k, m),
            vec(&mut p, m),
            mat(&mut p, m, 3),
            vec(&mut p, 3),
        );
        let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let g = mlp_loss::vjp(&a, &labels, &w1, &b1, &w2, &b2).1(u);
        let right = inner(&t1, &g.w1) + inner(&tb1, &g.b1) + inner(&t2, &g.w2) + inner(&tb2, &g.b2);
        let jt = mlp_loss::jvp(&a, &labels, &w1, &b1, &w2, &b2, &t1, &tb1, &t2, &tb2).1;
        assert_close(u * jt, right, 1e-10);
    }
}

// ---------------------------------------------------------------------------------------
// Arrays in loops and branches: a recurrent cell applied `steps` times.

#[differentiate(wrt(h0, w), hessian)]
fn recurrent(h0: &Array1<f64>, w: &Array2<f64>, steps: usize) -> f64 {
    let mut h = h0.to_owned();
    for _ in 0..steps {
        h = (w.dot(&h) + 0.5).tanh();
        if h.sum() > 0.5 {
            h *= 0.5;
        }
    }
    (&h * &h).sum()
}

#[test]
fn arrays_through_loops_and_branches() {
    for (mut p, n, _, _) in shapes(8) {
        let (h0, w) = (p.array(n, -1.0, 1.0), p.matrix(n, n, -1.0, 1.0));
        for steps in [0, 1, 3] {
            let (value, g) = recurrent::grad(&h0, &w, steps);
            assert_close(value, recurrent(&h0, &w, steps), 1e-12);
            assert_fd_array(|h0| recurrent(h0, &w, steps), &h0, &g.h0);
            assert_fd_array(|w| recurrent(&h0, w, steps), &w, &g.w);
            let (t0, tw, u) = (
                p.array(n, -1.0, 1.0),
                p.matrix(n, n, -1.0, 1.0),
                p.next_f64(-1.0, 1.0),
            );
            let g = recurrent::vjp(&h0, &w, steps).1(u);
            let right = inner(&t0, &g.h0) + inner(&tw, &g.w);
            assert_close(u * recurrent::jvp(&h0, &w, steps, &t0, &tw).1, right, 1e-10);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Arrays given by value to a gate and assigned its result (`h = sigmoid(h)`): the gate
// consumes the array, which the reverse may still read (a copy is passed) or not (the
// assignment then saves nothing, and nothing is copied).

/// Layers in a loop, each `h = sigmoid(h·v + h)` written in two assignments: the sum the
/// second destroys is read by no backward rule; the `h` that `relu` takes at the loop's
/// start is the one the product reads.
#[differentiate(wrt(w, v), hessian)]
fn gated_layers(x: &Array2<f64>, w: &Array2<f64>, v: &Array2<f64>, steps: usize) -> f64 {
    let mut h = x.dot(w);
    for _ in 0..steps {
        h = relu(h);
        h = h.dot(v) + &h;
        h = sigmoid(h);
    }
    (&h * &h).sum()
}

/// A gate taking an array the backward pass reads (the product's rule reads `h`).
#[differentiate(wrt(w, v), hessian)]
fn gate_after_read(x: &Array2<f64>, w: &Array2<f64>, v: &Array2<f64>) -> f64 {
    let mut h = x.dot(w);
    let q = h.dot(v);
    h = sigmoid(h);
    (h.dot(v) * &q).sum()
}

/// Loops whose first assignment destroys a value some rule does read, each alone: the value
/// before the loop (read by `q`'s product), the value a pass ends with (read after the
/// last assignment, or by the assignment's own rule), and a pass left early; and one whose
/// value is assigned in a branch.
#[differentiate(wrt(w, v), hessian)]
fn carried_values_read(x: &Array2<f64>, w: &Array2<f64>, v: &Array2<f64>, steps: usize) -> f64 {
    let mut h = x.dot(w);
    let q = h.dot(v);
    for _ in 0..steps {
        h = sigmoid(h);
        h = h.dot(v) + &h;
    }
    let mut g = x.dot(w);
    let mut t = 0.0;
    for _ in 0..steps {
        g = sigmoid(g);
        g = g.dot(v) + &g;
        t += (&g * &g).sum();
    }
    let mut e = x.dot(w);
    for k in 0..steps {
        e = relu(e);
        if k == 2 {
            break;
        }
        e = e.dot(v) - &e;
    }
    let mut b = x.dot(w);
    for k in 0..steps {
        b = sigmoid(b);
        b = b.dot(v) + &b;
        if k % 2 == 1 {
            b = relu(b);
        }
    }
    // The assignment's own rule reads the value it destroys (the product's).
    let mut c = x.dot(w);
    for _ in 0..steps {
        c = relu(c);
        c = c.dot(v);
    }
    (&h * &q).sum() + t + (&e * &e).sum() + (&b * &b).sum() + (&c * &c).sum()
}

#[test]
fn arrays_given_by_value_to_gates_and_assigned_their_results() {
    for (mut p, n, k, m) in shapes(9) {
        let (x, w, v) = (
            p.matrix(n, k, -1.0, 1.0),
            p.matrix(k, m, -1.0, 1.0),
            p.matrix(m, m, -1.0, 1.0),
        );
        let (tw, tv) = (p.matrix(k, m, -1.0, 1.0), p.matrix(m, m, -1.0, 1.0));
        for steps in [0, 1, 3] {
            let (value, g) = gated_layers::grad(&x, &w, &v, steps);
            assert_close(value, gated_layers(&x, &w, &v, steps), 1e-12);
            assert_fd_array(|w| gated_layers(&x, w, &v, steps), &w, &g.w);
            assert_fd_array(|v| gated_layers(&x, &w, v, steps), &v, &g.v);
            let tangent = gated_layers::jvp(&x, &w, &v, steps, &tw, &tv).1;
            assert_close(tangent, inner(&tw, &g.w) + inner(&tv, &g.v), 1e-10);
        }
        for steps in [0, 1, 2, 4] {
            let (value, g) = carried_values_read::grad(&x, &w, &v, steps);
            assert_close(value, carried_values_read(&x, &w, &v, steps), 1e-12);
            assert_fd_array(|w| carried_values_read(&x, w, &v, steps), &w, &g.w);
            assert_fd_array(|v| carried_values_read(&x, &w, v, steps), &v, &g.v);
            let tangent = carried_values_read::jvp(&x, &w, &v, steps, &tw, &tv).1;
            assert_close(tangent, inner(&tw, &g.w) + inner(&tv, &g.v), 1e-10);
        }
        let (value, g) = gate_after_read::grad(&x, &w, &v);
        assert_close(value, gate_after_read(&x, &w, &v), 1e-12);
        assert_fd_array(|w| gate_after_read(&x, w, &v), &w, &g.w);
        assert_fd_array(|v| gate_after_read(&x, &w, v), &v, &g.v);
        let tangent = gate_after_read::jvp(&x, &w, &v, &tw, &tv).1;
        assert_close(tangent, inner(&tw, &g.w) + inner(&tv, &g.v), 1e-10);
    }
    // Second order, through the gates' `second` rules (forward over reverse).
    let mut p = Points::new(91);
    let x = p.matrix(2, 3, -1.0, 1.0);
    let split = |s: &[f64]| {
        (
            Array2::from_shape_vec((3, 2), s[..6].to_vec()).unwrap(),
            Array2::from_shape_vec((2, 2), s[6..].to_vec()).unwrap(),
        )
    };
    let point = p.vec(10, -1.0, 1.0);
    for steps in [1, 2] {
        check_hvp(
            |s| {
                let (w, v) = split(s);
                let g = gated_layers::grad(&x, &w, &v, steps).1;
                flat(&[g.w.as_slice().unwrap(), g.v.as_slice().unwrap()])
            },
            |s, t| {
                let ((w, v), (tw, tv)) = (split(s), split(t));
                let h = gated_layers::hvp(&x, &w, &v, steps, &tw, &tv).2;
                flat(&[h.w.as_slice().unwrap(), h.v.as_slice().unwrap()])
            },
            &point,
            7 + steps as u64,
        );
    }
    check_hvp(
        |s| {
            let (w, v) = split(s);
            let g = gate_after_read::grad(&x, &w, &v).1;
            flat(&[g.w.as_slice().unwrap(), g.v.as_slice().unwrap()])
        },
        |s, t| {
            let ((w, v), (tw, tv)) = (split(s), split(t));
            let h = gate_after_read::hvp(&x, &w, &v, &tw, &tv).2;
            flat(&[h.w.as_slice().unwrap(), h.v.as_slice().unwrap()])
        },
        &point,
        17,
    );
}

// ---------------------------------------------------------------------------------------
// Shape mismatches panic with both shapes in the message, as ndarray's operators do.

#[differentiate(reverse, forward)]
fn add_arrays(x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    (x + y).sum()
}

#[test]
#[should_panic(expected = "cannot broadcast arrays of shapes [2, 3] and [4, 5] together for `+`")]
fn mismatched_elementwise_shapes_panic_naming_both() {
    let _ = add_arrays::grad(&Array2::zeros((2, 3)), &Array2::zeros((4, 5)));
}

#[test]
#[should_panic(expected = "2 × 3 and 4 × 5")]
fn mismatched_product_shapes_panic_naming_both() {
    let _ = matmul_weighted::grad(
        &Array2::zeros((2, 3)),
        &Array2::zeros((4, 5)),
        &Array2::zeros((2, 5)),
    );
}

// ---------------------------------------------------------------------------------------
// Array results: vjp with an upstream array, jvp, and the Jacobian in both orders.

/// A layer: `tanh(W·x + b)`, a vector result.
#[differentiate(reverse, forward)]
fn layer(x: &Array1<f64>, w: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    (w.dot(x) + b).tanh()
}

#[test]
fn array_results_have_jacobians_in_both_orders() {
    let mut p = Points::new(9);
    let (x, w, b) = (
        p.array(3, -1.0, 1.0),
        p.matrix(4, 3, -1.0, 1.0),
        p.array(4, -0.5, 0.5),
    );
    let (value, rows) = layer::jacrev(&x, &w, &b);
    assert_eq!(value, layer(&x, &w, &b));
    assert_eq!(rows.len(), 4);
    let (_, columns) = layer::jacfwd(&x, &w, &b);
    let (_, auto) = layer::jacobian(&x, &w, &b);
    for i in 0..4 {
        // Row i: the gradient of output i, against finite differences.
        assert_fd_array(|x| layer(x, &w, &b)[i], &x, &rows[i].x);
        assert_fd_array(|w| layer(&x, w, &b)[i], &w, &rows[i].w);
        assert_fd_array(|b| layer(&x, &w, b)[i], &b, &rows[i].b);
        for (r, c) in [(&rows[i], &columns[i]), (&rows[i], &auto[i])] {
            for (u, v) in
                r.x.iter()
                    .zip(&c.x)
                    .chain(r.w.iter().zip(&c.w))
                    .chain(r.b.iter().zip(&c.b))
            {
                assert_close(*u, *v, 1e-12);
            }
        }
    }
    // The dot-product test with an upstream array.
    let (u, tx, tw, tb) = (
        p.array(4, -1.0, 1.0),
        p.array(3, -1.0, 1.0),
        p.matrix(4, 3, -1.0, 1.0),
        p.array(4, -1.0, 1.0),
    );
    let g = layer::vjp(&x, &w, &b).1(u.clone());
    let (_, jt) = layer::jvp(&x, &w, &b, &tx, &tw, &tb);
    assert_close(
        inner(&u, &jt),
        inner(&tx, &g.x) + inner(&tw, &g.w) + inner(&tb, &g.b),
        1e-12,
    );
}

/// Shapes are constants: `x.shape()[1]`, `x.dim().0`, `x.nrows()`.
#[differentiate(reverse, forward)]
fn normalized_sum(x: &Array2<f64>) -> f64 {
    let cols = x.shape()[1] as f64;
    let rows = x.dim().0 as f64;
    let n = x.nrows() * x.ncols();
    (x * x).sum() / (cols * rows) + x.sum() / n as f64
}

#[test]
fn shapes_are_constants() {
    let x = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let (value, g) = normalized_sum::grad(&x);
    assert_close(value, normalized_sum(&x), 1e-15);
    assert_fd_array(normalized_sum, &x, &g.x);
}

#[test]
fn arrays_in_any_memory_layout() {
    use backprop::ndarray::ShapeBuilder;
    let mut p = Points::new(11);
    // Column-major (Fortran-order) parameters, and a transposed view's copy.
    let x = Array2::from_shape_vec((3, 4).f(), p.vec(12, -1.0, 1.0)).unwrap();
    let b = p.array(4, -1.0, 1.0);
    let (_, g) = bias_row::grad(&x, &b);
    assert_fd_array(|x| bias_row(x, &b), &x, &g.x);
    assert_fd_array(|b| bias_row(&x, b), &b, &g.b);
    let c = Array2::from_shape_vec((3, 1).f(), p.vec(3, -1.0, 1.0)).unwrap();
    let (_, g) = bias_column::grad(&x, &c);
    assert_fd_array(|c| bias_column(&x, c), &c, &g.c);
    let w = Array2::from_shape_vec((4, 2).f(), p.vec(8, -1.0, 1.0)).unwrap();
    let (_, g) = used_several_times::grad(&x, &w);
    assert_fd_array(|x| used_several_times(x, &w), &x, &g.x);
    assert_fd_array(|w| used_several_times(&x, w), &w, &g.w);
}

// ---------------------------------------------------------------------------------------
// Second order on arrays: Hessian-vector products by forward over reverse, against
// differences of the gradient, and full Hessians.

#[differentiate(hessian)]
fn smooth_net(x: &Array2<f64>, w1: &Array2<f64>, b1: &Array1<f64>, w2: &Array1<f64>) -> f64 {
    let h = (x.dot(w1) + b1).tanh();
    let y = h.dot(w2);
    let r = &y - 0.5;
    (&r * &r).mean().unwrap() + 0.1 * (w1 * w1).sum() + (b1.powi(3) + b1.sin()).sum()
}

#[differentiate(hessian)]
fn elementwise_second(a: &Array1<f64>, s: f64) -> f64 {
    let e = (a * s).exp() + (a * a + 1.0).ln() + (a * a + 2.0).sqrt() + a.cos() + a.powi(4);
    let g = backprop::sigmoid(a) * relu(a) + backprop::maximum(a, 0.1) * s;
    (e * &g).sum() / (s * s + 1.0) + a.t().dot(a)
}

#[differentiate(hessian)]
fn softmax_second(x: &Array2<f64>, u: &Array2<f64>, labels: &[usize]) -> f64 {
    let p = backprop::softmax(x, Axis(1));
    let q = backprop::log_softmax(x, Axis(0));
    (&p * &p * u).sum() + (q * u).sum() + backprop::softmax_cross_entropy(&(x * 2.0), labels)
}

/// Flattens arrays into one vector.
fn flat(parts: &[&[f64]]) -> Vec<f64> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

#[test]
fn hessians_of_array_functions() {
    let (n, k, m) = (4, 3, 5);
    let mut p = Points::new(31);
    let x = p.matrix(n, k, -1.0, 1.0);
    let unpack = |v: &[f64]| {
        let (w1, rest) = v.split_at(k * m);
        let (b1, w2) = rest.split_at(m);
        (
            Array2::from_shape_vec((k, m), w1.to_vec()).unwrap(),
            Array1::from(b1.to_vec()),
            Array1::from(w2.to_vec()),
        )
    };
    let point = p.vec(k * m + 2 * m, -1.0, 1.0);
    check_hvp(
        |v| {
            let (w1, b1, w2) = unpack(v);
            let g = smooth_net::grad(&x, &w1, &b1, &w2).1;
            flat(&[
                g.w1.as_slice().unwrap(),
                g.b1.as_slice().unwrap(),
                g.w2.as_slice().unwrap(),
            ])
        },
        |v, t| {
            let (w1, b1, w2) = unpack(v);
            let (t1, tb, t2) = unpack(t);
            let h = smooth_net::hvp(&x, &w1, &b1, &w2, &Array2::zeros((n, k)), &t1, &tb, &t2).2;
            assert_eq!(h.x.shape(), &[n, k]);
            flat(&[
                h.w1.as_slice().unwrap(),
                h.b1.as_slice().unwrap(),
                h.w2.as_slice().unwrap(),
            ])
        },
        &point,
        1,
    );

    // Away from the kinks of relu and maximum.
    let a: Vec<f64> = p
        .vec(5, -1.5, 1.5)
        .into_iter()
        .map(|v| if v.abs() < 0.3 { v + 0.6 } else { v })
        .collect();
    let point = flat(&[&a, &[0.7]]);
    check_hvp(
        |v| {
            let g = elementwise_second::grad(&Array1::from(v[..5].to_vec()), v[5]).1;
            flat(&[g.a.as_slice().unwrap(), &[g.s]])
        },
        |v, t| {
            let h = elementwise_second::hvp(
                &Array1::from(v[..5].to_vec()),
                v[5],
                &Array1::from(t[..5].to_vec()),
                t[5],
            )
            .2;
            flat(&[h.a.as_slice().unwrap(), &[h.s]])
        },
        &point,
        2,
    );

    for steps in [0, 1, 3] {
        let point = p.vec(3 + 9, -1.0, 1.0);
        let split = |v: &[f64]| {
            (
                Array1::from(v[..3].to_vec()),
                Array2::from_shape_vec((3, 3), v[3..].to_vec()).unwrap(),
            )
        };
        check_hvp(
            |v| {
                let (h0, w) = split(v);
                let g = recurrent::grad(&h0, &w, steps).1;
                flat(&[g.h0.as_slice().unwrap(), g.w.as_slice().unwrap()])
            },
            |v, t| {
                let ((h0, w), (t0, tw)) = (split(v), split(t));
                let h = recurrent::hvp(&h0, &w, steps, &t0, &tw).2;
                flat(&[h.h0.as_slice().unwrap(), h.w.as_slice().unwrap()])
            },
            &point,
            3 + steps as u64,
        );
    }

    let (u, labels) = (p.matrix(3, 4, -1.0, 1.0), [1, 3, 0]);
    let point = p.vec(12, -2.0, 2.0);
    let as_matrix = |v: &[f64]| Array2::from_shape_vec((3, 4), v.to_vec()).unwrap();
    check_hvp(
        |v| {
            softmax_second::grad(&as_matrix(v), &u, &labels)
                .1
                .x
                .into_raw_vec_and_offset()
                .0
        },
        |v, t| {
            let zero = Array2::zeros((3, 4));
            let h = softmax_second::hvp(&as_matrix(v), &u, &labels, &as_matrix(t), &zero).2;
            h.x.into_raw_vec_and_offset().0
        },
        &point,
        7,
    );

    // The full Hessian: one row per scalar input, rows in the parameters' element order.
    let (w1, b1, w2) = unpack(&p.vec(k * m + 2 * m, -1.0, 1.0));
    let (value, g, rows) = smooth_net::hessian(&x, &w1, &b1, &w2);
    assert_eq!(value, smooth_net(&x, &w1, &b1, &w2));
    assert_eq!(g, smooth_net::grad(&x, &w1, &b1, &w2).1);
    assert_eq!(rows.len(), n * k + k * m + 2 * m);
    // Row j of the w1 block is H·e_j: the same as hvp along e_j.
    let mut e = Array2::zeros((k, m));
    e[[1, 2]] = 1.0;
    let h = smooth_net::hvp(
        &x,
        &w1,
        &b1,
        &w2,
        &Array2::zeros((n, k)),
        &e,
        &Array1::zeros(m),
        &Array1::zeros(m),
    )
    .2;
    // x's n·k rows come first, then w1's in row-major order: element (1, 2) is 1·m + 2.
    assert_eq!(rows[n * k + m + 2], h);
}

/// The dot-product test on the functions after the first such test.
#[test]
fn forward_mode_agrees_with_reverse_mode_on_more_arrays() {
    let mut p = Points::new(23);
    for _ in 0..5 {
        let u = p.next_f64(-2.0, 2.0);
        let (x, y, tx, ty) = (
            p.matrix(3, 4, -1.0, 1.0),
            p.matrix(3, 4, -1.0, 1.0),
            p.matrix(3, 4, -1.0, 1.0),
            p.matrix(3, 4, -1.0, 1.0),
        );
        let g = add_arrays::vjp(&x, &y).1(u);
        assert_close(
            u * add_arrays::jvp(&x, &y, &tx, &ty).1,
            inner(&tx, &g.x) + inner(&ty, &g.y),
            1e-12,
        );
        let g = normalized_sum::vjp(&x).1(u);
        assert_close(u * normalized_sum::jvp(&x, &tx).1, inner(&tx, &g.x), 1e-12);
        let labels = [0, 3, 1];
        let g = softmax_second::vjp(&x, &y, &labels).1(u);
        let jt = softmax_second::jvp(&x, &y, &labels, &tx, &ty).1;
        assert_close(u * jt, inner(&tx, &g.x) + inner(&ty, &g.u), 1e-11);

        let (w1, b1, w2) = (
            p.matrix(4, 5, -1.0, 1.0),
            p.array(5, -1.0, 1.0),
            p.array(5, -1.0, 1.0),
        );
        let (t1, tb, t2) = (
            p.matrix(4, 5, -1.0, 1.0),
            p.array(5, -1.0, 1.0),
            p.array(5, -1.0, 1.0),
        );
        let g = smooth_net::vjp(&x, &w1, &b1, &w2).1(u);
        let jt = smooth_net::jvp(&x, &w1, &b1, &w2, &tx, &t1, &tb, &t2).1;
        let right = inner(&tx, &g.x) + inner(&t1, &g.w1) + inner(&tb, &g.b1) + inner(&t2, &g.w2);
        assert_close(u * jt, right, 1e-11);

        let (a, ta, s, ts) = (
            p.array(5, -1.5, 1.5),
            p.array(5, -1.0, 1.0),
            p.next_f64(-1.0, 1.0),
            p.next_f64(-1.0, 1.0),
        );
        let g = elementwise_second::vjp(&a, s).1(u);
        let jt = elementwise_second::jvp(&a, s, &ta, ts).1;
        assert_close(u * jt, inner(&ta, &g.a) + ts * g.s, 1e-10);

        let (h0, w, t0, tw) = (
            p.array(3, -1.0, 1.0),
            p.matrix(3, 3, -1.0, 1.0),
            p.array(3, -1.0, 1.0),
            p.matrix(3, 3, -1.0, 1.0),
        );
        for steps in [0, 2] {
            let g = recurrent::vjp(&h0, &w, steps).1(u);
            let jt = recurrent::jvp(&h0, &w, steps, &t0, &tw).1;
            assert_close(u * jt, inner(&t0, &g.h0) + inner(&tw, &g.w), 1e-11);
        }
    }
}

/// Views written without their lifetime (`ArrayView1<f64>`), beside references.
#[differentiate(reverse, forward)]
fn view_beside_refs(x: &Array1<f64>, v: backprop::ndarray::ArrayView1<f64>, s: &[f64]) -> f64 {
    x.dot(&v) * s[0]
}

#[test]
fn views_without_a_written_lifetime() {
    let (x, v) = (array![1.0, 2.0], array![3.0, -4.0]);
    let (value, g) = view_beside_refs::grad(&x, v.view(), &[2.0]);
    assert_eq!(value, -10.0);
    assert_eq!(
        (g.x.clone(), g.v.clone(), g.s.clone()),
        (array![6.0, -8.0], array![2.0, 4.0], vec![-5.0])
    );
    let (dx, dv) = (array![0.5, 0.25], array![1.0, 0.0]);
    let (_, tangent) = view_beside_refs::jvp(&x, v.view(), &[2.0], &dx, dv.view(), &[0.5]);
    let dot = (&g.x * &dx).sum() + (&g.v * &dv).sum() + g.s[0] * 0.5;
    assert_close(tangent, dot, 1e-12);
}

#[differentiate(hessian)]
fn energy_of_owned(x: Array2<f64>) -> f64 {
    (&x * &x).sum()
}

/// Owned array arguments made from a borrowed parameter (`x.to_owned()`, `x.clone()`).
#[differentiate(hessian)]
fn owned_arguments(x: &Array2<f64>, v: &Array1<f64>) -> f64 {
    energy_of_owned(x.to_owned()) + energy_of_owned(x.clone()) * v.sum() + relu(v.clone()).sum()
}

#[test]
fn owned_copies_as_arguments() {
    let x = array![[1.0, -2.0], [0.5, 3.0]];
    let v = array![0.5, -1.0, 2.0];
    let (value, g) = owned_arguments::grad(&x, &v);
    assert_eq!(value, owned_arguments(&x, &v));
    assert_fd_array(|x| owned_arguments(x, &v), &x, &g.x);
    assert_fd_array(|v| owned_arguments(&x, v), &v, &g.v);
    let (dx, dv) = (array![[0.3, 0.1], [-0.2, 0.4]], array![1.0, 0.5, -0.5]);
    let (_, tangent) = owned_arguments::jvp(&x, &v, &dx, &dv);
    assert_close(tangent, (&g.x * &dx).sum() + (&g.v * &dv).sum(), 1e-12);
    let (_, _, hv) = owned_arguments::hvp(&x, &v, &dx, &dv);
    // x·x (1 + Σv): the Hessian along (dx, dv) is 2dx(1 + Σv) + 2x·Σdv in x, 2⟨x, dx⟩ in v.
    let s = 1.0 + v.sum();
    let expected_x = &dx * (2.0 * s) + &x * (2.0 * dv.sum());
    for (a, b) in hv.x.iter().zip(expected_x.iter()) {
        assert_close(*a, *b, 1e-12);
    }
    let xdx = 2.0 * (&x * &dx).sum();
    for a in hv.v.iter() {
        assert_close(*a, xdx, 1e-12);
    }
}

/// An array made with `Array2::zeros` and accumulated into in a loop.
#[differentiate(hessian)]
fn accumulated(x: &Array2<f64>, c: &[f64]) -> f64 {
    let mut acc = Array2::zeros((x.nrows(), x.ncols()));
    for i in 0..c.len() {
        acc = acc + x * c[i];
    }
    (&acc * &acc).sum()
}

#[test]
fn an_array_accumulated_from_zeros() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let c = [1.0, 2.0];
    let (value, g) = accumulated::grad(&x, &c);
    assert_eq!(value, 270.0);
    assert_fd_array(|x| accumulated(x, &c), &x, &g.x);
    assert_fd(|c| accumulated(&x, c), &c, &g.c);
    let dx = array![[0.3, 0.1], [-0.2, 0.4]];
    let (_, tangent) = accumulated::jvp(&x, &c, &dx, &[0.5, -1.0]);
    assert_close(tangent, (&g.x * &dx).sum() + g.c[0] * 0.5 - g.c[1], 1e-12);
    // (Σc)² Σx²: along (dx, 0) the Hessian is 2(Σc)²·dx in x and 4Σc⟨x, dx⟩ in each c.
    let (_, _, hv) = accumulated::hvp(&x, &c, &dx, &[0.0, 0.0]);
    for (a, b) in hv.x.iter().zip(dx.iter()) {
        assert_close(*a, 18.0 * b, 1e-12);
    }
    let xdx = (&x * &dx).sum();
    assert_close(hv.c[0], 12.0 * xdx, 1e-12);
}

// ---------------------------------------------------------------------------------------
// Statistics along an axis: `mean_axis`, `var_axis`, `std_axis` (degrees of freedom as a
// constant), in reverse mode, forward mode and second order.

#[differentiate(hessian)]
fn standardized(x: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let mean = x.mean_axis(Axis(0)).unwrap();
    let var = x.var_axis(Axis(0), 1.0);
    let std = x.std_axis(Axis(1), 0.0);
    let spread = x.var_axis(Axis(1), 0.0);
    mean.dot(w) + (&var * w).sum() + (&std * &std * 0.5).sum() + std.sum() + spread.mean().unwrap()
}

#[test]
fn statistics_along_an_axis_match_ndarray_and_finite_differences() {
    for (mut p, n, k, _) in shapes(41) {
        // `std_axis` with ddof 0 needs two rows to be smooth (one element has std 0).
        let (x, w) = (p.matrix(n + 2, k + 1, -1.0, 1.0), p.array(k + 1, -1.0, 1.0));
        let (value, g) = standardized::grad(&x, &w);
        let expected = x.mean_axis(Axis(0)).unwrap().dot(&w)
            + (x.var_axis(Axis(0), 1.0) * &w).sum()
            + x.std_axis(Axis(1), 0.0).mapv(|s| 0.5 * s * s).sum()
            + x.std_axis(Axis(1), 0.0).sum()
            + x.var_axis(Axis(1), 0.0).mean().unwrap();
        assert_close(value, expected, 1e-12);
        assert_close(value, standardized(&x, &w), 1e-12);
        assert_fd_array(|x| standardized(x, &w), &x, &g.x);
        assert_fd_array(|w| standardized(&x, w), &w, &g.w);

        // Forward against reverse: ⟨∇f, t⟩ = f'(x)·t.
        let (tx, tw) = (p.matrix(n + 2, k + 1, -1.0, 1.0), p.array(k + 1, -1.0, 1.0));
        let (jv, dot) = standardized::jvp(&x, &w, &tx, &tw);
        assert_close(jv, value, 1e-12);
        let inner = (&g.x * &tx).sum() + (&g.w * &tw).sum();
        assert_close(dot, inner, 1e-10);
    }
}

#[test]
fn hessians_of_statistics_along_an_axis() {
    let (n, k) = (4, 3);
    let mut p = Points::new(43);
    let w = p.array(k, -1.0, 1.0);
    let point = p.vec(n * k, -1.0, 1.0);
    let x_of = |v: &[f64]| Array2::from_shape_vec((n, k), v.to_vec()).unwrap();
    check_hvp(
        |v| {
            standardized::grad(&x_of(v), &w)
                .1
                .x
                .into_raw_vec_and_offset()
                .0
        },
        |v, t| {
            let zero = Array1::zeros(k);
            let h = standardized::hvp(&x_of(v), &w, &x_of(t), &zero).2;
            h.x.into_raw_vec_and_offset().0
        },
        &point,
        2,
    );
}

// ---------------------------------------------------------------------------------------
// Elements of arrays read by index, `x[i]` and `a[[i, j]]`, as numerical code loops over
// them.

#[differentiate(hessian)]
fn quadratic_form(a: &Array2<f64>, x: &Array1<f64>) -> f64 {
    // xᵀ A x by loops, with a branch on an element and the elements mixed with array ops.
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            s += x[i] * a[[i, j]] * x[j];
        }
        if a[[i, i]] > 0.0 {
            s += a[[i, i]].tanh();
        }
    }
    let first = x[0];
    s + first * (a * a).sum()
}

#[test]
fn elements_of_arrays_read_by_index() {
    for (mut p, n, _, _) in shapes(47) {
        let (a, x) = (p.matrix(n, n, -1.0, 1.0), p.array(n, -1.0, 1.0));
        let (value, g) = quadratic_form::grad(&a, &x);
        assert_eq!(value, quadratic_form(&a, &x));
        assert_fd_array(|a| quadratic_form(a, &x), &a, &g.a);
        assert_fd_array(|x| quadratic_form(&a, x), &x, &g.x);
        // Forward against reverse.
        let (ta, tx) = (p.matrix(n, n, -1.0, 1.0), p.array(n, -1.0, 1.0));
        let (_, dot) = quadratic_form::jvp(&a, &x, &ta, &tx);
        assert_close(dot, (&g.a * &ta).sum() + g.x.dot(&tx), 1e-10);
        // Second order, in x.
        check_hvp(
            |v| {
                quadratic_form::grad(&a, &Array1::from(v.to_vec()))
                    .1
                    .x
                    .to_vec()
            },
            |v, t| {
                let zero = Array2::zeros((n, n));
                let h = quadratic_form::hvp(
                    &a,
                    &Array1::from(v.to_vec()),
                    &zero,
                    &Array1::from(t.to_vec()),
                );
                h.2.x.to_vec()
            },
            x.as_slice().unwrap(),
            n as u64,
        );
    }
}

/// Elements of a local array written by index, in a loop and once after it.
#[differentiate(hessian)]
fn written_elements(x: &Array1<f64>, m: &Array2<f64>, a: f64) -> f64 {
    let mut y = x * a;
    for i in 1..y.len() {
        y[i] = y[i - 1] * 0.5 + (y[i] * a).sin();
    }
    y[0] *= 3.0;
    let mut n = m.to_owned();
    n[[0, 0]] *= y[0];
    y.sum() + y[1] * x[0] + (&n * &n).sum()
}

#[test]
fn elements_of_arrays_written_by_index() {
    for (mut p, n, k, _) in shapes(53) {
        let (x, m, a) = (p.array(n + 1, -1.0, 1.0), p.matrix(k, k, -1.0, 1.0), 0.7);
        let (value, g) = written_elements::grad(&x, &m, a);
        assert_eq!(value, written_elements(&x, &m, a));
        assert_fd_array(|x| written_elements(x, &m, a), &x, &g.x);
        assert_fd_array(|m| written_elements(&x, m, a), &m, &g.m);
        assert_fd(|v| written_elements(&x, &m, v[0]), &[a], &[g.a]);
        let (tx, tm) = (p.array(n + 1, -1.0, 1.0), p.matrix(k, k, -1.0, 1.0));
        let (_, dot) = written_elements::jvp(&x, &m, a, &tx, &tm, 0.4);
        assert_close(dot, g.x.dot(&tx) + (&g.m * &tm).sum() + 0.4 * g.a, 1e-10);
        check_hvp(
            |v| {
                written_elements::grad(&Array1::from(v.to_vec()), &m, a)
                    .1
                    .x
                    .to_vec()
            },
            |v, t| {
                let zero = Array2::zeros((k, k));
                let h = written_elements::hvp(
                    &Array1::from(v.to_vec()),
                    &m,
                    a,
                    &Array1::from(t.to_vec()),
                    &zero,
                    0.0,
                );
                h.2.x.to_vec()
            },
            x.as_slice().unwrap(),
            n as u64,
        );
    }
}

/// Slices of arrays, with bounds from the arguments.
#[differentiate(hessian)]
fn sliced(x: &Array1<f64>, m: &Array2<f64>, k: usize) -> f64 {
    let head = x.slice(s![..k]);
    let tail = x.slice(s![k..]);
    let block = m.slice(s![1.., ..2]);
    let column = m.slice(s![.., 0]);
    (&head * &head).sum() + tail.sum() * block.sum() + (&column * &column).sum().sin()
}

#[test]
fn slices_of_arrays() {
    for (mut p, n, _, _) in shapes(59) {
        let (x, m) = (p.array(n + 2, -1.0, 1.0), p.matrix(n + 1, 3, -1.0, 1.0));
        let k = n / 2 + 1;
        let (value, g) = sliced::grad(&x, &m, k);
        assert_eq!(value, sliced(&x, &m, k));
        assert_fd_array(|x| sliced(x, &m, k), &x, &g.x);
        assert_fd_array(|m| sliced(&x, m, k), &m, &g.m);
        let (tx, tm) = (p.array(n + 2, -1.0, 1.0), p.matrix(n + 1, 3, -1.0, 1.0));
        let (_, dot) = sliced::jvp(&x, &m, k, &tx, &tm);
        assert_close(dot, g.x.dot(&tx) + (&g.m * &tm).sum(), 1e-10);
        check_hvp(
            |v| sliced::grad(&Array1::from(v.to_vec()), &m, k).1.x.to_vec(),
            |v, t| {
                let zero = Array2::zeros((n + 1, 3));
                sliced::hvp(
                    &Array1::from(v.to_vec()),
                    &m,
                    k,
                    &Array1::from(t.to_vec()),
                    &zero,
                )
                .2
                .x
                .to_vec()
            },
            x.as_slice().unwrap(),
            n as u64,
        );
    }
}

/// `mapv` with a closure or a float function, and `map` (whose closure takes `&f64`): the
/// elementwise array expression each means.
#[differentiate(hessian)]
fn mapped(x: &Array1<f64>, w: f64) -> f64 {
    let h = x.mapv(|v| (v * w).tanh() + 1.0);
    let e = x.mapv(f64::exp);
    let m = x.map(|v| *v * w + v.sin());
    let n = h.map(|&v| v * v);
    (&h * &e).sum() + (&m * &n).sum()
}

#[test]
fn mapv_with_closures() {
    let x = array![0.3, -0.7, 1.1];
    let w = 0.6;
    let (value, g) = mapped::grad(&x, w);
    assert!((value - mapped(&x, w)).abs() < 1e-12);
    let h = 1e-6;
    for i in 0..3 {
        let (mut up, mut down) = (x.clone(), x.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (mapped(&up, w) - mapped(&down, w)) / (2.0 * h);
        assert!((g.x[i] - fd).abs() < 1e-6, "{i}: {} vs {fd}", g.x[i]);
    }
    let fd_w = (mapped(&x, w + h) - mapped(&x, w - h)) / (2.0 * h);
    assert!((g.w - fd_w).abs() < 1e-6);
    let dir = array![1.0, 0.5, -0.25];
    let (_, dot) = mapped::jvp(&x, w, &dir, 0.0);
    assert!((dot - g.x.dot(&dir)).abs() < 1e-10);
    check_hvp(
        |v| mapped::grad(&Array1::from(v.to_vec()), w).1.x.to_vec(),
        |v, t| {
            mapped::hvp(&Array1::from(v.to_vec()), w, &Array1::from(t.to_vec()), 0.0)
                .2
                .x
                .to_vec()
        },
        &x.to_vec(),
        19,
    );
}

/// `max`, `min` and `clamp` against constants inside `mapv` (`v.max(0.0)`): the gates
/// `maximum` and `minimum` on the array.
#[differentiate(hessian)]
fn mapped_extrema(x: &Array1<f64>, w: f64) -> f64 {
    let leaky = x.mapv(|v| (v * w).max(0.1));
    let capped = x.mapv(|v| v.min(0.5));
    let clamped = x.mapv(|v| (v * w).clamp(-0.5, 0.5));
    (&leaky * &clamped).sum() + clamped.mapv(|c| c * c).sum() + (&capped * &leaky).sum()
}

#[test]
fn mapv_with_max_and_min_of_a_constant() {
    let w = 1.5;
    for x in [array![0.3, -0.7, 1.1, -0.2], array![0.9, 0.05, -0.45, 0.2]] {
        let (value, g) = mapped_extrema::grad(&x, w);
        assert_eq!(value, mapped_extrema(&x, w));
        assert_fd_array(|x| mapped_extrema(x, w), &x, &g.x);
        let h = 1e-6;
        let fd_w = (mapped_extrema(&x, w + h) - mapped_extrema(&x, w - h)) / (2.0 * h);
        assert_close(g.w, fd_w, 1e-6);
        let dir = array![1.0, 0.5, -0.25, 0.75];
        assert_close(
            mapped_extrema::jvp(&x, w, &dir, 0.0).1,
            g.x.dot(&dir),
            1e-10,
        );
    }
}

/// Rows, columns and views of a matrix.
#[differentiate(reverse, forward)]
fn rows_and_columns(a: &Array2<f64>, w: f64) -> f64 {
    let r = a.row(1);
    let c = a.column(0);
    let v = a.view();
    (&r * w).sum() + (c.exp() * 2.0).sum() + v.sum() * v.sum()
}

#[test]
fn rows_columns_and_views() {
    let a = array![[0.3, -0.7, 1.1], [0.4, 0.9, -0.2]];
    let w = 0.6;
    let (value, g) = rows_and_columns::grad(&a, w);
    assert!((value - rows_and_columns(&a, w)).abs() < 1e-12);
    let h = 1e-6;
    for i in 0..2 {
        for j in 0..3 {
            let (mut up, mut down) = (a.clone(), a.clone());
            up[[i, j]] += h;
            down[[i, j]] -= h;
            let fd = (rows_and_columns(&up, w) - rows_and_columns(&down, w)) / (2.0 * h);
            assert!(
                (g.a[[i, j]] - fd).abs() < 1e-6,
                "{i},{j}: {} vs {fd}",
                g.a[[i, j]]
            );
        }
    }
    let dir = array![[1.0, 0.5, -0.25], [0.0, 2.0, 1.0]];
    let (_, dot) = rows_and_columns::jvp(&a, w, &dir, 0.5);
    assert!((dot - ((&g.a * &dir).sum() + 0.5 * g.w)).abs() < 1e-10);
}

/// A function of two arrays `f(a, b)` (gradient fields `fa`, `fb`) checked at `(a, b)`: its
/// value, its gradient against central differences, forward mode along `(da, db)` by the
/// dot-product test, and its Hessian along `(da, db)` against differences of gradients.
macro_rules! check_two_arrays {
    ($f:ident, ($a:expr, $b:expr), ($da:expr, $db:expr), $fa:ident, $fb:ident) => {{
        let (a, b, da, db) = (&$a, &$b, &$da, &$db);
        let (value, g) = $f::grad(a, b);
        assert!((value - $f(a, b)).abs() < 1e-12);
        assert_fd_array(|a| $f(a, b), a, &g.$fa);
        assert_fd_array(|b| $f(a, b), b, &g.$fb);
        let (_, dot) = $f::jvp(a, b, da, db);
        assert!((dot - ((&g.$fa * da).sum() + (&g.$fb * db).sum())).abs() < 1e-10);
        let (_, _, hv) = $f::hvp(a, b, da, db);
        let h = 1e-6;
        let up = $f::grad(&(a + &(da * h)), &(b + &(db * h))).1;
        let down = $f::grad(&(a - &(da * h)), &(b - &(db * h))).1;
        let fa = (&up.$fa - &down.$fa) / (2.0 * h);
        let fb = (&up.$fb - &down.$fb) / (2.0 * h);
        assert!(
            (&hv.$fa - &fa).iter().all(|e| e.abs() < 1e-5),
            "{} vs {fa}",
            hv.$fa
        );
        assert!(
            (&hv.$fb - &fb).iter().all(|e| e.abs() < 1e-5),
            "{} vs {fb}",
            hv.$fb
        );
    }};
}

/// A matrix's diagonal: the log-determinant of a triangular factor and a trace (a Gaussian's
/// negative log-likelihood written with ndarray).
#[differentiate(hessian)]
fn diagonals(l: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let log_det = l.diag().mapv(|v| v.abs().ln()).sum();
    let trace = l.dot(&l.t()).diag().sum();
    let d = l.diag();
    (&d * x).sum() - log_det + 0.5 * trace
}

#[test]
fn diagonals_of_matrices() {
    let l = array![[1.3, 0.0, 0.0], [0.4, -0.9, 0.0], [0.2, 0.5, 1.7]];
    let dl = array![[1.0, 0.5, -0.25], [0.0, 2.0, 1.0], [0.3, -0.1, 0.7]];
    let (x, dx) = (array![0.5, -1.0, 2.0], array![0.2, 0.1, -0.4]);
    check_two_arrays!(diagonals, (l, x), (dl, dx), l, x);
}

/// The variance and standard deviation of every element (`x.var(ddof)`, `x.std(ddof)`):
/// a vector standardized by its own spread, and a matrix's variance.
#[differentiate(hessian)]
fn spreads(x: &Array1<f64>, a: &Array2<f64>) -> f64 {
    let s = x.std(1.0);
    let v = a.var(0.0);
    (x.mapv(|e| e * e) / s).sum() + v * v
}

#[test]
fn variances_of_every_element() {
    let (x, dx) = (array![0.5, -1.0, 2.0, 0.25], array![0.2, 0.1, -0.4, 1.0]);
    let a = array![[1.3, 0.1, -0.4], [0.4, -0.9, 2.2]];
    let da = array![[1.0, 0.5, -0.25], [0.0, 2.0, 1.0]];
    check_two_arrays!(spreads, (x, a), (dx, da), x, a);
}

/// A `Vec` of floats made an array (`Array1::from_vec(v)`, also `Array::from_vec` and
/// `Array1::from(v)`): the rows' sums collected, and a vector written element by element,
/// then used as arrays.
#[differentiate(hessian)]
fn vectors_made_arrays(a: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let m: Vec<f64> = a.rows().into_iter().map(|r| r.sum()).collect();
    let m = Array1::from_vec(m);
    let mut v = vec![0.0; 2];
    v[0] = a[[0, 0]] * 2.0;
    v[1] = w[1].sin();
    let u = backprop::ndarray::Array::from_vec(v);
    let t: Vec<f64> = w.iter().map(|e| e.tanh()).collect();
    let t = Array1::from(t);
    (&m * &m).sum() + m.dot(w) + u.dot(&u) + t.dot(&m)
}

#[test]
fn vectors_made_arrays_carry_their_gradients() {
    let a = array![[1.3, 0.1, -0.4], [0.4, -0.9, 2.2]];
    let da = array![[1.0, 0.5, -0.25], [0.0, 2.0, 1.0]];
    let (w, dw) = (array![0.5, -1.0], array![0.2, 0.7]);
    check_two_arrays!(vectors_made_arrays, (a, w), (da, dw), a, w);
}

/// `map_axis` of a matrix parameter: a log-sum-exp of each row (`Axis(1)`) and a function
/// of each column (`Axis(0)`), the walks of rows and columns they mean, collected.
#[differentiate(hessian)]
fn mapped_axes(logits: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let lse = logits.map_axis(Axis(1), |row| row.mapv(|v| v.exp()).sum().ln());
    let cols = logits.map_axis(Axis(0), |c| c.dot(w).tanh());
    lse.sum() + cols.dot(&cols)
}

/// `map_axis` and `fold_axis` of a local matrix (a product, shifted by a vector): the
/// softmax's stable shift by each row's maximum (`fold_axis(Axis(1), f64::NEG_INFINITY,
/// |m, &v| m.max(v))`), a sum of squares down each column, and the maximum by `map_axis`.
#[differentiate(hessian)]
fn folded_axes(x: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let z = x.dot(&x.t()) + w;
    let m = z.fold_axis(Axis(1), f64::NEG_INFINITY, |m, &v| m.max(v));
    let squares = z.fold_axis(Axis(0), 0.0, |acc, v| *acc + v * v);
    let top = z.map_axis(Axis(1), |r| r.fold(f64::NEG_INFINITY, |a, &b| a.max(b)));
    let shifted = (&z - &m.clone().insert_axis(Axis(1))).mapv(f64::exp);
    shifted.sum_axis(Axis(1)).mapv(f64::ln).sum() + m.sum() + squares.sum() * 0.1 + top.dot(w)
}

#[test]
fn lanes_mapped_along_an_axis() {
    let logits = array![[1.3, 0.1, -0.4], [0.4, -0.9, 2.2]];
    let dl = array![[1.0, 0.5, -0.25], [0.0, 2.0, 1.0]];
    let (w, dw) = (array![0.5, -1.0], array![0.2, 0.7]);
    check_two_arrays!(mapped_axes, (logits, w), (dl, dw), logits, w);
    let x = logits;
    check_two_arrays!(folded_axes, (x, w), (dl, dw), x, w);
}

// ---------------------------------------------------------------------------------------
// Reshaping and joining: `to_shape` / `into_shape_with_order`, `insert_axis`, ndarray's
// `concatenate` and `stack`, in reverse mode, forward mode and second order.

#[differentiate(hessian)]
fn reshaped_and_joined(x: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let flat = x.to_shape(x.len()).unwrap();
    let back = flat.to_shape((x.ncols(), x.nrows())).unwrap();
    let squares = (x * x).into_shape_with_order(x.len()).unwrap();
    let column = v.view().insert_axis(Axis(1));
    let wide = concatenate(Axis(1), &[x.view(), column.view(), (x * 2.0).view()]).unwrap();
    let layers = stack(Axis(0), &[v.view(), v.mapv(f64::sin).view()]).unwrap();
    (&back * &back).sum()
        + wide.mapv(f64::tanh).sum()
        + (&layers * &layers).sum() * flat[0]
        + squares[1].sin()
}

#[test]
fn reshape_insert_axis_concatenate_stack() {
    let (n, k) = (3, 2);
    let mut p = Points::new(47);
    let (x, v) = (p.matrix(n, k, -1.0, 1.0), p.array(n, -1.0, 1.0));
    let (value, g) = reshaped_and_joined::grad(&x, &v);
    assert_close(value, reshaped_and_joined(&x, &v), 1e-12);
    assert_eq!(g.x.dim(), (n, k));
    assert_fd_array(|x| reshaped_and_joined(x, &v), &x, &g.x);
    assert_fd_array(|v| reshaped_and_joined(&x, v), &v, &g.v);
    let (tx, tv) = (p.matrix(n, k, -1.0, 1.0), p.array(n, -1.0, 1.0));
    let dot = reshaped_and_joined::jvp(&x, &v, &tx, &tv).1;
    assert_close(dot, (&g.x * &tx).sum() + (&g.v * &tv).sum(), 1e-10);
    let x_of = |u: &[f64]| Array2::from_shape_vec((n, k), u.to_vec()).unwrap();
    check_hvp(
        |u| {
            reshaped_and_joined::grad(&x_of(u), &v)
                .1
                .x
                .into_raw_vec_and_offset()
                .0
        },
        |u, t| {
            let zero = Array1::zeros(n);
            let h = reshaped_and_joined::hvp(&x_of(u), &v, &x_of(t), &zero).2;
            h.x.into_raw_vec_and_offset().0
        },
        &x.clone().into_raw_vec_and_offset().0,
        3,
    );
}

/// The elements of one-dimensional arrays walked as a slice's are: `a.iter().map(..).sum()`,
/// zipped with a view and a slice, `for (i, v) in a.iter().enumerate()`, folds, and a local
/// whose type is declared (`let mut z: Array1<f64> = m.dot(a)`) written through `iter_mut`
/// and read by `for v in &z`; a float computed from an array (`a.dot(a)`) read in a walk.
#[differentiate(hessian)]
fn walked(
    a: &Array1<f64>,
    b: backprop::ndarray::ArrayView1<f64>,
    m: &Array2<f64>,
    c: &[f64],
) -> f64 {
    let squares = a.iter().map(|v| v * v).sum::<f64>();
    let mixed: f64 = a
        .iter()
        .zip(b.iter())
        .zip(c)
        .map(|((x, y), z)| x * y.sin() + z * y)
        .sum();
    let mut weighted = 0.0;
    for (i, v) in a.iter().enumerate() {
        weighted += (i as f64 + 1.0) * (v * 0.5).exp();
    }
    let folded = b.iter().fold(1.0, |acc, v| acc * (1.0 + 0.1 * v));
    let mut z: Array1<f64> = m.dot(a);
    for v in z.iter_mut() {
        *v = v.tanh();
    }
    let mut squashed = 0.0;
    for v in &z {
        squashed += v * v;
    }
    let largest = a.iter().cloned().fold(f64::MIN, f64::max);
    // A float computed from arrays, read in the walk: its tangent copied as a float's.
    let norm = a.dot(a);
    let scaled = a
        .iter()
        .enumerate()
        .map(|(i, v)| v.sin() * (i as f64 + norm))
        .sum::<f64>();
    // Its sum, typed by the turbofish, then a float method of it (random functions' seed
    // 2062: the sum's accumulator was of an ambiguous float type).
    let squashed_scale = norm * scaled.tanh();
    // A fold from an untyped literal adding terms that read it, then a float method of it
    // (seed 2091: the fold's accumulator was of an ambiguous float type).
    let bent = a.iter().fold(0.0, |acc, v| acc + (v * norm).tanh());
    let bent_scale = bent * bent.tanh();
    squares + mixed + weighted + folded * squashed + largest + scaled + squashed_scale + bent_scale
}

#[test]
fn one_dimensional_arrays_walked_by_iterators() {
    let mut p = Points::new(71);
    let (a, b) = (
        Array1::from(p.vec(3, -1.0, 1.0)),
        Array1::from(p.vec(3, -1.0, 1.0)),
    );
    let m = Array2::from_shape_vec((2, 3), p.vec(6, -1.0, 1.0)).unwrap();
    let c = p.vec(3, -1.0, 1.0);
    let (value, g) = walked::grad(&a, b.view(), &m, &c);
    assert_eq!(value, walked(&a, b.view(), &m, &c));
    assert_fd_array(|a| walked(a, b.view(), &m, &c), &a, &g.a);
    assert_fd_array(|b| walked(&a, b.view(), &m, &c), &b, &g.b);
    assert_fd(|c| walked(&a, b.view(), &m, c), &c, &g.c);
    for i in 0..2 {
        for j in 0..3 {
            let (mut up, mut down) = (m.clone(), m.clone());
            up[[i, j]] += 1e-6;
            down[[i, j]] -= 1e-6;
            let fd = (walked(&a, b.view(), &up, &c) - walked(&a, b.view(), &down, &c)) / 2e-6;
            assert_close(g.m[[i, j]], fd, 1e-6);
        }
    }
    // Forward mode against the gradient (the dot-product test), and the Hessian-vector
    // product against the gradient's finite differences.
    let (da, db) = (
        Array1::from(p.vec(3, -1.0, 1.0)),
        Array1::from(p.vec(3, -1.0, 1.0)),
    );
    let dm = Array2::from_shape_vec((2, 3), p.vec(6, -1.0, 1.0)).unwrap();
    let dc = p.vec(3, -1.0, 1.0);
    let (_, dot) = walked::jvp(&a, b.view(), &m, &c, &da, db.view(), &dm, &dc);
    let expected = g.a.dot(&da)
        + g.b.dot(&db)
        + (&g.m * &dm).sum()
        + g.c.iter().zip(&dc).map(|(x, y)| x * y).sum::<f64>();
    assert_close(dot, expected, 1e-10);
    check_hvp(
        |v| {
            walked::grad(&Array1::from(v.to_vec()), b.view(), &m, &c)
                .1
                .a
                .to_vec()
        },
        |v, t| {
            let zb = Array1::zeros(3);
            let (zm, zc) = (Array2::zeros((2, 3)), vec![0.0; 3]);
            walked::hvp(
                &Array1::from(v.to_vec()),
                b.view(),
                &m,
                &c,
                &Array1::from(t.to_vec()),
                zb.view(),
                &zm,
                &zc,
            )
            .2
            .a
            .to_vec()
        },
        &a.to_vec(),
        29,
    );
}

/// An array's rows and columns walked as iterators (`outer_iter`, `rows`, `columns`,
/// `axis_iter`, counted or not, in loops and chains), ndarray's `fold`, and an array made
/// in a loop and read only by its elements (its gradient starts as zeros of its shape,
/// which the reverse keeps).
#[differentiate(hessian)]
fn lanes(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, row) in w.outer_iter().enumerate() {
        s += (row.dot(x) + i as f64).tanh();
    }
    for col in w.columns() {
        s += col.sum().powi(2);
    }
    for (j, col) in w.axis_iter(Axis(1)).enumerate() {
        s += col[0] * x[j];
    }
    for j in 0..2 {
        let h = w.dot(x);
        s += h[j] * h[j] * x[j];
    }
    let t: f64 = w.rows().into_iter().map(|r| r.dot(x).sin()).sum::<f64>()
        + w.columns()
            .into_iter()
            .enumerate()
            .map(|(j, col)| col.sum().sin() * (j as f64 + 1.0))
            .sum::<f64>();
    let u = x.fold(1.0, |acc, &v| acc * v.cos());
    s + t
        + u
        + w.axis_iter(Axis(0))
            .map(|r| r.mapv(|v| v * v).sum())
            .sum::<f64>()
}

#[test]
fn rows_and_columns_walked() {
    let mut p = Points::new(43);
    let w = p.matrix(2, 3, -1.0, 1.0);
    let x = p.array(3, -1.0, 1.0);
    let (value, g) = lanes::grad(&w, &x);
    assert_eq!(value, lanes(&w, &x));
    assert_fd_array(|w| lanes(w, &x), &w, &g.w);
    assert_fd_array(|x| lanes(&w, x), &x, &g.x);
    let (dw, dx) = (p.matrix(2, 3, -1.0, 1.0), p.array(3, -1.0, 1.0));
    let (_, dot) = lanes::jvp(&w, &x, &dw, &dx);
    assert_close(dot, (&g.w * &dw).sum() + g.x.dot(&dx), 1e-10);
    let matrix = |v: &[f64]| Array2::from_shape_vec((2, 3), v.to_vec()).unwrap();
    check_hvp(
        |v| lanes::grad(&matrix(v), &x).1.w.into_raw_vec_and_offset().0,
        |v, t| {
            let zx = Array1::zeros(3);
            let h = lanes::hvp(&matrix(v), &x, &matrix(t), &zx).2;
            h.w.into_raw_vec_and_offset().0
        },
        w.as_slice().unwrap(),
        47,
    );
}

/// A row's product with a matrix (a vector) and a column's with a vector (a float): each
/// lane's gradient is added into its row or column of `w`'s by one kernel
/// (`lane_dot_back_into`), no vector made per lane.
#[differentiate(hessian, wrt(w))]
fn lane_products(w: &Array2<f64>, m: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for row in w.outer_iter() {
        let h: Array1<f64> = row.dot(m);
        s += h.mapv(f64::tanh).sum();
    }
    for col in w.axis_iter(Axis(1)) {
        s += col.dot(x).sin() * s;
    }
    s
}

#[test]
fn lanes_multiplied_added_into_their_lanes() {
    let mut p = Points::new(53);
    let (w, m, x) = (
        p.matrix(2, 3, -1.0, 1.0),
        p.matrix(3, 4, -1.0, 1.0),
        p.array(2, -1.0, 1.0),
    );
    let (value, g) = lane_products::grad(&w, &m, &x);
    assert_eq!(value, lane_products(&w, &m, &x));
    assert_fd_array(|w| lane_products(w, &m, &x), &w, &g.w);
    let matrix = |v: &[f64]| Array2::from_shape_vec((2, 3), v.to_vec()).unwrap();
    check_hvp(
        |v| {
            lane_products::grad(&matrix(v), &m, &x)
                .1
                .w
                .into_raw_vec_and_offset()
                .0
        },
        |v, t| {
            let h = lane_products::hvp(&matrix(v), &m, &x, &matrix(t)).2;
            h.w.into_raw_vec_and_offset().0
        },
        w.as_slice().unwrap(),
        59,
    );
}

/// Slices multiplied: a row sliced out times a vector (a float) and times a matrix (a
/// vector), a block of rows times a vector and times a matrix, a part of a vector times a
/// vector. Each slice's gradient is added into its part by one kernel
/// (`slice_dot_back_into`).
#[differentiate(hessian, wrt(w, v))]
fn slice_products(w: &Array2<f64>, v: &Array1<f64>, m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..w.nrows() {
        let row = w.slice(s![i, ..]);
        s += row.dot(v).sin();
        let h: Array1<f64> = row.dot(m);
        s += h.sum() * 0.5;
    }
    let block = w.slice(s![0..2, ..]);
    let b1: Array1<f64> = block.dot(v);
    let b2: Array2<f64> = block.dot(m);
    let head = v.slice(s![0..2]);
    s + b1.mapv(f64::tanh).sum() + b2.mapv(|t| t * t).sum() + head.dot(&v.slice(s![1..3])).cos()
}

#[test]
fn slices_multiplied_added_into_their_parts() {
    let mut p = Points::new(61);
    let (w, v, m) = (
        p.matrix(3, 3, -1.0, 1.0),
        p.array(3, -1.0, 1.0),
        p.matrix(3, 2, -1.0, 1.0),
    );
    let (value, g) = slice_products::grad(&w, &v, &m);
    assert_eq!(value, slice_products(&w, &v, &m));
    assert_fd_array(|w| slice_products(w, &v, &m), &w, &g.w);
    assert_fd_array(|v| slice_products(&w, v, &m), &v, &g.v);
    let matrix = |x: &[f64]| Array2::from_shape_vec((3, 3), x.to_vec()).unwrap();
    check_hvp(
        |x| {
            slice_products::grad(&matrix(x), &v, &m)
                .1
                .w
                .into_raw_vec_and_offset()
                .0
        },
        |x, t| {
            let h = slice_products::hvp(&matrix(x), &v, &m, &matrix(t), &Array1::zeros(3)).2;
            h.w.into_raw_vec_and_offset().0
        },
        w.as_slice().unwrap(),
        67,
    );
}

/// An array's elements copied into a `Vec` (`x.to_vec()`, a row's too) and worked on as
/// a slice: the gradient goes back into the array (it was "does not support `.to_vec()` on
/// an array").
#[differentiate(hessian)]
fn copied_to_vecs(x: &Array1<f64>, w: &Array2<f64>) -> f64 {
    let v = x.to_vec();
    let r: Vec<f64> = w.row(1).to_vec();
    let mut s = v[0] * v[1];
    for (a, b) in v.iter().zip(&r) {
        s += (a * b).sin();
    }
    s + r.iter().map(|t| t * t).sum::<f64>()
}

#[test]
fn arrays_copied_to_vecs() {
    let mut p = Points::new(71);
    let (x, w) = (p.array(3, -1.0, 1.0), p.matrix(2, 3, -1.0, 1.0));
    let (value, g) = copied_to_vecs::grad(&x, &w);
    assert_eq!(value, copied_to_vecs(&x, &w));
    assert_fd_array(|x| copied_to_vecs(x, &w), &x, &g.x);
    assert_fd_array(|w| copied_to_vecs(&x, w), &w, &g.w);
    check_hvp(
        |v| {
            copied_to_vecs::grad(&Array1::from(v.to_vec()), &w)
                .1
                .x
                .to_vec()
        },
        |v, t| {
            let h = copied_to_vecs::hvp(
                &Array1::from(v.to_vec()),
                &w,
                &Array1::from(t.to_vec()),
                &Array2::zeros((2, 3)),
            );
            h.2.x.to_vec()
        },
        x.as_slice().unwrap(),
        73,
    );
}

/// Binary cross-entropy of a logistic model over a batch, with a smoothing constant bound by
/// `let eps = 1e-12;` and read by array arithmetic: the runtime's generic addition left the
/// literal's float type open (rustc's E0282 in the generated code); it is the signature's.
#[differentiate(wrt(w), reverse, forward)]
fn logistic_batch(w: &Array1<f64>, x: &Array2<f64>, y: &Array1<f64>) -> f64 {
    let eps = 1e-12;
    let p = x.dot(w).mapv(|v| 1.0 / (1.0 + (-v).exp()));
    let l = y * &p.mapv(|v| (v + eps).ln()) + &(1.0 - y) * &(1.0 - &p + eps).mapv(f64::ln);
    -l.sum() / y.len() as f64
}

#[test]
fn untyped_literals_beside_arrays() {
    let w = array![0.3, -0.2, 0.5];
    let x = array![[1.0, 0.5, -0.3], [0.2, -1.0, 0.7], [-0.4, 0.3, 1.2]];
    let y = array![1.0, 0.0, 1.0];
    let (value, g) = logistic_batch::grad(&w, &x, &y);
    assert_eq!(value, logistic_batch(&w, &x, &y));
    assert_fd_array(|w| logistic_batch(w, &x, &y), &w, &g.w);
    let v = array![0.2, 0.5, -0.4];
    assert_close(logistic_batch::jvp(&w, &x, &y, &v).1, g.w.dot(&v), 1e-12);
}
