// A layer as people often write one: rows of weights and a plain method (no
// `#[differentiate]`) over iterator chains, inlined where the network calls it. The
// method's input is copied once per layer (`forward_x_1`), and each row's dot product reads
// its elements again from that copy in reverse, not each element saved per row.

#[derive(Differentiable, Clone)]
pub struct Rows {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl Rows {
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| (row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b).tanh())
            .collect()
    }
}

#[differentiate(reverse)]
pub fn network(layers: &[Rows], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        h = layer.forward(&h);
    }
    h.iter().map(|v| v * v).sum()
}
