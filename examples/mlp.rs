//! A two-layer neural network trained on the spiral dataset, the lecture's closing example:
//! the parameters live in a struct (`Mlp`, two `Layer`s), the loss is one plain function of
//! it with `#[differentiate]`, and its gradient, a struct of the same shape, is the code the
//! macro wrote.
//!
//! Run it with `cargo run --release --example mlp`. It prints the loss and the training
//! accuracy as it goes and writes `target/mlp.png`: the learned decision regions with the
//! data on the left, the loss curve on the right.

use backprop::ndarray::{Array1, Array2, Axis};
use backprop::{Differentiable, differentiate, relu, softmax_cross_entropy};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

const POINTS_PER_CLASS: usize = 100;
const CLASSES: usize = 3;
const HIDDEN: usize = 100;
const STEPS: usize = 10_000;
const LEARNING_RATE: f64 = 1.0;
const REGULARIZATION: f32 = 1e-3;

/// One fully connected layer: `x.dot(&w) + &b`.
#[derive(Differentiable, Clone, Debug)]
pub struct Layer {
    pub w: Array2<f32>,
    pub b: Array1<f32>,
}

/// The network's parameters: a hidden ReLU layer and the output layer.
#[derive(Differentiable, Clone, Debug)]
pub struct Mlp {
    pub hidden: Layer,
    pub out: Layer,
}

/// The training loss: softmax cross-entropy of the network's scores, plus L2
/// regularization of the weights. Its gradient, `loss::grad(..).1.model`, is an `MlpGrad`:
/// the same two layers, holding the gradient of each weight and bias.
#[differentiate(wrt(model))]
fn loss(model: &Mlp, x: &Array2<f32>, labels: &[usize], reg: f32) -> f32 {
    let hidden = relu(x.dot(&model.hidden.w) + &model.hidden.b);
    let scores = hidden.dot(&model.out.w) + &model.out.b;
    let data_loss = softmax_cross_entropy(&scores, labels);
    let (w1, w2) = (&model.hidden.w, &model.out.w);
    let reg_loss = 0.5 * reg * ((w1 * w1).sum() + (w2 * w2).sum());
    data_loss + reg_loss
}

impl Mlp {
    fn new(inputs: usize, rng: &mut Rng) -> Self {
        Mlp {
            hidden: Layer {
                w: Array2::from_shape_fn((inputs, HIDDEN), |_| 0.01 * rng.normal()),
                b: Array1::zeros(HIDDEN),
            },
            out: Layer {
                w: Array2::from_shape_fn((HIDDEN, CLASSES), |_| 0.01 * rng.normal()),
                b: Array1::zeros(CLASSES),
            },
        }
    }

    /// One step of gradient descent on the whole batch; returns the loss before it.
    fn step(&mut self, x: &Array2<f32>, labels: &[usize]) -> f32 {
        let (value, g) = loss::grad(self, x, labels, REGULARIZATION);
        self.scaled_add(-LEARNING_RATE, &g.model);
        value
    }

    /// The most likely class of each row of `x`.
    fn predict(&self, x: &Array2<f32>) -> Vec<usize> {
        let hidden = relu(x.dot(&self.hidden.w) + &self.hidden.b);
        let scores = hidden.dot(&self.out.w) + &self.out.b;
        scores
            .axis_iter(Axis(0))
            .map(|row| {
                (0..row.len())
                    .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                    .unwrap_or(0)
            })
            .collect()
    }

    fn accuracy(&self, x: &Array2<f32>, labels: &[usize]) -> f32 {
        let right = self
            .predict(x)
            .iter()
            .zip(labels)
            .filter(|(p, l)| p == l)
            .count();
        right as f32 / labels.len() as f32
    }
}

/// The spiral dataset: `CLASSES` arms of `POINTS_PER_CLASS` points each, with noise,
/// not linearly separable.
fn spiral(rng: &mut Rng) -> (Array2<f32>, Vec<usize>) {
    let n = POINTS_PER_CLASS * CLASSES;
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    for class in 0..CLASSES {
        for i in 0..POINTS_PER_CLASS {
            let t = i as f32 / (POINTS_PER_CLASS - 1) as f32;
            let radius = t;
            let angle = (class as f32 + t) * 4.0 + 0.2 * rng.normal();
            let row = class * POINTS_PER_CLASS + i;
            x[[row, 0]] = radius * angle.sin();
            x[[row, 1]] = radius * angle.cos();
            labels.push(class);
        }
    }
    (x, labels)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng(2026);
    let (x, labels) = spiral(&mut rng);
    let mut net = Mlp::new(2, &mut rng);
    println!(
        "spiral: {} points, {CLASSES} classes; network 2 → {HIDDEN} (ReLU) → {CLASSES}, softmax cross-entropy",
        labels.len()
    );

    let bar = ProgressBar::new(STEPS as u64).with_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} steps, {msg}",
    )?);
    let mut losses = Vec::with_capacity(STEPS);
    let start = std::time::Instant::now();
    for step in 0..STEPS {
        let value = net.step(&x, &labels);
        losses.push(value);
        if step % 100 == 0 {
            bar.set_message(format!("loss {value:.4}"));
        }
        if step % 1000 == 0 {
            let accuracy = net.accuracy(&x, &labels);
            let line = format!(
                "step {step:>5}: loss {value:.4}, training accuracy {:.1}%",
                100.0 * accuracy
            );
            // Above the bar on a terminal; plainly when the output goes to a file or a pipe.
            if bar.is_hidden() {
                println!("{line}");
            } else {
                bar.println(line);
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let elapsed = start.elapsed();
    let accuracy = net.accuracy(&x, &labels);
    let final_loss = loss(&net, &x, &labels, REGULARIZATION);
    println!(
        "after {STEPS} steps ({:.2} s, {:.0} µs a step): loss {final_loss:.4}, training accuracy {:.1}%",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / STEPS as f64,
        100.0 * accuracy
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/mlp.png");
    plot::write(&path, &net, &x, &labels, &losses)?;
    println!(
        "wrote {} (left: decision regions and data; right: the loss over training, ticks at tenths of the steps and of the first loss)",
        path.display()
    );
    if accuracy < 0.95 {
        return Err(format!("training accuracy {:.1}% is below 95%", 100.0 * accuracy).into());
    }
    Ok(())
}

/// A small deterministic random number generator (SplitMix64), so the example needs no
/// other crate and every run is the same.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 40) as f32 + 0.5) / (1u64 << 24) as f32
    }

    /// A standard normal sample (Box–Muller).
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

/// The picture: a raster drawn by hand and encoded with the `png` crate.
mod plot {
    use super::{Array2, Mlp};
    use std::path::Path;

    const PANEL: usize = 480;
    const MARGIN: usize = 24;
    const WIDTH: usize = 2 * PANEL + 3 * MARGIN;
    const HEIGHT: usize = PANEL + 2 * MARGIN;
    /// The decision panel shows `[-EXTENT, EXTENT]²`.
    const EXTENT: f32 = 1.2;
    const CLASS_COLORS: [[u8; 3]; 3] = [[214, 39, 40], [44, 160, 44], [31, 119, 180]];

    struct Canvas {
        pixels: Vec<u8>,
    }

    impl Canvas {
        fn new() -> Self {
            Canvas {
                pixels: vec![255; WIDTH * HEIGHT * 3],
            }
        }

        fn set(&mut self, x: i64, y: i64, color: [u8; 3]) {
            if (0..WIDTH as i64).contains(&x) && (0..HEIGHT as i64).contains(&y) {
                let i = (y as usize * WIDTH + x as usize) * 3;
                self.pixels[i..i + 3].copy_from_slice(&color);
            }
        }

        fn disc(&mut self, cx: i64, cy: i64, r: i64, color: [u8; 3]) {
            for dy in -r..=r {
                for dx in -r..=r {
                    if dx * dx + dy * dy <= r * r {
                        self.set(cx + dx, cy + dy, color);
                    }
                }
            }
        }

        /// A line, two pixels wide.
        fn line(&mut self, (x0, y0): (f32, f32), (x1, y1): (f32, f32), color: [u8; 3]) {
            let steps = (x1 - x0).abs().max((y1 - y0).abs()).ceil().max(1.0) as usize;
            for s in 0..=steps {
                let t = s as f32 / steps as f32;
                let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
                self.disc(x.round() as i64, y.round() as i64, 1, color);
            }
        }
    }

    fn lighten(c: [u8; 3]) -> [u8; 3] {
        c.map(|v| (v as u16 + 2 * 255).div_euclid(3) as u8)
    }

    pub fn write(
        path: &Path,
        net: &Mlp,
        x: &Array2<f32>,
        labels: &[usize],
        losses: &[f32],
    ) -> Result<(), Box<dyn std::error::Error>> {
        let mut canvas = Canvas::new();
        let (left, top) = (MARGIN, MARGIN);
        let to_world = |p: usize| -EXTENT + 2.0 * EXTENT * (p as f32 + 0.5) / PANEL as f32;
        let to_pixel = |w: f32| ((w + EXTENT) / (2.0 * EXTENT) * PANEL as f32) as i64;

        // Decision regions: the network's class at every pixel, as one batch.
        let grid = Array2::from_shape_fn((PANEL * PANEL, 2), |(i, j)| {
            let (row, col) = (i / PANEL, i % PANEL);
            if j == 0 {
                to_world(col)
            } else {
                -to_world(row)
            }
        });
        for (i, class) in net.predict(&grid).into_iter().enumerate() {
            let (row, col) = (i / PANEL, i % PANEL);
            canvas.set(
                (left + col) as i64,
                (top + row) as i64,
                lighten(CLASS_COLORS[class]),
            );
        }
        for (point, &class) in x.rows().into_iter().zip(labels) {
            let (px, py) = (to_pixel(point[0]), to_pixel(-point[1]));
            canvas.disc(left as i64 + px, top as i64 + py, 4, [0, 0, 0]);
            canvas.disc(left as i64 + px, top as i64 + py, 3, CLASS_COLORS[class]);
        }

        // The loss curve: steps across, loss up, from 0 to the largest loss.
        let origin = ((2 * MARGIN + PANEL) as f32, (MARGIN + PANEL) as f32);
        let black = [0, 0, 0];
        canvas.line(origin, (origin.0, MARGIN as f32), black);
        canvas.line(origin, (origin.0 + PANEL as f32, origin.1), black);
        let top_loss = losses.iter().copied().fold(f32::MIN_POSITIVE, f32::max);
        for tenth in 1..=10 {
            // Ticks: every tenth of the steps, every tenth of the loss.
            let at = origin.0 + tenth as f32 * PANEL as f32 / 10.0;
            canvas.line((at, origin.1), (at, origin.1 + 6.0), black);
            let at = origin.1 - tenth as f32 * PANEL as f32 / 10.0;
            canvas.line((origin.0 - 6.0, at), (origin.0, at), black);
        }
        let point = |i: usize| {
            let x = origin.0 + i as f32 / losses.len().max(2) as f32 * PANEL as f32;
            let y = origin.1 - losses[i] / top_loss * (PANEL as f32 - 8.0);
            (x, y)
        };
        let stride = (losses.len() / PANEL).max(1);
        let mut last = point(0);
        for i in (stride..losses.len()).step_by(stride) {
            let next = point(i);
            canvas.line(last, next, CLASS_COLORS[2]);
            last = next;
        }

        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        let mut encoder = png::Encoder::new(file, WIDTH as u32, HEIGHT as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&canvas.pixels)?;
        Ok(())
    }
}
