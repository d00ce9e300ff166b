//! Syntax helpers and scans over the user's function.

use super::*;
pub(super) use crate::precedence::parenthesized;

/// Where `expr` starts: its first token's span (a bracketed group's whole span). This is
/// what `syn`'s `span()` gives on a stable compiler (which cannot join spans), without
/// printing the whole expression to tokens first: that printing made each statement's span
/// cost as much as its size, a quarter of the lowering. Expressions not listed take `syn`'s
/// way.
pub(super) fn first_span(expr: &Expr) -> Span {
    if let Some(attr) = expr_attrs(expr).first() {
        return attr.pound_token.span;
    }
    match expr {
        Expr::Binary(b) => first_span(&b.left),
        Expr::Assign(a) => first_span(&a.left),
        Expr::MethodCall(m) => first_span(&m.receiver),
        Expr::Index(i) => first_span(&i.expr),
        Expr::Field(f) => first_span(&f.base),
        Expr::Call(c) => first_span(&c.func),
        Expr::Cast(c) => first_span(&c.expr),
        Expr::Paren(p) => p.paren_token.span.join(),
        Expr::Tuple(t) => t.paren_token.span.join(),
        Expr::Array(a) => a.bracket_token.span.join(),
        Expr::Lit(l) => l.lit.span(),
        Expr::Path(p) if p.qself.is_none() => {
            match (&p.path.leading_colon, p.path.segments.first()) {
                (Some(colons), _) => colons.spans[0],
                (None, Some(segment)) => segment.ident.span(),
                (None, None) => expr.span(),
            }
        }
        Expr::Unary(u) => match u.op {
            syn::UnOp::Deref(t) => t.span,
            syn::UnOp::Not(t) => t.span,
            syn::UnOp::Neg(t) => t.span,
            _ => expr.span(),
        },
        Expr::Reference(r) => r.and_token.span,
        Expr::If(i) => i.if_token.span,
        Expr::Block(b) if b.label.is_none() => b.block.brace_token.span.join(),
        _ => expr.span(),
    }
}

/// The outer attributes of the expressions `first_span` descends into.
fn expr_attrs(expr: &Expr) -> &[syn::Attribute] {
    match expr {
        Expr::Binary(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Array(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        _ => &[],
    }
}

/// `expr` without the parentheses and invisible groups around it.
pub(crate) fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

/// `let name = init;` (a plain name, no type, no `else`): the name's pattern and `init`.
pub(super) fn named_let(stmt: &syn::Stmt) -> Option<(&syn::PatIdent, &Expr)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let Pat::Ident(name) = &local.pat else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    Some((name, &init.expr))
}

/// Each statement of every block in `block` (inner blocks first) replaced by the statements
/// `rewrite` gives for it, or kept; not inside items, nor inside closures when
/// `closures` is false.
pub(super) fn each_statement(
    block: &mut syn::Block,
    closures: bool,
    rewrite: impl FnMut(&syn::Stmt) -> Option<Vec<syn::Stmt>>,
) {
    struct Each<F> {
        closures: bool,
        rewrite: F,
    }
    impl<F: FnMut(&syn::Stmt) -> Option<Vec<syn::Stmt>>> VisitMut for Each<F> {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            for stmt in std::mem::take(&mut block.stmts) {
                match (self.rewrite)(&stmt) {
                    Some(rewritten) => block.stmts.extend(rewritten),
                    None => block.stmts.push(stmt),
                }
            }
        }
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            if self.closures {
                syn::visit_mut::visit_expr_closure_mut(self, c);
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Each { closures, rewrite }.visit_block_mut(block);
}

/// Every path that is the name `name` replaced by `by` (a binding read as what it stands
/// for: a `flat_map`'s row as `m[r]`, a guard's name as its value).
pub(super) struct Replace<'a> {
    pub(super) name: &'a Ident,
    pub(super) by: &'a Expr,
}

impl VisitMut for Replace<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if matches!(e, Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name)) {
            *e = self.by.clone();
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

pub(super) fn strip_group(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(g) => strip_group(&g.expr),
        other => other,
    }
}

pub(super) fn strip_pat_ref(pat: &Pat) -> &Pat {
    match pat {
        Pat::Reference(r) => &r.pat,
        Pat::Paren(p) => strip_pat_ref(&p.pat),
        other => other,
    }
}

pub(super) fn pat_ident(pat: &Pat) -> Option<(&Ident, bool)> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            Some((&p.ident, p.mutability.is_some()))
        }
        Pat::Paren(p) => pat_ident(&p.pat),
        _ => None,
    }
}

pub(super) fn user_base(left: &Expr) -> String {
    match strip(left) {
        Expr::Path(p) => p
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

pub(super) fn arith(op: &syn::BinOp) -> Option<BinOp> {
    match op {
        syn::BinOp::Add(_) => Some(BinOp::Add),
        syn::BinOp::Sub(_) => Some(BinOp::Sub),
        syn::BinOp::Mul(_) => Some(BinOp::Mul),
        syn::BinOp::Div(_) => Some(BinOp::Div),
        _ => None,
    }
}

pub(super) fn compound(op: &syn::BinOp) -> Option<BinOp> {
    match op {
        syn::BinOp::AddAssign(_) => Some(BinOp::Add),
        syn::BinOp::SubAssign(_) => Some(BinOp::Sub),
        syn::BinOp::MulAssign(_) => Some(BinOp::Mul),
        syn::BinOp::DivAssign(_) => Some(BinOp::Div),
        _ => None,
    }
}

pub(super) fn is_compound_other(op: &syn::BinOp) -> bool {
    matches!(
        op,
        syn::BinOp::RemAssign(_)
            | syn::BinOp::BitXorAssign(_)
            | syn::BinOp::BitAndAssign(_)
            | syn::BinOp::BitOrAssign(_)
            | syn::BinOp::ShlAssign(_)
            | syn::BinOp::ShrAssign(_)
    )
}

pub(super) use crate::precedence::bin_token;

pub(super) fn compound_token(op: BinOp) -> TokenStream {
    match op {
        BinOp::Add => quote!(+=),
        BinOp::Sub => quote!(-=),
        BinOp::Mul => quote!(*=),
        BinOp::Div => quote!(/=),
    }
}

impl Lower<'_> {
    /// What a value computed by `op` is: a copy is what it copies; anything computed from
    /// an array may be an array; a sum or a mean of an array is a float.
    pub(super) fn op_kind(&self, op: &Op) -> Kind {
        let any_tensor = op
            .operands()
            .iter()
            .any(|o| o.whole().is_some_and(|v| self.kind(v) == Kind::Tensor));
        match op {
            Op::Konst(k) => self
                .constant_kind(k)
                .or_else(|| self.copied_seq_kind(k))
                .or_else(|| self.taken_item_kind(k))
                .unwrap_or_else(|| konst_kind(&k.expr)),
            Op::Copy(Operand::Var(v)) => self.kind(*v),
            Op::Copy(_) => Kind::Float,
            Op::List { .. } => Kind::Seq,
            Op::Reduce(r, _) if r.to_float() => Kind::Float,
            // Two one-dimensional arrays' inner product: a float.
            Op::Dot(a, b) if [a, b].iter().all(|o| self.one_dimensional(o)) => Kind::Float,
            Op::Dot(..) | Op::Reduce(..) => Kind::Tensor,
            Op::Call(c) if c.makes_vec() => Kind::Seq, // `x.to_vec()` of an array
            _ if any_tensor => Kind::Tensor,
            Op::Call(c) if c.sub_slice => Kind::Seq,
            Op::Call(c) if c.makes_array() => Kind::Tensor,
            Op::Field(f) if f.by_ref => Kind::Struct,
            Op::Field(_) => Kind::Float,
            Op::Neg(_) | Op::Bin(..) | Op::Math(..) | Op::Cast(..) | Op::Call(_) => Kind::Float,
        }
    }
}

impl Lower<'_> {
    /// `p.map(|e| ..)`, `p.to_vec()`, `p.clone()` of a constant sequence `p`: a sequence.
    fn copied_seq_kind(&self, k: &Konst) -> Option<Kind> {
        let Expr::MethodCall(m) = strip(&k.expr) else {
            return None;
        };
        if !COPIES.contains(&m.method.to_string().as_str()) {
            return None;
        }
        let v = self.read_named(k, strip(&m.receiver))?;
        (self.kind(v) == Kind::Seq).then_some(Kind::Seq)
    }

    /// `stack.pop()`, `it.next()` of a local that carries no derivative (`Vec<usize>`), and
    /// `idx.clone()` of one: what it hands out carries none either. (An iterator bound to a
    /// name, `let mut it = idx.iter();`, is taken for a float: binding its items is an
    /// error that says to loop over the sequence.)
    fn taken_item_kind(&self, k: &Konst) -> Option<Kind> {
        let taking =
            |name: &str| TAKING_METHODS.contains(&name) || ["clone", "to_vec"].contains(&name);
        // Down the chain of such methods to the local it starts from.
        let mut e = strip(&k.expr);
        let mut through = false;
        while let Expr::MethodCall(m) = e
            && taking(&m.method.to_string())
            && m.args.is_empty()
        {
            (e, through) = (strip(&m.receiver), true);
        }
        let v = self.read_named(k, e).filter(|_| through)?;
        (!self.kind(v).differentiable()).then_some(Kind::Other)
    }

    /// The variable a constant reads under the name `e` (a path), found by its name in the
    /// (renamed) expression: a continuation lowered again after an early `return` names its
    /// own copy.
    fn read_named(&self, k: &Konst, e: &Expr) -> Option<VarId> {
        let Expr::Path(p) = e else { return None };
        let name = p.path.get_ident()?;
        k.reads
            .iter()
            .copied()
            .find(|&v| self.vars[v].ident == *name)
    }

    /// An integer or `bool` variable (`let j = at;`), or an element of an integer or `bool`
    /// sequence (`labels[i]`, `tri[3 * c]`, `m[i][j]`), which syntax alone cannot tell from
    /// a float's, or such a read of a value of another kind that carries no derivative (a
    /// struct passed as data): the variable's kind ([`Self::read_named`]).
    fn constant_kind(&self, k: &Konst) -> Option<Kind> {
        let mut base = strip(&k.expr);
        // `&flags[i]`: an element borrowed, as a chain's item is.
        if let Expr::Reference(r) = base {
            base = strip(&r.expr);
        }
        while let Expr::Index(ix) = base {
            base = strip(&ix.expr);
        }
        let v = self.read_named(k, base)?;
        // (Also a copy of a struct passed as data, `let mut s = st;`, or of its element,
        // `init[i]`: what it holds is no float.)
        matches!(self.kind(v), Kind::Int | Kind::Bool | Kind::Other).then(|| self.kind(v))
    }
}

/// A constant's kind, from its syntax: integers and booleans where that is certain, a
/// float (a candidate for carrying a derivative later) otherwise.
/// Methods whose value is a copy of their receiver's shape: a sequence's stays one.
const COPIES: &[&str] = &["map", "to_vec", "clone"];

pub(super) fn konst_kind(expr: &Expr) -> Kind {
    match strip(expr) {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(_) => Kind::Int,
            syn::Lit::Bool(_) => Kind::Bool,
            _ => Kind::Float,
        },
        Expr::Binary(b) => match b.op {
            syn::BinOp::Eq(_)
            | syn::BinOp::Ne(_)
            | syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_)
            | syn::BinOp::And(_)
            | syn::BinOp::Or(_) => Kind::Bool,
            _ => match (konst_kind(&b.left), konst_kind(&b.right)) {
                (Kind::Int, Kind::Int) => Kind::Int,
                (Kind::Bool, Kind::Bool) => Kind::Bool,
                _ => Kind::Float,
            },
        },
        Expr::Unary(u) => match u.op {
            syn::UnOp::Not(_) => match konst_kind(&u.expr) {
                Kind::Int => Kind::Int,
                _ => Kind::Bool,
            },
            _ => konst_kind(&u.expr),
        },
        Expr::Cast(c) => classify_kind(&c.ty),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if name == "len" || name == "count" || name == "partition_point" {
                Kind::Int
            } else if name == "position" || name == "rposition" {
                // `let hit = x.iter().position(|&v| v > t);`: an index in an option, a
                // constant as one declared `None`.
                Kind::Other
            } else if ["unwrap", "expect", "unwrap_or"].contains(&name.as_str())
                && konst_kind(&m.receiver) == Kind::Other
            {
                Kind::Int
            } else if ["unwrap", "expect"].contains(&name.as_str())
                && super::calls::shaped_array(&m.receiver)
            {
                // `Array2::from_shape_vec((2, 3), vec![..]).unwrap()`: an array.
                Kind::Tensor
            } else if COPIES.contains(&name.as_str()) && konst_kind(&m.receiver) == Kind::Seq {
                // `[a, b].map(|e| e.tanh())` of constants: an array still.
                Kind::Seq
            } else if INSPECT_METHODS.contains(&name.as_str())
                && name != "classify"
                && name != "to_bits"
            {
                Kind::Bool
            } else {
                Kind::Float
            }
        }
        Expr::Repeat(_) | Expr::Array(_) => Kind::Seq,
        // `let mut hit = None;`: an option, a constant (an assignment of a value that carries a
        // derivative to it is refused where it is made).
        Expr::Path(p) if p.path.is_ident("None") => Kind::Other,
        Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "vec") => Kind::Seq,
        Expr::Macro(m) if super::calls::ndarray_array_macro(&m.mac) => Kind::Tensor,
        // `Array2::zeros((n, m))`, `Array1::ones(n)`, `Array::from_elem(..)`: an array.
        Expr::Call(c)
            if super::calls::array_function(
                &c.func,
                &[
                    "zeros",
                    "ones",
                    "from_elem",
                    "from_shape_fn",
                    "from_vec",
                    "from",
                ],
            ) =>
        {
            Kind::Tensor
        }
        _ => Kind::Float,
    }
}

/// Whether an `if` can leave the block it is in: a `return` anywhere in it, or a `break` or
/// `continue` not inside a loop of its own.
pub(super) fn exits(ifx: &syn::ExprIf) -> bool {
    let mut scan = ExitScan {
        loops: 0,
        found: false,
    };
    scan.visit_expr_if(ifx);
    scan.found
}

/// The names a format string captures: `x` in `"{x}"` and `"{x:.3}"`, not in `"{{x}}"`.
pub(super) fn format_captures(format: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c == '}' || c == ':' {
                        break;
                    }
                    name.push(c);
                    chars.next();
                }
                let is_ident = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                if is_ident && !names.contains(&name) {
                    names.push(name);
                }
            }
            _ => {}
        }
    }
    names
}

/// Every name the block indexes as `name[...]`, or lends to a call (`f(&name)`,
/// `layer.forward(&name)`): what a call's result so named is, a sequence (or an array), not
/// a float.
pub(super) fn indexed_names(block: &syn::Block) -> BTreeSet<String> {
    struct Scan(BTreeSet<String>);
    impl Scan {
        fn lent(&mut self, arg: &Expr) {
            if let Expr::Reference(r) = strip(arg)
                && let Expr::Path(p) = strip(&r.expr)
                && let Some(ident) = p.path.get_ident()
            {
                self.0.insert(ident.to_string());
            }
        }
    }
    impl<'ast> Visit<'ast> for Scan {
        fn visit_expr_index(&mut self, ix: &'ast syn::ExprIndex) {
            if let Expr::Path(p) = strip(&ix.expr)
                && let Some(ident) = p.path.get_ident()
            {
                self.0.insert(ident.to_string());
            }
            syn::visit::visit_expr_index(self, ix);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            c.args.iter().for_each(|a| self.lent(a));
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            m.args.iter().for_each(|a| self.lent(a));
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut scan = Scan(BTreeSet::new());
    scan.visit_block(block);
    scan.0
}

pub(super) fn block_exits(block: &syn::Block) -> bool {
    let mut scan = ExitScan {
        loops: 0,
        found: false,
    };
    scan.visit_block(block);
    scan.found
}

pub(super) fn has_return(expr: &Expr) -> bool {
    let mut scan = Returns::default();
    scan.visit_expr(expr);
    scan.any
}

pub(super) struct ExitScan {
    loops: usize,
    found: bool,
}

impl<'ast> Visit<'ast> for ExitScan {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Return(_) => self.found = true,
            Expr::Break(_) | Expr::Continue(_) if self.loops == 0 => self.found = true,
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                self.loops += 1;
                syn::visit::visit_expr(self, e);
                self.loops -= 1;
            }
            Expr::Closure(_) => {}
            _ => syn::visit::visit_expr(self, e),
        }
    }
}

/// Where `return` appears in the function.
#[derive(Default)]
pub(super) struct Returns {
    /// A `return` other than as the body's last statement.
    pub(super) early: bool,
    /// A `return` inside a loop.
    pub(super) in_loop: bool,
    any: bool,
    loops: usize,
}

impl Returns {
    pub(super) fn scan(block: &syn::Block) -> Returns {
        let mut scan = Returns::default();
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            let last_return = i + 1 == n
                && matches!(stmt, syn::Stmt::Expr(Expr::Return(r), _) if !r.expr.as_deref().is_some_and(has_return));
            if last_return {
                continue;
            }
            scan.visit_stmt(stmt);
        }
        scan.early = scan.any;
        scan
    }
}

impl<'ast> Visit<'ast> for Returns {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Return(_) => {
                self.any = true;
                if self.loops > 0 {
                    self.in_loop = true;
                }
                syn::visit::visit_expr(self, e);
            }
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                self.loops += 1;
                syn::visit::visit_expr(self, e);
                self.loops -= 1;
            }
            Expr::Closure(_) => {}
            _ => syn::visit::visit_expr(self, e),
        }
    }
}

/// Every identifier in `tokens`, groups included.
/// How many of the statements after a `let` of `name` are in its scope: up to and with a
/// `let` that binds the name again (whose value may still read this one).
pub(super) fn scope_of(later: &[syn::Stmt], name: &Ident) -> usize {
    let rebinds = |s: &syn::Stmt| {
        let mut bound = HashSet::new();
        if let syn::Stmt::Local(l) = s {
            collect_idents(l.pat.to_token_stream(), &mut bound);
        }
        bound.contains(&name.to_string())
    };
    later
        .iter()
        .position(rebinds)
        .map_or(later.len(), |i| i + 1)
}

pub(crate) fn collect_idents(tokens: TokenStream, out: &mut HashSet<String>) {
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}

/// Whether `tokens` name `ident` anywhere.
pub(crate) fn mentions(tokens: &TokenStream, ident: &Ident) -> bool {
    tokens.clone().into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == *ident,
        TokenTree::Group(g) => mentions(&g.stream(), ident),
        _ => false,
    })
}

/// What a chain of method calls starts from: `y` in `y.slice_mut(..).fill(0.0)`.
pub(super) fn root_receiver(expr: &Expr) -> &Expr {
    match strip(expr) {
        Expr::MethodCall(m) => root_receiver(&m.receiver),
        Expr::Reference(r) => root_receiver(&r.expr),
        other => other,
    }
}

/// Whether an expression (a closure's body) only computes its value, so that evaluating it
/// again, or in another order, changes nothing: no assignment, `&mut`, macro, or method
/// but a float's, a reading one of the standard library's (`iter`, `sum`, `len`, ..), or
/// one `also` accepts.
pub(super) fn computes_only(e: &Expr, also: &dyn Fn(&str) -> bool) -> bool {
    const READING: &[&str] = &[
        "iter",
        "copied",
        "cloned",
        "sum",
        "product",
        "len",
        "is_empty",
        "map",
        "zip",
        "enumerate",
        "fold",
        "filter",
        "rev",
        "skip",
        "take",
        "step_by",
        "chunks",
        "windows",
        "total_cmp",
        "partial_cmp",
        "clone",
        "first",
        "last",
        "get",
        "unwrap",
        "unwrap_or",
        "count",
    ];
    struct Effects<'a> {
        also: &'a dyn Fn(&str) -> bool,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Effects<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Assign(_) | Expr::Macro(_) => self.found = true,
                Expr::Binary(b) if compound(&b.op).is_some() => self.found = true,
                Expr::Reference(r) if r.mutability.is_some() => self.found = true,
                Expr::MethodCall(m) => {
                    let name = m.method.to_string();
                    let reading = crate::ops::Math::from_name(&name).is_some()
                        || READING.contains(&name.as_str())
                        || (self.also)(&name);
                    self.found |= !reading;
                }
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut effects = Effects { also, found: false };
    effects.visit_expr(e);
    !effects.found
}

/// The names `e` reads from around it: each path of one name not bound inside `e` before
/// it (by a `let` earlier in its block, a closure's or a `for` loop's pattern, a `match`
/// arm's), and every name a macro mentions. Names bound by `if let` and `while let` are
/// counted as read from around (an `else` may read the outer one).
pub(crate) fn free_names(e: &Expr) -> HashSet<String> {
    struct Free {
        scopes: Vec<HashSet<String>>,
        free: HashSet<String>,
    }
    impl Free {
        fn bound(&self, name: &str) -> bool {
            self.scopes.iter().any(|s| s.contains(name))
        }
        fn bind(&mut self, pat: &Pat) {
            struct Names(HashSet<String>);
            impl<'ast> Visit<'ast> for Names {
                fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
                    self.0.insert(i.ident.to_string());
                    syn::visit::visit_pat_ident(self, i);
                }
            }
            let mut names = Names(HashSet::new());
            names.visit_pat(pat);
            self.scopes.last_mut().expect("a scope").extend(names.0);
        }
        fn scoped(&mut self, pats: &[&Pat], f: impl FnOnce(&mut Self)) {
            self.scopes.push(HashSet::new());
            for p in pats {
                self.bind(p);
            }
            f(self);
            self.scopes.pop();
        }
    }
    impl<'ast> Visit<'ast> for Free {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(name) = p.path.get_ident().map(|i| i.to_string())
                && !self.bound(&name)
            {
                self.free.insert(name);
            }
        }
        fn visit_block(&mut self, b: &'ast syn::Block) {
            self.scoped(&[], |s| {
                for stmt in &b.stmts {
                    match stmt {
                        syn::Stmt::Local(l) => {
                            if let Some(init) = &l.init {
                                s.visit_expr(&init.expr);
                                if let Some((_, d)) = &init.diverge {
                                    s.visit_expr(d);
                                }
                            }
                            s.bind(&l.pat);
                        }
                        other => s.visit_stmt(other),
                    }
                }
            });
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            let pats: Vec<&Pat> = c.inputs.iter().collect();
            self.scoped(&pats, |s| s.visit_expr(&c.body));
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            self.scoped(&[&f.pat], |s| s.visit_block(&f.body));
        }
        fn visit_arm(&mut self, a: &'ast syn::Arm) {
            // (syn keeps a guard in the pattern: read with the pattern's names bound.)
            self.scoped(&[&a.pat], |s| {
                s.visit_pat(&a.pat);
                s.visit_expr(&a.body);
            });
        }
        fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
            // `V2 { x, y }`: the shorthand reads `x`.
            if f.colon_token.is_none()
                && let syn::Member::Named(m) = &f.member
                && !self.bound(&m.to_string())
            {
                self.free.insert(m.to_string());
            }
            syn::visit::visit_field_value(self, f);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            collect_idents(m.tokens.clone(), &mut self.free);
        }
    }
    let mut free = Free {
        scopes: Vec::new(),
        free: HashSet::new(),
    };
    free.visit_expr(e);
    free.free
}

/// Whether `e` leaves the function it is in (`return`, `?`) outside any closure inside it:
/// a closure's body that does cannot stand where the closure is called.
pub(crate) fn exits_early(e: &Expr) -> bool {
    struct Exits(bool);
    impl<'ast> Visit<'ast> for Exits {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Return(_) | Expr::Try(_) => self.0 = true,
                Expr::Closure(_) => {}
                e => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut exits = Exits(false);
    exits.visit_expr(e);
    exits.0
}
