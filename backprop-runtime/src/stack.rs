//! What the reverse sweep needs from the forward pass of loops and branches.
//!
//! Straight-line code saves nothing: every value the backward pass reads is a local the
//! pullback closure captures. A loop body overwrites its locals on every iteration, so the
//! values its reverse sweep reads are pushed on a [`Stack`] (one per saved variable, typed,
//! amortized growth, no boxing) and popped in reverse order, the scheme of Tapenade.
//! A `for` loop over a range replays its indices arithmetically ([`Steps::replay`]), so a
//! loop index is never saved.

/// A last-in, first-out store of the values one variable held in the forward pass.
///
/// Storage reserved for a loop of known length comes from a small per-thread pool, and
/// every stack's storage goes back to it when the stack is dropped ([`release_pool`]), so a
/// gradient called again and again reuses the memory of its previous call instead of asking
/// the allocator (and, for large stacks, the kernel) for fresh pages each time. `push`
/// itself is `Vec::push`: the pool costs the loops nothing.
#[derive(Debug)]
pub struct Stack<T> {
    items: Vec<T>,
}

impl<T: Clone> Clone for Stack<T> {
    /// The same values, on storage from the pool (a Jacobian's reverse passes each consume
    /// a copy of what the forward pass saved).
    fn clone(&self) -> Self {
        let mut copy = Stack::new();
        copy.reserve(self.items.len());
        copy.items.extend_from_slice(&self.items);
        copy
    }
}

impl<T> Default for Stack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Stack<T> {
    /// An empty stack; takes storage only on the first push.
    #[inline]
    pub const fn new() -> Self {
        Stack { items: Vec::new() }
    }

    /// Makes room for `additional` more values (a loop of known length saves one per
    /// iteration).
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        if self.items.capacity() - self.items.len() < additional {
            self.grow(additional);
        }
    }

    /// A stack on the largest buffer the pool has (empty if it has none): for a stack whose
    /// pushes no [`Stack::reserve`] counts beforehand (a `while` loop's), so that a call
    /// after the first grows it in memory the previous call left.
    pub fn pooled() -> Self {
        Stack {
            items: pool::take(pool::Which::Stacks, 1).unwrap_or_default(),
        }
    }

    /// Saves a value.
    #[inline]
    pub fn push(&mut self, value: T) {
        self.items.push(value);
    }

    /// Saves a value into room a [`Stack::reserve`] made for it before the loop: no call on
    /// the loop's path, neither to the allocator nor to a panic, so the loop's floats stay in
    /// registers (a possible call makes the compiler keep them in memory: `lse`'s saved
    /// `exp`, whose room the compiler could not prove, ran 1.6× slower with a panic here).
    ///
    /// If the reserved room is used up, which would mean the macro counted a loop's pushes
    /// short (a bug in backprop), the stack lets go of its storage (leaked, never read
    /// again) and is left with no room at all: every later `push_reserved` saves nothing,
    /// so the reverse sweep runs out of values on it and [`Stack::pop`] panics before the
    /// pullback returns anything.
    #[inline]
    pub fn push_reserved(&mut self, value: T) {
        match self.items.spare_capacity_mut().first_mut() {
            Some(slot) => {
                slot.write(value);
                // SAFETY: the element at the old length was initialized just above, and it
                // is within the capacity.
                unsafe { self.items.set_len(self.items.len() + 1) }
            }
            None => core::mem::forget(core::mem::take(&mut self.items)),
        }
    }

    /// Takes back the value saved last.
    #[inline]
    pub fn pop(&mut self) -> T {
        match self.items.pop() {
            Some(value) => value,
            None => underflow(),
        }
    }

    /// Saves the elements `lo..hi` of an array a loop over `lo..hi` is about to overwrite,
    /// at once instead of one push per write. The range is the loop's: it may be empty
    /// (`lo ≥ hi`, a loop that does not run) or reach past the array (a loop that leaves
    /// before it gets there), so only what it has of the array is copied, never a panic the
    /// loop itself would not raise.
    #[inline]
    pub fn push_range(&mut self, values: &[T], lo: usize, hi: usize)
    where
        T: Copy,
    {
        let values = &values[clamped(lo, hi, values.len())];
        self.reserve(values.len());
        self.items.extend_from_slice(values);
    }

    /// Takes back the elements saved last by [`Stack::push_range`] with the same bounds, into
    /// the same array.
    #[inline]
    pub fn pop_range(&mut self, into: &mut [T], lo: usize, hi: usize)
    where
        T: Copy,
    {
        let len = into.len();
        let into = &mut into[clamped(lo, hi, len)];
        let Some(start) = self.items.len().checked_sub(into.len()) else {
            underflow()
        };
        into.copy_from_slice(&self.items[start..]);
        self.items.truncate(start);
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

    /// Room for `additional` more values: the first time from the pool, then as `Vec` grows.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) {
        if self.items.capacity() == 0
            && let Some(items) = pool::take::<T>(pool::Which::Stacks, additional)
        {
            self.items = items;
            return;
        }
        self.items.reserve(additional);
    }
}

impl<T> Drop for Stack<T> {
    fn drop(&mut self) {
        self.items.clear();
        pool::give(pool::Which::Stacks, core::mem::take(&mut self.items));
    }
}

/// The [`Stack`] of an array's saved elements: single elements (`push`, `pop`), and ranges a
/// loop is about to overwrite (`push_range`, `pop_range`). A range of at least
/// [`OWN_BUFFER_BYTES`] goes into a buffer of its own, from a pool of such buffers:
/// [`ElemStack::pop_range`] then gives a `Vec` saved whole its buffer back by swapping (no
/// element copied), the `Vec`'s old buffer going to the pool for the next copy. (Stacks of
/// values are plain [`Stack`]s: their loops pay nothing for this.)
#[derive(Debug, Default)]
pub struct ElemStack<T> {
    stack: Stack<T>,
    copies: Vec<Vec<T>>,
}

impl<T: Clone> Clone for ElemStack<T> {
    /// The same values and copies, on storage from the pools.
    fn clone(&self) -> Self {
        let mut copies = Vec::with_capacity(self.copies.len());
        for saved in &self.copies {
            let mut buffer = own_buffer(saved.len());
            buffer.extend_from_slice(saved);
            copies.push(buffer);
        }
        ElemStack {
            stack: self.stack.clone(),
            copies,
        }
    }
}

impl<T> ElemStack<T> {
    /// An empty stack; takes storage only on the first push.
    #[inline]
    pub const fn new() -> Self {
        ElemStack {
            stack: Stack::new(),
            copies: Vec::new(),
        }
    }

    /// [`Stack::reserve`].
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.stack.reserve(additional);
    }

    /// [`Stack::push`].
    #[inline]
    pub fn push(&mut self, value: T) {
        self.stack.push(value);
    }

    /// [`Stack::push_reserved`].
    #[inline]
    pub fn push_reserved(&mut self, value: T) {
        self.stack.push_reserved(value);
    }

    /// [`Stack::pop`].
    #[inline]
    pub fn pop(&mut self) -> T {
        self.stack.pop()
    }

    /// [`Stack::push_range`], a range of [`OWN_BUFFER_BYTES`] or more in a buffer of its own.
    #[inline]
    pub fn push_range(&mut self, values: &[T], lo: usize, hi: usize)
    where
        T: Copy,
    {
        let range = clamped(lo, hi, values.len());
        if !owns_buffer::<T>(range.len()) {
            return self.stack.push_range(values, lo, hi);
        }
        let mut copy = own_buffer(range.len());
        copy.extend_from_slice(&values[range]);
        if self.copies.len() == self.copies.capacity() {
            self.grow_copies();
        }
        self.copies.push(copy);
    }

    /// Takes back the elements saved last by [`ElemStack::push_range`] with the same bounds,
    /// into the same array: a `Vec` saved whole takes the copy's buffer instead.
    #[inline]
    pub fn pop_range<A: Restore<T> + ?Sized>(&mut self, into: &mut A, lo: usize, hi: usize)
    where
        T: Copy,
    {
        let range = clamped(lo, hi, into.elements().len());
        if !owns_buffer::<T>(range.len()) {
            return self.stack.pop_range(into.elements(), lo, hi);
        }
        let Some(copy) = self.copies.pop() else {
            underflow()
        };
        let mut spare = into.restore(copy, range);
        spare.clear();
        pool::give(pool::Which::Copies, spare);
    }

    /// How many values are saved.
    #[inline]
    pub fn len(&self) -> usize {
        self.stack.len() + self.copies.iter().map(Vec::len).sum::<usize>()
    }

    /// Whether nothing is saved.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.stack.is_empty() && self.copies.iter().all(Vec::is_empty)
    }

    /// Room for more copies in buffers of their own: the first time a list from the pool
    /// (one a previous call's stack left), or one of 64, then as `Vec` grows.
    #[cold]
    #[inline(never)]
    fn grow_copies(&mut self) {
        if self.copies.capacity() == 0 {
            self.copies =
                pool::take(pool::Which::Lists, 1).unwrap_or_else(|| Vec::with_capacity(64));
        }
        self.copies.reserve(1);
    }
}

impl<T> Drop for ElemStack<T> {
    fn drop(&mut self) {
        for mut copy in self.copies.drain(..) {
            copy.clear();
            pool::give(pool::Which::Copies, copy);
        }
        pool::give(pool::Which::Lists, core::mem::take(&mut self.copies));
    }
}

/// Ranges of at least this many bytes are copied into a buffer of their own
/// ([`ElemStack::push_range`]): a `Vec` that size costs more to copy back than to swap with its
/// copy and hand its buffer to the pool.
pub const OWN_BUFFER_BYTES: usize = 4096;

#[inline]
fn owns_buffer<T>(len: usize) -> bool {
    len.saturating_mul(core::mem::size_of::<T>()) >= OWN_BUFFER_BYTES
}

/// An empty buffer for a copy of `len` values: from the pool when one of about that size
/// was given back lately.
fn own_buffer<T>(len: usize) -> Vec<T> {
    pool::take(pool::Which::Copies, len).unwrap_or_else(|| Vec::with_capacity(len))
}

/// An array [`Stack::pop_range`] restores: its elements, and how a copy of `range` of them
/// comes back. A `Vec` copied whole takes the copy's buffer (and gives its own back);
/// anything else has the elements copied in, and gives the copy's buffer back.
pub trait Restore<T> {
    /// All its elements.
    fn elements(&mut self) -> &mut [T];

    /// Takes back `copy` of the elements `range`; returns the buffer no longer needed.
    #[inline]
    fn restore(&mut self, copy: Vec<T>, range: core::ops::Range<usize>) -> Vec<T>
    where
        T: Copy,
    {
        self.elements()[range].copy_from_slice(&copy);
        copy
    }
}

impl<T> Restore<T> for [T] {
    #[inline]
    fn elements(&mut self) -> &mut [T] {
        self
    }
}

impl<T, const N: usize> Restore<T> for [T; N] {
    #[inline]
    fn elements(&mut self) -> &mut [T] {
        self
    }
}

impl<T> Restore<T> for Vec<T> {
    #[inline]
    fn elements(&mut self) -> &mut [T] {
        self
    }

    #[inline]
    fn restore(&mut self, copy: Vec<T>, range: core::ops::Range<usize>) -> Vec<T>
    where
        T: Copy,
    {
        if range == (0..self.len()) && copy.len() == self.len() {
            return core::mem::replace(self, copy);
        }
        self[range].copy_from_slice(&copy);
        copy
    }
}

impl<T, A: Restore<T> + ?Sized> Restore<T> for &mut A {
    #[inline]
    fn elements(&mut self) -> &mut [T] {
        (**self).elements()
    }

    #[inline]
    fn restore(&mut self, copy: Vec<T>, range: core::ops::Range<usize>) -> Vec<T>
    where
        T: Copy,
    {
        (**self).restore(copy, range)
    }
}

/// `lo..hi` within `0..len`, empty when `lo ≥ hi`.
#[inline]
fn clamped(lo: usize, hi: usize, len: usize) -> core::ops::Range<usize> {
    let hi = hi.min(len);
    lo.min(hi)..hi
}

/// Gradient vectors shorter than this are left to the allocator (its per-thread cache is
/// as fast for them as the pool's lookup).
const POOLED_GRADIENT: usize = 16;

/// `len` copies of `zero` on a buffer from the per-thread pool when one of about that size
/// is there (a gradient vector a pullback makes, then [`recycle`]d by the caller that adds
/// it up), else freshly allocated.
pub(crate) fn pooled_zeros<T: Copy>(len: usize, zero: T) -> Vec<T> {
    if len < POOLED_GRADIENT {
        return vec![zero; len];
    }
    match pool::take::<T>(pool::Which::Grads, len) {
        Some(mut items) => {
            items.resize(len, zero);
            items
        }
        None => vec![zero; len],
    }
}

/// Gives a gradient vector that has been added up back to the per-thread pool.
pub(crate) fn recycle<T>(mut items: Vec<T>) {
    if items.capacity() < POOLED_GRADIENT {
        return;
    }
    items.clear();
    pool::give(pool::Which::Grads, items);
}

/// Frees the storage the current thread keeps for the stacks of later gradient calls.
///
/// Each thread keeps the buffers of the stacks its last gradient calls used (at most
/// [`POOL_BUFFERS`] of them), so that the next call of the same gradient allocates nothing.
/// Call this after a thread's last gradient to give that memory back.
pub fn release_pool() {
    pool::release();
}

/// How many buffers a thread keeps for later stacks.
pub const POOL_BUFFERS: usize = 32;

/// How many buffers of whole copies ([`OWN_BUFFER_BYTES`] or more) a thread keeps for later
/// copies: a gradient that copies an array at each of a few thousand steps reuses them all.
pub const COPY_BUFFERS: usize = 4096;

/// The per-thread pool of stack buffers: raw allocations remembered with their layout, so a
/// buffer made for `Vec<A>` is rebuilt only as a `Vec<B>` of the same alignment whose
/// element size divides the buffer's size exactly (the layout `Vec::from_raw_parts` needs).
mod pool {
    use super::{COPY_BUFFERS, POOL_BUFFERS};
    use core::cell::RefCell;
    use core::mem::{ManuallyDrop, align_of, size_of};
    use core::ptr::NonNull;
    use std::alloc::{Layout, dealloc};

    struct Buffer {
        ptr: NonNull<u8>,
        layout: Layout,
    }

    #[derive(Default)]
    struct Pool(Vec<Buffer>);

    impl Drop for Pool {
        fn drop(&mut self) {
            for b in self.0.drain(..) {
                // SAFETY: each buffer was allocated by `Vec` with exactly this layout and is
                // owned by the pool alone.
                unsafe { dealloc(b.ptr.as_ptr(), b.layout) }
            }
        }
    }

    thread_local! {
        static POOL: RefCell<Pool> = const { RefCell::new(Pool(Vec::new())) };
        static GRADS: RefCell<Pool> = const { RefCell::new(Pool(Vec::new())) };
        static COPIES: RefCell<Pool> = const { RefCell::new(Pool(Vec::new())) };
        static LISTS: RefCell<Pool> = const { RefCell::new(Pool(Vec::new())) };
    }

    /// Which pool: the stacks' (up to [`POOL_BUFFERS`] buffers, the largest that fits
    /// taken), or the gradient vectors' (a few, taken by size), kept apart so that taking a
    /// small gradient vector scans a short list and never takes a stack's buffer.
    #[derive(Clone, Copy)]
    pub(super) enum Which {
        Stacks,
        Grads,
        /// Whole copies of large arrays ([`super::ElemStack::push_range`]): many of one size,
        /// given back in the order the next call takes them, so taken from the most recent
        /// few.
        Copies,
        /// The lists of those copies, one per stack: the largest taken.
        Lists,
    }

    impl Which {
        fn key(self) -> &'static std::thread::LocalKey<RefCell<Pool>> {
            match self {
                Which::Stacks => &POOL,
                Which::Grads => &GRADS,
                Which::Copies => &COPIES,
                Which::Lists => &LISTS,
            }
        }

        fn limit(self) -> usize {
            match self {
                Which::Stacks => POOL_BUFFERS,
                Which::Grads => 8,
                Which::Copies => COPY_BUFFERS,
                Which::Lists => POOL_BUFFERS,
            }
        }
    }

    /// An empty `Vec<T>` on a pooled buffer with room for `at_least` values, if one fits:
    /// for a stack the largest (a stack that grew once will grow as far again), for a
    /// gradient vector the smallest, at most twice as large.
    pub(super) fn take<T>(which: Which, at_least: usize) -> Option<Vec<T>> {
        let size = size_of::<T>();
        if size == 0 {
            return None;
        }
        let snug = matches!(which, Which::Grads | Which::Copies);
        which
            .key()
            .try_with(|pool| {
                let mut pool = pool.try_borrow_mut().ok()?;
                let fits = |b: &Buffer| {
                    let room = b.layout.size() / size;
                    b.layout.align() == align_of::<T>()
                        && b.layout.size().is_multiple_of(size)
                        && room >= at_least
                        && (!snug || room <= at_least.saturating_mul(2))
                };
                let b = if let Which::Copies = which {
                    // The most recent few, in order: a copy's buffer comes back where the
                    // next call's copy of the same array looks for it.
                    let recent = pool.0.len().saturating_sub(8);
                    let i = (recent..pool.0.len()).rev().find(|&i| fits(&pool.0[i]))?;
                    pool.0.remove(i)
                } else {
                    let fitting = pool.0.iter().enumerate().filter(|(_, b)| fits(b));
                    let (i, _) = if snug {
                        fitting.min_by_key(|(_, b)| b.layout.size())?
                    } else {
                        fitting.max_by_key(|(_, b)| b.layout.size())?
                    };
                    pool.0.swap_remove(i)
                };
                // SAFETY: the buffer was allocated by the global allocator for a `Vec` with this
                // alignment and size; `capacity · size_of::<T>()` is that size exactly, and the
                // pool gave up its ownership.
                Some(unsafe {
                    Vec::from_raw_parts(b.ptr.as_ptr().cast::<T>(), 0, b.layout.size() / size)
                })
            })
            .ok()
            .flatten()
    }

    /// Keeps an empty `Vec`'s buffer for a later stack or gradient vector (or frees it when
    /// the pool is full).
    pub(super) fn give<T>(which: Which, items: Vec<T>) {
        debug_assert!(items.is_empty());
        let size = items.capacity() * size_of::<T>();
        if size == 0 {
            return;
        }
        let layout = Layout::from_size_align(size, align_of::<T>()).expect("a Vec's layout");
        let mut items = ManuallyDrop::new(items);
        let buffer = Buffer {
            ptr: NonNull::new(items.as_mut_ptr().cast::<u8>()).expect("an allocated Vec"),
            layout,
        };
        let kept = which.key().try_with(|pool| {
            let Ok(mut pool) = pool.try_borrow_mut() else {
                return false;
            };
            if pool.0.len() == which.limit() {
                if let Which::Copies = which {
                    // Full of copies' buffers, of a few sizes: no search for a smaller one.
                    return false;
                }
                // Full: the smallest buffer makes room.
                let (i, _) = pool
                    .0
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, b)| b.layout.size())
                    .expect("a full pool has buffers");
                if pool.0[i].layout.size() >= size {
                    return false;
                }
                let old = pool.0.swap_remove(i);
                // SAFETY: as in `Pool::drop`.
                unsafe { dealloc(old.ptr.as_ptr(), old.layout) }
            }
            pool.0.push(Buffer {
                ptr: buffer.ptr,
                layout,
            });
            true
        });
        if kept != Ok(true) {
            // SAFETY: the pool did not take the buffer, which `items` allocated with this
            // layout and no longer owns.
            unsafe { dealloc(buffer.ptr.as_ptr(), layout) }
        }
    }

    #[cfg(test)]
    pub(super) fn len() -> usize {
        POOL.with(|pool| pool.borrow().0.len())
    }

    /// Frees every pooled buffer of this thread.
    pub(super) fn release() {
        for key in [&POOL, &GRADS, &COPIES, &LISTS] {
            let _ = key.try_with(|pool| {
                if let Ok(mut pool) = pool.try_borrow_mut() {
                    *pool = Pool::default();
                }
            });
        }
    }
}

/// A [`Stack`] of at most `N` values, kept inline (no heap): for values saved outside every
/// loop, where `N` push sites run at most once each.
pub struct InlineStack<T, const N: usize> {
    items: [core::mem::MaybeUninit<T>; N],
    len: usize,
}

impl<T, const N: usize> Default for InlineStack<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> InlineStack<T, N> {
    /// An empty stack.
    #[inline]
    pub const fn new() -> Self {
        InlineStack {
            items: [const { core::mem::MaybeUninit::uninit() }; N],
            len: 0,
        }
    }

    /// Saves a value.
    ///
    /// # Panics
    /// When `N` values are saved already (a bug in the generated code).
    #[inline]
    pub fn push(&mut self, value: T) {
        if self.len == N {
            underflow();
        }
        self.items[self.len].write(value);
        self.len += 1;
    }

    /// Takes back the value saved last.
    #[inline]
    pub fn pop(&mut self) -> T {
        if self.len == 0 {
            underflow();
        }
        self.len -= 1;
        // SAFETY: the slots below `len` hold values `push` wrote and nothing has read.
        unsafe { self.items[self.len].assume_init_read() }
    }

    /// Saves the elements `lo..hi` of an array (as much of the range as the array has), like
    /// [`Stack::push_range`]: for a copy made outside every loop, whose bounds are known.
    ///
    /// # Panics
    /// When more than `N` values would be saved (a bug in the generated code).
    #[inline]
    pub fn push_range(&mut self, values: &[T], lo: usize, hi: usize)
    where
        T: Copy,
    {
        for &v in &values[clamped(lo, hi, values.len())] {
            self.push(v);
        }
    }

    /// Takes back the elements saved last by [`InlineStack::push_range`] with the same
    /// bounds, into the same array.
    #[inline]
    pub fn pop_range(&mut self, into: &mut [T], lo: usize, hi: usize)
    where
        T: Copy,
    {
        let len = into.len();
        for slot in into[clamped(lo, hi, len)].iter_mut().rev() {
            *slot = self.pop();
        }
    }

    /// How many values are saved.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is saved.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T: Clone, const N: usize> Clone for InlineStack<T, N> {
    /// The same values (a Jacobian's reverse passes each consume a copy of what the forward
    /// pass saved).
    #[inline]
    fn clone(&self) -> Self {
        let mut copy = InlineStack::new();
        for item in &self.items[..self.len] {
            // SAFETY: the slots below `len` hold values `push` wrote and nothing has read.
            copy.push(unsafe { item.assume_init_ref() }.clone());
        }
        copy
    }
}

impl<T, const N: usize> Drop for InlineStack<T, N> {
    #[inline]
    fn drop(&mut self) {
        // Floats (what the stacks hold, nearly always) have nothing to drop.
        if !core::mem::needs_drop::<T>() {
            return;
        }
        while self.len > 0 {
            drop(self.pop());
        }
    }
}

impl<T, const N: usize> core::fmt::Debug for InlineStack<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InlineStack")
            .field("len", &self.len)
            .finish()
    }
}

#[cold]
#[inline(never)]
fn underflow() -> ! {
    panic!(
        "backprop: the reverse sweep's saved values are out of step with the forward pass; \
         this is a bug in backprop, please report it"
    )
}

/// Integer types a `for` loop of a differentiated function may count with.
pub trait LoopIndex: Copy + PartialOrd {
    #[doc(hidden)]
    fn to_i128(self) -> i128;
    #[doc(hidden)]
    fn from_i128(value: i128) -> Self;
    /// `self + 1`.
    ///
    /// # Safety
    /// `self` is less than some other value of the type, so the sum does not overflow.
    #[doc(hidden)]
    unsafe fn after(self) -> Self;
    /// `self - 1`.
    ///
    /// # Safety
    /// `self` is greater than some other value of the type, so the difference does not
    /// overflow.
    #[doc(hidden)]
    unsafe fn before(self) -> Self;
    /// How many values `self..end` holds (0 when `end <= self`), in the type's own
    /// arithmetic: the compiler then sees it is the trip count of a loop over `self..end`.
    #[doc(hidden)]
    fn count_to(self, end: Self) -> usize;
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
            #[inline(always)]
            unsafe fn after(self) -> Self {
                // SAFETY: the caller's promise, as `std`'s ranges make it.
                unsafe { self.unchecked_add(1) }
            }
            #[inline(always)]
            unsafe fn before(self) -> Self {
                // SAFETY: the caller's promise.
                unsafe { self.unchecked_sub(1) }
            }
            #[inline(always)]
            fn count_to(self, end: Self) -> usize {
                if end > self { end.abs_diff(self) as usize } else { 0 }
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

/// The progression of `a..b` ([`Span`], stepping by one as `std`'s range does, which the
/// compiler optimizes as well) or `a..=b` ([`Steps`]).
#[inline]
pub fn steps<R: IntoSteps>(range: R) -> R::Steps {
    range.into_steps()
}

/// `Σ f(i)` over a loop, for `K` sums at once: `f` is called once per iteration, in the
/// loop's order, as the loop would run it, and returns that iteration's term of each sum.
/// The terms go round four partial sums, added together at the end.
///
/// A reverse loop that adds into gradient elements at indices it does not change
/// (`grad_mu[c * d + a]`, summed in a local) computes dot products. One running sum makes
/// every iteration wait for the previous addition (about four cycles); four partial sums
/// are independent, so the processor overlaps them. The sums are the same up to the order
/// of their roundings: a gradient element's contributions have no order of their own (a
/// reverse sweep adds them in whatever order it visits them).
#[inline(always)]
pub fn sum_lanes<I, T, const K: usize>(
    iter: I,
    zero: T,
    mut f: impl FnMut(I::Item) -> [T; K],
) -> [T; K]
where
    I: IntoIterator,
    T: Copy + core::ops::Add<Output = T>,
{
    #[inline(always)]
    fn add<T: Copy + core::ops::Add<Output = T>, const K: usize>(sum: &mut [T; K], terms: [T; K]) {
        for (s, t) in sum.iter_mut().zip(terms) {
            *s = *s + t;
        }
    }
    let mut iter = iter.into_iter();
    let (mut a, mut b, mut c, mut d) = ([zero; K], [zero; K], [zero; K], [zero; K]);
    // Unrolled by hand so that each partial sum stays in registers.
    while let Some(i) = iter.next() {
        add(&mut a, f(i));
        let Some(i) = iter.next() else { break };
        add(&mut b, f(i));
        let Some(i) = iter.next() else { break };
        add(&mut c, f(i));
        let Some(i) = iter.next() else { break };
        add(&mut d, f(i));
    }
    add(&mut a, b);
    add(&mut c, d);
    add(&mut a, c);
    a
}

/// Ranges [`steps`] accepts.
pub trait IntoSteps {
    /// The integer type of the loop variable.
    type Index: LoopIndex;
    /// The progression it makes.
    type Steps: Progression<Item = Self::Index>;
    #[doc(hidden)]
    fn into_steps(self) -> Self::Steps;
}

/// What a reverse sweep asks of a loop's progression: its length, and the values of its
/// first `count` iterations, last first.
pub trait Progression: ExactSizeIterator + Copy {
    /// The replayed values' progression.
    type Replayed: Progression<Item = Self::Item>;
    /// The values of the first `count` iterations, last first.
    fn replay(self, count: usize) -> Self::Replayed;
}

impl<I: LoopIndex> IntoSteps for core::ops::Range<I> {
    type Index = I;
    type Steps = Span<I>;
    #[inline]
    fn into_steps(self) -> Span<I> {
        Span {
            start: self.start,
            end: self.end,
        }
    }
}

impl<I: LoopIndex> IntoSteps for core::ops::RangeInclusive<I> {
    type Index = I;
    type Steps = Steps<I>;
    #[inline]
    fn into_steps(self) -> Steps<I> {
        let (a, b) = (self.start().to_i128(), self.end().to_i128());
        Steps::from_parts(a, 1, if b >= a { (b - a + 1) as usize } else { 0 })
    }
}

/// `start..end` by one, upwards: iterates as `std`'s `Range` does (and compiles to the
/// same loop), but is `Copy`, so a reverse sweep can run it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span<I> {
    start: I,
    end: I,
}

/// `start..end` by one, downwards (`(start..end).rev()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanRev<I> {
    start: I,
    end: I,
}

/// The length of `start..end`.
#[inline(always)]
fn span_len<I: LoopIndex>(start: I, end: I) -> usize {
    start.count_to(end)
}

/// `start + count`, for a `count` at most the length of `start..end`.
#[inline(always)]
fn span_offset<I: LoopIndex>(start: I, end: I, count: usize) -> I {
    I::from_i128(start.to_i128() + count.min(span_len(start, end)) as i128)
}

impl<I: LoopIndex> Span<I> {
    /// The same values in the opposite order, like `Iterator::rev`.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn rev(self) -> SpanRev<I> {
        SpanRev {
            start: self.start,
            end: self.end,
        }
    }

    /// Every `k`-th value from the first, like `Iterator::step_by`.
    #[inline]
    pub fn step_by(self, k: usize) -> Steps<I> {
        self.steps().step_by(k)
    }

    /// The values of the first `count` iterations, last first.
    #[inline]
    pub fn replay(self, count: usize) -> SpanRev<I> {
        SpanRev {
            start: self.start,
            end: span_offset(self.start, self.end, count),
        }
    }

    fn steps(self) -> Steps<I> {
        Steps::from_parts(self.start.to_i128(), 1, span_len(self.start, self.end))
    }

    /// Its first value and how many values it has. A reverse loop that reaches sequences
    /// only at its index (or at a counter it steps by one) slices them once, `&x[first..]
    /// [..len]`, and walks the offsets `0..len`: the compiler then knows every element is in
    /// bounds, with no check per element.
    #[inline(always)]
    pub fn first_len(self) -> (I, usize) {
        (self.start, span_len(self.start, self.end))
    }

    /// The value `offset` steps from the first, for an offset below [`Span::first_len`]'s
    /// length: the loop's index at that offset.
    #[inline(always)]
    pub fn at(self, offset: usize) -> I {
        I::from_i128(self.start.to_i128() + offset as i128)
    }
}

impl<I: LoopIndex> SpanRev<I> {
    /// The same values in the opposite order, like `Iterator::rev`.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn rev(self) -> Span<I> {
        Span {
            start: self.start,
            end: self.end,
        }
    }

    /// Every `k`-th value from the first, like `Iterator::step_by`.
    #[inline]
    pub fn step_by(self, k: usize) -> Steps<I> {
        self.rev().steps().rev().step_by(k)
    }

    /// The values of the first `count` iterations, last first.
    #[inline]
    pub fn replay(self, count: usize) -> Span<I> {
        let len = span_len(self.start, self.end);
        Span {
            start: span_offset(self.start, self.end, len - count.min(len)),
            end: self.end,
        }
    }
}

impl<I: LoopIndex> Iterator for Span<I> {
    type Item = I;
    #[inline]
    fn next(&mut self) -> Option<I> {
        if self.start < self.end {
            let value = self.start;
            // SAFETY: `value < end`.
            self.start = unsafe { value.after() };
            Some(value)
        } else {
            None
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = span_len(self.start, self.end);
        (len, Some(len))
    }
}

impl<I: LoopIndex> Iterator for SpanRev<I> {
    type Item = I;
    #[inline]
    fn next(&mut self) -> Option<I> {
        if self.start < self.end {
            // SAFETY: `end > start`.
            self.end = unsafe { self.end.before() };
            Some(self.end)
        } else {
            None
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = span_len(self.start, self.end);
        (len, Some(len))
    }
}

impl<I: LoopIndex> ExactSizeIterator for Span<I> {}
impl<I: LoopIndex> ExactSizeIterator for SpanRev<I> {}

impl<I: LoopIndex> Progression for Span<I> {
    type Replayed = SpanRev<I>;
    #[inline]
    fn replay(self, count: usize) -> SpanRev<I> {
        Span::replay(self, count)
    }
}

impl<I: LoopIndex> Progression for SpanRev<I> {
    type Replayed = Span<I>;
    #[inline]
    fn replay(self, count: usize) -> Span<I> {
        SpanRev::replay(self, count)
    }
}

impl<I: LoopIndex> Progression for Steps<I> {
    type Replayed = Steps<I>;
    #[inline]
    fn replay(self, count: usize) -> Steps<I> {
        Steps::replay(self, count)
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

    #[test]
    fn sum_lanes_calls_in_order_and_sums_every_term() {
        for n in 0..=9usize {
            let mut seen = Vec::new();
            // Integers: exact whatever the order of the additions.
            let [sum, squares] = sum_lanes(steps(0..n).rev(), 0.0, |i| {
                seen.push(i);
                [i as f64, (i * i) as f64]
            });
            assert_eq!(seen, (0..n).rev().collect::<Vec<_>>());
            assert_eq!(sum, (0..n).sum::<usize>() as f64);
            assert_eq!(squares, (0..n).map(|i| i * i).sum::<usize>() as f64);
        }
        // Four partial sums (terms 0 and 4 in the first), added pairwise at the end: not
        // the running sum's 2.0.
        let [s] = sum_lanes([1e16, 1.0, -1e16, 1.0, 1.0], 0.0, |x| [x]);
        assert_eq!(s, ((1e16 + 1.0) + 1.0) + (-1e16 + 1.0));
        assert_eq!(s, 0.0);
    }

    #[test]
    fn reserved_pushes_fill_the_room_and_pop_back_in_order() {
        let mut s = Stack::new();
        s.reserve(3);
        for v in [1.0, 2.0, 3.0] {
            s.push_reserved(v);
        }
        assert_eq!([s.pop(), s.pop(), s.pop()], [3.0, 2.0, 1.0]);
        // The room is used and given back; reserving again reuses it.
        s.reserve(2);
        s.push_reserved(4.0);
        s.push(5.0);
        assert_eq!([s.pop(), s.pop()], [5.0, 4.0]);
    }

    #[test]
    #[should_panic(expected = "out of step with the forward pass")]
    fn a_push_past_the_reserved_room_empties_the_stack_and_its_first_pop_panics() {
        let mut s: Stack<f64> = Stack::new();
        s.reserve(1);
        let room = s.items.capacity();
        for i in 0..room + 3 {
            s.push_reserved(i as f64);
        }
        assert_eq!((s.len(), s.items.capacity()), (0, 0));
        s.pop();
    }

    #[test]
    fn an_inline_stack_copies_ranges_back_like_a_stack() {
        let mut v = [1.0, 2.0, 3.0, 4.0];
        let (mut inline, mut heap) = (InlineStack::<f64, 6>::new(), Stack::new());
        for (lo, hi) in [(1, 3), (2, 9), (3, 1)] {
            inline.push_range(&v, lo, hi);
            heap.push_range(&v, lo, hi);
        }
        inline.push(9.0);
        assert_eq!(inline.len(), 2 + 2 + 1);
        assert_eq!(inline.pop(), 9.0);
        v = [0.0; 4];
        let mut w = [0.0; 4];
        for (lo, hi) in [(3, 1), (2, 9), (1, 3)] {
            inline.pop_range(&mut v, lo, hi);
            heap.pop_range(&mut w, lo, hi);
            assert_eq!(v, w);
        }
        assert_eq!(v, [0.0, 2.0, 3.0, 4.0]);
        assert!(inline.is_empty());
    }

    #[test]
    fn an_inline_stack_is_last_in_first_out_and_drops_what_is_left() {
        use std::rc::Rc;
        let counted = Rc::new(());
        let mut s: InlineStack<Rc<()>, 3> = InlineStack::new();
        s.push(Rc::clone(&counted));
        s.push(Rc::clone(&counted));
        assert_eq!(s.len(), 2);
        drop(s.pop());
        assert_eq!(Rc::strong_count(&counted), 2);
        drop(s);
        assert_eq!(Rc::strong_count(&counted), 1);
        let mut t: InlineStack<f64, 2> = InlineStack::new();
        t.push(1.0);
        t.push(2.0);
        assert_eq!((t.pop(), t.pop()), (2.0, 1.0));
        assert!(t.is_empty());
    }

    #[test]
    #[should_panic(expected = "bug in backprop")]
    fn an_inline_stack_refuses_more_than_its_capacity() {
        let mut t: InlineStack<f64, 1> = InlineStack::new();
        t.push(1.0);
        t.push(2.0);
    }

    #[test]
    fn a_stack_reuses_the_storage_of_a_dropped_one() {
        release_pool();
        let mut a = Stack::new();
        a.reserve(1000);
        for i in 0..1000 {
            a.push(i as f64);
        }
        let buffer = a.items.as_ptr() as usize;
        drop(a);
        // Same alignment, element size dividing the buffer: the same memory, emptied.
        let mut b: Stack<u64> = Stack::new();
        b.reserve(1);
        b.push(7);
        assert_eq!(b.items.as_ptr() as usize, buffer);
        assert_eq!((b.len(), b.items.capacity()), (1, 1000));
        assert_eq!(b.pop(), 7);
        // Another alignment never gets it.
        let mut c: Stack<u8> = Stack::new();
        c.reserve(1);
        c.push(1);
        assert_ne!(c.items.as_ptr() as usize, buffer);
        drop(b);
        // An element size that does not divide the buffer's size does not either.
        let mut d: Stack<[u64; 3]> = Stack::new();
        d.reserve(1);
        d.push([1, 2, 3]);
        assert_ne!(d.items.as_ptr() as usize, buffer);
        assert_eq!(d.pop(), [1, 2, 3]);
        release_pool();
    }

    #[test]
    fn values_left_on_a_stack_are_dropped_and_the_pool_stays_bounded() {
        use std::rc::Rc;
        let counted = Rc::new(());
        let mut s = Stack::new();
        for _ in 0..10 {
            s.push(Rc::clone(&counted));
        }
        drop(s);
        assert_eq!(Rc::strong_count(&counted), 1);
        let stacks: Vec<Stack<f64>> = (0..2 * POOL_BUFFERS)
            .map(|i| {
                let mut s = Stack::new();
                s.reserve(i + 1);
                s.push(1.0);
                s
            })
            .collect();
        drop(stacks);
        let kept = pool::len();
        assert!(kept <= POOL_BUFFERS, "{kept}");
        release_pool();
        assert_eq!(pool::len(), 0);
    }

    #[test]
    fn ranges_are_copied_as_far_as_the_array_goes() {
        let mut s: Stack<f64> = Stack::new();
        let mut v = vec![1.0, 2.0, 3.0];
        s.push_range(&v, 1, 3);
        s.push_range(&v, 4, 3); // empty the other way round: a loop that does not run
        s.push_range(&v, 2, 9); // past the end: a loop that stops (or panics) before
        assert_eq!(s.len(), 3);
        v.fill(0.0);
        s.pop_range(&mut v, 2, 9);
        s.pop_range(&mut v, 4, 3);
        assert_eq!(v, [0.0, 0.0, 3.0]);
        s.pop_range(&mut v, 1, 3);
        assert_eq!(v, [0.0, 2.0, 3.0]);
        assert!(s.is_empty());
    }

    #[test]
    fn large_ranges_come_back_by_swapping_buffers() {
        release_pool();
        let n = 2 * OWN_BUFFER_BYTES / size_of::<f64>();
        let mut s: ElemStack<f64> = ElemStack::new();
        let mut v: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let first = v.clone();
        s.push_range(&v, 0, n);
        let first_copy = s.copies[0].as_ptr() as usize;
        v.iter_mut().for_each(|x| *x = -*x);
        let second = v.clone();
        s.push_range(&v, 0, n + 5); // past the end: still the whole array
        let second_copy = s.copies[1].as_ptr() as usize;
        s.push_range(&v, 1, n); // not the whole array: copied back element by element
        assert!(s.stack.is_empty());
        assert_eq!(s.len(), 3 * n - 1);
        v.fill(7.0);
        let own = v.as_ptr() as usize;
        s.pop_range(&mut v, 1, n);
        assert_eq!((v[0], &v[1..]), (7.0, &second[1..]));
        assert_eq!(v.as_ptr() as usize, own);
        s.pop_range(&mut v, 0, n + 5);
        assert_eq!(v, second);
        s.pop_range(&mut v, 0, n);
        assert_eq!(v, first);
        assert_eq!(v.as_ptr() as usize, first_copy);
        assert!(s.is_empty());
        // The buffers given back serve the next copies: the one `v` gave up last.
        s.push_range(&v, 0, n);
        assert_eq!(s.copies[0].as_ptr() as usize, second_copy);
        // Arrays, and slices borrowed `&mut`, get their elements copied back.
        let mut a = [0.5f64; 600];
        s.push_range(&a, 0, 600);
        a[3] = 1.0;
        s.pop_range(&mut a, 0, 600);
        assert_eq!(a, [0.5; 600]);
        let mut w = vec![2.0; n];
        let mut r: &mut [f64] = &mut w;
        s.push_range(r, 0, n);
        r[0] = 5.0;
        s.pop_range(&mut r, 0, n);
        assert_eq!(w, vec![2.0; n]);
        // A clone holds copies of its own.
        let mut t = s.clone();
        v.fill(0.0);
        t.pop_range(&mut v, 0, n);
        assert_eq!(v, first);
        s.pop_range(&mut w, 0, n);
        assert_eq!(w, first);
        release_pool();
    }

    #[test]
    fn gradient_vectors_are_recycled_snugly_and_come_back_zeroed() {
        release_pool();
        let mut g = pooled_zeros(40, 0.0f64);
        g.fill(3.0);
        let buffer = g.as_ptr() as usize;
        recycle(g);
        // A vector of about that length gets the buffer back, all zeros.
        let again = pooled_zeros(35, 0.0f64);
        assert_eq!(again.as_ptr() as usize, buffer);
        assert_eq!(again, vec![0.0; 35]);
        recycle(again);
        // One much shorter does not take a buffer twice its size or more.
        let short = pooled_zeros(POOLED_GRADIENT, 0.0f64);
        assert_ne!(short.as_ptr() as usize, buffer);
        assert_eq!(short, vec![0.0; POOLED_GRADIENT]);
        // Stacks have a pool of their own: a stack does not take it.
        let mut s: Stack<f64> = Stack::new();
        s.reserve(3);
        assert_ne!(s.items.as_ptr() as usize, buffer);
        drop(s);
        assert!(pooled_zeros(0, 0.0f64).is_empty());
        release_pool();
    }

    fn same<I: Iterator<Item = i32> + Clone>(ours: impl Progression<Item = i32>, std: I) {
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
                same(steps(a..b).rev().rev(), a..b);
                assert_eq!(steps(a..b).len(), (a..b).len());
                assert_eq!(steps(a..b).rev().len(), (a..b).len());
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
    fn indices_at_the_ends_of_their_types() {
        let top = u64::MAX - 3..u64::MAX;
        assert!(steps(top.clone()).rev().eq(top.clone().rev()));
        assert!(steps(top).replay(2).eq([u64::MAX - 2, u64::MAX - 3]));
        let bottom = i64::MIN..i64::MIN + 3;
        assert!(
            steps(bottom.clone())
                .step_by(2)
                .eq(bottom.clone().step_by(2))
        );
        assert!(steps(bottom.clone()).rev().eq(bottom.rev()));
        assert!(steps(i64::MAX - 2..=i64::MAX).eq(i64::MAX - 2..=i64::MAX));
        assert!(
            steps(250u8..255)
                .step_by(2)
                .rev()
                .eq((250u8..255).step_by(2).rev())
        );
        assert!(steps(250u8..=255).rev().eq((250u8..=255).rev()));
        assert!(steps(-128i8..-125).rev().eq((-128i8..-125).rev()));
        // Lengths counted in the type's own arithmetic, across its whole range.
        assert_eq!(steps(-128i8..127).len(), 255);
        assert_eq!(steps(0u8..255).len(), 255);
        assert_eq!(steps(i64::MIN..i64::MAX).len(), u64::MAX as usize);
        assert_eq!(steps(-3isize..2).len(), 5);
        // Bounds the wrong way round (from the program's values): empty.
        let (top, bottom) = (core::hint::black_box(i64::MAX), i64::MIN);
        assert_eq!(steps(top..bottom).len(), 0);
        assert_eq!(steps(core::hint::black_box(127i8)..-128).len(), 0);
        assert_eq!(steps(core::hint::black_box(usize::MAX)..0).len(), 0);
        // Steps wider than the type, over its whole range.
        for k in [1, 2, 100, 200, 255, 256, 1000] {
            assert!(steps(-128i8..=127).step_by(k).eq((-128i8..=127).step_by(k)));
            assert!(
                steps(-128i8..=127)
                    .step_by(k)
                    .rev()
                    .eq((-128i8..=127).step_by(k).rev())
            );
            assert!(
                steps(0u8..=255)
                    .rev()
                    .step_by(k)
                    .eq((0u8..=255).rev().step_by(k))
            );
            let replayed: Vec<u8> = steps(0u8..=255).step_by(k).replay(2).collect();
            let mut first: Vec<u8> = (0u8..=255).step_by(k).take(2).collect();
            first.reverse();
            assert_eq!(replayed, first);
        }
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
