//! Gradient values: their types, their zeros, and how contributions add up.

/// The gradient of a parameter of type `Self`: a float's gradient is a float, an
/// `[T; N]`'s an `[T; N]`, a slice's or `Vec`'s a `Vec` of the same length, an ndarray
/// array's (or view's) an owned array of the same shape. A reference's gradient is its
/// target's. The `Grad` struct that `#[differentiate]` generates has one field of this type
/// per differentiable parameter.
pub trait GradOf {
    /// The gradient's type.
    type Grad;
}

/// The gradient slot of a parameter a function does not differentiate (an integer, a
/// `bool`, or a float left out by `wrt(...)`).
///
/// A pullback returns it where a differentiable argument would get its gradient. Adding it
/// to a gradient is a type error on purpose: passing a value that needs a gradient to a
/// parameter the callee does not differentiate would otherwise lose that gradient silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotDifferentiable;

/// Checked at compile time for every argument that carries a derivative into another
/// differentiated function or gate: the callee must differentiate that parameter.
///
/// # Panics
/// (At compile time, in a `const`) when it does not.
pub const fn check_differentiable(differentiable: &[bool], argument: usize) {
    assert!(
        differentiable[argument],
        "this argument carries a derivative, but the function it is passed to does not differentiate that parameter (an integer, or a float left out of `wrt`): differentiate it there, or pass a constant"
    );
}

/// A value of the same shape as `self`, all zeros: the gradient before any contribution.
pub trait ZerosLike {
    /// The zero gradient's type.
    type Grad;
    /// All zeros, shaped like `self`.
    fn zeros_like(&self) -> Self::Grad;
}

/// `zeros_like(&x)`: a zero gradient shaped like `x`.
#[inline]
pub fn zeros_like<T: ZerosLike + ?Sized>(x: &T) -> T::Grad {
    x.zeros_like()
}

/// Adds a gradient contribution into an accumulated gradient (`+=`, elementwise).
#[diagnostic::on_unimplemented(
    message = "a gradient of type `{Rhs}` cannot be added to a gradient of type `{Self}`",
    note = "`NotDifferentiable` means the argument went to a parameter the called function does not differentiate (an integer, or a float left out by `wrt`)"
)]
pub trait Accumulate<Rhs = Self> {
    /// `self += rhs`, elementwise.
    fn accumulate(&mut self, rhs: Rhs);
}

/// `accumulate(&mut total, contribution)`: `total += contribution`, elementwise.
#[inline]
pub fn accumulate<T: Accumulate<R> + ?Sized, R>(total: &mut T, contribution: R) {
    total.accumulate(contribution);
}

macro_rules! float_grads {
    ($($t:ty),*) => {$(
        impl GradOf for $t {
            type Grad = $t;
        }
        impl ZerosLike for $t {
            type Grad = $t;
            #[inline]
            fn zeros_like(&self) -> $t {
                0.0
            }
        }
        impl Accumulate for $t {
            #[inline]
            fn accumulate(&mut self, rhs: $t) {
                *self += rhs;
            }
        }
    )*};
}
float_grads!(f32, f64);

impl<T: crate::Real, const N: usize> GradOf for [T; N] {
    type Grad = [T; N];
}

impl<T: crate::Real> GradOf for Vec<T> {
    type Grad = Vec<T>;
}

impl<T: crate::Real, const N: usize> ZerosLike for [T; N] {
    type Grad = [T; N];
    #[inline]
    fn zeros_like(&self) -> [T; N] {
        [T::zero(); N]
    }
}

impl<T: crate::Real> ZerosLike for Vec<T> {
    type Grad = Vec<T>;
    #[inline]
    fn zeros_like(&self) -> Vec<T> {
        crate::stack::pooled_zeros(self.len(), T::zero())
    }
}

// Slices of any float type (generic, so generic gates over slices type-check).
impl<T: crate::Real> GradOf for [T] {
    type Grad = Vec<T>;
}

impl<T: crate::Real> ZerosLike for [T] {
    type Grad = Vec<T>;
    #[inline]
    fn zeros_like(&self) -> Vec<T> {
        crate::stack::pooled_zeros(self.len(), T::zero())
    }
}

impl<T: GradOf + ?Sized> GradOf for &T {
    type Grad = T::Grad;
}

impl<T: ZerosLike + ?Sized> ZerosLike for &T {
    type Grad = T::Grad;
    #[inline]
    fn zeros_like(&self) -> T::Grad {
        (**self).zeros_like()
    }
}

/// The contribution's storage goes back to the per-thread pool, for the next pullback's
/// gradient (a call in a loop makes one per iteration).
impl<T: Accumulate + Copy> Accumulate for Vec<T> {
    #[inline]
    fn accumulate(&mut self, rhs: Vec<T>) {
        add_elementwise(self, &rhs);
        crate::stack::recycle(rhs);
    }
}

impl<T: Accumulate + Copy, const N: usize> Accumulate for [T; N] {
    #[inline]
    fn accumulate(&mut self, rhs: [T; N]) {
        add_elementwise(self, &rhs);
    }
}

/// A local array passed to a slice parameter (`f(&arr)`) gets the callee's `Vec` gradient.
impl<T: Accumulate + Copy, const N: usize> Accumulate<Vec<T>> for [T; N] {
    #[inline]
    fn accumulate(&mut self, rhs: Vec<T>) {
        add_elementwise(self, &rhs);
        crate::stack::recycle(rhs);
    }
}

fn add_elementwise<T: Accumulate + Copy>(total: &mut [T], rhs: &[T]) {
    assert_eq!(
        total.len(),
        rhs.len(),
        "backprop: gradient lengths differ: {} and {}",
        total.len(),
        rhs.len()
    );
    for (t, r) in total.iter_mut().zip(rhs) {
        t.accumulate(*r);
    }
}

/// A tangent handed to another differentiated function: an owned value of the gradient's
/// type, made from a tangent in the form the caller holds it (a slice, a `Vec`, an array).
pub trait ToTangent<T> {
    /// The owned tangent.
    fn to_tangent(&self) -> T;
}

impl<T: Copy> ToTangent<Vec<T>> for [T] {
    #[inline]
    fn to_tangent(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Copy> ToTangent<Vec<T>> for Vec<T> {
    #[inline]
    fn to_tangent(&self) -> Vec<T> {
        self.clone()
    }
}

/// A local array's tangent passed to a slice parameter.
impl<T: Copy, const N: usize> ToTangent<Vec<T>> for [T; N] {
    #[inline]
    fn to_tangent(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Copy, const N: usize> ToTangent<[T; N]> for [T; N] {
    #[inline]
    fn to_tangent(&self) -> [T; N] {
        *self
    }
}

impl<T, S: ToTangent<T> + ?Sized> ToTangent<T> for &S {
    #[inline]
    fn to_tangent(&self) -> T {
        (**self).to_tangent()
    }
}

/// `tangent(&dot_v)`: the owned tangent a call passes on.
#[inline]
pub fn tangent<T, S: ToTangent<T> + ?Sized>(s: &S) -> T {
    s.to_tangent()
}

/// Whether a tangent has its parameter's shape (the same length, the same array shape).
pub trait SameShape {
    /// `true` when `other` has `self`'s shape.
    fn same_shape(&self, other: &Self) -> bool;
    /// The shape, for messages.
    fn shape_of(&self) -> Vec<usize>;
}

impl<T> SameShape for [T] {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        self.len() == other.len()
    }
    fn shape_of(&self) -> Vec<usize> {
        vec![self.len()]
    }
}

impl<T> SameShape for Vec<T> {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        self.len() == other.len()
    }
    fn shape_of(&self) -> Vec<usize> {
        vec![self.len()]
    }
}

impl<T, const N: usize> SameShape for [T; N] {
    #[inline]
    fn same_shape(&self, _: &Self) -> bool {
        true
    }
    fn shape_of(&self) -> Vec<usize> {
        vec![N]
    }
}

impl<T: SameShape + ?Sized> SameShape for &T {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        (**self).same_shape(other)
    }
    fn shape_of(&self) -> Vec<usize> {
        (**self).shape_of()
    }
}

/// `jvp`'s check that the tangent `dot_x` has the shape of the parameter `x`: a tangent of
/// another length would be read out of bounds or silently cut short.
#[inline]
pub fn check_tangent<T: SameShape + ?Sized>(x: &T, dot: &T, name: &str) {
    if !x.same_shape(dot) {
        tangent_shape_mismatch(x.shape_of(), dot.shape_of(), name);
    }
}

#[cold]
#[inline(never)]
fn tangent_shape_mismatch(x: Vec<usize>, dot: Vec<usize>, name: &str) -> ! {
    panic!("jvp: the tangent `dot_{name}` has shape {dot:?} but `{name}` has shape {x:?}")
}

/// Values whose float elements are addressed in order (logical, row-major order for
/// arrays): results and gradients, for Jacobians.
pub trait Elements {
    /// The element type.
    type Elem: crate::Real;
    /// How many elements.
    fn count(&self) -> usize;
    /// The `i`-th element's value.
    fn element(&self, i: usize) -> Self::Elem;
    /// The `i`-th element.
    fn element_mut(&mut self, i: usize) -> &mut Self::Elem;
}

impl<T: crate::Real> Elements for Vec<T> {
    type Elem = T;
    fn count(&self) -> usize {
        self.len()
    }
    fn element(&self, i: usize) -> T {
        self[i]
    }
    fn element_mut(&mut self, i: usize) -> &mut T {
        &mut self[i]
    }
}

impl<T: crate::Real, const N: usize> Elements for [T; N] {
    type Elem = T;
    fn count(&self) -> usize {
        N
    }
    fn element(&self, i: usize) -> T {
        self[i]
    }
    fn element_mut(&mut self, i: usize) -> &mut T {
        &mut self[i]
    }
}

/// `element(&x, i)`: the `i`-th element of a result, in order.
#[inline]
pub fn element<X: Elements>(x: &X, i: usize) -> X::Elem {
    x.element(i)
}

/// `*element_mut(x, i) = v`: the `i`-th element of a result or gradient.
#[inline]
pub fn element_mut<X: Elements>(x: &mut X, i: usize) -> &mut X::Elem {
    x.element_mut(i)
}

/// The rows of a Jacobian by reverse mode: the pullback of each output's unit vector, the
/// first from the pass that computed `value`, the others from `again` (a new pass each).
pub fn jacobian_rows<R, G>(
    value: &R,
    first: impl FnOnce(R) -> G,
    mut again: impl FnMut(R) -> G,
) -> Vec<G>
where
    R: ZerosLike<Grad = R> + Elements,
{
    let outputs = value.count();
    let mut rows = Vec::with_capacity(outputs);
    let mut first = Some(first);
    for i in 0..outputs {
        let mut upstream = value.zeros_like();
        *upstream.element_mut(i) = <R::Elem as num_traits::One>::one();
        rows.push(match first.take() {
            Some(pullback) => pullback(upstream),
            None => again(upstream),
        });
    }
    rows
}

/// The type in the bound of an item `#[differentiate]` did not generate (`f::hessian`
/// without `hessian`, ...): no trait is implemented for it, so calling the item is a compile
/// error whose message says which argument to add.
#[doc(hidden)]
pub struct NotGenerated<'a>(core::marker::PhantomData<&'a ()>);

/// The body of an item `#[differentiate]` did not generate; it cannot be called (its bound
/// is never satisfied).
#[doc(hidden)]
pub fn not_generated<T>() -> T {
    unreachable!("an item #[differentiate] did not generate was called")
}

/// An owned copy of a sequence, whatever holds it: `x.to_vec()` of a slice, a clone of a
/// `Vec` or of an array, through any number of references. `let v = x.to_vec();`,
/// `x.clone()` and `let w = x;` of sequences copy with it, so the copy can be written and
/// the original read again by the backward pass.
pub trait OwnedCopy {
    /// The copy's type: `Vec<T>` for slices and `Vec`s, `[T; N]` for arrays.
    type Owned;
    /// The copy.
    fn owned_copy(&self) -> Self::Owned;
}

impl<T: Clone> OwnedCopy for [T] {
    type Owned = Vec<T>;
    #[inline]
    fn owned_copy(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Clone> OwnedCopy for Vec<T> {
    type Owned = Vec<T>;
    #[inline]
    fn owned_copy(&self) -> Vec<T> {
        self.clone()
    }
}

impl<T: Clone, const N: usize> OwnedCopy for [T; N] {
    type Owned = [T; N];
    #[inline]
    fn owned_copy(&self) -> [T; N] {
        self.clone()
    }
}

impl<U: OwnedCopy + ?Sized> OwnedCopy for &U {
    type Owned = U::Owned;
    #[inline]
    fn owned_copy(&self) -> U::Owned {
        (**self).owned_copy()
    }
}

/// `owned_copy(&x)`: an owned copy of the sequence `x`.
#[inline]
pub fn owned_copy<S: OwnedCopy + ?Sized>(s: &S) -> S::Owned {
    s.owned_copy()
}

/// Integers passed to a gate are constants: no gradient, a zero tangent.
macro_rules! constant_inputs {
    ($($t:ty),*) => {$(
        impl GradOf for $t {
            type Grad = NotDifferentiable;
        }
        impl ZerosLike for $t {
            type Grad = NotDifferentiable;
            #[inline]
            fn zeros_like(&self) -> NotDifferentiable {
                NotDifferentiable
            }
        }
    )*};
}
constant_inputs!(usize);
