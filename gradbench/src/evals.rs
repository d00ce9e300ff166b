//! Each eval's functions: the input read and checked against the eval's README, the
//! function run as often as the eval asks, the output in the eval's JSON shape.

use crate::ht::{Instance, Model};
use crate::nested::{self, particle, saddle_point};
use crate::objectives::*;
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Instant;

/// The modules (evals) this tool implements.
pub const MODULES: &[&str] = &[
    "hello", "llsq", "lse", "ode", "det", "gmm", "lstm", "ba", "kmeans", "ht", "particle", "saddle",
];

/// A function's output and the time of each run, in nanoseconds.
pub struct Run {
    pub output: Value,
    pub timings: Vec<u64>,
}

/// Runs `module`'s `function` at `input`.
pub fn evaluate(module: &str, function: &str, input: &Value) -> Result<Run, String> {
    match (module, function) {
        ("hello", "square") => {
            let x = number(input)?;
            repeat(&json!({}), || square(x), |y| json!(y))
        }
        ("hello", "double") => {
            let x = number(input)?;
            repeat(&json!({}), || square::grad(x).1.x, |g| json!(g))
        }
        ("llsq", _) => {
            let x = floats(field(input, "x")?)?;
            let n = count(field(input, "n")?)?;
            if n < 2 || x.is_empty() {
                return Err(format!(
                    "needs n ≥ 2 and a nonempty x (n = {n}, {} x)",
                    x.len()
                ));
            }
            match function {
                "primal" => repeat(input, || llsq(&x, n), |v| json!(v)),
                "gradient" => repeat(input, || llsq::grad(&x, n).1.x, |g| json!(g)),
                _ => Err(unknown(function, "primal, gradient")),
            }
        }
        ("lse", _) => {
            let x = floats(field(input, "x")?)?;
            if x.is_empty() {
                return Err("needs a nonempty x".into());
            }
            match function {
                "primal" => repeat(input, || lse(&x), |v| json!(v)),
                "gradient" => repeat(input, || lse::grad(&x).1.x, |g| json!(g)),
                _ => Err(unknown(function, "primal, gradient")),
            }
        }
        ("ode", _) => {
            let x = floats(field(input, "x")?)?;
            let s = count(field(input, "s")?)?;
            if s == 0 || x.is_empty() {
                return Err(format!(
                    "needs s ≥ 1 and a nonempty x (s = {s}, {} x)",
                    x.len()
                ));
            }
            match function {
                "primal" => repeat(input, || ode(&x, s), |y| json!(y)),
                "gradient" => repeat(input, || ode_gradient(&x, s).1, |g| json!(g)),
                _ => Err(unknown(function, "primal, gradient")),
            }
        }
        ("det", _) => {
            let a = floats(field(input, "A")?)?;
            let ell = count(field(input, "ell")?)?;
            // The minors are kept as a bit set of used columns.
            if ell == 0 || ell >= usize::BITS as usize || a.len() != ell * ell {
                return Err(format!(
                    "needs 1 ≤ ell < {} and ell² entries in A (ell = {ell}, {} entries)",
                    usize::BITS,
                    a.len()
                ));
            }
            match function {
                "primal" => repeat(input, || det(&a, ell), |v| json!(v)),
                "gradient" => repeat(input, || det::grad(&a, ell).1.a, |g| json!(g)),
                _ => Err(unknown(function, "primal, gradient")),
            }
        }
        ("gmm", _) => gmm_eval(function, input),
        ("lstm", _) => lstm_eval(function, input),
        ("ba", _) => ba_eval(function, input),
        ("kmeans", _) => kmeans_eval(function, input),
        ("ht", _) => ht_eval(function, input),
        ("particle", _) => {
            let (outer, inner) = variant(function)?;
            let w0 = number(field(input, "w")?)?;
            // One run untimed, for its error: the timed runs give the same output.
            particle(w0, outer, inner)?;
            repeat(
                input,
                || particle(w0, outer, inner),
                |w| json!(w.as_ref().ok()),
            )
        }
        ("saddle", _) => {
            let (outer, inner) = variant(function)?;
            let start = floats(field(input, "start")?)?;
            let start: [f64; 2] = start
                .try_into()
                .map_err(|s: Vec<f64>| format!("start needs 2 numbers, not {}", s.len()))?;
            if start.iter().any(|s| s.abs() > 1e100) {
                return Err(format!("start {start:?} is beyond ±1e100"));
            }
            saddle_point(start, outer, inner)?;
            repeat(
                input,
                || saddle_point(start, outer, inner),
                |p| json!(p.as_ref().ok()),
            )
        }
        _ if !MODULES.contains(&module) => Err(format!(
            "no module \"{module}\"; backprop implements {}",
            MODULES.join(", ")
        )),
        _ => Err(unknown(function, "those of the eval's README")),
    }
}

fn gmm_eval(function: &str, input: &Value) -> Result<Run, String> {
    let d = count(field(input, "d")?)?;
    let k = count(field(input, "k")?)?;
    let n = count(field(input, "n")?)?;
    if d == 0 || k == 0 || n == 0 {
        return Err(format!("needs d, k, n ≥ 1 (d = {d}, k = {k}, n = {n})"));
    }
    let alpha = floats(field(input, "alpha")?)?;
    let mu = matrix(field(input, "mu")?, "mu", k, d)?;
    let q = matrix(field(input, "q")?, "q", k, d)?;
    let l = matrix(field(input, "l")?, "l", k, d * (d - 1) / 2)?;
    let x = matrix(field(input, "x")?, "x", n, d)?;
    if alpha.len() != k {
        return Err(format!("alpha has {} entries, not k = {k}", alpha.len()));
    }
    let m = count(field(input, "m")?)?;
    let gamma = number(field(input, "gamma")?)?;
    match function {
        "objective" => repeat(
            input,
            || gmm(&alpha, &mu, &q, &l, &x, d, m, gamma),
            |v| json!(v),
        ),
        "jacobian" => repeat(
            input,
            || gmm::grad(&alpha, &mu, &q, &l, &x, d, m, gamma).1,
            |g| {
                json!({
                    "alpha": g.alpha,
                    "mu": rows(&g.mu, k, d),
                    "q": rows(&g.q, k, d),
                    "l": rows(&g.l, k, d * (d - 1) / 2),
                })
            },
        ),
        _ => Err(unknown(function, "objective, jacobian")),
    }
}

fn lstm_eval(function: &str, input: &Value) -> Result<Run, String> {
    let main = field(input, "main_params")?;
    let (layers2, width) = (rows_of(main), first_row_len(main));
    if layers2 == 0 || layers2 % 2 != 0 || width == 0 || width % 4 != 0 {
        return Err("main_params needs 2 rows of 4 b values per layer".into());
    }
    let (l, b) = (layers2 / 2, width / 4);
    let main = matrix(main, "main_params", 2 * l, 4 * b)?;
    let extra = matrix(field(input, "extra_params")?, "extra_params", 3, b)?;
    let state = matrix(field(input, "state")?, "state", 2 * l, b)?;
    let sequence = field(input, "sequence")?;
    let c = rows_of(sequence);
    if c < 2 {
        return Err("sequence needs at least 2 characters".into());
    }
    let sequence = matrix(sequence, "sequence", c, b)?;
    match function {
        "objective" => repeat(
            input,
            || lstm(&main, &extra, &state, &sequence, l, b),
            |v| json!(v),
        ),
        "jacobian" => repeat(
            input,
            || lstm::grad(&main, &extra, &state, &sequence, l, b).1,
            |g| json!(g.main.iter().chain(&g.extra).collect::<Vec<_>>()),
        ),
        _ => Err(unknown(function, "objective, jacobian")),
    }
}

fn kmeans_eval(function: &str, input: &Value) -> Result<Run, String> {
    let points = field(input, "points")?;
    let centroids = field(input, "centroids")?;
    let (n, k, d) = (
        rows_of(points),
        rows_of(centroids),
        first_row_len(centroids),
    );
    if n == 0 || k == 0 || d == 0 {
        return Err("needs nonempty points and centroids of a nonzero dimension".into());
    }
    let p = matrix(points, "points", n, d)?;
    let c = matrix(centroids, "centroids", k, d)?;
    match function {
        "cost" => repeat(input, || kmeans(&p, &c, d), |v| json!(v)),
        // Newton's direction J·H⁻¹: the Hessian is diagonal, its diagonal is H·1.
        "dir" => repeat(
            input,
            || {
                let ones = vec![1.0; c.len()];
                let (_, g, h) = kmeans::hvp(&p, &c, d, &ones);
                let dir: Vec<f64> = g.c.iter().zip(&h.c).map(|(g, h)| g / h).collect();
                dir
            },
            |dir| rows(dir, k, d),
        ),
        _ => Err(unknown(function, "cost, dir")),
    }
}

fn ht_eval(function: &str, input: &Value) -> Result<Run, String> {
    let instance = ht_instance(input)?;
    match function {
        "objective" => repeat(input, || instance.objective(), |err| json!(err)),
        // Rows of the Jacobian (one per residual), from its columns.
        "jacobian" => repeat(
            input,
            || instance.jacobian_columns(),
            |columns| {
                let rows = columns.first().map_or(0, Vec::len);
                let out: Vec<Vec<f64>> = (0..rows)
                    .map(|i| columns.iter().map(|c| c[i]).collect())
                    .collect();
                json!(out)
            },
        ),
        _ => Err(unknown(function, "objective, jacobian")),
    }
}

/// ht's input, checked: every index in range, every matrix of its size.
fn ht_instance(input: &Value) -> Result<Instance, String> {
    let data = field(input, "data")?;
    let model = field(data, "model")?;
    let parents: Vec<i64> = field(model, "parents")?
        .as_array()
        .ok_or("parents needs a list")?
        .iter()
        .map(|p| {
            p.as_i64()
                .ok_or_else(|| format!("a parent is {}", short(p)))
        })
        .collect::<Result<_, _>>()?;
    let bones = parents.len();
    if parents
        .iter()
        .enumerate()
        .any(|(b, &p)| p >= b as i64 || p < -1)
    {
        return Err("each bone's parent must come before it (or be -1)".into());
    }
    let transforms = |name: &str| -> Result<Vec<f64>, String> {
        let list = field(model, name)?
            .as_array()
            .filter(|l| l.len() == bones)
            .ok_or_else(|| format!("{name} needs one 4 × 4 matrix per bone ({bones})"))?;
        let mut out = Vec::with_capacity(16 * bones);
        for m in list {
            out.extend(matrix(m, name, 4, 4)?);
        }
        Ok(out)
    };
    let base_relatives = transforms("base_relatives")?;
    let inverse_base_absolutes = transforms("inverse_base_absolutes")?;
    let positions = field(model, "base_positions")?;
    let verts = rows_of(positions);
    let base_positions = matrix(positions, "base_positions", verts, 4)?;
    let weights = matrix(field(model, "weights")?, "weights", verts, bones)?;
    let triangle_list = field(model, "triangles")?;
    if let Some(t) = triangle_list
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| rows_of(t) != 3)
    {
        return Err(format!("a triangle needs 3 vertices, not {}", short(t)));
    }
    let triangles = indices(triangle_list, "triangles", verts)?;
    let is_mirrored = field(model, "is_mirrored")?
        .as_bool()
        .ok_or("is_mirrored needs a bool")?;
    let correspondences = indices(
        field(data, "correspondences")?,
        "correspondences",
        usize::MAX,
    )?;
    let n = correspondences.len();
    let points = matrix(field(data, "points")?, "points", n, 3)?;
    let theta = floats(field(input, "theta")?)?;
    if theta.len() != 26 || bones < 22 {
        return Err(format!(
            "needs 26 pose parameters and at least 22 bones ({} and {bones})",
            theta.len()
        ));
    }
    let us = field(input, "us")?;
    let us = if rows_of(us) == 0 {
        Vec::new()
    } else {
        matrix(us, "us", n, 2)?
    };
    // Correspondences index vertices, or triangles when `us` is given.
    let targets = if us.is_empty() {
        verts
    } else {
        triangles.len() / 3
    };
    if let Some(c) = correspondences.iter().find(|&&c| c >= targets) {
        return Err(format!("correspondence {c} is out of range (< {targets})"));
    }
    Ok(Instance {
        theta,
        us,
        model: Model {
            parents,
            base_relatives,
            inverse_base_absolutes,
            base_positions,
            weights,
            triangles,
            is_mirrored,
        },
        correspondences,
        points,
    })
}

/// A list (or a list of lists, flattened) of indices below `limit`.
fn indices(v: &Value, name: &str, limit: usize) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    let items = v.as_array().ok_or_else(|| format!("{name} needs a list"))?;
    for item in items {
        match item.as_array() {
            Some(inner) => {
                for i in inner {
                    out.push(count(i)?);
                }
            }
            None => out.push(count(item)?),
        }
    }
    match out.iter().find(|&&i| i >= limit) {
        Some(i) => Err(format!("{name}: index {i} is out of range (< {limit})")),
        None => Ok(out),
    }
}

/// The problem `ba`'s input describes: `n` cameras, `m` points and `p` observations, each
/// a copy of the one given (the eval's duplication, which the tool must not exploit);
/// observation `i` sees point `i mod m` from camera `i mod n`.
struct Bundle {
    n: usize,
    m: usize,
    p: usize,
    cams: Vec<f64>,
    points: Vec<f64>,
    weights: Vec<f64>,
    feats: Vec<f64>,
}

impl Bundle {
    fn read(input: &Value) -> Result<Self, String> {
        let (n, m, p) = (
            count(field(input, "n")?)?,
            count(field(input, "m")?)?,
            count(field(input, "p")?)?,
        );
        if n == 0 || m == 0 || p == 0 {
            return Err(format!("needs n, m, p ≥ 1 (n = {n}, m = {m}, p = {p})"));
        }
        let cam = floats(field(input, "cam")?)?;
        let x = floats(field(input, "x")?)?;
        let feat = floats(field(input, "feat")?)?;
        if cam.len() != 11 || x.len() != 3 || feat.len() != 2 {
            return Err("cam needs 11 values, x 3 and feat 2".into());
        }
        let w = number(field(input, "w")?)?;
        Ok(Bundle {
            n,
            m,
            p,
            cams: cam.repeat(n),
            points: x.repeat(m),
            weights: vec![w; p],
            feats: feat.repeat(p),
        })
    }

    /// Observation `i`'s camera, point, weight and feature.
    fn observation(&self, i: usize) -> (&[f64; 11], &[f64; 3], f64, &[f64; 2]) {
        let (c, x) = (i % self.n, i % self.m);
        (
            chunk(&self.cams, c),
            chunk(&self.points, x),
            self.weights[i],
            chunk(&self.feats, i),
        )
    }
}

/// The `at`-th `N` values of `values` (`read` made each list a whole number of them).
fn chunk<const N: usize>(values: &[f64], at: usize) -> &[f64; N] {
    values[N * at..N * (at + 1)]
        .try_into()
        .expect("a whole number of chunks")
}

fn ba_eval(function: &str, input: &Value) -> Result<Run, String> {
    let bundle = Bundle::read(input)?;
    let (n, m, p) = (bundle.n, bundle.m, bundle.p);
    match function {
        "objective" => repeat(
            input,
            || {
                let mut reproj = Vec::with_capacity(2 * p);
                for i in 0..p {
                    let (cam, x, w, feat) = bundle.observation(i);
                    reproj.extend(ba(cam, x, w, feat));
                }
                let weights: Vec<f64> = bundle.weights.iter().map(|&w| w_err(w)).collect();
                (reproj, weights)
            },
            |(reproj, weights)| {
                json!({
                    "reproj_error": { "elements": &reproj[..2], "repeated": p },
                    "w_err": { "element": weights[0], "repeated": p },
                })
            },
        ),
        // The sparse Jacobian (compressed rows) from each observation's 2 × 15 block, by
        // `jacobian` of one observation's residual, and the diagonal of the weights' errors.
        // Each run fills the lists of the run before (cleared), as `manual` keeps its
        // buffers: 16 MB of fresh pages per run at ba1 would cost more than the Jacobian.
        "jacobian" => repeat_reusing(
            input,
            |previous: Option<(Vec<usize>, Vec<usize>, Vec<f64>)>| {
                let (mut rows, mut cols, mut vals) = previous.unwrap_or_default();
                rows.clear();
                cols.clear();
                vals.clear();
                rows.reserve(3 * p + 1);
                cols.reserve(31 * p);
                vals.reserve(31 * p);
                rows.push(0);
                for i in 0..p {
                    let (cam, x, w, feat) = bundle.observation(i);
                    let (_, block) = ba::jacobian(cam, x, w, feat);
                    let (c, pt) = (i % n, i % m);
                    for row in &block {
                        rows.push(rows[rows.len() - 1] + 15);
                        cols.extend((0..11).map(|k| 11 * c + k));
                        vals.extend(&row.cam);
                        cols.extend((0..3).map(|k| 11 * n + 3 * pt + k));
                        vals.extend(&row.x);
                        cols.push(11 * n + 3 * m + i);
                        vals.push(row.w);
                    }
                }
                for (i, &w) in bundle.weights.iter().enumerate() {
                    rows.push(rows[rows.len() - 1] + 1);
                    cols.push(11 * n + 3 * m + i);
                    vals.push(w_err::grad(w).1.w);
                }
                (rows, cols, vals)
            },
            // The eval compares the first 30 entries of each list and the last.
            |(rows, cols, vals)| {
                json!({
                    "rows": first_30_and_last(rows),
                    "cols": first_30_and_last(cols),
                    "vals": first_30_and_last(vals),
                })
            },
        ),
        _ => Err(unknown(function, "objective, jacobian")),
    }
}

fn first_30_and_last<T: Copy>(v: &[T]) -> Vec<T> {
    v[..30.min(v.len())]
        .iter()
        .chain(v.last())
        .copied()
        .collect()
}

/// Runs `f` at least `min_runs` times and for at least `min_seconds` (from `input`; once
/// when it has neither), timing each run; the output is the last run's.
fn repeat<T>(
    input: &Value,
    mut f: impl FnMut() -> T,
    output: impl Fn(&T) -> Value,
) -> Result<Run, String> {
    runs(input, |_| f(), output, false)
}

/// [`repeat`], where each run gets the result of the run before (none the first time) to
/// reuse its storage.
fn repeat_reusing<T>(
    input: &Value,
    f: impl FnMut(Option<T>) -> T,
    output: impl Fn(&T) -> Value,
) -> Result<Run, String> {
    runs(input, f, output, true)
}

/// Runs `f` as `input`'s `min_runs` and `min_seconds` ask, timing each run; without
/// `reuse`, each result is dropped after its timing stops.
fn runs<T>(
    input: &Value,
    mut f: impl FnMut(Option<T>) -> T,
    output: impl Fn(&T) -> Value,
    reuse: bool,
) -> Result<Run, String> {
    let min_runs = match input.get("min_runs") {
        Some(v) => count(v)?.max(1),
        None => 1,
    };
    let min_seconds = match input.get("min_seconds") {
        Some(v) => number(v)?,
        None => 0.0,
    };
    if !(0.0..=86_400.0).contains(&min_seconds) {
        return Err(format!(
            "min_seconds = {min_seconds} is not between 0 and a day"
        ));
    }
    let mut timings = Vec::with_capacity(min_runs);
    let mut total = 0.0;
    let mut previous = None;
    loop {
        let start = Instant::now();
        let result = black_box(f(previous.take()));
        let nanoseconds = start.elapsed().as_nanos();
        total += nanoseconds as f64 * 1e-9;
        timings.push(u64::try_from(nanoseconds).unwrap_or(u64::MAX));
        if timings.len() >= min_runs && total >= min_seconds {
            return Ok(Run {
                output: output(&result),
                timings,
            });
        }
        if reuse {
            previous = Some(result);
        }
    }
}

/// The modes of a nested eval's function (`"rf"`: outer reverse, inner forward).
fn variant(function: &str) -> Result<(nested::Mode, nested::Mode), String> {
    nested::modes(function).ok_or_else(|| unknown(function, &nested::VARIANTS.join(", ")))
}

fn unknown(function: &str, known: &str) -> String {
    format!("no function \"{function}\" (this eval's are {known})")
}

fn field<'a>(input: &'a Value, name: &str) -> Result<&'a Value, String> {
    input
        .get(name)
        .ok_or_else(|| format!("the input has no field \"{name}\""))
}

fn number(v: &Value) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("expected a number, got {}", short(v)))
}

fn count(v: &Value) -> Result<usize, String> {
    v.as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("expected a nonnegative integer, got {}", short(v)))
}

fn floats(v: &Value) -> Result<Vec<f64>, String> {
    let items = v
        .as_array()
        .ok_or_else(|| format!("expected an array of numbers, got {}", short(v)))?;
    items.iter().map(number).collect()
}

/// How many rows an array of arrays has (0 when it is not an array), to size the checks of
/// [`matrix`].
fn rows_of(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

/// How long its first row is (0 when there is none).
fn first_row_len(v: &Value) -> usize {
    v.as_array()
        .and_then(|r| r.first())
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// A `rows × cols` array of arrays, row-major in one `Vec`.
fn matrix(v: &Value, name: &str, rows: usize, cols: usize) -> Result<Vec<f64>, String> {
    let items = v
        .as_array()
        .filter(|r| r.len() == rows)
        .ok_or_else(|| format!("{name} needs {rows} rows"))?;
    let mut out = Vec::with_capacity(rows * cols);
    for (i, row) in items.iter().enumerate() {
        let row = floats(row).map_err(|e| format!("{name}[{i}]: {e}"))?;
        if row.len() != cols {
            return Err(format!("{name}[{i}] has {} entries, not {cols}", row.len()));
        }
        out.extend(row);
    }
    Ok(out)
}

/// `values` as `rows` rows of `cols` entries.
fn rows(values: &[f64], rows: usize, cols: usize) -> Value {
    let out: Vec<&[f64]> = (0..rows)
        .map(|r| &values[r * cols..(r + 1) * cols])
        .collect();
    json!(out)
}

/// A value, cut short for an error message.
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}
