//! What nested differentiation of a function with sequence parameters is built from: the
//! macro writes that function's `grad` for callers that differentiate it as one flat vector,
//! `[value, ∂/∂(each float parameter), ∂/∂(each sequence)...]`, and its derivatives through
//! `hvp` from these pieces.

use num_traits::Float;

/// `head`, then each of `tails` in turn, in one vector: a nested `grad`'s flat value or
/// tangent.
pub fn flat<T: Copy>(head: &[T], tails: &[&[T]]) -> Vec<T> {
    let len = head.len() + tails.iter().map(|t| t.len()).sum::<usize>();
    let mut flat = Vec::with_capacity(len);
    flat.extend_from_slice(head);
    for tail in tails {
        flat.extend_from_slice(tail);
    }
    flat
}

/// `alpha · g + p`, element by element, in `p`'s storage: a sequence parameter's gradient
/// through a nested `grad` (`ū·∇f + H·ḡ`).
pub fn scaled_plus<T: Float>(alpha: T, g: &[T], p: Vec<T>) -> Vec<T> {
    combine(alpha, g, T::one(), p)
}

/// `a · g + b · p`, element by element, in `p`'s storage: a sequence parameter's gradient
/// through a nested `jvp` (`ū·∇f + ṫ̄·H·ṫ`).
pub fn combine<T: Float>(a: T, g: &[T], b: T, mut p: Vec<T>) -> Vec<T> {
    assert_eq!(
        g.len(),
        p.len(),
        "a gradient and a product of different lengths"
    );
    for (p, &g) in p.iter_mut().zip(g) {
        *p = a * g + b * *p;
    }
    p
}

/// `a · g`, element by element, in `g`'s storage: a sequence tangent's gradient through
/// a nested `jvp`.
pub fn scaled<T: Float>(a: T, mut g: Vec<T>) -> Vec<T> {
    for g in &mut g {
        *g = a * *g;
    }
    g
}

/// `Σ a[i]·b[i]`, in order: a directional derivative along a sequence's tangent.
pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    assert_eq!(
        a.len(),
        b.len(),
        "a gradient and a tangent of different lengths"
    );
    a.iter().zip(b).fold(T::zero(), |s, (&a, &b)| s + a * b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces() {
        assert_eq!(flat(&[1.0, 2.0], &[&[3.0]]), vec![1.0, 2.0, 3.0]);
        assert_eq!(
            flat(&[1.0], &[&[2.0, 3.0], &[], &[4.0]]),
            vec![1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(
            scaled_plus(2.0, &[1.0, -1.0], vec![0.5, 0.5]),
            vec![2.5, -1.5]
        );
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
        assert_eq!(
            combine(2.0, &[1.0, -1.0], 3.0, vec![0.5, 1.0]),
            vec![3.5, 1.0]
        );
        assert_eq!(scaled(-2.0, vec![1.0, 0.5]), vec![-2.0, -1.0]);
    }
}
