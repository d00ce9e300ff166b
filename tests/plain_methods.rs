//! Ordinary methods of a struct with a gradient (no `#[differentiate]`), called on a
//! parameter from a differentiated function or method: inlined where called, `self` the
//! parameter itself. They were calls to a derivative that does not exist (rustc's E0599 at
//! the generated `__differentiate_accel`).

use backprop::{Differentiable, differentiate};
mod common;
use common::{assert_close, assert_fd, check_hvp};

#[derive(Differentiable, Clone, Debug)]
pub struct Pendulum {
    pub length: f64,
    pub damping: f64,
    pub steps: usize,
}

impl Pendulum {
    fn accel(&self, th: f64, om: f64) -> f64 {
        -9.81 / self.length * th.sin() - self.friction(om)
    }

    fn friction(&self, om: f64) -> f64 {
        let k = self.damping;
        k * om
    }
}

/// The angle after `steps` semi-implicit Euler steps.
#[differentiate(hessian, wrt(p))]
fn swing(p: &Pendulum, th0: f64) -> f64 {
    let (mut th, mut om) = (th0, 0.0);
    let dt = 0.01;
    for _ in 0..p.steps {
        let a = p.accel(th, om);
        om += dt * a;
        th += dt * om;
    }
    th
}

fn pendulum(v: &[f64]) -> Pendulum {
    Pendulum {
        length: v[0],
        damping: v[1],
        steps: 150,
    }
}

#[test]
fn a_parameters_plain_methods_are_inlined() {
    let at = [1.3, 0.2];
    let (value, g) = swing::grad(&pendulum(&at), 0.4);
    assert_eq!(value, swing(&pendulum(&at), 0.4));
    let grad = |v: &[f64]| {
        let g = swing::grad(&pendulum(v), 0.4).1.p;
        vec![g.length, g.damping]
    };
    assert_fd(|v| swing(&pendulum(v), 0.4), &at, &grad(&at));
    let dp = PendulumGrad {
        length: 0.3,
        damping: -0.5,
    };
    let (_, tangent) = swing::jvp(&pendulum(&at), 0.4, &dp);
    assert_close(tangent, g.p.length * 0.3 - g.p.damping * 0.5, 1e-12);
    check_hvp(
        grad,
        |v, u| {
            let du = PendulumGrad {
                length: u[0],
                damping: u[1],
            };
            let h = swing::hvp(&pendulum(v), 0.4, &du).2.p;
            vec![h.length, h.damping]
        },
        &at,
        3,
    );
}

#[derive(Differentiable, Clone, Debug)]
pub struct Model {
    pub w: Vec<f64>,
    pub b: f64,
}

#[differentiate]
impl Model {
    fn score(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.b
    }

    fn prob(&self, x: &[f64]) -> f64 {
        1.0 / (1.0 + (-self.score(x)).exp())
    }

    /// A sibling without the attribute, given rows of a nested sequence.
    #[differentiate]
    fn nll(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut s = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let p = self.prob(x);
            s -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
        }
        s
    }
}

/// The same methods called on a parameter, with a local copy and a computed argument.
#[differentiate(hessian, wrt(m))]
fn penalized(m: &Model, x: &[f64]) -> f64 {
    let twice: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
    let s = m.score(x);
    s * s + m.prob(&twice) * 0.5 + m.b * m.b
}

fn model(v: &[f64]) -> Model {
    Model {
        w: v[..3].to_vec(),
        b: v[3],
    }
}

#[test]
fn plain_sibling_methods_of_a_differentiated_impl() {
    let at = [0.3, -0.2, 0.5, 0.1];
    let xs = vec![vec![0.5, -1.0, 0.3], vec![1.2, 0.4, -0.7]];
    let ys = [1.0, 0.0];
    let (value, g) = model(&at).nll_grad(&xs, &ys);
    assert_eq!(value, model(&at).nll(&xs, &ys));
    let flat = |g: &ModelGrad| vec![g.w[0], g.w[1], g.w[2], g.b];
    assert_fd(|v| model(v).nll(&xs, &ys), &at, &flat(&g.this));

    let x = [0.5, -1.0, 0.3];
    let grad = |v: &[f64]| flat(&penalized::grad(&model(v), &x).1.m);
    assert_eq!(
        penalized::grad(&model(&at), &x).0,
        penalized(&model(&at), &x)
    );
    assert_fd(|v| penalized(&model(v), &x), &at, &grad(&at));
    check_hvp(
        grad,
        |v, u| {
            let du = ModelGrad {
                w: u[..3].to_vec(),
                b: u[3],
            };
            flat(&penalized::hvp(&model(v), &x, &du).2.m)
        },
        &at,
        5,
    );
}

#[derive(Differentiable, Clone, Debug)]
pub struct Layer {
    pub w: Vec<f64>,
}

impl Layer {
    pub fn norm(&self) -> f64 {
        self.w.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Net {
    pub a: Layer,
    pub b: Layer,
}

/// Plain methods called through field chains of a parameter (`m.a.norm()`).
#[differentiate(reverse, forward, wrt(m))]
fn norms(m: &Net, x: f64) -> f64 {
    m.a.norm() * x + m.b.norm().ln()
}

#[test]
fn plain_methods_of_a_parameters_fields() {
    let net = |v: &[f64]| Net {
        a: Layer { w: v[..2].to_vec() },
        b: Layer { w: v[2..].to_vec() },
    };
    let at = [0.3, -1.2, 0.5, 2.0, -0.7];
    let (value, g) = norms::grad(&net(&at), 1.5);
    assert_eq!(value, norms(&net(&at), 1.5));
    let flat = [g.m.a.w.clone(), g.m.b.w.clone()].concat();
    assert_fd(|v| norms(&net(v), 1.5), &at, &flat);
    let dm = NetGrad {
        a: LayerGrad { w: vec![0.1, 0.2] },
        b: LayerGrad {
            w: vec![-0.3, 0.4, 0.5],
        },
    };
    let (_, tangent) = norms::jvp(&net(&at), 1.5, &dm);
    let dot: f64 = flat
        .iter()
        .zip([0.1, 0.2, -0.3, 0.4, 0.5])
        .map(|(g, d)| g * d)
        .sum();
    assert_close(tangent, dot, 1e-12);
}

#[derive(Differentiable, Clone, Debug)]
pub struct Logistic {
    pub w: Vec<f64>,
    pub b: f64,
}

impl Logistic {
    /// Binds its parameter's name again in a closure, a loop, a `match` arm and a `let`.
    fn logit(&self, x: &[f64]) -> f64 {
        let z = self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b;
        let mut wide = 0.0;
        for x in x.iter() {
            wide += 0.01 * x * self.b;
        }
        let tail = match x.len() {
            0 => 0.0,
            x => x as f64 * 1e-3 * self.b,
        };
        let x = z + wide;
        x + tail
    }
}

/// A mean negative log-likelihood over rows of data, each row passed to the method by the
/// name its walk binds (`model.logit(x)`, a row of a `&[Vec<f64>]`).
#[differentiate(reverse, forward, wrt(model))]
fn nll(model: &Logistic, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        let p = 1.0 / (1.0 + (-model.logit(x)).exp());
        loss -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
    }
    loss / xs.len() as f64
}

fn logistic(v: &[f64]) -> Logistic {
    Logistic {
        w: v[..3].to_vec(),
        b: v[3],
    }
}

#[test]
fn a_row_passed_by_name_to_a_method_that_binds_its_parameters_name_again() {
    let xs = vec![
        vec![0.5, 1.0, -0.2],
        vec![-0.3, 0.2, 0.9],
        vec![1.5, -0.5, 0.1],
    ];
    let ys = [1.0, 0.0, 1.0];
    let model = logistic;
    let at = [0.2, -0.4, 0.7, 0.1];
    let (value, g) = nll::grad(&model(&at), &xs, &ys);
    assert_eq!(value, nll(&model(&at), &xs, &ys));
    let flat = [g.model.w.clone(), vec![g.model.b]].concat();
    assert_fd(|v| nll(&model(v), &xs, &ys), &at, &flat);
    let dm = LogisticGrad {
        w: vec![0.3, -0.1, 0.2],
        b: 0.5,
    };
    let (_, tangent) = nll::jvp(&model(&at), &xs, &ys, &dm);
    let dot: f64 = flat
        .iter()
        .zip([0.3, -0.1, 0.2, 0.5])
        .map(|(g, d)| g * d)
        .sum();
    assert_close(tangent, dot, 1e-12);
}

/// A trait declared beside the function, implemented without `#[differentiate]`: its
/// methods, written or provided by the trait (`prob`), are inlined as inherent ones are.
pub trait Score {
    fn score(&self, x: &[f64]) -> f64;

    fn prob(&self, x: &[f64]) -> f64 {
        1.0 / (1.0 + (-self.score(x)).exp())
    }
}

impl Score for Logistic {
    fn score(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b
    }
}

#[differentiate(reverse, forward, wrt(model))]
fn log_prob(model: &Logistic, x: &[f64]) -> f64 {
    model.prob(x).ln() + 0.1 * model.score(x)
}

/// A loss of a `Logistic` model and one sample: its value, its gradient against central
/// differences, and `jvp` against the gradient by the dot product.
fn check_logistic_loss(
    f: fn(&Logistic, &[f64]) -> f64,
    grad: impl Fn(&Logistic, &[f64]) -> (f64, LogisticGrad),
    jvp: impl Fn(&Logistic, &[f64], &LogisticGrad) -> f64,
) {
    let x = [0.5, -1.0, 0.3];
    let at = [0.2, -0.4, 0.7, 0.1];
    let (value, g) = grad(&logistic(&at), &x);
    assert_eq!(value, f(&logistic(&at), &x));
    let flat = [g.w.clone(), vec![g.b]].concat();
    assert_fd(|v| f(&logistic(v), &x), &at, &flat);
    let dm = LogisticGrad {
        w: vec![0.3, -0.1, 0.2],
        b: 0.5,
    };
    let tangent = jvp(&logistic(&at), &x, &dm);
    let dot: f64 = flat
        .iter()
        .zip([0.3, -0.1, 0.2, 0.5])
        .map(|(g, d)| g * d)
        .sum();
    assert_close(tangent, dot, 1e-12);
}

#[test]
fn methods_of_a_trait_declared_beside_the_function() {
    check_logistic_loss(
        log_prob,
        |m, x| {
            let (value, g) = log_prob::grad(m, x);
            (value, g.model)
        },
        |m, x, dm| log_prob::jvp(m, x, dm).1,
    );
}

/// A trait declared in an inline module, used here and implemented beside the function:
/// read from the module (was `__differentiate_soft` not found, in generated code).
mod margins {
    pub trait Margin {
        fn margin(&self, x: &[f64]) -> f64;

        fn soft(&self, x: &[f64]) -> f64 {
            (1.0 + (-self.margin(x)).exp()).ln()
        }
    }
}
use margins::Margin;

impl margins::Margin for Logistic {
    fn margin(&self, x: &[f64]) -> f64 {
        self.b - self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>()
    }
}

#[differentiate(reverse, forward, wrt(model))]
fn soft_margin(model: &Logistic, x: &[f64]) -> f64 {
    model.soft(x) + 0.1 * model.margin(x)
}

#[test]
fn methods_of_a_trait_declared_in_a_module_of_the_file() {
    check_logistic_loss(
        soft_margin,
        |m, x| {
            let (value, g) = soft_margin::grad(m, x);
            (value, g.model)
        },
        |m, x, dm| soft_margin::jvp(m, x, dm).1,
    );
}

#[derive(Differentiable, Clone, Debug)]
pub struct Dense {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl Dense {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| {
                let z: f64 = row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b;
                z.tanh()
            })
            .collect()
    }

    /// Binds `i`, a name the caller's receiver `net.layers[i]` reads (renamed apart).
    fn penalty(&self) -> f64 {
        let mut s = 0.0;
        for i in 0..self.b.len() {
            s += self.b[i] * self.b[i] * (i + 1) as f64;
        }
        s
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Mlp {
    pub layers: Vec<Dense>,
    pub scale: f64,
}

/// A network as a `Vec` of layers whose methods have no `#[differentiate]`: called on the
/// element a loop walks (`for layer in &net.layers`, `net.layers.iter()`) and on an indexed
/// one (`net.layers[i]`).
#[differentiate(reverse, forward, wrt(net))]
fn mlp_loss(net: &Mlp, x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in &net.layers {
        h = layer.forward(&h);
    }
    let mut p = 0.0;
    for i in 0..net.layers.len() {
        p += net.layers[i].penalty();
    }
    for layer in net.layers.iter() {
        p += 0.5 * layer.penalty();
    }
    h.iter().sum::<f64>() * net.scale + 0.1 * p
}

fn mlp(p: &[f64]) -> Mlp {
    Mlp {
        layers: vec![
            Dense {
                w: vec![vec![p[0], p[1]], vec![p[2], p[3]]],
                b: vec![p[4], p[5]],
            },
            Dense {
                w: vec![vec![p[6], p[7]]],
                b: vec![p[8]],
            },
        ],
        scale: p[9],
    }
}

fn mlp_flat(g: &MlpGrad) -> Vec<f64> {
    let mut flat: Vec<f64> = g
        .layers
        .iter()
        .flat_map(|l| {
            l.w.iter()
                .flatten()
                .chain(&l.b)
                .copied()
                .collect::<Vec<_>>()
        })
        .collect();
    flat.push(g.scale);
    flat
}

#[test]
fn plain_methods_of_a_parameters_sequence_of_structs() {
    let at = [0.5, -0.2, 0.3, 0.8, 0.1, -0.1, 1.0, 0.4, 0.05, 1.3];
    let x = [0.7, 0.2];
    let (value, g) = mlp_loss::grad(&mlp(&at), &x);
    assert_eq!(value, mlp_loss(&mlp(&at), &x));
    let flat = mlp_flat(&g.net);
    assert_fd(|p| mlp_loss(&mlp(p), &x), &at, &flat);
    let dir: Vec<f64> = (0..10).map(|i| 0.1 * i as f64 - 0.4).collect();
    let tangent = mlp_loss::jvp(&mlp(&at), &x, &mlp_grad(&dir)).1;
    let dot: f64 = flat.iter().zip(&dir).map(|(g, d)| g * d).sum();
    assert_close(tangent, dot, 1e-12);
}

fn mlp_grad(p: &[f64]) -> MlpGrad {
    let m = mlp(p);
    MlpGrad {
        layers: m
            .layers
            .into_iter()
            .map(|l| DenseGrad { w: l.w, b: l.b })
            .collect(),
        scale: m.scale,
    }
}

#[derive(Differentiable, Clone, Copy, Debug)]
pub struct P2 {
    pub x: f64,
    pub y: f64,
}

impl P2 {
    fn norm(&self) -> f64 {
        (self.x * self.x + self.y * self.y).sqrt()
    }

    fn dot(&self, o: &P2) -> f64 {
        self.x * o.x + self.y * o.y
    }
}

/// A struct parameter passed to a method taking `o: &P2` (`a.dot(&b)`), or bound to
/// another name (`let c = b;`): read as the parameter itself. Both were copies whose fields
/// read as constants, a wrong gradient (∂/∂b of the dot product lost).
#[differentiate(reverse, forward)]
fn angle(a: P2, b: &P2) -> f64 {
    let c = b;
    // Several names at once (was an error at the pattern).
    let (u, w) = (&a, *b);
    // A struct parameter and a value at once (was the struct-alias error).
    let (z, mut s) = (b, 0.5 * a.x);
    s *= c.y;
    (a.dot(b) / (a.norm() * c.norm())).acos() + 0.1 * c.x + 0.05 * u.y * w.dot(&a) + s * z.norm()
}

/// Elements of a sequence of structs passed to such a method, in a loop and in chains.
#[differentiate(reverse, forward)]
fn against_first(ps: &[P2]) -> f64 {
    let mut s = 0.0;
    for p in ps.iter() {
        s += p.dot(&ps[0]);
    }
    s + ps.iter().map(|q| q.norm()).sum::<f64>()
        + ps.iter().fold(0.0, |acc, q| acc + q.dot(&ps[ps.len() - 1]))
}

#[test]
fn struct_parameters_passed_by_reference_or_bound_to_another_name() {
    let at = [0.3, 0.9, -0.5, 0.4];
    let p = |v: &[f64], i: usize| P2 {
        x: v[2 * i],
        y: v[2 * i + 1],
    };
    let (value, g) = angle::grad(p(&at, 0), &p(&at, 1));
    assert_eq!(value, angle(p(&at, 0), &p(&at, 1)));
    let flat = [g.a.x, g.a.y, g.b.x, g.b.y];
    assert_fd(|v| angle(p(v, 0), &p(v, 1)), &at, &flat);
    let (da, db) = (P2Grad { x: 0.2, y: -0.3 }, P2Grad { x: 0.5, y: 0.1 });
    let tangent = angle::jvp(p(&at, 0), &p(&at, 1), da, &db).1;
    let dot: f64 = flat
        .iter()
        .zip([0.2, -0.3, 0.5, 0.1])
        .map(|(g, d)| g * d)
        .sum();
    assert_close(tangent, dot, 1e-12);

    let at = [0.3, 0.9, -0.5, 0.4, 1.0, -0.2];
    let ps = |v: &[f64]| (0..3).map(|i| p(v, i)).collect::<Vec<_>>();
    let (value, g) = against_first::grad(&ps(&at));
    assert_eq!(value, against_first(&ps(&at)));
    let flat: Vec<f64> = g.ps.iter().flat_map(|q| [q.x, q.y]).collect();
    assert_fd(|v| against_first(&ps(v)), &at, &flat);
    let dir: Vec<P2Grad> = (0..3)
        .map(|i| P2Grad {
            x: 0.1 * i as f64,
            y: -0.2,
        })
        .collect();
    let tangent = against_first::jvp(&ps(&at), &dir).1;
    let dot: f64 =
        g.ps.iter()
            .zip(&dir)
            .map(|(g, d)| g.x * d.x + g.y * d.y)
            .sum();
    assert_close(tangent, dot, 1e-12);
}

#[derive(Differentiable, Clone, Copy, Debug)]
pub struct Q2 {
    pub a: f64,
    pub b: f64,
}

impl Q2 {
    fn at(&self, t: f64) -> f64 {
        self.a * t + self.b * t * t
    }

    /// Calls a method of its `o: &Q2` too.
    fn pair(&self, o: &Q2) -> f64 {
        self.at(o.a) + o.at(self.b)
    }
}

/// Struct parameters passed by reference to a method that calls their methods, each other
/// and themselves (`p.pair(&p)`), and elements of a sequence of them.
#[differentiate(reverse, forward)]
fn pairs(p: Q2, q: &Q2, qs: &[Q2]) -> f64 {
    let mut s = p.pair(q) + q.pair(&p) + p.pair(&p);
    for i in 1..qs.len() {
        s += qs[i].pair(&qs[i - 1]);
    }
    s
}

#[test]
fn methods_of_struct_parameters_passed_by_reference() {
    let at = [0.3, 0.9, -0.5, 0.4, 1.2, -0.3, 0.7, 0.2];
    let q = |v: &[f64], i: usize| Q2 {
        a: v[2 * i],
        b: v[2 * i + 1],
    };
    let f = |v: &[f64]| pairs(q(v, 0), &q(v, 1), &[q(v, 2), q(v, 3)]);
    let (value, g) = pairs::grad(q(&at, 0), &q(&at, 1), &[q(&at, 2), q(&at, 3)]);
    assert_eq!(value, f(&at));
    let mut flat = vec![g.p.a, g.p.b, g.q.a, g.q.b];
    flat.extend(g.qs.iter().flat_map(|e| [e.a, e.b]));
    assert_fd(f, &at, &flat);
    let d = |a: f64, b: f64| Q2Grad { a, b };
    let tangent = pairs::jvp(
        q(&at, 0),
        &q(&at, 1),
        &[q(&at, 2), q(&at, 3)],
        d(0.1, -0.2),
        &d(0.3, 0.4),
        &vec![d(-0.5, 0.6), d(0.7, -0.8)],
    )
    .1;
    let dir = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8];
    let dot: f64 = flat.iter().zip(dir).map(|(g, d)| g * d).sum();
    assert_close(tangent, dot, 1e-12);
}

/// A polyline's length and the signed areas of its corners, over windows of a sequence of
/// structs: a chain mapping each window (`w[1].x - w[0].x`, read in place), a loop over
/// windows of three whose elements are bound by a tuple `let`, and a tuple `let` of two
/// elements by index, their plain method called, also on a window's elements
/// (`w[0].dot(&w[1])`; all were errors: "a row of a nested sequence").
#[differentiate(reverse, forward)]
fn polyline(ps: &[P2]) -> f64 {
    let length: f64 = ps
        .windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum();
    let mut turning = 0.0;
    for w in ps.windows(3) {
        let (p, q, r) = (&w[0], &w[1], &w[2]);
        turning += (q.x - p.x) * (r.y - q.y) - (q.y - p.y) * (r.x - q.x);
        turning += 0.1 * w[0].dot(&w[w.len() - 1]);
    }
    let bends: f64 = ps.windows(2).map(|w| w[1].dot(&w[0]).tanh()).sum();
    let mut ends = 0.0;
    for i in 1..ps.len() {
        let (a, b) = (ps[i - 1], &ps[i]);
        ends += a.dot(b) * 0.1 + a.dot(&ps[0]) * 0.05;
    }
    length + 0.5 * turning + ends + bends
}

/// Windows of the rows of a nested sequence, mapped: `w[0][1]` read in place.
#[differentiate(reverse, forward)]
fn row_windows(rows: &[Vec<f64>]) -> f64 {
    rows.windows(2).map(|w| (w[0][1] * w[1][0]).sin()).sum()
}

#[test]
fn windows_of_structs_and_of_rows() {
    let p = |v: &[f64]| -> Vec<P2> { v.chunks(2).map(|c| P2 { x: c[0], y: c[1] }).collect() };
    let at = [0.0, 0.1, 1.0, 0.5, 1.5, 2.0, 0.3, 1.0];
    let (value, g) = polyline::grad(&p(&at));
    assert_eq!(value, polyline(&p(&at)));
    let flat: Vec<f64> = g.ps.iter().flat_map(|d| [d.x, d.y]).collect();
    assert_fd(|v| polyline(&p(v)), &at, &flat);
    let dir = [0.3, -0.2, 0.5, 0.1, -0.4, 0.7, 0.2, -0.6];
    let dps: Vec<P2Grad> = dir.chunks(2).map(|c| P2Grad { x: c[0], y: c[1] }).collect();
    let tangent = polyline::jvp(&p(&at), &dps).1;
    let dot: f64 = flat.iter().zip(dir).map(|(g, d)| g * d).sum();
    assert_close(tangent, dot, 1e-12);

    let r = |v: &[f64]| -> Vec<Vec<f64>> { v.chunks(2).map(<[f64]>::to_vec).collect() };
    let at = [0.4, -0.3, 1.2, 0.8, -0.5, 0.6];
    let (value, g) = row_windows::grad(&r(&at));
    assert_eq!(value, row_windows(&r(&at)));
    let flat = g.rows.concat();
    assert_fd(|v| row_windows(&r(v)), &at, &flat);
    let tangent = row_windows::jvp(&r(&at), &r(&dir[..6])).1;
    let dot: f64 = flat.iter().zip(dir).map(|(g, d)| g * d).sum();
    assert_close(tangent, dot, 1e-12);
}

/// A struct without a gradient passed as a constant (a potential's settings): its methods,
/// inherent and of a trait declared here, called with values that carry derivatives (were
/// "does not know the derivative of `.energy()`").
struct Harmonic {
    k: f64,
    center: f64,
}

trait Potential {
    fn energy(&self, x: f64) -> f64;
}

impl Potential for Harmonic {
    fn energy(&self, x: f64) -> f64 {
        let d = x - self.center;
        0.5 * self.k * d * d
    }
}

impl Harmonic {
    fn force(&self, x: f64) -> f64 {
        -self.k * (x - self.center)
    }
}

#[differentiate(hessian, wrt(x))]
fn settled(p: &Harmonic, x: &[f64]) -> f64 {
    let mut s = x.iter().map(|&v| p.energy(v)).sum::<f64>();
    for &v in x {
        s += (p.force(v) * v).tanh();
    }
    s
}

#[test]
fn methods_of_a_constant_struct_without_a_gradient() {
    let p = Harmonic {
        k: 2.0,
        center: 0.25,
    };
    let x = [0.5, -1.5, 0.75];
    let (value, g) = settled::grad(&p, &x);
    assert_eq!(value, settled(&p, &x));
    assert_fd(|v| settled(&p, v), &x, &g.x);
    let dir = [0.3, -0.2, 0.5];
    let dot: f64 = g.x.iter().zip(dir).map(|(g, d)| g * d).sum();
    assert_close(settled::jvp(&p, &x, &dir).1, dot, 1e-12);
    check_hvp(
        |v| settled::grad(&p, v).1.x,
        |v, t| settled::hvp(&p, v, t).2.x,
        &x,
        13,
    );
}

#[derive(Differentiable, Clone)]
pub struct Spring {
    pub k: f64,
    pub slack: f64,
}

impl Spring {
    /// No force while slack: an early `return`.
    fn force(&self, x: f64) -> f64 {
        if x.abs() < self.slack {
            return 0.0;
        }
        -self.k * (x - self.slack * x.signum())
    }
}

#[differentiate(wrt(s))]
fn work(s: &Spring, xs: &[f64]) -> f64 {
    xs.iter().map(|&x| s.force(x) * x).sum()
}

#[test]
fn a_plain_method_that_returns_early() {
    let xs = [0.05, 0.8, -1.3, 0.1];
    let at = [2.5, 0.2];
    let spring = |v: &[f64]| Spring {
        k: v[0],
        slack: v[1],
    };
    let (value, g) = work::grad(&spring(&at), &xs);
    assert_eq!(value, work(&spring(&at), &xs));
    assert_fd(|v| work(&spring(v), &xs), &at, &[g.s.k, g.s.slack]);
}

#[derive(Differentiable, Clone, Debug)]
pub struct Affine {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl Affine {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b)
            .collect()
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct TwoLayers {
    pub l1: Affine,
    pub l2: Affine,
}

fn leaky(v: f64) -> f64 {
    v.max(0.1 * v)
}

/// A method's collected result walked by a chain and indexed where it is made
/// (`m.l1.forward(x).into_iter().map(leaky)`, `m.l2.forward(&h)[0]`): each was "does not
/// support `.collect(..)` in an iterator chain".
#[differentiate(wrt(m))]
fn two_layer_loss(m: &TwoLayers, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        let h: Vec<f64> = m.l1.forward(x).into_iter().map(leaky).collect();
        let out = m.l2.forward(&h)[0];
        total += (out - y).powi(2);
    }
    total / xs.len() as f64
}

#[test]
fn a_methods_collected_result_walked_and_indexed() {
    let model = |v: &[f64]| TwoLayers {
        l1: Affine {
            w: vec![v[0..2].to_vec(), v[2..4].to_vec(), v[4..6].to_vec()],
            b: v[6..9].to_vec(),
        },
        l2: Affine {
            w: vec![v[9..12].to_vec()],
            b: vec![v[12]],
        },
    };
    let at = [
        0.5, -0.3, 0.2, 0.8, -0.6, 0.1, 0.15, -0.1, 0.05, 0.3, -0.7, 0.5, 0.2,
    ];
    let xs = vec![vec![1.0, 2.0], vec![-0.5, 0.3], vec![0.7, -1.2]];
    let ys = [0.4, -0.2, 0.1];
    let (value, g) = two_layer_loss::grad(&model(&at), &xs, &ys);
    assert_eq!(value, two_layer_loss(&model(&at), &xs, &ys));
    let flat: Vec<f64> = [g.m.l1.w.concat(), g.m.l1.b, g.m.l2.w.concat(), g.m.l2.b].concat();
    assert_fd(|v| two_layer_loss(&model(v), &xs, &ys), &at, &flat);
}

/// An ordinary function of a struct with a gradient that calls its method: the struct
/// the caller passes by name is the caller's parameter in the function's body, so the
/// method is inlined as a parameter's (it was "the receiver is not a parameter").
fn first_unit(layer: &Affine, x: &[f64]) -> f64 {
    layer.forward(x)[0].tanh()
}

#[differentiate(wrt(m))]
fn first_units(m: &TwoLayers, x: &[f64]) -> f64 {
    let h = m.l1.forward(x);
    first_unit(&m.l2, &h) * first_unit(&m.l1, x)
}

#[differentiate(wrt(a))]
fn first_unit_squared(a: &Affine, x: &[f64]) -> f64 {
    let layer = 2.0;
    first_unit(a, x).powi(2) * layer
}

#[test]
fn a_helper_calling_a_method_of_the_struct_passed() {
    let affine = |v: &[f64]| Affine {
        w: vec![v[0..2].to_vec(), v[2..4].to_vec()],
        b: v[4..6].to_vec(),
    };
    let at = [0.5, -0.3, 0.2, 0.8, 0.15, -0.1];
    let x = [0.7, -1.2];
    let (value, g) = first_unit_squared::grad(&affine(&at), &x);
    assert_eq!(value, first_unit_squared(&affine(&at), &x));
    let flat = [g.a.w.concat(), g.a.b].concat();
    assert_fd(|v| first_unit_squared(&affine(v), &x), &at, &flat);
    let model = |v: &[f64]| TwoLayers {
        l1: affine(&v[..6]),
        l2: Affine {
            w: vec![v[6..8].to_vec()],
            b: vec![v[8]],
        },
    };
    let at = [0.5, -0.3, 0.2, 0.8, 0.15, -0.1, 0.3, -0.7, 0.2];
    let (value, g) = first_units::grad(&model(&at), &x);
    assert_eq!(value, first_units(&model(&at), &x));
    let flat = [g.m.l1.w.concat(), g.m.l1.b, g.m.l2.w.concat(), g.m.l2.b].concat();
    assert_fd(|v| first_units(&model(v), &x), &at, &flat);
}

/// A struct with a gradient whose method calls a function of the type without `self`
/// (`Self::act`, `Gated::gate`): inlined as a function of floats (it was "`Gated::act` is a
/// function of the type").
#[derive(Differentiable, Clone, Debug)]
pub struct Gated {
    pub w: Vec<f64>,
    pub b: f64,
}

impl Gated {
    fn act(z: f64) -> f64 {
        z.tanh() * 0.5 + z * 0.1
    }

    fn gate(z: f64, k: f64) -> f64 {
        1.0 / (1.0 + (-k * z).exp())
    }

    fn output(&self, x: &[f64]) -> f64 {
        let z: f64 = self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b;
        Self::act(z) * Gated::gate(z, 2.0)
    }
}

#[differentiate(hessian, wrt(g))]
fn gated(g: &Gated, x: &[f64]) -> f64 {
    g.output(x).powi(2) + Gated::act(g.b)
}

#[test]
fn a_function_of_the_type_called_by_its_methods() {
    let model = |v: &[f64]| Gated {
        w: v[..2].to_vec(),
        b: v[2],
    };
    let at = [0.4, -0.7, 0.2];
    let x = [1.5, 0.5];
    let (value, g) = gated::grad(&model(&at), &x);
    assert_eq!(value, gated(&model(&at), &x));
    let flat = [g.g.w.clone(), vec![g.g.b]].concat();
    assert_fd(|v| gated(&model(v), &x), &at, &flat);
    check_hvp(
        |v| {
            let g = gated::grad(&model(v), &x).1.g;
            [g.w, vec![g.b]].concat()
        },
        |v, u| {
            let t = GatedGrad {
                w: u[..2].to_vec(),
                b: u[2],
            };
            let h = gated::hvp(&model(v), &x, &t).2.g;
            [h.w, vec![h.b]].concat()
        },
        &at,
        8,
    );
}

/// Unit structs as strategies (`struct Softplus;`), with and without `Copy`: a trait's
/// methods (a provided one too) called on a local bound to one, on one written out, on a
/// parameter, and one lent to helpers generic over the trait (`&A`, `&impl Act`). Such a
/// struct holds nothing: its methods were "does not know the derivative of `.act()`".
pub trait Act {
    fn act(&self, v: f64) -> f64;
    fn twice(&self, v: f64) -> f64 {
        self.act(self.act(v))
    }
}

#[derive(Clone, Copy)]
pub struct Softplus;

pub struct Tanh;

impl Act for Softplus {
    fn act(&self, v: f64) -> f64 {
        (1.0 + v.exp()).ln()
    }
}

impl Act for Tanh {
    fn act(&self, v: f64) -> f64 {
        v.tanh()
    }
}

impl Tanh {
    fn scaled(&self, v: f64, k: f64) -> f64 {
        k * self.act(v)
    }
}

fn layer<A: Act>(a: &A, x: &[f64]) -> f64 {
    x.iter().map(|&v| a.act(v)).sum()
}

fn layer_twice(a: &impl Act, x: &[f64]) -> f64 {
    x.iter().map(|&v| a.twice(v)).sum()
}

#[differentiate(hessian)]
fn strategies(x: &[f64], marker: &Tanh) -> f64 {
    let s = Softplus;
    let t = Tanh;
    layer(&s, x) * layer(&Tanh, x)
        + layer_twice(&Softplus, x)
        + marker.act(x[0])
        + Tanh.act(x[1])
        + s.twice(x[2])
        + t.scaled(x[3], 0.5)
}

#[test]
fn unit_structs_as_strategies() {
    for (seed, x) in [(1, [0.3, -1.2, 2.1, 0.7]), (2, [-0.5, 0.4, -1.1, 1.3])] {
        let (value, g) = strategies::grad(&x, &Tanh);
        assert_eq!(value, strategies(&x, &Tanh));
        assert_fd(|q| strategies(q, &Tanh), &x, &g.x);
        check_hvp(
            |q| strategies::grad(q, &Tanh).1.x,
            |q, u| strategies::hvp(q, &Tanh, u).2.x,
            &x,
            seed,
        );
        let u = [0.2, -0.3, 0.5, 0.1];
        let dot: f64 = g.x.iter().zip(&u).map(|(a, b)| a * b).sum();
        assert_close(strategies::jvp(&x, &Tanh, &u).1, dot, 1e-12);
    }
}
