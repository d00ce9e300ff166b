//! GradBench's evals (`evals/*/README.md` of GradBench) written as a numerical programmer
//! writes them from the READMEs: plain loops over slices, one `#[differentiate]` each. The
//! tool (`evals.rs`) answers the evals with them, the objectives benchmark
//! (`benches/objectives.rs`) times them, and `tests/objectives.rs` checks their gradients
//! against finite differences and forward mode.

#![allow(clippy::needless_range_loop, clippy::too_many_arguments)]

use backprop::differentiate;

/// llsq: `½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)²` with `tᵢ = −1 + 2i/(n − 1)`, `sᵢ = sign(tᵢ)`.
#[differentiate(reverse, forward, wrt(x))]
pub fn llsq(x: &[f64], n: usize) -> f64 {
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

/// lse: `log Σᵢ exp(xᵢ)`, computed stably from the maximum.
#[differentiate(reverse, forward)]
pub fn lse(x: &[f64]) -> f64 {
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

/// ode's right-hand side, written into `z`: `z₀ = x₀`, `zᵢ = xᵢ yᵢ₋₁` (the reference's
/// `ode_fun`). `#[differentiate]` inlines it where [`ode()`] calls it, writing the caller's
/// buffer.
fn ode_fun(x: &[f64], y: &[f64], z: &mut [f64]) {
    z[0] = x[0];
    for i in 1..x.len() {
        z[i] = x[i] * y[i - 1];
    }
}

/// ode: `y(2)` for `y₀' = x₀`, `yᵢ' = xᵢ yᵢ₋₁`, `y(0) = 0`, by `s` steps of the classical
/// fourth-order Runge–Kutta method. The eval's gradient is that of the last element.
#[differentiate(reverse, forward, wrt(x))]
pub fn ode(x: &[f64], s: usize) -> Vec<f64> {
    let n = x.len();
    let h = 2.0 / (s as f64);
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..s {
        ode_fun(x, &y, &mut k1);
        for i in 0..n {
            tmp[i] = y[i] + h * k1[i] / 2.0;
        }
        ode_fun(x, &tmp, &mut k2);
        for i in 0..n {
            tmp[i] = y[i] + h * k2[i] / 2.0;
        }
        ode_fun(x, &tmp, &mut k3);
        for i in 0..n {
            tmp[i] = y[i] + h * k3[i];
        }
        ode_fun(x, &tmp, &mut k4);
        for i in 0..n {
            y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
        }
    }
    y
}

/// The gradient of the last element of [`ode()`]'s result: its pullback at the last unit
/// vector.
pub fn ode_gradient(x: &[f64], s: usize) -> (Vec<f64>, Vec<f64>) {
    let (y, pullback) = ode::vjp(x, s);
    let mut upstream = vec![0.0; y.len()];
    upstream[y.len() - 1] = 1.0;
    (y, pullback(upstream).x)
}

/// The determinant of the minor of `a` (`n × n`, row-major) made of the rows from `row` on
/// and the columns not in `used` (a bit set), by expansion along its first row.
#[differentiate(reverse, forward)]
pub fn det_minor(a: &[f64], n: usize, row: usize, used: usize) -> f64 {
    if row + 1 == n {
        let mut last = 0.0;
        for j in 0..n {
            if used & (1 << j) == 0 {
                last = a[row * n + j];
            }
        }
        return last;
    }
    let mut det = 0.0;
    let mut sign = 1.0;
    for j in 0..n {
        if used & (1 << j) == 0 {
            det += sign * a[row * n + j] * det_minor(a, n, row + 1, used | (1 << j));
            sign = -sign;
        }
    }
    det
}

/// det: the determinant of the `ℓ × ℓ` matrix `a` (row-major) by expansion in minors.
#[differentiate(reverse, forward, wrt(a))]
pub fn det(a: &[f64], ell: usize) -> f64 {
    det_minor(a, ell, 0, 0)
}

/// lstm: the loss of GradBench's `l`-layer LSTM over a sequence of `c` characters of `b`
/// bits. `main` holds, per layer, the weights and then the biases of the forget, input and
/// output gates and the change (`8 b` values); `extra` the input weights, output weights
/// and output biases (`3 b`); `state` the hidden state and cell per layer (`2 b`).
#[differentiate(reverse, forward, wrt(main, extra))]
pub fn lstm(
    main: &[f64],
    extra: &[f64],
    state: &[f64],
    sequence: &[f64],
    l: usize,
    b: usize,
) -> f64 {
    let c = sequence.len() / b;
    let mut st = state.to_vec();
    let mut ypred = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..c - 1 {
        for i in 0..b {
            ypred[i] = sequence[t * b + i] * extra[i];
        }
        for layer in 0..l {
            let p = 8 * b * layer;
            let hid = 2 * b * layer;
            let cell = hid + b;
            for i in 0..b {
                let forget = sigmoid(ypred[i] * main[p + i] + main[p + 4 * b + i]);
                let ingate = sigmoid(st[hid + i] * main[p + b + i] + main[p + 5 * b + i]);
                let outgate = sigmoid(ypred[i] * main[p + 2 * b + i] + main[p + 6 * b + i]);
                let change = (st[hid + i] * main[p + 3 * b + i] + main[p + 7 * b + i]).tanh();
                st[cell + i] = st[cell + i] * forget + ingate * change;
                st[hid + i] = outgate * st[cell + i].tanh();
                ypred[i] = st[hid + i];
            }
        }
        for i in 0..b {
            ypred[i] = ypred[i] * extra[b + i] + extra[2 * b + i];
        }
        let mut sum = 0.0;
        for i in 0..b {
            sum += ypred[i].exp();
        }
        let lse = (sum + 2.0).ln();
        for i in 0..b {
            total += sequence[(t + 1) * b + i] * (ypred[i] - lse);
        }
    }
    -total / (((c - 1) * b) as f64)
}

/// The logistic function.
#[differentiate(reverse, forward)]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// ba: one observation's weighted reprojection error: camera `cam` (rotation as a Rodrigues
/// vector, centre, focal length, principal point, two radial distortion coefficients), the
/// point `x`, the weight `w` and the observed feature `feat`.
#[differentiate(reverse, forward, wrt(cam, x, w))]
pub fn ba(cam: &[f64; 11], x: &[f64; 3], w: f64, feat: &[f64; 2]) -> [f64; 2] {
    let pt = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let sqtheta = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    let mut rotated = [0.0; 3];
    if sqtheta != 0.0 {
        let theta = sqtheta.sqrt();
        let (sin, cos) = (theta.sin(), theta.cos());
        let u = [cam[0] / theta, cam[1] / theta, cam[2] / theta];
        let cross = [
            u[1] * pt[2] - u[2] * pt[1],
            u[2] * pt[0] - u[0] * pt[2],
            u[0] * pt[1] - u[1] * pt[0],
        ];
        let tmp = (u[0] * pt[0] + u[1] * pt[1] + u[2] * pt[2]) * (1.0 - cos);
        for i in 0..3 {
            rotated[i] = pt[i] * cos + cross[i] * sin + u[i] * tmp;
        }
    } else {
        rotated[0] = pt[0] + cam[1] * pt[2] - cam[2] * pt[1];
        rotated[1] = pt[1] + cam[2] * pt[0] - cam[0] * pt[2];
        rotated[2] = pt[2] + cam[0] * pt[1] - cam[1] * pt[0];
    }
    let px = rotated[0] / rotated[2];
    let py = rotated[1] / rotated[2];
    let rsq = px * px + py * py;
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    [
        w * (px * distortion * cam[6] + cam[7] - feat[0]),
        w * (py * distortion * cam[6] + cam[8] - feat[1]),
    ]
}

/// gmm: the log posterior of a Gaussian mixture of `k` components in `d` dimensions with a
/// Wishart prior (`m`, `gamma`), at the `n` points `x` (row-major `n × d`). `mu` and `q` are
/// `k × d`, `l` is `k × d(d − 1)/2`: component `c`'s precision is `QᵀQ` with `Q` lower
/// triangular, `exp(q)` on its diagonal and `l` below it, column by column.
#[differentiate(reverse, forward, wrt(alpha, mu, q, l))]
pub fn gmm(
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    x: &[f64],
    d: usize,
    m: usize,
    gamma: f64,
) -> f64 {
    let k = alpha.len();
    let n = x.len() / d;
    let lsz = d * (d - 1) / 2;
    // Each component's diagonal of Q, and the log of its determinant.
    let mut qdiag = vec![0.0; k * d];
    let mut sumq = vec![0.0; k];
    for c in 0..k {
        for j in 0..d {
            qdiag[c * d + j] = q[c * d + j].exp();
            sumq[c] += q[c * d + j];
        }
    }
    let mut main = vec![0.0; k];
    let mut qx = vec![0.0; d];
    let mut slse = 0.0;
    for i in 0..n {
        for c in 0..k {
            for j in 0..d {
                qx[j] = qdiag[c * d + j] * (x[i * d + j] - mu[c * d + j]);
            }
            let mut li = c * lsz;
            for a in 0..d {
                for r in a + 1..d {
                    qx[r] += l[li] * (x[i * d + a] - mu[c * d + a]);
                    li += 1;
                }
            }
            let mut sq = 0.0;
            for j in 0..d {
                sq += qx[j] * qx[j];
            }
            main[c] = alpha[c] + sumq[c] - 0.5 * sq;
        }
        slse += logsumexp(&main);
    }
    let mut prior = 0.0;
    for c in 0..k {
        let mut frobenius = 0.0;
        for j in 0..d {
            frobenius += qdiag[c * d + j] * qdiag[c * d + j];
        }
        for j in 0..lsz {
            frobenius += l[c * lsz + j] * l[c * lsz + j];
        }
        prior += 0.5 * gamma * gamma * frobenius - (m as f64) * sumq[c];
    }
    let dof = d + m + 1;
    let log_gamma = log_multigamma(0.5 * dof as f64, d);
    let wishart = (k as f64) * ((dof * d) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - log_gamma);
    let constant = -((n * d) as f64) * 0.5 * (2.0 * std::f64::consts::PI).ln();
    constant + slse - (n as f64) * logsumexp(alpha) + wishart - prior
}

/// `log Σ exp(v)`, computed stably from the maximum. A plain helper: `#[differentiate]`
/// inlines it where [`gmm()`] calls it, once per point (a differentiated function there would
/// be called through its `vjp`, a pullback per point).
pub fn logsumexp(v: &[f64]) -> f64 {
    let mut mx = v[0];
    for i in 1..v.len() {
        mx = mx.max(v[i]);
    }
    let mut s = 0.0;
    for i in 0..v.len() {
        s += (v[i] - mx).exp();
    }
    s.ln() + mx
}

/// `log Γ_d(a)`, the multivariate gamma function (a constant of the objective).
pub fn log_multigamma(a: f64, d: usize) -> f64 {
    let mut out = 0.25 * (d * (d - 1)) as f64 * std::f64::consts::PI.ln();
    for j in 1..=d {
        out += ln_gamma(a + 0.5 * (1.0 - j as f64));
    }
    out
}

/// `log Γ(x)` for `x > 0` (Lanczos, g = 7): enough for a constant term.
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI.ln()
            - (std::f64::consts::PI * x).sin().ln()
            - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Deterministic inputs in [-1, 1) (SplitMix64), so runs and tests see the same numbers.
pub fn uniform(seed: u64, len: usize) -> Vec<f64> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

/// hello: `x²`, whose gradient is the eval's `double`.
#[differentiate(reverse, forward)]
pub fn square(x: f64) -> f64 {
    x * x
}

/// ba: the weight's regularization error, `1 − w²`.
#[differentiate(reverse, forward)]
pub fn w_err(w: f64) -> f64 {
    1.0 - w * w
}

/// kmeans: `Σᵢ minⱼ |cⱼ − pᵢ|²` for the `d`-dimensional points `p` and centroids `c`
/// (row-major). Its Hessian in `c` is diagonal, so one Hessian-vector product with a
/// vector of ones gives the diagonal, beside the gradient.
#[differentiate(hessian, wrt(c))]
pub fn kmeans(p: &[f64], c: &[f64], d: usize) -> f64 {
    let n = p.len() / d;
    let k = c.len() / d;
    let mut cost = 0.0;
    for i in 0..n {
        let point = &p[i * d..(i + 1) * d];
        let mut closest = f64::INFINITY;
        for j in 0..k {
            let centroid = &c[j * d..(j + 1) * d];
            let mut distance = 0.0;
            for l in 0..d {
                let diff = centroid[l] - point[l];
                distance += diff * diff;
            }
            closest = closest.min(distance);
        }
        cost += closest;
    }
    cost
}
