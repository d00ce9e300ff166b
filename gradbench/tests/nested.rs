//! particle and saddle: the nested gradients against finite differences and each other,
//! and the evals' expected outputs (those of `evals/particle/run.py` and
//! `evals/saddle/run.py`) from every variant.

use backprop_gradbench::nested::*;

fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

#[test]
fn the_miss_gradients_agree_in_all_four_modes_and_with_finite_differences() {
    for w in [0.0, 0.3, -0.2] {
        let fd = central(miss_r, w);
        let rr = miss_r::grad(w).1.w;
        let rf = miss_f::grad(w).1.w;
        let fr = miss_r::jvp(w, 1.0).1;
        let ff = miss_f::jvp(w, 1.0).1;
        // The force from forward and from reverse mode may differ in the last bit.
        assert!((miss_r(w) - miss_f(w)).abs() <= 1e-12 * miss_r(w));
        for (name, d) in [("rr", rr), ("rf", rf), ("fr", fr), ("ff", ff)] {
            assert!(
                (d - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
                "{name} at w = {w}: {d} vs {fd}"
            );
        }
        assert!((rr - ff).abs() <= 1e-10 * (1.0 + rr.abs()), "{rr} vs {ff}");
    }
}

#[test]
fn the_inner_maximum_differentiates_through_its_ascent() {
    // max over p2 of |p1|² − |p2|² is |p1|² − |p2*|², p2* independent of p1: gradient 2·p1.
    for (a, b) in [(0.5, -0.25), (1.0, 1.0)] {
        let (value, g) = max_r::grad(a, b, 1.0, 1.0);
        assert_eq!(value, max_f(a, b, 1.0, 1.0));
        let fd_a = central(|t| max_r(t, b, 1.0, 1.0), a);
        for (d, expected) in [
            (g.p1x, 2.0 * a),
            (max_f::grad(a, b, 1.0, 1.0).1.p1x, 2.0 * a),
            (max_r::jvp(a, b, 1.0, 1.0, 1.0, 0.0).1, 2.0 * a),
            (max_f::jvp(a, b, 1.0, 1.0, 0.0, 1.0).1, 2.0 * b),
            (g.p1y, 2.0 * b),
        ] {
            assert!((d - expected).abs() <= 1e-12, "{d} vs {expected}");
        }
        assert!((g.p1x - fd_a).abs() <= 1e-6, "{} vs {fd_a}", g.p1x);
    }
}

#[test]
fn every_variant_meets_the_evals_expected_outputs() {
    for variant in VARIANTS {
        let (outer, inner) = modes(variant).unwrap();
        let w = particle(0.0, outer, inner).unwrap();
        assert!(
            (w - 0.2071918746486116).abs() <= 1e-8,
            "particle {variant}: {w}"
        );
        let p = saddle_point([1.0, 1.0], outer, inner).unwrap();
        for v in p {
            assert!(
                (v - 8.246324826140356e-06).abs() <= 1e-10,
                "saddle {variant}: {p:?}"
            );
        }
    }
    assert_eq!(modes("rx"), None);
}

#[test]
fn a_particle_that_never_lands_is_an_error_not_a_hang() {
    // The far charge at (10, 10 − w) = (10, −90) repels the particle upward: it never lands.
    assert!(miss_r(100.0).is_nan());
    let error = particle(100.0, Mode::Reverse, Mode::Reverse).unwrap_err();
    assert!(error.contains("not finite"), "{error}");
}
