#[differentiate(wrt(c))]
fn nearest(p: &[f64], c: &[f64], d: usize) -> f64 {
    let mut cost = 0.0;
    for i in 0..p.len() / d {
        let point = &p[i * d..(i + 1) * d];
        let mut closest = f64::INFINITY;
        for j in 0..c.len() / d {
            let centroid = &c[j * d..(j + 1) * d];
            let mut distance = 0.0;
            for l in 0..d {
                let diff = centroid[l] - point[l];
                distance += diff * diff;
            }
            closest = closest.min(distance);
        }
        cost += closest;
    }
    cost
}
