//! Collecting errors: every problem in the user's function is reported at once, each at the
//! span of the construct it is about (the approach of serde_derive's `Ctxt`).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far.
#[derive(Default)]
pub struct Errors {
    first: Option<syn::Error>,
    count: usize,
}

impl Errors {
    /// Records an error at `span`.
    pub fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error spanning the tokens of `node`.
    pub fn spanned(&mut self, node: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(node, message));
    }

    /// Records an error built elsewhere (a parse error, say).
    pub fn push(&mut self, error: syn::Error) {
        self.count += 1;
        match &mut self.first {
            Some(first) => first.combine(error),
            None => self.first = Some(error),
        }
    }

    /// Records every error of `other` too.
    pub fn append(&mut self, other: Errors) {
        if let Some(first) = other.first {
            self.push(first);
            self.count += other.count - 1;
        }
    }

    /// How many errors so far.
    pub fn count(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The `compile_error!` invocations for every error recorded.
    pub fn into_compile_errors(self) -> TokenStream {
        self.first
            .map(|e| e.into_compile_error())
            .unwrap_or_default()
    }
}
