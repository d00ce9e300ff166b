//! Method calls: of floats (from the operations table), of sequences, of arrays, of
//! structs; the tests and index picks among them, which carry no derivative.

use super::*;

/// The `pop`s of a sequence of floats that carries a derivative the macro takes.
const POPS: &str = "#[differentiate] takes the last element of a local `Vec` of floats as `v.pop().unwrap()` (or `.expect(..)`, `.unwrap_or(..)`), `v.pop();`, `while let Some(t) = v.pop()`, `if let Some(t) = v.pop()` or `match v.pop() { Some(t) => .., None => .. }`, or kept as an `Option` by a `let` (`let t = v.pop();`); not a `pop` used otherwise (`v.pop().map(..)`), of a sequence of rows, or of a parameter";

impl Lower<'_> {
    /// A method of a sequence of floats that carries a derivative, outside an iterator
    /// chain: its length, a test's position, a copy; any other an error.
    fn seq_method(&mut self, m: &syn::ExprMethodCall, v: VarId, name: &str) -> Op {
        match name {
            // Integers read off the values (where a sorted sequence's test turns):
            // constants of the forward pass.
            "len" if m.args.is_empty() => Op::Konst(self.konst(&Expr::MethodCall(m.clone()))),
            "partition_point" if m.args.len() == 1 => {
                Op::Konst(self.konst(&Expr::MethodCall(m.clone())))
            }
            "to_vec" | "clone" | "to_owned" if m.args.is_empty() => Op::Copy(self.operand_of(v)),
            "pop" => {
                self.errors.spanned(&m.method, POPS);
                Op::Konst(self.dummy())
            }
            // An iterator made here but walked by no chain or loop the macro rewrites whole
            // (`let mut it = x.iter().peekable();`).
            "iter" | "iter_mut" | "into_iter" if m.args.is_empty() => {
                self.errors.spanned(&m.method, format!("#[differentiate] walks a sequence of floats by an iterator only where the whole walk is written in one place, a `for` loop or a chain it rewrites as the loop it means; not an iterator bound to a name (`let mut it = xs.iter();`, then `it.next()`), passed on, or adapted by a method no chain takes (`.peekable()`); supported: {}", iterators::CHAINS));
                Op::Konst(self.dummy())
            }
            _ => {
                self.errors.spanned(
                        &m.method,
                        format!("#[differentiate] does not support `.{name}()` on a sequence of floats; supported: `.len()`, `.partition_point(..)`, `.to_vec()`, `.clone()`, indexing `x[i]`, loops over `x.iter()`, `x.windows(k)`, `x.chunks(k)`, and {}", iterators::CHAINS),
                    );
                Op::Konst(self.dummy())
            }
        }
    }

    pub(super) fn lower_method(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Op {
        // `concatenate(Axis(0), &[a.view(), b.view()]).unwrap()`, `stack(..)`: joins.
        if let Some(joined) = self.join_of(m) {
            return self.lower_op(&joined, out);
        }
        // An array's `a.map(|v| ..)`: elementwise, as `mapv`.
        if m.method == "map" && m.args.len() == 1 {
            let array = self
                .local_of(&m.receiver)
                .is_some_and(|v| self.kind(v) == Kind::Tensor);
            if let Some(mapped) = array
                .then(|| closures::elementwise(&m.receiver, &m.args[0], &self.krate))
                .flatten()
            {
                return self.lower_op(&mapped, out);
            }
        }
        let name = m.method.to_string();
        // `(0..n).map(|k| k * k).sum::<usize>()`: closures over values that carry no
        // derivative, a constant evaluated as written.
        let whole = Expr::MethodCall(m.clone());
        if has_closure(&whole) && !self.reads_derivative(&whole) {
            return Op::Konst(self.konst(&whole));
        }
        // `x.first().unwrap()`, `x.get(i).copied().unwrap_or(0.0)` of a sequence (or a row):
        // the element, or the default where there is none.
        if let Some(element) = self.optional_element(m) {
            return self.lower_op(&element, out);
        }
        // `let k = x.iter().position(|&v| v > t).unwrap_or(0);`, `.filter(..).count()`, `.any(..)`:
        // a test of values (an index, a count, a `bool`), in which no derivative flows; and
        // `(0..n).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap()`, an index the comparison
        // of values only picks; `m[i].len()`, a row's length.
        if is_test_chain(m) || picks_index(m) || self.row_len(m) {
            return Op::Konst(self.konst(&whole));
        }
        // `x.mean().unwrap()`: ndarray's means are options (empty arrays have none).
        if let Some(op) = self.lower_unwrapped_reduction(m, &name, out) {
            return op;
        }
        // `m[i].to_vec()`, `row.clone()`: a copy of a row of a nested sequence.
        if matches!(name.as_str(), "to_vec" | "clone" | "to_owned")
            && m.args.is_empty()
            && let Some((v, prefix)) = self.part_arg(&m.receiver, true)
        {
            let (zero, receiver) = (self.konst(&syn::parse_quote!(0)), &m.receiver);
            let end = self.konst(&syn::parse_quote!(#receiver.len()));
            return self.part_copy(v, prefix, zero, end, m.span());
        }
        // `layer.forward(&h)` in `for layer in layers`, `layers[l].forward(&h)`: a method of
        // a struct in a sequence (any but a sequence's own, or a float field's: `c.s.exp()`).
        let float_field = matches!(strip(&m.receiver), Expr::Field(_))
            && (Math::from_name(&name).is_some() || STEP_METHODS.contains(&name.as_str()));
        if !SEQUENCE_METHODS.contains(&name.as_str())
            && !float_field
            && let Some((v, index)) = self.part_arg(&m.receiver, true)
        {
            return self.lower_struct_method(m, Operand::Elem(v, index), out);
        }
        let receiver_var = self.local_of(&m.receiver);
        // `a.map(|v| v * v)` of an array `[T; N]` (a `Vec` has no `map`), named or written
        // out (`[a, b].map(..)`): the copy its elements are written into.
        let array = receiver_var.is_some_and(|v| self.kind(v) == Kind::Seq && self.depth(v) == 1)
            || matches!(strip(&m.receiver), Expr::Array(_));
        if array
            && name == "map"
            && let [closure] = &m.args.iter().collect::<Vec<_>>()[..]
            && let Expr::Closure(c) = strip(closure)
            && c.inputs.len() == 1
        {
            let [i, source, mapped] = ["i", "source", "mapped"]
                .map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
            let (array, pat, body) = (&m.receiver, &c.inputs[0], &c.body);
            let block: Expr = syn::parse_quote_spanned!(m.method.span()=> {
                let #source = #array;
                let mut #mapped = #source;
                for #i in 0..#mapped.len() {
                    let #pat = #source[#i];
                    #mapped[#i] = #body;
                }
                #mapped
            });
            return Op::Copy(self.lower_operand(&block, out));
        }
        // Sequences: their length is a constant; a copy is a copy.
        if let Some(v) = receiver_var.filter(|&v| self.kind(v) == Kind::Seq) {
            return self.seq_method(m, v, &name);
        }
        if INSPECT_METHODS.contains(&name.as_str()) || STEP_METHODS.contains(&name.as_str()) {
            return Op::Konst(self.konst(&Expr::MethodCall(m.clone())));
        }
        let receiver = self.lower_operand(&m.receiver, out);
        match receiver.var().map(|v| self.kind(v)) {
            Some(Kind::Tensor) => return self.lower_tensor_method(m, &name, receiver, out),
            // A copy of a struct (its gradient flows back whole), or its method.
            Some(Kind::Struct) if matches!(name.as_str(), "clone" | "to_owned") => {
                return Op::Copy(receiver);
            }
            Some(Kind::Struct) => return self.lower_struct_method(m, receiver, out),
            _ => {}
        }
        self.lower_float_method(m, &name, receiver, out)
    }

    /// `x.mean().unwrap()`, `x.mean().expect(..)`: an array's reduction whose value is an
    /// option (an empty array has none).
    fn lower_unwrapped_reduction(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        out: &mut Vec<Stmt>,
    ) -> Option<Op> {
        if (name == "unwrap" || name == "expect")
            && m.args.len() <= 1
            && let Expr::MethodCall(inner) = strip(&m.receiver)
        {
            let inner_name = inner.method.to_string();
            let optional = Reduction::METHODS
                .iter()
                .any(|&(n, _, unwrap)| unwrap && n == inner_name);
            if optional {
                // Only arrays have these among the types the macro accepts.
                let receiver = self.lower_operand(&inner.receiver, out);
                if receiver.var().is_some_and(|v| self.kind(v) == Kind::Tensor) {
                    let args = inner.args.iter().map(|a| self.konst(a)).collect();
                    if let Some(r) = Reduction::from_method(&inner_name, true, args) {
                        return Some(Op::Reduce(r, receiver));
                    }
                }
                self.errors.spanned(
                    &inner.method,
                    format!(
                        "#[differentiate] supports {} on ndarray arrays only",
                        Reduction::usage_of(&inner_name).unwrap_or_default()
                    ),
                );
                return Some(Op::Konst(self.dummy()));
            }
        }
        None
    }

    /// Whether `e` reads a local whose definition already had an error.
    pub(super) fn reads_poisoned(&self, e: &Expr) -> bool {
        let mut names = HashSet::new();
        collect_idents(e.to_token_stream(), &mut names);
        names
            .iter()
            .any(|n| self.lookup(n).is_some_and(|v| self.poisoned.contains(&v)))
    }

    /// A float's method (`x.sin()`, `a.powf(b)`), from the operations table.
    fn lower_float_method(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        receiver: Operand,
        out: &mut Vec<Stmt>,
    ) -> Op {
        let args: Vec<Operand> = m.args.iter().map(|a| self.lower_operand(a, out)).collect();
        let constant = matches!(receiver, Operand::Konst(_))
            && args.iter().all(|a| matches!(a, Operand::Konst(_)));
        if constant {
            return Op::Konst(self.konst(&Expr::MethodCall(m.clone())));
        }
        let Some(&MathEntry {
            op: math, arity, ..
        }) = Math::from_name(name)
        else {
            // A value made from a local whose definition had an error: one error is enough.
            if self.reads_poisoned(&m.receiver) {
                return Op::Konst(self.dummy());
            }
            if TAKING_METHODS.contains(&name) {
                self.errors.spanned(
                    &m.method,
                    format!("#[differentiate] does not see the type of what `.{name}()` hands out here, so it cannot tell whether it carries a derivative: loop over the sequence itself (`for &k in &idx {{ .. }}`, or by index) instead of taking its items from an iterator bound to a name"),
                );
                return Op::Konst(self.dummy());
            }
            self.errors.spanned(
                &m.method,
                format!("#[differentiate] does not know the derivative of `.{name}()`; supported float methods: {} (and, with zero derivative, {}); for another function, declare a gate with `backprop::gate!`", Math::names(|_| true), STEP_METHODS.join(", ")),
            );
            return Op::Konst(self.dummy());
        };
        if args.len() != arity {
            self.errors
                .spanned(&m.method, format!("`.{name}()` takes {arity} argument(s)"));
            return Op::Konst(self.dummy());
        }
        if let Some(t) = &m.turbofish {
            self.errors.spanned(t, "unexpected generic arguments");
        }
        Op::Math(math, receiver, args)
    }

    /// A method of an array: `dot`, reductions, transposition, elementwise math.
    pub(super) fn lower_tensor_method(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        receiver: Operand,
        out: &mut Vec<Stmt>,
    ) -> Op {
        let arg = |cx: &mut Self, out: &mut Vec<Stmt>, i: usize| -> Operand {
            let a = &m.args[i];
            let inner = match strip(a) {
                Expr::Reference(r) => &*r.expr,
                other => other,
            };
            cx.lower_operand(inner, out)
        };
        match (name, m.args.len()) {
            ("dot", 1) => {
                let rhs = arg(self, out, 0);
                Op::Dot(receiver, rhs)
            }
            // The standard deviation is the square root of the variance: its rules follow.
            (std @ ("std_axis" | "std"), n @ (2 | 1)) if (std == "std") == (n == 1) => {
                let args = m.args.iter().map(|a| self.konst(a)).collect();
                let var = if std == "std" { "var" } else { "var_axis" };
                let var = Reduction::from_method(var, false, args).expect("its arguments");
                let var = self.materialize(Op::Reduce(var, receiver), m.method.span(), out);
                Op::Math(Math::Sqrt, var, Vec::new())
            }
            (name, n) if Reduction::METHODS.contains(&(name, n, false)) => {
                let args = m.args.iter().map(|a| self.konst(a)).collect();
                match Reduction::from_method(name, false, args) {
                    Some(r) => Op::Reduce(r, receiver),
                    None => Op::Konst(self.dummy()),
                }
            }
            // A view, an owned copy: the same value.
            ("to_owned" | "clone" | "view", 0) => Op::Copy(receiver),
            // `x.to_vec()` of a vector: the runtime's gate (its gradient goes back as an
            // array).
            ("to_vec", 0) => {
                let krate = &self.krate;
                let gate = syn::parse_quote!(#krate::__private::tensor::array_to_vec);
                let arg = Arg {
                    value: receiver,
                    span: m.span(),
                    by_ref: true,
                    part: false,
                };
                self.call(gate, None, None, vec![arg], false, m.span())
            }
            (name, _) if SHAPE_METHODS.contains(&name) => {
                Op::Konst(self.konst(&Expr::MethodCall(m.clone())))
            }
            (name, _) if Math::from_name(name).is_some_and(|e| e.on_arrays) => {
                let Some(&MathEntry {
                    op: math, arity, ..
                }) = Math::from_name(name)
                else {
                    return Op::Konst(self.dummy());
                };
                let args: Vec<Operand> = (0..m.args.len()).map(|i| arg(self, out, i)).collect();
                if args.len() != arity || args.iter().any(|a| !matches!(a, Operand::Konst(_))) {
                    self.errors.spanned(
                        &m.method,
                        format!("`.{name}()` takes {arity} constant argument(s)"),
                    );
                    return Op::Konst(self.dummy());
                }
                Op::Math(math, receiver, args)
            }
            // ndarray's square: `powi(2)`.
            ("pow2", 0) => {
                let two = Operand::Konst(self.konst(&syn::parse_quote!(2)));
                Op::Math(Math::Powi, receiver, vec![two])
            }
            ("max" | "min" | "clamp", _) => {
                self.errors.spanned(
                    &m.method,
                    format!("#[differentiate] supports `.{name}()` on an array's elements only against constants, inside `mapv` (`a.mapv(|v| v.max(0.0))`, `v.clamp(-1.0, 1.0)`: the gates `maximum` and `minimum`); not between two arrays"),
                );
                Op::Konst(self.dummy())
            }
            ("iter" | "iter_mut" | "into_iter", _) => {
                self.errors.spanned(
                    &m.method,
                    "#[differentiate] walks the elements of a one-dimensional array whose type the function declares or its operands give (a parameter `a: &Array1<f64>`, a local `let z: Array1<f64> = ..;`, `let z = m.dot(x);` or `x.mapv(..)` of declared ones), as a slice's: `a.iter().map(..).sum()`, `for (i, v) in a.iter().enumerate()`; for this array, declare its type, or index it (`a[[i, j]]`), or use `.mapv(|v| ..)` and `.sum()`",
                );
                Op::Konst(self.dummy())
            }
            (name, _) => {
                self.errors.spanned(
                    &m.method,
                    format!("#[differentiate] does not support `.{name}()` on an array; supported: `.dot(&w)`, {}, `.view()`, `.to_owned()`, `.clone()`, `.mapv(|v| ..)`, `.map(|v| ..)`, `.fold(init, |acc, &v| ..)` (one-dimensional), walks of `.outer_iter()`, `.rows()`, `.columns()` and `.axis_iter(Axis(0 or 1))`, elementwise {}, pow2 (and, with zero derivative, floor, ceil, round, trunc, signum), and the gates `sigmoid`, `relu`, `maximum`, `minimum`, `softmax`, `log_softmax`, `softmax_cross_entropy`", Reduction::usage(), Math::names(|e| e.on_arrays)),
                );
                Op::Konst(self.dummy())
            }
        }
    }
}

/// The methods of sequences (and their rows) the macro knows; another method of a row is a
/// method of the struct it is, in a sequence of structs.
const SEQUENCE_METHODS: &[&str] = &[
    "len",
    "partition_point",
    "iter",
    "into_iter",
    "to_vec",
    "clone",
    "to_owned",
    "windows",
    "chunks",
    "chunks_exact",
    "first",
    "last",
    "is_empty",
    "contains",
];

impl Lower<'_> {
    /// `x.first()`, `x.last()`, `x.get(i)` (then perhaps `.copied()` or `.cloned()`),
    /// unwrapped: `.unwrap()` or `.expect(..)` is the element `x[0]`, `x[x.len() - 1]`, `x[i]`
    /// (which panics where the option is empty, as the unwrapping does); `.unwrap_or(d)` is
    /// the element where there is one and `d` elsewhere (`if i < x.len() { x[i] } else { d }`).
    fn optional_element(&self, m: &syn::ExprMethodCall) -> Option<Expr> {
        let default = match (m.method.to_string().as_str(), m.args.len()) {
            ("unwrap", 0) | ("expect", 1) => None,
            ("unwrap_or", 1) => Some(&m.args[0]),
            _ => return None,
        };
        let mut option = strip(&m.receiver);
        let copied = super::iterators::copies(&mut option);
        // `.unwrap_or(&0.0)` of references: the default is a reference; left as written.
        // (`x.iter().copied().find(..)` finds values, `x.iter().copied().rev()` too.)
        let private = self.private();
        let finds_values = matches!(option, Expr::MethodCall(f) if f.method == "find"
            && super::matches::found_at(f, Some(&private)).is_some_and(|found| found.by_value));
        if default.is_some() && !copied && !finds_values {
            return None;
        }
        let (element, present) = self.optional_place(option)?;
        let span = m.method.span();
        Some(match default {
            None => element,
            Some(d) => syn::parse_quote_spanned!(span=> if #present { #element } else { #d }),
        })
    }

    /// The element `x.first()`, `x.last()` or `x.get(i)` would hold, of a sequence of floats
    /// (or a row of one), and the condition under which it does. `x.iter().find(|&&v| ..)`
    /// (also over `x.iter().copied()`): the element at the position the same test finds
    /// first (a constant, as `position` is).
    fn optional_place(&self, e: &Expr) -> Option<(Expr, Expr)> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        if m.method == "find" {
            let private = self.private();
            let found = super::matches::found_at(m, Some(&private))?;
            let (seq, at, span) = (found.seq, found.at, m.method.span());
            // A sequence of floats (or a row of one), as for `first`.
            self.optional_place(&syn::parse_quote!(#seq.first()))?;
            return Some((
                syn::parse_quote_spanned!(span=> #seq[(#at).unwrap()]),
                syn::parse_quote_spanned!(span=> (#at).is_some()),
            ));
        }
        let seq = &m.receiver;
        let flat = match self.local_of(seq) {
            Some(v) if self.kind(v) == Kind::Seq => {
                let (_, prefix) = self.seq_place(v);
                prefix.0.len() + 1 == self.seq_depth(v)
            }
            _ => self
                .indexed_row(seq)
                .is_some_and(|(base, indices)| indices + 1 == self.depth(base)),
        };
        if !flat {
            return None;
        }
        let span = m.method.span();
        let nonempty = syn::parse_quote_spanned!(span=> !#seq.is_empty());
        match (
            m.method.to_string().as_str(),
            &m.args.iter().collect::<Vec<_>>()[..],
        ) {
            ("first", []) => Some((syn::parse_quote_spanned!(span=> #seq[0]), nonempty)),
            ("last", []) => Some((
                syn::parse_quote_spanned!(span=> #seq[#seq.len() - 1]),
                nonempty,
            )),
            ("get", [i]) if !matches!(strip(i), Expr::Range(_)) => Some((
                syn::parse_quote_spanned!(span=> #seq[#i]),
                syn::parse_quote_spanned!(span=> (#i) < #seq.len()),
            )),
            _ => None,
        }
    }
}

/// Whether a closure appears anywhere in the expression.
fn has_closure(e: &Expr) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    f.visit_expr(e);
    f.0
}

/// A test over an iterator (`.any(..)`, `.all(..)`, `.position(..)`, `.rposition(..)`,
/// `.count()`), or an `Option`'s unwrapping or test of one (`.unwrap_or(0)`, `.is_some()`).
fn is_test_chain(m: &syn::ExprMethodCall) -> bool {
    let name = m.method.to_string();
    if super::constants::TESTS.contains(&name.as_str()) || integer_reduction(m) {
        return true;
    }
    const UNWRAPS: &[&str] = &[
        "unwrap",
        "expect",
        "unwrap_or",
        "unwrap_or_default",
        "is_some",
        "is_none",
    ];
    UNWRAPS.contains(&name.as_str())
        && matches!(strip(&m.receiver), Expr::MethodCall(inner) if is_test_chain(inner))
}

/// A sum or product of integers (`.sum::<i64>()`, or after `.map(|&v| (v * k) as i64)`):
/// a constant, whatever the values it counts carry.
pub(super) fn integer_reduction(m: &syn::ExprMethodCall) -> bool {
    if !(m.method == "sum" || m.method == "product") || !m.args.is_empty() {
        return false;
    }
    let typed = m.turbofish.iter().flat_map(|t| &t.args).any(
        |a| matches!(a, syn::GenericArgument::Type(t) if matches!(classify(t), TypeClass::Int)),
    );
    typed || mapped_kind(&m.receiver) == Some(Kind::Int)
}

/// The kind of what the `map` ending `chain` gives (`.map(|v| (v * 3.0) as usize)`: an
/// integer), from its closure's value's syntax.
pub(super) fn mapped_kind(chain: &Expr) -> Option<Kind> {
    let Expr::MethodCall(map) = strip(chain) else {
        return None;
    };
    let [closure] = &map.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let Expr::Closure(c) = strip(closure) else {
        return None;
    };
    let value = super::closures::closure_value(c)?;
    (map.method == "map").then(|| konst_kind(value))
}

/// An index picked by comparing values: `(a..b).min_by(cmp)` (or `max_by`, also after
/// `.rev()`) and `chain.enumerate().min_by(cmp).map(|(i, _)| i)`, unwrapped (`.unwrap()`,
/// `.expect(..)`, `.unwrap_or(..)`). An integer, a constant: the comparison decides only
/// which one.
pub(super) fn picks_index(m: &syn::ExprMethodCall) -> bool {
    const UNWRAPS: &[&str] = &["unwrap", "expect", "unwrap_or"];
    if !UNWRAPS.iter().any(|u| m.method == u) {
        return false;
    }
    let is_pick = |e: &Expr| -> Option<syn::ExprMethodCall> {
        match strip(e) {
            Expr::MethodCall(p) if p.method == "min_by" || p.method == "max_by" => Some(p.clone()),
            _ => None,
        }
    };
    // `(a..b).min_by(..)`, `(a..b).rev().max_by(..)`.
    if let Some(pick) = is_pick(&m.receiver) {
        let mut e = strip(&pick.receiver);
        if let Expr::MethodCall(r) = e
            && r.method == "rev"
        {
            e = strip(&r.receiver);
        }
        return matches!(e, Expr::Range(_));
    }
    // `chain.enumerate().min_by(..).map(|(i, _)| i)`.
    let Expr::MethodCall(map) = strip(&m.receiver) else {
        return false;
    };
    let Some(pick) = is_pick(&map.receiver).filter(|_| map.method == "map") else {
        return false;
    };
    let Some(Expr::Closure(c)) = map.args.first().map(strip) else {
        return false;
    };
    let index = match c.inputs.iter().collect::<Vec<_>>()[..] {
        [Pat::Tuple(t)] => match t.elems.first() {
            Some(Pat::Ident(i)) => i.ident.clone(),
            _ => return false,
        },
        _ => return false,
    };
    let returns_index = matches!(strip(&c.body), Expr::Path(p) if p.path.is_ident(&index));
    returns_index && enumerated(&pick.receiver)
}

/// Whether an iterator chain ends in `.enumerate()`: its items are `(index, value)`.
pub(super) fn enumerated(e: &Expr) -> bool {
    matches!(strip(e), Expr::MethodCall(m) if m.method == "enumerate")
}
