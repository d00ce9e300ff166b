// A layer's method called with a local the caller then replaces (`h = layer.forward(&h)`):
// the call goes through `__vjp_owned`, whose pullback owns a copy of `x`, and the caller keeps
// that pullback from its forward pass (the layer's forward pass runs once).

#[derive(Differentiable, Clone)]
pub struct Dense {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub inputs: usize,
}

#[differentiate]
impl Dense {
    #[differentiate(reverse)]
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.b.len()];
        for o in 0..out.len() {
            let mut z = self.b[o];
            for i in 0..self.inputs {
                z += self.w[o * self.inputs + i] * x[i];
            }
            out[o] = z.tanh();
        }
        out
    }
}

#[differentiate(reverse)]
pub fn network(layers: &[Dense], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        h = layer.forward(&h);
    }
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i] * h[i];
    }
    s
}
