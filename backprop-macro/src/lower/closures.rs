//! Closures, as the code they stand for:
//! - a closure bound to a local and called, `let f = |t| t * x; f(2.0)`, is inlined at each
//!   call, `{ let t = 2.0; t * x }` (when nothing between rebinds a name it reads, and the
//!   local is only called);
//! - ndarray's `a.mapv(|v| body)` (and `a.mapv(f64::tanh)`, and an array's `a.map(|v|
//!   body)`) is the array expression `body` with `v` replaced by `a`: elementwise, as the
//!   arrays' own operations are (`(v * 2.0).tanh()` is `(a * 2.0).tanh()`).

use super::*;

/// `floats` names the float types a method path may start with (`f64::exp`, `T::exp`);
/// `taken` the names in use.
pub(super) fn desugar(
    block: &mut syn::Block,
    floats: &[String],
    taken: &mut HashSet<String>,
    krate: &syn::Path,
) {
    FnItems.visit_block_mut(block);
    MapPaths {
        floats,
        taken: &mut *taken,
    }
    .visit_block_mut(block);
    Inline { taken }.visit_block_mut(block);
    Mapv { krate }.visit_block_mut(block);
}

/// A function declared inside the body (`fn sq(v: f64) -> f64 { v * v }`) as the closure it
/// can be, bound at the start of its block (`let sq = |v: f64| -> f64 { v * v };`), then
/// inlined at its calls as closures are: it captures nothing, so reads what it reads
/// anywhere in the block. Not one that is generic, `const`, `async`, `unsafe`, recursive,
/// has a pattern for a parameter or returns early: it stays an ordinary function (an error
/// where a derivative goes through it); nor one with `#[differentiate]` of its own.
struct FnItems;

fn as_closure(f: &syn::ItemFn) -> Option<syn::Stmt> {
    let sig = &f.sig;
    let plain = sig.generics.params.is_empty()
        && sig.generics.where_clause.is_none()
        && sig.constness.is_none()
        && sig.asyncness.is_none()
        && !matches!(sig.safety, syn::Safety::Unsafe(_))
        && sig.abi.is_none()
        && sig.variadic.is_none();
    let name = &sig.ident;
    // (One with `#[differentiate]` of its own keeps its module: `helper::grad(..)`.)
    let differentiated = f.attrs.iter().any(crate::methods::is_differentiate);
    if !plain || differentiated || mentions(&f.block.to_token_stream(), name) {
        return None;
    }
    let params = sig
        .inputs
        .iter()
        .map(|arg| match arg {
            syn::FnArg::Typed(t) if matches!(&*t.pat, Pat::Ident(i) if i.subpat.is_none()) => {
                Some(t)
            }
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let (output, block) = (&sig.output, &f.block);
    let body: Expr = syn::parse_quote!(#block);
    // (A `return` would return from the function it is inlined into.)
    if exits_early(&body) {
        return None;
    }
    let closure: Expr = match output {
        syn::ReturnType::Default => syn::parse_quote_spanned!(name.span()=> |#(#params),*| #body),
        syn::ReturnType::Type(_, ty) => {
            syn::parse_quote_spanned!(name.span()=> |#(#params),*| -> #ty #body)
        }
    };
    Some(syn::parse_quote_spanned!(name.span()=> let #name = #closure;))
}

impl VisitMut for FnItems {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut closures = Vec::new();
        block.stmts.retain(|stmt| match stmt {
            syn::Stmt::Item(syn::Item::Fn(f)) => match as_closure(f) {
                Some(c) => {
                    closures.push(c);
                    false
                }
                None => true,
            },
            _ => true,
        });
        if !closures.is_empty() {
            closures.append(&mut block.stmts);
            block.stmts = closures;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `.map(f64::exp)`, `.map(f)` (a closure or function bound to a name) and `.map(act::f)`
/// (a module's function) as the closures they stand for, `.map(|item| f64::exp(item))`,
/// `.map(|item| f(item))`: an iterator chain's maps are closures, and a local closure only
/// called is inlined.
struct MapPaths<'a> {
    floats: &'a [String],
    taken: &'a mut HashSet<String>,
}

impl VisitMut for MapPaths<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = e else { return };
        if m.method != "map" || m.args.len() != 1 {
            return;
        }
        let Expr::Path(p) = strip(&m.args[0]) else {
            return;
        };
        let segments = &p.path.segments;
        let lower = |s: &syn::PathSegment| {
            s.ident
                .to_string()
                .starts_with(|c: char| c.is_lowercase() || c == '_')
        };
        // `f`, `f64::exp`, or a function of a module (`act::leaky`, `crate::nn::gelu`).
        let fits = p.qself.is_none()
            && segments.iter().all(|s| s.arguments.is_none())
            && match segments.len() {
                1 => lower(&segments[0]),
                2 if self.floats.contains(&segments[0].ident.to_string()) => true,
                _ => segments.iter().all(lower),
            };
        if !fits {
            return;
        }
        let item = Ident::new(
            &crate::names::unused(self.taken, "item"),
            proc_macro2::Span::mixed_site(),
        );
        let f = p.clone();
        m.args[0] = syn::parse_quote_spanned!(f.span()=> |#item| #f(#item));
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Closures bound to a local and only called, inlined; `taken` the names in use.
struct Inline<'a> {
    taken: &'a mut HashSet<String>,
}

/// A closure's parameter as the `let` that binds it at a call: its pattern, its type where
/// it names a float (`|t: f64|`: an argument written `0.0` stays an `f64`), and whether it
/// takes the argument by reference (`|&(a, b)|` binds `let (a, b) = *arg;`).
struct Param {
    pat: Pat,
    float: Option<Type>,
    deref: bool,
}

impl Param {
    fn of(p: &Pat) -> Self {
        match p {
            Pat::Type(t) => {
                let float = matches!(&*t.pat, Pat::Ident(_))
                    && matches!(&*t.ty, Type::Path(p) if p.qself.is_none()
                        && (p.path.is_ident("f64") || p.path.is_ident("f32")));
                Param {
                    float: float.then(|| (*t.ty).clone()),
                    ..Param::of(&t.pat)
                }
            }
            Pat::Reference(r) if r.mutability.is_none() => Param {
                pat: (*r.pat).clone(),
                float: None,
                deref: true,
            },
            other => Param {
                pat: other.clone(),
                float: None,
                deref: false,
            },
        }
    }

    /// `let pat = arg;`, the argument dereferenced where the pattern takes it by reference
    /// (a lent value, `&e`, read as `e`).
    fn binding(&self, arg: &Expr) -> syn::Stmt {
        let pat = &self.pat;
        match (self.deref, strip(arg), &self.float) {
            (true, Expr::Reference(r), _) if r.mutability.is_none() => {
                let value = &r.expr;
                syn::parse_quote!(let #pat = #value;)
            }
            (true, _, _) => syn::parse_quote!(let #pat = *(#arg);),
            (false, _, Some(ty)) => syn::parse_quote!(let #pat: #ty = #arg;),
            (false, _, None) => syn::parse_quote!(let #pat = #arg;),
        }
    }
}

/// The names a closure's parameters bind.
fn param_names(params: &[Param]) -> Vec<Ident> {
    params
        .iter()
        .flat_map(|p| super::matches::bindings(&p.pat))
        .collect()
}

/// `let name = |params| body;`: the name, the parameters, the body, and whether it captures
/// by value (`move`).
fn closure_let(stmt: &syn::Stmt) -> Option<(Ident, Vec<Param>, Expr, bool)> {
    let (name, init) = named_let(stmt)?;
    let Expr::Closure(c) = strip(init) else {
        return None;
    };
    // (A body that returns from the closure would return from the function inlined.)
    if exits_early(&c.body) {
        return None;
    }
    let params = c.inputs.iter().map(Param::of).collect();
    Some((
        name.ident.clone(),
        params,
        (*c.body).clone(),
        c.capture.is_some(),
    ))
}

/// The names a statement assigns (`x = ..`, `x += ..`), anywhere inside it.
fn assigned_names(stmt: &syn::Stmt, out: &mut HashSet<String>) {
    struct Assigned<'a>(&'a mut HashSet<String>);
    impl<'ast> Visit<'ast> for Assigned<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            let place = match e {
                Expr::Assign(a) => Some(&*a.left),
                Expr::Binary(b) if compound(&b.op).is_some() || is_compound_other(&b.op) => {
                    Some(&*b.left)
                }
                _ => None,
            };
            if let Some(place) = place {
                collect_idents(place.to_token_stream(), self.0);
            }
            syn::visit::visit_expr(self, e);
        }
    }
    Assigned(out).visit_stmt(stmt);
}

/// Replaces `name(args)` with the body; notes any other use of `name`.
struct Calls<'a> {
    name: &'a Ident,
    params: &'a [Param],
    body: &'a Expr,
    other_use: bool,
}

impl VisitMut for Calls<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Call(call) = e
            && matches!(strip(&call.func), Expr::Path(p) if p.path.is_ident(self.name))
            && call.args.len() == self.params.len()
        {
            for a in call.args.iter_mut() {
                self.visit_expr_mut(a);
            }
            let (body, span) = (self.body, call.span());
            let lets = (self.params.iter().zip(&call.args)).map(|(p, a)| p.binding(a));
            // The body in parentheses: at the start of the block's last statement, a body
            // that starts with a block (another closure's call inlined, `{ .. } * v`) would
            // read as that block, then `*v`.
            *e = syn::parse_quote_spanned!(span=> { #(#lets)* (#body) });
            return;
        }
        if let Expr::Path(p) = e
            && p.path.is_ident(self.name)
        {
            self.other_use = true;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

impl VisitMut for Inline<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut i = 0;
        while i < block.stmts.len() {
            let Some((name, params, body, by_value)) = closure_let(&block.stmts[i]) else {
                i += 1;
                continue;
            };
            let mut later: Vec<syn::Stmt> = block.stmts[i + 1..].to_vec();
            let names = param_names(&params);
            if !captures_kept(&name, &names, &body, by_value, &later) {
                i += 1;
                continue;
            }
            // The parameters renamed apart where a call's arguments name one (`f(b, a)` of
            // `|a, b|` binds `f_a = b; f_b = a`; bound in order, `b`'s argument would read
            // the new `a`). Elsewhere they keep their names (a format string in the body
            // may name them: `println!("{t}")`).
            let mut argued = HashSet::new();
            for s in &later {
                arguments_of(&name, s, &mut argued);
            }
            let clash = names.iter().any(|p| argued.contains(&p.to_string()));
            // (One a format string names cannot be renamed: such a closure stays, an error.)
            if clash
                && names
                    .iter()
                    .any(|p| in_format_string(&body, &p.to_string()))
            {
                i += 1;
                continue;
            }
            let renames: std::collections::HashMap<String, Ident> = names
                .iter()
                .filter(|_| clash)
                .map(|p| {
                    let fresh = crate::names::unused(self.taken, &format!("{name}_{p}"));
                    (p.to_string(), Ident::new(&fresh, p.span()))
                })
                .collect();
            let mut body = body;
            super::helpers::rename(&renames, &mut body);
            let mut params = params;
            for p in &mut params {
                super::helpers::Rename(&renames).visit_pat_mut(&mut p.pat);
            }
            let mut calls = Calls {
                name: &name,
                params: &params,
                body: &body,
                other_use: false,
            };
            for s in &mut later {
                calls.visit_stmt_mut(s);
            }
            if calls.other_use {
                i += 1;
                continue;
            }
            block.stmts.truncate(i);
            block.stmts.extend(later);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether a macro's string literal in `body` names `name` as a format argument (`"{x}"`,
/// `"{x:.3}"`).
fn in_format_string(body: &Expr, name: &str) -> bool {
    struct Formats<'a>(&'a str, bool);
    impl<'ast> Visit<'ast> for Formats<'_> {
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            fn scan(tokens: TokenStream, name: &str) -> bool {
                tokens.into_iter().any(|t| match t {
                    TokenTree::Literal(l) => {
                        let text = l.to_string();
                        text.contains(&format!("{{{name}}}"))
                            || text.contains(&format!("{{{name}:"))
                    }
                    TokenTree::Group(g) => scan(g.stream(), name),
                    _ => false,
                })
            }
            self.1 |= scan(m.tokens.clone(), self.0);
        }
    }
    let mut formats = Formats(name, false);
    formats.visit_expr(body);
    formats.1
}

/// The names the arguments of the calls of `name` in `stmt` mention.
fn arguments_of(name: &Ident, stmt: &syn::Stmt, out: &mut HashSet<String>) {
    struct Args<'a>(&'a Ident, &'a mut HashSet<String>);
    impl<'ast> Visit<'ast> for Args<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if matches!(strip(&c.func), Expr::Path(p) if p.path.is_ident(self.0)) {
                for a in &c.args {
                    collect_idents(a.to_token_stream(), self.1);
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    Args(name, out).visit_stmt(stmt);
}

/// Whether a closure `name` (`params`, `body`, `move` if `by_value`) inlined at its calls
/// in the `later` statements reads what it reads where it was made: neither its name nor a
/// name its body reads is bound again there, at any depth (`for i in .. { let w = ..;
/// f(t) }`, `.map(|w| f(*w))`), and for a `move` closure none of those is assigned.
/// (What the body reads from around it: not the names it binds itself, `cube`'s body `{
/// let v = t; (v * v) } * t` of an inlined `sq` reads no `v`.)
pub(super) fn captures_kept(
    name: &Ident,
    params: &[Ident],
    body: &Expr,
    by_value: bool,
    later: &[syn::Stmt],
) -> bool {
    let mut read = free_names(body);
    for p in params {
        read.remove(&p.to_string());
    }
    let mut rebound = HashSet::new();
    // (After the last statement that names the closure, nothing calls it.)
    let last = later
        .iter()
        .rposition(|s| mentions(&s.to_token_stream(), name))
        .map_or(0, |i| i + 1);
    for s in &later[..last] {
        rebound.extend(super::extrema::locals(s));
        // A `move` closure keeps the values it captured: inlined, it would read them as
        // they are at the call.
        if by_value {
            assigned_names(s, &mut rebound);
        }
    }
    // (A pattern's lone `None` binds nothing: it is the variant. Other capitalized names
    // may be locals, `let K = ..;`, and stay.)
    rebound.remove("None");
    !rebound.contains(&name.to_string()) && !rebound.iter().any(|n| read.contains(n))
}

struct Mapv<'a> {
    krate: &'a syn::Path,
}

impl VisitMut for Mapv<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = e else { return };
        // (`map` is an iterator's too: only `mapv` is certainly ndarray's here; lowering,
        // which knows the receiver is an array, rewrites an array's `map`.)
        if m.method != "mapv" || m.args.len() != 1 {
            return;
        }
        if let Some(mapped) = elementwise(&m.receiver, &m.args[0], self.krate) {
            *e = mapped;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `array.mapv(f)` (or an array's `map(f)`) as the elementwise array expression it means:
/// `|v| body` (`|&v|`, `|v: f64|`) as `body` with `v` (and `*v`) replaced by the array,
/// `f64::tanh` as `(array).tanh()`.
pub(super) fn elementwise(array: &Expr, f: &Expr, krate: &syn::Path) -> Option<Expr> {
    let mapped: Expr = match strip(f) {
        Expr::Closure(c) if c.inputs.len() == 1 => {
            let (v, _) = closure_param(&c.inputs[0])?;
            elementwise_body(&[(v.clone(), array.clone())], &c.body, krate)
        }
        // `f64::tanh`, `f32::exp`: the method on the array.
        Expr::Path(p) if p.path.segments.len() == 2 => {
            let ty = &p.path.segments[0].ident;
            let method = &p.path.segments[1].ident;
            if ty != "f64" && ty != "f32" {
                return None;
            }
            syn::parse_quote!((#array).#method())
        }
        _ => return None,
    };
    Some(syn::parse_quote!((#mapped)))
}

/// A closure's body over elements as the array expression it means: each element's name
/// in `arrays` (`v`, and `*v`) replaced by its array, `x.max(c)` of an element as the gate.
pub(super) fn elementwise_body(arrays: &[(Ident, Expr)], body: &Expr, krate: &syn::Path) -> Expr {
    let mut body = body.clone();
    // The names the body binds that an array is read by (`let a = 2.0;` in
    // `a.mapv(|v| ..)`), renamed apart: put in place of `v`, the array would read them.
    // (The new names are unused in the arrays and the body, the only code the block they
    // are bound in holds.)
    let mut taken = HashSet::new();
    for (_, array) in arrays {
        collect_idents(array.to_token_stream(), &mut taken);
    }
    let bound = super::extrema::locals(&syn::Stmt::Expr(body.clone(), None));
    let mut clashes: Vec<String> = bound
        .into_iter()
        .filter(|n| taken.contains(n) && arrays.iter().all(|(v, _)| n != &v.to_string()))
        .collect();
    clashes.sort();
    collect_idents(body.to_token_stream(), &mut taken);
    let span = arrays
        .first()
        .map_or_else(Span::call_site, |(v, _)| v.span());
    let renames: std::collections::HashMap<String, Ident> = clashes
        .into_iter()
        .map(|n| {
            let fresh = crate::names::unused(&mut taken, &format!("{n}_inner"));
            (n, Ident::new(&fresh, span))
        })
        .collect();
    super::helpers::rename(&renames, &mut body);
    for (v, _) in arrays {
        Extrema { v, krate }.visit_expr_mut(&mut body);
    }
    Substitute {
        names: arrays
            .iter()
            .map(|(v, array)| (v.to_string(), array.clone()))
            .collect(),
    }
    .visit_expr_mut(&mut body);
    body
}

/// `x.max(c)`, `x.min(c)` and `x.clamp(lo, hi)` in a `mapv` closure, `x` reading its
/// element `v` and the bounds not: the gates `maximum(x, c)` and `minimum(x, c)`, which take
/// an array where the float methods take a float (`a.mapv(|v| (v * 2.0).max(0.0))` is
/// `maximum(a * 2.0, 0.0)`).
struct Extrema<'a> {
    v: &'a Ident,
    krate: &'a syn::Path,
}

impl VisitMut for Extrema<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = e else { return };
        let arity = match m.method.to_string().as_str() {
            "max" | "min" => 1,
            "clamp" => 2,
            _ => return,
        };
        if m.args.len() != arity
            || !mentions(&m.receiver.to_token_stream(), self.v)
            || m.args
                .iter()
                .any(|a| mentions(&a.to_token_stream(), self.v))
        {
            return;
        }
        let (krate, span, x) = (self.krate, m.method.span(), &m.receiver);
        let gate = |name: &str| Ident::new(name, span);
        let (maximum, minimum) = (gate("maximum"), gate("minimum"));
        *e = match (m.method.to_string().as_str(), &m.args[0]) {
            ("max", c) => syn::parse_quote_spanned!(span=> #krate::#maximum(#x, #c)),
            ("min", c) => syn::parse_quote_spanned!(span=> #krate::#minimum(#x, #c)),
            // `x.clamp(lo, hi)`: at least `lo`, then at most `hi`.
            (_, lo) => {
                let hi = &m.args[1];
                syn::parse_quote_spanned!(span=> #krate::#minimum(#krate::#maximum(#x, #lo), #hi))
            }
        };
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// A closure's parameter `|v|`, `|v: f64|` or `|&v|`: its name, and whether the pattern
/// takes the argument by reference (`&v`).
pub(super) fn closure_param(p: &Pat) -> Option<(&Ident, bool)> {
    match p {
        Pat::Ident(i) if i.subpat.is_none() => Some((&i.ident, false)),
        Pat::Type(t) => closure_param(&t.pat),
        Pat::Reference(r) => closure_param(&r.pat).map(|(v, _)| (v, true)),
        _ => None,
    }
}

/// Names replaced by expressions (`v` by the array in `mapv`, a comparison's arguments by
/// the items compared), each parenthesized only where its precedence needs it: as a
/// receiver (`(&best).total_cmp(..)`) unless it is already an atom, as an operand
/// (`(x + y) * 2.0`) unless it is unary or tighter. `*v` of a name counts as the name (a
/// parameter taken by reference, `map(|v| *v * 2.0)`, stands for the value).
pub(super) struct Substitute {
    pub(super) names: Vec<(String, Expr)>,
}

impl Substitute {
    fn value(&self, e: &Expr) -> Option<Expr> {
        let target = match e {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &*u.expr,
            other => other,
        };
        let Expr::Path(p) = target else { return None };
        let ident = p.path.get_ident()?;
        let (_, value) = self.names.iter().find(|(n, _)| ident == n)?;
        Some(value.clone())
    }

    /// The value in a receiver's (or indexed or field base's) place.
    fn postfix(&mut self, e: &mut Expr) {
        match self.value(e) {
            Some(v) if atom(&v) => *e = v,
            Some(v) => *e = syn::parse_quote!((#v)),
            None => self.visit_expr_mut(e),
        }
    }
}

/// An expression that can be a receiver as it is.
fn atom(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Path(_)
            | Expr::Lit(_)
            | Expr::Paren(_)
            | Expr::Call(_)
            | Expr::MethodCall(_)
            | Expr::Index(_)
            | Expr::Field(_)
            | Expr::Array(_)
            | Expr::Tuple(_)
            | Expr::Macro(_)
    )
}

impl VisitMut for Substitute {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::MethodCall(m) => {
                self.postfix(&mut m.receiver);
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
            }
            Expr::Field(f) => self.postfix(&mut f.base),
            Expr::Index(i) => {
                self.postfix(&mut i.expr);
                self.visit_expr_mut(&mut i.index);
            }
            _ => match self.value(e) {
                Some(v) if atom(&v) || matches!(v, Expr::Reference(_) | Expr::Unary(_)) => *e = v,
                Some(v) => *e = syn::parse_quote!((#v)),
                None => syn::visit_mut::visit_expr_mut(self, e),
            },
        }
    }
}

/// The parameters of a chain's closures named like a value the chain reads elsewhere,
/// renamed apart (`x.iter().fold(0.0, |x, v| x + v)` as `|x_item, v| x_item + v`,
/// `x.windows(2).map(|x| x[1] - x[0])`, `.enumerate().map(|(x, v)| ..)`): the loop a chain
/// becomes binds them where it still reads the sequence by its name.
pub(super) fn rename_shadowing(block: &mut syn::Block, taken: &mut HashSet<String>) {
    Shadowing { taken }.visit_block_mut(block);
}

struct Shadowing<'a> {
    taken: &'a mut HashSet<String>,
}

impl VisitMut for Shadowing<'_> {
    fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
        // The inner chains first: a renamed parameter is then what the outer one reads.
        syn::visit_mut::visit_expr_method_call_mut(self, m);
        let mut read = HashSet::new();
        collect_idents(m.receiver.to_token_stream(), &mut read);
        for a in &m.args {
            if !matches!(strip(a), Expr::Closure(_)) {
                collect_idents(a.to_token_stream(), &mut read);
            }
        }
        for a in &mut m.args {
            let Expr::Closure(c) = a else { continue };
            let mut bound = HashSet::new();
            for input in &c.inputs {
                collect_idents(input.to_token_stream(), &mut bound);
            }
            // (Not one a format string in the body names, `println!("{x}")`, which a rename
            // cannot follow: left as the chain reads it.)
            let mut clashes: Vec<&String> = bound
                .intersection(&read)
                .filter(|n| !in_format_string(&c.body, n))
                .collect();
            if clashes.is_empty() {
                continue;
            }
            clashes.sort();
            let renames: std::collections::HashMap<String, Ident> = clashes
                .into_iter()
                .map(|n| {
                    let fresh = crate::names::unused(self.taken, &format!("{n}_item"));
                    (n.clone(), Ident::new(&fresh, c.span()))
                })
                .collect();
            let mut closure = Expr::Closure(c.clone());
            super::helpers::rename(&renames, &mut closure);
            *a = closure;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A closure's value as written: the tail of its block body, or its body; `None` for a
/// block without a tail.
pub(super) fn closure_value(c: &syn::ExprClosure) -> Option<&Expr> {
    match strip(&c.body) {
        Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => Some(tail),
            _ => None,
        },
        body => Some(body),
    }
}
