//! Rust's operator precedence, shared by lowering (which parenthesizes the user's
//! expressions where it embeds them) and printing (which parenthesizes only where needed).

use crate::ir::BinOp;
use proc_macro2::TokenStream;
use quote::quote;

/// An operand that never needs parentheses: a name, a call, an index, a literal.
pub const PREC_ATOM: u8 = 20;
/// A prefix operator: `-a`, `!a`, `&a`.
pub const PREC_UNARY: u8 = 15;
/// `a as T`.
pub const PREC_CAST: u8 = 14;

/// The precedence of an arithmetic operator.
pub fn bin_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Mul | BinOp::Div => 13,
        BinOp::Add | BinOp::Sub => 12,
    }
}

/// An arithmetic operator as a token.
pub fn bin_token(op: BinOp) -> TokenStream {
    match op {
        BinOp::Add => quote!(+),
        BinOp::Sub => quote!(-),
        BinOp::Mul => quote!(*),
        BinOp::Div => quote!(/),
    }
}

/// The precedence of a user's expression, to parenthesize it where it is embedded.
pub fn konst_prec(e: &syn::Expr) -> u8 {
    use syn::Expr;
    match e {
        Expr::Binary(b) => match b.op {
            syn::BinOp::Mul(_) | syn::BinOp::Div(_) | syn::BinOp::Rem(_) => 13,
            syn::BinOp::Add(_) | syn::BinOp::Sub(_) => 12,
            syn::BinOp::Shl(_) | syn::BinOp::Shr(_) => 11,
            syn::BinOp::BitAnd(_) => 10,
            syn::BinOp::BitXor(_) => 9,
            syn::BinOp::BitOr(_) => 8,
            syn::BinOp::Eq(_)
            | syn::BinOp::Ne(_)
            | syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_) => 7,
            syn::BinOp::And(_) => 6,
            syn::BinOp::Or(_) => 5,
            _ => 1,
        },
        Expr::Unary(_) | Expr::Reference(_) => PREC_UNARY,
        Expr::Cast(_) => PREC_CAST,
        Expr::Range(_) => 2,
        Expr::Assign(_) | Expr::Closure(_) | Expr::Return(_) | Expr::Break(_) => 0,
        // A negative literal: `-1.0` as a method receiver needs parentheses.
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) if f.base10_digits().starts_with('-') => PREC_UNARY,
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) if i.base10_digits().starts_with('-') => PREC_UNARY,
        _ => PREC_ATOM,
    }
}

/// `e`, in parentheses when its precedence is below `min`.
pub fn parenthesized(e: syn::Expr, min: u8) -> syn::Expr {
    if konst_prec(&e) < min {
        syn::parse_quote!((#e))
    } else {
        e
    }
}
