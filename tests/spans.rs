//! Reverse loops over a span (`a..b`) read and write the sequences they reach only at their
//! index, or at a counter stepped by one, through slices made once before the loop
//! (`grad_l_span[r_offset]`; see `tests/expand/saving.expanded.rs`). Checked against finite
//! differences, and against forward over reverse (`hvp`), whose reverse loops index the
//! sequences as written: two independent prints of the same backward pass.

#![allow(clippy::needless_range_loop, clippy::explicit_counter_loop)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{Points, assert_fd, check_hvp};

/// gmm's triangle with the counter read as a value too: `l` and its gradient sliced at
/// `li`, `qx`'s gradient at `r`, `li as f64` read from the counter the reverse steps back.
#[differentiate(hessian)]
fn counted_triangle(q: &[f64], l: &[f64]) -> f64 {
    let d = q.len();
    let mut qx = vec![0.0; d];
    let mut li = 0;
    let mut total = 0.0;
    for a in 0..d {
        for r in a + 1..d {
            qx[r] += l[li] * q[a].sin() * (1.0 + li as f64 * 0.1);
            li += 1;
        }
    }
    for j in 0..d {
        total += qx[j] * qx[j] * q[j];
    }
    total
}

#[test]
fn a_counted_triangle_against_finite_differences_and_hessian() {
    let mut points = Points::new(41);
    for _ in 0..4 {
        let (q, l) = (points.vec(5, -1.5, 1.5), points.vec(10, -1.5, 1.5));
        let (value, g) = counted_triangle::grad(&q, &l);
        assert_eq!(value, counted_triangle(&q, &l));
        assert_fd(|q| counted_triangle(q, &l), &q, &g.q);
        assert_fd(|l| counted_triangle(&q, l), &l, &g.l);
        check_hvp(
            |l| counted_triangle::grad(&q, l).1.l,
            |l, u| counted_triangle::hvp(&q, l, &[0.0; 5], u).2.l,
            &l,
            42,
        );
    }
}

/// Loops that run no iteration, whose first index and counter are past the end of the
/// sequences they index: no slice is made for them.
#[differentiate(hessian)]
fn empty_spans(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for r in n + 3..n + 3 {
        s += x[r] * x[r];
    }
    let mut k = n + 7;
    let m = n - 1;
    for i in m..m {
        s += x[k].exp() * i as f64;
        k += 1;
    }
    for i in 0..n {
        s += x[i] * x[i] * x[i];
    }
    s
}

#[test]
fn spans_that_run_no_iteration_make_no_slice() {
    check_slice_function!(empty_spans, &[0.3, -1.2, 0.8], 43);
}

/// One sequence reached at `i` and `i - 1` (indexed as written), another only at `i`
/// (sliced), and the index read as a number: computed from the offset.
#[differentiate(hessian)]
fn shifted(x: &[f64]) -> f64 {
    let n = x.len();
    let mut t = vec![0.0; n];
    let mut u = vec![0.0; n];
    for i in 0..n {
        t[i] = x[i] * x[i];
    }
    for i in 1..n {
        u[i] = t[i] * t[i - 1] + x[i] * i as f64;
    }
    let mut s = 0.0;
    for i in 0..n {
        s += u[i].tanh();
    }
    s
}

#[test]
fn a_shifted_read_keeps_its_index_and_the_rest_is_sliced() {
    let mut points = Points::new(44);
    for _ in 0..3 {
        check_slice_function!(shifted, &points.vec(6, -1.0, 1.0), 45);
    }
}

/// A counter stepped by one in a loop over an `i32` span: the sequence is sliced at the
/// counter, the index (read as a number) computed from the offset in its own type.
#[differentiate(hessian)]
fn integer_index(x: &[f64]) -> f64 {
    let mut j = 1;
    let mut s = 0.0;
    for k in 0i32..4 {
        s += x[j] * x[j] * (k as f64 + 0.5);
        j += 1;
    }
    s * x[0]
}

#[test]
fn a_counter_in_an_integer_span_against_finite_differences_and_hessian() {
    check_slice_function!(integer_index, &[0.7, -0.4, 1.1, 0.2, -0.9], 46);
}

/// Spans that are not sliced: reversed, stepped and left early (the reverse replays only
/// the iterations that ran).
#[differentiate(hessian)]
fn not_spans(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s: f64 = 0.0;
    for i in (0..n).rev() {
        s += x[i] * s.sin();
    }
    for i in (0..n).step_by(2) {
        s += x[i] * x[i];
    }
    for i in 0..n {
        if s > 4.0 {
            break;
        }
        s += x[i].exp();
    }
    s
}

#[test]
fn reversed_stepped_and_left_loops_against_finite_differences_and_hessian() {
    let mut points = Points::new(47);
    for _ in 0..3 {
        check_slice_function!(not_spans, &points.vec(5, -1.0, 1.0), 48);
    }
}

/// Offsets the loop does not change: a row-major matrix's row (`w[o * n + i]`), a shifted
/// read and write (`t[i - 1]`), and a counter plus a constant (`x[j + 2]`), each sliced at
/// its offset; the matrix's gradient is written through its slice.
#[differentiate(hessian)]
fn offsets(x: &[f64]) -> f64 {
    let n = 3;
    let w = &x[..n * n];
    let mut h = vec![0.0; n];
    for o in 0..n {
        let mut z = 0.0;
        for i in 0..n {
            z += w[o * n + i] * x[i].sin();
        }
        h[o] = z.tanh();
    }
    let mut t = vec![0.0; n + 1];
    for i in 1..n + 1 {
        t[i] = t[i - 1] * 0.5 + h[i - 1] * x[i + 4];
    }
    let mut j = 0;
    let mut s = 0.0;
    for k in 0..4 {
        s += x[j + 2] * t[k % (n + 1)];
        j += 1;
    }
    s
}

#[test]
fn offsets_the_loop_does_not_change_against_finite_differences_and_hessian() {
    let mut points = Points::new(49);
    for _ in 0..4 {
        check_slice_function!(offsets, &points.vec(10, -1.0, 1.0), 50);
    }
}

/// Windows of literal offsets: the gradient written at `i` and `i + 1` (Rosenbrock), at
/// `i - 1` and `i` (a smoothness penalty), and read at `i + 1` in a reverse run backwards
/// (a recurrence), each one slice longer than the loop.
#[differentiate(hessian)]
fn windows(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n - 1 {
        let d = x[i + 1] - x[i] * x[i];
        s += 100.0 * d * d + (1.0 - x[i]).powi(2);
    }
    for i in 1..n {
        s += (x[i] - x[i - 1]).powi(2) * 0.5;
    }
    let mut b = vec![0.0; n + 1];
    b[0] = 1.0;
    for i in 0..n {
        b[i + 1] = b[i] * x[i].sin() + x[i];
    }
    s + b[n]
}

#[test]
fn windows_of_literal_offsets_against_finite_differences_and_hessian() {
    let mut points = Points::new(51);
    for _ in 0..4 {
        check_slice_function!(windows, &points.vec(7, -1.2, 1.2), 52);
    }
}
