//! Allocations per call: a gradient called again allocates what its function allocates and
//! its results, nothing more (its stacks, and the gradients of its local vectors, come back
//! from the per-thread pools). Counted per thread by a counting allocator, so the tests of
//! this file may run side by side.

#![allow(clippy::needless_range_loop)]

use backprop::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated and not yet freed by this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn live(delta: isize) {
    let _ = LIVE.try_with(|c| c.set(c.get() + delta));
}

// SAFETY: every call goes to `System` unchanged; the counter is a thread-local `Cell` with
// a constant initializer, which allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        live(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        live(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        live(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        live(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    let before = COUNT.with(Cell::get);
    std::hint::black_box(f());
    COUNT.with(Cell::get) - before
}

/// Runge–Kutta-like stages over local vectors: the reverse sweep copies `tmp` and `y`
/// around its loops and reads `k` and `tmp` in its rules.
#[differentiate]
fn stages(x: &[f64]) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    let mut k = vec![0.0; n];
    let mut tmp = x.to_vec();
    for _ in 0..4 {
        for i in 0..n {
            k[i] = x[i] * tmp[i];
        }
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * k[i];
        }
        for i in 0..n {
            y[i] += k[i] * tmp[i];
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += y[i] * y[i];
    }
    s
}

#[test]
fn a_gradient_called_again_allocates_what_its_function_does_and_its_gradient() {
    // 40 elements: copies on the stacks; 1,000 (8 KB): each copy in a buffer of its own,
    // taken back by swapping, the buffers pooled.
    for n in [40, 1000] {
        let x: Vec<f64> = (0..n).map(|i| 0.1 + 0.4 * i as f64 / n as f64).collect();
        let objective = allocations(|| stages(&x));
        assert_eq!(objective, 3, "y, k and tmp");
        allocations(|| stages::grad(&x));
        // The locals' vectors, and the gradient returned; not the stacks, nor the gradients
        // of `y`, `k` and `tmp`.
        assert_eq!(allocations(|| stages::grad(&x)), objective + 1, "n = {n}");
        let (_, g) = stages::grad(&x);
        let h = 1e-6;
        let mut xp = x.clone();
        xp[3] += h;
        let mut xm = x.clone();
        xm[3] -= h;
        let fd = (stages(&xp) - stages(&xm)) / (2.0 * h);
        assert!(
            (g.x[3] - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{} vs {fd}",
            g.x[3]
        );
    }
}

/// A recurrence in a `while` loop, whose number of passes is known only as it runs: its
/// stacks grow as it saves, the first time on storage from the pool.
#[differentiate(reverse)]
fn damped(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut acc = 0.0;
    while i < x.len() {
        acc = 0.9 * acc * x[i] + x[i] * x[i];
        i += 1;
    }
    acc
}

#[test]
fn a_while_loop_called_again_allocates_only_its_gradient() {
    let x: Vec<f64> = (0..1000).map(|i| 0.2 + 0.0006 * i as f64).collect();
    assert_eq!(allocations(|| damped(&x)), 0);
    allocations(|| damped::grad(&x));
    assert_eq!(allocations(|| damped::grad(&x)), 1, "the gradient returned");
    let (_, g) = damped::grad(&x);
    let h = 1e-6;
    for i in [0, 500, 999] {
        let mut xp = x.clone();
        xp[i] += h;
        let mut xm = x.clone();
        xm[i] -= h;
        let fd = (damped(&xp) - damped(&xm)) / (2.0 * h);
        assert!(
            (g.x[i] - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{i}: {} vs {fd}",
            g.x[i]
        );
    }
}

#[differentiate(reverse)]
fn scaled(x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    for i in 0..x.len() {
        out[i] = 2.0 * x[i];
    }
    out
}

/// Local vectors reassigned whole, from a call and a copy: the gradients of the new values
/// go to the call's pullback and into the copied vector's; only the first ones are given
/// back at the end.
#[differentiate(reverse)]
fn reassigned(x: &[f64]) -> f64 {
    let mut k = vec![0.0; x.len()];
    for i in 0..x.len() {
        k[i] = x[i] * x[i];
    }
    k = scaled(&k);
    let mut y = vec![1.0; 2];
    y = k.clone();
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i] * k[i];
    }
    s
}

#[test]
fn locals_reassigned_whole_keep_their_gradients() {
    let x = [0.4, -1.1, 0.8];
    let (_, g) = reassigned::grad(&x);
    // s = Σ (2 xᵢ²)² = 4 Σ xᵢ⁴: ∂s/∂xᵢ = 16 xᵢ³.
    for i in 0..3 {
        let want = 16.0 * x[i] * x[i] * x[i];
        assert!(
            (g.x[i] - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{} vs {want}",
            g.x[i]
        );
    }
}

/// `big` and `y` are read backward only for their shapes (`sum_to(&grad_y, &big)`, the
/// gradient of a broadcast addition; `sum_back(&grad, &y)`, the gradient of a sum): the
/// pullback keeps their shapes, and the arrays are freed when the forward pass returns.
#[differentiate(wrt(x, b))]
fn shifted(x: &Array2<f64>, b: &Array1<f64>) -> f64 {
    let big = x * 2.0;
    let y = big + b;
    y.sum()
}

use backprop::ndarray::{Array1, Array2};

#[test]
fn a_pullback_keeps_only_the_shape_of_an_array_read_for_its_shape() {
    let (rows, cols) = (500, 100);
    let x = Array2::from_shape_fn((rows, cols), |(i, j)| (i * cols + j) as f64 * 1e-3);
    let b = Array1::from_shape_fn(cols, |j| j as f64);
    let array = (rows * cols * std::mem::size_of::<f64>()) as isize;
    let before = LIVE.with(Cell::get);
    let (value, pullback) = shifted::vjp(&x, &b);
    let held = LIVE.with(Cell::get) - before;
    assert!(
        held < array / 2,
        "the pullback holds {held} bytes, {array} per array: it keeps an array it needs \
         only the shape of"
    );
    let grad = pullback(1.0);
    assert!((value - shifted(&x, &b)).abs() <= 1e-9 * value.abs());
    assert!(grad.x.iter().all(|&g| g == 2.0));
    assert!(grad.b.iter().all(|&g| g == rows as f64));
}

/// A loop of residual layers: per pass the reverse reads `h` (the product's rule), `tanh`'s
/// result (its rule; it is then copied into `h`), and the product `p` and the sum `p + &h`
/// only for their shapes (the sum's gradient, `tanh`'s).
#[differentiate(wrt(v))]
fn residual(x: &Array2<f64>, v: &Array2<f64>, steps: usize) -> f64 {
    let mut h = x.to_owned();
    for _ in 0..steps {
        let p = h.dot(v);
        h = (p + &h).tanh();
    }
    h.sum()
}

#[test]
fn a_loop_saves_one_array_per_pass_for_a_residual_layer() {
    let (rows, cols, steps) = (200, 50, 6);
    let x = Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 7 + j * 3) as f64).sin());
    let v = Array2::from_shape_fn((cols, cols), |(i, j)| ((i * 5 + j) as f64).cos() * 0.1);
    let array = (rows * cols * std::mem::size_of::<f64>()) as isize;
    let before = LIVE.with(Cell::get);
    let (value, pullback) = residual::vjp(&x, &v, steps);
    let held = LIVE.with(Cell::get) - before;
    // `h` before each pass, `tanh`'s result, and the final `h`: not the products, nor the
    // sums (three arrays a pass when the product was kept whole, four with the sum).
    assert!(
        held < (2 * steps as isize + 2) * array,
        "the pullback holds {held} bytes, {array} per array, over {steps} passes"
    );
    let grad = pullback(1.0);
    assert!((value - residual(&x, &v, steps)).abs() <= 1e-9 * value.abs());
    let eps = 1e-6;
    let (mut up, mut down) = (v.clone(), v.clone());
    up[[3, 4]] += eps;
    down[[3, 4]] -= eps;
    let fd = (residual(&x, &up, steps) - residual(&x, &down, steps)) / (2.0 * eps);
    assert!(
        (grad.v[[3, 4]] - fd).abs() <= 1e-6 * fd.abs().max(1.0),
        "{} vs {fd}",
        grad.v[[3, 4]]
    );
}

/// A layer with its weights stored output by input (`x·wᵀ`): the transpose of a borrowed
/// parameter is a view, and the pullback holds no copy of the weights.
#[differentiate(wrt(w))]
fn linear(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    x.dot(&w.t()).sum()
}

#[test]
fn a_borrowed_parameter_transposed_is_not_copied() {
    let x = Array2::from_shape_fn((4, 300), |(i, j)| ((i * 7 + j) as f64).sin());
    let w = Array2::from_shape_fn((200, 300), |(i, j)| ((i * 3 + j * 5) as f64).cos());
    let weights = (w.len() * std::mem::size_of::<f64>()) as isize;
    let before = LIVE.with(Cell::get);
    let (value, pullback) = linear::vjp(&x, &w);
    let held = LIVE.with(Cell::get) - before;
    assert!(
        held < weights / 2,
        "the pullback holds {held} bytes, the weights {weights}: it keeps a transposed copy"
    );
    let grad = pullback(1.0);
    assert!((value - linear(&x, &w)).abs() <= 1e-9 * value.abs().max(1.0));
    // ∂/∂w of Σ x·wᵀ: every row of w gets the column sums of x.
    let sums = x.sum_axis(backprop::ndarray::Axis(0));
    for row in grad.w.rows() {
        assert!(
            row.iter()
                .zip(&sums)
                .all(|(g, s)| (g - s).abs() <= 1e-9 * s.abs().max(1.0))
        );
    }
}

/// A layer through `relu`: the gate maps its owned input in place and keeps only its output
/// for the rule (`relu(x) > 0` exactly where `x > 0`).
#[differentiate(wrt(w))]
fn rectified(x: &Array2<f64>, w: &Array2<f64>) -> f64 {
    backprop::relu(x.dot(w)).sum()
}

#[test]
fn relu_of_an_owned_array_copies_it_once() {
    let x = Array2::from_shape_fn((40, 30), |(i, j)| ((i * 7 + j * 3) as f64).sin());
    let w = Array2::from_shape_fn((30, 20), |(i, j)| ((i * 5 + j) as f64).cos());
    // The product (with its packing buffer), and the copy of `relu`'s result the pullback
    // keeps: not a copy of its input as well, nor a new array for the result (two more
    // allocations before).
    let product = allocations(|| x.dot(&w));
    let made = allocations(|| rectified::vjp(&x, &w));
    assert_eq!(
        made,
        product + 1,
        "the forward pass made {made} allocations"
    );
    let (value, pullback) = rectified::vjp(&x, &w);
    let grad = pullback(1.0);
    assert!((value - rectified(&x, &w)).abs() <= 1e-12 * value.abs());
    let eps = 1e-6;
    for (i, j) in [(0, 0), (3, 7), (29, 19)] {
        let (mut up, mut down) = (w.clone(), w.clone());
        up[[i, j]] += eps;
        down[[i, j]] -= eps;
        let fd = (rectified(&x, &up) - rectified(&x, &down)) / (2.0 * eps);
        assert!(
            (grad.w[[i, j]] - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{i},{j}"
        );
    }
}

backprop::gate! {
    /// `a·x + y`, computed in `x`'s storage. The rule reads `a` and `x`, not `y` nor the
    /// result: `keep(a, x)` copies only `x` for it, and `_` returns the result uncopied.
    fn axpy(a: f64, x: Array1<f64>, y: Array1<f64>) -> Array1<f64> {
        x * a + &y
    }
    backward(_, grad) keep(a, x) {
        (grad.dot(&x), &grad * a, grad)
    }
}

#[differentiate(wrt(a, x, y))]
fn shifted_norm(a: f64, x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let z = axpy(a, x.to_owned(), y.to_owned());
    z.dot(&z)
}

#[test]
fn a_gate_keeps_only_the_inputs_its_rule_reads() {
    let x = Array1::from_shape_fn(50, |i| (i as f64 * 0.3).sin());
    let y = Array1::from_shape_fn(50, |i| (i as f64 * 0.7).cos());
    // The two copies the function is called with, and `keep`'s copy of `x`: not of `y`,
    // nor of the result (six allocations when every input and the output are kept).
    let made = allocations(|| axpy::__vjp(0.5, x.clone(), y.clone()));
    assert_eq!(made, 3, "{made} allocations");
    let (value, grad) = shifted_norm::grad(0.5, &x, &y);
    assert!((value - shifted_norm(0.5, &x, &y)).abs() <= 1e-12 * value);
    let z = &x * 0.5 + &y;
    assert!((grad.a - 2.0 * z.dot(&x)).abs() <= 1e-12 * grad.a.abs());
    for i in 0..50 {
        assert!((grad.x[i] - z[i]).abs() <= 1e-12, "{i}");
        assert!((grad.y[i] - 2.0 * z[i]).abs() <= 1e-12, "{i}");
    }
}
