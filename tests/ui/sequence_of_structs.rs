// A local `Vec` of small structs is held one `Vec` per field where every use is one the
// macro reads through the fields (`tests/sequences_of_structs.rs`); passed whole to a
// function, it is left as written, and its values that carry a derivative are an error at
// the struct, naming the uses that work. A copy of a parameter's structs left so, then
// written with a value that carries a derivative, is an error at the value (the derivative
// would be lost), and so is one stored by a method (`fill`, `push`, `insert`, ..), or
// given to a method of a struct passed as data that is not inlined (`s.nudge(k)`, whose
// body declares an item).
use backprop::differentiate;

#[derive(Clone, Copy)]
struct V2 {
    x: f64,
    y: f64,
}

fn total(pts: &[V2]) -> f64 {
    pts.iter().map(|p| p.x * p.y).sum()
}

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let pts: Vec<V2> = x.chunks(2).map(|c| V2 { x: c[0], y: c[1] }).collect();
    total(&pts)
}

#[differentiate(wrt(k))]
fn g(k: f64, init: &[V2]) -> f64 {
    let mut pts = init.to_vec();
    pts[0] = V2 { x: k, y: 1.0 };
    total(&pts) * k
}

#[differentiate(wrt(k))]
fn h(k: f64, init: &[V2]) -> f64 {
    let mut pts = init.to_vec();
    pts.fill(V2 { x: k, y: 1.0 });
    total(&pts) * k
}

impl V2 {
    fn nudge(&mut self, by: f64) {
        fn half(a: f64) -> f64 {
            a * 0.5
        }
        self.x += half(by);
    }
}

#[differentiate(wrt(k))]
fn nudged(k: f64, st: V2) -> f64 {
    let mut s = st;
    s.nudge(k);
    s.x * k
}

// Copied through a reference (`*r`), or as a slice's first element, the same.
#[differentiate(wrt(k))]
fn nudged_through(k: f64, r: &V2, init: &[V2]) -> f64 {
    let mut s = *r;
    s.nudge(k);
    let mut t = *init.first().unwrap();
    t.nudge(k);
    s.x * k + t.x
}

fn main() {}
