//! Structs of parameters and of data in a module file, with ordinary methods that call a
//! private function of floats of the module.

use backprop::Differentiable;

fn relu(v: f64) -> f64 {
    v.max(0.0)
}

#[derive(Differentiable, Clone, Debug)]
pub struct Dense {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl Dense {
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b)
            .collect()
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Mlp {
    pub hidden: Dense,
    pub out: Dense,
}

impl Mlp {
    pub fn predict(&self, x: &[f64]) -> f64 {
        let h: Vec<f64> = self.hidden.forward(x).into_iter().map(relu).collect();
        self.out.forward(&h)[0]
    }
}

/// Data: no derive of `Differentiable`.
#[derive(Clone, Debug)]
pub struct Sample {
    pub x: Vec<f64>,
    pub y: f64,
}

/// A trait of layers with a provided method, declared and implemented in this file.
pub trait Layer {
    fn forward(&self, x: &[f64]) -> Vec<f64>;

    fn score(&self, x: &[f64]) -> f64 {
        self.forward(x).iter().sum()
    }
}

/// Elementwise weights through a function of the type without `self` (`Self::squash`),
/// and a gain without a gradient (read as a constant by a function of another file).
#[derive(Differentiable, Clone, Debug)]
pub struct Squash {
    pub w: Vec<f64>,
    #[differentiable(constant)]
    pub gain: f64,
}

impl Squash {
    fn squash(z: f64) -> f64 {
        z / (1.0 + z.abs())
    }
}

impl Layer for Squash {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(x)
            .map(|(w, x)| Self::squash(w * x))
            .collect()
    }
}
