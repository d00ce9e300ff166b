use backprop::differentiate;

#[derive(Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

// An ordinary function beside the differentiated one is inlined where a call needs its
// derivative, unless, for one, it calls itself or prints: an error where its arguments
// carry derivatives, and an ordinary call where they are constants.
fn length(p: Point, depth: usize) -> f64 {
    if depth > 0 {
        return length(p, depth - 1);
    }
    (p.x * p.x + p.y * p.y).sqrt()
}

fn logged(x: f64) -> f64 {
    println!("{x}");
    x * x
}

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    length(Point { x, y }, 1) + length(Point { x: 1.0, y: 2.0 }, 1)
}

#[differentiate]
fn g(x: f64) -> f64 {
    logged(x) + logged(0.5)
}

fn main() {}
