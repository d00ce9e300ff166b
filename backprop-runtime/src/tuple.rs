//! Tuples of floats as results: `-> (f64, f64)`. The generated code computes them as the
//! array `[f64; 2]` and converts at the public items' boundary; Jacobians address their
//! elements in order.

use crate::{Elements, Real, ZerosLike};

/// A tuple of one float type and the array of its elements.
pub trait TupleArray {
    /// `[T; N]`.
    type Array;
    /// `(a, b)` → `[a, b]`.
    fn into_array(self) -> Self::Array;
    /// `[a, b]` → `(a, b)`.
    fn from_array(array: Self::Array) -> Self;
}

/// `tuple_array((a, b))`: `[a, b]`.
#[inline(always)]
pub fn tuple_array<U: TupleArray>(tuple: U) -> U::Array {
    tuple.into_array()
}

/// `array_tuple([a, b])`: `(a, b)`.
#[inline(always)]
pub fn array_tuple<U: TupleArray>(array: U::Array) -> U {
    U::from_array(array)
}

macro_rules! each_t {
    ($i:tt) => {
        T
    };
}

macro_rules! tuples {
    ($($n:literal: ($($i:tt),+);)*) => {$(
        impl<T: Copy> TupleArray for ($(each_t!($i),)+) {
            type Array = [T; $n];
            #[inline(always)]
            fn into_array(self) -> [T; $n] {
                [$(self.$i),+]
            }
            #[inline(always)]
            fn from_array(array: [T; $n]) -> Self {
                ($(array[$i],)+)
            }
        }

        impl<T: Real> ZerosLike for ($(each_t!($i),)+) {
            type Grad = Self;
            #[inline]
            fn zeros_like(&self) -> Self {
                ($({ let _ = $i; T::zero() },)+)
            }
        }

        impl<T: Real> Elements for ($(each_t!($i),)+) {
            type Elem = T;
            fn count(&self) -> usize {
                $n
            }
            fn element(&self, i: usize) -> T {
                match i {
                    $($i => self.$i,)+
                    _ => panic!("element {i} of a tuple of {}", $n),
                }
            }
            fn element_mut(&mut self, i: usize) -> &mut T {
                match i {
                    $($i => &mut self.$i,)+
                    _ => panic!("element {i} of a tuple of {}", $n),
                }
            }
        }
    )*};
}

tuples! {
    2: (0, 1);
    3: (0, 1, 2);
    4: (0, 1, 2, 3);
    5: (0, 1, 2, 3, 4);
    6: (0, 1, 2, 3, 4, 5);
    7: (0, 1, 2, 3, 4, 5, 6);
    8: (0, 1, 2, 3, 4, 5, 6, 7);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_and_arrays_convert_both_ways() {
        let a: [f64; 3] = tuple_array((1.0, 2.0, 3.0));
        assert_eq!(a, [1.0, 2.0, 3.0]);
        let t: (f32, f32) = array_tuple([4.0, 5.0]);
        assert_eq!(t, (4.0, 5.0));
        let mut z = (1.0f64, 2.0).zeros_like();
        *z.element_mut(1) = 7.0;
        assert_eq!((z.count(), z.element(1)), (2, 7.0));
    }
}
