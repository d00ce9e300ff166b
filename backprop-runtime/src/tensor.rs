//! Tensors: ndarray arrays in differentiated functions, never forming a Jacobian.
//!
//! The macro does not know whether a value is a float or an array; for anything that may be
//! an array it calls the kernels here, which dispatch on the types:
//! - elementwise `+ - * /` between arrays and floats, with ndarray's broadcasting
//!   ([`add`], [`sub`], [`mul`], [`div`], [`neg`]); the backward rule of each is the scalar
//!   rule applied elementwise, then reduced ([`Reduce`]) to the operand's shape (a broadcast operand's
//!   gradient is summed over the axes it was broadcast along);
//! - matrix products [`dot`] (2-D·2-D, 2-D·1-D, 1-D·1-D, 1-D·2-D) with backward products
//!   `dX = dY·Wᵀ`, `dW = Xᵀ·dY` on transposed views (no transposed copies), accumulating
//!   into an existing gradient with `beta = 1` ([`dot_back_lhs_into`]);
//! - reductions [`sum`], [`mean`], [`sum_axis`], and [`transpose`].
//!
//! Shape mismatches panic with both shapes, as ndarray's own operators do.

use crate::Real;
use crate::grad::{Accumulate, GradOf, NotDifferentiable, ZerosLike};
use ndarray::linalg::general_mat_mul;
use ndarray::{
    Array, Array1, Array2, ArrayBase, Axis, Data, DimMax, Dimension, Ix1, Ix2, RemoveAxis,
};

pub use crate::tensor_gates::{concat, log_softmax, softmax, softmax_cross_entropy};

/// An array parameter's gradient as the user gets it: in standard (row-major) layout, so
/// that `g.a.as_slice()` works whatever the backward pass made (a product with `a.t()`
/// gives a column-major one). Copied only when it is not.
pub fn standard<A: Clone, D: Dimension>(g: Array<A, D>) -> Array<A, D> {
    if g.is_standard_layout() {
        g
    } else {
        g.as_standard_layout().into_owned()
    }
}

/// Strips references, so `&x` means the same whether `x` is a value or a reference to one.
pub trait Base {
    /// What `x` refers to in the end.
    type Target: ?Sized;
    /// It.
    fn base(&self) -> &Self::Target;
}

impl<T: Base + ?Sized> Base for &T {
    type Target = T::Target;
    #[inline]
    fn base(&self) -> &T::Target {
        (**self).base()
    }
}

impl<S: Data, D: Dimension> Base for ArrayBase<S, D> {
    type Target = Self;
    #[inline]
    fn base(&self) -> &Self {
        self
    }
}

/// An array's shape and element type, kept by a pullback in place of an array whose every
/// backward use is its shape (`sum_to(&g, &s0)`): the array itself is freed when the
/// forward pass ends.
#[derive(Debug, Clone)]
pub struct Like<A, D> {
    dim: D,
    elem: std::marker::PhantomData<A>,
}

impl<A, D> Base for Like<A, D> {
    type Target = Self;
    #[inline]
    fn base(&self) -> &Self {
        self
    }
}

/// What [`like`] keeps of a value.
pub trait Shape {
    /// The stand-in.
    type Like;
    /// It.
    fn like(&self) -> Self::Like;
}

impl<A, S: Data<Elem = A>, D: Dimension> Shape for ArrayBase<S, D> {
    type Like = Like<A, D>;
    #[inline]
    fn like(&self) -> Like<A, D> {
        Like {
            dim: self.raw_dim(),
            elem: std::marker::PhantomData,
        }
    }
}

/// `x`'s shape, to sum gradients back to it ([`sum_to`]) once `x` is gone.
#[inline]
pub fn like<X: Base + ?Sized>(x: &X) -> <X::Target as Shape>::Like
where
    X::Target: Shape,
{
    x.base().like()
}

/// A literal of the generated code (`1.0` in `1 − y²`), in whatever float type it meets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lit(pub f64);

impl Base for Lit {
    type Target = Lit;
    #[inline]
    fn base(&self) -> &Lit {
        self
    }
}

/// Elementwise arithmetic between floats and arrays, with broadcasting.
pub trait Arith<R: ?Sized> {
    /// A float for two floats, an array otherwise.
    type Output;
    /// `self + r`
    fn add(&self, r: &R) -> Self::Output;
    /// `self - r`
    fn sub(&self, r: &R) -> Self::Output;
    /// `self * r`
    fn mul(&self, r: &R) -> Self::Output;
    /// `self / r`
    fn div(&self, r: &R) -> Self::Output;
}

/// Negation of a float or an array.
pub trait Negate {
    /// The same kind of value.
    type Output;
    /// `-self`
    fn negate(&self) -> Self::Output;
}

/// Sums a gradient that was broadcast from `self`'s shape back to it.
pub trait Reduce<G> {
    /// The gradient type of `self`.
    type Grad;
    /// The reduction.
    fn reduce(&self, g: G) -> Self::Grad;
}

/// Elementwise functions of floats and arrays.
pub trait Map {
    /// The element type.
    type Elem: Real;
    /// A float for a float, an array otherwise.
    type Output;
    /// `f` of every element.
    fn map(&self, f: impl Fn(Self::Elem) -> Self::Elem) -> Self::Output;
}

macro_rules! scalar_impls {
    ($($t:ty),*) => {$(
        impl Base for $t {
            type Target = $t;
            #[inline]
            fn base(&self) -> &$t {
                self
            }
        }

        impl Arith<$t> for $t {
            type Output = $t;
            #[inline] fn add(&self, r: &$t) -> $t { self + r }
            #[inline] fn sub(&self, r: &$t) -> $t { self - r }
            #[inline] fn mul(&self, r: &$t) -> $t { self * r }
            #[inline] fn div(&self, r: &$t) -> $t { self / r }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Arith<$t> for ArrayBase<S, D, $t> {
            type Output = Array<$t, D>;
            #[inline] fn add(&self, r: &$t) -> Array<$t, D> { self + *r }
            #[inline] fn sub(&self, r: &$t) -> Array<$t, D> { self - *r }
            #[inline] fn mul(&self, r: &$t) -> Array<$t, D> { self * *r }
            #[inline] fn div(&self, r: &$t) -> Array<$t, D> { self / *r }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Arith<ArrayBase<S, D, $t>> for $t {
            type Output = Array<$t, D>;
            #[inline] fn add(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { *self + r }
            #[inline] fn sub(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { *self - r }
            #[inline] fn mul(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { *self * r }
            #[inline] fn div(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { *self / r }
        }

        impl Arith<Lit> for $t {
            type Output = $t;
            #[inline] fn add(&self, r: &Lit) -> $t { self + r.0 as $t }
            #[inline] fn sub(&self, r: &Lit) -> $t { self - r.0 as $t }
            #[inline] fn mul(&self, r: &Lit) -> $t { self * r.0 as $t }
            #[inline] fn div(&self, r: &Lit) -> $t { self / r.0 as $t }
        }

        impl Arith<$t> for Lit {
            type Output = $t;
            #[inline] fn add(&self, r: &$t) -> $t { self.0 as $t + r }
            #[inline] fn sub(&self, r: &$t) -> $t { self.0 as $t - r }
            #[inline] fn mul(&self, r: &$t) -> $t { self.0 as $t * r }
            #[inline] fn div(&self, r: &$t) -> $t { self.0 as $t / r }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Arith<Lit> for ArrayBase<S, D, $t> {
            type Output = Array<$t, D>;
            #[inline] fn add(&self, r: &Lit) -> Array<$t, D> { self + r.0 as $t }
            #[inline] fn sub(&self, r: &Lit) -> Array<$t, D> { self - r.0 as $t }
            #[inline] fn mul(&self, r: &Lit) -> Array<$t, D> { self * r.0 as $t }
            #[inline] fn div(&self, r: &Lit) -> Array<$t, D> { self / r.0 as $t }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Arith<ArrayBase<S, D, $t>> for Lit {
            type Output = Array<$t, D>;
            #[inline] fn add(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { self.0 as $t + r }
            #[inline] fn sub(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { self.0 as $t - r }
            #[inline] fn mul(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { self.0 as $t * r }
            #[inline] fn div(&self, r: &ArrayBase<S, D, $t>) -> Array<$t, D> { self.0 as $t / r }
        }

        impl<S, S2, D, E> Arith<ArrayBase<S2, E, $t>> for ArrayBase<S, D, $t>
        where
            S: Data<Elem = $t>,
            S2: Data<Elem = $t>,
            D: Dimension + DimMax<E>,
            E: Dimension,
        {
            type Output = Array<$t, <D as DimMax<E>>::Output>;
            #[inline] fn add(&self, r: &ArrayBase<S2, E, $t>) -> Self::Output { broadcastable(self.shape(), r.shape(), "+"); self + r }
            #[inline] fn sub(&self, r: &ArrayBase<S2, E, $t>) -> Self::Output { broadcastable(self.shape(), r.shape(), "-"); self - r }
            #[inline] fn mul(&self, r: &ArrayBase<S2, E, $t>) -> Self::Output { broadcastable(self.shape(), r.shape(), "*"); self * r }
            #[inline] fn div(&self, r: &ArrayBase<S2, E, $t>) -> Self::Output { broadcastable(self.shape(), r.shape(), "/"); self / r }
        }

        impl Negate for $t {
            type Output = $t;
            #[inline] fn negate(&self) -> $t { -self }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Negate for ArrayBase<S, D, $t> {
            type Output = Array<$t, D>;
            #[inline] fn negate(&self) -> Array<$t, D> { -self }
        }

        impl Reduce<$t> for $t {
            type Grad = $t;
            #[inline] fn reduce(&self, g: $t) -> $t { g }
        }

        impl<E: Dimension> Reduce<Array<$t, E>> for $t {
            type Grad = $t;
            #[inline] fn reduce(&self, g: Array<$t, E>) -> $t { g.sum() }
        }

        impl<S: Data<Elem = $t>, D: Dimension, E: Dimension> Reduce<Array<$t, E>> for ArrayBase<S, D, $t> {
            type Grad = Array<$t, D>;
            #[inline]
            fn reduce(&self, g: Array<$t, E>) -> Array<$t, D> {
                unbroadcast(g, self.shape())
            }
        }

        impl<'g> Reduce<&'g $t> for $t {
            type Grad = $t;
            #[inline] fn reduce(&self, g: &'g $t) -> $t { *g }
        }

        impl<'g, E: Dimension> Reduce<&'g Array<$t, E>> for $t {
            type Grad = $t;
            #[inline] fn reduce(&self, g: &'g Array<$t, E>) -> $t { g.sum() }
        }

        impl<'g, S: Data<Elem = $t>, D: Dimension, E: Dimension> Reduce<&'g Array<$t, E>> for ArrayBase<S, D, $t> {
            type Grad = Array<$t, D>;
            #[inline]
            fn reduce(&self, g: &'g Array<$t, E>) -> Array<$t, D> {
                unbroadcast_ref(g, self.shape())
            }
        }

        impl<'g, S: Data<Elem = $t>, D: Dimension> Reduce<&'g $t> for ArrayBase<S, D, $t> {
            type Grad = Array<$t, D>;
            #[inline] fn reduce(&self, g: &'g $t) -> Array<$t, D> { Array::from_elem(self.raw_dim(), *g) }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Reduce<$t> for ArrayBase<S, D, $t> {
            type Grad = Array<$t, D>;
            #[inline] fn reduce(&self, g: $t) -> Array<$t, D> { Array::from_elem(self.raw_dim(), g) }
        }

        impl Owned for $t {
            type Copy = $t;
            #[inline] fn owned(&self) -> $t { *self }
        }

        /// A float is its own stand-in (a copy).
        impl Shape for $t {
            type Like = $t;
            #[inline] fn like(&self) -> $t { *self }
        }

        impl<D: Dimension, E: Dimension> Reduce<Array<$t, E>> for Like<$t, D> {
            type Grad = Array<$t, D>;
            #[inline]
            fn reduce(&self, g: Array<$t, E>) -> Array<$t, D> {
                unbroadcast(g, self.dim.slice())
            }
        }

        impl<'g, D: Dimension, E: Dimension> Reduce<&'g Array<$t, E>> for Like<$t, D> {
            type Grad = Array<$t, D>;
            #[inline]
            fn reduce(&self, g: &'g Array<$t, E>) -> Array<$t, D> {
                unbroadcast_ref(g, self.dim.slice())
            }
        }

        impl<'g, D: Dimension> Reduce<&'g $t> for Like<$t, D> {
            type Grad = Array<$t, D>;
            #[inline] fn reduce(&self, g: &'g $t) -> Array<$t, D> { Array::from_elem(self.dim.clone(), *g) }
        }

        impl<D: Dimension> Reduce<$t> for Like<$t, D> {
            type Grad = Array<$t, D>;
            #[inline] fn reduce(&self, g: $t) -> Array<$t, D> { Array::from_elem(self.dim.clone(), g) }
        }

        impl Map for $t {
            type Elem = $t;
            type Output = $t;
            #[inline] fn map(&self, f: impl Fn($t) -> $t) -> $t { f(*self) }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Map for ArrayBase<S, D, $t> {
            type Elem = $t;
            type Output = Array<$t, D>;
            #[inline] fn map(&self, f: impl Fn($t) -> $t) -> Array<$t, D> { self.mapv(f) }
        }

    )*};
}
scalar_impls!(f32, f64);

impl<A, S: Data<Elem = A>, D: Dimension> crate::grad::SameShape for ArrayBase<S, D> {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        self.shape() == other.shape()
    }
    fn shape_of(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
}

impl<A: Real, D: Dimension> crate::Elements for Array<A, D> {
    type Elem = A;
    fn count(&self) -> usize {
        self.len()
    }
    fn element(&self, i: usize) -> A {
        match self.as_slice() {
            Some(s) => s[i],
            // Logical order, whatever the memory layout.
            None => *self.iter().nth(i).expect("an element in range"),
        }
    }
    fn element_mut(&mut self, i: usize) -> &mut A {
        let shape = self.shape().to_vec();
        if self.is_standard_layout() && i < self.len() {
            return &mut self.as_slice_mut().expect("standard layout")[i];
        }
        // Logical order, whatever the memory layout.
        self.iter_mut()
            .nth(i)
            .unwrap_or_else(|| panic!("element {i} of an array of shape {shape:?}"))
    }
}

/// An array's adjoint after an earlier value of the variable (of this shape or another)
/// came back: zeros, in the adjoint's storage when the shape is the same.
impl<A: Real, D: Dimension> crate::grad::ResetLike for Array<A, D> {
    #[inline]
    fn reset_like(&mut self, like: &Self) {
        if self.shape() == like.shape() {
            self.fill(A::zero());
        } else {
            *self = Array::zeros(like.raw_dim());
        }
    }
}

impl<A: Real, S: Data<Elem = A>, D: Dimension> GradOf for ArrayBase<S, D> {
    type Grad = Array<A, D>;
}

impl<A: Real, S: Data<Elem = A>, D: Dimension> ZerosLike for ArrayBase<S, D> {
    type Grad = Array<A, D>;
    #[inline]
    fn zeros_like(&self) -> Array<A, D> {
        Array::zeros(self.raw_dim())
    }
}

impl<A: Real, D: Dimension> ZerosLike for Like<A, D> {
    type Grad = Array<A, D>;
    #[inline]
    fn zeros_like(&self) -> Array<A, D> {
        Array::zeros(self.dim.clone())
    }
}

impl<A: Real, S: Data<Elem = A>, D: Dimension> crate::ToTangent<Array<A, D>> for ArrayBase<S, D> {
    #[inline]
    fn to_tangent(&self) -> Array<A, D> {
        self.to_owned()
    }
}

impl<A: Real, D: Dimension> crate::grad::LeftOut for Array<A, D> {
    #[inline]
    fn left_out() -> Self {
        <Array<A, D> as Default>::default()
    }
}

impl<A: Real, D: Dimension> Accumulate for Array<A, D> {
    #[inline]
    fn accumulate(&mut self, rhs: Array<A, D>) {
        *self += &rhs;
    }
}

impl GradOf for Axis {
    type Grad = NotDifferentiable;
}

impl ZerosLike for Axis {
    type Grad = NotDifferentiable;
    fn zeros_like(&self) -> NotDifferentiable {
        NotDifferentiable
    }
}

impl GradOf for [usize] {
    type Grad = NotDifferentiable;
}

impl ZerosLike for [usize] {
    type Grad = NotDifferentiable;
    fn zeros_like(&self) -> NotDifferentiable {
        NotDifferentiable
    }
}

/// `g`, summed over the axes it was broadcast along to `shape`.
///
/// # Panics
/// When `g` cannot have been broadcast from `shape`; the message names both shapes.
pub fn unbroadcast<A: Real, E: Dimension, D: Dimension>(
    g: Array<A, E>,
    shape: &[usize],
) -> Array<A, D> {
    if g.shape() == shape {
        return fit(g.into_dyn(), shape);
    }
    unbroadcast_ref(&g, shape)
}

/// [`unbroadcast`] of a gradient the caller keeps: copied when it has the shape already,
/// otherwise summed straight from the borrowed array.
pub fn unbroadcast_ref<A: Real, E: Dimension, D: Dimension>(
    g: &Array<A, E>,
    shape: &[usize],
) -> Array<A, D> {
    if g.shape() == shape {
        return fit(g.clone().into_dyn(), shape);
    }
    let from = g.shape().to_vec();
    let g = g.view().into_dyn();
    // The common case, a vector or matrix broadcast over leading axes (a bias row added to
    // a batch): one sum over the rows of `g` seen as a matrix, with fixed-size loops.
    let lead = g.ndim().saturating_sub(shape.len());
    let mut g: ndarray::ArrayD<A> = if lead > 0 && g.shape()[lead..] == *shape {
        let inner: usize = shape.iter().product();
        let outer: usize = g.shape()[..lead].iter().product();
        let rows = g
            .to_shape(((outer, inner), ndarray::Order::RowMajor))
            .expect("as many elements");
        rows.sum_axis(Axis(0)).into_dyn()
    } else {
        let mut g = g.to_owned();
        while g.ndim() > shape.len() {
            g = g.sum_axis(Axis(0));
        }
        g
    };
    for (axis, &n) in shape.iter().enumerate() {
        if axis < g.ndim() && n == 1 && g.shape()[axis] != 1 {
            g = g.sum_axis(Axis(axis)).insert_axis(Axis(axis));
        }
    }
    if g.shape() != shape {
        panic!("backprop: a gradient of shape {from:?} cannot be reduced to shape {shape:?}");
    }
    fit(g, shape)
}

/// A gradient of the right shape (any memory layout), in the dimension type of its value.
fn fit<A, D: Dimension>(g: ndarray::ArrayD<A>, shape: &[usize]) -> Array<A, D> {
    let from = g.shape().to_vec();
    match g.into_dimensionality::<D>() {
        Ok(g) => g,
        Err(e) => {
            panic!("backprop: a gradient of shape {from:?} does not fit shape {shape:?}: {e}")
        }
    }
}

macro_rules! elementwise {
    ($($name:ident: $doc:literal),*) => {$(
        #[doc = $doc]
        #[inline]
        pub fn $name<L: Base + ?Sized, R: Base + ?Sized>(
            a: &L,
            b: &R,
        ) -> <L::Target as Arith<R::Target>>::Output
        where
            L::Target: Arith<R::Target>,
        {
            a.base().$name(b.base())
        }
    )*};
}
elementwise!(
    add: "`a + b`, elementwise with broadcasting.",
    sub: "`a - b`, elementwise with broadcasting.",
    mul: "`a * b`, elementwise with broadcasting.",
    div: "`a / b`, elementwise with broadcasting."
);

/// Panics, naming both shapes, unless ndarray can broadcast them together (trailing axes
/// equal or 1). ndarray's own operators panic with `IncompatibleShape` and no shapes.
#[inline]
fn broadcastable(a: &[usize], b: &[usize], op: &str) {
    let fits = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .all(|(&x, &y)| x == y || x == 1 || y == 1);
    if !fits {
        panic!("cannot broadcast arrays of shapes {a:?} and {b:?} together for `{op}`");
    }
}

/// An owned copy of an array, of a reference to one, or of a view (`x.to_owned()`); of a
/// float (computed from arrays, `let t = v.dot(&v);`), the float.
#[inline]
pub fn owned<X: Base + ?Sized>(x: &X) -> <X::Target as Owned>::Copy
where
    X::Target: Owned,
{
    x.base().owned()
}

/// What [`owned`] copies: an array (into an owned array) or a float.
pub trait Owned {
    /// The copy.
    type Copy;
    /// A copy of `self`.
    fn owned(&self) -> Self::Copy;
}

impl<A: Clone, S: Data<Elem = A>, D: Dimension> Owned for ArrayBase<S, D> {
    type Copy = Array<A, D>;
    #[inline]
    fn owned(&self) -> Array<A, D> {
        self.to_owned()
    }
}

/// `-a`.
#[inline]
pub fn neg<X: Base + ?Sized>(a: &X) -> <X::Target as Negate>::Output
where
    X::Target: Negate,
{
    a.base().negate()
}

/// The gradient `g` of a value computed from `like` (possibly by broadcasting `like`),
/// summed down to `like`'s shape; `g` by value (a temporary, moved when the shapes agree)
/// or by reference (a gradient used again, copied when the shapes agree).
#[inline]
pub fn sum_to<G, X: Base + ?Sized>(g: G, like: &X) -> <X::Target as Reduce<G>>::Grad
where
    X::Target: Reduce<G>,
{
    like.base().reduce(g)
}

/// The gradient of an operand of the result's shape (a copy, a negation, an elementwise
/// function): `g` itself, moved when a temporary, copied when a gradient used again. Unlike
/// [`sum_to`], it reads no shape, so the operand need not be kept for the backward pass.
#[inline]
pub fn same<G: Same>(g: G) -> G::Grad {
    g.same()
}

/// A gradient taken as it is by [`same`]: an array or a float, owned or borrowed.
pub trait Same {
    /// The owned gradient.
    type Grad;
    /// `self`, or a copy of what it borrows.
    fn same(self) -> Self::Grad;
}

impl<A, D: Dimension> Same for Array<A, D> {
    type Grad = Array<A, D>;
    #[inline]
    fn same(self) -> Array<A, D> {
        self
    }
}

impl<A: Clone, D: Dimension> Same for &Array<A, D> {
    type Grad = Array<A, D>;
    #[inline]
    fn same(self) -> Array<A, D> {
        self.clone()
    }
}

macro_rules! same_floats {
    ($($t:ty),*) => {$(
        impl Same for $t {
            type Grad = $t;
            #[inline]
            fn same(self) -> $t {
                self
            }
        }

        impl Same for &$t {
            type Grad = $t;
            #[inline]
            fn same(self) -> $t {
                *self
            }
        }
    )*};
}
same_floats!(f32, f64);

/// Matrix products, with the lecture's backward rules.
pub trait MatMul<R: ?Sized> {
    /// The product.
    type Output;
    /// The left operand's gradient.
    type LhsGrad;
    /// The right operand's gradient.
    type RhsGrad;
    /// `self · r`
    fn matmul(&self, r: &R) -> Self::Output;
    /// `dL/dself = dL/dy · rᵀ`
    fn back_lhs(&self, r: &R, g: &Self::Output) -> Self::LhsGrad;
    /// `dL/dr = selfᵀ · dL/dy`
    fn back_rhs(&self, r: &R, g: &Self::Output) -> Self::RhsGrad;
    /// `total += dL/dy · rᵀ`, in place where the product allows (`beta = 1`).
    fn back_lhs_into(&self, r: &R, g: &Self::Output, total: &mut Self::LhsGrad);
    /// `total += selfᵀ · dL/dy`, in place where the product allows.
    fn back_rhs_into(&self, r: &R, g: &Self::Output, total: &mut Self::RhsGrad);
}

macro_rules! matmul_impls {
    ($($t:ty),*) => {$(
        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> MatMul<ArrayBase<S2, Ix2, $t>> for ArrayBase<S, Ix2, $t> {
            type Output = Array2<$t>;
            type LhsGrad = Array2<$t>;
            type RhsGrad = Array2<$t>;
            #[inline]
            fn matmul(&self, r: &ArrayBase<S2, Ix2, $t>) -> Array2<$t> {
                self.dot(r)
            }
            #[inline]
            fn back_lhs(&self, r: &ArrayBase<S2, Ix2, $t>, g: &Array2<$t>) -> Array2<$t> {
                g.dot(&r.t())
            }
            #[inline]
            fn back_rhs(&self, _r: &ArrayBase<S2, Ix2, $t>, g: &Array2<$t>) -> Array2<$t> {
                self.t().dot(g)
            }
            #[inline]
            fn back_lhs_into(&self, r: &ArrayBase<S2, Ix2, $t>, g: &Array2<$t>, total: &mut Array2<$t>) {
                general_mat_mul(1.0, g, &r.t(), 1.0, total);
            }
            #[inline]
            fn back_rhs_into(&self, _r: &ArrayBase<S2, Ix2, $t>, g: &Array2<$t>, total: &mut Array2<$t>) {
                general_mat_mul(1.0, &self.t(), g, 1.0, total);
            }
        }

        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> MatMul<ArrayBase<S2, Ix1, $t>> for ArrayBase<S, Ix2, $t> {
            type Output = Array1<$t>;
            type LhsGrad = Array2<$t>;
            type RhsGrad = Array1<$t>;
            #[inline]
            fn matmul(&self, r: &ArrayBase<S2, Ix1, $t>) -> Array1<$t> {
                self.dot(r)
            }
            #[inline]
            fn back_lhs(&self, r: &ArrayBase<S2, Ix1, $t>, g: &Array1<$t>) -> Array2<$t> {
                g.view().insert_axis(Axis(1)).dot(&r.view().insert_axis(Axis(0)))
            }
            #[inline]
            fn back_rhs(&self, _r: &ArrayBase<S2, Ix1, $t>, g: &Array1<$t>) -> Array1<$t> {
                self.t().dot(g)
            }
            #[inline]
            fn back_lhs_into(&self, r: &ArrayBase<S2, Ix1, $t>, g: &Array1<$t>, total: &mut Array2<$t>) {
                general_mat_mul(1.0, &g.view().insert_axis(Axis(1)), &r.view().insert_axis(Axis(0)), 1.0, total);
            }
            #[inline]
            fn back_rhs_into(&self, r: &ArrayBase<S2, Ix1, $t>, g: &Array1<$t>, total: &mut Array1<$t>) {
                *total += &self.back_rhs(r, g);
            }
        }

        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> MatMul<ArrayBase<S2, Ix1, $t>> for ArrayBase<S, Ix1, $t> {
            type Output = $t;
            type LhsGrad = Array1<$t>;
            type RhsGrad = Array1<$t>;
            #[inline]
            fn matmul(&self, r: &ArrayBase<S2, Ix1, $t>) -> $t {
                self.dot(r)
            }
            #[inline]
            fn back_lhs(&self, r: &ArrayBase<S2, Ix1, $t>, g: &$t) -> Array1<$t> {
                r * *g
            }
            #[inline]
            fn back_rhs(&self, _r: &ArrayBase<S2, Ix1, $t>, g: &$t) -> Array1<$t> {
                self * *g
            }
            #[inline]
            fn back_lhs_into(&self, r: &ArrayBase<S2, Ix1, $t>, g: &$t, total: &mut Array1<$t>) {
                total.scaled_add(*g, r);
            }
            #[inline]
            fn back_rhs_into(&self, _r: &ArrayBase<S2, Ix1, $t>, g: &$t, total: &mut Array1<$t>) {
                total.scaled_add(*g, self);
            }
        }

        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> MatMul<ArrayBase<S2, Ix2, $t>> for ArrayBase<S, Ix1, $t> {
            type Output = Array1<$t>;
            type LhsGrad = Array1<$t>;
            type RhsGrad = Array2<$t>;
            #[inline]
            fn matmul(&self, r: &ArrayBase<S2, Ix2, $t>) -> Array1<$t> {
                self.dot(r)
            }
            #[inline]
            fn back_lhs(&self, r: &ArrayBase<S2, Ix2, $t>, g: &Array1<$t>) -> Array1<$t> {
                r.dot(g)
            }
            #[inline]
            fn back_rhs(&self, _r: &ArrayBase<S2, Ix2, $t>, g: &Array1<$t>) -> Array2<$t> {
                self.view().insert_axis(Axis(1)).dot(&g.view().insert_axis(Axis(0)))
            }
            #[inline]
            fn back_lhs_into(&self, r: &ArrayBase<S2, Ix2, $t>, g: &Array1<$t>, total: &mut Array1<$t>) {
                *total += &self.back_lhs(r, g);
            }
            #[inline]
            fn back_rhs_into(&self, _r: &ArrayBase<S2, Ix2, $t>, g: &Array1<$t>, total: &mut Array2<$t>) {
                general_mat_mul(1.0, &self.view().insert_axis(Axis(1)), &g.view().insert_axis(Axis(0)), 1.0, total);
            }
        }
    )*};
}
matmul_impls!(f32, f64);

/// `out += dL/dy · rᵀ` into a view (a row, a column or a slice of a larger gradient): the
/// left operand's gradient of `self · r` added where it belongs, none made first
/// ([`lane_dot_back_into`], [`slice_dot_back_into`]).
pub trait BackLhsInto<R: ?Sized, G: ?Sized> {
    /// The float type.
    type Elem;
    /// The left operand's number of axes.
    type Dim: Dimension;
    /// `out += g · rᵀ`.
    fn add_back_lhs(&self, r: &R, g: &G, out: ndarray::ArrayViewMut<'_, Self::Elem, Self::Dim>);
}

macro_rules! back_lhs_into_impls {
    ($($t:ty),*) => {$(
        /// `a · b` of two vectors, a float: `out += g b`.
        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> BackLhsInto<ArrayBase<S2, Ix1>, $t> for ArrayBase<S, Ix1> {
            type Elem = $t;
            type Dim = Ix1;
            #[inline]
            fn add_back_lhs(&self, r: &ArrayBase<S2, Ix1>, g: &$t, mut out: ndarray::ArrayViewMut1<'_, $t>) {
                out.scaled_add(*g, r);
            }
        }

        /// A vector times a matrix: `out += m g`.
        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> BackLhsInto<ArrayBase<S2, Ix2>, Array1<$t>> for ArrayBase<S, Ix1> {
            type Elem = $t;
            type Dim = Ix1;
            #[inline]
            fn add_back_lhs(&self, r: &ArrayBase<S2, Ix2>, g: &Array1<$t>, mut out: ndarray::ArrayViewMut1<'_, $t>) {
                ndarray::linalg::general_mat_vec_mul(1.0, r, g, 1.0, &mut out);
            }
        }

        /// A matrix times a vector: `out += g bᵀ`.
        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> BackLhsInto<ArrayBase<S2, Ix1>, Array1<$t>> for ArrayBase<S, Ix2> {
            type Elem = $t;
            type Dim = Ix2;
            #[inline]
            fn add_back_lhs(&self, r: &ArrayBase<S2, Ix1>, g: &Array1<$t>, mut out: ndarray::ArrayViewMut2<'_, $t>) {
                general_mat_mul(1.0, &g.view().insert_axis(Axis(1)), &r.view().insert_axis(Axis(0)), 1.0, &mut out);
            }
        }

        /// Two matrices: `out += g bᵀ`.
        impl<S: Data<Elem = $t>, S2: Data<Elem = $t>> BackLhsInto<ArrayBase<S2, Ix2>, Array2<$t>> for ArrayBase<S, Ix2> {
            type Elem = $t;
            type Dim = Ix2;
            #[inline]
            fn add_back_lhs(&self, r: &ArrayBase<S2, Ix2>, g: &Array2<$t>, mut out: ndarray::ArrayViewMut2<'_, $t>) {
                general_mat_mul(1.0, g, &r.t(), 1.0, &mut out);
            }
        }
    )*};
}
back_lhs_into_impls!(f32, f64);

/// `a · b`: `a.dot(&b)` for 2-D·2-D, 2-D·1-D, 1-D·1-D and 1-D·2-D.
#[inline]
pub fn dot<L: Base + ?Sized, R: Base + ?Sized>(
    a: &L,
    b: &R,
) -> <L::Target as MatMul<R::Target>>::Output
where
    L::Target: MatMul<R::Target>,
{
    a.base().matmul(b.base())
}

/// The gradient of `a` in `y = a · b`, from `y`'s gradient `g`: `g · bᵀ`.
#[inline]
pub fn dot_back_lhs<G, L, R>(g: &G, a: &L, b: &R) -> <L::Target as MatMul<R::Target>>::LhsGrad
where
    G: Base<Target = <L::Target as MatMul<R::Target>>::Output> + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    L::Target: MatMul<R::Target>,
{
    a.base().back_lhs(b.base(), g.base())
}

/// The gradient of `b` in `y = a · b`: `aᵀ · g`.
#[inline]
pub fn dot_back_rhs<G, L, R>(g: &G, a: &L, b: &R) -> <L::Target as MatMul<R::Target>>::RhsGrad
where
    G: Base<Target = <L::Target as MatMul<R::Target>>::Output> + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    L::Target: MatMul<R::Target>,
{
    a.base().back_rhs(b.base(), g.base())
}

/// `total += g · bᵀ` (GEMM with `beta = 1`).
#[inline]
pub fn dot_back_lhs_into<G, L, R>(
    total: &mut <L::Target as MatMul<R::Target>>::LhsGrad,
    g: &G,
    a: &L,
    b: &R,
) where
    G: Base<Target = <L::Target as MatMul<R::Target>>::Output> + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    L::Target: MatMul<R::Target>,
{
    a.base().back_lhs_into(b.base(), g.base(), total);
}

/// `total += aᵀ · g` (GEMM with `beta = 1`).
#[inline]
pub fn dot_back_rhs_into<G, L, R>(
    total: &mut <L::Target as MatMul<R::Target>>::RhsGrad,
    g: &G,
    a: &L,
    b: &R,
) where
    G: Base<Target = <L::Target as MatMul<R::Target>>::Output> + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    L::Target: MatMul<R::Target>,
{
    a.base().back_rhs_into(b.base(), g.base(), total);
}

/// Reductions and transposition of floats and arrays.
pub trait Reductions: ReduceBack {
    /// The sum of every element.
    fn sum_all(&self) -> Self::Elem;
    /// The mean of every element.
    fn mean_all(&self) -> Self::Elem;
}

/// What the gradients of the reductions need of their operand: its shape. Arrays, floats,
/// and an array's [`Like`] once the array is gone.
pub trait ReduceBack {
    /// The element type.
    type Elem: Real;
    /// The gradient type.
    type Grad;
    /// `g` everywhere: the gradient of the sum.
    fn sum_back(&self, g: Self::Elem) -> Self::Grad;
    /// The element count.
    fn count(&self) -> usize;
}

macro_rules! reduction_impls {
    ($($t:ty),*) => {$(
        impl Reductions for $t {
            #[inline] fn sum_all(&self) -> $t { *self }
            #[inline] fn mean_all(&self) -> $t { *self }
        }

        impl ReduceBack for $t {
            type Elem = $t;
            type Grad = $t;
            #[inline] fn sum_back(&self, g: $t) -> $t { g }
            #[inline] fn count(&self) -> usize { 1 }
        }

        impl<S: Data<Elem = $t>, D: Dimension> Reductions for ArrayBase<S, D, $t> {
            #[inline] fn sum_all(&self) -> $t { self.sum() }
            #[inline]
            fn mean_all(&self) -> $t {
                self.sum() / self.len() as $t
            }
        }

        impl<S: Data<Elem = $t>, D: Dimension> ReduceBack for ArrayBase<S, D, $t> {
            type Elem = $t;
            type Grad = Array<$t, D>;
            #[inline] fn sum_back(&self, g: $t) -> Array<$t, D> { Array::from_elem(self.raw_dim(), g) }
            #[inline] fn count(&self) -> usize { self.len() }
        }

        impl<D: Dimension> ReduceBack for Like<$t, D> {
            type Elem = $t;
            type Grad = Array<$t, D>;
            #[inline] fn sum_back(&self, g: $t) -> Array<$t, D> { Array::from_elem(self.dim.clone(), g) }
            #[inline] fn count(&self) -> usize { self.dim.size() }
        }
    )*};
}
reduction_impls!(f32, f64);

/// `x.sum()`: every element added.
#[inline]
pub fn sum<X: Base + ?Sized>(x: &X) -> <X::Target as ReduceBack>::Elem
where
    X::Target: Reductions,
{
    x.base().sum_all()
}

/// The gradient of `x.sum()`: `g` everywhere.
#[inline]
pub fn sum_back<X: Base + ?Sized>(
    g: &<X::Target as ReduceBack>::Elem,
    x: &X,
) -> <X::Target as ReduceBack>::Grad
where
    X::Target: ReduceBack,
{
    x.base().sum_back(*g)
}

/// `x.mean().unwrap()`: the mean of every element (NaN for an empty array).
#[inline]
pub fn mean<X: Base + ?Sized>(x: &X) -> <X::Target as ReduceBack>::Elem
where
    X::Target: Reductions,
{
    x.base().mean_all()
}

/// The gradient of the mean: `g / n` everywhere.
#[inline]
pub fn mean_back<X: Base + ?Sized>(
    g: &<X::Target as ReduceBack>::Elem,
    x: &X,
) -> <X::Target as ReduceBack>::Grad
where
    X::Target: ReduceBack,
{
    let n = <X::Target as ReduceBack>::Elem::from_f64(x.base().count() as f64);
    x.base().sum_back(*g / n)
}

/// `x.sum_axis(axis)`.
#[inline]
pub fn sum_axis<
    A: Real,
    S: Data<Elem = A>,
    D: RemoveAxis,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    x: &X,
    axis: Axis,
) -> Array<A, D::Smaller> {
    x.base().sum_axis(axis)
}

/// The gradient of `x.sum_axis(axis)`: `g` repeated along `axis`.
#[inline]
pub fn sum_axis_back<
    A: Real,
    S: Data<Elem = A>,
    D: RemoveAxis,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    g: &Array<A, D::Smaller>,
    x: &X,
    axis: Axis,
) -> Array<A, D> {
    spread(g, x.base().raw_dim(), axis, A::one(), "sum_axis")
}

/// `g` repeated along `axis` to the shape of `x`, scaled by `scale`.
fn spread<A: Real, D: RemoveAxis>(
    g: &Array<A, D::Smaller>,
    shape: D,
    axis: Axis,
    scale: A,
    what: &str,
) -> Array<A, D> {
    let expanded = g.view().insert_axis(axis);
    match expanded.broadcast(shape.clone()) {
        Some(b) => b
            .mapv(|v| v * scale)
            .into_dimensionality::<D>()
            .unwrap_or_else(|e| panic!("backprop: {what} gradient: {e}")),
        None => panic!(
            "backprop: a {what} gradient of shape {:?} does not fit shape {:?}",
            g.shape(),
            shape.slice()
        ),
    }
}

/// `x.mean_axis(axis).unwrap()`: panics, as the unwrap would, when the axis is empty.
#[inline]
pub fn mean_axis<
    A: Real + num_traits::FromPrimitive,
    S: Data<Elem = A>,
    D: RemoveAxis,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    x: &X,
    axis: Axis,
) -> Array<A, D::Smaller> {
    x.base()
        .mean_axis(axis)
        .unwrap_or_else(|| panic!("backprop: mean_axis along an empty axis"))
}

/// The gradient of `x.mean_axis(axis)`: `g / n` repeated along `axis`.
#[inline]
pub fn mean_axis_back<
    A: Real,
    S: Data<Elem = A>,
    D: RemoveAxis,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    g: &Array<A, D::Smaller>,
    x: &X,
    axis: Axis,
) -> Array<A, D> {
    let x = x.base();
    let n = A::from_f64(x.len_of(axis) as f64);
    spread(g, x.raw_dim(), axis, A::one() / n, "mean_axis")
}

/// `x.var_axis(axis, ddof)`: `Σ (x − mean)² / (n − ddof)` along `axis`.
#[inline]
pub fn var_axis<
    A: Real + num_traits::FromPrimitive,
    S: Data<Elem = A>,
    D: RemoveAxis,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    x: &X,
    axis: Axis,
    ddof: A,
) -> Array<A, D::Smaller> {
    x.base().var_axis(axis, ddof)
}

/// `x − mean` along `axis`, and `2 / (n − ddof)`.
fn centred<A: Real, S: Data<Elem = A>, D: RemoveAxis>(
    x: &ArrayBase<S, D>,
    axis: Axis,
    ddof: A,
) -> (Array<A, D>, A) {
    let n = A::from_f64(x.len_of(axis) as f64);
    let mean = spread(
        &x.sum_axis(axis),
        x.raw_dim(),
        axis,
        A::one() / n,
        "var_axis",
    );
    (x.to_owned() - &mean, A::from_f64(2.0) / (n - ddof))
}

/// The gradient of `x.var_axis(axis, ddof)`: `g · 2(x − mean) / (n − ddof)`.
#[inline]
pub fn var_axis_back<
    A: Real,
    S: Data<Elem = A>,
    D: RemoveAxis,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    g: &Array<A, D::Smaller>,
    x: &X,
    axis: Axis,
    ddof: A,
) -> Array<A, D> {
    let x = x.base();
    let (centred, scale) = centred(x, axis, ddof);
    spread(g, x.raw_dim(), axis, scale, "var_axis") * centred
}

/// The tangent of `x.var_axis(axis, ddof)` in the direction `dx`:
/// `Σ 2(x − mean)·dx / (n − ddof)` along `axis`.
#[inline]
pub fn var_axis_tangent<
    A: Real,
    S: Data<Elem = A>,
    D: RemoveAxis,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
    T: Base<Target = ArrayBase<S2, D>> + ?Sized,
    S2: Data<Elem = A>,
>(
    dx: &T,
    x: &X,
    axis: Axis,
    ddof: A,
) -> Array<A, D::Smaller> {
    let (centred, scale) = centred(x.base(), axis, ddof);
    (centred * dx.base()).sum_axis(axis).mapv(|s| s * scale)
}

/// `x.var(ddof)`: the variance of every element.
#[inline]
pub fn var<
    A: Real + num_traits::FromPrimitive,
    S: Data<Elem = A>,
    D: Dimension,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    x: &X,
    ddof: A,
) -> A {
    x.base().var(ddof)
}

/// `x − mean` of every element, and `2 / (n − ddof)`.
fn centred_all<A: Real, S: Data<Elem = A>, D: Dimension>(
    x: &ArrayBase<S, D>,
    ddof: A,
) -> (Array<A, D>, A) {
    let n = A::from_f64(x.len() as f64);
    let mean = x.sum() / n;
    (x.mapv(|v| v - mean), A::from_f64(2.0) / (n - ddof))
}

/// The gradient of [`var`]: `g · 2(x − mean) / (n − ddof)`.
#[inline]
pub fn var_back<
    A: Real,
    S: Data<Elem = A>,
    D: Dimension,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    g: &A,
    x: &X,
    ddof: A,
) -> Array<A, D> {
    let (centred, scale) = centred_all(x.base(), ddof);
    centred.mapv(|c| c * scale * *g)
}

/// The tangent of [`var`] in the direction `dx`: `Σ 2(x − mean)·dx / (n − ddof)`.
#[inline]
pub fn var_tangent<
    A: Real,
    S: Data<Elem = A>,
    S2: Data<Elem = A>,
    D: Dimension,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
    T: Base<Target = ArrayBase<S2, D>> + ?Sized,
>(
    dx: &T,
    x: &X,
    ddof: A,
) -> A {
    let (centred, scale) = centred_all(x.base(), ddof);
    (centred * dx.base()).sum() * scale
}

/// `x.slice(info)`, as an owned array (the generated code keeps values, not borrows).
#[inline]
pub fn slice<
    A: Real,
    S: Data<Elem = A>,
    D: Dimension,
    I: ndarray::SliceArg<D>,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    x: &X,
    info: I,
) -> Array<A, I::OutDim> {
    x.base().slice(info).to_owned()
}

/// `x.slice(info)` of an array the function borrows, as a view for as long as the borrow.
#[inline]
pub fn slice_view<'a, A, S: Data<Elem = A>, D: Dimension, I: ndarray::SliceArg<D>>(
    x: &'a ArrayBase<S, D>,
    info: I,
) -> ndarray::ArrayView<'a, A, I::OutDim> {
    x.slice(info)
}

/// `total += slice_back(g, x, info)` without the array of zeros: `g` added into the sliced
/// part of `total` (a row sliced out per iteration costs the row, not the matrix).
#[inline]
pub fn slice_back_into<A: Real, D: Dimension, I: ndarray::SliceArg<D> + Copy, G, X: ?Sized>(
    total: &mut Array<A, D>,
    g: &G,
    _x: &X,
    info: &I,
) where
    G: Base<Target = Array<A, I::OutDim>> + ?Sized,
{
    let mut part = total.slice_mut(*info);
    part += g.base();
}

/// `total += slice_back(dot_back_lhs(g, a, b), x, info)` without the slice's gradient made
/// first: `g · bᵀ` added into the sliced part of `total` (`w.slice(s![i, ..]).dot(x)` in a
/// loop: no vector per row). The two kernels' arguments, borrowed.
#[inline]
pub fn slice_dot_back_into<A, D, I, G, L, R, X>(
    total: &mut Array<A, D>,
    g: &G,
    a: &L,
    b: &R,
    _x: &X,
    info: &I,
) where
    D: Dimension,
    I: ndarray::SliceArg<D> + Copy,
    G: Base + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    X: ?Sized,
    L::Target: BackLhsInto<R::Target, G::Target, Elem = A, Dim = I::OutDim>,
{
    a.base()
        .add_back_lhs(b.base(), g.base(), total.slice_mut(*info));
}

/// [`slice_dot_back_into`] into an array of zeros shaped like `x`.
#[inline]
pub fn slice_dot_back<A, S, D, I, G, L, R, X>(g: &G, a: &L, b: &R, x: &X, info: I) -> Array<A, D>
where
    A: Real,
    S: Data<Elem = A>,
    D: Dimension,
    I: ndarray::SliceArg<D> + Copy,
    G: Base + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
    L::Target: BackLhsInto<R::Target, G::Target, Elem = A, Dim = I::OutDim>,
{
    let mut out = Array::zeros(x.base().raw_dim());
    slice_dot_back_into(&mut out, g, a, b, x, &info);
    out
}

/// The gradient of `x.slice(info)`: `g` in the sliced part, zero elsewhere.
#[inline]
pub fn slice_back<
    A: Real,
    S: Data<Elem = A>,
    D: Dimension,
    I: ndarray::SliceArg<D>,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    g: &Array<A, I::OutDim>,
    x: &X,
    info: I,
) -> Array<A, D> {
    let mut out = Array::zeros(x.base().raw_dim());
    out.slice_mut(info).assign(g);
    out
}

/// `x.t()` of an array the function borrows (a parameter `&Array2<T>`): a view with the
/// borrow's lifetime, which the pullback may keep, instead of a transposed copy.
#[inline]
pub fn transpose_view<'a, A, S: Data<Elem = A>, D: Dimension>(
    x: &'a ArrayBase<S, D>,
) -> ndarray::ArrayView<'a, A, D> {
    x.t()
}

/// `x.t()`, as an owned array (the generated code keeps values, not borrows).
#[inline]
pub fn transpose<
    A: Real,
    S: Data<Elem = A>,
    D: Dimension,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    x: &X,
) -> Array<A, D> {
    x.base().t().to_owned()
}

/// The gradient of a transpose: the gradient transposed back.
#[inline]
pub fn transpose_back<A: Real, D: Dimension>(g: &Array<A, D>) -> Array<A, D> {
    g.t().to_owned()
}

/// `x.to_shape(shape).unwrap()` (or `x.into_shape_with_order(shape).unwrap()`): the
/// elements in row-major order, in the new shape, as an owned array.
///
/// # Panics
/// When the shape holds another number of elements, as the user's `unwrap` would.
#[inline]
pub fn reshape<
    A: Real,
    S: Data<Elem = A>,
    D: Dimension,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
    E: ndarray::ShapeArg,
>(
    x: &X,
    shape: E,
) -> Array<A, E::Dim> {
    match x.base().to_shape(shape) {
        Ok(y) => y.into_owned(),
        Err(e) => panic!(
            "backprop: reshape of an array of shape {:?}: {e}",
            x.base().shape()
        ),
    }
}

/// The gradient of a reshape or of an inserted axis: `g` in `x`'s shape (the same
/// elements, in row-major order).
#[inline]
pub fn reshape_back<
    A: Real,
    E: Dimension,
    S: Data<Elem = A>,
    D: Dimension,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    g: &Array<A, E>,
    x: &X,
) -> Array<A, D> {
    g.to_shape(x.base().raw_dim())
        .expect("a gradient has its value's number of elements")
        .into_owned()
}

/// `x.insert_axis(axis)`, as an owned array.
#[inline]
pub fn insert_axis<
    A: Real,
    S: Data<Elem = A>,
    D: Dimension,
    X: Base<Target = ArrayBase<S, D>> + ?Sized,
>(
    x: &X,
    axis: Axis,
) -> Array<A, D::Larger> {
    x.base().view().insert_axis(axis).to_owned()
}

/// `x.row(i)` (`axis` 0) or `x.column(i)` (`axis` 1) of a matrix, as an owned vector.
#[inline]
pub fn lane<A: Real, S: Data<Elem = A>, X: Base<Target = ArrayBase<S, Ix2>> + ?Sized>(
    x: &X,
    axis: usize,
    i: usize,
) -> Array1<A> {
    x.base().index_axis(Axis(axis), i).to_owned()
}

/// The gradient of [`lane`]: `g` in that row or column, zero elsewhere.
#[inline]
pub fn lane_back<A: Real, S: Data<Elem = A>, X: Base<Target = ArrayBase<S, Ix2>> + ?Sized>(
    g: &Array1<A>,
    x: &X,
    axis: usize,
    i: usize,
) -> Array2<A> {
    let mut out = Array2::zeros(x.base().raw_dim());
    out.index_axis_mut(Axis(axis), i).assign(g);
    out
}

/// `x.row(i)` (`axis` 0) or `x.column(i)` (`axis` 1) of a matrix the function borrows, as
/// a view for as long as the borrow.
#[inline]
pub fn lane_view<'a, A, S: Data<Elem = A>>(
    x: &'a ArrayBase<S, Ix2>,
    axis: usize,
    i: usize,
) -> ndarray::ArrayView1<'a, A> {
    x.index_axis(Axis(axis), i)
}

/// `total += lane_back(g, x, axis, i)` without the matrix of zeros: `g` added into that
/// row or column of `total` (the gradient of `for row in w.outer_iter()` costs each row's
/// length, not the matrix's size, per row). It takes [`lane_back`]'s arguments, borrowed,
/// as the generated code passes every accumulating kernel's; `x` gives no shape here.
#[inline]
pub fn lane_back_into<A: Real, G: Base<Target = Array1<A>> + ?Sized, X: ?Sized>(
    total: &mut Array2<A>,
    g: &G,
    _x: &X,
    axis: &usize,
    i: &usize,
) {
    let mut lane = total.index_axis_mut(Axis(*axis), *i);
    lane += g.base();
}

/// `total += lane_back(dot_back_lhs(g, a, b), x, axis, i)` without the lane's gradient
/// made first: `g · bᵀ` added into that row or column of `total` (a row walked by
/// `outer_iter()` and multiplied, `row.dot(x)`: no vector per row). It takes the two
/// kernels' arguments, borrowed, as the generated code passes every accumulating kernel's.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn lane_dot_back_into<A, G, L, R, X>(
    total: &mut Array2<A>,
    g: &G,
    a: &L,
    b: &R,
    _x: &X,
    axis: &usize,
    i: &usize,
) where
    G: Base + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    X: ?Sized,
    L::Target: BackLhsInto<R::Target, G::Target, Elem = A, Dim = Ix1>,
{
    a.base()
        .add_back_lhs(b.base(), g.base(), total.index_axis_mut(Axis(*axis), *i));
}

/// [`lane_dot_back_into`] into a matrix of zeros shaped like `x`: the gradient of `x` where
/// it is the first contribution.
#[inline]
pub fn lane_dot_back<A, G, L, R, S, X>(
    g: &G,
    a: &L,
    b: &R,
    x: &X,
    axis: usize,
    i: usize,
) -> Array2<A>
where
    A: Real,
    S: Data<Elem = A>,
    G: Base + ?Sized,
    L: Base + ?Sized,
    R: Base + ?Sized,
    X: Base<Target = ArrayBase<S, Ix2>> + ?Sized,
    L::Target: BackLhsInto<R::Target, G::Target, Elem = A, Dim = Ix1>,
{
    let mut out = Array2::zeros(x.base().raw_dim());
    lane_dot_back_into(&mut out, g, a, b, x, &axis, &i);
    out
}

/// `x.diag()` of a matrix, as an owned vector.
#[inline]
pub fn diag<A: Real, S: Data<Elem = A>, X: Base<Target = ArrayBase<S, Ix2>> + ?Sized>(
    x: &X,
) -> Array1<A> {
    x.base().diag().to_owned()
}

/// The gradient of [`diag`]: `g` on the diagonal, zero elsewhere.
#[inline]
pub fn diag_back<A: Real, S: Data<Elem = A>, X: Base<Target = ArrayBase<S, Ix2>> + ?Sized>(
    g: &Array1<A>,
    x: &X,
) -> Array2<A> {
    let mut out = Array2::zeros(x.base().raw_dim());
    out.diag_mut().assign(g);
    out
}

crate::gate! {
    /// `x.to_vec()` of a one-dimensional array (or view) in a differentiated function: the
    /// same elements as a `Vec`, whose gradient goes back as an array. `#[differentiate]`
    /// writes such copies as calls to it.
    pub fn array_to_vec<'a, T: Real, S: Data<Elem = T>>(a: &'a ArrayBase<S, Ix1>) -> Vec<T> {
        a.to_vec()
    }
    backward(_, grad) keep() {
        ndarray::Array1::from(grad)
    }
    tangent(out, da) {
        da.to_vec()
    }
    // Linear: the tangent of the backward rule is the rule applied to `dgrad`.
    second(dout, dgrad) {
        ndarray::Array1::from(dgrad)
    }
}

crate::gate! {
    /// `Array1::from_vec(v)` of a `Vec` of floats in a differentiated function: the same
    /// elements as a one-dimensional array, whose gradient goes back as a `Vec`.
    /// `#[differentiate]` writes such constructors as calls to it.
    pub fn array_from_vec<T: Real>(v: Vec<T>) -> ndarray::Array1<T> {
        ndarray::Array1::from(v)
    }
    backward(_, grad) keep() {
        grad.to_vec()
    }
    tangent(out, dv) {
        ndarray::Array1::from(dv)
    }
    // Linear: the tangent of the backward rule is the rule applied to `dgrad`.
    second(dout, dgrad) {
        dgrad.to_vec()
    }
}

/// Elementwise local derivatives, the arrays' versions of [`crate::d`].
pub mod d {
    use super::{Base, Map};

    /// Elementwise versions of the scalar local derivatives `crate::d::name(x)`.
    macro_rules! unary {
        ($($(#[$doc:meta])* $name:ident;)*) => {$(
            $(#[$doc])*
            #[inline]
            pub fn $name<X: Base + ?Sized>(x: &X) -> <X::Target as Map>::Output
            where
                X::Target: Map,
            {
                x.base().map(crate::d::$name)
            }
        )*};
    }

    /// Elementwise versions of `crate::d::name(x, c)`, for a constant `c`.
    macro_rules! with_constant {
        ($($(#[$doc:meta])* $name:ident($c:ident: $ty:ty);)*) => {$(
            $(#[$doc])*
            #[inline]
            pub fn $name<X: Base + ?Sized>(x: &X, $c: $ty) -> <X::Target as Map>::Output
            where
                X::Target: Map,
            {
                x.base().map(|v| crate::d::$name(v, $c))
            }
        )*};
    }

    unary! {
        /// The sign elementwise, 0 at 0.
        abs;
        /// `y · ln 2` elementwise, for `y = x.exp2()`.
        exp2;
        /// `1 / (x · ln 2)` elementwise.
        log2;
        /// `1 / (x · ln 10)` elementwise.
        log10;
        /// A gradient converted from radians to degrees elementwise, for `x.to_degrees()`.
        to_degrees;
        /// A gradient converted from degrees to radians elementwise, for `x.to_radians()`.
        to_radians;
    }

    with_constant! {
        /// `n · xⁿ⁻¹` elementwise.
        powi(n: i32);
        /// `n(n − 1) · xⁿ⁻²` elementwise: the derivative of [`powi`].
        powi2(n: i32);
        /// `p · xᵖ⁻¹` elementwise, for `x.powf(p)` with a constant `p`.
        powf_base(p: <X::Target as Map>::Elem);
        /// `p (p − 1) · xᵖ⁻²` elementwise: the derivative of [`powf_base`].
        powf_base_dx(p: <X::Target as Map>::Elem);
        /// `ln b` in the shape of `x`, for `x.log(b)` with a constant `b`.
        ln_base(b: <X::Target as Map>::Elem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn broadcast_gradient_sums_over_the_broadcast_axes() {
        let g = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let bias = array![0.0, 0.0, 0.0];
        assert_eq!(sum_to(g.clone(), &bias), array![5.0, 7.0, 9.0]);
        let column = array![[0.0], [0.0]];
        assert_eq!(sum_to(g.clone(), &column), array![[6.0], [15.0]]);
        // By reference: the same sums, and a copy when the shapes agree.
        assert_eq!(sum_to(&g, &bias), array![5.0, 7.0, 9.0]);
        assert_eq!(sum_to(&g, &column), array![[6.0], [15.0]]);
        assert_eq!(sum_to(&g, &g), g);
        assert_eq!(sum_to(&g, &2.0), 21.0);
        assert_eq!(sum_to(g, &2.0), 21.0);
    }

    #[test]
    #[should_panic(expected = "cannot be reduced to shape [4]")]
    fn shape_mismatch_names_both_shapes() {
        let g = array![[1.0, 2.0, 3.0]];
        let _ = sum_to(g, &array![0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn matmul_backward_is_the_lecture_s() {
        let x = array![[1.0, 2.0], [3.0, 4.0]];
        let w = array![[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]];
        let g = array![[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]];
        assert_eq!(dot_back_lhs(&g, &x, &w), g.dot(&w.t()));
        assert_eq!(dot_back_rhs(&g, &x, &w), x.t().dot(&g));
        let mut total = Array2::<f64>::ones((2, 2));
        dot_back_lhs_into(&mut total, &g, &x, &w);
        assert_eq!(total, g.dot(&w.t()) + 1.0);
    }
}
