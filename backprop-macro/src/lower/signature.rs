//! The signature: parameters, their kinds and forms, the result type.

use super::*;

impl<'e> Lower<'e> {
    pub(super) fn check_signature(&mut self, sig: &syn::Signature) {
        if let Some(a) = &sig.asyncness {
            self.errors
                .at(a.span, "#[differentiate] does not support `async fn`");
        }
        if let syn::Safety::Unsafe(u) = &sig.safety {
            self.errors
                .at(u.span, "#[differentiate] does not support `unsafe fn`");
        }
        if let Some(v) = &sig.variadic {
            self.errors
                .spanned(v, "#[differentiate] does not support variadic functions");
        }
    }

    /// The type and const parameters: a function may be generic over its float type, one
    /// type parameter bounded by `backprop::Real` (inline or in a `where` clause), and over
    /// constants (`const N: usize`). Returns them with the `where` clause's bounds folded in,
    /// and the float parameter.
    pub(super) fn type_params(
        &mut self,
        generics: &syn::Generics,
    ) -> (Vec<syn::GenericParam>, Option<Ident>) {
        let mut params = Vec::new();
        let mut float = None;
        for param in generics.params.iter() {
            match param {
                syn::GenericParam::Lifetime(_) => {}
                syn::GenericParam::Const(c) => params.push(syn::GenericParam::Const(c.clone())),
                syn::GenericParam::Type(t) => {
                    let mut t = t.clone();
                    for p in generics.where_clause.iter().flat_map(|w| &w.predicates) {
                        if let syn::WherePredicate::Type(pt) = p
                            && matches!(&pt.bounded_ty, Type::Path(tp) if tp.path.is_ident(&t.ident))
                        {
                            t.bounds.extend(pt.bounds.iter().cloned());
                        }
                    }
                    if !bounded_by_real(&t.bounds) {
                        self.errors.spanned(
                            &t.ident,
                            format!("#[differentiate] supports one type parameter, the float type, bounded by `backprop::Real` (`{0}: Real`): write `{0}: backprop::Real`, or the function for `f32` or `f64`", t.ident),
                        );
                        // Read as the float type all the same, so that the parameters and
                        // the result typed with it give no errors of their own.
                        float = float.or_else(|| Some(t.ident.clone()));
                    } else if float.is_some() {
                        self.errors.spanned(
                            &t.ident,
                            "#[differentiate] supports one float type parameter (bounded by `Real`); use one type for every float of the function",
                        );
                    } else {
                        float = Some(t.ident.clone());
                    }
                    t.default = None;
                    params.push(syn::GenericParam::Type(t));
                }
            }
        }
        for p in generics.where_clause.iter().flat_map(|w| &w.predicates) {
            let on_param = matches!(p, syn::WherePredicate::Type(pt)
                if matches!(&pt.bounded_ty, Type::Path(tp) if generics.type_params().any(|t| tp.path.is_ident(&t.ident))));
            if !on_param {
                self.errors.spanned(
                    p,
                    "#[differentiate] supports `where` clauses that bound the float type parameter (`where T: Real`)",
                );
            }
        }
        (params, float)
    }

    /// The parameters; `block` is the body as written (an enum parameter is found by how it
    /// is matched).
    pub(super) fn lower_params(
        &mut self,
        sig: &syn::Signature,
        args: &Args,
        block: &syn::Block,
    ) -> Vec<Param> {
        let mut params = Vec::new();
        self.check_wrt(sig, args);
        for (index, arg) in sig.inputs.iter().enumerate() {
            let typed = match arg {
                syn::FnArg::Receiver(r) => {
                    self.errors.spanned(r, crate::expand::METHOD_WITHOUT_IMPL);
                    continue;
                }
                syn::FnArg::Typed(t) => t,
            };
            let Some((ident, mutable)) = pat_ident(&typed.pat) else {
                self.errors.spanned(
                    &typed.pat,
                    "#[differentiate] needs every parameter to be a plain name (`x: f64`), not a pattern",
                );
                continue;
            };
            let in_wrt = args.wrt.as_ref().map(|w| w.iter().any(|n| n == ident));
            let Some((kind, form, depth)) = self.param_kind(sig, typed, ident, in_wrt, block)
            else {
                continue;
            };
            let left_out = match (in_wrt, &form) {
                (Some(false), ParamForm::Float) => Some((*typed.ty).clone()),
                (Some(false), ParamForm::Seq(grad) | ParamForm::Tensor(grad)) => {
                    Some((**grad).clone())
                }
                _ => None,
            };
            let form = match (in_wrt, form) {
                (Some(false), _) => ParamForm::Const,
                (Some(true), ParamForm::Const) => {
                    self.errors.at(
                        ident.span(),
                        format!(
                            "`{ident}` cannot be differentiated: only floats and sequences of floats can (integers and `bool` are constants)"
                        ),
                    );
                    ParamForm::Const
                }
                (_, form) => form,
            };
            let var = self.user_var(ident, kind, Some((*typed.ty).clone()));
            if kind == Kind::Seq && matches!(form, ParamForm::Struct(_)) {
                self.struct_seqs.insert(var);
            }
            self.vars[var].param = Some(index);
            self.set_depth(var, depth);
            self.bind(ident, var);
            params.push(Param {
                var,
                name: ident.clone(),
                ty: (*typed.ty).clone(),
                form,
                mutable,
                left_out,
            });
        }
        params
    }

    /// Each name in `wrt(..)` once, and a parameter.
    fn check_wrt(&mut self, sig: &syn::Signature, args: &Args) {
        let mut seen_wrt = BTreeSet::new();
        if let Some(wrt) = &args.wrt {
            for name in wrt {
                if !seen_wrt.insert(name.to_string()) {
                    self.errors
                        .at(name.span(), format!("`{name}` is named twice in `wrt`"));
                }
                let found = sig.inputs.iter().any(|arg| match arg {
                    syn::FnArg::Typed(t) => pat_ident(&t.pat).is_some_and(|(i, _)| i == name),
                    syn::FnArg::Receiver(_) => false,
                });
                if !found {
                    self.errors.at(
                        name.span(),
                        format!("`{name}` is not a parameter of `{}`", sig.ident),
                    );
                }
            }
        }
    }

    /// A parameter's kind, its form in the public items and its nesting depth, from its
    /// type; `None` after reporting a type the macro cannot take.
    fn param_kind(
        &mut self,
        sig: &syn::Signature,
        typed: &syn::PatType,
        ident: &Ident,
        in_wrt: Option<bool>,
        block: &syn::Block,
    ) -> Option<(Kind, ParamForm, usize)> {
        let class = classify(&typed.ty);
        let mut depth = match &class {
            TypeClass::Seq(_, depth) => *depth,
            _ => 1,
        };
        let (kind, form) = match class {
            // `f: impl Fn(f64) -> f64`: an anonymous type parameter, whose body is not here.
            _ if matches!(&*typed.ty, Type::ImplTrait(_)) => {
                self.errors.spanned(&typed.ty, FUNCTION_PASSED);
                return None;
            }
            TypeClass::MutRef => {
                self.errors.spanned(
                    &typed.ty,
                    "#[differentiate] does not support `&mut` parameters: writes through references have no gradient it can track; return the value instead",
                );
                return None;
            }
            TypeClass::Float => (Kind::Float, ParamForm::Float),
            TypeClass::Seq(grad, _) => (Kind::Seq, ParamForm::Seq(grad)),
            TypeClass::Tensor(elem, dim) => {
                let private = self.private();
                let dim = match dim.to_string().as_str() {
                    "Ix1" | "Ix2" | "Ix3" | "IxDyn" => quote!(#private::ndarray::#dim),
                    _ => dim,
                };
                let grad: Type = syn::parse_quote!(#private::ndarray::Array<#elem, #dim>);
                (Kind::Tensor, ParamForm::Tensor(Box::new(grad)))
            }
            TypeClass::Int => (Kind::Int, ParamForm::Const),
            TypeClass::Const => (Kind::Other, ParamForm::Const),
            TypeClass::Bool => (Kind::Bool, ParamForm::Const),
            TypeClass::Unknown if in_wrt == Some(false) => (Kind::Other, ParamForm::Const),
            TypeClass::Unknown if in_wrt.is_none() && matched_as_enum(block, ident, &typed.ty) => {
                (Kind::Other, ParamForm::Const)
            }
            // `scale: Option<f64>`: no gradient type; one error here, not one per item.
            TypeClass::Unknown if is_option(&typed.ty) => {
                self.errors.spanned(
                    &typed.ty,
                    format!(
                        "`{ident}` has no gradient (an `Option`): leave it out of `wrt(..)` to pass it as a constant (`#[differentiate(wrt(..))]` listing the others), or pass the float itself"
                    ),
                );
                return None;
            }
            // A type parameter's type (not the float's): the error about generics says
            // it already.
            TypeClass::Unknown
                if sig
                    .generics
                    .type_params()
                    .any(|t| matches!(&*typed.ty, Type::Path(p) if p.path.is_ident(&t.ident))) =>
            {
                return None;
            }
            // `obs: &[Obs]`, `o: &Obs` with `Obs` declared beside the function without a
            // derive of `Differentiable` (the file says so): data, a constant, as an
            // integer is, when `wrt` does not name it.
            TypeClass::Unknown if in_wrt.is_none() && plain_struct(&sig.ident, &typed.ty) => {
                (Kind::Other, ParamForm::Const)
            }
            // `data: &[(f64, f64)]`: tuples have no gradient type, so pairs are data too.
            TypeClass::Unknown
                if in_wrt.is_none()
                    && matches!(element_type(&typed.ty), Type::Tuple(t) if !t.elems.is_empty()) =>
            {
                (Kind::Other, ParamForm::Const)
            }
            // `layers: &[Layer]`: a sequence whose rows are structs, reached by one index
            // fewer than a float would be. Its gradient is the struct's gradients'.
            TypeClass::Unknown if struct_sequence(&typed.ty).is_some() => {
                let private = self.private();
                let (inner, structs_at) = struct_sequence(&typed.ty).expect("a sequence");
                depth = structs_at + 1;
                let grad: Type = syn::parse2(quote_spanned!(typed.ty.span()=>
                    <#inner as #private::Differentiable>::Grad))
                .expect("a type");
                (Kind::Seq, ParamForm::Struct(Box::new(grad)))
            }
            TypeClass::Unknown if struct_type(&typed.ty).is_some() => {
                let private = self.private();
                let inner = struct_type(&typed.ty).expect("a struct type");
                // Spanned at the type: one with no gradient is reported there.
                let grad: Type = syn::parse2(quote_spanned!(typed.ty.span()=>
                    <#inner as #private::Differentiable>::Grad))
                .expect("a type");
                (Kind::Struct, ParamForm::Struct(Box::new(grad)))
            }
            TypeClass::Unknown => {
                self.errors.spanned(
                    &typed.ty,
                    "unsupported parameter type: #[differentiate] differentiates `f32`, `f64`, `[T; N]`, `&[T]`, `Vec<T>`, `&Vec<T>` and ndarray arrays (`&Array1<T>`, `&Array2<T>`, `&Array<T, D>`, views) (T = f32 or f64) and passes integers, `bool` and references to them through as constants; to pass another type as a constant, leave it out of `wrt(...)`",
                );
                return None;
            }
        };
        Some((kind, form, depth))
    }

    pub(super) fn lower_return_type(&mut self, sig: &syn::Signature) -> (Type, Kind) {
        // `(T, T)`: computed as `[T; 2]`, converted where the public items give it.
        if let syn::ReturnType::Type(_, ty) = &sig.output
            && let Type::Tuple(t) = &**ty
        {
            let first = t.elems.first();
            let same = first.is_some_and(|f| {
                is_float_type(f)
                    && t.elems
                        .iter()
                        .all(|e| quote!(#e).to_string() == quote!(#f).to_string())
            });
            if same && (2..=8).contains(&t.elems.len()) {
                let elem = first.expect("an element");
                let n = proc_macro2::Literal::usize_unsuffixed(t.elems.len());
                self.tuple_ret = Some((**ty).clone());
                return (syn::parse_quote!([#elem; #n]), Kind::Seq);
            }
            self.errors.spanned(
                    ty,
                    "#[differentiate] supports tuple results of 2 to 8 floats of one type (`(f64, f64)`)",
                );
            return ((**ty).clone(), Kind::Other);
        }
        match &sig.output {
            syn::ReturnType::Type(_, ty) => match classify(ty) {
                TypeClass::Float => ((**ty).clone(), Kind::Float),
                // A vector result: `vjp` takes a vector upstream gradient, `jacobian` gives
                // one gradient per output.
                TypeClass::Seq(..) if !matches!(**ty, Type::Reference(_)) => {
                    ((**ty).clone(), Kind::Seq)
                }
                // An owned ndarray array: `vjp` takes an upstream array of its shape.
                TypeClass::Tensor(..) if !matches!(**ty, Type::Reference(_)) => {
                    ((**ty).clone(), Kind::Tensor)
                }
                _ => {
                    self.errors.spanned(ty, RESULT_TYPES);
                    ((**ty).clone(), Kind::Other)
                }
            },
            syn::ReturnType::Default => {
                self.errors.at(sig.paren_token.span.join(), RESULT_TYPES);
                (syn::parse_quote!(()), Kind::Other)
            }
        }
    }

    /// The value the pullback starts from must be a variable of the function body.
    pub(super) fn result_var(
        &mut self,
        result: Operand,
        sig: &syn::Signature,
        ret_kind: Kind,
        stmts: &mut Vec<Stmt>,
    ) -> Operand {
        let needs_var = match &result {
            Operand::Var(v) => self.vars[*v].param.is_some(),
            Operand::Elem(..) => true,
            Operand::Konst(_) => true,
        };
        if !needs_var {
            return result;
        }
        let kind = match &result {
            Operand::Var(v) => self.kind(*v),
            Operand::Elem(..) => Kind::Float,
            Operand::Konst(_) => ret_kind,
        };
        let name = self.names.user_var(&sig.ident.to_string());
        let previous = self.scope;
        self.scope = 0;
        let var = self.new_var(&name, sig.ident.span(), kind, None);
        self.scope = previous;
        let op = match result {
            Operand::Konst(k) => Op::Konst(k),
            other => Op::Copy(other),
        };
        stmts.push(Stmt::Let {
            var,
            op,
            span: sig.ident.span(),
        });
        Operand::Var(var)
    }
}

/// Whether `ty` is a struct, or a sequence of them, that the file declares beside the
/// function `caller` with no gradient ([`crate::source::plain_struct`]).
pub(super) fn plain_struct(caller: &Ident, ty: &Type) -> bool {
    match element_type(ty) {
        Type::Path(p) if p.path.segments.len() == 1 => {
            crate::source::plain_struct(&caller.to_string(), &p.path.segments[0].ident)
        }
        _ => false,
    }
}

/// The element of `&[S]`, `Vec<S>`, `[S; N]` (nested too), or `S` itself.
fn element_type(ty: &Type) -> &Type {
    let mut inner = ty;
    while let Some(elem) = match inner {
        Type::Reference(r) => Some(&*r.elem),
        Type::Slice(s) => Some(&*s.elem),
        Type::Array(a) => Some(&*a.elem),
        Type::Paren(p) => Some(&*p.elem),
        other => types::vec_elem(other),
    } {
        inner = elem;
    }
    inner
}

/// `S` or `&S` for a path type `S`: a struct parameter, whose type must derive
/// `Differentiable`.
pub(crate) fn struct_type(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Path(p) if p.qself.is_none() => Some(ty),
        Type::Reference(r) if r.mutability.is_none() => struct_type(&r.elem),
        Type::Paren(p) => struct_type(&p.elem),
        _ => None,
    }
}

/// `&[S]`, `Vec<S>`, `&Vec<S>`, `[S; N]` (nested too) with `S` a struct type (a path the
/// macro does not know otherwise): the type without its reference, and how many indices
/// reach an `S`.
pub(crate) fn struct_sequence(ty: &Type) -> Option<(&Type, usize)> {
    fn element(ty: &Type) -> Option<&Type> {
        match ty {
            Type::Slice(s) => Some(&s.elem),
            Type::Array(a) => Some(&a.elem),
            Type::Paren(p) => element(&p.elem),
            _ => types::vec_elem(ty),
        }
    }
    let outer = match ty {
        Type::Reference(r) if r.mutability.is_none() => &*r.elem,
        other => other,
    };
    let mut elem = element(outer)?;
    let mut levels = 1;
    while let Some(inner) = element(elem) {
        elem = inner;
        levels += 1;
    }
    let Type::Path(p) = elem else { return None };
    let name = p.path.segments.last()?.ident.to_string();
    let known = !matches!(classify(elem), TypeClass::Unknown)
        || matches!(
            name.as_str(),
            "Option" | "Box" | "Rc" | "Arc" | "HashMap" | "BTreeMap"
        );
    (!known).then_some((outer, levels))
}

/// Whether the body matches parameter `param` (of the path type `ty`, or a reference to
/// it) against one of its type's variants (`match act { Act::Relu => .. }`, `if let
/// Act::Leaky(s) = act`, `matches!(act, Act::Tanh)`, `act == Act::Relu`): the type is an
/// enum, which no derive makes `Differentiable`, so a parameter left to the default `wrt`
/// is a constant, as an integer is. (`Type::Name` names a variant, or an associated
/// constant, of the type.)
pub(crate) fn matched_as_enum(block: &syn::Block, param: &Ident, ty: &Type) -> bool {
    use syn::visit::Visit;
    let Some(Type::Path(p)) = struct_type(ty) else {
        return false;
    };
    let Some(name) = p.path.segments.last().map(|s| &s.ident) else {
        return false;
    };
    struct Scan<'a> {
        param: &'a Ident,
        name: &'a Ident,
        found: bool,
    }
    impl Scan<'_> {
        fn is_param(&self, e: &syn::Expr) -> bool {
            match e {
                syn::Expr::Path(p) => p.path.is_ident(self.param),
                syn::Expr::Reference(r) => self.is_param(&r.expr),
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                    self.is_param(&u.expr)
                }
                syn::Expr::Paren(p) => self.is_param(&p.expr),
                _ => false,
            }
        }
        fn names_variant(&self, pat: &syn::Pat) -> bool {
            struct Paths<'a>(&'a Ident, bool);
            impl<'ast> Visit<'ast> for Paths<'_> {
                fn visit_path(&mut self, path: &'ast syn::Path) {
                    let n = path.segments.len();
                    self.1 |= n >= 2 && path.segments[n - 2].ident == *self.0;
                }
            }
            let mut paths = Paths(self.name, false);
            paths.visit_pat(pat);
            paths.1
        }
    }
    impl<'ast> Visit<'ast> for Scan<'_> {
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            if self.is_param(&m.expr) {
                self.found |= m.arms.iter().any(|a| self.names_variant(&a.pat));
            }
            syn::visit::visit_expr_match(self, m);
        }
        // `act == Act::Relu`, `act != Act::Leaky(0.1)`.
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if matches!(b.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_)) {
                let variant = |e: &syn::Expr| {
                    let path = match e {
                        syn::Expr::Path(p) => &p.path,
                        syn::Expr::Call(c) => match &*c.func {
                            syn::Expr::Path(p) => &p.path,
                            _ => return false,
                        },
                        syn::Expr::Struct(s) => &s.path,
                        _ => return false,
                    };
                    let n = path.segments.len();
                    n >= 2 && path.segments[n - 2].ident == *self.name
                };
                self.found |= (self.is_param(&b.left) && variant(&b.right))
                    || (self.is_param(&b.right) && variant(&b.left));
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
            self.found |= self.is_param(&l.expr) && self.names_variant(&l.pat);
            syn::visit::visit_expr_let(self, l);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let parser = |input: syn::parse::ParseStream| {
                let e: syn::Expr = input.parse()?;
                input.parse::<syn::Token![,]>()?;
                let pat = syn::Pat::parse_multi(input)?;
                input.parse::<proc_macro2::TokenStream>()?;
                Ok((e, pat))
            };
            if mac.path.is_ident("matches")
                && let Ok((e, pat)) = mac.parse_body_with(parser)
            {
                self.found |= self.is_param(&e) && self.names_variant(&pat);
            }
        }
    }
    let mut scan = Scan {
        param,
        name,
        found: false,
    };
    scan.visit_block(block);
    scan.found
}

/// `Option<..>` or a reference to one.
fn is_option(ty: &Type) -> bool {
    struct_type(ty).is_some_and(|t| {
        matches!(t, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
    })
}

/// Whether bounds name `Real` (`T: Real`, `T: backprop::Real + Copy`): the float type.
pub(crate) fn bounded_by_real(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> bool {
    bounds.iter().any(|b| {
        matches!(b, syn::TypeParamBound::Trait(tb)
            if tb.path.segments.last().is_some_and(|s| s.ident == "Real"))
    })
}

/// The error at a function or closure passed in (`f: impl Fn(f64) -> f64`, `f: fn(f64) ->
/// f64` called in the body).
pub(super) const FUNCTION_PASSED: &str = "#[differentiate] does not differentiate through a function or closure passed in (`impl Fn(..)`, `fn(..)`, a closure's type parameter): it cannot see its body, so it has no derivative for calls to it; call a function that has `#[differentiate]` by name (`f(x)`), or a closure defined in the body and called by the name it is bound to (`let f = |v: f64| ..; f(x)`); or leave this function without `#[differentiate]`: an ordinary function given a closure is inlined where a differentiated function calls it (`simpson(|t| (w * t).sin(), 0.0, 1.0, 10)`)";
