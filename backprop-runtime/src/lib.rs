//! The runtime of [`backprop`](https://docs.rs/backprop): what the code `#[differentiate]`
//! generates calls, and what users call beside it.
//!
//! - gates with hand-written local gradients: [`sigmoid()`], [`relu()`], and [`gate!`] to
//!   declare your own;
//! - the reverse sweep's saved values ([`Stack`]) and replayed loop indices ([`Steps`]);
//! - gradient values ([`GradOf`], [`ZerosLike`], [`Accumulate`]);
//! - finite-difference gradient checking ([`check`]).
//!
//! Use it through the `backprop` facade crate; this crate has no proc-macro dependencies.

#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod check;
mod differentiable;
mod gate;
mod gates;
mod grad;
mod kept;
#[doc(hidden)]
pub mod nested;
mod real;
mod stack;
mod tangents;
#[cfg(feature = "tensor")]
pub mod tensor;
#[cfg(feature = "tensor")]
mod tensor_gates;
mod tuple;

/// The traits of generic floats, for the generated code (`<f64 as Zero>::zero()` where a
/// generic method's `F::zero()` is inlined at `f64`).
#[doc(hidden)]
pub use num_traits;

#[cfg(feature = "tensor")]
pub use ndarray;

pub use differentiable::{
    CastField, CopiedPerRow, Differentiable, FloatField, cast_field, check_fits, copied_per_row,
    empty_grad, fill_zeros, float_field,
};
pub use gate::NotKept;
pub use gates::{Activation, maximum, minimum, relu, sigmoid, sub_slice};
pub use grad::{
    Accumulate, Discard, Elements, GradOf, LeftOut, NotDifferentiable, NotGenerated, OwnedCopy,
    ResetLike, Rows, SameShape, SeqItem, ToTangent, ZerosLike, accumulate, check_differentiable,
    check_tangent, discard, diverged, element, element_mut, grow_like, jacobian_rows,
    jacobian_rows_copied, left_out, not_generated, on_ref, owned_copy, replaced, reset_like,
    sort_order, tangent, zeros_like,
};
pub use kept::{AsIs, Copied, Keep, KeepAsIs, KeepCopy, keep};
pub use real::{Real, d};
pub use stack::{
    COPY_BUFFERS, ElemStack, InlineStack, IntoSteps, LoopIndex, OWN_BUFFER_BYTES, POOL_BUFFERS,
    Progression, Restore, Span, SpanRev, Stack, Steps, release_pool, steps, sum_lanes,
};
pub use tangents::{
    Directions, Lane, LaneFloat, LanesLike, Tangents, grow_lanes, lane, lanes_like, pack, per_lane,
    unit_lanes, unpack,
};
#[cfg(feature = "tensor")]
pub use tensor::{log_softmax, softmax, softmax_cross_entropy};
pub use tuple::{TupleArray, array_tuple, tuple_array};
