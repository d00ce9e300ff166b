//! ht's Jacobian by columns against central differences, on a small made-up hand: 22 bones
//! in a chain, a few vertices, both variants.

#![allow(clippy::needless_range_loop)]

use backprop_gradbench::ht::{Instance, Model};
use backprop_gradbench::objectives::uniform;

fn hand(complicated: bool) -> Instance {
    let bones = 22;
    let verts = 7;
    let near_identity = |seed: u64| -> Vec<f64> {
        let noise = uniform(seed, 16 * bones);
        (0..16 * bones)
            .map(|k| {
                let (r, c) = ((k % 16) / 4, k % 4);
                let base = if r == c { 1.0 } else { 0.0 };
                if r == 3 { base } else { base + 0.3 * noise[k] }
            })
            .collect()
    };
    let mut base_positions = uniform(3, 4 * verts);
    for v in 0..verts {
        base_positions[4 * v + 3] = 1.0;
    }
    let weights: Vec<f64> = uniform(4, verts * bones).iter().map(|w| w.abs()).collect();
    let triangles = vec![0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 0, 3];
    let correspondences = if complicated {
        vec![0, 3, 1, 2]
    } else {
        vec![0, 6, 2, 5]
    };
    let n = correspondences.len();
    Instance {
        theta: uniform(5, 26),
        us: if complicated {
            uniform(6, 2 * n).iter().map(|u| 0.25 + 0.2 * u).collect()
        } else {
            Vec::new()
        },
        model: Model {
            parents: (0..bones as i64).map(|b| b - 1).collect(),
            base_relatives: near_identity(1),
            inverse_base_absolutes: near_identity(2),
            base_positions,
            weights,
            triangles,
            is_mirrored: complicated,
        },
        correspondences,
        points: uniform(7, 3 * n),
    }
}

#[test]
fn the_columns_are_the_jacobian() {
    for complicated in [false, true] {
        let mut instance = hand(complicated);
        let columns = instance.jacobian_columns();
        let extra = if complicated { 2 } else { 0 };
        assert_eq!(columns.len(), 26 + extra);
        let h = 1e-6;
        // Central differences in each pose parameter.
        for j in 0..26 {
            let x = instance.theta[j];
            instance.theta[j] = x + h;
            let up = instance.objective();
            instance.theta[j] = x - h;
            let down = instance.objective();
            instance.theta[j] = x;
            for (i, (u, d)) in up.iter().zip(&down).enumerate() {
                let fd = (u - d) / (2.0 * h);
                let got = columns[extra + j][i];
                assert!(
                    (got - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "θ{j}, row {i}: {got} vs {fd}"
                );
            }
        }
        // The barycentric columns: every correspondence's own coordinate at once.
        for which in 0..extra {
            let shift = |s: f64| {
                let mut moved = hand(complicated);
                for k in (which..moved.us.len()).step_by(2) {
                    moved.us[k] += s;
                }
                moved.objective()
            };
            let (up, down) = (shift(h), shift(-h));
            for i in 0..up.len() {
                let fd = (up[i] - down[i]) / (2.0 * h);
                let got = columns[which][i];
                assert!(
                    (got - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "u{which}, row {i}: {got} vs {fd}"
                );
            }
        }
    }
}
