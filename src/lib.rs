#![doc = include_str!("../README.md")]
// Every example in these docs compiles warning-free, as a user pastes it.
#![doc(test(attr(deny(warnings))))]
#![warn(missing_docs)]

pub use backprop_macro::{Differentiable, differentiate};
pub use backprop_runtime::check;
pub use backprop_runtime::{
    Accumulate, Differentiable, GradOf, NotDifferentiable, Real, Stack, Steps, ZerosLike,
    release_pool,
};
pub use backprop_runtime::{Activation, gate, maximum, minimum, relu, sigmoid};
#[cfg(feature = "tensor")]
pub use backprop_runtime::{log_softmax, ndarray, softmax, softmax_cross_entropy};

/// What the generated code calls. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use backprop_runtime::nested;
    pub use backprop_runtime::num_traits;
    pub use backprop_runtime::{
        Accumulate, Differentiable, Discard, ElemStack, Elements, GradOf, InlineStack, KeepAsIs,
        KeepCopy, NotDifferentiable, NotGenerated, Rows, SameShape, SeqItem, Stack, Tangents,
        ToTangent, ZerosLike, accumulate, array_tuple, cast_field, check_differentiable,
        check_fits, check_tangent, copied_per_row, d, discard, diverged, element, element_mut,
        empty_grad, fill_zeros, float_field, grow_lanes, grow_like, jacobian_rows,
        jacobian_rows_copied, keep, lane, lanes_like, left_out, not_generated, on_ref, owned_copy,
        pack, per_lane, replaced, reset_like, sort_order, steps, sub_slice, sum_lanes, tangent,
        tuple_array, unit_lanes, unpack, zeros_like,
    };
    #[cfg(feature = "tensor")]
    pub use backprop_runtime::{ndarray, tensor};
}
