//! Walks of an owned copy, as walks of what it copies:
//!
//! ```text
//! xs.to_vec().into_iter()      ==>  xs.iter().cloned()
//! xs.to_owned().iter()         ==>  xs.iter()
//! for v in xs.to_vec() { .. }  ==>  for v in xs.iter().cloned() { .. }
//! ```
//!
//! The same items in the same order, where nothing else in the statement names `xs` (so
//! nothing can change it while it is walked). Where something does, a `for` loop walks a
//! copy bound just before it (its iterable is evaluated first, so the copy is the one it
//! walked), and a chain keeps its copy (and is refused further on, as before).
//! `Vec::from(xs)` and `let v: Vec<f64> = xs.into();` are `xs.to_vec()`, and the free
//! function `std::iter::zip(a, b)` is the method chain `a.iter().zip(b)` (`free_zip`), and
//! `std::iter::repeat(x).take(n)` is `(0..n).map(|_| x)`.

use super::*;

/// Rewrites every such walk in `block`.
pub(super) fn desugar(block: &mut syn::Block, user: &mut HashSet<String>) {
    // (Each statement is read whole below, the statements around inner ones too: only
    // where there is a copy to find.)
    if !copies_anything(block) {
        return;
    }
    each_statement(block, true, |stmt| {
        let mut stmt = stmt.clone();
        let converted = vec_from(&mut stmt);
        let walked = for_loop(&mut stmt, user);
        let mut chains = Chains {
            stmt: stmt.to_token_stream(),
            changed: false,
        };
        chains.visit_stmt_mut(&mut stmt);
        let hoisted = match walked {
            Walked::Unchanged if !chains.changed && !converted => return None,
            Walked::Hoisted(copy) => Some(*copy),
            _ => None,
        };
        Some(hoisted.into_iter().chain([stmt]).collect())
    });
}

/// Whether `block` calls `to_vec`, `to_owned` or `into`, or `Vec::from`, anywhere.
fn copies_anything(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_expr_method_call(&mut self, m: &syn::ExprMethodCall) {
            self.0 |= ["to_vec", "to_owned", "into"].iter().any(|c| m.method == c);
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_path(&mut self, p: &syn::ExprPath) {
            self.0 |= p.path.segments.last().is_some_and(|s| s.ident == "from");
        }
        fn visit_item(&mut self, _: &syn::Item) {}
    }
    let mut finder = Finder(false);
    finder.visit_block(block);
    finder.0
}

/// `xs` of `xs.to_vec()` or `xs.to_owned()`, where `xs` is a name, a field chain or a row.
fn copied(e: &Expr) -> Option<&Expr> {
    match strip(e) {
        Expr::MethodCall(m)
            if m.args.is_empty() && (m.method == "to_vec" || m.method == "to_owned") =>
        {
            is_place(&m.receiver).then_some(&*m.receiver)
        }
        _ => None,
    }
}

/// The name a sequence's place starts from: `m` of `m.rows[i]`.
fn root(e: &Expr) -> Option<&Ident> {
    match strip(e) {
        Expr::Path(p) => p.path.get_ident(),
        Expr::Field(f) => root(&f.base),
        Expr::Index(i) => root(&i.expr),
        _ => None,
    }
}

/// How many times `tokens` name `ident`, groups (macros' arguments) included.
fn count(tokens: TokenStream, ident: &Ident) -> usize {
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) => usize::from(i == *ident),
            TokenTree::Group(g) => count(g.stream(), ident),
            _ => 0,
        })
        .sum()
}

/// Whether `tokens` name the root of `seq` only as often as `seq` itself does.
fn named_once(tokens: &TokenStream, seq: &Expr) -> bool {
    root(seq).is_some_and(|r| count(tokens.clone(), r) == count(seq.to_token_stream(), r))
}

/// `Vec::from(xs)` anywhere in `stmt`, and the value of `let v: Vec<T> = xs.into();`, as
/// `xs.to_vec()` (`xs` a place: a name, a field, a row or a sub-slice, or one borrowed);
/// whether there was one.
fn vec_from(stmt: &mut syn::Stmt) -> bool {
    struct From(bool);
    impl VisitMut for From {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Expr::Call(c) = e
                && let Expr::Path(f) = strip(&c.func)
                && f.qself.is_none()
                && f.path.segments.len() >= 2
                && f.path
                    .segments
                    .iter()
                    .rev()
                    .nth(1)
                    .is_some_and(|s| s.ident == "Vec")
                && f.path.segments.last().is_some_and(|s| s.ident == "from")
                && let [arg] = &c.args.iter().collect::<Vec<_>>()[..]
                && let Some(seq) = place(arg)
            {
                *e = syn::parse_quote_spanned!(f.span()=> #seq.to_vec());
                self.0 = true;
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut from = From(false);
    from.visit_stmt_mut(stmt);
    if let syn::Stmt::Local(local) = stmt
        && let Pat::Type(typed) = &local.pat
        && let Type::Path(t) = &*typed.ty
        && t.path.segments.last().is_some_and(|s| s.ident == "Vec")
        && let Some(init) = local.init.as_mut().filter(|i| i.diverge.is_none())
        && let Expr::MethodCall(m) = strip(&init.expr)
        && m.method == "into"
        && m.args.is_empty()
        && let Some(seq) = place(&m.receiver)
    {
        *init.expr = syn::parse_quote_spanned!(m.method.span()=> #seq.to_vec());
        from.0 = true;
    }
    from.0
}

/// A place `e` names (`x`, `&x`, `m.w`, `m[i]`, `&x[a..b]`), without the borrow.
fn place(e: &Expr) -> Option<&Expr> {
    let e = match strip(e) {
        Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        e => e,
    };
    is_place(e).then_some(e)
}

/// Whether `e` is a name, a field chain, a row or a sub-slice: a place, the same wherever it
/// is read again.
fn is_place(e: &Expr) -> bool {
    matches!(strip(e), Expr::Path(_) | Expr::Field(_) | Expr::Index(_))
}

/// What became of a `for` loop.
enum Walked {
    /// Not a walk of a copy.
    Unchanged,
    /// Walking the sequence itself.
    InPlace,
    /// Walking a copy bound by this `let` just before it.
    Hoisted(Box<syn::Stmt>),
}

/// `for pat in xs.to_vec() { .. }` walking `xs` itself, or a copy bound before it where
/// the loop names `xs` again.
fn for_loop(stmt: &mut syn::Stmt, user: &mut HashSet<String>) -> Walked {
    let syn::Stmt::Expr(Expr::ForLoop(f), _) = stmt else {
        return Walked::Unchanged;
    };
    let Some(seq) = copied(&f.expr).cloned() else {
        return Walked::Unchanged;
    };
    if named_once(&f.to_token_stream(), &seq) {
        *f.expr = syn::parse_quote_spanned!(first_span(&f.expr)=> #seq.iter().cloned());
        return Walked::InPlace;
    }
    let base = root(&seq).map_or_else(|| "items".to_owned(), |r| format!("{r}_items"));
    let copy = Ident::new(&crate::names::unused(user, &base), Span::mixed_site());
    let init = &f.expr;
    let hoisted = syn::parse_quote_spanned!(first_span(init)=> let #copy = #init;);
    *f.expr = syn::parse_quote!(#copy.iter().cloned());
    Walked::Hoisted(Box::new(hoisted))
}

/// `xs.to_vec().into_iter()` and `xs.to_vec().iter()` (or `to_owned`) in a statement that
/// names `xs` nowhere else, as walks of `xs`.
struct Chains {
    stmt: TokenStream,
    changed: bool,
}

impl VisitMut for Chains {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = e else { return };
        let by_value = m.method == "into_iter";
        if !m.args.is_empty() || !(by_value || m.method == "iter") {
            return;
        }
        let Some(seq) = copied(&m.receiver) else {
            return;
        };
        if !named_once(&self.stmt, seq) {
            return;
        }
        let seq = seq.clone();
        let span = m.method.span();
        *e = match by_value {
            true => syn::parse_quote_spanned!(span=> #seq.iter().cloned()),
            false => syn::parse_quote_spanned!(span=> #seq.iter()),
        };
        self.changed = true;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `std::iter::zip(a, b)` (also `core::iter::zip`, `iter::zip`, and `zip` brought in by
/// `use` where the caller's module declares no function so named) as the chain it is:
/// `a.iter().zip(b)` for a borrowed `&a`, `a.iter_mut().zip(b)` for `&mut a`,
/// `a.into_iter().zip(b)` otherwise. Also `std::iter::repeat(x).take(n)` and
/// `std::iter::repeat_n(x, n)` of a value named or written out, as `(0..n).map(|_| x)`.
pub(super) fn free_zip(block: &mut syn::Block, caller: &Ident) {
    /// The caller, and the bare names rewritten (`zip`, `repeat`, `repeat_n`).
    struct Zip<'a>(&'a Ident, Vec<&'static str>);
    impl VisitMut for Zip<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Some((repeated, bare)) = repeated(e, self.0, &mut |_| None) {
                *e = repeated;
                self.1.extend(bare);
                return;
            }
            let Expr::Call(c) = e else { return };
            let Expr::Path(f) = strip(&c.func) else {
                return;
            };
            let names: Vec<&Ident> = f.path.segments.iter().map(|s| &s.ident).collect();
            let bare = names.len() == 1;
            let std_zip = match names[..] {
                [zip] => zip == "zip" && crate::source::may_be_std(&self.0.to_string(), zip),
                [.., iter, zip] => iter == "iter" && zip == "zip",
                _ => false,
            };
            let [a, b] = &c.args.iter().collect::<Vec<_>>()[..] else {
                return;
            };
            if f.qself.is_some() || !std_zip {
                return;
            }
            let span = f.span();
            let walk = match strip(a) {
                Expr::Reference(r) if is_place(&r.expr) => {
                    let (seq, method) = (&r.expr, r.mutability.map_or("iter", |_| "iter_mut"));
                    let method = Ident::new(method, span);
                    quote_spanned!(span=> #seq.#method())
                }
                a if is_place(a) => quote_spanned!(span=> #a.into_iter()),
                Expr::MethodCall(m) if super::iterators::gives_iterator(&m.method) => {
                    quote!(#m)
                }
                a => quote_spanned!(span=> (#a).into_iter()),
            };
            *e = syn::parse_quote_spanned!(span=> #walk.zip(#b));
            if bare {
                self.1.push("zip");
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut zip = Zip(caller, Vec::new());
    zip.visit_block_mut(block);
    if !zip.1.is_empty() {
        Unimport(zip.1).visit_block_mut(block);
    }
}

/// `repeat(x).take(n)` or `repeat_n(x, n)` of `std::iter`, `x` a name, a field or a
/// literal (evaluated once either way): `(0..n).map(|_| x)`, and the bare name used.
fn repeated(
    e: &Expr,
    caller: &Ident,
    bind: &mut dyn FnMut(&Expr) -> Option<Expr>,
) -> Option<(Expr, Option<&'static str>)> {
    let std_fn = |f: &Expr, name: &'static str| -> Option<Option<&'static str>> {
        let Expr::Path(f) = strip(f) else { return None };
        let names: Vec<&Ident> = f.path.segments.iter().map(|s| &s.ident).collect();
        match names[..] {
            [only] if only == name && crate::source::may_be_std(&caller.to_string(), only) => {
                Some(Some(name))
            }
            [.., iter, last] if iter == "iter" && last == name => Some(None),
            _ => None,
        }
    };
    let (value, n, bare) = match e {
        Expr::MethodCall(m) if m.method == "take" && m.args.len() == 1 => {
            let Expr::Call(c) = strip(&m.receiver) else {
                return None;
            };
            let bare = std_fn(&c.func, "repeat")?;
            let [value] = &c.args.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            (*value, &m.args[0], bare)
        }
        Expr::Call(c) => {
            let bare = std_fn(&c.func, "repeat_n")?;
            let [value, n] = &c.args.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            (*value, *n, bare)
        }
        _ => return None,
    };
    let span = e.span();
    let value = match plain(value) {
        true => value.clone(),
        false => bind(value)?,
    };
    Some((
        syn::parse_quote_spanned!(span=> (0..#n).map(|_| #value)),
        bare,
    ))
}

/// A value evaluated alike once or at every use: a name, a field, a literal, negated.
pub(super) fn plain(e: &Expr) -> bool {
    match strip(e) {
        Expr::Path(_) | Expr::Lit(_) => true,
        Expr::Field(f) => plain(&f.base),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && plain(&u.expr),
        _ => false,
    }
}

/// `repeat(x).take(n)` and `repeat_n(x, n)` of a value computed (`repeat_n(a * b, 2)`),
/// evaluated first thing in its statement: the value bound to a name before it (once, as
/// `repeat` evaluates it), then the walk as [`free_zip`] writes it.
pub(super) fn repeated_values(block: &mut syn::Block, caller: &Ident, user: &mut HashSet<String>) {
    hoisting::hoist(
        block,
        true,
        &mut |e: &mut Expr, before: &mut Vec<syn::Stmt>| {
            let mut bind = |value: &Expr| {
                let name = Ident::new(&crate::names::unused(user, "repeated"), value.span());
                before.push(syn::parse_quote_spanned!(value.span()=> let #name = #value;));
                Some(syn::parse_quote!(#name))
            };
            if let Some((walk, _)) = repeated(e, caller, &mut bind) {
                *e = walk;
            }
        },
    );
}

/// Removes the names given from the body's `use` items (`use std::iter::zip;`), once every
/// bare `zip(a, b)` is a method call: the generated code would not use them.
struct Unimport(Vec<&'static str>);

impl VisitMut for Unimport {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        b.stmts.retain_mut(|stmt| match stmt {
            syn::Stmt::Item(syn::Item::Use(u)) => keep(&mut u.tree, &self.0),
            _ => true,
        });
        syn::visit_mut::visit_block_mut(self, b);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether anything but the names `gone` is left of `tree`, once they are taken out of it.
fn keep(tree: &mut syn::UseTree, gone: &[&str]) -> bool {
    match tree {
        syn::UseTree::Path(p) => keep(&mut p.tree, gone),
        syn::UseTree::Name(n) => !gone.iter().any(|g| n.ident == g),
        syn::UseTree::Group(g) => {
            g.items = std::mem::take(&mut g.items)
                .into_pairs()
                .map(syn::punctuated::Pair::into_value)
                .filter_map(|mut t| keep(&mut t, gone).then_some(t))
                .collect();
            !g.items.is_empty()
        }
        syn::UseTree::Rename(_) | syn::UseTree::Glob(_) => true,
    }
}
