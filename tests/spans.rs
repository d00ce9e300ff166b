//! Reverse loops over a span (`a..b`) read and write the sequences they reach only at their
//! index, or at a counter stepped by one, through slices made once before the loop
//! (`grad_l_span[r_offset]`; see `tests/expand/saving.expanded.rs`). Checked against finite
//! differences, and against forward over reverse (`hvp`), whose reverse loops index the
//! sequences as written: two independent prints of the same backward pass.
//!
//! The forward pass's loops that write a sequence go the same way (`qx_span[r_offset] =
//! ...`), with definitions computed from nothing the loop changes moved before it; forward
//! over reverse prints them as written, so the same pairs check them too.

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

/// Rows of nested sequences the loop does not change: each row of `m` and of a local
/// matrix read and written at the loop's index and one past it (`m[o][i + 1]`), sliced at
/// the row (`grad_m[o]`), not indexed twice per element.
#[differentiate(hessian)]
fn rows(m: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut a = vec![vec![0.0; x.len()]; m.len()];
    let mut s = 0.0;
    for o in 0..m.len() {
        let mut z = 0.0;
        for i in 0..x.len() - 1 {
            z += m[o][i] * x[i] + m[o][i + 1] * m[o][i] * 0.5;
            a[o][i] += m[o][i + 1] * x[i + 1];
        }
        s += z.tanh() + a[o][o % (x.len() - 1)] * a[o][0];
    }
    s
}

#[test]
fn rows_of_nested_sequences_against_finite_differences_and_hessian() {
    let mut points = Points::new(53);
    for _ in 0..4 {
        let m: Vec<Vec<f64>> = (0..3).map(|_| points.vec(5, -1.0, 1.0)).collect();
        let x = points.vec(5, -1.0, 1.0);
        let (value, g) = rows::grad(&m, &x);
        assert_eq!(value, rows(&m, &x));
        assert_fd(|x| rows(&m, x), &x, &g.x);
        let flat = m.concat();
        let unflat = |f: &[f64]| -> Vec<Vec<f64>> { f.chunks(5).map(<[f64]>::to_vec).collect() };
        assert_fd(|f| rows(&unflat(f), &x), &flat, &g.m.concat());
        check_hvp(
            |x| rows::grad(&m, x).1.x,
            |x, u| rows::hvp(&m, x, &vec![vec![0.0; 5]; 3], u).2.x,
            &x,
            54,
        );
    }
}

/// A network of layers with rows of weights, each row's dot product reversed through a
/// slice of the row of the layer's field (`grad_layers_w[o]`, bound once per layer).
#[derive(backprop::Differentiable, Clone)]
struct RowLayer {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

#[differentiate(reverse)]
fn row_layers(layers: &[RowLayer], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for l in 0..layers.len() {
        let mut next = vec![0.0; layers[l].b.len()];
        for o in 0..next.len() {
            let mut z = layers[l].b[o];
            for i in 0..h.len() {
                z += layers[l].w[o][i] * h[i];
            }
            next[o] = z.tanh();
        }
        h = next;
    }
    h.iter().map(|v| v * v).sum()
}

#[test]
fn rows_of_struct_fields_against_finite_differences() {
    let mut points = Points::new(55);
    for _ in 0..4 {
        let layers: Vec<RowLayer> = [(4, 3), (2, 4)]
            .iter()
            .map(|&(out, inp)| RowLayer {
                w: (0..out).map(|_| points.vec(inp, -1.0, 1.0)).collect(),
                b: points.vec(out, -0.5, 0.5),
            })
            .collect();
        let x = points.vec(3, -1.0, 1.0);
        let (value, g) = row_layers::grad(&layers, &x);
        assert_eq!(value, row_layers(&layers, &x));
        assert_fd(|x| row_layers(&layers, x), &x, &g.x);
        for (l, gl) in g.layers.iter().enumerate() {
            let at = |f: &[f64]| {
                let mut ls = layers.clone();
                let inp = ls[l].w[0].len();
                ls[l].w = f.chunks(inp).map(<[f64]>::to_vec).collect();
                row_layers(&ls, &x)
            };
            assert_fd(at, &layers[l].w.concat(), &gl.w.concat());
            let at_b = |f: &[f64]| {
                let mut ls = layers.clone();
                ls[l].b = f.to_vec();
                row_layers(&ls, &x)
            };
            assert_fd(at_b, &layers[l].b, &gl.b);
        }
    }
}

/// gmm's forward loops: a local written at `j` and, under a counter, at `r` (`l` sliced at
/// `li`), with `x[i * d + a] - mu[a]` computed once before the inner loop; a window written
/// at `i + 1` from `i` (a recurrence); an index read as a number; and a definition that
/// reads what the loop writes, which stays in it.
#[differentiate(hessian)]
fn forward_spans(x: &[f64]) -> f64 {
    let d = 3;
    let (q, mu) = (&x[0..d], &x[2 * d..3 * d]);
    let l = x[d..2 * d].to_vec();
    let mut qx = vec![0.0; d];
    let mut total = 0.0;
    for i in 0..2 {
        for j in 0..d {
            qx[j] = q[j].exp() * (x[i * d + j] - mu[j]);
        }
        let mut li = 0;
        for a in 0..d {
            for r in a + 1..d {
                qx[r] += l[li] * (x[i * d + a] - mu[a]);
                li += 1;
            }
        }
        for j in 0..d {
            total += qx[j] * qx[j];
        }
    }
    let n = x.len();
    let mut b = vec![0.0; n + 1];
    b[0] = 0.5;
    for i in 0..n {
        b[i + 1] = b[i] * x[i].cos() + x[i] * (i as f64 + 1.0);
    }
    let (mut z, mut w) = (vec![1.0; n], vec![0.0; n]);
    for i in 1..n {
        let head = z[0] * 0.5;
        w[i] = head * x[i] + x[i - 1];
        z[0] += 0.1 * w[i];
    }
    total + b[n] + z[0] * w[n - 1]
}

#[test]
fn forward_loops_over_slices_against_finite_differences_and_hessian() {
    let mut points = Points::new(61);
    for _ in 0..4 {
        check_slice_function!(forward_spans, &points.vec(9, -1.1, 1.1), 62);
    }
}

/// A forward loop whose slice would reach past the end panics, as the loop as written does
/// (before its first iteration rather than during its last).
#[differentiate(reverse)]
fn overrun(x: &[f64]) -> f64 {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() + 1 {
        y[i] = x[i] * 2.0;
    }
    y[0]
}

#[test]
#[should_panic(expected = "out of range")]
fn a_forward_slice_past_the_end_panics_as_the_loop_does() {
    let _ = overrun::grad(&[1.0, 2.0]);
}
