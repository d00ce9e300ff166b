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

/// A zero of a gradient type, without a value to shape it: what a pullback gives for a
/// float, sequence or array parameter left out by `wrt(...)` (see [`check_differentiable`],
/// which makes passing one a value that carries a derivative a compile error).
pub trait LeftOut {
    /// The zero.
    fn left_out() -> Self;
}

/// [`LeftOut::left_out`], its type from where it goes.
#[inline]
pub fn left_out<G: LeftOut>() -> G {
    G::left_out()
}

impl LeftOut for f32 {
    #[inline]
    fn left_out() -> Self {
        0.0
    }
}

impl LeftOut for f64 {
    #[inline]
    fn left_out() -> Self {
        0.0
    }
}

impl<T> LeftOut for Vec<T> {
    #[inline]
    fn left_out() -> Self {
        Vec::new()
    }
}

impl<T: LeftOut, const N: usize> LeftOut for [T; N] {
    #[inline]
    fn left_out() -> Self {
        core::array::from_fn(|_| T::left_out())
    }
}

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
    /// The zero gradient of a sequence of `Self`s: one `zeros_like` per element, or (for
    /// floats) one vector from the per-thread pool.
    #[doc(hidden)]
    #[inline]
    fn zeros_of_slice(s: &[Self]) -> Vec<Self::Grad>
    where
        Self: Sized,
    {
        s.iter().map(ZerosLike::zeros_like).collect()
    }
}

/// `zeros_like(&x)`: a zero gradient shaped like `x`.
#[inline]
pub fn zeros_like<T: ZerosLike + ?Sized>(x: &T) -> T::Grad {
    x.zeros_like()
}

/// `v_stack.push(replaced(new, &mut v))`: puts `new` in `place` and gives back what was
/// there. The forward pass saves a value it computes the next from this way (`h = h.dot(&w)
/// + &h;`), the new value computed first, then the old one moved onto the stack, not copied.
#[inline]
pub fn replaced<T>(new: T, place: &mut T) -> T {
    ::core::mem::replace(place, new)
}

/// `discard(grad_v)`: a pullback is done with a local's gradient. Vectors of floats go to
/// the per-thread pool, where the next call's [`zeros_like`] of a vector of about that
/// size takes them (a gradient called again and again allocates them once); anything else
/// is dropped.
#[inline]
pub fn discard<G: Discard>(grad: G) {
    grad.discard();
}

/// What [`discard`] does with a gradient.
pub trait Discard: Sized {
    /// Gives up `self`.
    #[inline]
    fn discard(self) {}
    /// Gives up a vector of `Self`s: by default each element, then the vector.
    #[doc(hidden)]
    #[inline]
    fn discard_vec(items: Vec<Self>) {
        items.into_iter().for_each(Discard::discard);
    }
}

impl<T: Discard> Discard for Vec<T> {
    #[inline]
    fn discard(self) {
        T::discard_vec(self);
    }
}

impl<T, const N: usize> Discard for [T; N] {}

/// `reset_like(&mut grad_h, &h)`: the adjoint of a variable set to zero, shaped like its
/// value. After an assignment `h = f(&h)` is undone in the backward pass, `h` holds its
/// earlier value again, which may have another length (a layer of another width): its
/// adjoint takes that shape, reusing its storage.
#[inline]
pub fn reset_like<T: ResetLike + ?Sized>(grad: &mut T, like: &T) {
    grad.reset_like(like);
}

/// What [`reset_like`] does with an adjoint.
pub trait ResetLike {
    /// `self` becomes zeros of `like`'s shape.
    fn reset_like(&mut self, like: &Self);
}

impl<T: ResetLike + ZerosLike<Grad = T>> ResetLike for Vec<T> {
    #[inline]
    fn reset_like(&mut self, like: &Self) {
        self.truncate(like.len());
        for (g, x) in self.iter_mut().zip(like) {
            g.reset_like(x);
        }
        let kept = self.len();
        self.extend(like[kept..].iter().map(ZerosLike::zeros_like));
    }
}

impl<T: ResetLike, const N: usize> ResetLike for [T; N] {
    #[inline]
    fn reset_like(&mut self, like: &Self) {
        for (g, x) in self.iter_mut().zip(like) {
            g.reset_like(x);
        }
    }
}

/// Adds a gradient contribution into an accumulated gradient (`+=`, elementwise).
#[diagnostic::on_unimplemented(
    message = "a gradient of type `{Rhs}` cannot be added to a gradient of type `{Self}`",
    note = "`NotDifferentiable` means the argument went to a parameter the called function does not differentiate (an integer, or a float left out by `wrt`)"
)]
pub trait Accumulate<Rhs = Self> {
    /// `self += rhs`, elementwise.
    fn accumulate(&mut self, rhs: Rhs);
    /// `total += rhs` for sequences of `Self`s of the same length, element by element; floats
    /// hand `rhs`'s storage back to the per-thread pool for the next gradient.
    #[doc(hidden)]
    #[inline]
    fn accumulate_slice(total: &mut [Self], rhs: Vec<Rhs>)
    where
        Self: Sized,
    {
        check_lengths(total.len(), rhs.len());
        for (t, r) in total.iter_mut().zip(rhs) {
            t.accumulate(r);
        }
    }
}

fn check_lengths(total: usize, rhs: usize) {
    assert_eq!(
        total, rhs,
        "backprop: gradient lengths differ: {total} and {rhs}"
    );
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
            #[inline]
            fn zeros_of_slice(s: &[$t]) -> Vec<$t> {
                crate::stack::pooled_zeros(s.len(), 0.0)
            }
        }
        impl ResetLike for $t {
            #[inline]
            fn reset_like(&mut self, _: &$t) {
                *self = 0.0;
            }
        }
        impl Discard for $t {
            #[inline]
            fn discard_vec(items: Vec<$t>) {
                crate::stack::recycle(items);
            }
        }
        impl Accumulate for $t {
            #[inline]
            fn accumulate(&mut self, rhs: $t) {
                *self += rhs;
            }
            #[inline]
            fn accumulate_slice(total: &mut [$t], rhs: Vec<$t>) {
                check_lengths(total.len(), rhs.len());
                for (t, r) in total.iter_mut().zip(&rhs) {
                    *t += *r;
                }
                crate::stack::recycle(rhs);
            }
        }
    )*};
}
float_grads!(f32, f64);

/// What a sequence that carries a derivative holds: a float, or a sequence of them
/// (`Vec<Vec<f64>>`, `[[f64; 3]; 2]`, `&[Vec<f64>]`). The gradient has the same nesting.
pub trait SeqItem: GradOf + ZerosLike<Grad = <Self as GradOf>::Grad> + SameShape {}

impl SeqItem for f32 {}
impl SeqItem for f64 {}
impl<T: SeqItem> SeqItem for Vec<T> {}
impl<T: SeqItem, const N: usize> SeqItem for [T; N] {}

// Generic over the element, so generic gates over slices type-check.
impl<T: SeqItem, const N: usize> GradOf for [T; N] {
    type Grad = [<T as GradOf>::Grad; N];
}

impl<T: SeqItem> GradOf for Vec<T> {
    type Grad = Vec<<T as GradOf>::Grad>;
}

impl<T: SeqItem> GradOf for [T] {
    type Grad = Vec<<T as GradOf>::Grad>;
}

impl<T: SeqItem, const N: usize> ZerosLike for [T; N] {
    type Grad = [<T as GradOf>::Grad; N];
    #[inline]
    fn zeros_like(&self) -> Self::Grad {
        core::array::from_fn(|i| self[i].zeros_like())
    }
}

impl<T: SeqItem> ZerosLike for Vec<T> {
    type Grad = Vec<<T as ZerosLike>::Grad>;
    #[inline]
    fn zeros_like(&self) -> Self::Grad {
        T::zeros_of_slice(self)
    }
}

impl<T: SeqItem> ZerosLike for [T] {
    type Grad = Vec<<T as ZerosLike>::Grad>;
    #[inline]
    fn zeros_like(&self) -> Self::Grad {
        T::zeros_of_slice(self)
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

/// A float contribution's storage goes back to the per-thread pool, for the next pullback's
/// gradient (a call in a loop makes one per iteration).
impl<T: Accumulate> Accumulate for Vec<T> {
    #[inline]
    fn accumulate(&mut self, rhs: Vec<T>) {
        T::accumulate_slice(self, rhs);
    }
}

impl<T: Accumulate, const N: usize> Accumulate for [T; N] {
    #[inline]
    fn accumulate(&mut self, rhs: [T; N]) {
        for (t, r) in self.iter_mut().zip(rhs) {
            t.accumulate(r);
        }
    }
}

/// A local array passed to a slice parameter (`f(&arr)`) gets the callee's `Vec` gradient.
impl<T: Accumulate, const N: usize> Accumulate<Vec<T>> for [T; N] {
    #[inline]
    fn accumulate(&mut self, rhs: Vec<T>) {
        T::accumulate_slice(self, rhs);
    }
}

/// A part of a sequence passed to a slice parameter (`f(&m[i])`, `f(&x[a..b])`) gets the
/// callee's `Vec` gradient, added into `grad_m[i]` or `grad_x[a..b]`.
impl<T: Accumulate> Accumulate<Vec<T>> for [T] {
    #[inline]
    fn accumulate(&mut self, rhs: Vec<T>) {
        T::accumulate_slice(self, rhs);
    }
}

/// A tangent handed to another differentiated function: an owned value of the gradient's
/// type, made from a tangent in the form the caller holds it (a slice, a `Vec`, an array).
pub trait ToTangent<T> {
    /// The owned tangent.
    fn to_tangent(&self) -> T;
}

impl<T: Clone> ToTangent<Vec<T>> for [T] {
    #[inline]
    fn to_tangent(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Clone> ToTangent<Vec<T>> for Vec<T> {
    #[inline]
    fn to_tangent(&self) -> Vec<T> {
        self.clone()
    }
}

/// A local array's tangent passed to a slice parameter.
impl<T: Clone, const N: usize> ToTangent<Vec<T>> for [T; N] {
    #[inline]
    fn to_tangent(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Clone, const N: usize> ToTangent<[T; N]> for [T; N] {
    #[inline]
    fn to_tangent(&self) -> [T; N] {
        self.clone()
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

macro_rules! float_shapes {
    ($($t:ty),*) => {$(
        impl SameShape for $t {
            #[inline]
            fn same_shape(&self, _: &Self) -> bool {
                true
            }
            fn shape_of(&self) -> Vec<usize> {
                Vec::new()
            }
        }
    )*};
}
float_shapes!(f32, f64);

/// A sequence's shape: its length, then its first element's shape (every row of a nested
/// sequence is compared).
impl<T: SameShape> SameShape for [T] {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same_shape(b))
    }
    fn shape_of(&self) -> Vec<usize> {
        let mut shape = vec![self.len()];
        if let Some(first) = self.first() {
            shape.extend(first.shape_of());
        }
        shape
    }
}

impl<T: SameShape> SameShape for Vec<T> {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        self[..].same_shape(&other[..])
    }
    fn shape_of(&self) -> Vec<usize> {
        self[..].shape_of()
    }
}

impl<T: SameShape, const N: usize> SameShape for [T; N] {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        self[..].same_shape(&other[..])
    }
    fn shape_of(&self) -> Vec<usize> {
        self[..].shape_of()
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

    /// How many elements a sequence of `Self`s holds, in all: the rows' counts added up
    /// (floats: the length).
    #[doc(hidden)]
    fn count_of_slice(s: &[Self]) -> usize
    where
        Self: Sized,
    {
        s.iter().map(Elements::count).sum()
    }

    /// The `i`-th element of a sequence of `Self`s, row after row.
    #[doc(hidden)]
    fn element_of_slice(s: &[Self], i: usize) -> Self::Elem
    where
        Self: Sized,
    {
        let (row, at) = locate(s.iter().map(Elements::count), i);
        s[row].element(at)
    }

    /// The `i`-th element of a sequence of `Self`s, to write.
    #[doc(hidden)]
    fn element_of_slice_mut(s: &mut [Self], i: usize) -> &mut Self::Elem
    where
        Self: Sized,
    {
        let (row, at) = locate(s.iter().map(Elements::count), i);
        s[row].element_mut(at)
    }
}

/// Which row holds element `i`, and where in it, given the rows' element counts.
fn locate(counts: impl Iterator<Item = usize>, mut i: usize) -> (usize, usize) {
    for (row, count) in counts.enumerate() {
        if i < count {
            return (row, i);
        }
        i -= count;
    }
    panic!("backprop: element index out of range")
}

impl<T: Elements> Elements for Vec<T> {
    type Elem = T::Elem;
    fn count(&self) -> usize {
        T::count_of_slice(self)
    }
    fn element(&self, i: usize) -> T::Elem {
        T::element_of_slice(self, i)
    }
    fn element_mut(&mut self, i: usize) -> &mut T::Elem {
        T::element_of_slice_mut(self, i)
    }
}

impl<T: Elements, const N: usize> Elements for [T; N] {
    type Elem = T::Elem;
    fn count(&self) -> usize {
        T::count_of_slice(self)
    }
    fn element(&self, i: usize) -> T::Elem {
        T::element_of_slice(self, i)
    }
    fn element_mut(&mut self, i: usize) -> &mut T::Elem {
        T::element_of_slice_mut(self, i)
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
/// For a pullback that can be copied, [`jacobian_rows_copied`] runs one forward pass only.
pub fn jacobian_rows<R, G, C>(
    value: &R,
    first: impl FnOnce(R) -> G,
    mut again: impl FnMut(R) -> G,
) -> C
where
    R: ZerosLike<Grad = R> + Elements,
    C: Rows<G>,
{
    let mut first = Some(first);
    C::build(value.count(), |i| match first.take() {
        Some(first) => first(unit(value, i)),
        None => again(unit(value, i)),
    })
}

/// The rows of a Jacobian by reverse mode from one forward pass: each row's backward pass
/// runs on its own copy of the pullback, that is of what the forward pass saved (which a
/// backward pass consumes); a `Vec`'s last row takes the pullback itself.
pub fn jacobian_rows_copied<R, G, C>(value: &R, pullback: impl FnOnce(R) -> G + Clone) -> C
where
    R: ZerosLike<Grad = R> + Elements,
    C: Rows<G>,
{
    C::from_copies(value.count(), pullback, |pullback, i| {
        pullback(unit(value, i))
    })
}

/// The rows of a Jacobian: a `Vec` (a `Vec` result's length is known only once it is
/// computed) or, for an array result `[T; M]`, an array `[G; M]`, built without allocating.
pub trait Rows<G>: Sized {
    /// `count` rows, `row(i)` for `i` in order.
    fn build(count: usize, row: impl FnMut(usize) -> G) -> Self;
    /// The rows of a `Vec` of `count` of them.
    fn from_vec(rows: Vec<G>) -> Self;
    /// `count` rows, `row(copy, i)` for `i` in order, each on its own copy of `pullback`
    /// (a `Vec`'s last row takes `pullback` itself).
    fn from_copies<P: Clone>(count: usize, pullback: P, row: impl FnMut(P, usize) -> G) -> Self;
}

impl<G> Rows<G> for Vec<G> {
    #[inline]
    fn build(count: usize, row: impl FnMut(usize) -> G) -> Self {
        (0..count).map(row).collect()
    }

    #[inline]
    fn from_vec(rows: Vec<G>) -> Self {
        rows
    }

    #[inline]
    fn from_copies<P: Clone>(
        count: usize,
        pullback: P,
        mut row: impl FnMut(P, usize) -> G,
    ) -> Self {
        let mut rows = Vec::with_capacity(count);
        if let Some(last) = count.checked_sub(1) {
            for i in 0..last {
                rows.push(row(pullback.clone(), i));
            }
            rows.push(row(pullback, last));
        }
        rows
    }
}

impl<G, const M: usize> Rows<G> for [G; M] {
    #[inline]
    fn build(count: usize, row: impl FnMut(usize) -> G) -> Self {
        assert_eq!(count, M, "an array result has M elements");
        core::array::from_fn(row)
    }

    #[inline]
    fn from_vec(rows: Vec<G>) -> Self {
        match rows.try_into() {
            Ok(rows) => rows,
            Err(rows) => panic!("{} rows for an array result of {M} elements", rows.len()),
        }
    }

    #[inline]
    fn from_copies<P: Clone>(
        count: usize,
        pullback: P,
        mut row: impl FnMut(P, usize) -> G,
    ) -> Self {
        assert_eq!(count, M, "an array result has M elements");
        // Every row on a copy, the original dropped: one copy more than the `Vec` version
        // makes, but one call site, which the compiler inlines. Giving the last row the
        // original (a second call site) measured 1.5× slower on BA's 2 × 15 block, and
        // taking it out of an `Option` 1.25×.
        core::array::from_fn(|i| row(pullback.clone(), i))
    }
}

/// The unit vector `eᵢ` of `value`'s shape.
#[inline]
fn unit<R>(value: &R, i: usize) -> R
where
    R: ZerosLike<Grad = R> + Elements,
{
    let mut upstream = value.zeros_like();
    *upstream.element_mut(i) = <R::Elem as num_traits::One>::one();
    upstream
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

/// Runs `f`, the user's `panic!`, `unreachable!`, `todo!` or `unimplemented!` as written,
/// where the generated code goes on as if it returned a `T` (a branch's value, `()` for a
/// statement): `f` never returns, but the compiler does not see it diverge, so the code
/// after it is not unreachable code to warn about.
#[doc(hidden)]
#[cold]
#[track_caller]
pub fn diverged<T>(f: impl FnOnce()) -> T {
    f();
    unreachable!("a panicking macro returned")
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

/// `grow_like(&mut dot_v, &v)`: after `v.push(..)` or `v.extend(..)` appended to a
/// sequence, its tangent (or adjoint) gets zeros for the new elements (floats, or rows of
/// a nested sequence shaped like the new rows), which the element writes that follow set.
#[inline]
pub fn grow_like<T: SeqItem>(dot: &mut Vec<<T as ZerosLike>::Grad>, v: &[T]) {
    dot.truncate(v.len());
    let have = dot.len();
    dot.extend(v[have..].iter().map(ZerosLike::zeros_like));
}

/// `test(&item)`: `find`'s test, which takes a reference to the item, called where
/// `position` hands the item itself (`x.iter().find(|v| ..)` as a position).
#[inline(always)]
pub fn on_ref<T, R>(item: T, test: impl FnOnce(&T) -> R) -> R {
    test(&item)
}

/// The order a stable sort by `compare` puts `v` in (`v.sort_by(|a, b| a.total_cmp(b))`
/// and the like): `order[k]` is the index of the element that lands at `k`. The comparison
/// is the user's, called as the sort would call it (a `partial_cmp(..).unwrap()` panics on
/// a NaN as the user's sort does).
pub fn sort_order<T>(
    v: &[T],
    mut compare: impl FnMut(&T, &T) -> core::cmp::Ordering,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| compare(&v[i], &v[j]));
    order
}
