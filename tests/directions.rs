//! Forward mode along several directions at once (`jvps`): each column must equal `jvp`
//! along that direction bit for bit (the same operations, lane by lane), and the value
//! must be the function's.

#![deny(warnings)]
#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

use backprop::differentiate;

/// Rosenbrock over a slice: loops, powers, a sum.
#[differentiate(reverse, forward)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// A rotation by Euler angles applied to points, with a branch, `max`/`min`/`clamp`
/// (whose tangent rules pick a zero on one side), a local array, `sqrt`, division and a
/// running maximum.
#[differentiate(forward)]
fn rotate(angles: [f64; 3], points: &[f64], scale: f64, n: usize) -> Vec<f64> {
    let (sx, cx) = (angles[0].sin(), angles[0].cos());
    let (sy, cy) = (angles[1].sin(), angles[1].cos());
    let sz = angles[2].sin();
    let cz = angles[2].cos();
    let rot = [
        cz * cy,
        cz * sy * sx - sz * cx,
        cz * sy * cx + sz * sx,
        sz * cy,
        sz * sy * sx + cz * cx,
        sz * sy * cx - cz * sx,
        -sy,
        cy * sx,
        cy * cx,
    ];
    let mut out = vec![0.0; 3 * n];
    let mut biggest = 0.0;
    for v in 0..n {
        for r in 0..3 {
            let mut moved = 0.0;
            for k in 0..3 {
                moved += rot[3 * r + k] * points[3 * v + k];
            }
            out[3 * v + r] = if moved > 0.0 {
                moved.max(scale * 0.1)
            } else {
                moved.min(-scale).clamp(-2.0, scale)
            };
            biggest = f64::max(biggest, out[3 * v + r].abs());
        }
    }
    let norm = (biggest * biggest + 1.0).sqrt();
    for v in 0..3 * n {
        out[v] = out[v] / norm + 0.0 * scale;
    }
    out
}

/// Pushing onto a `Vec`, a nested `Vec`, a fixed array result.
#[differentiate(reverse, forward)]
fn grow(x: &[f64], y: f64) -> [f64; 2] {
    let mut acc = Vec::new();
    let mut rows = vec![vec![0.0; 2]; x.len()];
    for i in 0..x.len() {
        acc.push(x[i] * y);
        rows[i][0] = x[i].exp();
        rows[i][1] = acc[i] - y;
    }
    let mut s = [0.0, 1.0];
    for i in 0..x.len() {
        s[0] += rows[i][0] * rows[i][1];
        s[1] *= 1.0 + 0.1 * acc[i].tanh();
    }
    s
}

/// Calls: another differentiated function (its `jvp` once per direction) and a gate.
#[differentiate(forward)]
fn with_calls(x: &[f64], w: f64) -> f64 {
    let r = rosenbrock(&x[1..]);
    let g = backprop::sigmoid(w * r);
    let local = [x[0] * w, w];
    g + rosenbrock(&local) + rosenbrock(x)
}

/// A tuple result, in `f32`.
#[differentiate(forward)]
fn polar(r: f32, theta: f32) -> (f32, f32) {
    (r * theta.cos(), r * theta.sin())
}

/// A generic function: `jvps` is refused when called (see `tests/ui/jvps_generic.rs`), and
/// the rest works.
#[differentiate(forward)]
fn horner<T: backprop::Real>(x: T, c: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..c.len() {
        s = s * x + c[i];
    }
    s
}

fn directions(n: usize, k: usize) -> Vec<Vec<f64>> {
    // Deterministic directions, unit vectors among them.
    (0..k)
        .map(|j| {
            (0..n)
                .map(|i| match j % 3 {
                    0 => f64::from(u8::from(i == j % n)),
                    1 => ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0,
                    _ => 0.0,
                })
                .collect()
        })
        .collect()
}

#[test]
fn rosenbrock_columns_equal_jvp_bit_for_bit() {
    let x: Vec<f64> = (0..9).map(|i| 0.3 * i as f64 - 1.1).collect();
    let dirs = directions(x.len(), 5);
    let refs: [&[f64]; 5] = std::array::from_fn(|k| dirs[k].as_slice());
    let (value, columns) = rosenbrock::jvps(&x, refs);
    assert_eq!(value.to_bits(), rosenbrock(&x).to_bits());
    for k in 0..5 {
        let (v, t) = rosenbrock::jvp(&x, &dirs[k]);
        assert_eq!(v.to_bits(), value.to_bits());
        assert_eq!(columns[k].to_bits(), t.to_bits(), "direction {k}");
    }
    // Unit directions give the gradient's entries.
    let (_, g) = rosenbrock::grad(&x);
    for k in [0, 3] {
        let i = k % x.len();
        assert!((columns[k] - g.x[i]).abs() <= 1e-12 * g.x[i].abs().max(1.0));
    }
}

#[test]
fn rotated_points_columns_equal_jvp_bit_for_bit() {
    let points: Vec<f64> = (0..12).map(|i| ((i * 5) % 7) as f64 * 0.4 - 1.2).collect();
    let angles = [0.3, -0.7, 1.1];
    let dirs_a = [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.5, -0.25, 2.0],
    ];
    let dirs_p = directions(points.len(), 4);
    let dirs_s = [0.0, 0.0, 1.0, -0.5];
    let refs: [&[f64]; 4] = std::array::from_fn(|k| dirs_p[k].as_slice());
    for scale in [0.05, 0.8, 3.0] {
        let (value, columns) = rotate::jvps(angles, &points, scale, 4, dirs_a, refs, dirs_s);
        assert_eq!(value, rotate(angles, &points, scale, 4));
        for k in 0..4 {
            let (v, t) = rotate::jvp(angles, &points, scale, 4, dirs_a[k], &dirs_p[k], dirs_s[k]);
            assert_eq!(v, value);
            let (a, b): (Vec<u64>, Vec<u64>) = (
                columns[k].iter().map(|c| c.to_bits()).collect(),
                t.iter().map(|c| c.to_bits()).collect(),
            );
            assert_eq!(a, b, "scale {scale}, direction {k}");
        }
    }
}

#[test]
fn pushes_nested_vecs_and_array_results_per_direction() {
    let x = [0.2, -0.4, 0.9];
    let dirs = directions(3, 3);
    let refs: [&[f64]; 3] = std::array::from_fn(|k| dirs[k].as_slice());
    let (value, columns) = grow::jvps(&x, 1.3, refs, [1.0, 0.0, -2.0]);
    assert_eq!(value, grow(&x, 1.3));
    for k in 0..3 {
        let (_, t) = grow::jvp(&x, 1.3, &dirs[k], [1.0, 0.0, -2.0][k]);
        assert_eq!(
            columns[k].map(f64::to_bits),
            t.map(f64::to_bits),
            "direction {k}"
        );
    }
    // One direction (`LANES = 1`) is `jvp`.
    let (_, one) = grow::jvps(&x, 1.3, [&dirs[1][..]], [0.0]);
    assert_eq!(one[0], grow::jvp(&x, 1.3, &dirs[1], 0.0).1);
}

#[test]
fn calls_go_through_jvp_once_per_direction() {
    let x = [0.4, -0.3, 1.2, 0.7];
    let dirs = directions(4, 3);
    let refs: [&[f64]; 3] = std::array::from_fn(|k| dirs[k].as_slice());
    let (value, columns) = with_calls::jvps(&x, 0.9, refs, [0.0, 1.0, 0.5]);
    assert_eq!(value.to_bits(), with_calls(&x, 0.9).to_bits());
    for k in 0..3 {
        let (_, t) = with_calls::jvp(&x, 0.9, &dirs[k], [0.0, 1.0, 0.5][k]);
        assert_eq!(columns[k].to_bits(), t.to_bits(), "direction {k}");
    }
}

#[test]
fn tuple_results_in_f32() {
    let (value, columns) = polar::jvps(2.0, 0.5, [1.0, 0.0, 0.3], [0.0, 1.0, -0.2]);
    assert_eq!(value, polar(2.0, 0.5));
    assert_eq!(columns[0], polar::jvp(2.0, 0.5, 1.0, 0.0).1);
    assert_eq!(columns[1], polar::jvp(2.0, 0.5, 0.0, 1.0).1);
    assert_eq!(columns[2], polar::jvp(2.0, 0.5, 0.3, -0.2).1);
    // The generic function's other items still work.
    assert_eq!(horner::jvp(2.0, &[1.0, 0.0, 1.0], 1.0, &[0.0; 3]).1, 4.0);
}

#[test]
#[should_panic(expected = "the tangent `dot_x` has shape [2] but `x` has shape [3]")]
fn directions_of_the_wrong_shape_are_refused() {
    let short = [1.0, 0.0];
    rosenbrock::jvps(&[1.0, 2.0, 3.0], [&short[..], &[0.0, 0.0, 1.0][..]]);
}

/// Every kind of parameter: a float, arrays by value and by reference, a `Vec` by value and
/// by reference, a slice.
#[differentiate(reverse, forward)]
fn mixed(a: f64, b: [f64; 2], c: &[f64; 2], v: Vec<f64>, w: &Vec<f64>, s: &[f64]) -> Vec<f64> {
    let mut out = vec![a * b[0], c[1].sin() * b[1]];
    for i in 0..v.len() {
        out.push(v[i] * w[i] + s[i % s.len()] * a);
    }
    out
}

#[test]
fn jacfwd_and_jvps_agree_with_jvp_and_jacrev_for_every_parameter_kind() {
    let (a, b, c) = (0.7, [1.5, -0.5], [0.25, 2.0]);
    let (v, w, s) = (vec![0.1, 0.2, 0.3], vec![-1.0, 0.5, 2.0], [3.0, -2.0]);
    let (value, rows) = mixed::jacfwd(a, b, &c, v.clone(), &w, &s);
    assert_eq!(value, mixed(a, b, &c, v.clone(), &w, &s));
    let (_, by_rows) = mixed::jacrev(a, b, &c, v.clone(), &w, &s);
    assert_eq!(rows.len(), 5);
    // Input 9 of 12 (the first of `w`'s): a column of `jvp` along its unit direction, bit
    // for bit, and within rounding of the reverse rows.
    let unit = [1.0, 0.0, 0.0];
    let (_, column) = mixed::jvp(
        a,
        b,
        &c,
        v.clone(),
        &w,
        &s,
        0.0,
        [0.0; 2],
        &[0.0; 2],
        vec![0.0; 3],
        &unit.to_vec(),
        &[0.0; 2],
    );
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.w[0].to_bits(), column[i].to_bits(), "row {i}");
        let flat = |g: &mixed::Grad| -> Vec<f64> {
            let mut all = vec![g.a];
            all.extend(g.b.iter().chain(&g.c).chain(&g.v).chain(&g.w).chain(&g.s));
            all
        };
        for (x, y) in flat(row).into_iter().zip(flat(&by_rows[i])) {
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                "row {i}: {x} vs {y}"
            );
        }
    }
    // `jvps` along that unit and a second direction touching every parameter.
    let (v2, w2) = (vec![0.5, -1.0, 0.25], vec![1.0, 2.0, -0.5]);
    let (_, columns) = mixed::jvps(
        a,
        b,
        &c,
        v.clone(),
        &w,
        &s,
        [0.0, 1.0],
        [[0.0; 2], [0.5, -0.5]],
        [&[0.0; 2], &[1.0, 0.25]],
        [vec![0.0; 3], v2.clone()],
        [&unit.to_vec(), &w2],
        [&[0.0; 2][..], &[-1.0, 1.0][..]],
    );
    assert_eq!(columns[0], column);
    let (_, second) = mixed::jvp(
        a,
        b,
        &c,
        v.clone(),
        &w,
        &s,
        1.0,
        [0.5, -0.5],
        &[1.0, 0.25],
        v2,
        &w2,
        &[-1.0, 1.0],
    );
    assert_eq!(columns[1], second);
}
