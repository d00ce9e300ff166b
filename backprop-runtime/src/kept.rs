//! Constants the backward pass reads, kept on a stack past the end of their block.
//!
//! A constant saved where its block ends may borrow what the block drops: `for (p, q) in
//! pairs.iter()` over a table local to the block binds `p: &f64`, a borrow of `pairs`. Such
//! a reference to a `Copy` value is kept as a copy of the value ([`Copied`]) and given back
//! as a borrow of that copy, the user's type; any other value is kept as it is ([`AsIs`]),
//! a reference to data that owns memory too (`&Sample` with a `Vec` in it, from a
//! parameter: no allocation per save).
//! Which one is chosen by method lookup on the value's type, at compile time:
//!
//! ```ignore
//! stack.push({ use backprop::__private::{KeepCopy as _, KeepAsIs as _}; keep(p).kept() });
//! // in the backward pass
//! let p = stack.pop();
//! let p = p.restore();
//! ```

use core::cell::Cell;

/// A value on its way onto a stack ([`keep`]).
pub struct Keep<T>(Cell<Option<T>>);

/// `v`, to be kept by [`KeepCopy::kept`] or [`KeepAsIs::kept`].
#[inline(always)]
pub fn keep<T>(v: T) -> Keep<T> {
    Keep(Cell::new(Some(v)))
}

/// A copy of the value a reference pointed to.
pub struct Copied<U>(U);

/// A value kept as it was.
pub struct AsIs<T>(T);

/// A reference to a `Copy` value: kept as a copy. Found first by method lookup (by value).
pub trait KeepCopy {
    /// [`Copied`].
    type Kept;
    /// The copy.
    fn kept(self) -> Self::Kept;
}

impl<U: Copy> KeepCopy for Keep<&U> {
    type Kept = Copied<U>;
    #[inline(always)]
    fn kept(self) -> Copied<U> {
        Copied(*self.0.into_inner().expect("a value is kept once"))
    }
}

/// Any other value: kept as it is. Found only after [`KeepCopy`] (by reference).
pub trait KeepAsIs {
    /// [`AsIs`].
    type Kept;
    /// The value.
    fn kept(self) -> Self::Kept;
}

impl<T> KeepAsIs for &Keep<T> {
    type Kept = AsIs<T>;
    #[inline(always)]
    fn kept(self) -> AsIs<T> {
        AsIs(self.0.take().expect("a value is kept once"))
    }
}

impl<U> Copied<U> {
    /// A borrow of the copy: the type the user's code had.
    #[inline(always)]
    pub fn restore(&self) -> &U {
        &self.0
    }
}

impl<T> AsIs<T> {
    /// The value.
    #[inline(always)]
    pub fn restore(self) -> T {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_copied_other_values_kept() {
        let kept = {
            let table = [(0.5, 1.0), (2.0, -0.5)];
            let (p, _) = &table[1];
            keep(p).kept()
        };
        let p: &f64 = kept.restore();
        assert_eq!(*p, 2.0);
        let v = vec![1.0, 2.0];
        let kept = keep(&v).kept();
        let r: &Vec<f64> = kept.restore();
        assert!(
            core::ptr::eq(r, &v),
            "a reference to a Vec is kept, not the Vec copied"
        );
        let kept = keep(v).kept();
        let v: Vec<f64> = kept.restore();
        assert_eq!(v, [1.0, 2.0]);
    }
}
