//! What the forward pass saves for the reverse sweep, checked through the derivatives it
//! feeds: arrays copied whole around a loop (`push_range`/`pop_range`) instead of element
//! by element, against finite differences, forward mode and Hessians (forward over reverse
//! copies the tangents too).

#![allow(clippy::needless_range_loop)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{Points, assert_close, assert_fd, check_hvp};

/// Runge–Kutta-like stages: `tmp` is overwritten whole by loops whose reverse does not
/// read it, and read (nonlinearly) by the loop after each.
#[differentiate(hessian)]
fn stages(x: &[f64]) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..3 {
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * x[i];
        }
        for i in 1..n {
            y[i] += x[i] * tmp[i - 1] * tmp[i];
        }
        y[0] += x[0] * tmp[0];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += y[i] * y[i];
    }
    s
}

/// gmm's triangular product: the diagonal loop writes all of `qx`, the triangle after it
/// only elements below the same bound: one copy covers both; the squares read `qx` after.
#[differentiate(hessian)]
fn triangle(q: &[f64], l: &[f64], d: usize) -> f64 {
    let mut qx = vec![0.0; d];
    let mut total = 0.0;
    for c in 0..2 {
        for j in 0..d {
            qx[j] = q[j].exp() * (1.0 + c as f64);
        }
        let mut li = 0;
        for a in 0..d {
            for r in a + 1..d {
                qx[r] += l[li] * q[a];
                li += 1;
            }
        }
        for j in 0..d {
            total += qx[j] * qx[j];
        }
    }
    total
}

/// A loop that writes a few elements of a longer array (no copy: it would cost more than
/// the writes), and one that writes elements at an offset of its index.
#[differentiate(hessian)]
fn sparse(x: &[f64]) -> f64 {
    let mut big = vec![1.0; 50];
    let mut s = 0.0;
    for k in 0..x.len() {
        for i in 0..2 {
            big[i + 3] = x[k] * big[i + 3] + x[i];
        }
        for i in 0..3 {
            big[i] = x[i] * x[k];
        }
        s += big[3] * big[4] * big[0];
    }
    s
}

fn joined(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().chain(b).copied().collect()
}

#[test]
fn stages_against_finite_differences_and_hessian() {
    let mut p = Points::new(3);
    for n in [1, 2, 5] {
        let x = p.vec(n, -1.0, 1.0);
        check_slice_function!(stages, &x, 5);
        // Forward mode agrees with reverse mode: ⟨∇f, u⟩ = J·u.
        let u = p.vec(n, -1.0, 1.0);
        let g = stages::grad(&x).1;
        let dot: f64 = g.x.iter().zip(&u).map(|(a, b)| a * b).sum();
        assert_close(stages::jvp(&x, &u).1, dot, 1e-12);
    }
}

#[test]
fn triangle_against_finite_differences_and_hessian() {
    let mut p = Points::new(4);
    let d = 4;
    let (q, l) = (p.vec(d, -0.5, 0.5), p.vec(d * (d - 1) / 2, -1.0, 1.0));
    let (_, g) = triangle::grad(&q, &l, d);
    assert_fd(|q| triangle(q, &l, d), &q, &g.q);
    assert_fd(|l| triangle(&q, l, d), &l, &g.l);
    let split = |x: &[f64]| (x[..d].to_vec(), x[d..].to_vec());
    check_hvp(
        |x| {
            let (q, l) = split(x);
            let g = triangle::grad(&q, &l, d).1;
            joined(&g.q, &g.l)
        },
        |x, u| {
            let ((q, l), (uq, ul)) = (split(x), split(u));
            let h = triangle::hvp(&q, &l, d, &uq, &ul).2;
            joined(&h.q, &h.l)
        },
        &joined(&q, &l),
        6,
    );
}

#[test]
fn sparse_writes_against_finite_differences_and_hessian() {
    let mut p = Points::new(5);
    let x = p.vec(4, -1.0, 1.0);
    check_slice_function!(sparse, &x, 7);
}

/// Integer counters the backward rules read as indices: stepped by literals, their steps
/// are undone in reverse (`k = k + 2` for `k -= 2`) instead of saved; `j`, also doubled, is
/// saved as before.
#[differentiate(hessian)]
fn counters(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut k = x.len() - 1;
    let mut j = 1;
    for _ in 0..(x.len() - 1) / 2 {
        s += x[k] * x[k - 1] * x[j % x.len()];
        k -= 2;
        j *= 2;
        j += 1;
    }
    s
}

#[test]
fn counters_against_finite_differences_and_hessian() {
    let mut p = Points::new(6);
    for n in [3, 5, 8] {
        let x = p.vec(n, -1.0, 1.0);
        check_slice_function!(counters, &x, 8);
    }
}

#[differentiate(hessian)]
fn sum_of_squares(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * v[i];
    }
    s
}

/// A loop that writes all of `a` and passes it to a call on every iteration: the call's
/// pullback reads `a` in reverse, so `a` is saved element by element, not copied.
#[differentiate(hessian)]
fn call_in_loop(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![0.0; n];
    let mut t = 0.0;
    for k in 0..2 {
        for i in 0..n {
            a[i] = x[i] * (k as f64 + 1.0) + x[0];
            t += sum_of_squares(&a);
        }
    }
    t
}

#[test]
fn call_in_loop_against_finite_differences_and_hessian() {
    let mut p = Points::new(7);
    let x = p.vec(4, -1.0, 1.0);
    check_slice_function!(call_in_loop, &x, 9);
}

/// Reverse loops that add into one element of a gradient: `grad_x[a]` in the loop over `r`
/// is summed in a local and added once (the first loop); `grad_v[a]`, which the loop also
/// reads and scales (`v[a]` is updated in place), is not (the second).
#[differentiate(hessian)]
fn sums_into_one_element(x: &[f64]) -> f64 {
    let n = x.len();
    let mut v = vec![1.0; n];
    let mut s = 0.0;
    for a in 0..n {
        for r in 0..n {
            s += x[a] * x[r] * x[r];
        }
    }
    for a in 0..n {
        for r in 0..n {
            s += v[a] * x[r];
            v[a] = v[a] * 0.9 + x[r];
        }
    }
    s
}

#[test]
fn sums_into_one_element_against_finite_differences_and_hessian() {
    let mut p = Points::new(8);
    let x = p.vec(4, -1.0, 1.0);
    check_slice_function!(sums_into_one_element, &x, 10);
}

/// Sums hoisted out of nested loops into the same adjoint: the inner loop's sum into
/// `grad_x[1]` must not hide the outer loop's sum into `grad_x[0]` (it did once: both were
/// `sum_grad_x`, the inner declared in the outer's body).
#[differentiate(hessian)]
fn nested_sums(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for a in 0..n {
        s += x[0] * x[a] * x[a];
        for r in 0..n {
            s += x[1] * x[r] * x[a];
        }
    }
    s
}

#[test]
fn nested_sums_against_finite_differences_and_hessian() {
    let mut p = Points::new(9);
    let x = p.vec(3, -1.0, 1.0);
    check_slice_function!(nested_sums, &x, 11);
}

/// A loop whose range is empty the other way round (`i + 2..n` at `i = n − 1`, which does
/// not run): its copy takes nothing, and panics no more than the loop does (`v[4..3]` did).
#[differentiate(hessian)]
fn ragged_ranges(x: &[f64]) -> f64 {
    let n = x.len();
    let mut v = vec![0.0; n];
    let mut s = 0.0;
    for i in 0..n {
        for j in i + 2..n {
            v[j] = x[i] * x[j];
        }
        for j in 0..n {
            s += v[j] * v[j] * x[i];
        }
    }
    s
}

#[test]
fn ragged_ranges_against_finite_differences_and_hessian() {
    let mut p = Points::new(10);
    for n in [1, 3, 5] {
        let x = p.vec(n, -1.0, 1.0);
        check_slice_function!(ragged_ranges, &x, 12);
    }
}

/// A copy around a loop outside every other loop, with literal bounds: kept inline (as
/// many slots as the bounds span, plus the single writes of the other branch), values and,
/// under forward over reverse, tangents.
#[differentiate(hessian)]
fn rotated(x: &[f64]) -> f64 {
    let mut v = [x[0] * x[1], x[1] * x[2], x[2] * x[0]];
    let before = v[0] * v[1] + v[2];
    if x[0] > 0.0 {
        for i in 0..3 {
            v[i] = x[i] * before.sin() + x[(i + 1) % 3];
        }
    } else {
        v[0] = v[1] * x[2];
        v[2] = v[0] - x[1];
    }
    v[0] * v[1] * v[2] + before * before
}

#[test]
fn copies_around_top_level_literal_loops_stay_inline() {
    check_slice_function!(rotated, &[0.7, -0.4, 1.1], 31);
    check_slice_function!(rotated, &[-0.7, -0.4, 1.1], 32);
}

/// Element writes that destroy nothing a backward rule reads save nothing: `r`'s writes
/// in both branches come before the first rule that reads `r` (they used to save the
/// zeros); the write after that rule saves, and so do `w`'s writes, which the next pass of
/// their outer loop makes after the squares read `w`.
#[differentiate(hessian)]
fn first_writes(x: &[f64]) -> f64 {
    let mut r = [0.0; 3];
    if x[0] > 0.0 {
        for i in 0..3 {
            r[i] = x[i] * x[(i + 1) % 3];
        }
    } else {
        r[0] = x[1] * x[2];
        r[1] = x[0];
        r[2] = x[2].sin();
    }
    let mut s = r[0] * r[1] + r[2] * r[2];
    r[1] = s * x[0];
    s += r[1] * r[0];
    let mut w = vec![0.0; x.len()];
    for k in 0..2 {
        for i in 0..x.len() {
            w[i] = x[i] * (k as f64 + 1.0) + s;
        }
        for i in 0..x.len() {
            s += w[i] * w[i] * 0.1;
        }
    }
    s
}

#[test]
fn first_writes_save_nothing() {
    check_slice_function!(first_writes, &[0.7, -0.4, 1.1], 33);
    check_slice_function!(first_writes, &[-0.7, -0.4, 1.1], 34);
}

// Room reserved before loops (`push_reserved`): every push a loop makes must fit in what
// was reserved for it, counted through branches, inner loops and loops sharing a stack.

/// A loop that leaves early over a range far longer than it runs: nothing is reserved from
/// the range's length (it used to ask for `usize::MAX` slots: "capacity overflow").
#[differentiate(hessian)]
fn early_exit_from_a_huge_range(x: &[f64]) -> f64 {
    let mut s = x[0];
    for _ in 0..usize::MAX {
        s = s * x[1] + 0.25 * s.sin();
        if s > 10.0 {
            break;
        }
    }
    s
}

#[test]
fn early_exit_from_a_huge_range_against_finite_differences_and_hessian() {
    check_slice_function!(early_exit_from_a_huge_range, &[1.3, 1.7], 11);
}

/// llsq's shape: an inner loop over a range that does not change, counted into the outer
/// loop's reservation; pushes before, inside (in both arms of a branch) and after it; the
/// running maximum's stack pushed again by a second loop.
#[differentiate(hessian)]
fn nested_counts(x: &[f64]) -> f64 {
    let n = x.len() + 2;
    let mut total = 0.0;
    let mut run = x[0];
    for i in 0..n {
        let t = (i as f64 + 1.0) / n as f64;
        let mut inner = t;
        let mut m = 1.0;
        for j in 0..x.len() {
            inner -= x[j] * m;
            if inner > 0.0 {
                m = m * t + 0.1 * inner.sin();
            } else {
                m *= t;
            }
        }
        total += inner * inner + m;
        run = run.max(total * 0.1);
    }
    for j in 0..x.len() {
        run = run.max(x[j] * run.sin());
    }
    total + run
}

#[test]
fn nested_counts_against_finite_differences_and_hessian() {
    let mut p = Points::new(12);
    for _ in 0..4 {
        check_slice_function!(nested_counts, &p.vec(5, -1.0, 1.0), 12);
    }
}

/// Inner ranges that cannot be counted from outside: one reads the outer index (a
/// triangle), one a value the outer loop computes; an inner loop that leaves early; and a
/// `while` around a loop over a range.
#[differentiate(hessian)]
fn uncounted_inner_loops(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s: f64 = 0.0;
    for i in 0..n {
        for k in 0..i {
            s += x[k] * x[i] * s.cos();
        }
        let m = (i * 7) % n;
        for k in 0..m {
            s = s * 0.9 + x[k];
        }
        for k in 0..n {
            s += x[k].sin() * s;
            if s > 4.0 {
                break;
            }
        }
    }
    let mut rounds = 0;
    while rounds < 3 {
        for k in 0..n {
            s = s * 0.5 + x[k] * s.sin();
        }
        rounds += 1;
    }
    s
}

#[test]
fn uncounted_inner_loops_against_finite_differences_and_hessian() {
    let mut p = Points::new(13);
    for _ in 0..4 {
        check_slice_function!(uncounted_inner_loops, &p.vec(4, -1.0, 1.0), 13);
    }
}

/// An inner loop's additions into one gradient element are summed in a local and added
/// after the loop; when the loop runs no iteration (`a = n − 1`), that element's index is
/// out of bounds (`x[a + 1]`) and nothing may be added: this used to panic.
#[differentiate(hessian)]
fn sums_after_an_empty_loop(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for a in 0..n {
        for r in a + 1..n {
            s += x[a + 1] * x[r].sin();
        }
    }
    s
}

#[test]
fn sums_after_an_empty_loop_against_finite_differences_and_hessian() {
    check_slice_function!(sums_after_an_empty_loop, &[1.0, 2.0, 3.0, -0.5], 14);
}

/// A value the reverse of the inner loop computes again from nothing that changes in it
/// (`x[a + 1] - x[a]`) is computed once before that reverse loop, and only if the loop
/// runs: with `a = n − 1` the range is empty and `x[a + 1]` out of bounds.
#[differentiate(hessian)]
fn recomputed_once(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for a in 0..n {
        for r in a + 1..n {
            s += (x[a + 1] - x[a]) * x[r].sin();
        }
    }
    s
}

#[test]
fn recomputed_once_against_finite_differences_and_hessian() {
    check_slice_function!(recomputed_once, &[1.0, 2.0, 3.0, -0.5], 15);
}

/// A plain function of the user's in an inner loop's range.
fn last_index(n: usize) -> usize {
    n - 1
}

/// Its range reads only what the outer loop does not change, but a call of the user's is
/// not evaluated ahead of the outer loop to count its pushes: with `x` empty the outer loop
/// never runs, and `last_index(0)` would overflow.
#[differentiate(reverse)]
fn user_call_in_a_range(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..last_index(x.len()) {
            s = s * x[i] + x[j];
        }
    }
    s
}

#[test]
fn a_user_call_in_a_range_runs_only_where_the_user_runs_it() {
    assert_eq!(user_call_in_a_range::grad(&[]).0, 0.0);
    let x = [0.5, -1.0, 2.0];
    let (value, g) = user_call_in_a_range::grad(&x);
    assert_eq!(value, user_call_in_a_range(&x));
    assert_fd(user_call_in_a_range, &x, &g.x);
}

/// k-means' cost with a count of the distances computed: the reverse of
/// `closest.min(distance)` sends the gradient to one of the `k` distances, and the reverse
/// loops over the other `k − 1` (whose upstream gradient, and tangent, are zero) are
/// skipped. (Without the count, the loop would be searched first and only the winning
/// distance differentiated: `running_extrema_of_computed_candidates`.)
#[differentiate(hessian)]
fn nearest(c: &[f64]) -> f64 {
    let (d, k) = (2, c.len() / 2);
    let points = [0.3, -0.2, 1.1, 0.8, -0.7, 0.4, 0.9, -1.3];
    let mut cost = 0.0;
    let mut computed = 0.0;
    for i in 0..points.len() / d {
        let mut closest = f64::INFINITY;
        for j in 0..k {
            let mut distance = 0.0;
            for l in 0..d {
                let diff = c[j * d + l] - points[i * d + l];
                distance += diff * diff * (1.0 + 0.1 * diff);
            }
            closest = closest.min(distance);
            computed += 1.0;
        }
        cost += closest;
    }
    cost + 0.0 * computed
}

#[test]
fn skipped_reverse_loops_against_finite_differences_and_hessian() {
    let c = [0.1, 0.2, 1.0, 0.5, -0.5, -0.9];
    let (value, g) = nearest::grad(&c);
    assert_eq!(value, nearest(&c));
    assert_fd(nearest, &c, &g.c);
    check_hvp(
        |c| nearest::grad(c).1.c,
        |c, u| nearest::hvp(c, u).2.c,
        &c,
        31,
    );
    // A centroid infinitely far is never the closest: its gradient is zero (without the
    // skip it would be 0 · ∞, not a number).
    let far = [0.1, 0.2, 1.0, 0.5, f64::INFINITY, 0.0];
    let (_, g) = nearest::grad(&far);
    assert_eq!(&g.c[4..], &[0.0, 0.0]);
    assert!(g.c[..4].iter().all(|v| v.is_finite()));
}

/// Floats updated in a loop no backward rule inside reads: `inner` is defined just before
/// its loop, so its value there is saved nowhere; `outer`'s value before its loop is read
/// (by `outer * outer`), and `grown`'s by its own definition's rule (`exp` reads its
/// value), so each is saved once at its loop's entry and restored after it.
#[differentiate(hessian)]
fn running_sums(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        let mut inner = 0.0;
        for j in 0..=i {
            inner += x[j] * x[i - j];
        }
        total += inner.sin();
    }
    let mut outer = x[0] * 2.0;
    let square = outer * outer;
    for i in 1..x.len() {
        outer -= x[i] * 0.5;
    }
    let mut grown = x[1].exp();
    for i in 0..x.len() {
        grown += x[i] * x[i];
    }
    total + square * outer.cos() + grown.ln()
}

#[test]
fn unsaved_and_saved_loop_entries_against_finite_differences_and_hessian() {
    check_slice_function!(running_sums, &[0.3, -0.7, 1.1, 0.4, 0.9], 32);
}

// ------------------------------------------------------------------ running extrema
// A loop whose only work is `m = m.max(x[i])` records the iteration whose element it picked
// last (`m_at`) instead of saving `m` at every update; its reverse is one statement.

/// Log-sum-exp, stably from the maximum: GradBench's lse.
#[differentiate(hessian)]
fn log_sum_exp(x: &[f64]) -> f64 {
    let mut a = x[0];
    for i in 1..x.len() {
        a = a.max(x[i]);
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - a).exp();
    }
    s.ln() + a
}

#[test]
fn log_sum_exp_through_its_maximum() {
    let x = [0.3, 2.5, -1.0, 2.0, 0.7];
    check_slice_function!(log_sum_exp, &x, 41);
    // The gradient is the softmax.
    let (v, g) = log_sum_exp::grad(&x);
    let total: f64 = x.iter().map(|v| v.exp()).sum();
    assert_close(v, total.ln(), 1e-14);
    for (gi, xi) in g.x.iter().zip(&x) {
        assert_close(*gi, xi.exp() / total, 1e-14);
    }
    // Forward and reverse agree on the gradient (the dot-product test).
    let t = [0.5, -1.0, 0.25, 2.0, 1.5];
    let along: f64 = g.x.iter().zip(&t).map(|(a, b)| a * b).sum();
    assert_close(log_sum_exp::jvp(&x, &t).1, along, 1e-14);
}

/// Both operand orders, `fold` with a closure and with `f64::min`, an index that is not
/// the loop variable alone, and a bound from outside.
#[differentiate(hessian)]
fn extrema(x: &[f64], c: f64, row: usize, n: usize) -> f64 {
    let mut hi = c;
    for j in 0..n {
        hi = x[row * n + j].max(hi);
    }
    let top = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let low = x.iter().copied().fold(f64::INFINITY, f64::min);
    let mut first_low = x[0];
    for i in 1..x.len() {
        first_low = first_low.min(x[i]);
    }
    hi * hi + 3.0 * top - low + first_low * c
}

#[test]
fn running_extrema_route_to_the_element_picked_last() {
    let x = [0.5, 2.0, -1.0, 1.5, 2.0, -1.0];
    // hi over row 1 (1.5, 2.0, -1.0) from c = 0.25: x[4]; top: the first 2.0 (x[1]); low
    // and first_low: the first -1.0 (x[2]).
    let (v, g) = extrema::grad(&x, 0.25, 1, 3);
    assert_eq!(v, extrema(&x, 0.25, 1, 3));
    assert_eq!(g.x, vec![0.0, 3.0, -1.0 + 0.25, 0.0, 4.0, 0.0]);
    assert_eq!(g.c, -1.0);
    // `x[j].max(hi)` gives a tie to the element: x[4], not the equal c.
    let (_, g) = extrema::grad(&x, 2.0, 1, 3);
    assert_eq!(g.x[4], 4.0);
    assert_eq!(g.c, -1.0);
    // Nothing beats c: its gradient stays with it.
    let (_, g) = extrema::grad(&x, 5.0, 1, 3);
    assert_eq!(g.c, 10.0 - 1.0);
    assert_eq!(g.x[3..].to_vec(), vec![0.0, 0.0, 0.0]);
    // A NaN element is never picked, as `f64::max` skips it.
    let y = [0.5, f64::NAN, 0.75, 0.1];
    let (_, g) = extrema::grad(&y, 0.0, 0, 2);
    assert_eq!(g.x[0], 2.0 * 0.5);
    assert_eq!(g.x[2], 3.0);
    // Against finite differences and forward mode, and second order, away from ties.
    let x = [0.3, 1.7, -0.4, 0.9, 1.2, -0.8];
    let f = |x: &[f64]| extrema(x, 0.6, 1, 3);
    let (_, g) = extrema::grad(&x, 0.6, 1, 3);
    assert_fd(f, &x, &g.x);
    let t = [0.5, -1.0, 0.25, 2.0, 1.5, -0.5];
    let along: f64 = g.x.iter().zip(&t).map(|(a, b)| a * b).sum();
    assert_close(extrema::jvp(&x, 0.6, 1, 3, &t, 0.0).1, along, 1e-14);
    check_hvp(
        |x| extrema::grad(x, 0.6, 1, 3).1.x,
        |x, u| extrema::hvp(x, 0.6, 1, 3, u, 0.0).2.x,
        &x,
        43,
    );
}

/// The maximum's value read before the loop changes it (restored after its reverse), and
/// a running maximum inside another loop (reversed iteration by iteration, as any loop).
#[differentiate(hessian)]
fn row_maxima(x: &[f64], n: usize) -> f64 {
    let mut m = x[0];
    let before = m * m;
    for i in 1..x.len() {
        m = m.max(x[i]);
    }
    let mut s = 0.0;
    for r in 0..x.len() / n {
        let mut best = x[r * n];
        for j in 1..n {
            best = best.max(x[r * n + j]);
        }
        s += best * best;
    }
    before * m + s
}

#[test]
fn running_maxima_read_before_and_nested() {
    let x = [0.3, 1.7, -0.4, 0.9, 1.2, -0.8];
    let (v, g) = row_maxima::grad(&x, 3);
    assert_eq!(v, row_maxima(&x, 3));
    assert_fd(|x| row_maxima(x, 3), &x, &g.x);
    check_hvp(
        |x| row_maxima::grad(x, 3).1.x,
        |x, u| row_maxima::hvp(x, 3, u).2.x,
        &x,
        47,
    );
}

/// Running extrema in a branch and in a `while` loop: the record of each run is saved like
/// any value of its block.
#[differentiate(hessian)]
fn extrema_in_blocks(x: &[f64], k: usize) -> f64 {
    let mut s = 0.0;
    if k > 1 {
        let mut m = x[0];
        for i in 1..k {
            m = m.min(x[i]);
        }
        s += m * m;
    }
    let mut r = 0;
    while r < 3 {
        let mut top = f64::NEG_INFINITY;
        for j in r..x.len() {
            top = top.max(x[j]);
        }
        s += top * x[r];
        r += 1;
    }
    s
}

#[test]
fn running_extrema_in_a_branch_and_a_while_loop() {
    let x = [0.3, 1.7, -0.4, 0.9, 1.2, -0.8];
    for k in [0, 3, 6] {
        let (v, g) = extrema_in_blocks::grad(&x, k);
        assert_eq!(v, extrema_in_blocks(&x, k));
        assert_fd(|x| extrema_in_blocks(x, k), &x, &g.x);
        check_hvp(
            |x| extrema_in_blocks::grad(x, k).1.x,
            |x, u| extrema_in_blocks::hvp(x, k, u).2.x,
            &x,
            53 + k as u64,
        );
    }
    // Exactly: each `top` is 1.7 (x[1]) for r = 0, 1, then 1.2 (x[4]) for r = 2; m over
    // x[..3] is -0.4 (x[2]).
    let (_, g) = extrema_in_blocks::grad(&x, 3);
    let expected = [1.7, 1.7 + 0.3 + 1.7, 2.0 * -0.4 + 1.2, 0.0, -0.4, 0.0];
    for (got, want) in g.x.iter().zip(expected) {
        assert_close(*got, want, 1e-15);
    }
}

// -------------------------------------------- running extrema of computed candidates
// `closest = closest.min(distance)` after computing `distance`: a search without
// derivatives, then the winning iteration once more with them.

/// k-means' cost: each point's squared distance to its nearest centroid.
#[differentiate(hessian, wrt(c))]
fn nearest_centroid(p: &[f64], c: &[f64], d: usize) -> f64 {
    let n = p.len() / d;
    let k = c.len() / d;
    let mut cost = 0.0;
    for i in 0..n {
        let mut closest = f64::INFINITY;
        for j in 0..k {
            let mut distance = 0.0;
            for l in 0..d {
                let diff = c[j * d + l] - p[i * d + l];
                distance += diff * diff;
            }
            closest = closest.min(distance);
        }
        cost += closest;
    }
    cost
}

/// The other operand order, a maximum, a start that is not 0, a weight from before the
/// loop, and a loop that changes a value from outside (counted), which is not rewritten.
#[differentiate(hessian)]
fn farthest(x: &[f64], w: f64, from: usize) -> f64 {
    let mut far = -1.0;
    for j in from..x.len() {
        let t = x[j] * w;
        let score = t * t - x[j];
        far = score.max(far);
    }
    let mut near = f64::INFINITY;
    let mut count = 0.0;
    for j in 0..x.len() {
        let s = (x[j] - w).abs();
        count += 1.0;
        near = near.min(s * count);
    }
    far + near * w
}

#[test]
fn running_extrema_of_computed_candidates() {
    // Two points, three centroids in 2-D.
    let p = [0.0, 0.0, 1.0, 1.0];
    let c = [0.1, 0.2, 2.0, 2.0, 0.9, 1.3];
    let (v, g) = nearest_centroid::grad(&p, &c, 2);
    assert_eq!(v, nearest_centroid(&p, &c, 2));
    // Point 0 is nearest centroid 0, point 1 centroid 2: 2 (c - p) on those only.
    let want = [0.2, 0.4, 0.0, 0.0, 2.0 * (0.9 - 1.0), 2.0 * (1.3 - 1.0)];
    for (got, want) in g.c.iter().zip(want) {
        assert_close(*got, want, 1e-15);
    }
    assert_fd(|c| nearest_centroid(&p, c, 2), &c, &g.c);
    check_hvp(
        |c| nearest_centroid::grad(&p, c, 2).1.c,
        |c, u| nearest_centroid::hvp(&p, c, 2, u).2.c,
        &c,
        61,
    );
    // A tie keeps the first centroid; a NaN distance is never picked.
    let tied = [1.0, 0.0, -1.0, 0.0];
    let (_, g) = nearest_centroid::grad(&[0.0, 0.0], &tied, 2);
    assert_eq!(g.c, vec![2.0, 0.0, 0.0, 0.0]);
    let nan = [f64::NAN, 0.0, 0.5, 0.0];
    let (v, g) = nearest_centroid::grad(&[0.0, 0.0], &nan, 2);
    assert_eq!(v, 0.25);
    assert_eq!(g.c[2..].to_vec(), vec![1.0, 0.0]);
    // No centroid: the minimum stays infinite, and no gradient flows.
    let (v, g) = nearest_centroid::grad(&[0.0, 0.0], &[], 2);
    assert_eq!(v, f64::INFINITY);
    assert!(g.c.is_empty());

    let x = [0.3, -1.2, 0.8, 1.9, -0.4];
    for from in [0, 2, 5] {
        let (v, g) = farthest::grad(&x, 0.7, from);
        assert_eq!(v, farthest(&x, 0.7, from));
        assert_fd(|x| farthest(x, 0.7, from), &x, &g.x);
        let fd_w = (farthest(&x, 0.7 + 1e-6, from) - farthest(&x, 0.7 - 1e-6, from)) / 2e-6;
        assert_close(g.w, fd_w, 1e-6);
        let t = [0.5, -1.0, 0.25, 2.0, 1.5];
        let along: f64 = g.x.iter().zip(&t).map(|(a, b)| a * b).sum();
        assert_close(farthest::jvp(&x, 0.7, from, &t, 0.0).1, along, 1e-13);
        check_hvp(
            |x| farthest::grad(x, 0.7, from).1.x,
            |x, u| farthest::hvp(x, 0.7, from, u, 0.0).2.x,
            &x,
            67 + from as u64,
        );
    }
}

/// A running maximum of integers in the same shape (searched first too; no derivative).
#[differentiate]
fn longest_run(x: &[f64], widths: &[usize]) -> f64 {
    let mut widest = 0;
    for j in 0..widths.len() {
        let w = widths[j] * 2;
        widest = widest.max(w);
    }
    let mut best = f64::NEG_INFINITY;
    for j in 0..x.len() {
        let scaled = x[j] * widest as f64;
        best = scaled.max(best);
    }
    best
}

#[test]
fn running_maximum_of_integers_beside_floats() {
    let (v, g) = longest_run::grad(&[0.5, 2.0, -1.0], &[1, 3, 2]);
    assert_eq!(v, 12.0);
    assert_eq!(g.x, vec![0.0, 6.0, 0.0]);
}

/// A candidate computed in the update itself (`x[i] * w`): searched first too.
#[differentiate(hessian)]
fn scaled_max(x: &[f64], w: f64) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for i in 0..x.len() {
        m = m.max(x[i] * w - x[i] * x[i]);
    }
    m * w
}

#[test]
fn running_maximum_of_an_expression() {
    let x = [0.3, -1.2, 0.8, 1.9, -0.4];
    let (v, g) = scaled_max::grad(&x, 1.5);
    assert_eq!(v, scaled_max(&x, 1.5));
    assert_fd(|x| scaled_max(x, 1.5), &x, &g.x);
    // x[2] wins: 0.8 * 1.5 - 0.64 = 0.56.
    assert_close(g.x[2], 1.5 * (1.5 - 1.6), 1e-15);
    assert_close(g.w, 0.56 + 1.5 * 0.8, 1e-15);
    check_hvp(
        |x| scaled_max::grad(x, 1.5).1.x,
        |x, u| scaled_max::hvp(x, 1.5, u, 0.0).2.x,
        &x,
        71,
    );
}

/// Row views (`&c[j * d..(j + 1) * d]`), as k-means is written with them: read through the
/// sequence itself, so the gradient goes straight into `c`'s (no copy per row).
#[differentiate(hessian, wrt(c))]
fn nearest_rows(p: &[f64], c: &[f64], d: usize) -> f64 {
    let k = c.len() / d;
    let mut cost = 0.0;
    for i in 0..p.len() / d {
        let point = &p[i * d..(i + 1) * d];
        let mut closest = f64::INFINITY;
        for j in 0..k {
            let centroid: &[f64] = &c[j * d..(j + 1) * d];
            let mut distance = 0.0;
            for l in 0..centroid.len() {
                let diff = centroid[l] - point[l];
                distance += diff * diff;
            }
            closest = closest.min(distance);
        }
        cost += closest.sqrt();
    }
    cost
}

/// Views from the start (`&x[..h]`, read through `x`), views whose bound changes later
/// (`m`: left as owned views, as is one passed on whole and one iterated).
#[differentiate(hessian)]
fn windows_of(x: &[f64]) -> f64 {
    let h = x.len() / 2;
    let head = &x[..h];
    let mut s = 0.0;
    for i in 0..head.len() {
        s += head[i] * head[head.len() - 1 - i];
    }
    // A view of a view: the outer one is then left a copy.
    let outer = &x[1..];
    let inner = &outer[1..3];
    s += inner[0] * outer[0] - inner[1];
    let mut m = h;
    let mid = &x[m - 1..m + 1];
    s += (mid[0] * mid[1]).sin();
    m += 1;
    let tail = &x[m..];
    s += tail.iter().map(|t| t * t).sum::<f64>() + sum_of_squares(tail);
    s * x[m - 1]
}

/// A view whose end is an expression (`n / 2`), measured inside a larger expression:
/// `head.len().min(3)` is `(n / 2).min(3)`.
#[differentiate(hessian)]
fn measured_view(x: &[f64]) -> f64 {
    let n = x.len();
    let head = &x[..n / 2];
    let mut s = 0.0;
    for i in 0..head.len().min(3) {
        s += head[i] * head[i];
    }
    s
}

#[test]
fn row_views_against_finite_differences_and_hessian() {
    let (d, k) = (3, 4);
    let p = Points::new(81).vec(5 * d, -1.0, 1.0);
    let c = Points::new(82).vec(k * d, -1.0, 1.0);
    let (value, g) = nearest_rows::grad(&p, &c, d);
    assert_eq!(value, nearest_rows(&p, &c, d));
    assert_fd(|c| nearest_rows(&p, c, d), &c, &g.c);
    check_hvp(
        |c| nearest_rows::grad(&p, c, d).1.c,
        |c, u| nearest_rows::hvp(&p, c, d, u).2.c,
        &c,
        83,
    );
    let x = Points::new(84).vec(9, -1.0, 1.0);
    check_slice_function!(windows_of, &x, 85);
    check_slice_function!(measured_view, &x, 86);
}

/// Reverse loops that run in forward order: the stage `t[i] = a[k + i] * x[i]` and the
/// update of `a[i + k]` touch one element of each gradient per iteration (their reverse
/// reads, resets and adds into `grad_t[i]` and `grad_a[k + i]` only). The recurrence
/// `a[i] += a[i - 1] * x[i]` reads the element the iteration before wrote, and the
/// shift `b[i + 1] += b[i] * x[i]` too: their reverses stay last iteration first. So does
/// the loop whose offset `j` changes as it runs (its elements may repeat), and the running
/// sum `a[i] += 0.5 * a[i - 1]`, which restores nothing but reads the gradient the iteration
/// after it (in the reverse, before it) adds into.
#[differentiate(hessian)]
fn reverse_order(x: &[f64], k: usize) -> f64 {
    let n = x.len();
    let mut a = vec![1.0; n + k];
    let mut t = vec![0.0; n];
    for _ in 0..2 {
        for i in 0..n {
            t[i] = a[k + i] * x[i];
        }
        for i in 0..n {
            a[i + k] += 0.5 * t[i] * t[i];
        }
        for i in 1..n {
            a[i] += a[i - 1] * x[i];
        }
    }
    let mut b = vec![0.5; n + 1];
    for i in 0..n {
        b[i + 1] += b[i] * x[i];
    }
    let mut j = 0;
    for i in 0..n - 1 {
        a[i + j] = a[i + j].sin() * x[i];
        j = (j + 1) % 2;
    }
    // Nothing to restore, but each iteration reads the gradient the next one adds into.
    for i in 1..n {
        a[i] += 0.5 * a[i - 1];
    }
    let mut s = b[n];
    for i in 0..n + k {
        s += a[i];
    }
    s
}

#[test]
fn reverse_order_against_finite_differences_and_hessian() {
    let mut p = Points::new(91);
    for (n, k) in [(1, 0), (4, 0), (6, 2), (7, 3)] {
        let x = p.vec(n, -1.0, 1.0);
        let (value, g) = reverse_order::grad(&x, k);
        assert_eq!(value, reverse_order(&x, k));
        assert_fd(|x| reverse_order(x, k), &x, &g.x);
        check_hvp(
            |x| reverse_order::grad(x, k).1.x,
            |x, u| reverse_order::hvp(x, k, u).2.x,
            &x,
            92,
        );
        // Forward mode agrees with reverse mode: ⟨∇f, u⟩ = J·u.
        let u = p.vec(n, -1.0, 1.0);
        let dot: f64 = g.x.iter().zip(&u).map(|(a, b)| a * b).sum();
        assert_close(reverse_order::jvp(&x, k, &u).1, dot, 1e-12);
    }
}

/// Elements read through a slicing (`x[1..][i]`, `m[r * 3..][c]`): elements of `x`, as a
/// view read in place is printed.
#[differentiate(hessian)]
fn sliced_reads(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n - 1 {
        s += x[1..][i] * x[..n - 1][i] + x[i..=i][0].sin();
    }
    s
}

/// The same through a row of a nested sequence: `m[r][1..][j]` is an element of `m`.
#[differentiate(reverse)]
fn sliced_rows(m: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for r in 0..m.len() {
        for j in 0..m[r].len() - 1 {
            s += m[r][1..][j] * m[r][..m[r].len() - 1][j];
        }
    }
    s
}

#[test]
fn sliced_reads_against_finite_differences_and_hessian() {
    let x = Points::new(93).vec(6, -1.0, 1.0);
    check_slice_function!(sliced_reads, &x, 94);
    let flat = Points::new(95).vec(8, -1.0, 1.0);
    let rows = |flat: &[f64]| vec![flat[..4].to_vec(), flat[4..].to_vec()];
    let (value, g) = sliced_rows::grad(&rows(&flat));
    assert_eq!(value, sliced_rows(&rows(&flat)));
    let g: Vec<f64> = g.m.concat();
    assert_fd(|flat| sliced_rows(&rows(flat)), &flat, &g);
}

/// A value in a loop (`c`) computed again in reverse from one in the block around it
/// (`t1`, after an early return), itself computed again from a third (`x0 * x1`): the
/// reverse computes all three.
#[differentiate(hessian)]
fn recomputed_through_blocks(x0: f64, x1: f64) -> f64 {
    if x0 > 0.5 {
        return x0;
    }
    let t1 = x0 * x1 + x1;
    let mut a = x0;
    for _ in 0..3 {
        let c = t1 * 2.0;
        a *= c.sin();
    }
    a
}

#[test]
fn recomputed_through_blocks_against_finite_differences_and_hessian() {
    for (x0, x1) in [(0.3, -0.7), (-0.4, 0.9), (0.8, 0.2)] {
        let (value, g) = recomputed_through_blocks::grad(x0, x1);
        assert_eq!(value, recomputed_through_blocks(x0, x1));
        let f = |q: &[f64]| recomputed_through_blocks(q[0], q[1]);
        assert_fd(f, &[x0, x1], &[g.x0, g.x1]);
        let (_, _, hv) = recomputed_through_blocks::hvp(x0, x1, 1.0, -0.5);
        let h = recomputed_through_blocks::hessian(x0, x1).2;
        assert_close(hv.x0, h[0].x0 - 0.5 * h[1].x0, 1e-9);
    }
}

/// Running extrema whose index is found after the loop from the final value: the gradient
/// must reach the element the loop's updates picked last, ties, NaNs and signed zeros
/// included, exactly as recording the index at every update would.
#[differentiate(reverse)]
fn running_max_from(x: &[f64], m0: f64) -> f64 {
    let mut m = m0;
    for i in 0..x.len() {
        m = m.max(x[i]);
    }
    m
}

#[differentiate(reverse)]
fn running_min_from(x: &[f64], m0: f64) -> f64 {
    let mut m = m0;
    for i in 1..x.len() {
        m = m.min(x[i]);
    }
    m
}

#[test]
fn running_extrema_pick_as_each_update_does() {
    let pool = [
        -1.0,
        0.0,
        -0.0,
        1.0,
        2.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut state = 12345u64;
    let mut next = |k: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % k
    };
    for _ in 0..20_000 {
        let n = next(7);
        let x: Vec<f64> = (0..n).map(|_| pool[next(pool.len())]).collect();
        let m0 = pool[next(pool.len())];
        for max in [true, false] {
            // The index each update records: `max` replaces `m` when `m` is NaN or smaller.
            let (mut m, mut at) = (m0, None);
            for (i, &v) in x.iter().enumerate().skip(if max { 0 } else { 1 }) {
                let replaces = m.is_nan() || if max { m < v } else { m > v };
                if replaces {
                    at = Some(i);
                }
                m = if max { m.max(v) } else { m.min(v) };
            }
            let (value, g) = if max {
                let (v, g) = running_max_from::grad(&x, m0);
                (v, (g.x, g.m0))
            } else {
                let (v, g) = running_min_from::grad(&x, m0);
                (v, (g.x, g.m0))
            };
            assert_eq!(value.to_bits(), m.to_bits(), "{x:?} {m0}");
            let mut expected = vec![0.0; n];
            let mut expected_m0 = 0.0;
            match at {
                Some(i) => expected[i] = 1.0,
                None => expected_m0 = 1.0,
            }
            assert_eq!(
                (g.0, g.1),
                (expected, expected_m0),
                "max {max}: {x:?} from {m0}"
            );
        }
    }
}

/// Reverse loops that end by adding into sums of their own (`sum_grad_u`, `sum_grad_w`:
/// dot products) run through `sum_lanes`, four partial sums; loops of every length from 0
/// to 9 here, so each count of terms left over after the last round of four is met. The
/// third loop adds into its sum before its last statement and the fourth adds into the
/// same sum twice: both keep the plain loop.
#[differentiate(hessian)]
fn dot_products(x: &[f64]) -> f64 {
    let n = x.len() / 2;
    let (u, w) = (&x[..n], &x[n..]);
    let mut s = 0.0;
    for a in 0..n {
        for r in a..n {
            s += u[a] * w[a] * u[r].sin();
        }
    }
    for a in 0..n {
        for r in 0..a {
            s += u[a] * u[a] * w[r];
        }
    }
    for a in 0..n {
        let mut t = 0.0;
        for r in a..n {
            t += u[a] * w[r];
            t *= 0.5;
        }
        s += t;
    }
    for a in 0..n {
        for r in a..n {
            s += u[a] * u[r];
            s += u[a].sin() * w[r];
        }
    }
    s
}

#[test]
fn dot_products_in_partial_sums_against_finite_differences_and_hessian() {
    let mut p = Points::new(15);
    let x = p.vec(18, -1.0, 1.0);
    check_slice_function!(dot_products, &x, 16);
}

/// Sines and cosines of one value (`Var::twin`): each one's reverse rule reads the other
/// (`grad_a += grad_s * c`) instead of computing `a.cos()` again. Inside a loop, where the
/// twin is then saved per iteration; written as `sin_cos`, as two `let`s, of an element
/// and, from the user's names, bound again from a tuple. The last loop's pair is split by
/// a branch and the one after by an assignment to the angle: neither is read for the other.
#[differentiate(hessian)]
fn rotations(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    let mut p = [1.0, 0.0];
    for i in 0..n {
        let (sn, cs) = x[i].sin_cos();
        p = [cs * p[0] - sn * p[1], sn * p[0] + cs * p[1]];
        let a = x[i] * p[1];
        let u = a.sin();
        let w = p[0] * u;
        let v = a.cos();
        s += w * v;
        let (sin, cos) = (x[(i + 1) % n].sin(), x[(i + 1) % n].cos());
        s += sin * cos * p[0];
    }
    for i in 0..n {
        let b = x[i] * 0.5;
        let u = b.sin();
        if u > 0.0 {
            s += u;
        }
        let v = b.cos();
        s += u * v;
    }
    let mut t = x[0];
    let u = t.sin();
    t *= 2.0;
    let v = t.cos();
    s + u * v
}

#[test]
fn rotations_read_each_others_twin_against_finite_differences_and_hessian() {
    let mut p = Points::new(17);
    let x = p.vec(5, -1.5, 1.5);
    check_slice_function!(rotations, &x, 18);
    // Forward mode keeps computing the other function: the same directional derivative.
    let u = p.vec(5, -1.0, 1.0);
    let g = rotations::grad(&x).1;
    let dot: f64 = g.x.iter().zip(&u).map(|(a, b)| a * b).sum();
    assert_close(rotations::jvp(&x, &u).1, dot, 1e-12);
}

/// A vector reassigned whole, given by value to a differentiated function, and updated
/// from itself: each assignment saves the value it destroys only where a rule reads it.
#[differentiate(hessian)]
fn rescaled(v: Vec<f64>, c: f64) -> Vec<f64> {
    let mut out = v;
    for i in 0..out.len() {
        out[i] *= c;
    }
    out
}

#[differentiate(hessian)]
fn vectors_reassigned(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    // The rule of `a` reads `v`: the next assignment saves it.
    let a = v[0] * v[1];
    v = vec![a, a * x[2], x[1]];
    // `v` given by value, read by a rule before: a copy is passed.
    let b = v[0] * v[2];
    v = rescaled(v, b);
    // Read by nothing before the next assignment: nothing saved there, then updated from
    // itself (the old value moved onto the stack after the new one is computed).
    v = vec![v[0].sin(), v[1], v[2]];
    v = vec![v[0] * v[1], v[1] * v[2], v[2]];
    let mut t = 0.0;
    for k in 0..3 {
        // Read and reassigned inside a loop: the value of the previous pass is read.
        let w = v[k] * v[(k + 1) % 3];
        v = vec![v[1] + w, v[2] * 0.5, v[0] - w];
        if w > 0.0 {
            t += w;
        } else {
            v[1] *= w;
        }
    }
    t + a + b + v[0] * v[2]
}

#[test]
fn vectors_reassigned_against_finite_differences_and_hessian() {
    let mut p = Points::new(47);
    for seed in 0..6 {
        let x = p.vec(3, -1.5, 1.5);
        check_slice_function!(vectors_reassigned, &x, 100 + seed);
    }
}

/// One step of a recurrence on a vector, read through a borrow.
#[differentiate(hessian)]
fn recurrence_step(y: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; y.len()];
    for i in 0..y.len() {
        out[i] = y[i] + 0.1 * x[i] * y[(i + 1) % y.len()].sin();
    }
    out
}

/// A vector reassigned from calls in a loop, one borrowing it and one taking it by value:
/// the reverse of `y = s;` takes the adjoint of `y` as that of `s` and resets it, so it is
/// copied (it was moved, and the reset did not compile).
#[differentiate(hessian)]
fn vectors_through_calls(x: &[f64]) -> f64 {
    let mut y = x.to_vec();
    for _ in 0..3 {
        y = recurrence_step(&y, x);
        y = rescaled(y, x[0]);
    }
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i] * y[i];
    }
    s
}

#[test]
fn vectors_through_calls_against_finite_differences_and_hessian() {
    let mut p = Points::new(53);
    for seed in 0..4 {
        let x = p.vec(4, -1.0, 1.0);
        check_slice_function!(vectors_through_calls, &x, 200 + seed);
    }
}

/// A fixed array assigned whole, in a branch, from its own elements (found by the random
/// functions): the new value's adjoint is taken before the old one's is reset and added
/// into (the contribution of `arr[3]` to itself was lost).
#[differentiate(hessian)]
fn own_elements_in_a_branch(x: &[f64]) -> f64 {
    let mut arr = [x[2].sin(), x[0], x[1] * x[2], x[0] * x[1]];
    if x[1] > -0.5 {
        arr = [(x[2] - x[1]).sin(), arr[2] - arr[1], 0.5 * arr[0], arr[3]];
    }
    let mut v = vec![x[0], x[1], x[2], 0.5];
    for _ in 0..2 {
        v = vec![v[1] * x[0], v[0], v[3] + x[2], v[2] * 0.5];
    }
    arr[3] * x[1] + arr[2] * x[0] + arr[1] * arr[0] + v[0] * v[2] + v[3]
}

#[test]
fn own_elements_in_a_branch_against_finite_differences_and_hessian() {
    let mut p = Points::new(59);
    for seed in 0..4 {
        let x = p.vec(3, -1.0, 1.0);
        check_slice_function!(own_elements_in_a_branch, &x, 300 + seed);
    }
}
