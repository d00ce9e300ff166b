//! Nested sequences: `Vec<Vec<f64>>`, `&[Vec<f64>]`, `&[[f64; N]]` and `[[f64; N]; M]` as
//! parameters (gradients of the same nesting) and locals, indexed `m[i][j]`, their rows
//! bound to names (`let row = &m[i];`, `for row in m.iter()`). Each gradient is checked
//! against central differences, forward mode (the dot-product test) and Hessians.

#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

mod common;
use backprop::differentiate;
use common::{Points, assert_close, assert_fd, check_hvp};

/// `m` as rows of `cols` values, from a flat vector.
fn rows(flat: &[f64], cols: usize) -> Vec<Vec<f64>> {
    flat.chunks(cols).map(<[f64]>::to_vec).collect()
}

fn flat(m: &[Vec<f64>]) -> Vec<f64> {
    m.concat()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

// ------------------------------------------------------------ `&[Vec<f64>]` and rows

/// ‖M x‖², the rows taken by `for row in m.iter()` and indexed `row[j]`.
#[differentiate(hessian)]
fn matvec_norm(m: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut total = 0.0;
    for row in m.iter() {
        let mut s = 0.0;
        for j in 0..row.len() {
            s += row[j] * x[j];
        }
        total += s * s;
    }
    total
}

#[test]
fn rows_of_a_slice_of_vecs() {
    let mut p = Points::new(1);
    let (m, x) = (rows(&p.vec(12, -1.0, 1.0), 4), p.vec(4, -1.0, 1.0));
    let (value, g) = matvec_norm::grad(&m, &x);
    assert_eq!(value, matvec_norm(&m, &x));
    assert_eq!(g.m.len(), 3);
    assert_eq!(g.m[0].len(), 4);
    assert_fd(|v| matvec_norm(&rows(v, 4), &x), &flat(&m), &flat(&g.m));
    assert_fd(|v| matvec_norm(&m, v), &x, &g.x);
    // Forward mode against reverse mode: ⟨∇f, (u, w)⟩ = the directional derivative.
    let (u, w) = (rows(&p.vec(12, -1.0, 1.0), 4), p.vec(4, -1.0, 1.0));
    let (v2, d) = matvec_norm::jvp(&m, &x, &u, &w);
    assert_eq!(v2, value);
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + dot(&g.x, &w), 1e-12);
    // Second order, in `m`.
    check_hvp(
        |v| flat(&matvec_norm::grad(&rows(v, 4), &x).1.m),
        |v, t| {
            let zero = vec![0.0; 4];
            flat(&matvec_norm::hvp(&rows(v, 4), &x, &rows(t, 4), &zero).2.m)
        },
        &flat(&m),
        2,
    );
}

/// `let row = &m[i];`, `m[i][j]` directly, `m.len()` and `m[0].len()`, with an
/// enumerated loop over the rows.
#[differentiate(hessian)]
fn quadratic_form(m: &Vec<Vec<f64>>, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        let row = &m[i];
        for j in 0..m[0].len() {
            s += x[i] * row[j] * x[j] + m[i][j] * m[j][i];
        }
    }
    for (i, r) in m.iter().enumerate() {
        s += r[i].sin();
    }
    s
}

#[test]
fn rows_bound_by_let_and_direct_double_indexing() {
    let mut p = Points::new(3);
    let (m, x) = (rows(&p.vec(9, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let (value, g) = quadratic_form::grad(&m, &x);
    assert_eq!(value, quadratic_form(&m, &x));
    assert_fd(|v| quadratic_form(&rows(v, 3), &x), &flat(&m), &flat(&g.m));
    assert_fd(|v| quadratic_form(&m, v), &x, &g.x);
    let (u, w) = (rows(&p.vec(9, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let d = quadratic_form::jvp(&m, &x, &u, &w).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| quadratic_form::grad(&m, v).1.x,
        |v, t| {
            let zero = vec![vec![0.0; 3]; 3];
            quadratic_form::hvp(&m, v, &zero, t).2.x
        },
        &x,
        4,
    );
}

/// A grid's discrete Laplacian, its sizes bound by `let` without a type (`let m =
/// grid[0].len();`, a row's length, was taken for the row used whole).
#[differentiate(hessian)]
fn laplacian_energy(grid: &[Vec<f64>]) -> f64 {
    let n = grid.len();
    let m = grid[0].len();
    let mut energy = 0.0;
    for i in 1..n - 1 {
        for j in 1..m - 1 {
            let l = grid[i - 1][j] + grid[i + 1][j] + grid[i][j - 1] + grid[i][j + 1]
                - 4.0 * grid[i][j];
            energy += l * l;
        }
    }
    let last = grid[n - 1].len();
    energy + grid[n - 1][last - 1].sin()
}

#[test]
fn a_rows_length_bound_by_let() {
    let mut p = Points::new(5);
    let g0 = rows(&p.vec(16, -1.0, 1.0), 4);
    let (value, g) = laplacian_energy::grad(&g0);
    assert_eq!(value, laplacian_energy(&g0));
    assert_fd(
        |v| laplacian_energy(&rows(v, 4)),
        &flat(&g0),
        &flat(&g.grid),
    );
    let u = rows(&p.vec(16, -1.0, 1.0), 4);
    let d = laplacian_energy::jvp(&g0, &u).1;
    assert_close(d, dot(&flat(&g.grid), &flat(&u)), 1e-12);
    check_hvp(
        |v| flat(&laplacian_energy::grad(&rows(v, 4)).1.grid),
        |v, t| flat(&laplacian_energy::hvp(&rows(v, 4), &rows(t, 4)).2.grid),
        &flat(&g0),
        6,
    );
}

// ------------------------------------------------------------ fixed-size nested arrays

/// A rotation-like product with `[[f64; 3]; 3]` by value and a `&[[f64; 2]]` of points.
#[differentiate(hessian)]
fn transformed(r: [[f64; 3]; 3], pts: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    for k in 0..pts.len() {
        for i in 0..3 {
            let y = r[i][0] * pts[k][0] + r[i][1] * pts[k][1] + r[i][2];
            s += y * y.cos();
        }
    }
    s
}

fn mat3(v: &[f64]) -> [[f64; 3]; 3] {
    [[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]]
}

fn pairs(v: &[f64]) -> Vec<[f64; 2]> {
    v.chunks(2).map(|c| [c[0], c[1]]).collect()
}

#[test]
fn fixed_size_nested_arrays() {
    let mut p = Points::new(5);
    let (r, pts) = (p.vec(9, -1.0, 1.0), p.vec(8, -1.0, 1.0));
    let (value, g) = transformed::grad(mat3(&r), &pairs(&pts));
    assert_eq!(value, transformed(mat3(&r), &pairs(&pts)));
    let g_r: [[f64; 3]; 3] = g.r;
    let g_pts: Vec<[f64; 2]> = g.pts;
    assert_fd(
        |v| transformed(mat3(v), &pairs(&pts)),
        &r,
        g_r.as_flattened(),
    );
    assert_fd(
        |v| transformed(mat3(&r), &pairs(v)),
        &pts,
        g_pts.as_flattened(),
    );
    let (u, w) = (p.vec(9, -1.0, 1.0), p.vec(8, -1.0, 1.0));
    let d = transformed::jvp(mat3(&r), &pairs(&pts), mat3(&u), &pairs(&w)).1;
    assert_close(
        d,
        dot(g_r.as_flattened(), &u) + dot(g_pts.as_flattened(), &w),
        1e-12,
    );
    check_hvp(
        |v| {
            transformed::grad(mat3(v), &pairs(&pts))
                .1
                .r
                .as_flattened()
                .to_vec()
        },
        |v, t| {
            let zero = pairs(&[0.0; 8]);
            transformed::hvp(mat3(v), &pairs(&pts), mat3(t), &zero)
                .2
                .r
                .as_flattened()
                .to_vec()
        },
        &r,
        6,
    );
}

// ------------------------------------------------------------ nested locals

/// An outer product written into a local `vec![vec![0.0; n]; n]`, updated in place, then
/// read nonlinearly; a `[[f64; 2]; 2]` local written element by element.
#[differentiate(hessian)]
fn outer_then_trace(x: &[f64]) -> f64 {
    let n = x.len();
    let mut t = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            t[i][j] = x[i] * x[j];
        }
    }
    for i in 0..n {
        t[i][i] += x[i].sin();
        t[i][0] *= 1.5;
    }
    let mut small = [[0.0; 2]; 2];
    small[0][1] = t[0][1] * x[1];
    small[1][0] = small[0][1] + t[1][1];
    let mut s = small[1][0].exp();
    for row in t.iter() {
        for &v in row.iter() {
            s += v * v;
        }
    }
    s
}

#[test]
fn nested_locals_written_and_read() {
    let x = [0.3, -0.7, 1.1];
    let (value, g) = outer_then_trace::grad(&x);
    assert_eq!(value, outer_then_trace(&x));
    assert_fd(outer_then_trace, &x, &g.x);
    check_hvp(
        |v| outer_then_trace::grad(v).1.x,
        |v, t| outer_then_trace::hvp(v, t).2.x,
        &x,
        7,
    );
    let u = [0.2, 0.5, -0.4];
    assert_close(outer_then_trace::jvp(&x, &u).1, dot(&g.x, &u), 1e-12);
}

/// Rows written through `iter_mut()` (enumerated, zipped, `&mut m`), a row's elements
/// through its own `iter_mut()`, and `Vec`s of rows built from copies (in forward mode,
/// each row's tangent copied too, or zeros of its shape).
#[differentiate(hessian)]
#[allow(clippy::useless_vec)]
fn rows_written_in_place(x: &[f64]) -> f64 {
    let mut m: Vec<Vec<f64>> = vec![x[..2].to_vec(), x[2..4].to_vec()];
    for (i, row) in m.iter_mut().enumerate() {
        for v in row.iter_mut() {
            *v = (*v * x[4]).tanh() + i as f64;
        }
    }
    let b = [x[4], 0.5];
    for (row, bi) in m.iter_mut().zip(b.iter()) {
        row[0] += bi * row[1];
    }
    for row in &mut m {
        row.iter_mut().for_each(|v| *v *= 0.75);
        row[1] = row[1].sin();
    }
    // Rows copied into a `Vec` of rows (its depth from its items), one a constant.
    let c = m[1].to_vec();
    let d = vec![m[0].to_vec(), c.clone(), vec![0.5, 2.0]];
    m[0][0] * m[1][1] - m[0][1] * m[1][0] + d[1][0] * d[0][1] + d[2][1] * d[0][0]
}

#[test]
fn rows_written_through_iter_mut() {
    let x = [0.7, -0.3, 1.2, 0.4, -0.9];
    let (value, g) = rows_written_in_place::grad(&x);
    assert_eq!(value, rows_written_in_place(&x));
    assert_fd(rows_written_in_place, &x, &g.x);
    check_hvp(
        |v| rows_written_in_place::grad(v).1.x,
        |v, t| rows_written_in_place::hvp(v, t).2.x,
        &x,
        11,
    );
    let u = [0.2, 0.5, -0.4, 0.1, 0.3];
    assert_close(rows_written_in_place::jvp(&x, &u).1, dot(&g.x, &u), 1e-12);
}

// ------------------------------------------------------------ calls and copies

#[differentiate(hessian)]
fn total_of_squares(m: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for row in m {
        for &v in row {
            s += v * v;
        }
    }
    s
}

/// A nested sequence passed to another differentiated function, and a copy of it written.
#[differentiate(hessian)]
fn scaled_copy(m: &[Vec<f64>], a: f64) -> f64 {
    let mut c = m.to_vec();
    for i in 0..c.len() {
        c[i][0] *= a;
    }
    total_of_squares(&c) + total_of_squares(m) * a
}

#[test]
fn nested_arguments_to_calls_and_copies() {
    let m = rows(&[0.5, -1.0, 2.0, 0.25, 1.5, -0.5], 3);
    let (value, g) = scaled_copy::grad(&m, 0.8);
    assert_eq!(value, scaled_copy(&m, 0.8));
    assert_fd(|v| scaled_copy(&rows(v, 3), 0.8), &flat(&m), &flat(&g.m));
    assert_fd(|v| scaled_copy(&m, v[0]), &[0.8], &[g.a]);
    let u = rows(&[0.1, 0.2, -0.3, 0.4, -0.5, 0.6], 3);
    let d = scaled_copy::jvp(&m, 0.8, &u, 0.7).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + g.a * 0.7, 1e-12);
    check_hvp(
        |v| flat(&scaled_copy::grad(&rows(v, 3), 0.8).1.m),
        |v, t| flat(&scaled_copy::hvp(&rows(v, 3), 0.8, &rows(t, 3), 0.0).2.m),
        &flat(&m),
        8,
    );
}

// ------------------------------------------------------------ iterator chains over rows

/// Chains over a row (`row.iter().zip(x)`), and over the rows themselves.
#[differentiate(hessian)]
fn row_chains(m: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for row in m.iter() {
        let d: f64 = row.iter().zip(x.iter()).map(|(a, b)| a * b).sum();
        s += d.tanh();
    }
    let corners: f64 = m.iter().map(|row| row[0] * row[row.len() - 1]).sum();
    s + corners
}

#[test]
fn iterator_chains_over_rows() {
    let mut p = Points::new(9);
    let (m, x) = (rows(&p.vec(12, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let (value, g) = row_chains::grad(&m, &x);
    assert_eq!(value, row_chains(&m, &x));
    assert_fd(|v| row_chains(&rows(v, 3), &x), &flat(&m), &flat(&g.m));
    assert_fd(|v| row_chains(&m, v), &x, &g.x);
    let (u, w) = (rows(&p.vec(12, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let d = row_chains::jvp(&m, &x, &u, &w).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| row_chains::grad(&m, v).1.x,
        |v, t| {
            let zero = vec![vec![0.0; 3]; 4];
            row_chains::hvp(&m, v, &zero, t).2.x
        },
        &x,
        10,
    );
}

// ------------------------------------------------------------ parts passed to calls

/// A callee taking slices: a row of a nested sequence, or a range of a flat one, is passed
/// to it as it is.
#[differentiate(hessian)]
fn weighted_dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for j in 0..a.len() {
        s += a[j] * b[j] * (1.0 + 0.5 * a[0]);
    }
    s
}

/// Rows passed by `&m[i]`, by a name from `for row in m.iter()`, and a range of a row.
#[differentiate(hessian)]
fn rows_to_calls(m: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        s += weighted_dot(&m[i], x).sin();
    }
    for row in m.iter() {
        s += weighted_dot(x, row) * weighted_dot(&row[1..], &x[..2]);
    }
    s
}

#[test]
fn rows_passed_to_calls() {
    let mut p = Points::new(21);
    let (m, x) = (rows(&p.vec(9, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let (value, g) = rows_to_calls::grad(&m, &x);
    assert_eq!(value, rows_to_calls(&m, &x));
    assert_fd(|v| rows_to_calls(&rows(v, 3), &x), &flat(&m), &flat(&g.m));
    assert_fd(|v| rows_to_calls(&m, v), &x, &g.x);
    let (u, w) = (rows(&p.vec(9, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let d = rows_to_calls::jvp(&m, &x, &u, &w).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| flat(&rows_to_calls::grad(&rows(v, 3), &x).1.m),
        |v, t| {
            let zero = vec![0.0; 3];
            flat(&rows_to_calls::hvp(&rows(v, 3), &x, &rows(t, 3), &zero).2.m)
        },
        &flat(&m),
        22,
    );
}

/// Sub-slices passed directly (`&x[1..4]`, `&x[..3]`, `&x[2..]`) and through a name
/// (`let s = &x[a..=b];`).
#[differentiate(hessian)]
fn ranges_to_calls(x: &[f64]) -> f64 {
    let head = &x[0..=2];
    let a = weighted_dot(&x[1..4], head);
    let b = weighted_dot(&x[..3], &x[2..]);
    a * b + weighted_dot(head, head)
}

/// Rows of a local nested sequence passed to calls, then overwritten: the backward pass
/// still sees the rows the calls read.
#[differentiate(hessian)]
fn local_rows_to_calls(x: &[f64]) -> f64 {
    let mut m = vec![vec![0.0; 3]; 2];
    for j in 0..3 {
        m[0][j] = x[j] * x[j];
        m[1][j] = x[j + 1].sin();
    }
    let mut s = weighted_dot(&m[0], &m[1]);
    m[0][0] = 3.0 * x[0];
    m[1][2] = x[3] * x[0];
    s += weighted_dot(&m[0], &m[1][..]);
    s
}

#[test]
fn ranges_and_local_rows_passed_to_calls() {
    let mut p = Points::new(23);
    let x = p.vec(5, -1.0, 1.0);
    let (value, g) = ranges_to_calls::grad(&x);
    assert_eq!(value, ranges_to_calls(&x));
    assert_fd(ranges_to_calls, &x, &g.x);
    let w = p.vec(5, -1.0, 1.0);
    assert_close(ranges_to_calls::jvp(&x, &w).1, dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| ranges_to_calls::grad(v).1.x,
        |v, t| ranges_to_calls::hvp(v, t).2.x,
        &x,
        24,
    );
    let (value, g) = local_rows_to_calls::grad(&x);
    assert_eq!(value, local_rows_to_calls(&x));
    assert_fd(local_rows_to_calls, &x, &g.x);
    assert_close(local_rows_to_calls::jvp(&x, &w).1, dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| local_rows_to_calls::grad(v).1.x,
        |v, t| local_rows_to_calls::hvp(v, t).2.x,
        &x,
        25,
    );
}

/// Rows copied (`m[1].clone()`, `row.to_vec()`, `&m[2][1..]`) and iterated without a name
/// (`m[0].iter()`).
#[differentiate(hessian)]
fn rows_copied_and_iterated(m: &[Vec<f64>]) -> f64 {
    let row = &m[0];
    let mut c = m[1].clone();
    c[0] *= 2.0;
    let d = row.to_vec();
    let e: &[f64] = &m[2][1..];
    let first: f64 = m[0].iter().sum();
    let waves: f64 = m[1].iter().map(|v| v.sin()).sum();
    first * weighted_dot(&c, &d) + weighted_dot(e, &d[1..]) + waves
}

#[test]
fn rows_copied_and_iterated_without_a_name() {
    let mut p = Points::new(27);
    let m = rows(&p.vec(9, -1.0, 1.0), 3);
    let (value, g) = rows_copied_and_iterated::grad(&m);
    assert_eq!(value, rows_copied_and_iterated(&m));
    assert_fd(
        |v| rows_copied_and_iterated(&rows(v, 3)),
        &flat(&m),
        &flat(&g.m),
    );
    let u = rows(&p.vec(9, -1.0, 1.0), 3);
    let d = rows_copied_and_iterated::jvp(&m, &u).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)), 1e-12);
    check_hvp(
        |v| flat(&rows_copied_and_iterated::grad(&rows(v, 3)).1.m),
        |v, t| flat(&rows_copied_and_iterated::hvp(&rows(v, 3), &rows(t, 3)).2.m),
        &flat(&m),
        28,
    );
}

// ------------------------------------------------------------ growing a nested sequence

/// Rows pushed onto a nested `Vec` in a loop (a local row) and after it (`vec![..]`).
#[differentiate(hessian)]
fn pushed_rows(x: &[f64]) -> f64 {
    let mut m: Vec<Vec<f64>> = Vec::new();
    for i in 0..x.len() - 1 {
        let mut r = vec![0.0; 2];
        r[0] = x[i] * x[i + 1];
        r[1] = x[i].sin();
        m.push(r);
    }
    m.push(vec![x[0], 2.0 * x[1]]);
    let mut s = 0.0;
    for i in 0..m.len() {
        s += m[i][0] * m[i][1] + weighted_dot(&m[i], x);
    }
    s
}

/// A three-level sequence grown by pushing two-level rows.
#[differentiate(hessian)]
fn pushed_blocks(x: &[f64]) -> f64 {
    let mut t: Vec<Vec<Vec<f64>>> = Vec::new();
    for k in 0..2 {
        let a = x[k] * x[k + 1];
        let mut block = vec![vec![1.0; 2]; 2];
        block[0][0] = a;
        block[0][1] = x[k].cos();
        block[1][1] = a * a;
        t.push(block);
    }
    let mut s = 0.0;
    for k in 0..t.len() {
        s += t[k][0][0] * t[k][1][1] - t[k][0][1] * t[k][1][0];
    }
    s
}

#[test]
fn rows_pushed_onto_nested_vecs() {
    let mut p = Points::new(29);
    let x = p.vec(4, -1.0, 1.0);
    let w = p.vec(4, -1.0, 1.0);
    let (value, g) = pushed_rows::grad(&x);
    assert_eq!(value, pushed_rows(&x));
    assert_fd(pushed_rows, &x, &g.x);
    assert_close(pushed_rows::jvp(&x, &w).1, dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| pushed_rows::grad(v).1.x,
        |v, t| pushed_rows::hvp(v, t).2.x,
        &x,
        30,
    );
    let (value, g) = pushed_blocks::grad(&x);
    assert_eq!(value, pushed_blocks(&x));
    assert_fd(pushed_blocks, &x, &g.x);
    assert_close(pushed_blocks::jvp(&x, &w).1, dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| pushed_blocks::grad(v).1.x,
        |v, t| pushed_blocks::hvp(v, t).2.x,
        &x,
        31,
    );
}

// ------------------------------------------------------------ nested literals

/// Nested literals whose elements carry a derivative: a rotation `[[c, -s], [s, c]]` and a
/// `vec![vec![..], vec![..]]`.
#[differentiate(hessian)]
#[allow(clippy::useless_vec)]
fn rotated(x: f64, y: f64, t: f64) -> f64 {
    let (c, s) = (t.cos(), t.sin());
    let r: [[f64; 2]; 2] = [[c, -s], [s, c]];
    let m = vec![vec![x, x * y], vec![1.0, y]];
    let p = [r[0][0] * x + r[0][1] * y, r[1][0] * x + r[1][1] * y];
    p[0] * m[0][1] + p[1] * p[1] * m[1][1] + m[0][0]
}

#[test]
fn nested_literals_of_values_that_carry_a_derivative() {
    let (x, y, t) = (0.7, -1.2, 0.4);
    let (value, g) = rotated::grad(x, y, t);
    assert_eq!(value, rotated(x, y, t));
    assert_fd(|v| rotated(v[0], v[1], v[2]), &[x, y, t], &[g.x, g.y, g.t]);
    let d = rotated::jvp(x, y, t, 0.3, -0.5, 0.9).1;
    assert_close(d, g.x * 0.3 - g.y * 0.5 + g.t * 0.9, 1e-12);
    check_hvp(
        |v| {
            let g = rotated::grad(v[0], v[1], v[2]).1;
            vec![g.x, g.y, g.t]
        },
        |v, u| {
            let h = rotated::hvp(v[0], v[1], v[2], u[0], u[1], u[2]).2;
            vec![h.x, h.y, h.t]
        },
        &[x, y, t],
        32,
    );
}

/// A nested `Vec` extended by the rows of a local and of a parameter, and by a row copied.
#[differentiate(hessian)]
fn extended_rows(x: &[f64], base: &[Vec<f64>]) -> f64 {
    let mut m: Vec<Vec<f64>> = Vec::new();
    let mut a = vec![vec![0.0; 2]; 2];
    a[0][0] = x[0] * x[1];
    a[1][1] = x[2].sin();
    m.extend(a.iter().cloned());
    m.extend_from_slice(base);
    m.push(base[0].clone());
    let mut s = 0.0;
    for r in m.iter() {
        s += r[0] * r[1] + r[0] * x[0];
    }
    s
}

#[test]
fn nested_vecs_extended_by_rows() {
    let mut p = Points::new(33);
    let (x, base) = (p.vec(3, -1.0, 1.0), rows(&p.vec(4, -1.0, 1.0), 2));
    let (value, g) = extended_rows::grad(&x, &base);
    assert_eq!(value, extended_rows(&x, &base));
    assert_fd(|v| extended_rows(v, &base), &x, &g.x);
    assert_fd(
        |v| extended_rows(&x, &rows(v, 2)),
        &flat(&base),
        &flat(&g.base),
    );
    let (w, u) = (p.vec(3, -1.0, 1.0), rows(&p.vec(4, -1.0, 1.0), 2));
    let d = extended_rows::jvp(&x, &base, &w, &u).1;
    assert_close(d, dot(&g.x, &w) + dot(&flat(&g.base), &flat(&u)), 1e-12);
    check_hvp(
        |v| extended_rows::grad(v, &base).1.x,
        |v, t| {
            let zero = vec![vec![0.0; 2]; 2];
            extended_rows::hvp(v, &base, t, &zero).2.x
        },
        &x,
        34,
    );
}

/// A Gaussian kernel matrix collected row by row from nested chains (`(0..n).map(|i|
/// (0..n).map(|j| ..).collect()).collect()` into a `let`'s `Vec<Vec<f64>>`, and the same by
/// turbofish, untyped): refused before (the outer chain over a range wrote each row into a
/// `vec![0.0; n]` of floats; the error pointed at the attribute).
#[differentiate(hessian)]
fn kernel_rows(x: &[f64]) -> f64 {
    let n = x.len();
    let k: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| (-(x[i] - x[j]).powi(2)).exp()).collect())
        .collect();
    let outer = x
        .iter()
        .map(|a| x.iter().map(|b| a * b).collect::<Vec<f64>>())
        .collect::<Vec<Vec<f64>>>();
    let mut s = 0.0;
    for i in 0..n {
        s += k[i][(i + 1) % n] * outer[i][0];
    }
    s + k.iter().map(|r| r.iter().sum::<f64>()).sum::<f64>()
}

#[test]
fn rows_collected_from_nested_chains() {
    let x = [0.3, -0.7, 1.1, 0.4];
    let (value, g) = kernel_rows::grad(&x);
    assert_eq!(value, kernel_rows(&x));
    assert_fd(kernel_rows, &x, &g.x);
    check_hvp(
        |v| kernel_rows::grad(v).1.x,
        |v, t| kernel_rows::hvp(v, t).2.x,
        &x,
        8,
    );
    let u = [0.2, 0.5, -0.4, 0.1];
    assert_close(kernel_rows::jvp(&x, &u).1, dot(&g.x, &u), 1e-12);
}

// ------------------------------------------------------------ lists of chunks

/// A flat vector's rows collected into a list (`Vec<&[f64]>`), then indexed and measured:
/// each chunk is read through its slicing of `x` (the last one shorter).
#[differentiate(hessian)]
fn chunk_list_indexed(x: &[f64]) -> f64 {
    let rows: Vec<&[f64]> = x.chunks(3).collect();
    let mut s = 0.0;
    for i in 0..rows.len() {
        s += rows[i][0] * rows[i][rows[i].len() - 1];
    }
    s
}

/// `chunks_exact` collected by turbofish, walked by `for p in &pts` and indexed.
#[differentiate(hessian)]
fn chunk_list_walked(x: &[f64]) -> f64 {
    let pts = x.chunks_exact(2).collect::<Vec<_>>();
    let mut s = 0.0;
    for p in &pts {
        s += (p[0] * p[0] + p[1] * p[1]).sqrt();
    }
    s + pts[0][1] * pts[pts.len() - 1][0]
}

/// The list walked by a chain, a chunk bound to a name and given to another
/// differentiated function.
#[differentiate(hessian)]
fn chunk_list_given(x: &[f64]) -> f64 {
    let rows: Vec<&[f64]> = x.chunks(2).collect();
    let mut s: f64 = rows
        .iter()
        .map(|r| r.iter().map(|v| v.sin()).sum::<f64>())
        .sum();
    for i in 1..rows.len() {
        let r = rows[i];
        s += r[0] * rows[i - 1][1] + dot_of(rows[i], rows[0]).tanh();
    }
    s
}

#[differentiate(hessian)]
fn dot_of(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Value, central differences, the dot-product test against forward mode, and `hvp`.
macro_rules! check_chunk_list {
    ($f:ident, $x:expr, $v:expr, $seed:expr) => {{
        let (x, v): (&[f64], &[f64]) = ($x, $v);
        let (value, g) = $f::grad(x);
        assert_eq!(value, $f(x));
        assert_fd($f, x, &g.x);
        assert_close($f::jvp(x, v).1, dot(&g.x, v), 1e-12);
        check_hvp(|x| $f::grad(x).1.x, |x, u| $f::hvp(x, u).2.x, x, $seed);
    }};
}

#[test]
fn lists_of_chunks_read_through_their_slicings() {
    let mut points = Points::new(77);
    for n in [6, 7, 8] {
        let x = points.vec(n, -1.5, 1.5);
        let v = points.vec(n, -1.0, 1.0);
        check_chunk_list!(chunk_list_indexed, &x, &v, n as u64);
        check_chunk_list!(chunk_list_walked, &x, &v, 10 + n as u64);
        check_chunk_list!(chunk_list_given, &x, &v, 20 + n as u64);
    }
}

// ------------------------------------------------------------ rows swapped

/// Gaussian elimination with partial pivoting, the rows of a `Vec<Vec<f64>>` swapped by
/// `m.swap(k, p)` (each column's two elements) beside the right-hand side's `r.swap(k, p)`:
/// the sum of the solution of `A x = b`.
#[differentiate(hessian)]
fn pivoted_solve(a: &[f64], b: &[f64]) -> f64 {
    let n = b.len();
    let mut m: Vec<Vec<f64>> = (0..n).map(|i| a[i * n..(i + 1) * n].to_vec()).collect();
    let mut r = b.to_vec();
    for k in 0..n {
        let mut p = k;
        for i in k + 1..n {
            if m[i][k].abs() > m[p][k].abs() {
                p = i;
            }
        }
        m.swap(k, p);
        r.swap(k, p);
        for i in k + 1..n {
            let f = m[i][k] / m[k][k];
            for j in k..n {
                m[i][j] -= f * m[k][j];
            }
            r[i] -= f * r[k];
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut s = r[i];
        for j in i + 1..n {
            s -= m[i][j] * x[j];
        }
        x[i] = s / m[i][i];
    }
    x.iter().sum()
}

#[test]
fn rows_swapped_by_a_pivot() {
    // The first column's largest element is in the second row: every step pivots.
    let a = [0.1, 2.0, 1.0, 3.0, 1.0, 0.5, 1.0, -1.0, 2.0];
    let b = [0.5, -1.0, 2.0];
    let (value, g) = pivoted_solve::grad(&a, &b);
    assert_eq!(value, pivoted_solve(&a, &b));
    assert_fd(|a| pivoted_solve(a, &b), &a, &g.a);
    assert_fd(|b| pivoted_solve(&a, b), &b, &g.b);
    let (da, db) = ([0.3; 9], [1.0, -0.5, 0.25]);
    let (_, tangent) = pivoted_solve::jvp(&a, &b, &da, &db);
    assert_close(tangent, dot(&g.a, &da) + dot(&g.b, &db), 1e-12);
    let (_, _, hv) = pivoted_solve::hvp(&a, &b, &da, &db);
    let h = 1e-6;
    let shifted = |s: f64| {
        let a: Vec<f64> = a.iter().zip(&da).map(|(x, d)| x + s * d).collect();
        let b: Vec<f64> = b.iter().zip(&db).map(|(x, d)| x + s * d).collect();
        pivoted_solve::grad(&a, &b).1
    };
    let (up, down) = (shifted(h), shifted(-h));
    for k in 0..9 {
        assert_close(hv.a[k], (up.a[k] - down.a[k]) / (2.0 * h), 1e-5);
    }
}
