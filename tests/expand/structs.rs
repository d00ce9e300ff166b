// A struct of parameters, a loss of it as a free function, and the same loss as a method.

#[derive(Differentiable, Clone, Debug)]
pub struct Layer {
    pub w: Array2<f64>,
    pub b: Array1<f64>,
    pub scale: f64,
    #[differentiable(constant)]
    pub rate: f64,
    pub steps: usize,
}

#[differentiate(wrt(l))]
pub fn loss(l: &Layer, x: &Array2<f64>) -> f64 {
    let y = x.dot(&l.w) + &l.b;
    (&y * &y).sum() * l.scale
}

#[differentiate]
impl Layer {
    #[differentiate(wrt(self))]
    pub fn penalty(&self) -> f64 {
        (&self.w * &self.w).sum() * self.scale
    }
}
