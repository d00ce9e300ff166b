//! The names an inlined body binds, renamed apart from the caller's (`{helper}_{name}`),
//! where they are bound and used, in macros' tokens too; bindings that shadow a parameter
//! renamed apart where they bind; `Self` as the struct's name.

use super::*;

/// The names patterns bind (not `None` or a constant: capitalized).
pub(in crate::lower) struct Bound<'a>(pub(in crate::lower) &'a mut Vec<String>);

impl<'ast> Visit<'ast> for Bound<'_> {
    fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
        let name = i.ident.to_string();
        if !name.starts_with(char::is_uppercase) && !self.0.contains(&name) {
            self.0.push(name);
        }
        syn::visit::visit_pat_ident(self, i);
    }
}

/// Renames the names in `renames` where they are bound and used in `e`.
pub(in crate::lower) fn rename(renames: &std::collections::HashMap<String, Ident>, e: &mut Expr) {
    Rename(renames).visit_expr_mut(e);
}

/// Renames the names a helper binds, where they are bound and used.
pub(in crate::lower) struct Rename<'a>(
    pub(in crate::lower) &'a std::collections::HashMap<String, Ident>,
);

impl VisitMut for Rename<'_> {
    fn visit_pat_ident_mut(&mut self, i: &mut syn::PatIdent) {
        if let Some(new) = self.0.get(&i.ident.to_string()) {
            i.ident = new.clone();
        }
        syn::visit_mut::visit_pat_ident_mut(self, i);
    }

    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_none()
            && let Some(ident) = p.path.get_ident()
            && let Some(new) = self.0.get(&ident.to_string())
        {
            p.path = new.clone().into();
        }
    }

    /// In a macro's tokens (a closure's `assert!(t > 0.0)`), the names not after a `.`.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = rename_tokens(self.0, std::mem::take(&mut m.tokens));
    }

    /// `V3 { x, y }` with `x` renamed: `V3 { x: sub_x, y: sub_y }`.
    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        if f.colon_token.is_none()
            && let syn::Member::Named(member) = &f.member
            && self.0.contains_key(&member.to_string())
        {
            f.colon_token = Some(Default::default());
        }
        syn::visit_mut::visit_field_value_mut(self, f);
    }
}

/// `tokens` with each name `by` gives tokens for replaced by them, except a name after a
/// `.` (a field or a method), inside groups too: a macro's arguments as the body around it
/// is rewritten.
pub(super) fn replace_names(
    tokens: TokenStream,
    by: &dyn Fn(&Ident) -> Option<TokenStream>,
) -> TokenStream {
    let mut after_dot = false;
    let mut out = TokenStream::new();
    for t in tokens {
        let next_after_dot = matches!(&t, TokenTree::Punct(p) if p.as_char() == '.');
        match t {
            TokenTree::Ident(i) if !after_dot => match by(&i) {
                Some(replaced) => out.extend(replaced),
                None => out.extend([TokenTree::Ident(i)]),
            },
            TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), replace_names(g.stream(), by));
                group.set_span(g.span());
                out.extend([TokenTree::Group(group)]);
            }
            other => out.extend([other]),
        }
        after_dot = next_after_dot;
    }
    out
}

fn rename_tokens(
    renames: &std::collections::HashMap<String, Ident>,
    tokens: TokenStream,
) -> TokenStream {
    replace_names(tokens, &|i| {
        renames.get(&i.to_string()).map(|new| new.to_token_stream())
    })
}

/// The bindings in `block` of the names in `params` that shadow them in an inner scope (a
/// closure's parameters, a `for` loop's or a `match` arm's pattern, a `let` for the rest of
/// its block), renamed apart (`{prefix}_{name}`) there: what is left of each such name
/// then always means the parameter (`self.w.iter().zip(x).map(|(w, x)| w * x)` with the
/// parameter `x` reads the closure's `x` as `predict_x`), so an argument passed by name can
/// stand for it.
pub(super) fn rename_shadowing_params(
    block: &mut syn::Block,
    params: &[String],
    taken: &mut HashSet<String>,
    prefix: &Ident,
) {
    Shadowed {
        params,
        taken,
        prefix,
    }
    .visit_block_mut(block);
}

struct Shadowed<'a> {
    params: &'a [String],
    taken: &'a mut HashSet<String>,
    prefix: &'a Ident,
}

impl Shadowed<'_> {
    /// Fresh names for the parameters a pattern binds (none if it binds none).
    fn renames(&mut self, pats: &[&Pat]) -> std::collections::HashMap<String, Ident> {
        let mut bound = Vec::new();
        for p in pats {
            Bound(&mut bound).visit_pat(p);
        }
        bound
            .into_iter()
            .filter(|b| self.params.contains(b))
            .map(|b| {
                let base = format!("{}_{b}", self.prefix);
                let fresh = crate::names::unused(self.taken, &base);
                (b, Ident::new(&fresh, self.prefix.span()))
            })
            .collect()
    }
}

impl VisitMut for Shadowed<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Closure(c) => {
                let pats: Vec<&Pat> = c.inputs.iter().collect();
                let renames = self.renames(&pats);
                if !renames.is_empty() {
                    Rename(&renames).visit_expr_closure_mut(c);
                }
            }
            Expr::ForLoop(f) => {
                let renames = self.renames(&[&f.pat]);
                if !renames.is_empty() {
                    // (Not the sequence walked: the parameter's still.)
                    Rename(&renames).visit_pat_mut(&mut f.pat);
                    Rename(&renames).visit_block_mut(&mut f.body);
                }
            }
            Expr::Match(m) => {
                for arm in &mut m.arms {
                    let renames = self.renames(&[&arm.pat]);
                    if !renames.is_empty() {
                        Rename(&renames).visit_arm_mut(arm);
                    }
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        for i in 0..b.stmts.len() {
            let renames = match &b.stmts[i] {
                syn::Stmt::Local(local) => self.renames(&[&local.pat]),
                _ => Default::default(),
            };
            if !renames.is_empty() {
                // The pattern and the statements after it (not its initializer, which
                // reads the parameter).
                if let syn::Stmt::Local(local) = &mut b.stmts[i] {
                    Rename(&renames).visit_pat_mut(&mut local.pat);
                }
                for later in &mut b.stmts[i + 1..] {
                    Rename(&renames).visit_stmt_mut(later);
                }
            }
            self.visit_stmt_mut(&mut b.stmts[i]);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `Self` written as the struct's name.
pub(super) fn replace_self_type(tokens: TokenStream, on: &Ident) -> TokenStream {
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == "Self" => {
                TokenTree::Ident(Ident::new(&on.to_string(), i.span()))
            }
            TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), replace_self_type(g.stream(), on));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other,
        })
        .collect()
}
