//! The `#[differentiate]` attribute of [`backprop`](https://docs.rs/backprop). Use it
//! through the `backprop` crate, which also supplies the runtime the generated code calls.
//!
//! The pipeline, one file per stage, data flowing one way:
//! `args` (attribute) → `lower` (syn → IR, every unsupported construct reported at its
//! span) → `analysis` (activity, saved values, control records) → `reverse` (the backward
//! pass) → `emit` (tokens) → `expand` (the module beside the untouched function).

#![doc(test(attr(deny(warnings))))]

mod analysis;
mod args;
mod diag;
mod emit;
mod expand;
mod ir;
mod items;
mod lower;
mod missing;
mod names;
mod ops;
mod reverse;
mod rules;
mod tangent;

use proc_macro::TokenStream;

#[doc = include_str!("differentiate.md")]
#[proc_macro_attribute]
pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiate(attr.into(), item.into()).into()
}

#[cfg(test)]
mod snapshots;
