//! What the reverse sweep needs from the forward pass of loops and branches.
//!
//! Straight-line code saves nothing: every value the backward pass reads is a local the
//! pullback closure captures. A loop body overwrites its locals on every iteration, so the
//! values its reverse sweep reads are pushed on a [`Stack`] (one per saved variable, typed,
//! amortized growth, no boxing) and popped in reverse order, the scheme of Tapenade.
//! A `for` loop over a range replays its indices arithmetically ([`Steps::replay`]), so a
//! loop index is never saved.

/// A last-in, first-out store of the values one variable held in the forward pass.
#[derive(Debug, Clone)]
pub struct Stack<T> {
    items: Vec<T>,
}

impl<T> Default for Stack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Stack<T> {
    /// An empty stack; allocates only on the first push.
    #[inline]
    pub const fn new() -> Self {
        Stack { items: Vec::new() }
    }

    /// Makes room for `additional` more values (a loop of known length saves one per
    /// iteration).
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.items.reserve(additional);
    }

    /// Saves a value.
    #[inline]
    pub fn push(&mut self, value: T) {
        self.items.push(value);
    }

    /// Takes back the value saved last.
    #[inline]
    pub fn pop(&mut self) -> T {
        match self.items.pop() {
            Some(value) => value,
            None => underflow(),
        }
    }

    /// How many values are saved.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is saved.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cold]
#[inline(never)]
fn underflow() -> ! {
    panic!(
        "backprop: the reverse sweep popped a value the forward pass did not save; \
         this is a bug in backprop, please report it"
    )
}

/// Integer types a `for` loop of a differentiated function may count with.
pub trait LoopIndex: Copy {
    #[doc(hidden)]
    fn to_i128(self) -> i128;
    #[doc(hidden)]
    fn from_i128(value: i128) -> Self;
}

macro_rules! loop_index {
    ($($t:ty),*) => {$(
        impl LoopIndex for $t {
            #[inline(always)]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[inline(always)]
            fn from_i128(value: i128) -> Self {
                value as $t
            }
        }
    )*};
}
loop_index!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// The arithmetic progression a range loop runs over: `len` values from `first`, `step` apart.
///
/// It iterates exactly like the `std` range it is made from (`a..b`, `a..=b`, `.rev()`,
/// `.step_by(k)` in any order), and [`replay`](Steps::replay) yields the values of the first
/// `count` iterations in reverse order, which is what a reverse sweep runs over, also when
/// the forward loop left early with `break` or `return`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps<I> {
    next: i128,
    step: i128,
    len: usize,
    index: core::marker::PhantomData<I>,
}

/// The progression of `a..b` or `a..=b`.
#[inline]
pub fn steps<R: IntoSteps>(range: R) -> Steps<R::Index> {
    range.into_steps()
}

/// Ranges [`steps`] accepts.
pub trait IntoSteps {
    /// The integer type of the loop variable.
    type Index: LoopIndex;
    #[doc(hidden)]
    fn into_steps(self) -> Steps<Self::Index>;
}

impl<I: LoopIndex> IntoSteps for core::ops::Range<I> {
    type Index = I;
    #[inline]
    fn into_steps(self) -> Steps<I> {
        let (a, b) = (self.start.to_i128(), self.end.to_i128());
        Steps::from_parts(a, 1, if b > a { (b - a) as usize } else { 0 })
    }
}

impl<I: LoopIndex> IntoSteps for core::ops::RangeInclusive<I> {
    type Index = I;
    #[inline]
    fn into_steps(self) -> Steps<I> {
        let (a, b) = (self.start().to_i128(), self.end().to_i128());
        Steps::from_parts(a, 1, if b >= a { (b - a + 1) as usize } else { 0 })
    }
}

impl<I: LoopIndex> Steps<I> {
    #[inline]
    fn from_parts(first: i128, step: i128, len: usize) -> Self {
        Steps {
            next: first,
            step,
            len,
            index: core::marker::PhantomData,
        }
    }

    /// The same values in the opposite order, like `Iterator::rev`.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn rev(self) -> Self {
        let last = self.next + self.step * (self.len as i128 - 1).max(0);
        Self::from_parts(last, -self.step, self.len)
    }

    /// Every `k`-th value from the first, like `Iterator::step_by`.
    ///
    /// # Panics
    /// When `k` is 0, as `Iterator::step_by` does.
    #[inline]
    pub fn step_by(self, k: usize) -> Self {
        assert!(k != 0, "assertion failed: step != 0");
        Self::from_parts(self.next, self.step * k as i128, self.len.div_ceil(k))
    }

    /// The values of the first `count` iterations, last first.
    #[inline]
    pub fn replay(self, count: usize) -> Self {
        let count = count.min(self.len);
        let last = self.next + self.step * (count as i128 - 1).max(0);
        Self::from_parts(last, -self.step, count)
    }
}

impl<I: LoopIndex> Iterator for Steps<I> {
    type Item = I;
    #[inline]
    fn next(&mut self) -> Option<I> {
        if self.len == 0 {
            return None;
        }
        let value = I::from_i128(self.next);
        self.next += self.step;
        self.len -= 1;
        Some(value)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len, Some(self.len))
    }
}

impl<I: LoopIndex> ExactSizeIterator for Steps<I> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn same<I: Iterator<Item = i32> + Clone>(ours: Steps<i32>, std: I) {
        let expected: Vec<i32> = std.clone().collect();
        assert_eq!(ours.collect::<Vec<_>>(), expected);
        for count in 0..=expected.len() {
            let mut first: Vec<i32> = expected[..count].to_vec();
            first.reverse();
            assert_eq!(
                ours.replay(count).collect::<Vec<_>>(),
                first,
                "count {count}"
            );
        }
    }

    #[test]
    fn matches_std_ranges() {
        for a in -4..5i32 {
            for b in -4..9i32 {
                same(steps(a..b), a..b);
                same(steps(a..=b), a..=b);
                same(steps(a..b).rev(), (a..b).rev());
                same(steps(a..=b).rev(), (a..=b).rev());
                for k in 1..5 {
                    same(steps(a..b).step_by(k), (a..b).step_by(k));
                    same(steps(a..b).rev().step_by(k), (a..b).rev().step_by(k));
                    same(steps(a..b).step_by(k).rev(), (a..b).step_by(k).rev());
                    same(steps(a..=b).step_by(k), (a..=b).step_by(k));
                    same(steps(a..=b).rev().step_by(k), (a..=b).rev().step_by(k));
                }
            }
        }
    }

    #[test]
    fn unsigned_indices_near_zero() {
        let v: Vec<usize> = steps(0..3usize).rev().collect();
        assert_eq!(v, [2, 1, 0]);
        let r: Vec<usize> = steps(0..3usize).replay(3).collect();
        assert_eq!(r, [2, 1, 0]);
        assert_eq!(steps(0..0usize).replay(0).count(), 0);
    }

    #[test]
    fn stack_is_lifo() {
        let mut s = Stack::new();
        s.push(1.0);
        s.push(2.0);
        assert_eq!(s.len(), 2);
        assert_eq!(s.pop(), 2.0);
        assert_eq!(s.pop(), 1.0);
        assert!(s.is_empty());
    }
}
