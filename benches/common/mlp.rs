//! Issue 4's training step: batch 64, 784 → 256 (ReLU) → 10, softmax cross-entropy, f32,
//! one step of gradient descent. The generated gradient, and the same step written by hand
//! with the same kernels (ndarray's products on matrixmultiply).

#![allow(dead_code)]

use backprop::ndarray::{Array1, Array2, Axis, Zip, s};
use backprop::{differentiate, relu, softmax_cross_entropy};

pub const BATCH: usize = 64;
pub const INPUTS: usize = 784;
pub const HIDDEN: usize = 256;
pub const CLASSES: usize = 10;
pub const LEARNING_RATE: f32 = 0.1;

/// The loss, as a user writes it.
#[differentiate(wrt(w1, b1, w2, b2))]
pub fn mlp_loss(
    x: &Array2<f32>,
    labels: &[usize],
    w1: &Array2<f32>,
    b1: &Array1<f32>,
    w2: &Array2<f32>,
    b2: &Array1<f32>,
) -> f32 {
    let hidden = relu(x.dot(w1) + b1);
    let scores = hidden.dot(w2) + b2;
    softmax_cross_entropy(&scores, labels)
}

#[derive(Clone)]
pub struct Params {
    pub w1: Array2<f32>,
    pub b1: Array1<f32>,
    pub w2: Array2<f32>,
    pub b2: Array1<f32>,
}

/// A deterministic batch and parameters.
pub fn setup() -> (Array2<f32>, Vec<usize>, Params) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let x = Array2::from_shape_fn((BATCH, INPUTS), |_| next());
    let labels = (0..BATCH).map(|i| (i * 7 + 3) % CLASSES).collect();
    let params = Params {
        w1: Array2::from_shape_fn((INPUTS, HIDDEN), |_| 0.1 * next()),
        b1: Array1::from_shape_fn(HIDDEN, |_| 0.1 * next()),
        w2: Array2::from_shape_fn((HIDDEN, CLASSES), |_| 0.1 * next()),
        b2: Array1::from_shape_fn(CLASSES, |_| 0.1 * next()),
    };
    (x, labels, params)
}

/// The new parameters `p − η·g`, written over the gradient: a step that leaves `p` as it
/// is (as `jax.jit` steps do), so every timed step does the same arithmetic.
fn descend(p: &Params, mut g: Params) -> Params {
    let step = |g: &mut f32, &w: &f32| *g = w - LEARNING_RATE * *g;
    g.w1.zip_mut_with(&p.w1, step);
    g.b1.zip_mut_with(&p.b1, step);
    g.w2.zip_mut_with(&p.w2, step);
    g.b2.zip_mut_with(&p.b2, step);
    g
}

/// One step with the generated gradient: the loss before it and the new parameters.
pub fn generated_step(x: &Array2<f32>, labels: &[usize], p: &Params) -> (f32, Params) {
    let (loss, g) = mlp_loss::grad(x, labels, &p.w1, &p.b1, &p.w2, &p.b2);
    let g = Params {
        w1: g.w1,
        b1: g.b1,
        w2: g.w2,
        b2: g.b2,
    };
    (loss, descend(p, g))
}

/// The gradients, by hand: the lecture's backward pass for this network, in place where
/// it can be, the transposed products on views.
pub fn hand_gradient(x: &Array2<f32>, labels: &[usize], p: &Params) -> (f32, Params) {
    // Forward.
    let mut hidden = x.dot(&p.w1);
    hidden += &p.b1;
    hidden.mapv_inplace(|v| v.max(0.0));
    let mut scores = hidden.dot(&p.w2);
    scores += &p.b2;
    // Softmax cross-entropy and its gradient, row by row, in place.
    let n = BATCH as f32;
    let mut loss = 0.0;
    for (mut row, &label) in scores.axis_iter_mut(Axis(0)).zip(labels) {
        let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let picked = row[label] - max;
        row.mapv_inplace(|v| (v - max).exp());
        let total = row.sum();
        loss += total.ln() - picked;
        row.mapv_inplace(|v| v / total / n);
        row[label] -= 1.0 / n;
    }
    let dscores = scores;
    // Backward.
    let dw2 = hidden.t().dot(&dscores);
    let db2 = dscores.sum_axis(Axis(0));
    let mut dhidden = dscores.dot(&p.w2.t());
    Zip::from(&mut dhidden).and(&hidden).for_each(|d, &h| {
        if h <= 0.0 {
            *d = 0.0
        }
    });
    let dw1 = x.t().dot(&dhidden);
    let db1 = dhidden.sum_axis(Axis(0));
    (
        loss / n,
        Params {
            w1: dw1,
            b1: db1,
            w2: dw2,
            b2: db2,
        },
    )
}

/// One step with the hand-written gradient.
pub fn hand_step(x: &Array2<f32>, labels: &[usize], p: &Params) -> (f32, Params) {
    let (loss, g) = hand_gradient(x, labels, p);
    (loss, descend(p, g))
}

/// The floating-point operations of one step: the five matrix products (the input's
/// gradient is not needed), counted as 2mnk each.
pub fn step_flops() -> usize {
    let forward = 2 * BATCH * INPUTS * HIDDEN + 2 * BATCH * HIDDEN * CLASSES;
    let backward =
        2 * INPUTS * BATCH * HIDDEN + 2 * HIDDEN * BATCH * CLASSES + 2 * BATCH * CLASSES * HIDDEN;
    forward + backward
}

/// A residual layer applied `steps` times: the state is reassigned in the loop.
#[differentiate(wrt(w, v))]
pub fn recurrent(x: &Array2<f64>, w: &Array2<f64>, v: &Array2<f64>, steps: usize) -> f64 {
    let mut h = x.dot(w);
    for _ in 0..steps {
        h = (h.dot(v) + &h).tanh();
    }
    (&h * &h).sum()
}

/// `recurrent`'s inputs: a 256 × 64 batch, 64 × 64 weights, 20 passes.
pub fn recurrent_setup() -> (Array2<f64>, Array2<f64>, Array2<f64>, usize) {
    let (n, k, m) = (256, 64, 64);
    let x = Array2::from_shape_fn((n, k), |(i, j)| ((i * 7 + j * 3) as f64).sin());
    let w = Array2::from_shape_fn((k, m), |(i, j)| ((i * 5 + j * 11) as f64).cos() * 0.2);
    let v = Array2::from_shape_fn((m, m), |(i, j)| ((i * 13 + j * 2) as f64).sin() * 0.2);
    (x, w, v, 20)
}

/// A layer written row by row, its matrix differentiated: `Σᵢ tanh(wᵢ · x)` over the rows
/// `wᵢ` of `w` walked by `outer_iter()`.
#[differentiate(wrt(w))]
pub fn rows_layer(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for row in w.outer_iter() {
        let z = row.dot(x);
        s += z.tanh();
    }
    s
}

/// [`rows_layer`] with each row sliced out by index (`w.slice(s![i, ..])`).
#[differentiate(wrt(w))]
pub fn sliced_layer(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..w.nrows() {
        let row = w.slice(s![i, ..]);
        s += row.dot(x).tanh();
    }
    s
}

/// [`rows_layer`]'s gradient by hand: one matrix-vector product, each row of the
/// gradient `(1 − tanh²) x`.
pub fn rows_layer_by_hand(w: &Array2<f64>, x: &Array1<f64>) -> (f64, Array2<f64>) {
    let t = w.dot(x).mapv(f64::tanh);
    let mut g = Array2::zeros(w.raw_dim());
    for (i, mut row) in g.outer_iter_mut().enumerate() {
        row.scaled_add(1.0 - t[i] * t[i], x);
    }
    (t.sum(), g)
}

/// Logistic regression's loss over the rows of the data (the matrix a constant, the
/// weights differentiated), one sample per iteration.
#[differentiate(wrt(w))]
pub fn rows_logistic(w: &Array1<f64>, x: &Array2<f64>, y: &Array1<f64>) -> f64 {
    let mut loss = 0.0;
    for (i, row) in x.outer_iter().enumerate() {
        let z = row.dot(w);
        loss += (1.0 + (-y[i] * z).exp()).ln();
    }
    loss
}

/// [`rows_logistic`]'s gradient by hand: `xᵀ g` with `gᵢ = −yᵢ σ(−yᵢ zᵢ)`.
pub fn rows_logistic_by_hand(
    w: &Array1<f64>,
    x: &Array2<f64>,
    y: &Array1<f64>,
) -> (f64, Array1<f64>) {
    let z = x.dot(w);
    let mut loss = 0.0;
    let mut g = Array1::zeros(z.len());
    for i in 0..z.len() {
        let e = (-y[i] * z[i]).exp();
        loss += (1.0 + e).ln();
        g[i] = -y[i] * e / (1.0 + e);
    }
    (loss, x.t().dot(&g))
}

/// A 200 × 200 matrix, a vector and labels for the two row-by-row functions.
pub fn rows_setup() -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let n = 200;
    let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 11) as f64 * 0.01 - 0.05);
    let v = Array1::from_shape_fn(n, |i| (i % 5) as f64 * 0.1 - 0.2);
    let y = Array1::from_shape_fn(n, |i| if i % 2 == 0 { 1.0 } else { -1.0 });
    (a, v, y)
}
