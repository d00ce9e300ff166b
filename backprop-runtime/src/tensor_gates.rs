//! Gates over arrays: softmax, log-softmax and a softmax cross-entropy, declared with
//! [`gate!`](crate::gate) like every other gate, each with its hand-written backward rule.

use crate::Real;
use crate::grad::NotDifferentiable;
use ndarray::{Array, ArrayBase, Axis, Data, Ix2, RemoveAxis, Zip};

fn softmax_of<A: Real, S: Data<Elem = A>, D: RemoveAxis>(
    x: &ArrayBase<S, D>,
    axis: Axis,
) -> Array<A, D> {
    let mut y = x.to_owned();
    for mut lane in y.lanes_mut(axis) {
        let m = lane.fold(A::neg_infinity(), |m, &v| m.max(v));
        lane.mapv_inplace(|v| (v - m).exp());
        let s = lane.sum();
        lane.mapv_inplace(|v| v / s);
    }
    y
}

/// `y ⊙ (g − Σ_axis g ⊙ y)`: softmax's vector-Jacobian product (its Jacobian is symmetric,
/// so it is the Jacobian-vector product too).
fn softmax_product<A: Real, D: RemoveAxis>(
    y: &Array<A, D>,
    mut g: Array<A, D>,
    axis: Axis,
) -> Array<A, D> {
    for (mut g_lane, y_lane) in g.lanes_mut(axis).into_iter().zip(y.lanes(axis)) {
        let dot = Zip::from(&g_lane)
            .and(&y_lane)
            .fold(A::zero(), |s, &a, &b| s + a * b);
        Zip::from(&mut g_lane)
            .and(&y_lane)
            .for_each(|a, &b| *a = b * (*a - dot));
    }
    g
}

/// The tangent of `softmax_product(y, g)` in `y` alone, for `dy`:
/// `dy ⊙ (g − Σ_axis g ⊙ y) − y ⊙ Σ_axis g ⊙ dy`.
fn softmax_product_dy<A: Real, D: RemoveAxis>(
    y: &Array<A, D>,
    dy: &Array<A, D>,
    g: &Array<A, D>,
    axis: Axis,
) -> Array<A, D> {
    let mut out = dy.clone();
    for ((mut o, y), g) in out
        .lanes_mut(axis)
        .into_iter()
        .zip(y.lanes(axis))
        .zip(g.lanes(axis))
    {
        let gy = Zip::from(&g).and(&y).fold(A::zero(), |s, &a, &b| s + a * b);
        let gdy = Zip::from(&g).and(&o).fold(A::zero(), |s, &a, &b| s + a * b);
        Zip::from(&mut o)
            .and(&y)
            .and(&g)
            .for_each(|d, &y, &g| *d = *d * (g - gy) - y * gdy);
    }
    out
}

crate::gate! {
    /// Softmax along `axis`: `exp(xᵢ) / Σⱼ exp(xⱼ)` over each lane (computed stably).
    pub fn softmax<'x, A: Real, S: Data<Elem = A>, D: RemoveAxis>(x: &'x ArrayBase<S, D>, axis: Axis) -> Array<A, D> {
        softmax_of(x, axis)
    }
    backward(out, grad) {
        (softmax_product(&out, grad, axis), NotDifferentiable)
    }
    tangent(out, dx, daxis) {
        softmax_product(&out, dx, axis)
    }
    second(dout, dgrad) {
        let mut d = softmax_product_dy(&out, &dout, &grad, axis);
        d += &softmax_product(&out, dgrad, axis);
        (d, NotDifferentiable)
    }
}

crate::gate! {
    /// Log-softmax along `axis`: `xᵢ − log Σⱼ exp(xⱼ)` over each lane (computed stably).
    pub fn log_softmax<'x, A: Real, S: Data<Elem = A>, D: RemoveAxis>(x: &'x ArrayBase<S, D>, axis: Axis) -> Array<A, D> {
        let mut out = x.to_owned();
        for mut lane in out.lanes_mut(axis) {
            let m = lane.fold(A::neg_infinity(), |m, &v| m.max(v));
            let lse = m + lane.fold(A::zero(), |s, &v| s + (v - m).exp()).ln();
            lane.mapv_inplace(|v| v - lse);
        }
        out
    }
    backward(out, grad) {
        // g − softmax ⊙ Σ_axis g
        let y = out.mapv(|v| v.exp());
        let mut g = grad;
        for (mut g_lane, y_lane) in g.lanes_mut(axis).into_iter().zip(y.lanes(axis)) {
            let total = g_lane.sum();
            Zip::from(&mut g_lane).and(&y_lane).for_each(|a, &b| *a -= b * total);
        }
        (g, NotDifferentiable)
    }
    tangent(out, dx, daxis) {
        // dx − Σ_axis softmax ⊙ dx
        let y = out.mapv(|v| v.exp());
        let mut d = dx;
        for (mut d_lane, y_lane) in d.lanes_mut(axis).into_iter().zip(y.lanes(axis)) {
            let dot = Zip::from(&d_lane).and(&y_lane).fold(A::zero(), |s, &a, &b| s + a * b);
            d_lane.mapv_inplace(|a| a - dot);
        }
        d
    }
    second(dout, dgrad) {
        // dgrad − softmax ⊙ Σ_axis dgrad − (softmax ⊙ dout) ⊙ Σ_axis grad
        let y = out.mapv(|v| v.exp());
        let mut d = dgrad;
        for (((mut d_lane, y_lane), g_lane), dout_lane) in d
            .lanes_mut(axis)
            .into_iter()
            .zip(y.lanes(axis))
            .zip(grad.lanes(axis))
            .zip(dout.lanes(axis))
        {
            let (dtotal, total) = (d_lane.sum(), g_lane.sum());
            Zip::from(&mut d_lane)
                .and(&y_lane)
                .and(&dout_lane)
                .for_each(|a, &y, &dy| *a -= y * dtotal + y * dy * total);
        }
        (d, NotDifferentiable)
    }
}

fn check_labels(rows: usize, classes: usize, labels: &[usize]) {
    assert_eq!(
        rows,
        labels.len(),
        "softmax_cross_entropy: {rows} rows of logits but {} labels",
        labels.len()
    );
    if let Some(bad) = labels.iter().find(|&&l| l >= classes) {
        panic!("softmax_cross_entropy: label {bad} out of range for {classes} classes");
    }
}

crate::gate! {
    /// The mean softmax cross-entropy of `logits` (one row per example, one column per class)
    /// against integer `labels`: `mean_i(log Σⱼ exp(zᵢⱼ) − zᵢ,labelᵢ)`.
    ///
    /// # Panics
    /// When there are not as many labels as rows, or a label is not a column.
    pub fn softmax_cross_entropy<'x, 'l, A: Real, S: Data<Elem = A>>(logits: &'x ArrayBase<S, Ix2>, labels: &'l [usize]) -> A {
        let (rows, classes) = logits.dim();
        check_labels(rows, classes, labels);
        let mut total = A::zero();
        for (row, &label) in logits.rows().into_iter().zip(labels) {
            let m = row.fold(A::neg_infinity(), |m, &v| m.max(v));
            let lse = m + row.fold(A::zero(), |s, &v| s + (v - m).exp()).ln();
            total += lse - row[label];
        }
        total / A::from_f64(rows as f64)
    }
    backward(out, grad) {
        // (softmax − one-hot) · grad / n
        let rows = logits.nrows();
        let mut g = softmax_of(logits, Axis(1));
        let scale = grad / A::from_f64(rows as f64);
        for (mut row, &label) in g.rows_mut().into_iter().zip(labels) {
            row[label] -= A::one();
            row.mapv_inplace(|v| v * scale);
        }
        (g, NotDifferentiable)
    }
    tangent(out, dlogits, dlabels) {
        let rows = logits.nrows();
        let y = softmax_of(logits, Axis(1));
        let mut total = A::zero();
        for ((y_row, d_row), &label) in y.rows().into_iter().zip(dlogits.rows()).zip(labels) {
            total += Zip::from(&y_row).and(&d_row).fold(A::zero(), |s, &a, &b| s + a * b) - d_row[label];
        }
        total / A::from_f64(rows as f64)
    }
    second(dout, dgrad) {
        // (softmax ⊙ (dlogits − Σ softmax ⊙ dlogits)) · grad / n + (softmax − one-hot) · dgrad / n
        let rows = A::from_f64(logits.nrows() as f64);
        let y = softmax_of(logits, Axis(1));
        let mut d = softmax_product(&y, dlogits.clone(), Axis(1));
        d.mapv_inplace(|v| v * grad / rows);
        let mut rest = y;
        for (mut row, &label) in rest.rows_mut().into_iter().zip(labels) {
            row[label] -= A::one();
        }
        d.scaled_add(dgrad / rows, &rest);
        (d, NotDifferentiable)
    }
}

/// `a` and `b` joined along `axis`.
fn joined<A: Real, D: RemoveAxis>(
    a: ndarray::ArrayView<'_, A, D>,
    b: ndarray::ArrayView<'_, A, D>,
    axis: Axis,
) -> Array<A, D> {
    let shapes = (a.shape().to_vec(), b.shape().to_vec());
    match ndarray::concatenate(axis, &[a, b]) {
        Ok(y) => y,
        Err(e) => panic!(
            "backprop: concatenate along {axis:?} of arrays of shapes {:?} and {:?}: {e}",
            shapes.0, shapes.1
        ),
    }
}

/// `g` split along `axis` where `a` ends: the parts for `a` and for `b`.
fn split<A: Real, D: RemoveAxis>(
    g: &Array<A, D>,
    axis: Axis,
    at: usize,
) -> (Array<A, D>, Array<A, D>) {
    (
        g.slice_axis(axis, ndarray::Slice::from(..at)).to_owned(),
        g.slice_axis(axis, ndarray::Slice::from(at..)).to_owned(),
    )
}

crate::gate! {
    /// `concatenate(axis, &[a.view(), b.view()])`: `#[differentiate]` writes ndarray's
    /// `concatenate` and `stack` (after inserting the axis) as calls to it, one join of
    /// two at a time. The gradient is split back where `a` ends.
    pub fn concat<'x, 'y, A: Real, S: Data<Elem = A>, T: Data<Elem = A>, D: RemoveAxis>(a: &'x ArrayBase<S, D>, b: &'y ArrayBase<T, D>, axis: Axis) -> Array<A, D> {
        joined(a.view(), b.view(), axis)
    }
    // The rule reads only where `a` ends: the joined array is not copied.
    backward(_, grad) {
        let (ga, gb) = split(&grad, axis, a.len_of(axis));
        (ga, gb, NotDifferentiable)
    }
    tangent(out, da, db, daxis) {
        joined(da.view(), db.view(), axis)
    }
    // Linear in `grad`: the tangent of the backward rule is the rule applied to `dgrad`.
    second(dout, dgrad) {
        let (ga, gb) = split(&dgrad, axis, a.len_of(axis));
        (ga, gb, NotDifferentiable)
    }
}
