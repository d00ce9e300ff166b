//! Differential testing: hundreds of random functions over every supported construct,
//! compiled through `#[differentiate]`, each gradient checked against finite differences
//! at many points. Zero mismatches allowed.

use backprop_difftest::{Points, Verdict};

#[allow(unused, unused_mut, unreachable_code, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

#[test]
fn random_functions_match_finite_differences() {
    let points = 16;
    let (mut agree, mut unsmooth) = (0usize, 0usize);
    let mut failures = Vec::new();
    for (i, (name, check)) in generated::CASES.iter().enumerate() {
        let mut p = Points::new(0x5EED + i as u64 * 7919);
        for _ in 0..points {
            let (verdict, report) = check(&mut p);
            match verdict {
                Verdict::Agree => agree += 1,
                Verdict::Unsmooth => unsmooth += 1,
                Verdict::Mismatch => failures.push(format!("{name}: {report}")),
            }
        }
    }
    let total = generated::CASES.len() * points;
    eprintln!(
        "{} functions, {total} points: {agree} agree, {unsmooth} too close to a kink to judge, {} mismatches",
        generated::CASES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        unsmooth * 10 < total,
        "too many points near kinks: {unsmooth} of {total}"
    );
}
