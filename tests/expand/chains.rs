// An iterator chain and a `max_by` as the loops they mean, over the rows of a nested
// sequence: a dot product per row, then the greatest.
#[differentiate(reverse)]
fn best_row(m: &[Vec<f64>], x: &[f64]) -> f64 {
    m.iter()
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>())
        .max_by(|a, b| a.total_cmp(b))
        .unwrap()
}
