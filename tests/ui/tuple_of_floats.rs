use backprop::differentiate;

// A function beside the caller writing through `&mut` is inlined (`tests/mut_borrows.rs`);
// one in another module is not.
mod util {
    pub fn bump(p: &mut (f64, f64)) {
        p.0 += 1.0;
    }
}

// Not `Copy`, its fields numbers: held one local per field, its `&self` methods inlined
// (`tests/particles.rs`); only the tuple lent mutably is refused.
#[derive(Clone)]
struct Point {
    x: f64,
    y: f64,
}

impl Point {
    fn norm(&self) -> f64 {
        self.x.hypot(self.y)
    }
}

// A tuple or struct bound to a name is one local per element (`pair.0` is `pair_0`) where
// every use can be rewritten so: not one borrowed mutably.
#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    let mut pair = (x, y);
    util::bump(&mut pair);
    let p = Point { x, y };
    pair.0 * pair.1 + p.norm()
}

fn main() {}
