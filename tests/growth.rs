//! Local sequences that grow: `push`, `extend` and `extend_from_slice`, with and without a
//! type annotation, read back by index and by loops over their current length; and integer
//! sequences changed in place (`idx.push(k)`, `c[k] += 1`) that index floats later. And
//! that shrink: a `Vec` of floats as a stack (`pop`, `while let Some(t) = v.pop()`),
//! `truncate`, `clear` and `resize`; and elements removed and inserted in the middle.

#![allow(clippy::needless_range_loop, clippy::vec_init_then_push)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{assert_close, assert_fd, check_hvp};

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Prefix products pushed one by one; each step reads everything pushed so far, so the
/// inner loop's length changes with every push.
#[differentiate(hessian)]
fn prefix_products(x: &[f64]) -> f64 {
    let mut p: Vec<f64> = Vec::new();
    let mut acc = 1.0;
    let mut s = 0.0;
    for i in 0..x.len() {
        acc *= x[i];
        p.push(acc.sin());
        // Rust evaluates the value before pushing it: this reads the element just pushed.
        p.push(p[p.len() - 1] * x[i]);
        for j in 0..p.len() {
            s += p[j] * x[i];
        }
    }
    s + p[0] * p[p.len() - 1]
}

/// No annotation: the `Vec` is a sequence of floats once a value that carries a
/// derivative goes in; `extend` from a chain and `extend_from_slice` add several.
#[differentiate(hessian)]
fn grown_untyped(x: &[f64], w: f64) -> f64 {
    let mut v = Vec::new();
    v.push(x[0] * w);
    v.extend(x.iter().map(|a| a * a));
    v.extend_from_slice(x);
    let mut s = 0.0;
    for (i, &e) in v.iter().enumerate() {
        s += e.exp() * (i as f64 + 1.0);
    }
    s
}

/// An integer sequence pushed in a loop and read as indices (the reverse reads it at its
/// final length, which holds every index it read going forward), and an integer array
/// counted in place that sets an inner loop's length.
#[differentiate(hessian)]
fn index_bookkeeping(x: &[f64]) -> f64 {
    let mut idx: Vec<usize> = Vec::new();
    let mut counts = [0usize; 3];
    let mut s = 0.0;
    for k in 0..x.len() {
        idx.push(x.len() - 1 - k);
        counts[k % 3] += 1;
        for j in 0..idx.len() {
            s += x[idx[j]] * x[k];
        }
        for _ in 0..counts[k % 3] {
            s += x[k].sin();
        }
    }
    s
}

/// `f`'s value as written, its gradient against finite differences and against `hvp`, and
/// `jvp` against the gradient by the dot product.
macro_rules! check_all {
    ($f:ident, $x:expr, $seed:expr) => {{
        let x: &[f64] = $x;
        check_slice_function!($f, x, $seed);
        let u: Vec<f64> = (0..x.len()).map(|i| 0.3 - 0.1 * i as f64).collect();
        assert_close($f::jvp(x, &u).1, dot(&$f::grad(x).1.x, &u), 1e-12);
    }};
}

#[test]
fn push_in_a_loop() {
    check_all!(prefix_products, &[0.9, -1.2, 0.7, 1.1, -0.4], 11);
}

#[test]
fn push_and_extend_without_a_type() {
    let x = [0.3, -0.5, 0.8];
    let (value, g) = grown_untyped::grad(&x, 1.5);
    assert_eq!(value, grown_untyped(&x, 1.5));
    assert_fd(|v| grown_untyped(v, 1.5), &x, &g.x);
    assert_fd(|v| grown_untyped(&x, v[0]), &[1.5], &[g.w]);
    check_hvp(
        |v| grown_untyped::grad(v, 1.5).1.x,
        |v, u| grown_untyped::hvp(v, 1.5, u, 0.0).2.x,
        &x,
        12,
    );
    let d = grown_untyped::jvp(&x, 1.5, &[0.1, 0.2, 0.3], -0.5).1;
    assert_close(d, dot(&g.x, &[0.1, 0.2, 0.3]) - 0.5 * g.w, 1e-12);
}

#[test]
fn integer_sequences_changed_in_place() {
    check_all!(index_bookkeeping, &[0.5, -1.0, 2.0, 0.3, 0.7], 13);
}

/// `vec![value; n]` and `[value; N]` whose value carries a derivative, then written and
/// read.
#[differentiate(hessian)]
fn repeated(x: &[f64], w: f64) -> f64 {
    let n = x.len();
    let mut v = vec![w * w; n];
    let a: [f64; 3] = [w.sin(); 3];
    for i in 0..n {
        v[i] += x[i] * a[i % 3];
    }
    let mut s = 0.0;
    for &e in v.iter() {
        s += e * e;
    }
    s + a[2]
}

#[test]
fn repeats_of_a_value_that_carries_a_derivative() {
    let x = [0.3, -0.5, 0.8, 1.2];
    let (value, g) = repeated::grad(&x, 0.7);
    assert_eq!(value, repeated(&x, 0.7));
    assert_fd(|v| repeated(v, 0.7), &x, &g.x);
    assert_fd(|v| repeated(&x, v[0]), &[0.7], &[g.w]);
    check_hvp(
        |v| vec![repeated::grad(&x, v[0]).1.w],
        |v, u| vec![repeated::hvp(&x, v[0], &[0.0; 4], u[0]).2.w],
        &[0.7],
        14,
    );
    let d = repeated::jvp(&x, 0.7, &[0.1, 0.2, 0.3, 0.4], -0.5).1;
    assert_close(d, dot(&g.x, &[0.1, 0.2, 0.3, 0.4]) - 0.5 * g.w, 1e-12);
}

/// A stack machine: operands pushed, two popped and their product or sum pushed back; the
/// rest taken by `if let` and `while let`. The popped elements' values are read again by
/// the reverse sweep (`a * b`), so each `pop` keeps the element it takes.
#[differentiate(hessian)]
fn stack_machine(x: &[f64]) -> f64 {
    let mut stack: Vec<f64> = Vec::new();
    for (i, &v) in x.iter().enumerate() {
        stack.push(v);
        if i % 2 == 1 {
            let b = stack.pop().unwrap();
            let a = stack.pop().expect("two operands");
            stack.push(if i % 4 == 1 { a * b } else { a + b.sin() });
        }
    }
    let mut s = 0.0;
    if let Some(top) = stack.pop() {
        s += top * top;
    } else {
        s -= 1.0;
    }
    while let Some(t) = stack.pop() {
        s = s * t + 1.0;
    }
    s + stack.len() as f64
}

/// A copy popped down while its remaining elements are read (`v[0]`, `v.len()`), and
/// dropped pops (`v.pop();`, `let _ = v.pop();`, `_ = v.pop();`), `truncate`, `resize` with a value that carries a derivative,
/// `unwrap_or` of a `pop` with and without an element, `clear`, then pushed again.
#[differentiate(hessian)]
fn shrunk(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|t| t.sin()).collect();
    let mut s = 0.0;
    while v.len() > 2 {
        let t = v.pop().unwrap();
        s += t * v[0] * v[v.len() - 1];
    }
    v.pop();
    let _ = v.pop();
    _ = v.pop();
    v.extend_from_slice(x);
    v.truncate(3);
    s += v.iter().map(|t| t.exp()).sum::<f64>();
    v.resize(5, x[0] * s);
    s += v.iter().map(|t| t * t).sum::<f64>();
    v.resize(2, 0.0);
    s += v[1] * v[0];
    s += v.pop().unwrap_or(x[2]);
    v.clear();
    s += v.pop().unwrap_or(x[2] * 0.5);
    v.push(x[1] * s);
    s + v[0]
}

#[test]
fn a_vec_of_floats_as_a_stack() {
    check_all!(stack_machine, &[0.3, -0.7, 1.1, 0.4, -0.2, 0.9, 0.5], 14);
}

/// A stack that grows and shrinks as the values decide: each value above a threshold split
/// into two scaled ones, the rest summed (a work list, as tree walks keep one).
#[differentiate(hessian)]
fn splitting(x: &[f64]) -> f64 {
    let mut stack = Vec::new();
    stack.push(x[0]);
    let mut s = 0.0;
    while let Some(top) = stack.pop() {
        if top > 0.1 {
            stack.push(top * x[1]);
            stack.push(top * x[2]);
        } else {
            s += top * top;
        }
    }
    s
}

#[test]
fn a_work_list_split_by_the_values() {
    check_all!(splitting, &[0.9, 0.6, 0.5], 16);
    check_all!(splitting, &[0.4, 0.7, 0.2], 17);
}

/// Elements removed from the middle and inserted there (`remove`, `swap_remove`,
/// `insert`, also at the end), as values and as statements.
#[differentiate(hessian)]
fn edited(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|t| t * t).collect();
    let a = v.remove(1);
    v.insert(0, a * x[2]);
    let b = v.swap_remove(2);
    v.remove(0);
    v.insert(v.len(), b.sin());
    v.swap_remove(v.len() - 1);
    let mut s = a * b;
    for (k, t) in v.iter().enumerate() {
        s += t * (k as f64 + 1.0);
    }
    s
}

#[test]
fn elements_removed_and_inserted_in_the_middle() {
    check_all!(edited, &[0.3, -0.7, 1.1, 0.4, -0.2, 0.9], 18);
}

/// A removal past the end panics with `Vec::remove`'s message.
#[differentiate]
fn remove_past_the_end(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.remove(5) * 2.0
}

#[test]
#[should_panic(expected = "removal index (is 5) should be < len (is 2)")]
fn removing_past_the_end_panics_as_written() {
    let _ = remove_past_the_end::grad(&[1.0, 2.0]);
}

#[test]
fn popped_truncated_resized_and_cleared() {
    check_all!(shrunk, &[0.3, -0.7, 1.1, 0.4, -0.2, 0.9], 15);
}

/// Popping an empty `Vec` with `unwrap` panics as the function itself does.
#[differentiate]
fn pop_past_the_end(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let a = v.pop().unwrap();
    let b = v.pop().unwrap();
    a * b
}

#[test]
#[should_panic(expected = "called `Option::unwrap()` on a `None` value")]
fn popping_an_empty_vec_panics_as_written() {
    let _ = pop_past_the_end::grad(&[1.0]);
}

/// `retain` on a local `Vec` of floats: the elements its test keeps, in order, each
/// gradient back to where it was; the test reading a parameter, and the `Vec` grown after.
#[differentiate(hessian)]
fn retained(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|e| e * x[0]).collect();
    v.retain(|&a| a > -0.1);
    let mut w = x.to_vec();
    w.retain(|a| *a < x[3] + 0.5);
    w.push(x[1] * 2.0);
    v.iter().map(|a| a.sin()).sum::<f64>() * v.len() as f64 + w.iter().map(|a| a * a).sum::<f64>()
}

#[test]
fn kept_by_retain() {
    check_all!(retained, &[0.3, -0.7, 1.1, 0.4, -0.2, 0.75], 19);
}

/// `match v.pop() { Some(t) => .., None => .. }` (and `_`, the arms either way round): the
/// `if let Some(t) = v.pop()` it means, down to empty.
#[differentiate(hessian)]
fn popped_by_match(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|e| e.sin()).collect();
    let mut s = 0.0;
    for k in 0..x.len() + 2 {
        s += match v.pop() {
            Some(t) => t * x[k % x.len()],
            None => 0.5 * s,
        };
    }
    v.push(x[0]);
    let last = match v.pop() {
        None => 0.0,
        Some(t) => t * t,
    };
    s + last
}

#[test]
fn popped_by_a_match() {
    check_all!(popped_by_match, &[0.3, -0.7, 1.1, 0.4], 20);
}

/// `let t = v.pop();` kept as an `Option`, then matched, tested and defaulted (was "not a
/// `pop` kept as an `Option`"): the float and the flag it means, down to empty.
#[differentiate(hessian)]
fn popped_into_options(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|e| e * 1.5).collect();
    let mut s = 0.0;
    for k in 0..x.len() + 1 {
        let t = v.pop();
        s += match t {
            Some(a) => a * x[k % x.len()],
            None => 0.25 * s,
        };
    }
    v.push(x[1] * x[0]);
    let last = v.pop();
    let none = v.pop();
    if let Some(l) = last {
        s += l.sin();
    }
    s + last.unwrap_or(0.0) * 2.0 + none.unwrap_or(x[0])
}

#[test]
fn pops_kept_as_options() {
    check_all!(popped_into_options, &[0.3, -0.7, 1.1, 0.4], 21);
}
