//! Several tangents carried at once: forward mode along `K` directions in one pass
//! (`NAME::jvps`). Each float's tangent is a [`Tangents`], its derivative along each
//! direction side by side; the primal values are computed once for all of them.
//!
//! Forward mode's tangent rules only add tangents and scale them by primal values, so the
//! generated code is `jvp`'s, with these in place of the float tangents: every lane gets
//! exactly the operations `jvp` would apply to it, in the same order, and the `K` columns
//! equal `K` calls of `jvp` bit for bit.

use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A float type whose tangents can be carried `K` at a time (`f32`, `f64`).
pub trait LaneFloat:
    'static
    + Copy
    + PartialEq
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Zero.
    const ZERO: Self;
}

impl LaneFloat for f32 {
    const ZERO: Self = 0.0;
}

impl LaneFloat for f64 {
    const ZERO: Self = 0.0;
}

/// The tangents of one float along `K` directions: lane `k` is its derivative along
/// direction `k`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(transparent)]
pub struct Tangents<T, const K: usize>(pub [T; K]);

impl<T: LaneFloat, const K: usize> Tangents<T, K> {
    /// Zero along every direction.
    pub const ZERO: Self = Tangents([T::ZERO; K]);

    /// Lane by lane.
    #[inline(always)]
    fn map(self, f: impl Fn(T) -> T) -> Self {
        Tangents(self.0.map(f))
    }

    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(T, T) -> T) -> Self {
        let mut out = self.0;
        for (a, b) in out.iter_mut().zip(o.0) {
            *a = f(*a, b);
        }
        Tangents(out)
    }
}

/// `f64` lanes two at a time in one SSE2 register (every `x86_64` has them), for an even
/// number of lanes; `None` for any other float or lane count, which the loops above serve.
/// Written as those loops, the compiler packs some lanes and leaves others in scalar
/// registers with shuffles between them (BA's Jacobian by two lanes: 672 instructions,
/// 532 in pairs, 61 → 54 ns). Each lane gets the scalar operation's IEEE result, so lanes
/// still equal `jvp`'s bit for bit.
#[cfg(target_arch = "x86_64")]
mod pairs {
    use super::LaneFloat;
    use core::any::TypeId;
    use core::arch::x86_64::{__m128d, _mm_loadu_pd, _mm_set1_pd, _mm_storeu_pd};

    /// `op` on each pair of lanes of `a` and the same pair of `b`'s (`b(i)` gives lanes `i`
    /// and `i + 1`).
    #[inline(always)]
    fn each_pair<T: LaneFloat, const K: usize>(
        a: &[T; K],
        b: impl Fn(usize) -> __m128d,
        op: impl Fn(__m128d, __m128d) -> __m128d,
    ) -> Option<[T; K]> {
        if !K.is_multiple_of(2) || TypeId::of::<T>() != TypeId::of::<f64>() {
            return None;
        }
        let mut out = *a;
        let (from, to) = (a.as_ptr().cast::<f64>(), out.as_mut_ptr().cast::<f64>());
        for i in (0..K).step_by(2) {
            // SAFETY: `T` is `f64` (checked above), so both arrays hold `K` `f64`s, and
            // `i + 1 < K` as `K` is even.
            unsafe { _mm_storeu_pd(to.add(i), op(_mm_loadu_pd(from.add(i)), b(i))) };
        }
        Some(out)
    }

    /// `op` lane by lane on `a` and `b`.
    #[inline(always)]
    pub fn zip<T: LaneFloat, const K: usize>(
        a: &[T; K],
        b: &[T; K],
        op: impl Fn(__m128d, __m128d) -> __m128d,
    ) -> Option<[T; K]> {
        // SAFETY: `each_pair` calls it only once it found `T` to be `f64`, for `i + 1 < K`.
        each_pair(
            a,
            |i| unsafe { _mm_loadu_pd(b.as_ptr().cast::<f64>().add(i)) },
            op,
        )
    }

    /// `op` on each lane of `a` and the float `s`.
    #[inline(always)]
    pub fn scale<T: LaneFloat, const K: usize>(
        a: &[T; K],
        s: T,
        op: impl Fn(__m128d, __m128d) -> __m128d,
    ) -> Option<[T; K]> {
        if TypeId::of::<T>() != TypeId::of::<f64>() {
            return None;
        }
        // SAFETY: `T` is `f64`, and SSE2 is part of every `x86_64` target.
        let s = unsafe { _mm_set1_pd(core::mem::transmute_copy::<T, f64>(&s)) };
        each_pair(a, |_| s, op)
    }
}

/// The lanes of `a` and `b` (`Tangents`) combined by `$pairs` two at a time where
/// [`pairs`] serves them, by `$lanes` one at a time otherwise.
macro_rules! lanes {
    ($self:ident.zip($o:expr), $pairs:ident, $lanes:expr) => {{
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of every `x86_64` target.
        if let Some(out) = pairs::zip(&$self.0, &$o.0, |a, b| unsafe {
            core::arch::x86_64::$pairs(a, b)
        }) {
            return Tangents(out);
        }
        $self.zip($o, $lanes)
    }};
    ($self:ident.scale($s:expr), $pairs:ident, $lanes:expr) => {{
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of every `x86_64` target.
        if let Some(out) = pairs::scale(&$self.0, $s, |a, b| unsafe {
            core::arch::x86_64::$pairs(a, b)
        }) {
            return Tangents(out);
        }
        $self.map($lanes)
    }};
}

impl<T: LaneFloat, const K: usize> Default for Tangents<T, K> {
    #[inline]
    fn default() -> Self {
        Self::ZERO
    }
}

/// `t == 0.0`: whether every lane equals the float (the sparse tests of forward mode ask
/// whether all of a value's tangents are zero).
impl<T: LaneFloat, const K: usize> PartialEq<T> for Tangents<T, K> {
    #[inline]
    fn eq(&self, other: &T) -> bool {
        self.0.iter().all(|a| a == other)
    }
}

impl<T: LaneFloat, const K: usize> Add for Tangents<T, K> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        lanes!(self.zip(o), _mm_add_pd, |a, b| a + b)
    }
}

impl<T: LaneFloat, const K: usize> Sub for Tangents<T, K> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        lanes!(self.zip(o), _mm_sub_pd, |a, b| a - b)
    }
}

impl<T: LaneFloat, const K: usize> Neg for Tangents<T, K> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        // The sign bit flipped, as `-a` does (`-0.0` and NaNs included).
        lanes!(self.scale(-T::ZERO), _mm_xor_pd, |a| -a)
    }
}

impl<T: LaneFloat, const K: usize> Mul<T> for Tangents<T, K> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, s: T) -> Self {
        lanes!(self.scale(s), _mm_mul_pd, |a| a * s)
    }
}

impl<T: LaneFloat, const K: usize> Div<T> for Tangents<T, K> {
    type Output = Self;
    #[inline(always)]
    fn div(self, s: T) -> Self {
        lanes!(self.scale(s), _mm_div_pd, |a| a / s)
    }
}

// A constant the user's code holds by reference (`|(e, (p, _))|` over `&pairs`: `p` is a
// `&f64`), as a float multiplies and divides by one.
impl<T: LaneFloat, const K: usize> Mul<&T> for Tangents<T, K> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, s: &T) -> Self {
        self * *s
    }
}

impl<T: LaneFloat, const K: usize> Div<&T> for Tangents<T, K> {
    type Output = Self;
    #[inline(always)]
    fn div(self, s: &T) -> Self {
        self / *s
    }
}

impl<T: LaneFloat, const K: usize> AddAssign for Tangents<T, K> {
    #[inline(always)]
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl<T: LaneFloat, const K: usize> SubAssign for Tangents<T, K> {
    #[inline(always)]
    fn sub_assign(&mut self, o: Self) {
        *self = *self - o;
    }
}

impl<T: LaneFloat, const K: usize> MulAssign<T> for Tangents<T, K> {
    #[inline(always)]
    fn mul_assign(&mut self, s: T) {
        *self = *self * s;
    }
}

impl<T: LaneFloat, const K: usize> DivAssign<T> for Tangents<T, K> {
    #[inline(always)]
    fn div_assign(&mut self, s: T) {
        *self = *self / s;
    }
}

// `primal * tangent` (the product rule writes both orders). A foreign type cannot be
// generic on the left, so one impl per float type.
macro_rules! scale_from_left {
    ($($t:ty),*) => {$(
        impl<const K: usize> Mul<Tangents<$t, K>> for $t {
            type Output = Tangents<$t, K>;
            #[inline(always)]
            fn mul(self, t: Tangents<$t, K>) -> Tangents<$t, K> {
                // `s * a` equals `a * s`: IEEE products commute.
                t * self
            }
        }

        impl<const K: usize> Mul<Tangents<$t, K>> for &$t {
            type Output = Tangents<$t, K>;
            #[inline(always)]
            fn mul(self, t: Tangents<$t, K>) -> Tangents<$t, K> {
                *self * t
            }
        }
    )*};
}
scale_from_left!(f32, f64);

/// A value's tangents along `K` directions: a float's are a [`Tangents`], a sequence's or
/// array's one per element.
pub trait LanesLike<const K: usize> {
    /// The tangents' type: `Tangents<T, K>`, `Vec<..>` or `[..; N]` of them.
    type Lanes;
    /// Zero tangents shaped like `self`.
    fn lanes_like(&self) -> Self::Lanes;
}

/// Zero tangents along `K` directions, shaped like `x`.
#[inline]
pub fn lanes_like<const K: usize, S: LanesLike<K> + ?Sized>(x: &S) -> S::Lanes {
    x.lanes_like()
}

/// After `v.push(..)`: its tangents grown with zeros to `v`'s length (as `grow_like`).
#[inline]
pub fn grow_lanes<const K: usize, T: LanesLike<K>>(dot: &mut Vec<T::Lanes>, v: &[T]) {
    dot.truncate(v.len());
    let have = dot.len();
    dot.extend(v[have..].iter().map(T::lanes_like));
}

/// One direction's tangent out of tangents along several: lane `k` of each float.
pub trait Lane {
    /// Its type: a float, or a `Vec` or array of them.
    type Value;
    /// Lane `k`.
    fn lane(&self, k: usize) -> Self::Value;
}

impl<T: Copy, const K: usize> Lane for Tangents<T, K> {
    type Value = T;
    #[inline]
    fn lane(&self, k: usize) -> T {
        self.0[k]
    }
}

impl<L: Lane> Lane for [L] {
    type Value = Vec<L::Value>;
    #[inline]
    fn lane(&self, k: usize) -> Self::Value {
        self.iter().map(|l| l.lane(k)).collect()
    }
}

impl<L: Lane> Lane for Vec<L> {
    type Value = Vec<L::Value>;
    #[inline]
    fn lane(&self, k: usize) -> Self::Value {
        self.as_slice().lane(k)
    }
}

impl<L: Lane, const N: usize> Lane for [L; N] {
    type Value = [L::Value; N];
    #[inline]
    fn lane(&self, k: usize) -> Self::Value {
        self.each_ref().map(|l| l.lane(k))
    }
}

impl<L: Lane + ?Sized> Lane for &L {
    type Value = L::Value;
    #[inline]
    fn lane(&self, k: usize) -> Self::Value {
        (**self).lane(k)
    }
}

/// Lane `k` of tangents along several directions.
#[inline]
pub fn lane<L: Lane + ?Sized>(tangents: &L, k: usize) -> L::Value {
    tangents.lane(k)
}

/// A call made once per direction (`f(k)` gives the value and the tangent along direction
/// `k`, through the callee's `jvp`): the value, and the `K` tangents as one. The callee's
/// value is computed `K` times; a callee whose own code is generated for several directions
/// would compute it once.
#[inline]
pub fn per_lane<const K: usize, V, S: Directions<K>>(
    mut f: impl FnMut(usize) -> (V, S),
) -> (V, S::Lanes) {
    let mut value = None;
    let tangents: [S; K] = core::array::from_fn(|k| {
        let (v, t) = f(k);
        value.get_or_insert(v);
        t
    });
    let value = value.expect("`jvps` takes at least one direction (`LANES` ≥ 1)");
    (value, S::pack(tangents.each_ref(), "result"))
}

/// `K` directions of a parameter (each of the parameter's own type) as one value of
/// The upstream gradients of all `K` outputs of a function returning `[T; K]`, carried at
/// once: output `k`'s is `one` in lane `k` (a Jacobian's `K` rows in one backward pass,
/// `NAME::__jacobian_lanes`).
#[inline]
pub fn unit_lanes<T: LaneFloat, const K: usize>(one: T) -> [Tangents<T, K>; K] {
    core::array::from_fn(|k| {
        let mut lanes = [T::ZERO; K];
        lanes[k] = one;
        Tangents(lanes)
    })
}

/// [`Tangents`], and back.
pub trait Directions<const K: usize>: LanesLike<K> {
    /// The owned type of one direction (`Vec<T>` for a slice).
    type Owned;
    /// Lane `k` of each element is direction `k`'s element. Panics, naming the parameter,
    /// when the directions' shapes differ.
    fn pack(dirs: [&Self; K], name: &str) -> Self::Lanes;
    /// Direction `k` of each element, as `K` values.
    fn unpack(lanes: &Self::Lanes) -> [Self::Owned; K];
}

/// Packs `K` directions (`dirs[k]` is direction `k`) into tangents.
#[inline]
pub fn pack<const K: usize, S: Directions<K> + ?Sized>(dirs: [&S; K], name: &str) -> S::Lanes {
    S::pack(dirs, name)
}

/// The `K` directional derivatives held in tangents.
#[inline]
pub fn unpack<const K: usize, S: Directions<K> + ?Sized>(lanes: &S::Lanes) -> [S::Owned; K] {
    S::unpack(lanes)
}

macro_rules! float_lanes {
    ($($t:ty),*) => {$(
        impl<const K: usize> LanesLike<K> for $t {
            type Lanes = Tangents<$t, K>;
            #[inline]
            fn lanes_like(&self) -> Self::Lanes {
                Tangents::ZERO
            }
        }
        impl<const K: usize> Directions<K> for $t {
            type Owned = $t;
            #[inline]
            fn pack(dirs: [&Self; K], _name: &str) -> Self::Lanes {
                Tangents(dirs.map(|d| *d))
            }
            #[inline]
            fn unpack(lanes: &Self::Lanes) -> [$t; K] {
                lanes.0
            }
        }
    )*};
}
float_lanes!(f32, f64);

impl<const K: usize, T: LanesLike<K>> LanesLike<K> for [T] {
    type Lanes = Vec<T::Lanes>;
    #[inline]
    fn lanes_like(&self) -> Self::Lanes {
        self.iter().map(T::lanes_like).collect()
    }
}

impl<const K: usize, T: LanesLike<K>> LanesLike<K> for Vec<T> {
    type Lanes = Vec<T::Lanes>;
    #[inline]
    fn lanes_like(&self) -> Self::Lanes {
        self.as_slice().lanes_like()
    }
}

impl<const K: usize, const N: usize, T: LanesLike<K>> LanesLike<K> for [T; N] {
    type Lanes = [T::Lanes; N];
    #[inline]
    fn lanes_like(&self) -> Self::Lanes {
        core::array::from_fn(|i| self[i].lanes_like())
    }
}

impl<const K: usize, S: LanesLike<K> + ?Sized> LanesLike<K> for &S {
    type Lanes = S::Lanes;
    #[inline]
    fn lanes_like(&self) -> Self::Lanes {
        (**self).lanes_like()
    }
}

/// Element `i` of each direction, checked to have the same length.
fn same_lengths<T, const K: usize>(dirs: &[&[T]; K], name: &str) -> usize {
    let len = dirs.first().map_or(0, |d| d.len());
    if let Some(k) = dirs.iter().position(|d| d.len() != len) {
        directions_mismatch(name, k, dirs[k].len(), len);
    }
    len
}

#[cold]
#[inline(never)]
fn directions_mismatch(name: &str, k: usize, got: usize, want: usize) -> ! {
    panic!(
        "the tangent of `{name}` along direction {k} has {got} elements, direction 0's has {want}: every direction must have the parameter's shape"
    )
}

impl<const K: usize, T: Directions<K>> Directions<K> for [T] {
    type Owned = Vec<T::Owned>;
    fn pack(dirs: [&Self; K], name: &str) -> Self::Lanes {
        let len = same_lengths(&dirs, name);
        (0..len)
            .map(|i| T::pack(dirs.map(|d| &d[i]), name))
            .collect()
    }
    fn unpack(lanes: &Self::Lanes) -> [Vec<T::Owned>; K] {
        let mut out: [Vec<T::Owned>; K] = core::array::from_fn(|_| Vec::with_capacity(lanes.len()));
        for l in lanes {
            for (o, v) in out.iter_mut().zip(T::unpack(l)) {
                o.push(v);
            }
        }
        out
    }
}

impl<const K: usize, T: Directions<K>> Directions<K> for Vec<T> {
    type Owned = Vec<T::Owned>;
    fn pack(dirs: [&Self; K], name: &str) -> Self::Lanes {
        <[T]>::pack(dirs.map(|d| d.as_slice()), name)
    }
    fn unpack(lanes: &Self::Lanes) -> [Vec<T::Owned>; K] {
        <[T]>::unpack(lanes)
    }
}

impl<const K: usize, const N: usize, T: Directions<K>> Directions<K> for [T; N] {
    type Owned = [T::Owned; N];
    fn pack(dirs: [&Self; K], name: &str) -> Self::Lanes {
        core::array::from_fn(|i| T::pack(dirs.map(|d| &d[i]), name))
    }
    fn unpack(lanes: &Self::Lanes) -> [[T::Owned; N]; K] {
        let mut columns = lanes.each_ref().map(|l| T::unpack(l).map(Some));
        core::array::from_fn(|k| {
            core::array::from_fn(|i| columns[i][k].take().expect("each taken once"))
        })
    }
}

impl<const K: usize, S: Directions<K> + ?Sized> Directions<K> for &S {
    type Owned = S::Owned;
    fn pack(dirs: [&Self; K], name: &str) -> Self::Lanes {
        S::pack(dirs.map(|d| &**d), name)
    }
    fn unpack(lanes: &Self::Lanes) -> [S::Owned; K] {
        S::unpack(lanes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_lane_by_lane() {
        let a = Tangents([1.0, -2.0, 0.5]);
        let b = Tangents([0.25, 4.0, -1.0]);
        assert_eq!(a + b, Tangents([1.25, 2.0, -0.5]));
        assert_eq!(a - b, Tangents([0.75, -6.0, 1.5]));
        assert_eq!(-a, Tangents([-1.0, 2.0, -0.5]));
        assert_eq!(a * 2.0, Tangents([2.0, -4.0, 1.0]));
        assert_eq!(2.0 * a, Tangents([2.0, -4.0, 1.0]));
        assert_eq!(a / 2.0, Tangents([0.5, -1.0, 0.25]));
        let mut c = a;
        c += b;
        c -= a;
        c *= 3.0;
        c /= 3.0;
        assert_eq!(c, b);
        assert!(Tangents::<f64, 3>::ZERO == 0.0);
        assert!(a != 0.0);
        assert!(Tangents([0.0, 0.0, 1e-300]) != 0.0);
    }

    #[test]
    fn directions_pack_and_unpack_every_shape() {
        let (x, y) = (vec![1.0, 2.0], vec![3.0, 4.0]);
        let packed = pack::<2, [f64]>([&x[..], &y[..]], "x");
        assert_eq!(packed, vec![Tangents([1.0, 3.0]), Tangents([2.0, 4.0])]);
        assert_eq!(unpack::<2, [f64]>(&packed), [x.clone(), y.clone()]);
        let packed = pack::<2, Vec<f64>>([&x, &y], "x");
        assert_eq!(unpack::<2, Vec<f64>>(&packed), [x, y]);
        let (a, b, c) = ([1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]);
        let packed = pack::<3, [f32; 3]>([&a, &b, &c], "a");
        assert_eq!(packed[1], Tangents([2.0, 5.0, 8.0]));
        assert_eq!(unpack::<3, [f32; 3]>(&packed), [a, b, c]);
        let nested = [
            vec![vec![1.0], vec![2.0, 3.0]],
            vec![vec![4.0], vec![5.0, 6.0]],
        ];
        let packed = pack::<2, Vec<Vec<f64>>>([&nested[0], &nested[1]], "n");
        assert_eq!(packed[1][1], Tangents([3.0, 6.0]));
        assert_eq!(unpack::<2, Vec<Vec<f64>>>(&packed), nested);
        assert_eq!(pack::<2, f64>([&1.5, &2.5], "s"), Tangents([1.5, 2.5]));
        let zeros: Vec<Tangents<f64, 4>> = lanes_like::<4, _>(&vec![0.0; 3]);
        assert_eq!(zeros, vec![Tangents::ZERO; 3]);
    }

    #[test]
    #[should_panic(expected = "the tangent of `x` along direction 1 has 3 elements")]
    fn directions_of_different_lengths_are_refused() {
        pack::<2, [f64]>([&[1.0, 2.0][..], &[1.0, 2.0, 3.0][..]], "x");
    }
}
