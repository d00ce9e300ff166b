//! Flat, readable reverse-mode gradient code, generated from plain Rust functions.
//!
//! ```
//! use backprop::differentiate;
//!
//! #[differentiate]
//! fn f(x: f64, y: f64, z: f64) -> f64 {
//!     let q = x + y;
//!     q * z
//! }
//!
//! assert_eq!(f(-2.0, 5.0, -4.0), -12.0);
//! let (value, g) = f::grad(-2.0, 5.0, -4.0);
//! assert_eq!(value, -12.0);
//! assert_eq!((g.x, g.y, g.z), (-4.0, -4.0, 3.0));
//! let (_, pullback) = f::vjp(-2.0, 5.0, -4.0);
//! assert_eq!(pullback(2.0).z, 6.0);
//! ```
//!
//! See the README for the supported Rust, the generated code, and the runtime.

pub use backprop_macro::differentiate;
pub use backprop_runtime::check;
pub use backprop_runtime::{Accumulate, GradOf, NotDifferentiable, Real, Stack, Steps, ZerosLike};
pub use backprop_runtime::{Activation, gate, maximum, minimum, relu, sigmoid};
#[cfg(feature = "tensor")]
pub use backprop_runtime::{log_softmax, ndarray, softmax, softmax_cross_entropy};

/// What the generated code calls. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use backprop_runtime::{
        NotDifferentiable, Stack, accumulate, check_differentiable, check_tangent, d, element_mut,
        jacobian_rows, steps, tangent, zeros_like,
    };
    #[cfg(feature = "tensor")]
    pub use backprop_runtime::{ndarray, tensor, zero_out};
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
