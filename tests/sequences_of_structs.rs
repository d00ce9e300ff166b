//! Local `Vec`s of small `Copy` structs, as people write geometry and particle code: made
//! by `collect`, `push` or `vec![..]`, indexed, assigned, walked by `for` (by reference,
//! mutably, enumerated, in windows) and by chains. Each function is checked against central
//! differences, `jvp` against the gradient (the dot-product test) and `hvp` against
//! differences of the gradient.

#![allow(clippy::needless_range_loop)]
#![deny(warnings)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{assert_close, assert_fd, check_hvp, draws};
use std::ops::{Add, Mul, Sub};

#[derive(Clone, Copy, Debug)]
struct V2 {
    x: f64,
    y: f64,
}

impl V2 {
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// A function of two points that is not a point.
    fn between(a: V2, b: V2) -> f64 {
        (a - b).norm()
    }

    fn mid(self, o: V2) -> V2 {
        V2 {
            x: 0.5 * (self.x + o.x),
            y: 0.5 * (self.y + o.y),
        }
    }

    fn norm(self) -> f64 {
        (self.x * self.x + self.y * self.y).sqrt()
    }

    fn cross(self, o: V2) -> f64 {
        self.x * o.y - self.y * o.x
    }
}

impl V2 {
    /// Changes the point in place: a sequence whose elements it is called on is left as
    /// written (a copy of the element would take the change).
    fn scale(&mut self, k: f64) {
        self.x *= k;
        self.y *= k;
    }
}

impl Sub for V2 {
    type Output = V2;
    fn sub(self, o: V2) -> V2 {
        V2 {
            x: self.x - o.x,
            y: self.y - o.y,
        }
    }
}

impl Add for V2 {
    type Output = V2;
    fn add(self, o: V2) -> V2 {
        V2 {
            x: self.x + o.x,
            y: self.y + o.y,
        }
    }
}

impl Mul<f64> for V2 {
    type Output = V2;
    fn mul(self, k: f64) -> V2 {
        V2 {
            x: self.x * k,
            y: self.y * k,
        }
    }
}

/// A particle: position, velocity and mass, all numbers.
#[derive(Clone, Copy)]
struct Particle {
    x: f64,
    y: f64,
    vx: f64,
    vy: f64,
    m: f64,
}

/// A polyline's length: points collected from pairs, segments by index.
#[differentiate(hessian)]
fn polyline_length(x: &[f64]) -> f64 {
    let pts: Vec<V2> = x.chunks(2).map(|c| V2 { x: c[0], y: c[1] }).collect();
    let mut total = 0.0;
    for i in 1..pts.len() {
        total += (pts[i] - pts[i - 1]).norm();
    }
    total
}

/// Each point beside the one `k` after it, by a zip of the sequence with itself shifted:
/// `pts.iter().zip(pts.iter().skip(1))` in a chain and counted in a loop, `.zip(&pts[2..])`
/// (was an error, four of them).
#[differentiate(hessian)]
fn zipped_with_itself(x: &[f64]) -> f64 {
    let pts: Vec<V2> = x.chunks(2).map(|c| V2 { x: c[0], y: c[1] }).collect();
    let length: f64 = (pts.iter().zip(pts.iter().skip(1)))
        .map(|(a, b)| (*b - *a).norm())
        .sum();
    let mut s = 0.0;
    for (i, (a, b)) in pts.iter().zip(pts.iter().skip(1)).enumerate() {
        s += (b.x - a.x) * (i as f64 + 1.0);
    }
    for (a, c) in pts.iter().zip(&pts[2..]) {
        s += a.cross(*c);
    }
    length + s
}

/// A closed polygon's area by the shoelace formula, its length by windows, and its sides
/// collected by a function of two points.
#[differentiate(hessian)]
fn polygon(x: &[f64]) -> f64 {
    let n = x.len() / 2;
    let pts = (0..n)
        .map(|i| V2 {
            x: x[2 * i],
            y: x[2 * i + 1],
        })
        .collect::<Vec<_>>();
    let mut area = 0.0;
    for i in 0..n {
        area += pts[i].cross(pts[(i + 1) % n]);
    }
    let length: f64 = pts.windows(2).map(|w| (w[1] - w[0]).norm()).sum();
    let sides = (1..n)
        .map(|i| V2::between(pts[i], pts[i - 1]))
        .collect::<Vec<_>>();
    // A sequence made by a method of its elements' struct.
    let mids: Vec<V2> = (0..n).map(|i| pts[i].mid(pts[(i + 1) % n])).collect();
    let spread: f64 = mids.iter().map(|m| m.norm()).sum();
    0.5 * area + length + sides.iter().map(|s| s * s).sum::<f64>() + spread
}

/// Points made by their constructor and pushed in a loop, walked by reference, enumerated,
/// and by a chain with a filter.
#[differentiate(hessian)]
fn pushed_and_walked(x: &[f64]) -> f64 {
    let mut pts = Vec::new();
    for i in 0..x.len() / 2 {
        pts.push(V2::new(x[2 * i].sin(), x[2 * i + 1]));
    }
    let mut s = 0.0;
    for p in &pts {
        s += p.x * p.y;
    }
    for (i, p) in pts.iter().enumerate() {
        s += (i as f64 + 1.0) * p.norm();
    }
    s + pts
        .iter()
        .filter(|p| p.y > -0.5)
        .map(|p| p.x * p.x)
        .sum::<f64>()
}

/// Walks reversed, skipped, stepped and enumerated, a fold, a test, and each element
/// assigned whole through `&mut`.
#[differentiate(hessian)]
fn walked_every_way(x: &[f64]) -> f64 {
    let mut pts: Vec<V2> = Vec::with_capacity(x.len() / 2);
    for i in 0..x.len() / 2 {
        pts.push(V2 {
            x: x[2 * i],
            y: x[2 * i + 1],
        });
    }
    let mut s = 0.0;
    for p in pts.iter().rev().skip(1) {
        s = s * 0.5 + p.x * p.y;
    }
    for (i, p) in pts.iter().enumerate().step_by(2) {
        s += i as f64 * p.y;
    }
    let far = pts.iter().fold(0.0, |m: f64, p| m.max(p.norm()));
    let right = pts.iter().any(|p| p.x > 1.0);
    for p in &mut pts {
        *p = *p * 0.5 + V2 { x: 1.0, y: -1.0 };
    }
    // Values that read the sequence they are written to: each read before any write.
    pts[0] = V2 {
        x: pts[0].y,
        y: pts[0].x,
    };
    for p in pts.iter_mut() {
        *p = V2 {
            x: p.y,
            y: p.x * p.y,
        };
    }
    pts.push(V2 {
        x: pts[1].y,
        y: pts.len() as f64,
    });
    let tail: f64 = pts.windows(3).rev().take(2).map(|w| w[0].x * w[2].y).sum();
    s + far
        + tail
        + if right {
            pts[0].x
        } else {
            pts[pts.len() - 1].y
        }
}

/// Particles under gravity and a spring to the origin, stepped by symplectic Euler through
/// `iter_mut`, then their energy pairwise: a sequence of five-field structs made by
/// `vec![..; n]`, written by index and by element.
#[differentiate(hessian)]
fn particles(x: &[f64]) -> f64 {
    let n = x.len() / 3;
    let mut ps = vec![
        Particle {
            x: 0.0,
            y: 0.0,
            vx: 0.0,
            vy: 0.0,
            m: 1.0,
        };
        n
    ];
    for i in 0..n {
        ps[i] = Particle {
            x: x[3 * i],
            y: x[3 * i + 1],
            vx: 0.1 * x[3 * i + 2],
            vy: 0.0,
            m: 1.0 + 0.5 * (i as f64),
        };
    }
    let dt = 0.05;
    for _ in 0..4 {
        for p in ps.iter_mut() {
            p.vx -= dt * p.x;
            p.vy -= dt * (p.y + 9.8 * 0.01);
            p.x += dt * p.vx;
            p.y += dt * p.vy;
        }
    }
    let mut energy = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            let d = V2 {
                x: ps[i].x - ps[j].x,
                y: ps[i].y - ps[j].y,
            };
            energy -= ps[i].m * ps[j].m / (d.norm() + 0.5);
        }
        energy += 0.5 * ps[i].m * (ps[i].vx * ps[i].vx + ps[i].vy * ps[i].vy);
    }
    energy
}

/// A list of vertices written out, a centroid, moved vertices assigned back.
#[differentiate(hessian)]
fn triangle_spread(x: &[f64]) -> f64 {
    let mut tri = vec![
        V2 { x: x[0], y: x[1] },
        V2 { x: x[2], y: x[3] },
        V2 { x: x[4], y: x[5] },
    ];
    let mut c = V2 { x: 0.0, y: 0.0 };
    for p in &tri {
        c = c + *p * (1.0 / 3.0);
    }
    for k in 0..tri.len() {
        tri[k] = tri[k] - c;
    }
    let mut spread = 0.0;
    for (i, &p) in tri.iter().enumerate() {
        spread += p.norm() * (1.0 + i as f64);
    }
    spread
}

/// Every mode of `f` at `x`: the gradient against differences, `hvp` against differences
/// of the gradient, and `jvp` along `v` against the gradient.
macro_rules! check_every_mode {
    ($f:ident, $x:expr, $v:expr, $seed:expr) => {{
        let (x, v): (&[f64], &[f64]) = ($x, $v);
        check_slice_function!($f, x, $seed);
        let (value, tangent) = $f::jvp(x, v);
        assert_eq!(value, $f(x));
        let dot: f64 = $f::grad(x).1.x.iter().zip(v).map(|(g, v)| g * v).sum();
        assert_close(tangent, dot, 1e-12);
    }};
}

/// Points of data changed in place by a method taking `&mut self`, then read with the
/// parameters: left a `Vec` of structs, which carries no derivative.
#[differentiate(hessian)]
fn data_changed_in_place(x: &[f64]) -> f64 {
    let mut pts: Vec<V2> = (0..3).map(|i| V2::new(i as f64, 1.0)).collect();
    pts[1].scale(3.0);
    for p in pts.iter_mut() {
        p.scale(2.0);
    }
    let mut s = 0.0;
    for p in &pts {
        s += p.x * x[0] + p.y * x[1];
    }
    s
}

/// Points zipped with weights beside them, by `for` and by a chain.
#[differentiate(hessian)]
fn zipped_with_weights(x: &[f64]) -> f64 {
    let n = x.len() / 2;
    let pts: Vec<V2> = (0..n).map(|i| V2::new(x[i], x[n + i])).collect();
    let w: Vec<f64> = x.iter().take(n).map(|v| v * v + 0.5).collect();
    let mut s = 0.0;
    for (p, wi) in pts.iter().zip(&w) {
        s += p.norm() * wi;
    }
    s + pts
        .iter()
        .zip(w.iter())
        .map(|(p, wi)| p.x * wi)
        .sum::<f64>()
}

/// An array of structs: written out, repeated, walked by value and by `into_iter`.
#[differentiate(hessian)]
fn array_of_points(x: &[f64]) -> f64 {
    let tri = [
        V2 { x: x[0], y: x[1] },
        V2 { x: x[2], y: x[3] },
        V2 { x: x[4], y: x[5] },
    ];
    let mut moved: [V2; 3] = [V2 { x: 0.0, y: 0.0 }; 3];
    for i in 0..3 {
        moved[i] = tri[i] * 0.5 + tri[(i + 1) % 3];
    }
    let mut s = 0.0;
    for p in tri {
        s += p.x * p.y;
    }
    s + moved.into_iter().map(|p| p.norm()).sum::<f64>() + moved[2].cross(tri[0])
}

/// A body of the plane with its velocity.
#[derive(Clone, Copy)]
struct Body {
    x: f64,
    y: f64,
    vx: f64,
    vy: f64,
}

/// The pull of `b` on `a`, softened.
fn pull(a: &Body, b: &Body, k: f64) -> (f64, f64) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let f = k / (dx * dx + dy * dy + 0.01);
    (f * dx, f * dy)
}

/// One step of every body, the sequence lent mutably (`step(&mut bodies, ..)`; a `&mut
/// Vec<Body>` parameter alike): the
/// helper's body stands in the call and the sequence stays one sequence per field.
fn step(bodies: &mut [Body], dt: f64, k: f64) {
    let n = bodies.len();
    let mut fx = vec![0.0; n];
    let mut fy = vec![0.0; n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                let (gx, gy) = pull(&bodies[i], &bodies[j], k);
                fx[i] += gx;
                fy[i] += gy;
            }
        }
    }
    for i in 0..n {
        bodies[i].vx += dt * fx[i];
        bodies[i].vy += dt * fy[i];
        bodies[i].x += dt * bodies[i].vx;
        bodies[i].y += dt * bodies[i].vy;
    }
}

/// The bodies' distance to a target after five steps, with respect to where they start.
#[differentiate(hessian)]
fn n_body(x: &[f64]) -> f64 {
    let mut bodies: Vec<Body> = x
        .chunks(2)
        .map(|c| Body {
            x: c[0],
            y: c[1],
            vx: 0.0,
            vy: 0.0,
        })
        .collect();
    for _ in 0..5 {
        step(&mut bodies, 0.05, 0.5);
    }
    bodies.iter().map(|b| (b.x - 1.0).powi(2) + b.y * b.y).sum()
}

impl Body {
    /// Damped in place: a method of `&mut self`, called on each element of a walk by
    /// `iter_mut()`.
    fn damp(&mut self, by: f64) {
        self.vx *= 1.0 - by;
        self.vy *= 1.0 - by * self.x.tanh();
    }
}

/// Steps by the helper that takes the sequence and damping through each element's method,
/// in one function: the sequence is split after the helper's body stands in its call, and
/// the elements' methods are inlined then.
#[differentiate(hessian)]
fn n_body_damped(x: &[f64]) -> f64 {
    let mut bodies: Vec<Body> = x
        .chunks(2)
        .map(|c| Body {
            x: c[0],
            y: c[1],
            vx: 0.1,
            vy: -0.1,
        })
        .collect();
    for _ in 0..3 {
        step(&mut bodies, 0.05, 0.5);
        for b in bodies.iter_mut() {
            b.damp(0.2);
        }
    }
    bodies
        .iter()
        .map(|b| (b.x - 1.0).powi(2) + b.y * b.vy)
        .sum()
}

#[test]
fn geometry_over_a_vec_of_points() {
    for (k, x, v) in draws(211, &[4, 8, 12], 2.0) {
        check_every_mode!(polyline_length, &x, &v, 10 + k);
        check_every_mode!(polygon, &x, &v, 20 + k);
        check_every_mode!(pushed_and_walked, &x, &v, 30 + k);
        check_every_mode!(walked_every_way, &x, &v, 35 + k);
        check_every_mode!(zipped_with_itself, &x, &v, 37 + k);
    }
    for (k, x, v) in draws(212, &[6, 6], 2.0) {
        check_every_mode!(triangle_spread, &x, &v, 40 + k);
        check_every_mode!(array_of_points, &x, &v, 45 + k);
        check_every_mode!(zipped_with_weights, &x, &v, 47 + k);
    }
}

#[test]
fn a_sequence_changed_in_place_by_a_method_is_left_as_written() {
    let x = [0.3, -0.5];
    let (value, g) = data_changed_in_place::grad(&x);
    assert_eq!(value, data_changed_in_place(&x));
    assert_eq!(value, 10.0 * 0.3 + 10.0 * -0.5);
    assert_eq!(g.x, vec![10.0, 10.0]);
}

#[test]
fn particles_in_a_vec_of_structs() {
    for (k, x, v) in draws(213, &[6, 9, 12], 1.5) {
        check_every_mode!(particles, &x, &v, 50 + k);
    }
}

/// The same polyline written with plain slices, for the value and gradient bit for bit.
#[differentiate]
fn polyline_by_hand(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 1..x.len() / 2 {
        let dx = x[2 * i] - x[2 * i - 2];
        let dy = x[2 * i + 1] - x[2 * i - 1];
        total += (dx * dx + dy * dy).sqrt();
    }
    total
}

#[test]
fn a_vec_of_points_gives_what_its_fields_written_out_give() {
    for (_, x, _) in draws(214, &[10, 16], 3.0) {
        let (value, g) = polyline_length::grad(&x);
        let (by_hand, h) = polyline_by_hand::grad(&x);
        assert_eq!(value, by_hand);
        assert_eq!(g.x, h.x);
    }
}

/// Closures of points bound to locals: one taking points (`|p: V2, q: V2|`), one making a
/// point from a float, called directly, inside a chain's closure and on a `Vec` of points's
/// elements; a closure of floats beside them.
#[differentiate(hessian)]
fn closures_of_points(x: &[f64]) -> f64 {
    let w = x[0];
    let lift = |t: f64| V2::new(t, w * t * t);
    let spread = |p: V2, q: V2| {
        let d = p - q;
        d.x * d.x + 0.5 * d.y * d.y
    };
    let cross = |p: V2, q: V2| p.x * q.y - p.y * q.x;
    let scale = |t: f64| 2.0 * t;
    let pts: Vec<V2> = x.iter().map(|&t| lift(t)).collect();
    let origin = lift(scale(w));
    let mut s = spread(origin, pts[1]);
    for i in 1..pts.len() {
        s += cross(pts[i - 1], pts[i]) + spread(pts[i], origin).sqrt();
    }
    s + x.iter().map(|&t| spread(lift(t), origin)).sum::<f64>()
}

#[test]
fn closures_taking_and_making_points() {
    for (k, x, v) in draws(215, &[3, 5, 8], 1.5) {
        check_every_mode!(closures_of_points, &x, &v, 60 + k);
    }
}

/// A `Vec` of points as the argument of a zip (`w.iter().zip(&pts)`, `.zip(pts.iter())`),
/// in a `for` loop and in a chain.
#[differentiate(hessian)]
fn points_zipped_behind(x: &[f64]) -> f64 {
    let pts: Vec<V2> = x
        .chunks_exact(2)
        .map(|c| V2::new(c[0], c[1] * c[0]))
        .collect();
    let mut s = 0.0;
    for (a, p) in x.iter().zip(&pts) {
        s += a * p.y;
    }
    for (a, &p) in x.iter().skip(1).zip(pts.iter()) {
        s += (a * p.x).sin();
    }
    s + x.iter().zip(&pts).map(|(a, p)| a * p.x + p.y).sum::<f64>()
}

#[test]
fn points_as_the_argument_of_a_zip() {
    for (k, x, v) in draws(216, &[2, 4, 7], 1.5) {
        check_every_mode!(points_zipped_behind, &x, &v, 70 + k);
    }
}

/// Points made by a constructor (`vec![V2::new(..); n]`, `[V2::new(..), ..]`), summed by a
/// `fold` whose accumulator is a point, over the points and over the slice.
#[differentiate(hessian)]
fn made_by_constructors_and_folded(x: &[f64]) -> f64 {
    let n = x.len();
    let mut pts = vec![V2::new(0.0, 1.0); n];
    for i in 0..n {
        pts[i] = V2::new(x[i], x[i] * x[(i + 1) % n]);
    }
    let ends = [V2::new(x[0], 0.5), V2::new(-0.5, x[n - 1])];
    let centre = pts
        .iter()
        .fold(V2::new(0.0, 0.0), |a, &p| a + p * (1.0 / n as f64));
    let walked = x.iter().fold(V2::new(1.0, 0.0), |a, &v| V2 {
        x: a.x * 0.5 + v,
        y: a.y + a.x * v,
    });
    let mut s = (ends[1] - ends[0]).norm() + walked.x * walked.y.sin();
    for w in pts.windows(2) {
        s += (w[1] - centre).cross(w[0] - centre);
    }
    s
}

#[test]
fn points_made_by_constructors_and_folded() {
    for (k, x, v) in draws(217, &[1, 3, 6], 1.5) {
        check_every_mode!(made_by_constructors_and_folded, &x, &v, 80 + k);
    }
}

/// A walk binding its element `mut` changes a copy (`for mut p in pts`, an array, still read
/// after): the element was the sequence's own, its change written into the sequence (a
/// wrong value).
#[differentiate(hessian)]
fn elements_changed_as_copies(x: &[f64]) -> f64 {
    let pts = [V2::new(x[0], x[1]), V2::new(x[1] * x[0], x[0])];
    let pairs: [(f64, f64); 2] = [(x[0], x[1]), (x[1], 0.5)];
    let mut s = 0.0;
    for mut p in pts {
        p.x *= 3.0;
        s += p.x * p.y;
    }
    for &(mut a, b) in &pairs {
        a *= 3.0;
        s += a * b;
    }
    s += pts
        .iter()
        .map(|&p| {
            let mut q = p;
            q.y += 1.0;
            q.x * q.y
        })
        .sum::<f64>();
    s + pts[0].x + pts[1].x + pairs[0].0 + pairs[1].0
}

#[test]
fn an_element_bound_mut_is_a_copy() {
    let x = [0.7, -1.3];
    let (value, _) = elements_changed_as_copies::grad(&x);
    assert_eq!(value, elements_changed_as_copies(&x));
    for (k, x, v) in draws(218, &[2, 2], 1.5) {
        check_every_mode!(elements_changed_as_copies, &x, &v, 90 + k);
    }
}

/// A `Vec` of pairs computed from the parameters, as one `Vec` per element: made by a map,
/// pushed to, walked with the pairs taken apart (`&(a, b)`, `(a, b)` of references,
/// `(a, i)` with an index), read by element (`p.0`, `pairs[0].1`) and whole (`let (u, v) =
/// pairs[1];`).
#[differentiate(hessian)]
fn pairs_computed(x: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x.chunks_exact(2).map(|c| (c[0], c[1] * c[0])).collect();
    let mut s = 0.0;
    for &(a, b) in &pairs {
        s += a * b;
    }
    for (a, b) in pairs.iter() {
        s += *a - b.sin();
    }
    for p in &pairs {
        s += p.0 * p.1 * 0.5;
    }
    let (u, v) = pairs[pairs.len() - 1];
    s += u * v + pairs[0].1;
    let mut tagged: Vec<(f64, usize)> = Vec::new();
    for (i, &e) in x.iter().enumerate() {
        tagged.push((e * e, i));
    }
    for (k, &(a, i)) in tagged.iter().enumerate() {
        s += a * x[(i + k) % x.len()];
    }
    s + pairs.iter().map(|(a, b)| a * b).sum::<f64>()
        + pairs.iter().map(|&(a, b)| a - b).sum::<f64>()
}

#[test]
fn a_vec_of_pairs_computed_from_the_parameters() {
    for (k, x, v) in draws(219, &[2, 4, 6], 1.5) {
        check_every_mode!(pairs_computed, &x, &v, 100 + k);
    }
}

/// Pairs whose type is not written: a `Vec` of them written out, one made by a map
/// collected into `Vec<_>`, repeated by `vec![p; n]` and written by element, and an array
/// of a value and an integer (an error each before).
#[differentiate(hessian)]
#[allow(clippy::useless_vec)]
fn pairs_untyped(x: &[f64]) -> f64 {
    let pairs = vec![(x[0], x[1]), (x[1] * x[0], 0.5)];
    let pts = x
        .chunks(2)
        .map(|c| (c[0], c[c.len() - 1] * 2.0))
        .collect::<Vec<_>>();
    let mut s = 0.0;
    for &(a, b) in &pts {
        s += a * b;
    }
    let fixed = [(x[0], 1usize), (x[1], 2)];
    for (v, k) in fixed.iter() {
        s += v * *k as f64;
    }
    let mut rep = vec![(x[0], x[1]); 2];
    rep[1].0 *= x[x.len() - 1];
    s + rep.iter().map(|p| p.0 * p.1).sum::<f64>() + pairs.iter().map(|&(a, b)| a * b).sum::<f64>()
}

#[test]
fn pairs_without_their_type_written() {
    for (k, x, v) in draws(221, &[2, 3, 6], 1.5) {
        check_every_mode!(pairs_untyped, &x, &v, 120 + k);
    }
}

/// An enumerated walk whose body binds the count's name again (`let i = i * 2;`): the
/// element's fields were read at the new `i` (out of bounds, or a wrong value).
#[differentiate(hessian)]
fn count_bound_again(x: &[f64]) -> f64 {
    let pts: Vec<V2> = x.chunks_exact(2).map(|c| V2::new(c[0], c[1])).collect();
    let pairs: Vec<(f64, f64)> = x.chunks_exact(2).map(|c| (c[1], c[0] * c[1])).collect();
    let mut s = 0.0;
    for (i, p) in pts.iter().enumerate() {
        let i = (i * 2) as f64;
        s += p.x * i;
    }
    for (i, (a, b)) in pairs.iter().enumerate() {
        let i = 1 - i.min(1);
        s += a * b * i as f64;
    }
    s + pts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let i = 1 - i.min(1);
            p.y * i as f64
        })
        .sum::<f64>()
}

#[test]
fn an_enumerated_walk_may_bind_its_count_again() {
    let x = [0.7, -1.3, 2.1, 0.4];
    assert_eq!(count_bound_again::grad(&x).0, count_bound_again(&x));
    for (k, x, v) in draws(220, &[2, 4, 6], 1.5) {
        check_every_mode!(count_bound_again, &x, &v, 110 + k);
    }
}

/// A zip with a `Vec` of points counted (`x.iter().zip(&pts).enumerate()`, either side
/// first), and folds of points inside an expression (`pts.iter().fold(..).norm()`, in an
/// update, in the tail): each fold bound to a name first.
#[differentiate(hessian)]
fn counted_zips_and_folds_in_expressions(x: &[f64]) -> f64 {
    let pts: Vec<V2> = x.iter().map(|&v| V2::new(v, v * v - 0.5)).collect();
    let mut s = 0.0;
    for (i, (a, p)) in x.iter().zip(&pts).enumerate() {
        s += (i as f64 + 1.0) * a * p.norm();
    }
    for (i, (p, &a)) in pts.iter().zip(x.iter().skip(1)).enumerate() {
        let i = i * 2;
        s += (i as f64 + 0.5) * a * p.x * p.y;
    }
    let t: f64 = x
        .iter()
        .zip(&pts)
        .enumerate()
        .map(|(k, (a, p))| k as f64 * a * p.y)
        .sum();
    let spread = x[0]
        * pts
            .iter()
            .fold(V2::new(0.0, 0.0), |a, &p| a + p * 0.5)
            .norm();
    s += pts.iter().fold(V2::new(1.0, x[0]), |a, p| a - *p).y;
    s + t
        + spread
        + pts
            .iter()
            .fold(V2::new(0.0, 0.0), |a, &p| a + p * p.y)
            .norm()
}

#[test]
fn zips_counted_and_folds_inside_expressions() {
    for (k, x, v) in draws(218, &[1, 3, 6], 1.5) {
        check_every_mode!(counted_zips_and_folds_in_expressions, &x, &v, 90 + k);
    }
}

/// A particle's state, data the caller passes in (no gradient of its own).
#[derive(Clone, Copy, Debug)]
struct State {
    x: f64,
    v: f64,
}

impl State {
    /// A kick by a force, through `&mut self`.
    fn kick(&mut self, f: f64, dt: f64) {
        self.v += f * dt;
    }

    fn energy(&self, k: f64) -> f64 {
        0.5 * self.v * self.v + 0.5 * k * self.x * self.x
    }
}

/// One damped spring step of a particle.
fn spring_step(s: State, k: f64, dt: f64) -> State {
    let a = -k * s.x - 0.2 * s.v;
    let v = s.v + a * dt;
    State { x: s.x + v * dt, v }
}

/// A copy of a parameter's sequence of structs (`init.to_vec()`,
/// `.iter().copied().collect()`), then written with values that carry derivatives: by
/// index, through `iter_mut()` and its fields (was a zero gradient: the copy was taken for
/// constants), and two of them zipped.
#[allow(clippy::iter_cloned_collect)] // written as some code writes it
#[differentiate(hessian, wrt(x))]
fn copied_states(x: &[f64], init: &[State]) -> f64 {
    let mut states = init.to_vec();
    for _ in 0..4 {
        for i in 0..states.len() {
            states[i] = spring_step(states[i], x[i % x.len()], 0.1);
        }
    }
    let mut again = init.to_vec();
    for (i, s) in again.iter_mut().enumerate() {
        *s = spring_step(*s, x[0] * (i as f64 + 1.0), 0.2);
    }
    let mut third: Vec<State> = init.iter().copied().collect();
    third[0].v = x[1] * third[0].x;
    states.iter().map(|s| s.x * s.x + s.v).sum::<f64>()
        + again.iter().map(|a| a.x * a.v).sum::<f64>()
        + third
            .iter()
            .enumerate()
            .map(|(i, b)| b.v * x[i % x.len()])
            .sum::<f64>()
        + again
            .iter()
            .zip(&third)
            .map(|(a, b)| a.x * b.v)
            .sum::<f64>()
}

#[test]
fn copies_of_a_parameters_structs_written_with_derivatives() {
    let init = [
        State { x: 1.0, v: 0.0 },
        State { x: -0.5, v: 0.3 },
        State { x: 0.2, v: -0.4 },
    ];
    for (k, x, v) in draws(219, &[2, 3], 1.5) {
        let f = |x: &[f64]| copied_states(x, &init);
        let (value, g) = copied_states::grad(&x, &init);
        assert_eq!(value, f(&x));
        assert_fd(f, &x, &g.x);
        check_hvp(
            |x| copied_states::grad(x, &init).1.x,
            |x, u| copied_states::hvp(x, &init, u).2.x,
            &x,
            95 + k,
        );
        let dot: f64 = g.x.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert_close(copied_states::jvp(&x, &init, &v).1, dot, 1e-12);
    }
}

/// A copy of a struct passed as data (`let mut s = st;`, `let mut t = init[i];`, one of
/// them chosen by `if`), its fields then stepped with values that carry derivatives (each
/// was "does not support assigning to fields"), and its methods (`&mut self` too) inlined
/// on the copy; a `Vec` of copies of it (`vec![st; n]`).
#[differentiate(hessian, wrt(x))]
fn data_struct_copies(x: &[f64], st: State, init: &[State]) -> f64 {
    let mut s = st;
    for _ in 0..20 {
        s.v -= x[0] * s.x * 0.05;
        s.x += s.v * 0.05;
    }
    let i = 1;
    let mut t = init[i];
    t.x *= x[1];
    t = State {
        x: t.x + s.x,
        v: t.v,
    };
    let mut c = if x[0] > 0.0 { st } else { init[0] };
    c.v = c.v * x[0] + x[1];
    let mut m = init[0];
    m.kick(-x[1] * m.x, 0.5);
    let mut w = vec![st; x.len()];
    w[1].x = x[0] * w[0].v;
    s.x * s.x + t.x * t.v + c.v * c.x + m.energy(x[0]) + w[1].x * w[1].v
}

#[test]
fn copies_of_structs_passed_as_data() {
    let st = State { x: 1.0, v: 0.5 };
    let init = [State { x: 0.5, v: 0.1 }, State { x: -0.3, v: 0.7 }];
    for (k, x, v) in draws(220, &[2, 3], 1.5) {
        let f = |x: &[f64]| data_struct_copies(x, st, &init);
        let (value, g) = data_struct_copies::grad(&x, st, &init);
        assert_eq!(value, f(&x));
        assert_fd(f, &x, &g.x);
        check_hvp(
            |x| data_struct_copies::grad(x, st, &init).1.x,
            |x, u| data_struct_copies::hvp(x, st, &init, u).2.x,
            &x,
            97 + k,
        );
        let dot: f64 = g.x.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert_close(data_struct_copies::jvp(&x, st, &init, &v).1, dot, 1e-12);
    }
}

/// A struct passed as data by reference, copied out (`*r`), then changed by a field and a
/// `&mut self` method that carry derivatives.
#[differentiate(hessian, wrt(x))]
fn copied_through_a_reference(x: &[f64], r: &State) -> f64 {
    let mut s = *r;
    s.x += x[0] * x[1];
    s.kick(x[1].sin(), 0.5);
    s.x * s.v + s.energy(x[0])
}

#[test]
fn a_struct_copied_through_a_reference() {
    let r = State { x: 0.7, v: -0.2 };
    for (k, x, v) in draws(221, &[2, 3], 1.5) {
        let f = |x: &[f64]| copied_through_a_reference(x, &r);
        let (value, g) = copied_through_a_reference::grad(&x, &r);
        assert_eq!(value, f(&x));
        assert_fd(f, &x, &g.x);
        check_hvp(
            |x| copied_through_a_reference::grad(x, &r).1.x,
            |x, u| copied_through_a_reference::hvp(x, &r, u).2.x,
            &x,
            99 + k,
        );
        let dot: f64 = g.x.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert_close(copied_through_a_reference::jvp(&x, &r, &v).1, dot, 1e-12);
    }
}

#[test]
fn a_sequence_of_structs_stepped_by_a_helper() {
    check_slice_function!(n_body, &[0.0, 0.0, 1.0, 0.2, 0.3, 0.8], 41);
    check_slice_function!(n_body_damped, &[0.0, 0.0, 1.0, 0.2, 0.3, 0.8], 42);
}
