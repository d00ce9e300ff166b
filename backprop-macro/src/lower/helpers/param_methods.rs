//! The ordinary methods of a parameter's struct (with a gradient, or without one and
//! passed as a constant), inlined where the parameter calls them: with `impl Pendulum { fn accel(&self, th: f64) -> f64 { -9.81 /
//! self.length * th.sin() } }` beside the function, `p.accel(a + b)` (`p: &Pendulum`) is
//! `let accel_th = a + b;` then `-9.81 / p.length * accel_th.sin()`: `self` is the
//! parameter itself, read through its fields as the caller reads it, and a name passed
//! (`p.accel(th)`) is read in place where the body does not change it (its own bindings of
//! the name are renamed apart). Methods taking `&self`, without generics of their own or
//! `#[differentiate]` (a differentiated method stays a call), of an `impl` block generic as
//! the struct is or not at all (`impl<F: Real> Lin<F>` called on `m: &Lin<T>` reads `F` as
//! `T`; on `&Lin<f64>`, `F::zero()` as `<f64 as Zero>::zero()`); one the helpers' rules
//! refuse (`return`, a macro, ..) is an error at its call (`PLAIN_METHOD`, in lowering).

use super::*;

/// A parameter whose type is a struct: the struct's name, and its type arguments as
/// written (`m: &Lin<T>`: `Lin`, `[T]`).
#[derive(Clone)]
pub(super) struct StructParam {
    on: String,
    args: Vec<TokenStream>,
}

/// The parameters whose type is a struct (`p: &Pendulum`, `this: &Model`, `m: &Lin<T>`),
/// by name.
pub(super) fn struct_params(
    sig: &syn::Signature,
) -> std::collections::HashMap<String, StructParam> {
    by_name(sig, |ty| struct_of(shared(ty)))
}

/// The parameters holding a sequence of a struct (`ps: &[P]`, `&Vec<P>`, `Vec<P>`, `[P;
/// N]`), by name: their elements' struct.
pub(super) fn seq_struct_params(
    sig: &syn::Signature,
) -> std::collections::HashMap<String, StructParam> {
    by_name(sig, |ty| match shared(ty) {
        Type::Slice(s) => struct_of(&s.elem),
        Type::Array(a) => struct_of(&a.elem),
        Type::Path(p) if p.qself.is_none() => match &p.path.segments.iter().collect::<Vec<_>>()[..]
        {
            [v] if v.ident == "Vec" => match crate::source::type_args(v)?.as_slice() {
                [syn::GenericArgument::Type(t)] => struct_of(t),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}

/// The names of the parameters holding a sequence of a struct ([`seq_struct_params`]).
pub(in crate::lower) fn seq_struct_names(sig: &syn::Signature) -> HashSet<String> {
    seq_struct_params(sig).into_keys().collect()
}

/// The names `block` binds, each with how many times.
pub(super) fn binding_counts(block: &syn::Block) -> std::collections::HashMap<String, usize> {
    let mut bound = Vec::new();
    Bound(&mut bound).visit_block(block);
    let mut counts = std::collections::HashMap::new();
    for name in bound {
        *counts.entry(name).or_insert(0) += 1;
    }
    counts
}

/// The parameters named by a plain name whose type `what` reads, by name.
fn by_name(
    sig: &syn::Signature,
    what: impl Fn(&Type) -> Option<StructParam>,
) -> std::collections::HashMap<String, StructParam> {
    sig.inputs
        .iter()
        .filter_map(|a| {
            let syn::FnArg::Typed(t) = a else { return None };
            let Pat::Ident(name) = &*t.pat else {
                return None;
            };
            Some((name.ident.to_string(), what(&t.ty)?))
        })
        .collect()
}

/// A type behind a shared reference, or the type.
fn shared(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => &r.elem,
        ty => ty,
    }
}

/// `Lin<T>` as a struct and its arguments (a path of one segment).
fn struct_of(ty: &Type) -> Option<StructParam> {
    let Type::Path(p) = ty else { return None };
    let [on] = &p.path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let args = crate::source::type_args(on)?;
    let args = args.iter().map(ToTokens::to_token_stream).collect();
    let param = StructParam {
        on: on.ident.to_string(),
        args,
    };
    p.qself.is_none().then_some(param)
}

impl Inline<'_> {
    /// The struct of a parameter `e` names, or of a field chain from one (`m.hidden`, its
    /// type declared in the file), and the parameter, where no `let` binds it again; with
    /// the struct's type arguments (`T` of `m: &Lin<T>`, and of `m.a` for `a: Lin<T>`).
    pub(super) fn param_struct(&self, e: &Expr) -> Option<(String, Ident, Vec<TokenStream>)> {
        match strip(e) {
            Expr::Path(p) => {
                let name = p.path.get_ident().filter(|_| p.qself.is_none())?;
                let key = name.to_string();
                // An element a loop walks (`layer` of `for layer in &net.layers`).
                if let Some(element) = self.elements.get(&key) {
                    return Some((element.on.clone(), name.clone(), element.args.clone()));
                }
                if self.locals.contains_key(&key) {
                    return None;
                }
                let param = self.params.get(&key)?;
                Some((param.on.clone(), name.clone(), param.args.clone()))
            }
            Expr::Field(f) => {
                let (on, root, args) = self.param_struct(&f.base)?;
                let syn::Member::Named(field) = &f.member else {
                    return None;
                };
                let (on, args) =
                    crate::source::field_type_args(&self.caller, (&on, &args), field, false)?;
                Some((on, root, args))
            }
            // `net.layers[i]`, `ps[i]`: an element of a parameter's sequence of a struct (or
            // of a field of one).
            Expr::Index(ix) => match strip(&ix.expr) {
                Expr::Field(f) => {
                    let (on, args) = self.element_struct(f)?;
                    let (_, root, _) = self.param_struct(&f.base)?;
                    Some((on, root, args))
                }
                Expr::Path(p) => {
                    let name = p.path.get_ident().filter(|_| p.qself.is_none())?;
                    let element = self.element_source(&ix.expr)?;
                    Some((element.on, name.clone(), element.args))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The struct of the elements of `f`, a field chain from a parameter to a sequence of
    /// a struct (`net.layers` of `layers: Vec<Layer>`), with its type arguments.
    fn element_struct(&self, f: &syn::ExprField) -> Option<(String, Vec<TokenStream>)> {
        let (on, _, args) = self.param_struct(&f.base)?;
        let syn::Member::Named(field) = &f.member else {
            return None;
        };
        crate::source::field_type_args(&self.caller, (&on, &args), field, true)
    }

    /// A `for` loop's body, the name it binds to each element of a parameter's sequence of
    /// structs known there ([`Self::walked_element`]); its names hide any outer loop's.
    pub(super) fn loop_body(&mut self, f: &mut syn::ExprForLoop) {
        let outer = self.elements.clone();
        let mut bound = Vec::new();
        Bound(&mut bound).visit_pat(&f.pat);
        self.elements.retain(|n, _| !bound.contains(n));
        if let Some((name, element)) = self.walked_element(f) {
            self.elements.insert(name, element);
        }
        self.stmts(&mut f.body.stmts);
        self.elements = outer;
    }

    /// `let a = ps[i];` or `let a = &ps[i];` of an element of a parameter's sequence of
    /// structs (or of a field of one): `a` known as such an element for its plain methods,
    /// where the caller's body binds `a` nowhere else. Any other `let` forgets the names it
    /// binds.
    pub(super) fn bound_element(&mut self, local: &syn::Local) {
        let mut bound = Vec::new();
        Bound(&mut bound).visit_pat(&local.pat);
        self.elements.retain(|n, _| !bound.contains(n));
        let (Pat::Ident(name), Some(init)) = (&local.pat, &local.init) else {
            return;
        };
        let value = match strip(&init.expr) {
            Expr::Reference(r) if r.mutability.is_none() => strip(&r.expr),
            value => value,
        };
        let Expr::Index(ix) = value else { return };
        let Some(element) = self.element_source(&ix.expr) else {
            return;
        };
        let once = self.locals.get(&name.ident.to_string()) == Some(&1);
        let plain = name.by_ref.is_none() && name.mutability.is_none() && name.subpat.is_none();
        if plain && once {
            self.elements.insert(name.ident.to_string(), element);
        }
    }

    /// The name a `for` loop binds to each element of a parameter's sequence of structs,
    /// or of a field of one (`for p in ps`, `for layer in &net.layers`,
    /// `net.layers.iter()`), where the body does not bind it again: its struct, for its
    /// plain methods.
    fn walked_element(&self, f: &syn::ExprForLoop) -> Option<(String, StructParam)> {
        let Pat::Ident(name) = &*f.pat else {
            return None;
        };
        if name.by_ref.is_some() || name.subpat.is_some() {
            return None;
        }
        let element = self.element_source(&f.expr)?;
        let mut bound = Vec::new();
        Bound(&mut bound).visit_block(&f.body);
        (!bound.iter().any(|b| name.ident == b)).then(|| (name.ident.to_string(), element))
    }

    /// What walks the elements of a parameter's sequence of structs, or of a field of one
    /// (`&ps`, `ps.iter()`, `ps`, `&net.layers`, `net.layers.iter()`): their struct.
    fn element_source(&self, e: &Expr) -> Option<StructParam> {
        let seq = match strip(e) {
            Expr::Reference(r) if r.mutability.is_none() => strip(&r.expr),
            Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => strip(&m.receiver),
            other => other,
        };
        match seq {
            Expr::Field(field) => {
                let (on, args) = self.element_struct(field)?;
                Some(StructParam { on, args })
            }
            Expr::Path(p) => {
                let name = p
                    .path
                    .get_ident()
                    .filter(|_| p.qself.is_none())?
                    .to_string();
                if self.locals.contains_key(&name) {
                    return None;
                }
                self.seq_params.get(&name).cloned()
            }
            _ => None,
        }
    }

    /// The closures of `ps.iter().map(|p| ..)` (`filter`, `for_each`, `any`, `all`, and
    /// `fold`'s second parameter) over a parameter's sequence of structs, each visited with
    /// its item known as an element ([`Self::loop_body`]'s for closures).
    pub(super) fn chain_closures(&mut self, m: &mut syn::ExprMethodCall) -> bool {
        let at = match m.method.to_string().as_str() {
            "map" | "filter" | "for_each" | "any" | "all" => 0,
            "fold" => 1,
            _ => return false,
        };
        let is_iter = matches!(strip(&m.receiver), Expr::MethodCall(i) if i.method == "iter");
        let Some(element) = is_iter.then(|| self.element_source(&m.receiver)).flatten() else {
            return false;
        };
        let Some(Expr::Closure(c)) = m.args.last_mut() else {
            return false;
        };
        let name = match c.inputs.iter().nth(at) {
            Some(Pat::Ident(i)) if i.by_ref.is_none() && i.subpat.is_none() => i.ident.to_string(),
            _ => return false,
        };
        let mut bound = Vec::new();
        for input in &c.inputs {
            Bound(&mut bound).visit_pat(input);
        }
        let mut inner = Vec::new();
        Bound(&mut inner).visit_expr(&c.body);
        // (`fold`'s start first, outside the closure.)
        let start = m.args.len() - 1;
        for a in m.args.iter_mut().take(start) {
            self.expr(a, None);
        }
        let outer = self.elements.clone();
        self.elements.retain(|n, _| !bound.contains(n));
        if !inner.contains(&name) {
            self.elements.insert(name, element);
        }
        if let Some(closure) = m.args.last_mut() {
            self.expr(closure, None);
        }
        self.elements = outer;
        true
    }

    /// `receiver.name(args)` of the ordinary method `name` of the struct `on`: the method's
    /// body with `self` the receiver, its parameters bound to the arguments.
    /// (`root`: the parameter the receiver starts from.)
    /// (`types`: the struct's type arguments at the receiver, `[T]` of `m: &Lin<T>`, for
    /// the `impl` block's parameters.)
    pub(super) fn inline_param_method(
        &mut self,
        (on, types): (&str, &[TokenStream]),
        receiver: &Expr,
        root: &Ident,
        name: &Ident,
        args: &[&Expr],
    ) -> Option<(Vec<syn::Stmt>, Expr)> {
        let key = format!("{on}::{name}");
        // (A call not inlined stays a call, and lowering says why: `PLAIN_METHOD`.)
        if self.stack.contains(&key) {
            return None;
        }
        let (mut m, generics) =
            crate::source::param_method(&self.caller, on, &name.to_string(), name.span())?;
        early_returns(&mut m.block, &m.sig, name, self.taken);
        // `impl<U: Real> Lin<U>` called on `m: &Lin<T>`: `U` is `T` in the body.
        if generics.len() != types.len() {
            return None;
        }
        let by_type: std::collections::HashMap<String, TokenStream> = generics
            .into_iter()
            .zip(types)
            .map(|(g, t)| (g, t.clone()))
            .collect();
        let (sig, by_ref) = self.without_receiver(&m.sig);
        let params = plain_params(&sig).filter(|p| {
            p.len() == args.len() && inlinable(&m.block) && !p.iter().any(|(n, _)| n == root)
        })?;
        let on_ident = Ident::new(on, name.span());
        let tokens = replace_self_type(m.block.to_token_stream(), &on_ident);
        let tokens = self.replace_type_params(tokens, &by_type);
        let mut block: syn::Block = syn::parse2(tokens).ok()?;
        // A closure's, a loop's or a later `let`'s name for a parameter or for the
        // receiver's root renamed apart (before `self` is the receiver): each name then
        // means the parameter wherever it is left.
        let mut names: Vec<String> = params.iter().map(|(p, _)| p.to_string()).collect();
        // (And every name the receiver reads: `i` of `net.layers[i]`.)
        let mut read = HashSet::new();
        crate::lower::syntax::collect_idents(receiver.to_token_stream(), &mut read);
        names.extend(read);
        names.push(root.to_string());
        renames::rename_shadowing_params(&mut block, &names, self.taken, name);
        // The receiver's names must not be names the body still binds (an `if let`'s).
        let mut bound = Vec::new();
        Bound(&mut bound).visit_block(&block);
        if bound
            .iter()
            .any(|b| names.contains(b) && !params.iter().any(|(p, _)| p == b))
        {
            return None;
        }
        let receiver = receiver.to_token_stream();
        let mut block: syn::Block =
            syn::parse2(replace_self(block.to_token_stream(), &receiver)).ok()?;
        // A name passed to a parameter the body neither changes nor binds again is read as
        // itself (a row of the caller's stays a row, not a value bound to a local).
        // (Nor a name the body binds or takes as a parameter: those are renamed apart.)
        let taken = |n: &Ident, param: &Ident| {
            bound.iter().any(|b| n == b) || params.iter().any(|(p, _)| n == p && p != param)
        };
        let mut kept = Vec::new();
        let mut names = std::collections::HashMap::new();
        let mut elements = std::collections::HashMap::new();
        let types = number_types(&sig);
        let typed = params.iter().cloned().zip(types);
        for ((((param, mutable), ty), by_ref), arg) in typed.zip(by_ref).zip(args) {
            // (`p.g(&q)`, `o: &P`: the struct parameter `q` itself, as a name passed.)
            let name = match strip(arg) {
                Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
                Expr::Reference(r) if r.mutability.is_none() && by_ref => match strip(&r.expr) {
                    Expr::Path(p) if p.qself.is_none() => p.path.get_ident().filter(|_| {
                        self.param_struct(strip(&r.expr)).is_some() && !derefs(&block, &param)
                    }),
                    _ => None,
                },
                _ => None,
            };
            // `q.dot(&ps[0])`, `o: &P`: the element itself, written in the body's place
            // (bound to a name, a struct in a sequence would be a row used whole).
            let element = match strip(arg) {
                Expr::Reference(r) if r.mutability.is_none() && by_ref => Some(strip(&r.expr)),
                _ => None,
            }
            .filter(|e| matches!(e, Expr::Index(_)) && self.param_struct(e).is_some())
            .filter(|e| {
                let mut read = HashSet::new();
                crate::lower::syntax::collect_idents(e.to_token_stream(), &mut read);
                !read.iter().any(|n| bound.contains(n)) && !derefs(&block, &param)
            });
            match (name, element) {
                (Some(n), _)
                    if !mutable && !bound.iter().any(|b| param == b) && !taken(n, &param) =>
                {
                    names.insert(param.to_string(), n.clone());
                }
                (_, Some(e)) if !mutable && !bound.iter().any(|b| param == b) => {
                    elements.insert(param.to_string(), e.to_token_stream());
                }
                _ => kept.push(((param, mutable), by_ref, *arg, ty)),
            }
        }
        Rename(&names).visit_block_mut(&mut block);
        if !elements.is_empty() {
            let by_name = |i: &Ident| elements.get(&i.to_string()).cloned();
            block = syn::parse2(renames::replace_names(block.to_token_stream(), &by_name)).ok()?;
        }
        let params: Vec<(Ident, bool)> = kept.iter().map(|k| k.0.clone()).collect();
        let by_ref: Vec<bool> = kept.iter().map(|k| k.1).collect();
        let args: Vec<&Expr> = kept.iter().map(|k| k.2).collect();
        let types: Vec<Option<Type>> = kept.iter().map(|k| k.3.clone()).collect();
        self.stack.push(key);
        let inlined = self.body(name, &params, Binding::new(&by_ref, &types), &block, &args);
        self.stack.pop();
        inlined
    }
}

/// The functions of `num_traits::Float` without arguments, which the float types have as
/// constants instead (`f64::EPSILON`).
const FLOAT_CONSTANTS: [&str; 8] = [
    "nan",
    "infinity",
    "neg_infinity",
    "neg_zero",
    "min_value",
    "min_positive_value",
    "epsilon",
    "max_value",
];

impl Inline<'_> {
    /// A generic helper's one type parameter (`fn sq<T: Real>(x: T) -> T`) written as the
    /// caller's float type, its generics dropped; `None` where it has other generics. A type
    /// parameter that only types parameters behind a reference (`fn mse<M: Model>(m: &M,
    /// ..)`) is the caller's struct, which the body reads by name (`structs_by_name`): it
    /// stays in the signature, and leaves the generics.
    pub(super) fn float_type_param(&self, f: &mut syn::ItemFn) -> Option<()> {
        let by_ref = crate::source::by_reference_type_params(&f.sig);
        if !by_ref.is_empty() {
            let keep = |p: &syn::GenericParam| !matches!(p, syn::GenericParam::Type(t) if by_ref.contains(&t.ident));
            f.sig.generics.params = std::mem::take(&mut f.sig.generics.params)
                .into_pairs()
                .filter(|p| keep(p.value()))
                .collect();
            if let Some(w) = &mut f.sig.generics.where_clause {
                w.predicates = std::mem::take(&mut w.predicates)
                    .into_pairs()
                    .filter(|p| {
                        !matches!(p.value(), syn::WherePredicate::Type(t)
                            if matches!(&t.bounded_ty, syn::Type::Path(b)
                                if b.path.get_ident().is_some_and(|i| by_ref.contains(i))))
                    })
                    .collect();
            }
        }
        let Some(t) = f.sig.generics.type_params().next() else {
            return Some(());
        };
        if f.sig.generics.params.len() != 1 {
            return None;
        }
        let by_type = std::collections::HashMap::from([(t.ident.to_string(), self.float.clone())]);
        let mut plain = f.clone();
        plain.sig.generics = syn::Generics::default();
        *f = syn::parse2(self.replace_type_params(plain.to_token_stream(), &by_type)).ok()?;
        Some(())
    }

    /// Whether a parameter's type still names a type parameter of the helper's that only
    /// typed parameters behind a reference (one `structs_by_name` did not take).
    pub(super) fn names_by_reference_type(sig: &syn::Signature, names: &[Ident]) -> bool {
        sig.inputs.iter().any(|a| {
            let mut tokens = TokenStream::new();
            a.to_tokens(&mut tokens);
            tokens
                .into_iter()
                .any(|t| matches!(t, TokenTree::Ident(i) if names.contains(&i)))
        })
    }

    /// The `impl` block's type parameters written as the caller's types (`by_type`), see
    /// [`replace_type_params`].
    fn replace_type_params(
        &self,
        tokens: TokenStream,
        by_type: &std::collections::HashMap<String, TokenStream>,
    ) -> TokenStream {
        replace_type_params(tokens, by_type, self.krate, &self.generics)
    }
}

/// The type parameters of an `impl` block or a function written as the caller's types
/// (`by_type`; `generics`, the caller's own type parameters; `krate`, the facade): a
/// parameter of the caller's own as itself (`T::zero()`), a concrete type through the
/// trait that gives the function (`<f64 as num_traits::Zero>::zero()`, as `f64::zero()`
/// is not in scope).
pub(in crate::lower) fn replace_type_params(
    tokens: TokenStream,
    by_type: &std::collections::HashMap<String, TokenStream>,
    krate: &syn::Path,
    generics: &HashSet<String>,
) -> TokenStream {
    let mut out = TokenStream::new();
    let mut iter = tokens.into_iter().peekable();
    let mut after_dot = false;
    while let Some(t) = iter.next() {
        let next_after_dot = matches!(&t, TokenTree::Punct(p) if p.as_char() == '.');
        match t {
            TokenTree::Ident(i) if !after_dot && by_type.contains_key(&i.to_string()) => {
                let ty = &by_type[&i.to_string()];
                let generic = generics.contains(&ty.to_string());
                // `F::name`: the two colons and the name after them.
                let mut ahead = iter.clone();
                let path = match (ahead.next(), ahead.next(), ahead.next()) {
                    (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(n)),
                    ) if a.as_char() == ':' && b.as_char() == ':' => Some(n),
                    _ => None,
                };
                match path {
                    Some(name) if !generic => {
                        let traits = quote!(#krate::__private::num_traits);
                        let owner = match name.to_string().as_str() {
                            "zero" => quote!(#traits::Zero),
                            "one" => quote!(#traits::One),
                            "from" => quote!(#traits::NumCast),
                            "from_f64" | "from_i32" | "to_f64" => quote!(#krate::Real),
                            n if n.chars().all(|c| !c.is_lowercase()) => {
                                quote!(#traits::FloatConst)
                            }
                            n if FLOAT_CONSTANTS.contains(&n) => quote!(#traits::Float),
                            // `F::sqrt(x)`: the float type's own method, `f64::sqrt(x)`.
                            _ => TokenStream::new(),
                        };
                        match owner.is_empty() {
                            true => out.extend(ty.clone()),
                            false => out.extend(quote_spanned!(i.span()=> <#ty as #owner>)),
                        }
                    }
                    _ => out.extend(ty.clone()),
                }
            }
            TokenTree::Group(g) => {
                let stream = replace_type_params(g.stream(), by_type, krate, generics);
                let mut group = proc_macro2::Group::new(g.delimiter(), stream);
                group.set_span(g.span());
                out.extend([TokenTree::Group(group)]);
            }
            other => out.extend([other]),
        }
        after_dot = next_after_dot;
    }
    out
}

/// `self` written as the receiver (a parameter, or a field chain from one).
fn replace_self(tokens: TokenStream, receiver: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|t| match t {
            TokenTree::Ident(i) if i == "self" => receiver.clone(),
            TokenTree::Group(g) => {
                let stream = replace_self(g.stream(), receiver);
                let mut group = proc_macro2::Group::new(g.delimiter(), stream);
                group.set_span(g.span());
                TokenTree::Group(group).into()
            }
            other => other.into(),
        })
        .collect()
}

/// Whether `block` dereferences the name `param` (`*o`).
fn derefs(block: &syn::Block, param: &Ident) -> bool {
    struct Derefs<'a>(&'a Ident, bool);
    impl<'ast> Visit<'ast> for Derefs<'_> {
        fn visit_expr_unary(&mut self, u: &'ast syn::ExprUnary) {
            self.1 |= matches!(u.op, syn::UnOp::Deref(_))
                && matches!(strip(&u.expr), Expr::Path(p) if p.path.is_ident(self.0));
            syn::visit::visit_expr_unary(self, u);
        }
    }
    let mut found = Derefs(param, false);
    found.visit_block(block);
    found.1
}

/// The parameters of a struct (`st: S`, `r: &S`) and those of sequences of one (`init:
/// &[S]`, `&Vec<S>`, `[S; N]`), by name, for what a copy of one holds ([`Self::copied`]).
pub(in crate::lower) struct ParamStructs {
    structs: std::collections::HashMap<String, StructParam>,
    elements: std::collections::HashMap<String, StructParam>,
}

impl ParamStructs {
    pub(in crate::lower) fn of(sig: &syn::Signature) -> ParamStructs {
        ParamStructs {
            structs: struct_params(sig),
            elements: seq_struct_params(sig),
        }
    }

    /// A copy of a parameter as written: `st` or `*r` of a struct, `init[i]` of a sequence
    /// of one; the parameter's name, and the struct (named at `e`'s span). Whether the
    /// function binds the name again, or what the index is, is the caller's to ask.
    pub(in crate::lower) fn copied(&self, e: &Expr) -> Option<(String, Ident)> {
        copied_in(e, &self.structs, &self.elements)
    }

    /// The struct the parameter `name` is, or its sequence holds (`m: &Model`, `ps: &[P]`).
    pub(in crate::lower) fn held_by(&self, name: &str) -> Option<&str> {
        let param = self.structs.get(name).or_else(|| self.elements.get(name))?;
        Some(&param.on)
    }

    /// The struct a sequence parameter named by itself holds (`init` of `init: &[S]`).
    pub(in crate::lower) fn elements_of(&self, e: &Expr) -> Option<Ident> {
        let Expr::Path(p) = strip(e) else { return None };
        let name = p.path.get_ident()?.to_string();
        Some(Ident::new(&self.elements.get(&name)?.on, e.span()))
    }
}

/// [`ParamStructs::copied`], of the parameters' structs and their sequences' elements'.
fn copied_in(
    e: &Expr,
    structs: &std::collections::HashMap<String, StructParam>,
    elements: &std::collections::HashMap<String, StructParam>,
) -> Option<(String, Ident)> {
    let (name, params) = match strip(e) {
        Expr::Path(p) => (p.path.get_ident()?, structs),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => match strip(&u.expr) {
            Expr::Path(p) => (p.path.get_ident()?, structs),
            _ => return None,
        },
        Expr::Index(ix) => match strip(&ix.expr) {
            Expr::Path(p) => (p.path.get_ident()?, elements),
            _ => return None,
        },
        _ => return None,
    };
    let key = name.to_string();
    let on = Ident::new(&params.get(&key)?.on, e.span());
    Some((key, on))
}

impl Inline<'_> {
    /// The struct a copy of a parameter holds (`let mut s = st;` of `st: State`, `let mut
    /// t = init[i];` of `init: &[State]`, `a.clone()`), where it is a `Copy` struct without
    /// a gradient, or with one and bound `mut` (`mutable`), and the function binds the
    /// parameter's name nowhere: its methods, `&mut self` ones too, are then inlined on the
    /// copy (`s.step(k, dt)`).
    pub(super) fn copied_param(&self, value: &Expr, mutable: bool) -> Option<String> {
        // (`a.clone()` is the copy `a` is.)
        let value = match strip(value) {
            Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => &*m.receiver,
            value => value,
        };
        let (param, on) = copied_in(value, &self.params, &self.seq_params)?;
        if self.locals.get(&param).is_some_and(|&n| n > 0) {
            return None;
        }
        // Data, or bound `mut` a struct with a gradient whose fields are numbers (held one
        // local per field too, `aggregates/copies.rs`; one not `mut` is read through the
        // parameter's name, `struct_aliases`).
        (crate::source::is_copy(&self.caller, &on)
            && (crate::source::plain_struct(&self.caller, &on)
                || (mutable && crate::source::number_struct_fields(&self.caller, &on).is_some())))
        .then(|| on.to_string())
    }
}
