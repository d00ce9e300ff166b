//! The attribute's arguments: `#[differentiate]`, `#[differentiate(forward)]`,
//! `#[differentiate(reverse, forward)]`, `#[differentiate(wrt(a, b))]`,
//! `#[differentiate(crate = path)]`.

use crate::diag::Errors;
use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Path, Token};

pub struct Args {
    /// Generate `Grad`, `grad`, `vjp`.
    pub reverse: bool,
    /// Generate `jvp`.
    pub forward: bool,
    /// Generate `hvp` and `hessian` (forward over reverse; implies both modes).
    pub hessian: bool,
    /// The differentiable parameters, when restricted.
    pub wrt: Option<Vec<Ident>>,
    /// Where the facade crate is: `::backprop` unless `crate = path` says otherwise.
    pub krate: Path,
    /// The function is a method's (`#[differentiate]` on an `impl` block wrote it), named
    /// here as the user knows it (`Layer::forward`): its module also has the `Handle` that
    /// calls on a receiver reach it through. Never parsed from the attribute.
    pub method: Option<String>,
}

const EXPECTED: &str =
    "expected one of `reverse`, `forward`, `hessian`, `wrt(...)`, `crate = path`";

pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut reverse: Option<Span> = None;
    let mut forward: Option<Span> = None;
    let mut hessian: Option<Span> = None;
    let mut wrt: Option<(Span, Vec<Ident>)> = None;
    let mut krate: Option<(Span, Path)> = None;

    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let result = parse_one(
                input,
                &mut reverse,
                &mut forward,
                &mut hessian,
                &mut wrt,
                &mut krate,
            );
            if let Err(e) = result {
                errors.push(e);
                // Skip to the next comma so every argument gets looked at.
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(tokens) {
        errors.push(e);
    }

    Args {
        // `forward` alone generates forward mode only; no argument, or `reverse`, reverse
        // mode; `hessian` both and the second-order items.
        reverse: reverse.is_some() || forward.is_none() || hessian.is_some(),
        forward: forward.is_some() || hessian.is_some(),
        hessian: hessian.is_some(),
        wrt: wrt.map(|(_, names)| names),
        krate: krate
            .map(|(_, path)| path)
            .unwrap_or_else(|| syn::parse_quote!(::backprop)),
        method: None,
    }
}

fn parse_one(
    input: ParseStream,
    reverse: &mut Option<Span>,
    forward: &mut Option<Span>,
    hessian: &mut Option<Span>,
    wrt: &mut Option<(Span, Vec<Ident>)>,
    krate: &mut Option<(Span, Path)>,
) -> syn::Result<()> {
    if input.peek(Token![crate]) {
        let kw: Token![crate] = input.parse()?;
        once(krate.as_ref().map(|k| k.0), kw.span, "crate")?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                kw.span,
                "expected `crate = path`, like `crate = ::my_reexport::backprop`",
            ));
        }
        input.parse::<Token![=]>()?;
        let path = if input.peek(syn::LitStr) {
            // `crate = "path"`, the form tokio and serde accept.
            input.parse::<syn::LitStr>()?.parse::<Path>()?
        } else {
            Path::parse_mod_style(input)?
        };
        *krate = Some((kw.span, path));
        return Ok(());
    }
    let name: Ident = match input.parse() {
        Ok(name) => name,
        Err(e) => return Err(syn::Error::new(e.span(), EXPECTED)),
    };
    match name.to_string().as_str() {
        "reverse" => {
            once(*reverse, name.span(), "reverse")?;
            *reverse = Some(name.span());
        }
        "forward" => {
            once(*forward, name.span(), "forward")?;
            *forward = Some(name.span());
        }
        "hessian" => {
            once(*hessian, name.span(), "hessian")?;
            *hessian = Some(name.span());
        }
        "wrt" => {
            once(wrt.as_ref().map(|w| w.0), name.span(), "wrt")?;
            if !input.peek(syn::token::Paren) {
                return Err(syn::Error::new(
                    name.span(),
                    "expected `wrt(a, b, ...)`: the parameters to differentiate with respect to",
                ));
            }
            let content;
            let parens = syn::parenthesized!(content in input);
            let names = content.parse_terminated(syn::ext::IdentExt::parse_any, Token![,])?;
            if names.is_empty() {
                return Err(syn::Error::new(
                    parens.span.join(),
                    "`wrt()` is empty: name at least one parameter to differentiate with respect to",
                ));
            }
            *wrt = Some((name.span(), names.into_iter().collect()));
        }
        _ => {
            return Err(syn::Error::new(
                name.span(),
                format!("unknown argument `{name}`: {EXPECTED}"),
            ));
        }
    }
    if input.peek(Token![=]) || input.peek(syn::token::Paren) {
        let extra: proc_macro2::TokenTree = input.parse()?;
        return Err(syn::Error::new(
            extra.span(),
            format!("`{name}` takes no value"),
        ));
    }
    Ok(())
}

fn once(previous: Option<Span>, here: Span, name: &str) -> syn::Result<()> {
    match previous {
        Some(_) => Err(syn::Error::new(
            here,
            format!("duplicate argument `{name}`"),
        )),
        None => Ok(()),
    }
}
