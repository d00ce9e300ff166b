use backprop::differentiate;

#[derive(Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

// A function of tuples or structs is inlined where it is called, unless, for one, it
// returns early: an error where its arguments carry derivatives, and an ordinary call where
// they are constants.
fn length(p: Point) -> f64 {
    if p.x == 0.0 {
        return p.y.abs();
    }
    (p.x * p.x + p.y * p.y).sqrt()
}

fn scaled(p: (f64, f64), k: f64) -> f64 {
    if k > 1.0 {
        return p.0;
    }
    p.0 * k + p.1
}

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    length(Point { x, y }) + length(Point { x: 1.0, y: 2.0 })
}

#[differentiate]
fn g(x: f64) -> f64 {
    scaled((1.0, 2.0), x) + scaled((3.0, 4.0), 0.5)
}

fn main() {}
