//! The two nested-AD evals, particle and saddle (GradBench's `evals/particle` and
//! `evals/saddle`), written from their READMEs: objectives that themselves call a generated
//! gradient (`grad`, or `jvp` once per direction), minimized by gradient descent whose
//! gradients are generated again, in reverse (`grad`) or forward (`jvp`) mode.
//!
//! The descent is GradBench's own (`cpp/gradbench/gd.hpp`), which the evals' expected
//! outputs come from: step 1e-5, doubled after 10 accepted steps, halved on a rejected one,
//! stopping when the gradient's norm or the step is at most 1e-5. Inside an objective
//! (saddle's inner maximum) it is written out as a loop the macro differentiates; outside,
//! it is [`argmin`] over plain closures.

#![allow(clippy::too_many_arguments)]

use backprop::differentiate;

/// The electric potential at `(x, y)` of the two unit charges at `(10, 10 − w)` and
/// `(10, 0)`: `Σ 1 / ‖charge − (x, y)‖`.
#[differentiate(hessian)]
pub fn potential(x: f64, y: f64, w: f64) -> f64 {
    let near = ((10.0 - x) * (10.0 - x) + (10.0 - w - y) * (10.0 - w - y)).sqrt();
    let far = ((10.0 - x) * (10.0 - x) + y * y).sqrt();
    1.0 / near + 1.0 / far
}

/// How many Euler steps the particle may take to reach the x axis; a control `w` that
/// keeps it in the air longer gets a NaN miss, which [`argmin`] reports.
pub const MAX_STEPS: usize = 100_000;

/// The particle's squared miss `x(t_f)²`: naive Euler steps of 0.1 from `(0, 8)` at velocity
/// `(0.75, 0)`, accelerated by the force `−∇ₓ potential`, here from reverse mode
/// (`potential::grad`), until the next step would cross the x axis; then the crossing,
/// linearly interpolated (NaN after [`MAX_STEPS`] steps in the air).
#[differentiate(reverse, forward)]
pub fn miss_r(w: f64) -> f64 {
    let (mut x, mut y) = (0.0, 8.0);
    let (mut vx, mut vy) = (0.75, 0.0);
    let dt = 0.1;
    let mut steps = 0;
    loop {
        steps += 1;
        if steps > MAX_STEPS {
            return f64::NAN;
        }
        let (_, force) = potential::grad(x, y, w);
        let (ax, ay) = (-force.x, -force.y);
        let (nx, ny) = (x + dt * vx, y + dt * vy);
        if ny > 0.0 {
            x = nx;
            y = ny;
            vx += dt * ax;
            vy += dt * ay;
        } else {
            break;
        }
    }
    let t_f = -y / vy;
    let x_f = x + t_f * vx;
    x_f * x_f
}

/// [`miss_r()`] with the force from forward mode: one `potential::jvp` per direction.
#[differentiate(reverse, forward)]
pub fn miss_f(w: f64) -> f64 {
    let (mut x, mut y) = (0.0, 8.0);
    let (mut vx, mut vy) = (0.75, 0.0);
    let dt = 0.1;
    let mut steps = 0;
    loop {
        steps += 1;
        if steps > MAX_STEPS {
            return f64::NAN;
        }
        let (_, dx) = potential::jvp(x, y, w, 1.0, 0.0, 0.0);
        let (_, dy) = potential::jvp(x, y, w, 0.0, 1.0, 0.0);
        let (nx, ny) = (x + dt * vx, y + dt * vy);
        if ny > 0.0 {
            x = nx;
            y = ny;
            vx += dt * -dx;
            vy += dt * -dy;
        } else {
            break;
        }
    }
    let t_f = -y / vy;
    let x_f = x + t_f * vx;
    x_f * x_f
}

/// Which mode computes a gradient: reverse (`grad`) or forward (`jvp`, one per direction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Forward,
    Reverse,
}

impl Mode {
    /// The eval's function name's letter (`"rf"`: outer reverse, inner forward).
    fn of(letter: u8) -> Mode {
        if letter == b'f' {
            Mode::Forward
        } else {
            Mode::Reverse
        }
    }
}

/// The function names particle and saddle answer, each `outer inner`.
pub const VARIANTS: [&str; 4] = ["ff", "fr", "rf", "rr"];

/// The two modes a variant name (`"ff"`, `"fr"`, `"rf"`, `"rr"`) asks for, outer first.
pub fn modes(function: &str) -> Option<(Mode, Mode)> {
    VARIANTS.contains(&function).then(|| {
        (
            Mode::of(function.as_bytes()[0]),
            Mode::of(function.as_bytes()[1]),
        )
    })
}

/// particle: the control `w` that makes the particle reach the origin, by gradient descent
/// from `w0` on the squared miss, both gradients in the given modes.
pub fn particle(w0: f64, outer: Mode, inner: Mode) -> Result<f64, String> {
    let objective = |w: &[f64]| match inner {
        Mode::Reverse => miss_r(w[0]),
        Mode::Forward => miss_f(w[0]),
    };
    let gradient = |w: &[f64], g: &mut [f64]| {
        g[0] = match (outer, inner) {
            (Mode::Reverse, Mode::Reverse) => miss_r::grad(w[0]).1.w,
            (Mode::Reverse, Mode::Forward) => miss_f::grad(w[0]).1.w,
            (Mode::Forward, Mode::Reverse) => miss_r::jvp(w[0], 1.0).1,
            (Mode::Forward, Mode::Forward) => miss_f::jvp(w[0], 1.0).1,
        }
    };
    Ok(argmin(objective, gradient, &[w0])?[0])
}

/// saddle's function: `(p1x² + p1y²) − (p2x² + p2y²)`.
#[differentiate(hessian)]
pub fn saddle(p1x: f64, p1y: f64, p2x: f64, p2y: f64) -> f64 {
    (p1x * p1x + p1y * p1y) - (p2x * p2x + p2y * p2y)
}

/// `max over p2 of saddle(p1, p2)`, by gradient ascent on `p2` from `(s0, s1)` (gd.hpp's
/// `multivariate_max`: descent on `−saddle`), the inner gradient from reverse mode.
#[differentiate(reverse, forward, wrt(p1x, p1y))]
pub fn max_r(p1x: f64, p1y: f64, s0: f64, s1: f64) -> f64 {
    let (mut y0, mut y1) = (s0, s1);
    let mut fy = -saddle(p1x, p1y, y0, y1);
    let (_, g) = saddle::grad(p1x, p1y, y0, y1);
    let (mut g0, mut g1) = (-g.p2x, -g.p2y);
    let mut accepted = 0;
    let mut eta = 1e-5;
    loop {
        if (g0 * g0 + g1 * g1).sqrt() <= 1e-5 {
            break;
        } else if accepted == 10 {
            eta *= 2.0;
            accepted = 0;
        } else {
            let (n0, n1) = (y0 - eta * g0, y1 - eta * g1);
            if ((y0 - n0) * (y0 - n0) + (y1 - n1) * (y1 - n1)).sqrt() <= 1e-5 {
                break;
            }
            let fn_ = -saddle(p1x, p1y, n0, n1);
            if fn_ < fy {
                y0 = n0;
                y1 = n1;
                fy = fn_;
                let (_, g) = saddle::grad(p1x, p1y, y0, y1);
                g0 = -g.p2x;
                g1 = -g.p2y;
                accepted += 1;
            } else {
                eta /= 2.0;
                accepted = 0;
            }
        }
    }
    saddle(p1x, p1y, y0, y1)
}

/// [`max_r()`] with the inner gradient from forward mode: one `saddle::jvp` per direction.
#[differentiate(reverse, forward, wrt(p1x, p1y))]
pub fn max_f(p1x: f64, p1y: f64, s0: f64, s1: f64) -> f64 {
    let (mut y0, mut y1) = (s0, s1);
    let mut fy = -saddle(p1x, p1y, y0, y1);
    let (_, d0) = saddle::jvp(p1x, p1y, y0, y1, 0.0, 0.0, 1.0, 0.0);
    let (_, d1) = saddle::jvp(p1x, p1y, y0, y1, 0.0, 0.0, 0.0, 1.0);
    let (mut g0, mut g1) = (-d0, -d1);
    let mut accepted = 0;
    let mut eta = 1e-5;
    loop {
        if (g0 * g0 + g1 * g1).sqrt() <= 1e-5 {
            break;
        } else if accepted == 10 {
            eta *= 2.0;
            accepted = 0;
        } else {
            let (n0, n1) = (y0 - eta * g0, y1 - eta * g1);
            if ((y0 - n0) * (y0 - n0) + (y1 - n1) * (y1 - n1)).sqrt() <= 1e-5 {
                break;
            }
            let fn_ = -saddle(p1x, p1y, n0, n1);
            if fn_ < fy {
                y0 = n0;
                y1 = n1;
                fy = fn_;
                let (_, d0) = saddle::jvp(p1x, p1y, y0, y1, 0.0, 0.0, 1.0, 0.0);
                let (_, d1) = saddle::jvp(p1x, p1y, y0, y1, 0.0, 0.0, 0.0, 1.0);
                g0 = -d0;
                g1 = -d1;
                accepted += 1;
            } else {
                eta /= 2.0;
                accepted = 0;
            }
        }
    }
    saddle(p1x, p1y, y0, y1)
}

/// saddle: the saddle point `[p1x, p1y, p2x, p2y]` from `start`: `p1` minimizes the inner
/// maximum (nested: the outer gradient differentiates the inner ascent), then `p2` maximizes
/// `saddle(p1, ·)`, both from `start`, the outer gradient and the final ascent's in the
/// `outer` mode, the inner ascent's in the `inner` mode.
pub fn saddle_point(start: [f64; 2], outer: Mode, inner: Mode) -> Result<[f64; 4], String> {
    let [s0, s1] = start;
    let objective = |p: &[f64]| match inner {
        Mode::Reverse => max_r(p[0], p[1], s0, s1),
        Mode::Forward => max_f(p[0], p[1], s0, s1),
    };
    let gradient = |p: &[f64], g: &mut [f64]| {
        let (a, b) = (p[0], p[1]);
        match (outer, inner) {
            (Mode::Reverse, Mode::Reverse) => {
                let (_, d) = max_r::grad(a, b, s0, s1);
                (g[0], g[1]) = (d.p1x, d.p1y);
            }
            (Mode::Reverse, Mode::Forward) => {
                let (_, d) = max_f::grad(a, b, s0, s1);
                (g[0], g[1]) = (d.p1x, d.p1y);
            }
            (Mode::Forward, Mode::Reverse) => {
                g[0] = max_r::jvp(a, b, s0, s1, 1.0, 0.0).1;
                g[1] = max_r::jvp(a, b, s0, s1, 0.0, 1.0).1;
            }
            (Mode::Forward, Mode::Forward) => {
                g[0] = max_f::jvp(a, b, s0, s1, 1.0, 0.0).1;
                g[1] = max_f::jvp(a, b, s0, s1, 0.0, 1.0).1;
            }
        }
    };
    let p1 = argmin(objective, gradient, &start)?;
    let (a, b) = (p1[0], p1[1]);
    // The maximum over p2 at that p1: descent on −saddle, the gradient in the outer mode.
    let negated = |p: &[f64]| -saddle(a, b, p[0], p[1]);
    let negated_gradient = |p: &[f64], g: &mut [f64]| match outer {
        Mode::Reverse => {
            let (_, d) = saddle::grad(a, b, p[0], p[1]);
            (g[0], g[1]) = (-d.p2x, -d.p2y);
        }
        Mode::Forward => {
            g[0] = -saddle::jvp(a, b, p[0], p[1], 0.0, 0.0, 1.0, 0.0).1;
            g[1] = -saddle::jvp(a, b, p[0], p[1], 0.0, 0.0, 0.0, 1.0).1;
        }
    };
    let p2 = argmin(negated, negated_gradient, &start)?;
    Ok([a, b, p2[0], p2[1]])
}

/// GradBench's gradient descent (`multivariate_argmin` of `gd.hpp`), step for step, so
/// that the evals' expected outputs, which it produced, are met. An objective or gradient
/// that is not finite where the descent arrives is an error (gd.hpp would loop forever on
/// a NaN gradient, halving its step).
pub fn argmin(
    objective: impl Fn(&[f64]) -> f64,
    gradient: impl Fn(&[f64], &mut [f64]),
    start: &[f64],
) -> Result<Vec<f64>, String> {
    let finite = |x: &[f64], fx: f64, gx: &[f64]| {
        if fx.is_finite() && gx.iter().all(|g| g.is_finite()) {
            Ok(())
        } else {
            Err(format!(
                "gradient descent reached {x:?}, where the objective ({fx}) or its gradient \
                 ({gx:?}) is not finite"
            ))
        }
    };
    let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    let mut x = start.to_vec();
    let mut fx = objective(&x);
    let mut gx = vec![0.0; x.len()];
    gradient(&x, &mut gx);
    finite(&x, fx, &gx)?;
    let mut next = vec![0.0; x.len()];
    let mut accepted = 0;
    let mut eta = 1e-5;
    loop {
        if norm(&gx) <= 1e-5 {
            return Ok(x);
        } else if accepted == 10 {
            eta *= 2.0;
            accepted = 0;
        } else {
            for ((n, a), g) in next.iter_mut().zip(&x).zip(&gx) {
                *n = a - eta * g;
            }
            let step: Vec<f64> = x.iter().zip(&next).map(|(a, b)| a - b).collect();
            if norm(&step) <= 1e-5 {
                return Ok(x);
            }
            let f_next = objective(&next);
            if f_next < fx {
                std::mem::swap(&mut x, &mut next);
                fx = f_next;
                gradient(&x, &mut gx);
                finite(&x, fx, &gx)?;
                accepted += 1;
            } else {
                eta /= 2.0;
                accepted = 0;
            }
        }
    }
}
