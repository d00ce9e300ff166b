//! Constants: expressions the derivative does not flow through, renamed and checked.

use super::*;

impl<'e> Lower<'e> {
    pub(super) fn private(&self) -> TokenStream {
        let krate = &self.krate;
        quote!(#krate::__private)
    }

    /// The user's expression with its local variables renamed; reports what it cannot
    /// evaluate as a plain expression.
    pub(super) fn konst(&mut self, expr: &Expr) -> Konst {
        self.konst_checked(expr).unwrap_or_else(|| self.dummy())
    }

    pub(super) fn konst_checked(&mut self, expr: &Expr) -> Option<Konst> {
        // An expression that reads no value carrying a derivative is a constant through and
        // through: its closures (`(0..n).map(|k| k * k).sum::<usize>()`) are evaluated as
        // written.
        // (A closure itself, bound to a name, is not: it is inlined where called, or refused.)
        let tests =
            usize::from(!matches!(strip(expr), Expr::Closure(_)) && !self.reads_derivative(expr));
        self.renamed(expr, tests)
    }

    /// A constant whose closures are evaluated as written even where they read values that
    /// carry a derivative: a sort's comparison, which decides only an order.
    pub(super) fn konst_with_closures(&mut self, expr: &Expr) -> Konst {
        self.renamed(expr, 1).unwrap_or_else(|| self.dummy())
    }

    fn renamed(&mut self, expr: &Expr, tests: usize) -> Option<Konst> {
        let mut expr = expr.clone();
        let mut renamer = Renamer {
            lower: self,
            reads: BTreeSet::new(),
            ok: true,
            masked: Vec::new(),
            tests,
            lends: None,
        };
        renamer.visit_expr_mut(&mut expr);
        let Renamer {
            reads,
            mut ok,
            lends,
            ..
        } = renamer;
        // `h.bump(&mut q)`, `fill(&mut buf, x)`, `let r = &mut q;`: a change through a
        // borrow, made to or from a value that carries a derivative, which the derivative
        // would not follow.
        if let Some(at) = lends
            && reads.iter().any(|&v| self.carries(v))
        {
            self.errors.spanned(at, HIDDEN_CHANGE);
            ok = false;
        }
        ok.then(|| Konst {
            expr,
            reads: reads.into_iter().collect(),
        })
    }

    pub(super) fn konst_checked_assign(
        &mut self,
        left: &Expr,
        op: Option<BinOp>,
        right: &Expr,
    ) -> Option<Konst> {
        let l = self.konst_checked(left)?;
        let r = self.konst_checked(right)?;
        let (le, re) = (l.expr, r.expr);
        let tokens = match op {
            None => quote!(#le = #re),
            Some(op) => {
                let op = compound_token(op);
                quote!(#le #op #re)
            }
        };
        let mut reads = l.reads;
        reads.extend(r.reads);
        reads.sort_unstable();
        reads.dedup();
        Some(self.konst_tokens(tokens, &reads))
    }

    pub(super) fn konst_binary(&mut self, left: &Expr, op: BinOp, right: &Expr) -> Konst {
        let l = self.konst(left);
        let r = self.konst(right);
        let (le, re) = (l.expr, parenthesized(r.expr, 13));
        let op = bin_token(op);
        let mut reads = l.reads;
        reads.extend(r.reads);
        reads.sort_unstable();
        reads.dedup();
        self.konst_tokens(quote!(#le #op #re), &reads)
    }

    pub(super) fn konst_var(&self, var: VarId) -> Konst {
        let ident = &self.vars[var].ident;
        Konst {
            expr: syn::parse_quote!(#ident),
            reads: vec![var],
        }
    }

    pub(super) fn konst_tokens(&mut self, tokens: TokenStream, reads: &[VarId]) -> Konst {
        match syn::parse2::<Expr>(tokens) {
            Ok(expr) => Konst {
                expr,
                reads: reads.to_vec(),
            },
            Err(e) => {
                self.errors.push(e);
                self.dummy()
            }
        }
    }

    /// A placeholder after an error has been reported.
    pub(super) fn dummy(&self) -> Konst {
        Konst {
            expr: syn::parse_quote!(::core::unreachable!()),
            reads: Vec::new(),
        }
    }
}

impl Konst {
    pub(super) fn into_op(self) -> Op {
        Op::Konst(self)
    }
}

/// Renames local variables inside a constant expression and rejects what cannot be one.
pub(super) struct Renamer<'a, 'e> {
    lower: &'a mut Lower<'e>,
    reads: BTreeSet<VarId>,
    ok: bool,
    /// The parameters of the closures being renamed inside: not locals.
    masked: Vec<String>,
    /// How many tests enclose the expression being renamed (`xs.iter().any(|&v| ..)`,
    /// `.all`, `.position`, `.rposition`, a chain ending in `.count()`): their closures
    /// give booleans and counts, in which no derivative flows.
    tests: usize,
    /// The first `&mut` borrow inside.
    lends: Option<TokenStream>,
}

/// A change through a `&mut` borrow or a method called for its effect, refused.
pub(super) const HIDDEN_CHANGE: &str = "#[differentiate] does not support changing a value that carries a derivative through a `&mut` borrow or a method called for its effect; write the assignment out (`x = ..;`; `std::mem::swap(&mut a, &mut b)` of two names is supported). Supported borrows: a name bound to one, not declared `mut` (`let r = &mut w;`, `let row = &mut m[i];`, `let tail = &mut v[1..];`, while no later `let` binds `r`, `w`, `m` or `i` again and `i` is not changed), and a local, a row or a part of one given to an ordinary function beside this one (`rhs(x, &y, &mut k1)`, `rhs(x, &y, &mut k[1..])`), each writing what it borrows";

pub(super) const OPTION_VALUE: &str = "#[differentiate] holds a value that carries a derivative in an `Option` local (declared `None` or `Some(..)`) as a float and a flag where every use of the local is an assignment of `Some(..)` or `None`, `match`, `if let`, `is_some`, `is_none`, `unwrap`, `expect`, `unwrap_or`, `map_or`, `is_some_and` or `replace(..);`; this one is used otherwise (passed on, assigned another `Option`): hold the value in a float beside a flag (`let mut best = 0.0; let mut found = false;`)";

/// Methods whose closures only test: the result is a `bool`, a position or a count.
pub(super) const TESTS: &[&str] = &["any", "all", "position", "rposition", "count"];

/// Methods of a sequence whose closure only compares (an order) or tests: sorting or
/// searching a sequence of constants by it changes no value that carries a derivative.
const ORDERS: &[&str] = &["sort_by", "sort_unstable_by", "select_nth_unstable_by"];

/// Searches of a sorted sequence: their closure decides only the index they give, of
/// constants or of values carrying a derivative alike
/// (`knots.partition_point(|&k| k <= t)`).
const SEARCHES: &[&str] = &["partition_point", "binary_search_by"];

/// A test, a search of a sorted sequence, or an index a comparison picks: its value is a
/// `bool` or an integer, whatever its closure reads (`x.iter().position(|&v| v > 1.0)`).
pub(super) fn gives_a_decision(m: &syn::ExprMethodCall) -> bool {
    let name = m.method.to_string();
    TESTS.contains(&name.as_str())
        || SEARCHES.contains(&name.as_str())
        || super::methods::picks_index(m)
        || super::methods::integer_reduction(m)
}

impl Renamer<'_, '_> {
    /// A test (`any`, `position`, ...), an index a comparison picks (`min_by`), or
    /// `idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]))` of a local of constants (indices):
    /// the closures only decide.
    fn closures_decide(&self, m: &syn::ExprMethodCall) -> bool {
        let name = m.method.to_string();
        // (`x.iter().find(..)` too: its value is the element, which lowering reads as such,
        // `x[position]`, where it takes it out; a constant here is its test.)
        gives_a_decision(m)
            || name == "find"
            || (ORDERS.contains(&name.as_str())
                && self
                    .lower
                    .local_of(strip(&m.receiver))
                    .is_some_and(|v| !self.lower.kind(v).differentiable()))
    }

    /// Whether `expr` is a `vec!` (or ndarray's `array!`) of constants, renamed
    /// ([`Self::renamed_vec`]).
    fn rename_vec(&mut self, expr: &mut Expr) -> bool {
        if let Expr::Macro(m) = expr
            && (m.mac.path.is_ident("vec") || super::calls::ndarray_array_macro(&m.mac))
            && let Some(tokens) = self.renamed_vec(&m.mac)
        {
            m.mac.tokens = tokens;
            return true;
        }
        false
    }

    /// The body of `vec![value; len]` or `vec![a, b, ..]` with each expression renamed,
    /// where its elements carry no derivative (they read none, or are integers or flags:
    /// `vec![0; k]`, `vec![x[0] > 0.0, ..]`); `None` where it is neither, or they may.
    fn renamed_vec(&mut self, mac: &syn::Macro) -> Option<TokenStream> {
        let constant = |lower: &Lower, e: &Expr| {
            matches!(konst_kind(e), Kind::Int | Kind::Bool) || !lower.reads_derivative(e)
        };
        if let Ok(VecRepeat { mut value, mut len }) = mac.parse_body::<VecRepeat>() {
            if !constant(self.lower, &value) {
                return None;
            }
            self.visit_expr_mut(&mut value);
            self.visit_expr_mut(&mut len);
            return Some(quote!(#value; #len));
        }
        let mut items = mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
            .ok()?;
        if !items.iter().all(|e| constant(self.lower, e)) {
            return None;
        }
        for item in items.iter_mut() {
            self.visit_expr_mut(item);
        }
        Some(items.to_token_stream())
    }

    /// Local names inside a macro's tokens, renamed as in an expression.
    fn rename_tokens(&mut self, tokens: TokenStream) -> TokenStream {
        tokens
            .into_iter()
            .map(|tt| match tt {
                TokenTree::Ident(i) => match self.lower.lookup(&i.to_string()) {
                    Some(v) if self.lower.vars[v].kind != Kind::Pullback => {
                        self.reads.insert(v);
                        TokenTree::Ident(self.lower.vars[v].ident.clone())
                    }
                    _ => TokenTree::Ident(i),
                },
                TokenTree::Group(g) => {
                    let mut inner =
                        proc_macro2::Group::new(g.delimiter(), self.rename_tokens(g.stream()));
                    inner.set_span(g.span());
                    TokenTree::Group(inner)
                }
                other => other,
            })
            .collect()
    }
}

impl Renamer<'_, '_> {
    /// A `match` that is a test, and inside a closure evaluated as written any `match`, a
    /// block and an `if`, renamed in place (whether `expr` was one).
    fn as_written(&mut self, expr: &mut Expr) -> bool {
        // A test (`match k { Some(n) if n > 3 => true, _ => false }`), and any `match`
        // inside a closure evaluated as written (`.filter(|&&e| e > match root(a) { Some(t)
        // => t, None => a })`): a guard and an arm read what its pattern binds, not the
        // function's variables of the same names; an arm that cannot be reached is as
        // written.
        if let Expr::Match(m) = expr
            && (matches::is_test(m) || self.tests > 0)
        {
            self.visit_expr_mut(&mut m.expr);
            for arm in &mut m.arms {
                let before = self.masked.len();
                collect_pat_names(&arm.pat, &mut self.masked);
                syn::visit_mut::visit_pat_mut(self, &mut arm.pat);
                if !matches::is_unreachable(&arm.body) {
                    self.visit_expr_mut(&mut arm.body);
                }
                self.masked.truncate(before);
            }
            return true;
        }
        // Inside a closure evaluated as written (`(0..n).map(|i| { let p = V2::new(..);
        // p.x })`, an inlined function's body): a block, its names masked after their `let`.
        if let (Expr::Block(b), true) = (&mut *expr, self.tests > 0)
            && b.label.is_none()
        {
            self.closure_block(&mut b.block);
            return true;
        }
        // Inside a closure evaluated as written, an `if`'s branches too.
        if let (Expr::If(i), true) = (&mut *expr, self.tests > 0) {
            self.visit_expr_mut(&mut i.cond);
            self.closure_block(&mut i.then_branch);
            if let Some((_, rest)) = &mut i.else_branch {
                self.visit_expr_mut(rest);
            }
            return true;
        }
        false
    }

    /// An expression a constant may not contain: an error at it.
    fn refuse(&mut self, expr: &Expr, what: &str) {
        let message = match expr {
            Expr::Closure(_) => "#[differentiate] supports closures in iterator chains (`xs.iter().map(|x| ..)`), in `a.mapv(|v| ..)`, bound to a local that is only called (`let f = |t| t * w; f(x)`), and given to an ordinary function that calls it (`simpson(|t| t * w, 0.0, 1.0, 10)` with `f: impl Fn(f64) -> f64`), where neither its name nor a name it reads is bound again before a call and its body has no `?` but in a closure making an `Option` (a `return` is its value's branches); for this one, write the computation inline, or make it a #[differentiate] function or a gate".to_owned(),
            Expr::Unsafe(_) => "#[differentiate] does not support `unsafe` blocks".to_owned(),
            _ => format!("#[differentiate] does not support {what}"),
        };
        self.lower.errors.spanned(expr, message);
        self.ok = false;
    }

    /// A block inside a closure evaluated as written: each name masked after its `let`.
    fn closure_block(&mut self, block: &mut syn::Block) {
        let before = self.masked.len();
        for stmt in &mut block.stmts {
            match stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &mut local.init {
                        self.visit_expr_mut(&mut init.expr);
                    }
                    collect_pat_names(&local.pat, &mut self.masked);
                }
                syn::Stmt::Expr(e, _) => self.visit_expr_mut(e),
                _ => {
                    self.lower.errors.spanned(
                        &*stmt,
                        "#[differentiate] does not support items or macros in a block inside a closure evaluated as written",
                    );
                    self.ok = false;
                }
            }
        }
        self.masked.truncate(before);
    }
}

impl VisitMut for Renamer<'_, '_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Reference(r) = &*expr
            && r.mutability.is_some()
            && self.lends.is_none()
        {
            self.lends = Some(r.to_token_stream());
        }
        // A row of a nested sequence (`row.len()`): the row itself, `m[i]`.
        let masked = matches!(&*expr, Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.masked.iter().any(|m| i == m)));
        if let Some(v) = self
            .lower
            .local_of(expr)
            .filter(|&v| !masked && self.lower.is_row(v))
        {
            let (base, index) = self.lower.seq_place(v);
            self.reads.insert(base);
            self.reads.extend(index.reads().copied());
            let name = &self.lower.vars[base].ident;
            *expr = syn::parse_quote!(#name #index);
            return;
        }
        // `for v in xs { if *v > 0.0 { .. } }`: the element, borrowed as the user has it.
        if let Some(v) = self
            .lower
            .local_of(expr)
            .filter(|&v| !masked && self.lower.elem_refs.contains(&v))
        {
            self.reads.insert(v);
            let name = &self.lower.vars[v].ident;
            *expr = syn::parse_quote!((&#name));
            return;
        }
        // ndarray's `s![..]`: a constant whose names are renamed token by token.
        if let Expr::Macro(m) = expr
            && m.mac.path.segments.last().is_some_and(|s| s.ident == "s")
        {
            let tokens = std::mem::take(&mut m.mac.tokens);
            m.mac.tokens = self.rename_tokens(tokens);
            return;
        }
        // A test, an index a comparison picks, or indices sorted by comparing values: their
        // closures decide, no derivative flows.
        if let Expr::MethodCall(m) = expr
            && self.closures_decide(m)
        {
            self.tests += 1;
            syn::visit_mut::visit_expr_method_call_mut(self, m);
            self.tests -= 1;
            return;
        }
        if let (Expr::Closure(c), true) = (&mut *expr, self.tests > 0) {
            let before = self.masked.len();
            for p in &c.inputs {
                collect_pat_names(p, &mut self.masked);
            }
            // `|a, b| { a.total_cmp(b) }`, as rustfmt writes a long body: its expression.
            if let Expr::Block(b) = &mut *c.body
                && b.label.is_none()
                && let [syn::Stmt::Expr(e, None)] = &mut b.block.stmts[..]
            {
                self.visit_expr_mut(e);
            } else {
                self.visit_expr_mut(&mut c.body);
            }
            self.masked.truncate(before);
            return;
        }
        // `let k = match flag { Some(k) => k, _ => unreachable!() };`, what `match` arms that
        // use their bindings become: the name is the pattern's, the matched value must not
        // carry a derivative (it would be lost).
        if let Expr::Match(m) = expr
            && self.tests == 0
            && let Some(pat) = matches::is_projection(m).cloned()
        {
            if self.lower.reads_derivative(&m.expr) {
                self.refuse_projection(&m.expr, &pat);
                self.ok = false;
                return;
            }
            self.visit_expr_mut(&mut m.expr);
            let before = self.masked.len();
            collect_pat_names(&pat, &mut self.masked);
            let arm = &mut m.arms[0];
            self.visit_expr_mut(&mut arm.body);
            self.masked.truncate(before);
            return;
        }
        if self.as_written(expr) {
            return;
        }
        // `vec![0; k]`, `vec![true, false]`: its elements renamed one by one.
        if self.rename_vec(expr) {
            return;
        }
        if let Some(what) = unsupported_in_constant(expr) {
            return self.refuse(expr, what);
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        if path.qself.is_none()
            && path.path.leading_colon.is_none()
            && let Some(ident) = path.path.get_ident()
        {
            if self.masked.iter().any(|m| ident == m) {
                return;
            }
            if let Some(v) = self.lower.lookup(&ident.to_string()) {
                if self.lower.vars[v].kind == Kind::Pullback {
                    return;
                }
                let renamed = self.lower.vars[v].ident.clone();
                path.path = renamed.into();
                self.reads.insert(v);
                return;
            }
        }
        syn::visit_mut::visit_expr_path_mut(self, path);
    }
}

impl Renamer<'_, '_> {
    /// A `match` arm's binding taken from a value that carries a derivative: an error,
    /// unless the value comes from a local whose definition had one (one is enough).
    fn refuse_projection(&mut self, value: &Expr, pat: &Pat) {
        if !self.lower.reads_poisoned(value) {
            self.lower.errors.spanned(
                pat,
                "#[differentiate] supports `match` arms and `if let` that use what their pattern binds only when the matched value carries no derivative, when the pattern is a lone name for the whole value (`v if v < 0.0 => -v`), a tuple of names and constants over a tuple written out whose elements read none of those names (`match (a, b) { (u, v) if u > v => .. }`), `Some(&v)` of `x.get(i)`, `x.first()` or `x.last()`, or `Some(m)` of a chain's `.reduce(..)`, `.max_by(..)` or `.min_by(..)`: bind the floats with `let` and compare with `if` instead",
            );
        }
    }
}

/// `vec![value; n]`'s body.
pub(super) struct VecRepeat {
    pub(super) value: Expr,
    pub(super) len: Expr,
}

impl syn::parse::Parse for VecRepeat {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let value = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        let len = input.parse()?;
        Ok(VecRepeat { value, len })
    }
}

pub(super) fn fold_konst(cx: &mut Lower, op: BinOp, a: Operand, b: Operand) -> Op {
    match (a, b) {
        (Operand::Konst(x), Operand::Konst(y)) => {
            let p = match op {
                BinOp::Mul | BinOp::Div => 13,
                BinOp::Add | BinOp::Sub => 12,
            };
            let (xe, ye) = (parenthesized(x.expr, p), parenthesized(y.expr, p + 1));
            let t = bin_token(op);
            let mut reads = x.reads;
            reads.extend(y.reads);
            reads.sort_unstable();
            reads.dedup();
            let tokens = quote!(#xe #t #ye);
            Op::Konst(cx.konst_tokens(tokens, &reads))
        }
        (a, b) => Op::Bin(op, a, b),
    }
}

/// The names a closure parameter's pattern binds.
fn collect_pat_names(p: &Pat, out: &mut Vec<String>) {
    out.extend(matches::bindings(p).iter().map(ToString::to_string));
}

/// What a constant expression (a condition, an index) may not contain, named for the
/// error: `None` where it may.
fn unsupported_in_constant(expr: &Expr) -> Option<&'static str> {
    match expr {
        Expr::Closure(_) => Some("closures"),
        Expr::Macro(m) if !m.mac.path.is_ident("vec") => Some(
            "macros (except `vec!` and `matches!`; `println!`-style and `assert!`-style ones as statements)",
        ),
        Expr::Macro(_) => Some("`vec!` of values that carry a derivative inside an expression"),
        // A test (`match k { 1 | 2 => true, _ => false }`, what a `match` arm's becomes).
        Expr::Match(m) if matches::is_test(m) => None,
        Expr::Block(_) | Expr::If(_) | Expr::Match(_) => Some(
            "`if`, `match` or blocks inside a condition that binds with `let` (`if let .. && ..`) or whose `if` is itself inside an expression's condition; assign them to a variable first (an `if`'s condition, a `while`'s and a closure's test may otherwise compute values this way)",
        ),
        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => Some("loops inside an expression"),
        Expr::Unsafe(_) => Some("`unsafe` blocks"),
        Expr::Async(_) | Expr::Await(_) => Some("`async`"),
        Expr::Try(_) | Expr::TryBlock(_) => Some("the `?` operator"),
        Expr::Let(_) => Some("`let` in conditions"),
        Expr::Assign(_) => Some("assignments inside an expression"),
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => {
            Some("`return`, `break` or `continue` inside an expression")
        }
        Expr::Yield(_) => Some("`yield`"),
        Expr::RawAddr(_) => Some("raw pointers"),
        Expr::Verbatim(_) => Some("this expression"),
        Expr::Binary(b) if compound(&b.op).is_some() || is_compound_other(&b.op) => {
            Some("assignments inside an expression")
        }
        _ => None,
    }
}
