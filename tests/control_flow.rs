//! Branches, early returns, loops with runtime bounds, mutation, slices and arrays.

// Index loops and plain assignments are the patterns under test.
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::ptr_arg
)]

mod common;
use backprop::differentiate;
use common::{Points, assert_close, assert_fd, check_hvp};

#[differentiate(reverse, forward)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        s += 100.0 * d * d + (1.0 - x[i]).powi(2);
    }
    s
}

#[test]
fn rosenbrock_over_a_slice() {
    let mut p = Points::new(1);
    for n in [2, 3, 7, 20] {
        let x = p.vec(n, -1.5, 1.5);
        let (v, g) = rosenbrock::grad(&x);
        assert_eq!(v, rosenbrock(&x));
        assert_eq!(g.x.len(), n);
        assert_fd(rosenbrock, &x, &g.x);
    }
    // The minimum.
    let (_, g) = rosenbrock::grad(&[1.0; 5]);
    assert_eq!(g.x, vec![0.0; 5]);
}

#[differentiate(reverse, forward)]
fn product(x: &[f64]) -> f64 {
    let mut p = 1.0;
    for &v in x {
        p *= v;
    }
    p
}

#[test]
fn product_of_a_slice() {
    let x = [1.5, -2.0, 0.5, 3.0];
    let (v, g) = product::grad(&x);
    assert_eq!(v, -4.5);
    assert_eq!(g.x, vec![-3.0, 2.25, -9.0, -1.5]);
    assert_fd(product, &x, &g.x);
}

#[differentiate(reverse, forward)]
fn horner(c: &[f64], x: f64) -> f64 {
    let mut acc = 0.0;
    for i in (0..c.len()).rev() {
        acc = acc * x + c[i];
    }
    acc
}

#[test]
fn horner_in_coefficients_and_x() {
    let c = [1.0, -2.0, 0.5, 3.0];
    let x = 0.7;
    let (v, g) = horner::grad(&c, x);
    let expected = 1.0 - 2.0 * x + 0.5 * x * x + 3.0 * x * x * x;
    assert_close(v, expected, 1e-15);
    assert_close(g.x, -2.0 + x + 9.0 * x * x, 1e-14);
    for (i, gc) in g.c.iter().enumerate() {
        assert_close(*gc, x.powi(i as i32), 1e-15);
    }
}

#[differentiate(reverse, forward)]
fn power_by_while(x: f64, n: u32) -> f64 {
    let mut r = 1.0;
    let mut k = 0;
    while k < n {
        r *= x;
        k += 1;
    }
    r
}

#[test]
fn x_to_the_n_by_a_while_loop() {
    for n in 0..6 {
        let (v, g) = power_by_while::grad(1.3, n);
        assert_close(v, 1.3f64.powi(n as i32), 1e-14);
        let expected = if n == 0 {
            0.0
        } else {
            n as f64 * 1.3f64.powi(n as i32 - 1)
        };
        assert_close(g.x, expected, 1e-14);
    }
}

#[differentiate(reverse, forward)]
fn halve_until_small(x: f64) -> f64 {
    // The exit depends on the differentiated value itself.
    let mut y = x;
    let mut steps = 0.0;
    while y.abs() > 1.0 {
        y = y * 0.5;
        steps += 1.0;
    }
    y * y + steps
}

#[test]
fn while_exit_depends_on_the_value() {
    for x in [0.5, 3.0, -7.0, 100.0] {
        let (_, g) = halve_until_small::grad(x);
        assert_fd(|v| halve_until_small(v[0]), &[x], &[g.x]);
    }
}

#[differentiate(reverse, forward)]
fn running_max(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 1..x.len() {
        m = m.max(x[i]);
    }
    m
}

#[test]
fn running_maximum_routes_to_the_winner() {
    let (v, g) = running_max::grad(&[1.0, 5.0, 2.0, 4.0]);
    assert_eq!(v, 5.0);
    assert_eq!(g.x, vec![0.0, 1.0, 0.0, 0.0]);
    // Ties: the earlier element keeps the gradient.
    let (_, g) = running_max::grad(&[3.0, 1.0, 3.0]);
    assert_eq!(g.x, vec![1.0, 0.0, 0.0]);
}

#[differentiate(reverse, forward)]
fn break_on_first(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
        if i == 0 {
            break;
        }
    }
    s
}

#[test]
fn loop_that_breaks_on_its_first_iteration() {
    let (v, g) = break_on_first::grad(&[3.0, 4.0, 5.0]);
    assert_eq!(v, 9.0);
    assert_eq!(g.x, vec![6.0, 0.0, 0.0]);
}

#[differentiate(reverse, forward)]
fn continues(x: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            continue;
        } else if x[i] > 2.0 {
            s += t * x[i];
            continue;
        }
        if i % 2 == 1 {
            s += x[i].sin();
            continue;
        }
        s += x[i] * x[i] * t;
    }
    s
}

#[test]
fn continue_in_several_branches() {
    let x = [0.5, -1.0, 3.0, 1.5, 1.2, 2.5, 0.3];
    let t = 0.7;
    let (_, g) = continues::grad(&x, t);
    let mut all = x.to_vec();
    all.push(t);
    let mut grad = g.x.clone();
    grad.push(g.t);
    assert_fd(|v| continues(&v[..7], v[7]), &all, &grad);
}

#[differentiate(reverse, forward)]
fn before_and_after_loop(x: f64, v: &[f64]) -> f64 {
    // `a` is made before a loop with a runtime bound and used after it.
    let a = x * x;
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * a;
    }
    s + a.sin()
}

#[test]
fn value_from_before_a_runtime_loop_gets_its_full_gradient() {
    let v = [0.5, 1.5, -0.25];
    let (_, g) = before_and_after_loop::grad(1.3, &v);
    let sum: f64 = v.iter().sum();
    assert_close(
        g.x,
        2.0 * 1.3 * sum + (1.3f64 * 1.3).cos() * 2.0 * 1.3,
        1e-14,
    );
    let (_, g0) = before_and_after_loop::grad(1.3, &[]);
    assert_close(g0.x, (1.3f64 * 1.3).cos() * 2.0 * 1.3, 1e-14);
}

#[differentiate(reverse, forward)]
fn return_from_nested(x: &[f64], limit: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            s += x[i] * x[j];
            if s > limit {
                return s * 2.0;
            }
        }
    }
    s - limit
}

#[test]
fn return_from_inside_a_nested_loop() {
    let x = [0.5, 1.0, 1.5];
    for limit in [0.1, 1.0, 3.2, 100.0] {
        let (v, g) = return_from_nested::grad(&x, limit);
        assert_eq!(v, return_from_nested(&x, limit));
        let mut all = x.to_vec();
        all.push(limit);
        let mut grad = g.x.clone();
        grad.push(g.limit);
        assert_fd(|v| return_from_nested(&v[..3], v[3]), &all, &grad);
    }
}

#[differentiate(reverse, forward)]
fn branches(x: f64, y: f64) -> f64 {
    let z = if x > y {
        x * y
    } else if x < 0.0 {
        -x
    } else {
        y.exp()
    };
    if z > 1.0 {
        return z.ln();
    }
    let w = z * 3.0;
    w + x
}

#[test]
fn if_else_chains_and_early_return() {
    let mut p = Points::new(9);
    for _ in 0..50 {
        let (x, y) = (p.next_f64(-2.0, 2.0), p.next_f64(-2.0, 2.0));
        let (v, g) = branches::grad(x, y);
        assert_eq!(v, branches(x, y));
        assert_fd(|v| branches(v[0], v[1]), &[x, y], &[g.x, g.y]);
    }
}

#[differentiate(reverse, forward)]
fn local_array(x: &[f64; 3], k: f64) -> f64 {
    let mut v = [0.0; 3];
    for i in 0..3 {
        v[i] = x[i] * k;
        if i > 0 {
            v[i] += v[i - 1] * v[i];
        }
    }
    v[0] + v[1] * v[2]
}

#[test]
fn local_arrays_written_in_a_loop() {
    let x = [0.5, -1.5, 2.0];
    let (_, g) = local_array::grad(&x, 1.3);
    let mut all = x.to_vec();
    all.push(1.3);
    let mut grad = g.x.to_vec();
    grad.push(g.k);
    assert_fd(|v| local_array(&[v[0], v[1], v[2]], v[3]), &all, &grad);
}

/// A local array whose elements are read only where the derivative is zero (the sign of
/// `copysign`): its gradient is never made, and the loop writing it adds nothing back.
#[differentiate(reverse, forward)]
#[allow(clippy::explicit_counter_loop)]
fn array_read_for_its_sign(x: f64) -> f64 {
    let t = x.sin();
    let mut a = x.cos();
    if a > -0.34 {
        let mut arr = [0.0; 4];
        let mut c = 0;
        for _ in 0..4 {
            arr[c] = (t + 0.3).sin();
            c += 1;
        }
        a -= (a * x) * 0.227_f64.copysign(arr[3]);
    }
    a
}

#[test]
fn array_read_only_for_its_sign() {
    for x in [-0.5, 0.3, -1.0, 2.5] {
        let (value, g) = array_read_for_its_sign::grad(x);
        assert_close(value, array_read_for_its_sign(x), 1e-14);
        assert_fd(|v| array_read_for_its_sign(v[0]), &[x], &[g.x]);
        let (_, dot) = array_read_for_its_sign::jvp(x, 1.0);
        assert_close(dot, g.x, 1e-12);
    }
}

#[differentiate(reverse, forward)]
fn vec_param(x: Vec<f64>, w: &Vec<f64>) -> f64 {
    let mut t = 0.0;
    for i in 0..x.len() {
        t = t * 0.5 + x[i] * w[i];
    }
    t
}

#[test]
fn vec_parameters() {
    let x = vec![0.5, 1.0, -2.0];
    let w = vec![1.5, -0.5, 0.25];
    let (_, g) = vec_param::grad(x.clone(), &w);
    let f = |v: &[f64]| vec_param(v[..3].to_vec(), &v[3..].to_vec());
    let mut all = x.clone();
    all.extend(&w);
    let mut grad = g.x.clone();
    grad.extend(&g.w);
    assert_fd(f, &all, &grad);
}

#[differentiate(reverse, forward)]
fn pair_product(v: &[f64]) -> f64 {
    v[0] * v[1] + v[1].sin()
}

/// A call that borrows a local the loop overwrites: the backward pass calls it again with
/// the values of its own iteration.
#[differentiate(reverse, forward)]
fn borrows_a_local(x: &[f64], a: f64) -> f64 {
    let mut v = vec![0.0; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        v[0] = x[i] * a;
        v[1] = x[i] + s;
        s += pair_product(&v);
    }
    let w = vec![s, a];
    s * pair_product(&w)
}

#[test]
fn calls_that_borrow_a_local() {
    let mut p = Points::new(77);
    for n in [0, 1, 4] {
        let x = p.vec(n, -1.0, 1.0);
        let a = p.next_f64(-1.0, 1.0);
        let (value, g) = borrows_a_local::grad(&x, a);
        assert_close(value, borrows_a_local(&x, a), 1e-14);
        let mut all = x.clone();
        all.push(a);
        let mut grad = g.x.clone();
        grad.push(g.a);
        assert_fd(|v| borrows_a_local(&v[..n], v[n]), &all, &grad);
    }
}

/// The dot-product test: forward mode along t and reverse mode from u agree,
/// u·(J t) = t·(Jᵀ u), at random points.
fn dot_test(
    n: usize,
    jvp: impl Fn(&[f64], &[f64]) -> f64,
    vjp: impl Fn(&[f64], f64) -> Vec<f64>,
    seed: u64,
) {
    let mut p = Points::new(seed);
    for _ in 0..20 {
        let x = p.vec(n, -1.5, 1.5);
        let t = p.vec(n, -1.0, 1.0);
        let u = p.next_f64(-2.0, 2.0);
        let jt = jvp(&x, &t);
        let g = vjp(&x, u);
        let right: f64 = t.iter().zip(&g).map(|(a, b)| a * b).sum();
        assert_close(u * jt, right, 1e-11);
    }
}

#[test]
fn forward_mode_agrees_with_reverse_mode() {
    dot_test(
        5,
        |x, t| rosenbrock::jvp(x, t).1,
        |x, u| rosenbrock::vjp(x).1(u).x,
        1,
    );
    dot_test(
        4,
        |x, t| product::jvp(x, t).1,
        |x, u| product::vjp(x).1(u).x,
        2,
    );
    dot_test(
        5,
        |x, t| horner::jvp(&x[..4], x[4], &t[..4], t[4]).1,
        |x, u| {
            let g = horner::vjp(&x[..4], x[4]).1(u);
            let mut out = g.c.clone();
            out.push(g.x);
            out
        },
        3,
    );
    for n in [0, 1, 4] {
        dot_test(
            1,
            |x, t| power_by_while::jvp(x[0], n, t[0]).1,
            |x, u| vec![power_by_while::vjp(x[0], n).1(u).x],
            4,
        );
    }
    dot_test(
        1,
        |x, t| halve_until_small::jvp(x[0] * 9.0, t[0]).1,
        |x, u| vec![halve_until_small::vjp(x[0] * 9.0).1(u).x],
        5,
    );
    dot_test(
        5,
        |x, t| running_max::jvp(x, t).1,
        |x, u| running_max::vjp(x).1(u).x,
        6,
    );
    dot_test(
        3,
        |x, t| break_on_first::jvp(x, t).1,
        |x, u| break_on_first::vjp(x).1(u).x,
        7,
    );
    dot_test(
        8,
        |x, t| continues::jvp(&x[..7], x[7], &t[..7], t[7]).1,
        |x, u| {
            let g = continues::vjp(&x[..7], x[7]).1(u);
            let mut out = g.x.clone();
            out.push(g.t);
            out
        },
        8,
    );
    dot_test(
        4,
        |x, t| before_and_after_loop::jvp(x[0], &x[1..], t[0], &t[1..]).1,
        |x, u| {
            let g = before_and_after_loop::vjp(x[0], &x[1..]).1(u);
            let mut out = vec![g.x];
            out.extend(&g.v);
            out
        },
        9,
    );
    dot_test(
        4,
        |x, t| return_from_nested::jvp(&x[..3], x[3], &t[..3], t[3]).1,
        |x, u| {
            let g = return_from_nested::vjp(&x[..3], x[3]).1(u);
            let mut out = g.x.clone();
            out.push(g.limit);
            out
        },
        10,
    );
    dot_test(
        2,
        |x, t| branches::jvp(x[0], x[1], t[0], t[1]).1,
        |x, u| {
            let g = branches::vjp(x[0], x[1]).1(u);
            vec![g.x, g.y]
        },
        11,
    );
    dot_test(
        4,
        |x, t| local_array::jvp(&[x[0], x[1], x[2]], x[3], &[t[0], t[1], t[2]], t[3]).1,
        |x, u| {
            let g = local_array::vjp(&[x[0], x[1], x[2]], x[3]).1(u);
            vec![g.x[0], g.x[1], g.x[2], g.k]
        },
        12,
    );
    dot_test(
        6,
        |x, t| {
            vec_param::jvp(
                x[..3].to_vec(),
                &x[3..].to_vec(),
                t[..3].to_vec(),
                &t[3..].to_vec(),
            )
            .1
        },
        |x, u| {
            let g = vec_param::vjp(x[..3].to_vec(), &x[3..].to_vec()).1(u);
            let mut out = g.x.clone();
            out.extend(&g.w);
            out
        },
        13,
    );
    dot_test(
        5,
        |x, t| borrows_a_local::jvp(&x[..4], x[4], &t[..4], t[4]).1,
        |x, u| {
            let g = borrows_a_local::vjp(&x[..4], x[4]).1(u);
            let mut out = g.x.clone();
            out.push(g.a);
            out
        },
        14,
    );
}

#[test]
#[should_panic(expected = "jvp: the tangent `dot_x` has shape [2] but `x` has shape [3]")]
fn a_tangent_of_another_length_panics() {
    let _ = rosenbrock::jvp(&[1.0, 2.0, 3.0], &[1.0, 0.0]);
}

/// GradBench's least squares as a numerical programmer writes it: `inner` is updated in
/// the inner loop, whose backward rules never read it, and read only after that loop. It is
/// saved once per pass of the inner loop, not at every update.
#[differentiate(hessian, wrt(x))]
fn llsq(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..n {
        let ti = -1.0 + (i as f64) * 2.0 / ((n - 1) as f64);
        let si = if ti > 0.0 {
            1.0
        } else if ti < 0.0 {
            -1.0
        } else {
            0.0
        };
        let mut inner = si;
        let mut mul = 1.0;
        for j in 0..x.len() {
            inner -= x[j] * mul;
            mul *= ti;
        }
        sum += inner * inner;
    }
    sum / 2.0
}

/// The value before such a loop is read before it, the value after it after it.
#[differentiate(hessian)]
fn read_around_a_loop(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    let mut u = a * a;
    let first = u.sin();
    for j in 0..x.len() {
        u -= x[j];
    }
    for i in 0..x.len() {
        let mut t = a * x[i];
        let before = t * t;
        for j in 0..x.len() {
            t -= x[j] * 0.5;
        }
        s += before + t * t;
    }
    s + first * u
}

#[test]
fn values_read_only_after_their_loop() {
    let x = [0.3, -0.2, 0.5, 0.1];
    let (value, g) = llsq::grad(&x, 9);
    assert_eq!(value, llsq(&x, 9));
    assert_fd(|v| llsq(v, 9), &x, &g.x);
    let dir = [0.5, -1.0, 0.25, 2.0];
    let dot: f64 = g.x.iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert_close(llsq::jvp(&x, 9, &dir).1, dot, 1e-12);
    check_hvp(
        |v| llsq::grad(v, 9).1.x,
        |v, u| llsq::hvp(v, 9, u).2.x,
        &x,
        11,
    );

    let (value, g) = read_around_a_loop::grad(&x, 0.7);
    assert_eq!(value, read_around_a_loop(&x, 0.7));
    let mut point = x.to_vec();
    point.push(0.7);
    let mut analytic = g.x.clone();
    analytic.push(g.a);
    assert_fd(|v| read_around_a_loop(&v[..4], v[4]), &point, &analytic);
    let flat = |g: read_around_a_loop::Grad| g.x.into_iter().chain([g.a]).collect::<Vec<f64>>();
    check_hvp(
        |v| flat(read_around_a_loop::grad(&v[..4], v[4]).1),
        |v, u| flat(read_around_a_loop::hvp(&v[..4], v[4], &u[..4], u[4]).2),
        &point,
        12,
    );
}

/// Runge-Kutta-like stages: a local array written element by element and read only
/// linearly (no backward rule reads its values: nothing saved), and one read nonlinearly
/// and overwritten (its old elements saved and restored).
#[differentiate(hessian)]
fn stages(x: &[f64], h: f64) -> f64 {
    let n = x.len();
    let mut k = vec![0.0; n];
    for i in 0..n {
        k[i] = 2.0 * x[i] + h;
    }
    let mut q = vec![0.0; n];
    let mut s = 0.0;
    for i in 0..n {
        q[i] = k[i] * x[i];
        s += 3.0 * k[i] + q[i] * q[i];
        q[i] = q[i].sin() * h;
        s += q[i];
    }
    s
}

#[test]
fn element_writes_save_only_values_a_rule_reads() {
    let x = [0.4, -0.3, 0.8];
    let (value, g) = stages::grad(&x, 0.6);
    assert_eq!(value, stages(&x, 0.6));
    let mut point = x.to_vec();
    point.push(0.6);
    let mut analytic = g.x.clone();
    analytic.push(g.h);
    assert_fd(|v| stages(&v[..3], v[3]), &point, &analytic);
    let flat = |g: stages::Grad| g.x.into_iter().chain([g.h]).collect::<Vec<f64>>();
    check_hvp(
        |v| flat(stages::grad(&v[..3], v[3]).1),
        |v, u| flat(stages::hvp(&v[..3], v[3], &u[..3], u[3]).2),
        &point,
        13,
    );
}

/// A block statement that leaves the loop or the function (`{ ..; break; }` as an `if`'s
/// only statement): what follows it in the enclosing block runs only where the block
/// falls through. (The backward pass reversed the statements after the block on the
/// path that left: a wrong gradient, or generated code assigning the result twice.)
#[differentiate(hessian)]
fn left_from_inner_blocks(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            {
                s += x[i] * 2.0;
                break;
            }
        }
        s += x[i] * x[i];
    }
    if s > 1.5 {
        {
            let t = s * x[0];
            return t;
        }
    }
    s * x[0]
}

#[test]
fn blocks_that_leave_the_loop_or_the_function() {
    for (seed, x) in [
        (1, vec![0.3, 0.7, 0.4]),
        (2, vec![0.3, -0.7, 0.5]),
        (3, vec![1.3, 0.9, -0.4, 0.2]),
    ] {
        let (value, g) = left_from_inner_blocks::grad(&x);
        assert_eq!(value, left_from_inner_blocks(&x));
        assert_fd(left_from_inner_blocks, &x, &g.x);
        check_hvp(
            |x| left_from_inner_blocks::grad(x).1.x,
            |x, u| left_from_inner_blocks::hvp(x, u).2.x,
            &x,
            seed,
        );
    }
}
