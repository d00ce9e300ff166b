//! Differentiated methods called on struct values from other differentiated functions:
//! `m.hidden.forward(x)`, `self.encoder.forward(x)`, `layer.forward(&h)`. The macro on the
//! caller does not know the receiver's type; the call reaches the method's module through
//! the handle the method's `impl` block writes (`__differentiate_forward`).

// (`Residual::scaled` takes a `&Vec<f64>` and `Scale::times` names its lifetime on purpose: as users
// write them.)
#![allow(
    clippy::needless_range_loop,
    clippy::ptr_arg,
    clippy::needless_lifetimes
)]

use backprop::__private::{Elements, ZerosLike};
use backprop::{Differentiable, differentiate};
mod common;
use common::{assert_close, assert_fd, assert_fd_elements, check_hvp, elements_of, set_elements};

#[derive(Differentiable, Clone, Debug)]
pub struct Dense {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub inputs: usize,
}

#[differentiate]
impl Dense {
    /// `tanh(W x + b)`, `W` row-major with `inputs` columns.
    #[differentiate(hessian)]
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = self.b.clone();
        for o in 0..out.len() {
            for i in 0..self.inputs {
                out[o] += self.w[o * self.inputs + i] * x[i];
            }
            out[o] = out[o].tanh();
        }
        out
    }

    /// The squared weights, scaled: a float result.
    #[differentiate(hessian)]
    pub fn penalty(&self, scale: f64) -> f64 {
        let mut s = 0.0;
        for k in 0..self.w.len() {
            s += self.w[k] * self.w[k];
        }
        s * scale
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Net {
    pub a: Dense,
    pub b: Dense,
    pub decay: f64,
}

/// The squared outputs of two layers, plus their weights' penalties: each a method of a
/// field, one called on a local's result.
#[differentiate(hessian)]
fn net(m: &Net, x: &[f64]) -> f64 {
    let h = m.a.forward(x);
    let y = m.b.forward(&h);
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i] * y[i];
    }
    s + m.a.penalty(m.decay) + m.b.penalty(0.5)
}

/// A method of the struct parameter itself.
#[differentiate(reverse, forward)]
fn first(l: &Dense, x: &[f64]) -> f64 {
    let y = l.forward(x);
    y[0] - 2.0 * y[1]
}

#[differentiate]
impl Net {
    /// A method calling its fields' methods (`self.a.forward(x)`).
    #[differentiate(reverse, forward)]
    pub fn loss(&self, x: &[f64], target: f64) -> f64 {
        let y = self.b.forward(&self.a.forward(x));
        let d = y[0] + y[1] - target;
        d * d
    }
}

fn net_of(v: &[f64]) -> Net {
    Net {
        a: Dense {
            w: v[0..6].to_vec(),
            b: v[6..9].to_vec(),
            inputs: 2,
        },
        b: Dense {
            w: v[9..15].to_vec(),
            b: v[15..17].to_vec(),
            inputs: 3,
        },
        decay: v[17],
    }
}

fn flat(g: &NetGrad) -> Vec<f64> {
    (0..g.count()).map(|i| g.element(i)).collect()
}

fn point() -> (Vec<f64>, Vec<f64>) {
    let mut p = common::Points::new(11);
    (p.vec(18, -0.8, 0.8), vec![0.5, -1.0])
}

#[test]
fn methods_of_fields_in_reverse_mode() {
    let (v, x) = point();
    let m = net_of(&v);
    let (value, g) = net::grad(&m, &x);
    let direct = {
        let y = m.b.forward(&m.a.forward(&x));
        y[0] * y[0] + y[1] * y[1] + m.a.penalty(m.decay) + m.b.penalty(0.5)
    };
    assert_eq!(value, direct);
    // The element order of the gradient is the field order `net_of` reads.
    assert_eq!(g.m.count(), 18);
    assert_fd(|v| net::grad(&net_of(v), &x).0, &v, &flat(&g.m));
    assert_fd(|x| net(&m, x), &x, &g.x);
}

#[test]
fn methods_of_fields_in_forward_mode_and_second_order() {
    let (v, x) = point();
    let m = net_of(&v);
    let (_, g) = net::grad(&m, &x);
    // The dot-product test: the tangent along a direction is the gradient's projection.
    let mut p = common::Points::new(5);
    let mut dm = m.zeros_like();
    for i in 0..dm.count() {
        *dm.element_mut(i) = p.next_f64(-1.0, 1.0);
    }
    let dx = p.vec(2, -1.0, 1.0);
    let (_, dot) = net::jvp(&m, &x, &dm, &dx);
    let projected: f64 = flat(&g.m)
        .iter()
        .zip(&flat(&dm))
        .map(|(a, b)| a * b)
        .sum::<f64>()
        + g.x.iter().zip(&dx).map(|(a, b)| a * b).sum::<f64>();
    assert_close(dot, projected, 1e-12);
    // `hvp` against finite differences of the gradient, over the struct's elements.
    let grad_at = |v: &[f64]| flat(&net::grad(&net_of(v), &x).1.m);
    let hvp_at = |v: &[f64], u: &[f64]| {
        let mut du = m.zeros_like();
        for i in 0..u.len() {
            *du.element_mut(i) = u[i];
        }
        flat(&net::hvp(&net_of(v), &x, &du, &[0.0, 0.0]).2.m)
    };
    check_hvp(grad_at, hvp_at, &v, 3);
}

#[test]
fn a_method_of_the_parameter_itself() {
    let (v, x) = point();
    let l = net_of(&v).a;
    let (value, g) = first::grad(&l, &x);
    let y = l.forward(&x);
    assert_eq!(value, y[0] - 2.0 * y[1]);
    let of = |w: &[f64]| Dense {
        w: w[0..6].to_vec(),
        b: w[6..9].to_vec(),
        inputs: 2,
    };
    let grads: Vec<f64> = (0..g.l.count()).map(|i| g.l.element(i)).collect();
    assert_fd(|w| first(&of(w), &x), &v[0..9], &grads);
    let mut dl = l.zeros_like();
    *dl.element_mut(3) = 1.0;
    let (_, dot) = first::jvp(&l, &x, &dl, &[0.0, 0.0]);
    assert_close(dot, g.l.element(3), 1e-12);
}

#[test]
fn a_method_calling_its_fields_methods() {
    let (v, x) = point();
    let m = net_of(&v);
    let (value, g) = m.loss_grad(&x, 0.3);
    assert_eq!(value, m.loss(&x, 0.3));
    assert_fd(|v| net_of(v).loss(&x, 0.3), &v, &flat(&g.this));
    assert_fd(|x| m.loss(x, 0.3), &x, &g.x);
    let mut dm = m.zeros_like();
    *dm.element_mut(10) = 1.0;
    let (_, dot) = m.loss_jvp(&x, 0.3, &dm, &[0.0, 0.0], 0.0);
    assert_close(dot, g.this.element(10), 1e-12);
}

// ------------------------------------------------------------ sequences of structs

/// Layers in a slice, of different widths (2 → 3 → 2 → 3 → 2): through their methods,
/// by element and by index, and passed whole to another differentiated function.
#[differentiate(hessian)]
fn through(layers: &[Dense], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        h = layer.forward(&h);
    }
    for l in 0..layers.len() {
        h = dense(&layers[l], &h);
    }
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i] * h[i];
    }
    s + layers[0].penalty(0.25)
}

#[differentiate(hessian)]
fn dense(l: &Dense, x: &[f64]) -> Vec<f64> {
    l.forward(x)
}

#[derive(Differentiable, Clone, Debug)]
pub struct Mlp {
    pub layers: Vec<Dense>,
    pub scale: f64,
}

/// A struct holding its layers in a `Vec`: `&m.layers`, `m.layers[l]`.
#[differentiate(reverse, forward)]
fn mlp(m: &Mlp, x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in &m.layers {
        h = layer.forward(&h);
    }
    for l in 0..m.layers.len() {
        h = m.layers[l].forward(&h);
    }
    (h[0] - h[1]) * m.scale
}

#[differentiate]
impl Mlp {
    /// The same as a method: `self.layers.iter()`.
    #[differentiate(reverse, forward)]
    pub fn loss(&self, x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for (k, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h);
            h[0] += 0.1 * k as f64;
        }
        (h[0] - h[1]) * self.scale
    }
}

fn layers_of(v: &[f64]) -> Vec<Dense> {
    (0..4)
        .map(|k| {
            let at = &v[k * 9..];
            match k % 2 {
                0 => Dense {
                    w: at[0..6].to_vec(),
                    b: at[6..9].to_vec(),
                    inputs: 2,
                },
                _ => Dense {
                    w: at[0..6].to_vec(),
                    b: at[6..8].to_vec(),
                    inputs: 3,
                },
            }
        })
        .collect()
}

#[test]
fn a_slice_of_structs_in_every_mode() {
    let mut p = common::Points::new(17);
    let v = p.vec(36, -0.7, 0.7);
    let layers = layers_of(&v);
    let x = [0.4, -0.9];
    let (value, g) = through::grad(&layers, &x);
    assert_eq!(value, through(&layers, &x));
    assert_eq!(g.layers.len(), 4);
    // Finite differences over every weight and bias, each moved along its unit direction.
    let params = elements_of(&g.layers);
    assert_eq!(params.len(), 2 * (6 + 3) + 2 * (6 + 2));
    assert_fd_elements(|l: &Vec<Dense>| through(l, &x), &layers, &g.layers);
    assert_fd(|x| through(&layers, x), &x, &g.x);
    // Forward mode: the dot-product test.
    let mut dl = layers.zeros_like();
    let dir = p.vec(params.len(), -1.0, 1.0);
    set_elements(&mut dl, &dir);
    let (_, dot) = through::jvp(&layers, &x, &dl, &[0.5, 0.25]);
    let projected: f64 =
        params.iter().zip(&dir).map(|(a, b)| a * b).sum::<f64>() + 0.5 * g.x[0] + 0.25 * g.x[1];
    assert_close(dot, projected, 1e-12);
    // Second order over the layers' elements: the layers moved by `w` from where they are.
    let at = |w: &[f64]| {
        let (mut l, mut d) = (layers.clone(), layers.zeros_like());
        set_elements(&mut d, w);
        l.scaled_add(1.0, &d);
        l
    };
    let zero = vec![0.0; params.len()];
    let grad_at = |w: &[f64]| elements_of(&through::grad(&at(w), &x).1.layers);
    let hvp_at = |w: &[f64], u: &[f64]| {
        let mut du = layers.zeros_like();
        set_elements(&mut du, u);
        elements_of(&through::hvp(&at(w), &x, &du, &[0.0, 0.0]).2.layers)
    };
    check_hvp(grad_at, hvp_at, &zero, 9);
}

#[test]
fn a_vec_of_structs_in_a_struct() {
    let mut p = common::Points::new(23);
    let m = Mlp {
        layers: layers_of(&p.vec(36, -0.7, 0.7))[..2].to_vec(),
        scale: 1.5,
    };
    let x = [0.3, 0.8];
    let (value, g) = mlp::grad(&m, &x);
    assert_eq!(value, mlp(&m, &x));
    let (lv, lg) = m.loss_grad(&x);
    assert_eq!(lv, m.loss(&x));
    for (f, grad) in [
        (&(|m: &Mlp| mlp(m, &x)) as &dyn Fn(&Mlp) -> f64, &g.m),
        (&|m: &Mlp| m.loss(&x), &lg.this),
    ] {
        assert_eq!(grad.count(), 6 + 3 + 6 + 2 + 1);
        assert_fd_elements(f, &m, grad);
    }
    let mut dm = m.zeros_like();
    let dir = p.vec(dm.count(), -1.0, 1.0);
    set_elements(&mut dm, &dir);
    let (_, dot) = mlp::jvp(&m, &x, &dm, &[1.0, 0.0]);
    let projected: f64 = elements_of(&g.m)
        .iter()
        .zip(&dir)
        .map(|(a, b)| a * b)
        .sum::<f64>()
        + g.x[0];
    assert_close(dot, projected, 1e-12);
    let (_, dot) = m.loss_jvp(&x, &dm, &[0.0, 1.0]);
    let projected: f64 = elements_of(&lg.this)
        .iter()
        .zip(&dir)
        .map(|(a, b)| a * b)
        .sum::<f64>()
        + lg.x[1];
    assert_close(dot, projected, 1e-12);
}

// ---------------------------------------------- fields of structs in a sequence, read in place

/// The same layers as `through`'s, written out in loops over their fields: `layer.w[..]`,
/// `layer.b[o]`, `layer.inputs` (an integer, a constant), a field passed whole
/// (`&layer.b`).
#[differentiate(hessian)]
fn written_out(layers: &[Dense], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        let mut next = vec![0.0; layer.b.len()];
        for o in 0..layer.b.len() {
            let mut z = layer.b[o];
            for i in 0..layer.inputs {
                z += layer.w[o * layer.inputs + i] * h[i];
            }
            next[o] = z.tanh();
        }
        h = next;
    }
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i] * h[i];
    }
    s + squares(&layers[1].b)
}

#[differentiate(hessian)]
fn squares(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * v[i];
    }
    s
}

/// By index, through a struct's `Vec` field: `m.layers[l].w[..]`.
#[differentiate(reverse, forward)]
fn indexed_fields(m: &Mlp, x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for l in 0..m.layers.len() {
        let n: usize = m.layers[l].inputs;
        let mut next = vec![0.0; m.layers[l].b.len()];
        for o in 0..next.len() {
            let mut z = m.layers[l].b[o];
            for i in 0..n {
                z += m.layers[l].w[o * n + i] * h[i];
            }
            next[o] = z.tanh();
        }
        h = next;
    }
    (h[0] - h[1]) * m.scale
}

#[test]
fn fields_of_structs_in_a_sequence() {
    let mut p = common::Points::new(29);
    let layers = layers_of(&p.vec(36, -0.7, 0.7));
    let x = [0.6, -0.2];
    let (value, g) = written_out::grad(&layers, &x);
    assert_eq!(value, written_out(&layers, &x));
    let params = elements_of(&g.layers);
    assert_fd_elements(|l: &Vec<Dense>| written_out(l, &x), &layers, &g.layers);
    let mut dl = layers.zeros_like();
    let dir = p.vec(params.len(), -1.0, 1.0);
    set_elements(&mut dl, &dir);
    let (_, dot) = written_out::jvp(&layers, &x, &dl, &[0.0, 1.0]);
    let projected: f64 = params.iter().zip(&dir).map(|(a, b)| a * b).sum::<f64>() + g.x[1];
    assert_close(dot, projected, 1e-12);
    let at = |w: &[f64]| {
        let (mut l, mut d) = (layers.clone(), layers.zeros_like());
        set_elements(&mut d, w);
        l.scaled_add(1.0, &d);
        l
    };
    let grad_at = |w: &[f64]| elements_of(&written_out::grad(&at(w), &x).1.layers);
    let hvp_at = |w: &[f64], u: &[f64]| {
        let mut du = layers.zeros_like();
        set_elements(&mut du, u);
        elements_of(&written_out::hvp(&at(w), &x, &du, &[0.0, 0.0]).2.layers)
    };
    check_hvp(grad_at, hvp_at, &vec![0.0; params.len()], 4);

    let m = Mlp {
        layers: layers[..2].to_vec(),
        scale: 0.75,
    };
    let (value, g) = indexed_fields::grad(&m, &x);
    assert_eq!(value, indexed_fields(&m, &x));
    let params = elements_of(&g.m);
    assert_fd_elements(|m: &Mlp| indexed_fields(m, &x), &m, &g.m);
    let mut dm = m.zeros_like();
    let dir = p.vec(params.len(), -1.0, 1.0);
    set_elements(&mut dm, &dir);
    let (_, dot) = indexed_fields::jvp(&m, &x, &dm, &[0.0, 0.0]);
    let projected: f64 = params.iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert_close(dot, projected, 1e-12);
}

// ------------------------------------ rows of fields of structs in a sequence, walked

#[derive(Differentiable, Clone, Debug)]
pub struct RowLayer {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

#[derive(Differentiable, Clone, Debug)]
pub struct RowNet {
    pub layers: Vec<RowLayer>,
}

/// A network as people write it with nested `Vec`s: each layer's rows walked with
/// `enumerate`, each row's weights walked again.
#[differentiate(hessian)]
fn walked_rows(net: &RowNet, x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in &net.layers {
        let mut out = vec![0.0; layer.b.len()];
        for (i, row) in layer.w.iter().enumerate() {
            let mut s = layer.b[i];
            for (j, w) in row.iter().enumerate() {
                s += w * h[j];
            }
            out[i] = s.tanh();
        }
        h = out;
    }
    h.iter().sum()
}

/// The same in iterator chains: rows zipped with the biases, each row with the input.
#[differentiate(hessian)]
fn zipped_rows(layers: &[RowLayer], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers.iter() {
        h = layer
            .w
            .iter()
            .zip(&layer.b)
            .map(|(row, b)| (row.iter().zip(&h).map(|(w, v)| w * v).sum::<f64>() + b).tanh())
            .collect();
    }
    h.iter().map(|v| v * v).sum()
}

/// A field bound to a name (`let w = &net.layers[0].w;`, `let w = &layer.w;`), copied,
/// sliced (`&layer.b[1..]`), and its first element taken.
#[differentiate(hessian)]
fn named_rows(net: &RowNet) -> f64 {
    let w = &net.layers[0].w;
    let mut t = 0.0;
    for row in w {
        for v in row {
            t += v * v;
        }
    }
    for layer in &net.layers {
        let w = &layer.w;
        let bias = layer.b.to_vec();
        let tail = &layer.b[1..];
        t += w[0][1] * bias[0] + tail.iter().map(|v| v.sin()).sum::<f64>();
        t += layer.b.first().copied().unwrap_or(0.0) * w.iter().map(|r| r[0]).sum::<f64>();
    }
    t
}

/// Rows of fields reached by index (`net.layers[l].w.iter()`, `.zip(&net.layers[1].w)`),
/// and two fields' rows zipped in one walk (`(ra, rb)`), as a recurrent cell is written.
#[differentiate(hessian)]
fn indexed_rows(net: &RowNet, xs: &[f64]) -> f64 {
    let mut h = vec![0.5; net.layers[1].b.len()];
    for &x in xs {
        let mut next = h.clone();
        for (i, (ra, rb)) in net.layers[1].w.iter().zip(&net.layers[1].w).enumerate() {
            let z = (ra.iter().zip(&h).map(|(a, b)| a * b).sum::<f64>() + x).tanh();
            let c = (rb.iter().zip(&h).map(|(a, b)| a * b).sum::<f64>() * x).sin();
            next[i] = z * h[i] + (1.0 - z) * c;
        }
        h = next;
    }
    let mut extra = 0.0;
    for l in 0..net.layers.len() {
        for row in net.layers[l].w.iter() {
            extra += row.iter().map(|v| v * v).sum::<f64>();
        }
    }
    h.iter().map(|v| v * v).sum::<f64>() + 0.1 * extra
}

#[derive(Differentiable, Clone, Debug)]
pub struct TwoTables {
    pub a: Vec<Vec<f64>>,
    pub b: Vec<Vec<f64>>,
}

/// Two fields' rows zipped (`m.a.iter().zip(&m.b)`): the second's rows are rows too.
#[differentiate(reverse, forward)]
fn zipped_tables(m: &TwoTables) -> f64 {
    let mut s = 0.0;
    for (ra, rb) in m.a.iter().zip(&m.b) {
        s += ra.iter().zip(rb).map(|(x, y)| x * y).sum::<f64>().sin();
    }
    s
}

fn row_net(p: &mut common::Points) -> RowNet {
    let mut layer = |rows: usize, cols: usize| RowLayer {
        w: (0..rows).map(|_| p.vec(cols, -0.8, 0.8)).collect(),
        b: p.vec(rows, -0.5, 0.5),
    };
    RowNet {
        layers: vec![layer(3, 2), layer(2, 3)],
    }
}

/// Central differences, forward mode (the dot-product test) and `hvp` against `grad` of
/// a function of a `RowNet`.
fn check_row_net(
    f: impl Fn(&RowNet) -> f64,
    grad: impl Fn(&RowNet) -> RowNetGrad,
    jvp: impl Fn(&RowNet, &RowNetGrad) -> f64,
    hvp: impl Fn(&RowNet, &RowNetGrad) -> RowNetGrad,
    net: &RowNet,
    p: &mut common::Points,
) {
    let g = grad(net);
    assert_fd_elements(&f, net, &g);
    let params = elements_of(&g);
    let mut dir = net.zeros_like();
    let d = p.vec(params.len(), -1.0, 1.0);
    set_elements(&mut dir, &d);
    let projected: f64 = params.iter().zip(&d).map(|(a, b)| a * b).sum();
    assert_close(jvp(net, &dir), projected, 1e-12);
    let at = |w: &[f64]| {
        let (mut n, mut d) = (net.clone(), net.zeros_like());
        set_elements(&mut d, w);
        n.scaled_add(1.0, &d);
        n
    };
    let hvp_at = |w: &[f64], u: &[f64]| {
        let mut du = net.zeros_like();
        set_elements(&mut du, u);
        elements_of(&hvp(&at(w), &du))
    };
    check_hvp(
        |w| elements_of(&grad(&at(w))),
        hvp_at,
        &vec![0.0; params.len()],
        4,
    );
}

#[test]
fn rows_of_fields_of_structs_in_a_sequence() {
    let mut p = common::Points::new(37);
    let net = row_net(&mut p);
    let x = [0.5, -1.5];
    let (value, _) = walked_rows::grad(&net, &x);
    assert_eq!(value, walked_rows(&net, &x));
    check_row_net(
        |n| walked_rows(n, &x),
        |n| walked_rows::grad(n, &x).1.net,
        |n, d| walked_rows::jvp(n, &x, d, &[0.0, 0.0]).1,
        |n, d| walked_rows::hvp(n, &x, d, &[0.0, 0.0]).2.net,
        &net,
        &mut p,
    );
    let (value, g) = zipped_rows::grad(&net.layers, &x);
    assert_eq!(value, zipped_rows(&net.layers, &x));
    assert_fd(|x| zipped_rows(&net.layers, x), &x, &g.x);
    check_row_net(
        |n| zipped_rows(&n.layers, &x),
        |n| RowNetGrad {
            layers: zipped_rows::grad(&n.layers, &x).1.layers,
        },
        |n, d| zipped_rows::jvp(&n.layers, &x, &d.layers, &[0.0, 0.0]).1,
        |n, d| RowNetGrad {
            layers: zipped_rows::hvp(&n.layers, &x, &d.layers, &[0.0, 0.0])
                .2
                .layers,
        },
        &net,
        &mut p,
    );
    let xs = [0.5, -0.3, 0.9];
    let (value, g) = indexed_rows::grad(&net, &xs);
    assert_eq!(value, indexed_rows(&net, &xs));
    assert_fd(|xs| indexed_rows(&net, xs), &xs, &g.xs);
    check_row_net(
        |n| indexed_rows(n, &xs),
        |n| indexed_rows::grad(n, &xs).1.net,
        |n, d| indexed_rows::jvp(n, &xs, d, &[0.0; 3]).1,
        |n, d| indexed_rows::hvp(n, &xs, d, &[0.0; 3]).2.net,
        &net,
        &mut p,
    );
    let tables = TwoTables {
        a: vec![p.vec(3, -1.0, 1.0), p.vec(3, -1.0, 1.0)],
        b: vec![p.vec(3, -1.0, 1.0), p.vec(3, -1.0, 1.0)],
    };
    let (value, g) = zipped_tables::grad(&tables);
    assert_eq!(value, zipped_tables(&tables));
    assert_fd_elements(zipped_tables, &tables, &g.m);
    let (value, _) = named_rows::grad(&net);
    assert_eq!(value, named_rows(&net));
    check_row_net(
        named_rows,
        |n| named_rows::grad(n).1.net,
        |n, d| named_rows::jvp(n, d).1,
        |n, d| named_rows::hvp(n, d).2.net,
        &net,
        &mut p,
    );
}

/// Loops over the layers' indices (a binding of the layer's fields once per reverse
/// iteration) and over other ranges (none: the body may not reach an element at every
/// index, `l < layers.len()`).
#[differentiate(reverse, forward)]
fn some_layers(layers: &[Dense], x: f64) -> f64 {
    let mut s = x;
    for l in 0..layers.len() {
        s = (s * layers[l].w[0]).tanh() + layers[l].b[0];
    }
    for l in 1..layers.len() {
        s += layers[l].w[1] * s;
    }
    for l in 0..8 {
        if l < layers.len() {
            s += layers[l].b[1] * s.sin();
        }
    }
    s
}

#[test]
fn loops_over_other_ranges_than_the_sequences() {
    let layers = layers_of(&common::Points::new(31).vec(36, -0.7, 0.7));
    let (value, g) = some_layers::grad(&layers, 0.4);
    assert_eq!(value, some_layers(&layers, 0.4));
    assert_fd_elements(|l: &Vec<Dense>| some_layers(l, 0.4), &layers, &g.layers);
    let mut dl = layers.zeros_like();
    *dl.element_mut(10) = 1.0;
    let (_, dot) = some_layers::jvp(&layers, 0.4, &dl, 0.0);
    assert_close(dot, g.layers.element(10), 1e-12);
}

// ------------------------------------- calls lending the caller's own locals (`__vjp_owned`)

/// A block whose method lends its input to another call (`self.inner.forward(x)`) and copies
/// it whole: its `__vjp_owned` cannot run the forward pass once on a copy, so its pullback
/// makes `__vjp`'s from the copy when it runs. `scaled` reads its `&Vec` input element by
/// element: its pullback reads the copy.
#[derive(Differentiable, Clone, Debug)]
pub struct Residual {
    pub inner: Dense,
    pub gain: f64,
}

#[differentiate]
impl Residual {
    #[differentiate(reverse)]
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        let y = self.inner.forward(x);
        let mut out = x.to_vec();
        for i in 0..out.len() {
            out[i] += self.gain * y[i];
        }
        out
    }

    #[differentiate(reverse)]
    pub fn scaled(&self, x: &Vec<f64>) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        for i in 0..x.len() {
            out[i] = (self.gain * x[i]).sin();
        }
        out
    }
}

/// `h = block.apply(&h)`: each call lends `h`, which the next assignment replaces.
#[differentiate(reverse)]
fn residual_stack(blocks: &[Residual], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for block in blocks {
        h = block.apply(&h);
        h = block.scaled(&h);
    }
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i] * h[i];
    }
    s
}

#[test]
fn methods_given_the_callers_locals() {
    let mut p = common::Points::new(41);
    let blocks: Vec<Residual> = (0..3)
        .map(|_| Residual {
            inner: Dense {
                w: p.vec(4, -0.8, 0.8),
                b: p.vec(2, -0.3, 0.3),
                inputs: 2,
            },
            gain: p.vec(1, 0.4, 1.2)[0],
        })
        .collect();
    let x = [0.3, -0.6];
    let (value, g) = residual_stack::grad(&blocks, &x);
    assert_eq!(value, residual_stack(&blocks, &x));
    assert_eq!(g.blocks.count(), 3 * (4 + 2 + 1));
    assert_fd_elements(
        |b: &Vec<Residual>| residual_stack(b, &x),
        &blocks,
        &g.blocks,
    );
    assert_fd(|x| residual_stack(&blocks, x), &x, &g.x);
}

/// A sequence replaced in a loop by a call that does not read it, with another length: the
/// reverse resets its gradient to zeros of the length it had before (it took the new one,
/// and adding the gradient into `x`'s failed: "gradient lengths differ").
#[differentiate(reverse)]
fn replaced(layers: &[Dense], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    let mut s = 0.0;
    for l in 0..layers.len() {
        s += h[0] + 2.0 * h[1];
        h = layers[l].forward(x);
    }
    s + h[0] * h[1]
}

#[test]
fn a_sequence_replaced_by_one_of_another_length() {
    let mut p = common::Points::new(43);
    let layers = vec![
        Dense {
            w: p.vec(6, -0.8, 0.8),
            b: p.vec(3, -0.3, 0.3),
            inputs: 2,
        },
        Dense {
            w: p.vec(8, -0.8, 0.8),
            b: p.vec(4, -0.3, 0.3),
            inputs: 2,
        },
    ];
    let x = [0.5, -0.2];
    let (value, g) = replaced::grad(&layers, &x);
    assert_eq!(value, replaced(&layers, &x));
    assert_fd_elements(|l: &Vec<Dense>| replaced(l, &x), &layers, &g.layers);
    assert_fd(|x| replaced(&layers, x), &x, &g.x);
}

/// A method naming the lifetime of its slice, the same as its receiver's: its `__vjp_owned`
/// gives the slice a lifetime of its own and owns a copy all the same.
#[derive(Differentiable, Clone, Debug)]
pub struct Scale {
    pub by: f64,
}

#[differentiate]
impl Scale {
    #[differentiate(reverse)]
    pub fn times<'a>(&'a self, x: &'a [f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        for i in 0..x.len() {
            out[i] = self.by * x[i] * x[i];
        }
        out
    }
}

#[differentiate(reverse)]
fn scaled_twice(s: &Scale, x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    h = s.times(&h);
    h = s.times(&h);
    h[0] + h[1]
}

#[test]
fn a_method_naming_its_slices_lifetime() {
    let s = Scale { by: 0.7 };
    let x = [0.4, -1.1];
    let (value, g) = scaled_twice::grad(&s, &x);
    assert_eq!(value, scaled_twice(&s, &x));
    assert_fd(|v| scaled_twice(&Scale { by: v[0] }, &x), &[0.7], &[g.s.by]);
    assert_fd(|x| scaled_twice(&s, x), &x, &g.x);
}

/// A perceptron whose weight matrix is a `Vec` of rows, read only by walking it: the macro
/// sees its nesting from the rows' own walks (`row.iter()`), zipped with another field.
#[derive(Differentiable, Clone, Debug)]
pub struct Perceptron {
    pub w1: Vec<Vec<f64>>,
    pub b1: Vec<f64>,
    pub w2: Vec<f64>,
    pub b2: f64,
}

#[differentiate]
impl Perceptron {
    #[differentiate(reverse, forward)]
    pub fn predict(&self, x: &[f64]) -> f64 {
        let h: Vec<f64> = self
            .w1
            .iter()
            .zip(&self.b1)
            .map(|(row, b)| (row.iter().zip(x).map(|(w, xi)| w * xi).sum::<f64>() + b).tanh())
            .collect();
        self.w2.iter().zip(&h).map(|(w, hi)| w * hi).sum::<f64>() + self.b2
    }
}

/// The same network, as loops over the rows.
#[differentiate(reverse, forward)]
fn perceptron_loops(m: &Perceptron, x: &[f64]) -> f64 {
    let mut out = m.b2;
    for (k, row) in m.w1.iter().enumerate() {
        let mut z = m.b1[k];
        for (w, xi) in row.iter().zip(x) {
            z += w * xi;
        }
        out += m.w2[k] * z.tanh();
    }
    out
}

#[test]
fn rows_of_a_field_known_from_their_walks() {
    let mut p = common::Points::new(23);
    let m = Perceptron {
        w1: (0..3).map(|_| p.vec(2, -0.8, 0.8)).collect(),
        b1: p.vec(3, -0.5, 0.5),
        w2: p.vec(3, -1.0, 1.0),
        b2: 0.2,
    };
    let x = [0.6, -0.3];
    let (value, g) = m.predict_grad(&x);
    assert_eq!(value, m.predict(&x));
    assert_fd_elements(|m: &Perceptron| m.predict(&x), &m, &g.this);
    assert_fd(|x| m.predict(x), &x, &g.x);
    let (value, h) = perceptron_loops::grad(&m, &x);
    assert_close(value, m.predict(&x), 1e-14);
    assert_fd_elements(|m: &Perceptron| perceptron_loops(m, &x), &m, &h.m);
    // Forward mode: the dot-product test against the reverse gradient.
    let mut dm = m.zeros_like();
    let dir = p.vec(elements_of(&g.this).len(), -1.0, 1.0);
    set_elements(&mut dm, &dir);
    let (_, dot) = perceptron_loops::jvp(&m, &x, &dm, &[0.0, 0.0]);
    let projected: f64 = elements_of(&h.m).iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert_close(dot, projected, 1e-12);
}

/// A generic layer whose method takes its input three ways (a slice, a `&Vec`, an array):
/// called with locals the caller then replaces, each through `__vjp_owned`, which shares
/// the method's passes with `vjp` (`__vjp_held`, generic over what holds the input).
#[derive(Differentiable, Clone, Debug)]
pub struct Mix<T: backprop::Real> {
    pub w: Vec<T>,
}

#[differentiate]
impl<T: backprop::Real> Mix<T> {
    #[differentiate(reverse)]
    pub fn blend(&self, a: &[T], b: &Vec<T>, c: &[T; 2]) -> Vec<T> {
        let mut out = vec![T::zero(); a.len()];
        for i in 0..a.len() {
            out[i] = (self.w[i] * a[i] + b[i] * c[i % 2]).sin();
        }
        out
    }
}

#[differentiate(reverse)]
fn blended<T: backprop::Real>(m: &Mix<T>, x: &[T]) -> T {
    let mut h = x.to_vec();
    let mut g = x.to_vec();
    let mut c = [x[0], x[1]];
    for _ in 0..3 {
        h = m.blend(&h, &g, &c);
        g = m.blend(&g, &h, &c);
        c = [h[0], g[1]];
    }
    h[0] * g[1] + h[2] * c[0]
}

#[test]
fn owned_inputs_of_a_generic_method_taken_three_ways() {
    let m = Mix {
        w: vec![0.8, -0.6, 1.1],
    };
    let x = [0.3, -0.7, 0.5];
    let (value, g) = blended::grad(&m, &x);
    assert_eq!(value, blended(&m, &x));
    assert_fd(|x| blended(&m, x), &x, &g.x);
    assert_fd(|w| blended(&Mix { w: w.to_vec() }, &x), &m.w, &g.m.w);
    // The method's own `vjp`, borrowing its inputs, and in `f32`.
    let (b, c) = (vec![0.2, 0.1, -0.4], [0.9, -0.3]);
    let (out, pullback) = mix_blend::vjp(&m, &x, &b, &c);
    assert_eq!(out, m.blend(&x, &b, &c));
    let ga = pullback(vec![1.0, 0.0, 0.0]).a;
    assert_fd(|a| m.blend(a, &b, &c)[0], &x, &ga);
    let m32 = Mix {
        w: vec![0.8f32, -0.6, 1.1],
    };
    let (v32, g32) = blended::grad(&m32, &[0.3f32, -0.7, 0.5]);
    assert!((v32 as f64 - value).abs() < 1e-5);
    for (a, b) in g32.x.iter().zip(&g.x) {
        assert!((*a as f64 - b).abs() < 1e-4 * (1.0 + b.abs()));
    }
}

/// A method written with this session's constructs over its fields: a walk joined across
/// two fields, an `Option` of the previous item, a slice pattern on a field.
#[derive(Differentiable, Clone, Debug)]
pub struct Smooth {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub s: f64,
}

#[differentiate]
impl Smooth {
    #[differentiate(reverse, forward)]
    pub fn energy(&self, x: &[f64]) -> f64 {
        let all: f64 = self.w.iter().chain(&self.b).map(|v| v * v).sum();
        let mut prev = None;
        let mut tv = 0.0;
        for &v in x {
            if let Some(p) = prev {
                tv += (v - p) * (v - p) * self.s;
            }
            prev = Some(v * self.w[0]);
        }
        let head = match self.w.as_slice() {
            [a, ..] => *a,
            [] => 0.0,
        };
        all + tv + head
    }
}

#[test]
fn methods_over_joined_fields_and_options() {
    let m = Smooth {
        w: vec![0.3, -0.5],
        b: vec![0.1, 0.2, 0.7],
        s: 1.5,
    };
    let x = [0.3, 0.9, -0.4];
    let (value, g) = m.energy_grad(&x);
    assert_eq!(value, m.energy(&x));
    let of = |p: &[f64]| Smooth {
        w: p[..2].to_vec(),
        b: p[2..5].to_vec(),
        s: p[5],
    };
    let flat = [m.w.clone(), m.b.clone(), vec![m.s]].concat();
    let grad = [g.this.w.clone(), g.this.b.clone(), vec![g.this.s]].concat();
    assert_fd(|p| of(p).energy(&x), &flat, &grad);
    // Forward mode along the parameters, against the gradient.
    let dot = SmoothGrad {
        w: vec![0.2, 0.1],
        b: vec![-0.3, 0.4, 0.5],
        s: 0.7,
    };
    let (v, t) = m.energy_jvp(&x, &dot, &[0.0; 3]);
    assert_eq!(v, value);
    let along = [dot.w.clone(), dot.b.clone(), vec![dot.s]].concat();
    let expected: f64 = grad.iter().zip(&along).map(|(a, b)| a * b).sum();
    assert_close(t, expected, 1e-12);
}

/// A model behind a trait, as Rust code holding several kinds of models writes it.
pub trait Predict {
    fn predict(&self, x: &[f64]) -> f64;
    fn label(&self) -> &'static str {
        "model"
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Logistic {
    pub w: Vec<f64>,
    pub b: f64,
}

/// A trait's implementation: the method differentiated, its derivative methods
/// (`predict_grad`, ...) in an inherent block beside it (an error before).
#[differentiate]
impl Predict for Logistic {
    #[differentiate(hessian)]
    fn predict(&self, x: &[f64]) -> f64 {
        let z = self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b;
        1.0 / (1.0 + (-z).exp())
    }
}

/// The trait's method called on a struct value from another differentiated function.
#[differentiate]
fn log_loss(m: &Logistic, x: &[f64], y: f64) -> f64 {
    let p = m.predict(x);
    -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
}

#[test]
fn methods_of_a_trait_implementation() {
    let m = Logistic {
        w: vec![0.5, -0.25, 0.75],
        b: 0.1,
    };
    let x = [1.0, 2.0, -0.5];
    let (value, g) = m.predict_grad(&x);
    assert_eq!(value, m.predict(&x));
    let dynamic: &dyn Predict = &m;
    assert_eq!(dynamic.predict(&x), value);
    assert_eq!(dynamic.label(), "model");
    // σ' = σ(1 − σ): ∂/∂w = σ' x, ∂/∂b = σ', ∂/∂x = σ' w.
    let slope = value * (1.0 - value);
    for i in 0..3 {
        assert_close(g.this.w[i], slope * x[i], 1e-12);
        assert_close(g.x[i], slope * m.w[i], 1e-12);
    }
    assert_close(g.this.b, slope, 1e-12);
    assert_fd(|x| m.predict(x), &x, &g.x);
    check_hvp(
        |x| m.predict_grad(x).1.x,
        |x, u| m.predict_hvp(x, &m.zeros_like(), u).2.x,
        &x,
        31,
    );
    // Through the caller: ∂loss/∂b = p − y.
    let (loss, gl) = log_loss::grad(&m, &x, 1.0);
    assert_close(loss, -value.ln(), 1e-12);
    assert_close(gl.m.b, value - 1.0, 1e-12);
}

/// One component of a mixture of Gaussians: its mean and the log of its spread.
#[derive(Differentiable, Clone, Debug)]
pub struct Gaussian {
    pub mu: f64,
    pub log_sigma: f64,
}

/// The negative log-likelihood of data under an equal mixture: a float field's method
/// (`c.log_sigma.exp()`) of each element of a sequence of structs was taken for a
/// differentiated method of the struct (rustc's "no method named `__differentiate_exp`").
#[differentiate(reverse, forward)]
fn mixture_nll(comps: &[Gaussian], data: &[f64]) -> f64 {
    let k = comps.len() as f64;
    let mut nll = 0.0;
    for &x in data {
        let mut p = 0.0;
        for c in comps {
            let s = c.log_sigma.exp();
            let z = (x - c.mu) / s;
            p += (-0.5 * z * z).exp() / (s * (2.0 * std::f64::consts::PI).sqrt()) / k;
        }
        nll -= p.ln();
    }
    nll + comps[0].mu.powi(2) * 0.1 + comps.iter().map(|c| c.log_sigma.tanh()).sum::<f64>()
}

#[test]
fn float_fields_of_structs_in_a_sequence_call_float_methods() {
    let comps = vec![
        Gaussian {
            mu: 0.1,
            log_sigma: 0.2,
        },
        Gaussian {
            mu: -1.0,
            log_sigma: -0.3,
        },
    ];
    let data = [0.3, -0.8, 1.5, 0.0];
    let (value, g) = mixture_nll::grad(&comps, &data);
    assert_eq!(value, mixture_nll(&comps, &data));
    assert_fd_elements(|c: &Vec<Gaussian>| mixture_nll(c, &data), &comps, &g.comps);
    let mut dc = comps.zeros_like();
    *dc.element_mut(3) = 1.0;
    let (_, dot) = mixture_nll::jvp(&comps, &data, &dc, &[0.0; 4]);
    assert_close(dot, g.comps.element(3), 1e-12);
}
