//! Parameter types and their gradients as one trait: the floats, the sequences and arrays of
//! floats, and the structs that `#[derive(Differentiable)]` makes parameters.

use crate::Real;

/// A type a differentiated function can take as a parameter and get a gradient for: `f32`,
/// `f64`, `[T; N]` and `Vec<T>` of those, ndarray arrays, and structs of them that derive it
/// (`#[derive(backprop::Differentiable)]`, which also writes the struct's gradient type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `Differentiable`: it has no gradient",
    label = "no gradient for this type",
    note = "floats, `[T; N]`, `Vec<T>`, ndarray arrays and structs with `#[derive(backprop::Differentiable)]` are differentiable; leave a parameter that should get no gradient out of `#[differentiate(wrt(..))]`, and mark such a field `#[differentiable(constant)]`"
)]
pub trait Differentiable {
    /// The gradient's type: a float's is a float, a sequence's or an array's the same shape,
    /// a struct's the `{Name}Grad` struct the derive writes.
    type Grad;

    /// One step along a gradient, `self += alpha · g`, every differentiable element (for a
    /// gradient-descent step, `alpha` is minus the learning rate).
    fn scaled_add(&mut self, alpha: f64, g: &Self::Grad);

    /// Whether `g` has `self`'s shape: the same lengths and array shapes, field by field.
    fn fits(&self, g: &Self::Grad) -> bool;

    /// A gradient that holds no storage yet (empty arrays and `Vec`s, zero floats), for
    /// derivative code to move the gradients of the fields it read into; [`fill_zeros`]
    /// then completes it.
    ///
    /// [`fill_zeros`]: Differentiable::fill_zeros
    #[doc(hidden)]
    fn empty_grad(&self) -> Self::Grad;

    /// Gives every field of `g` still empty (see [`empty_grad`]) zeros of `self`'s shape.
    ///
    /// [`empty_grad`]: Differentiable::empty_grad
    #[doc(hidden)]
    fn fill_zeros(&self, g: &mut Self::Grad);
}

macro_rules! float_differentiable {
    ($($t:ty),*) => {$(
        impl Differentiable for $t {
            type Grad = $t;
            #[inline]
            fn scaled_add(&mut self, alpha: f64, g: &$t) {
                *self += alpha as $t * *g;
            }
            #[inline]
            fn fits(&self, _: &$t) -> bool {
                true
            }
            #[inline]
            fn empty_grad(&self) -> $t {
                0.0
            }
            #[inline]
            fn fill_zeros(&self, _: &mut $t) {}
        }

        impl crate::Elements for $t {
            type Elem = $t;
            fn count(&self) -> usize {
                1
            }
            fn element(&self, i: usize) -> $t {
                assert_eq!(i, 0, "element {i} of a float");
                *self
            }
            fn element_mut(&mut self, i: usize) -> &mut $t {
                assert_eq!(i, 0, "element {i} of a float");
                self
            }
            fn count_of_slice(s: &[$t]) -> usize {
                s.len()
            }
            fn element_of_slice(s: &[$t], i: usize) -> $t {
                s[i]
            }
            fn element_of_slice_mut(s: &mut [$t], i: usize) -> &mut $t {
                &mut s[i]
            }
        }
    )*};
}
float_differentiable!(f32, f64);

/// A zero gradient of `x`'s shape.
fn zero_grad<T: Differentiable>(x: &T) -> T::Grad {
    let mut g = x.empty_grad();
    x.fill_zeros(&mut g);
    g
}

/// Arrays of floats, or of rows (`[[f64; 3]; 3]`, `[Vec<f64>; 2]`): element by element.
impl<T: Differentiable, const N: usize> Differentiable for [T; N] {
    type Grad = [T::Grad; N];
    #[inline]
    fn scaled_add(&mut self, alpha: f64, g: &[T::Grad; N]) {
        for (x, g) in self.iter_mut().zip(g) {
            x.scaled_add(alpha, g);
        }
    }
    #[inline]
    fn fits(&self, g: &[T::Grad; N]) -> bool {
        self.iter().zip(g).all(|(x, g)| x.fits(g))
    }
    #[inline]
    fn empty_grad(&self) -> [T::Grad; N] {
        core::array::from_fn(|i| zero_grad(&self[i]))
    }
    #[inline]
    fn fill_zeros(&self, _: &mut [T::Grad; N]) {}
}

/// `Vec`s of floats, or of rows (`Vec<Vec<f64>>`, `Vec<[f64; 3]>`): element by element.
impl<T: Differentiable> Differentiable for Vec<T> {
    type Grad = Vec<T::Grad>;
    #[inline]
    fn scaled_add(&mut self, alpha: f64, g: &Vec<T::Grad>) {
        self[..].scaled_add(alpha, g);
    }
    #[inline]
    fn fits(&self, g: &Vec<T::Grad>) -> bool {
        self[..].fits(g)
    }
    #[inline]
    fn empty_grad(&self) -> Vec<T::Grad> {
        Vec::new()
    }
    #[inline]
    fn fill_zeros(&self, g: &mut Vec<T::Grad>) {
        self[..].fill_zeros(g);
    }
}

/// A slice parameter (`layers: &[Layer]`): the gradient is a `Vec`, as a `Vec`'s.
impl<T: Differentiable> Differentiable for [T] {
    type Grad = Vec<T::Grad>;
    #[inline]
    fn scaled_add(&mut self, alpha: f64, g: &Vec<T::Grad>) {
        assert_eq!(
            self.len(),
            g.len(),
            "scaled_add: a gradient of another length"
        );
        for (x, g) in self.iter_mut().zip(g) {
            x.scaled_add(alpha, g);
        }
    }
    #[inline]
    fn fits(&self, g: &Vec<T::Grad>) -> bool {
        self.len() == g.len() && self.iter().zip(g).all(|(x, g)| x.fits(g))
    }
    #[inline]
    fn empty_grad(&self) -> Vec<T::Grad> {
        Vec::new()
    }
    #[inline]
    fn fill_zeros(&self, g: &mut Vec<T::Grad>) {
        if g.is_empty() && !self.is_empty() {
            *g = self.iter().map(zero_grad).collect();
        }
    }
}

#[cfg(feature = "tensor")]
impl<A: Real, D: ndarray::Dimension> Differentiable for ndarray::Array<A, D> {
    type Grad = ndarray::Array<A, D>;
    #[inline]
    fn scaled_add(&mut self, alpha: f64, g: &ndarray::Array<A, D>) {
        let alpha = A::from_f64(alpha);
        ndarray::Zip::from(self)
            .and(g)
            .for_each(|x, &g| *x += alpha * g);
    }
    #[inline]
    fn fits(&self, g: &ndarray::Array<A, D>) -> bool {
        self.shape() == g.shape()
    }
    #[inline]
    fn empty_grad(&self) -> ndarray::Array<A, D> {
        let mut dim = self.raw_dim();
        for d in dim.slice_mut() {
            *d = 0;
        }
        ndarray::Array::from_shape_vec(dim, Vec::new()).expect("an empty array")
    }
    #[inline]
    fn fill_zeros(&self, g: &mut ndarray::Array<A, D>) {
        if g.is_empty() && !self.is_empty() {
            *g = ndarray::Array::zeros(self.raw_dim());
        }
    }
}

/// `jvp`'s check that the tangent `dot_x` of a struct parameter `x` has its shape, field by
/// field: a tangent of another shape would be read out of bounds or silently cut short.
#[inline]
pub fn check_fits<T: Differentiable + ?Sized>(x: &T, dot: &T::Grad, name: &str) {
    if !x.fits(dot) {
        tangent_misfit(name);
    }
}

/// `empty_grad(x)`: a struct parameter's gradient before the gradients of its fields move
/// in (see [`Differentiable::empty_grad`]).
#[inline]
pub fn empty_grad<T: Differentiable + ?Sized>(x: &T) -> T::Grad {
    x.empty_grad()
}

/// `fill_zeros(x, &mut g)`: zeros for the fields of `g` nothing moved in.
#[inline]
pub fn fill_zeros<T: Differentiable + ?Sized>(x: &T, g: &mut T::Grad) {
    x.fill_zeros(g);
}

#[cold]
#[inline(never)]
fn tangent_misfit(name: &str) -> ! {
    panic!(
        "jvp: the tangent `dot_{name}` does not have the shape of `{name}` (a field's length or array shape differs)"
    )
}

/// A field of a struct parameter that a differentiated function reads as a float.
#[diagnostic::on_unimplemented(
    message = "`#[differentiate]` reads this field as a float, but it is `{Self}`",
    label = "read as a float, from how the function uses it",
    note = "the macro cannot see the struct's field types: it reads a field as an array when the function uses it as one (an array method, `.dot(&m.w)`, `m.w[[i, j]]`, `&m.w` in arithmetic), as a sequence when indexed `m.v[i]` or iterated, and as a float otherwise; an integer field used in arithmetic can be cast (`m.n as f64`) or bound with its type (`let n: usize = m.n;`)"
)]
pub trait FloatField: Copy {}

impl<T: Real> FloatField for T {}

/// `m.scale` read as a float: the identity, checked to be a float where the user wrote it.
#[inline(always)]
pub fn float_field<T: FloatField>(x: T) -> T {
    x
}

/// A field of a struct parameter that a differentiated function reads only through a cast
/// to a float (`m.n as f64`): a constant, as an integer is; a float read that way would lose
/// its derivative, so it is refused.
#[diagnostic::on_unimplemented(
    message = "`#[differentiate]` reads a field cast to a float (`m.n as f64`) as an integer, a constant, but this one is `{Self}`",
    label = "cast here: its derivative would be lost",
    note = "read a float field where it is used (`m.scale * x`), or bind it first (`let s = m.scale;`, then `s as f64`)"
)]
pub trait CastField {}

macro_rules! cast_fields {
    ($($t:ty),*) => {$(impl CastField for $t {})*};
}
cast_fields!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, bool
);

/// Checks that a field read only through a cast to a float (`m.n as f64`) is not a float.
#[inline(always)]
pub fn cast_field<T: CastField>(_: &T) {}

/// A parameter passed by value to `hessian` or `jacobian`, which run one pass per row, each
/// on its own copy of the arguments.
#[diagnostic::on_unimplemented(
    message = "`hessian` and `jacobian` run one pass per row, each on its own copy of the arguments, but `{Self}` is not `Clone`",
    label = "passed by value: copied for each row",
    note = "derive `Clone` for it, or take it by reference (`mode: &Mode`)"
)]
pub trait CopiedPerRow: Clone {}

impl<T: Clone> CopiedPerRow for T {}

/// A copy of an argument for one row's pass; an error at the parameter where it cannot be
/// copied.
#[inline(always)]
pub fn copied_per_row<T: CopiedPerRow>(x: &T) -> T {
    x.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_add_steps_every_element() {
        let mut x = 1.0f64;
        x.scaled_add(-0.5, &2.0);
        assert_eq!(x, 0.0);
        let mut v = vec![1.0f32, 2.0];
        v.scaled_add(2.0, &vec![0.5, -1.0]);
        assert_eq!(v, [2.0, 0.0]);
        let mut a = [1.0f64; 3];
        a.scaled_add(1.0, &[1.0, 2.0, 3.0]);
        assert_eq!(a, [2.0, 3.0, 4.0]);
        assert!(!vec![0.0f64; 2].fits(&vec![0.0; 3]));
    }

    #[test]
    fn empty_gradients_fill_with_zeros_of_the_right_shape() {
        let v = vec![1.0f64, 2.0];
        let mut g = v.empty_grad();
        assert!(g.is_empty());
        v.fill_zeros(&mut g);
        assert_eq!(g, vec![0.0, 0.0]);
        let mut moved = vec![3.0, 4.0];
        v.fill_zeros(&mut moved);
        assert_eq!(moved, vec![3.0, 4.0]);
    }
}
