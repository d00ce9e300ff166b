//! ht: hand tracking (GradBench's `evals/ht`, from ADBench), written from the reference's
//! description (`cpp/gradbench/evals/ht.hpp`): a skinned hand model posed by 26 parameters,
//! and the distances from its surface to observed points. The Jacobian is taken by columns
//! (`jvp`), as the reference does: one column per pose parameter, and for the
//! "complicated" variant two more, the derivatives in each correspondence's own
//! barycentric coordinates `us`, all correspondences at once (each residual depends only on
//! its own pair).

#![allow(clippy::too_many_arguments, clippy::needless_range_loop)]

use backprop::differentiate;

/// How many Jacobian columns one forward pass computes (`ht::jvps`). Four keeps each finger's
/// four angles in one pass (after the two `us` columns and the six global ones), so the
/// bones of the other fingers skip their tangents; 8 and 16 measured no faster, 28 (every
/// column at once) about 2.5× slower.
const LANES: usize = 4;

/// The hand model: `parents[b]` (−1 for the root) of each bone, each bone's base relative
/// and inverse base absolute transforms (`4 × 4`, row-major, one after the other), the
/// vertices in homogeneous coordinates (`4` per vertex), the skinning weights (`bones` per
/// vertex) and the triangles (`3` vertex indices each).
pub struct Model {
    pub parents: Vec<i64>,
    pub base_relatives: Vec<f64>,
    pub inverse_base_absolutes: Vec<f64>,
    pub base_positions: Vec<f64>,
    pub weights: Vec<f64>,
    pub triangles: Vec<usize>,
    pub is_mirrored: bool,
}

/// The residuals `point − model point` (3 per correspondence) of the hand posed by `theta`
/// (global rotation as an angle-axis vector, global translation, then 20 finger angles).
/// With `us` empty (the "simple" variant) the model point is the corresponding vertex;
/// otherwise it is the point of the corresponding triangle at barycentric coordinates
/// `(us[2i], us[2i + 1], 1 − both)`.
#[differentiate(forward, wrt(theta, us))]
pub fn ht(
    theta: &[f64],
    us: &[f64],
    parents: &[i64],
    base_relatives: &[f64],
    inverse_base_absolutes: &[f64],
    base_positions: &[f64],
    weights: &[f64],
    triangles: &[usize],
    correspondences: &[usize],
    points: &[f64],
    mirrored: bool,
) -> Vec<f64> {
    let bones = parents.len();
    let verts = base_positions.len() / 4;

    // The pose: 3 values per column, a column per bone after the global rotation, scale
    // and translation; each finger's first bone bends two ways, the others one.
    let mut pose = vec![0.0; 3 * (bones + 3)];
    for r in 0..3 {
        pose[r] = theta[r];
        pose[3 + r] = 1.0;
        pose[6 + r] = theta[3 + r];
    }
    let mut i_theta = 6;
    let mut i_pose = 5;
    for _finger in 0..5 {
        for i in 2..5 {
            pose[3 * i_pose] = theta[i_theta];
            i_theta += 1;
            if i == 2 {
                pose[3 * i_pose + 1] = theta[i_theta];
                i_theta += 1;
            }
            i_pose += 1;
        }
        i_pose += 1;
    }

    // Each bone's absolute transform: its parent's times its base relative transform
    // rotated by the bone's Euler angles (x, z, y), R = Rz · Ry · Rx.
    let mut absolutes = vec![0.0; 16 * bones];
    for b in 0..bones {
        let c = 3 * (b + 3);
        let (tx, tz, ty) = (pose[c], pose[c + 1], pose[c + 2]);
        let (sx, cx) = (tx.sin(), tx.cos());
        let (sy, cy) = (ty.sin(), ty.cos());
        let (sz, cz) = (tz.sin(), tz.cos());
        let rot = [
            cz * cy,
            cz * sy * sx - sz * cx,
            cz * sy * cx + sz * sx,
            sz * cy,
            sz * sy * sx + cz * cx,
            sz * sy * cx - cz * sx,
            -sy,
            cy * sx,
            cy * cx,
        ];
        let mut relative = [0.0; 16];
        for r in 0..4 {
            for k in 0..3 {
                let mut sum = 0.0;
                for m in 0..3 {
                    sum += base_relatives[16 * b + 4 * r + m] * rot[3 * m + k];
                }
                relative[4 * r + k] = sum;
            }
            relative[4 * r + 3] = base_relatives[16 * b + 4 * r + 3];
        }
        if parents[b] < 0 {
            for k in 0..16 {
                absolutes[16 * b + k] = relative[k];
            }
        } else {
            let p = parents[b] as usize;
            for r in 0..4 {
                for k in 0..4 {
                    let mut sum = 0.0;
                    for m in 0..4 {
                        sum += absolutes[16 * p + 4 * r + m] * relative[4 * m + k];
                    }
                    absolutes[16 * b + 4 * r + k] = sum;
                }
            }
        }
    }

    // Skinning: each vertex moved by every bone's transform (absolute times inverse base
    // absolute), weighted.
    let mut positions = vec![0.0; 3 * verts];
    for b in 0..bones {
        let mut transform = [0.0; 16];
        for r in 0..4 {
            for k in 0..4 {
                let mut sum = 0.0;
                for m in 0..4 {
                    sum +=
                        absolutes[16 * b + 4 * r + m] * inverse_base_absolutes[16 * b + 4 * m + k];
                }
                transform[4 * r + k] = sum;
            }
        }
        for v in 0..verts {
            let w = weights[v * bones + b];
            for r in 0..3 {
                let mut moved = 0.0;
                for k in 0..4 {
                    moved += transform[4 * r + k] * base_positions[4 * v + k];
                }
                positions[3 * v + r] += moved * w;
            }
        }
    }
    if mirrored {
        for v in 0..verts {
            positions[3 * v] = -positions[3 * v];
        }
    }

    // The global rotation (angle-axis, identity when tiny), scale and translation.
    let norm = (theta[0] * theta[0] + theta[1] * theta[1] + theta[2] * theta[2]).sqrt();
    let mut global = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    if norm >= 1e-4 {
        let (x, y, z) = (theta[0] / norm, theta[1] / norm, theta[2] / norm);
        let (s, c) = (norm.sin(), norm.cos());
        global = [
            x * x + (1.0 - x * x) * c,
            x * y * (1.0 - c) - z * s,
            x * z * (1.0 - c) + y * s,
            x * y * (1.0 - c) + z * s,
            y * y + (1.0 - y * y) * c,
            y * z * (1.0 - c) - x * s,
            x * z * (1.0 - c) - y * s,
            z * y * (1.0 - c) + x * s,
            z * z + (1.0 - z * z) * c,
        ];
    }
    let mut posed = vec![0.0; 3 * verts];
    for v in 0..verts {
        for r in 0..3 {
            let mut sum = 0.0;
            for k in 0..3 {
                sum += global[3 * r + k] * pose[3 + k] * positions[3 * v + k];
            }
            posed[3 * v + r] = sum + pose[6 + r];
        }
    }

    let n = correspondences.len();
    let mut err = vec![0.0; 3 * n];
    for i in 0..n {
        let c = correspondences[i];
        for r in 0..3 {
            if us.is_empty() {
                err[3 * i + r] = points[3 * i + r] - posed[3 * c + r];
            } else {
                let (u0, u1) = (us[2 * i], us[2 * i + 1]);
                let (a, b, d) = (triangles[3 * c], triangles[3 * c + 1], triangles[3 * c + 2]);
                let on_surface = u0 * posed[3 * a + r]
                    + u1 * posed[3 * b + r]
                    + (1.0 - u0 - u1) * posed[3 * d + r];
                err[3 * i + r] = points[3 * i + r] - on_surface;
            }
        }
    }
    err
}

/// One instance: the pose, the barycentric coordinates (empty: the simple variant), the
/// model, and the correspondences with their observed points (`3` per point).
pub struct Instance {
    pub theta: Vec<f64>,
    pub us: Vec<f64>,
    pub model: Model,
    pub correspondences: Vec<usize>,
    pub points: Vec<f64>,
}

impl Instance {
    /// The residuals.
    pub fn objective(&self) -> Vec<f64> {
        let m = &self.model;
        ht(
            &self.theta,
            &self.us,
            &m.parents,
            &m.base_relatives,
            &m.inverse_base_absolutes,
            &m.base_positions,
            &m.weights,
            &m.triangles,
            &self.correspondences,
            &self.points,
            m.is_mirrored,
        )
    }

    /// The Jacobian by columns: with `us`, first the derivatives in each correspondence's
    /// two barycentric coordinates (two columns, every correspondence seeded at once), then
    /// one column per pose parameter. Forward mode along `LANES` directions per pass
    /// (`ht::jvps`): the hand is posed and skinned once for all of them. Column-major:
    /// column `j` is `columns[j]`.
    pub fn jacobian_columns(&self) -> Vec<Vec<f64>> {
        // Each direction borrows its parts: the zero `us` direction (two per correspondence)
        // is one vector for all the pose columns, not a copy each.
        let no_theta = vec![0.0; self.theta.len()];
        let no_us = vec![0.0; self.us.len()];
        let along_us: Vec<Vec<f64>> = (0..if self.us.is_empty() { 0 } else { 2 })
            .map(|which| {
                (0..self.us.len())
                    .map(|k| if k % 2 == which { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect();
        let along_theta: Vec<Vec<f64>> = (0..self.theta.len())
            .map(|j| {
                let mut dtheta = no_theta.clone();
                dtheta[j] = 1.0;
                dtheta
            })
            .collect();
        let mut directions: Vec<(&[f64], &[f64])> = Vec::with_capacity(2 + self.theta.len());
        directions.extend(along_us.iter().map(|dus| (&no_theta[..], &dus[..])));
        directions.extend(along_theta.iter().map(|dtheta| (&dtheta[..], &no_us[..])));
        let mut columns = Vec::with_capacity(directions.len());
        let mut rest = &directions[..];
        while !rest.is_empty() {
            // The widest pass that the remaining directions fill.
            let taken = match rest.len() {
                n if n >= LANES => self.columns_along::<LANES>(rest, &mut columns),
                n if n >= 2 => self.columns_along::<2>(rest, &mut columns),
                _ => self.columns_along::<1>(rest, &mut columns),
            };
            rest = &rest[taken..];
        }
        columns
    }

    /// The columns along the first `L` directions (`(dtheta, dus)` each), appended to
    /// `columns`; returns `L`.
    fn columns_along<const L: usize>(
        &self,
        directions: &[(&[f64], &[f64])],
        columns: &mut Vec<Vec<f64>>,
    ) -> usize {
        let m = &self.model;
        let dtheta: [&[f64]; L] = std::array::from_fn(|k| directions[k].0);
        let dus: [&[f64]; L] = std::array::from_fn(|k| directions[k].1);
        let (_, found) = ht::jvps(
            &self.theta,
            &self.us,
            &m.parents,
            &m.base_relatives,
            &m.inverse_base_absolutes,
            &m.base_positions,
            &m.weights,
            &m.triangles,
            &self.correspondences,
            &self.points,
            m.is_mirrored,
            dtheta,
            dus,
        );
        columns.extend(found);
        L
    }
}
