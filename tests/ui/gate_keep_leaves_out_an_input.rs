// A gate's `keep(..)` lists the inputs its backward rule reads; the rule reads one it
// leaves out: the error names `NotKept` at the read.
use backprop::ndarray::Array1;

backprop::gate! {
    fn cube(x: Array1<f64>, s: f64) -> Array1<f64> {
        x.mapv(|v| s * v * v * v)
    }
    backward(_, grad) keep(s) {
        let d = x.mapv(|v| 3.0 * s * v * v);
        (grad * &d, 0.0)
    }
}

fn main() {}
