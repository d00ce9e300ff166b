//! Iterator chains over slices as the index loops they mean:
//! `x.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>()` becomes
//! `{ let mut total = 0.0; for i in 0..x.len().min(y.len()) { let a = x[i]; let b = y[i];
//! total = total + a * b; } total }`, and `for (a, b) in x.iter().zip(&y)` an index loop.
//! Supported: a source `xs.iter()` (or `&xs`, `xs`, with `.copied()` / `.cloned()`), then
//! optionally `.zip(ys)`, `.enumerate()` and `.rev()`, any number of `.map(|..| ..)` and
//! `.filter(|..| ..)` (a filter wraps the rest of the step in `if`; `.take_while(|..| ..)`
//! ends the walk with `break` where its test fails), and `.sum()`,
//! `.product()`, `.fold(init, |acc, ..| ..)` (or `.fold(init, f64::max)`),
//! `.for_each(|..| ..)`, `.collect()` (into a `Vec`; after a filter, pushed) or `.max_by(..)` /
//! `.min_by(..)` then `.unwrap()` / `.expect(..)`, over sequences of floats (slices, `Vec`s,
//! arrays `[T; N]`; lowering checks, since it knows what each name is). The items of
//! `xs.iter_mut()` (or `&mut xs`) are places, written through in `for` loops and
//! `.for_each(..)` (`places.rs`). A chain over `xs.windows(k)`,
//! `xs.chunks(k)` or `xs.chunks_exact(k)` becomes a `for` loop over them (`windows.rs` then
//! makes it an index loop). The rewritten expression is then lowered as written by hand.

use super::*;

mod joined;
mod loops;
mod pairs;
mod places;
mod refused;
mod sources;
mod terminals;

pub(super) use pairs::pair_taken_apart;
pub(super) use refused::{unsupported_adaptor, unsupported_stretch_end};
use sources::*;
pub(super) use sources::{copies, limits, peel, source};

pub(super) use loops::for_loop;
pub(super) use terminals::terminal;

/// What a rewrite needs from lowering: which names are sequences of floats, and names the
/// function does not use.
pub(super) trait Context {
    fn is_seq(&self, expr: &Expr) -> bool;
    /// A one-dimensional ndarray array of floats whose type the function declares: walked
    /// as a slice is, by one index (`a[i]`).
    fn is_array(&self, expr: &Expr) -> bool;
    /// A named sequence of constants (`labels: &[usize]`, `flags: &[bool]`, `data: &[(f64,
    /// f64)]` left out of `wrt`): walked beside the floats, its items taken as written.
    fn is_constant_seq(&self, expr: &Expr) -> bool;
    /// A sequence whose items are rows (of a nested sequence), not floats.
    fn has_rows(&self, expr: &Expr) -> bool;
    fn fresh(&mut self, base: &str) -> Ident;
    /// Whether the expression reads a value that carries a derivative.
    fn carries(&self, expr: &Expr) -> bool;
    /// Whether a sequence named by itself is a reference in the user's code (a borrowed
    /// parameter, a row, a sub-slice), so that iterating over it gives references.
    fn borrowed(&self, expr: &Expr) -> bool;
    /// Reports an error in the user's code.
    fn error(&mut self, span: Span, message: &str);
}

/// A chain, parsed: the sequences it walks together, whether it counts, whether it runs
/// backwards, and its maps and filters in order.
struct Chain<'a> {
    seqs: Vec<&'a Expr>,
    /// Per sequence, how it is walked (`xs.iter().zip(xs.iter().skip(1))`, `.zip(ys.iter().rev())`);
    /// none for a chain of one.
    sides: Vec<Side<'a>>,
    /// A chain over a range of integers (`(0..n).map(|i| x[i] * w[i])`) instead of
    /// sequences: its items are the integers.
    over: Option<&'a Expr>,
    /// Per sequence, whether its items are rows (taken by reference, `&m[i]`).
    rows: Vec<bool>,
    /// Per sequence, whether its items are references to floats in the user's code
    /// (`xs.iter()`, `&xs`; not `.copied()`): `None` for a sequence named by itself, until
    /// [`checked`] asks whether it is borrowed.
    refs: Vec<Option<bool>>,
    /// Per sequence, whether its items are mutable references (`xs.iter_mut()`, `&mut xs`):
    /// elements the body assigns through (`*x *= 2.0`), see [`places`].
    muts: Vec<bool>,
    enumerate: bool,
    reverse: bool,
    /// `.rev().enumerate()`: the count goes up while the index goes down.
    count_reversed: bool,
    /// `.skip(a)`, `.take(b)`, `.step_by(k)` on the sequences (or on them enumerated), in
    /// order.
    limits: Vec<(Limit, &'a Expr)>,
    /// The limits come after `.enumerate()`: the count is the index itself.
    limited_after_count: bool,
    maps: Vec<Adapter<'a>>,
    /// How the zipped items nest (one sequence: [`Nest::One`]).
    nest: Nest,
}

/// How zipped items nest, over the sequences in their order: `xs.iter().zip(ys).zip(zs)`
/// gives `((x, y), z)`, `xs.iter().zip(ys.iter().zip(zs))` gives `(x, (y, z))`.
#[derive(Clone, Default)]
enum Nest {
    #[default]
    One,
    Pair(Box<Nest>, Box<Nest>),
}

impl Nest {
    /// The operands of `e`'s zips, left to right, pushed onto `operands`; how they nest.
    fn of<'a>(e: &'a Expr, operands: &mut Vec<&'a Expr>) -> Nest {
        if let Expr::MethodCall(m) = strip(e)
            && m.method == "zip"
            && m.args.len() == 1
        {
            let left = Nest::of(&m.receiver, operands);
            let right = Nest::of(&m.args[0], operands);
            return Nest::Pair(Box::new(left), Box::new(right));
        }
        operands.push(e);
        Nest::One
    }

    /// The item made of `elems`, one per sequence, nested as zipped.
    fn item(&self, elems: &mut impl Iterator<Item = Value>) -> Value {
        match self {
            Nest::One => elems.next().expect("one value per zipped sequence"),
            Nest::Pair(left, right) => {
                let left = left.item(elems);
                Value::Tuple(vec![left, right.item(elems)])
            }
        }
    }
}

/// An adaptor that narrows the indices a chain walks.
#[derive(Clone, Copy)]
pub(super) enum Limit {
    Skip,
    Take,
    StepBy,
    /// `.rev().skip(a)`, `.rev().take(b)`: from the end of the walk.
    SkipBack,
    TakeBack,
    /// `.rev().step_by(k)`, the last limit: every `k`-th index from the last one down.
    StepByBack,
}

/// `.map(|x| ..)`, `.filter(|x| ..)` or `.take_while(|x| ..)`.
enum Adapter<'a> {
    Map(&'a syn::ExprClosure),
    Filter(&'a syn::ExprClosure),
    /// Ends the walk at the first item that fails the test.
    TakeWhile(&'a syn::ExprClosure),
    /// `.copied()` or `.cloned()` after one of the above: the items are values from here on.
    ByValue,
    /// `.enumerate()` after a join: each item paired with the counter, which then steps.
    Count(Ident),
}

/// The adaptors a chain may use, and the methods that end one.
const ADAPTORS: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "copied",
    "cloned",
    "zip",
    "enumerate",
    "rev",
    "map",
    "filter",
    "take_while",
];
const TERMINALS: &[&str] = &[
    "sum", "product", "fold", "for_each", "collect", "max_by", "min_by", "reduce",
];

/// The adaptors that narrow a chain's walk (`sources::limits`).
const LIMITS: &[&str] = &["skip", "take", "step_by"];

/// The methods that cut a sequence into stretches a chain can walk.
const STRETCHES: &[&str] = &["windows", "chunks", "chunks_exact"];

/// Whether the method `name` gives an iterator the chains know (an adaptor, a limit, a walk
/// of stretches, `skip_while`): `zip(a.iter(), b)` is `a.iter().zip(b)`.
pub(super) fn gives_iterator(name: &Ident) -> bool {
    [ADAPTORS, LIMITS, STRETCHES, &["skip_while"]]
        .iter()
        .any(|names| names.iter().any(|n| name == n))
}

/// How the supported chains are written, for errors.
pub(super) const CHAINS: &str = "iterator chains over sequences of floats or over ranges: `xs.iter()` or `xs.into_iter()` (`.copied()`, `.cloned()`), `xs.iter_mut()` (in a `for` loop or `.for_each(..)`) or `(a..b)`, `.zip(ys)` (also `ys.iter().skip(k).take(n)`, `&ys[a..b]`, `ys.iter().rev()`, and zipped again: `.zip(ys).zip(zs)` or `.zip(ys.iter().zip(zs))`), `.skip(k)`, `.take(k)`, `.step_by(k)` (on one side of `.enumerate()`; after a `.rev()` or a `.rev().enumerate()`, `skip`, `take` and a last `step_by`, with `skip` and `take` before a `.rev()` not counted too), `.enumerate()`, `.rev()`, `.map(|..| ..)` (or `.map(f64::exp)`, `.map(f)` of a named closure), `.filter(|..| ..)`, `.take_while(|..| ..)`, `.skip_while(|..| ..)` (on the sequence itself: `xs.iter()`, `xs.iter().copied()`), `.scan(init, |acc, x| { ..; Some(..) })` (never ending early; the state as `*acc`), then `.sum()`, `.product()`, `.fold(..)`, `.for_each(..)`, `.collect()`, `.max_by(..)`/`.min_by(..)` (then `.copied()`) with `.unwrap()` or `.unwrap_or(..)`, or `.reduce(..)` with `.unwrap()` or `.unwrap_or(..)`; and `xs.windows(k)`, `xs.chunks(k)`, `xs.chunks_exact(k)` (also `.enumerate()`d), `.map(..)`/`.filter(..)`, then `.sum()`, `.product()`, `.fold(..)` or `.for_each(..)`";

/// The chain up to (not including) a terminal method.
fn chain(expr: &Expr) -> Option<Chain<'_>> {
    let (maps, mut e) = adapters(expr)?;
    // In source order: the sequences, limits, `.rev()`, `.enumerate()`, limits, `.rev()`,
    // then the maps and filters; read here from the last back. `.copied()` and `.cloned()`
    // may come anywhere between (`xs.iter().rev().cloned()`): the items are values.
    let mut by_value = copies(&mut e);
    let mut reverse = peel(&mut e, "rev");
    by_value |= copies(&mut e);
    let after_count = limits(&mut e)?;
    by_value |= copies(&mut e);
    let enumerate = peel(&mut e, "enumerate");
    by_value |= copies(&mut e);
    let mut count_reversed = false;
    let mut reversed_inside = false;
    if !reverse && peel(&mut e, "rev") {
        reverse = true;
        reversed_inside = true;
        count_reversed = enumerate;
    }
    by_value |= copies(&mut e);
    let before_count = limits(&mut e)?;
    by_value |= copies(&mut e);
    // Limits narrow the walk in its forward order: not after a `.rev()` of the sequences
    // (`xs.iter().rev().skip(1)`), not beside a count that runs against the index, and on
    // one side of `.enumerate()` only.
    let limited_after_count = !after_count.is_empty();
    let limits = match (after_count, before_count) {
        (a, b) if a.is_empty() => b,
        (a, b) if b.is_empty() && !reversed_inside => a,
        // `xs.iter().rev().take(2)`: the last two, from the end of the walk;
        // `.rev().step_by(2)`: the last, the third from last, ..., stepping last;
        // `xs.iter().skip(1).rev().step_by(2)`: narrowed first (without a step), then so;
        // `xs.iter().rev().enumerate().step_by(2)`: the count stays the place from the end.
        (a, b)
            if reversed_inside
                && (!enumerate || b.is_empty())
                && !b.iter().any(|(l, _)| matches!(l, Limit::StepBy)) =>
        {
            let last = a.len().saturating_sub(1);
            let back = a
                .into_iter()
                .enumerate()
                .map(|(at, (limit, arg))| match limit {
                    Limit::Skip => Some((Limit::SkipBack, arg)),
                    Limit::Take => Some((Limit::TakeBack, arg)),
                    Limit::StepBy if at == last => Some((Limit::StepByBack, arg)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            b.into_iter().chain(back).collect()
        }
        _ => return None,
    };
    // A count against the index (`len - 1 - i`) only beside limits from the end.
    let from_end = |l: &Limit| matches!(l, Limit::SkipBack | Limit::TakeBack | Limit::StepByBack);
    if count_reversed && !limits.iter().all(|(l, _)| from_end(l)) {
        return None;
    }
    let mut seqs = Vec::new();
    let mut sides = Vec::new();
    let mut refs = Vec::new();
    let mut muts = Vec::new();
    let mut nest = Nest::One;
    if matches!(e, Expr::MethodCall(m) if m.method == "zip") {
        // Zipped again, from the left (`xs.iter().zip(ys).zip(zs)`, items `((x, y), z)`) or
        // inside (`xs.iter().zip(ys.iter().zip(zs))`, items `(x, (y, z))`).
        let mut operands = Vec::new();
        nest = Nest::of(e, &mut operands);
        for operand in operands {
            let (seq, side) = zipped_source(operand)?;
            seqs.push(seq);
            sides.push(side);
            refs.push(source_refs(operand));
            muts.push(source_mut(operand));
        }
    }
    if seqs.is_empty() {
        // A bare source counts only with an adapter: `for x in xs.iter()` is lowering's
        // (not `xs.iter_mut()`: its items are places, written here).
        // (Not a row, `m[i].iter()`, which lowering walks as a chain.)
        let row = matches!(source(e).map(strip), Some(Expr::Index(_)));
        if maps.is_empty() && !enumerate && !reverse && limits.is_empty() && !source_mut(e) && !row
        {
            return None;
        }
        seqs.push(source(e)?);
        // `xs.iter().rev().cloned()`: the items are copies.
        refs.push(if by_value {
            Some(false)
        } else {
            source_refs(e)
        });
        muts.push(source_mut(e) && !by_value);
    }
    Some(Chain {
        seqs,
        sides,
        over: None,
        rows: Vec::new(),
        refs,
        muts,
        enumerate,
        reverse,
        count_reversed,
        limits,
        limited_after_count,
        maps,
        nest,
    })
}

impl Chain<'_> {
    /// `0..xs.len()`, or the shortest of the zipped lengths.
    fn range(&self) -> TokenStream {
        if let Some(over) = self.over {
            return match self.reverse {
                true => quote!((#over).rev()),
                false => quote!(#over),
            };
        }
        let (lo, hi, step) = self.bounds();
        if let Some((_, back)) = self
            .limits
            .iter()
            .find(|(l, _)| matches!(l, Limit::StepByBack))
        {
            return quote!((#lo..#hi).rev().step_by(#back));
        }
        let range = match step {
            Some(step) => quote!((#lo..#hi).step_by(#step)),
            None if self.reverse => quote!((#lo..#hi)),
            None => quote!(#lo..#hi),
        };
        if self.reverse {
            quote!(#range.rev())
        } else {
            range
        }
    }

    /// The first index, the end, and the step (`None`: one) the chain walks: `0..len`,
    /// narrowed by its `skip`, `take` and `step_by` in order.
    fn bounds(&self) -> (TokenStream, TokenStream, Option<TokenStream>) {
        let (mut lo, mut hi, mut step) = (quote!(0), self.len(), None::<TokenStream>);
        for (limit, arg) in &self.limits {
            let stride = match &step {
                Some(s) => quote!((#arg) * #s),
                None => quote!((#arg)),
            };
            match limit {
                Limit::Skip => lo = quote!((#lo + #stride).min(#hi)),
                Limit::Take => hi = quote!((#hi).min(#lo + #stride)),
                Limit::StepBy => {
                    step = Some(match step {
                        Some(s) => quote!(#s * (#arg)),
                        None => quote!((#arg)),
                    })
                }
                Limit::SkipBack => hi = quote!((#hi).saturating_sub(#arg).max(#lo)),
                Limit::TakeBack => lo = quote!((#lo).max((#hi).saturating_sub(#arg))),
                // (Stepped in `range`, after the walk is reversed.)
                Limit::StepByBack => {}
            }
        }
        (lo, hi, step)
    }

    /// The shortest of the sequences' lengths.
    fn len(&self) -> TokenStream {
        if let Some(over) = self.over {
            return quote!(::core::iter::ExactSizeIterator::len(&(#over)));
        }
        let lens: Vec<TokenStream> = self
            .seqs
            .iter()
            .zip(
                self.sides
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(Side::default())),
            )
            .map(|(s, side)| side.len(s))
            .collect();
        let (first, rest) = (&lens[0], &lens[1..]);
        quote!(#first #(.min(#rest))*)
    }

    /// Whether it walks sequences of constants only (`labels.iter().enumerate()`).
    fn only_constants(&self, cx: &dyn Context) -> bool {
        !self.seqs.iter().any(|s| cx.is_seq(s))
    }

    /// Where the first `.map(..)` or `.filter(..)` takes its closure.
    fn first_adapter(&self) -> Option<Span> {
        self.maps.iter().find_map(|a| match a {
            Adapter::Map(c) | Adapter::Filter(c) | Adapter::TakeWhile(c) => {
                Some(c.inputs_begin.span)
            }
            Adapter::ByValue | Adapter::Count(_) => None,
        })
    }

    /// How many items the walk gives, where no filter leaves it unknown.
    fn count(&self) -> Option<TokenStream> {
        if self.filtered() {
            return None;
        }
        if self.over.is_none() && self.limits.is_empty() {
            return Some(self.len());
        }
        let range = self.range();
        Some(quote!(::core::iter::ExactSizeIterator::len(&(#range))))
    }

    fn filtered(&self) -> bool {
        self.maps
            .iter()
            .any(|a| matches!(a, Adapter::Filter(_) | Adapter::TakeWhile(_)))
    }

    /// One item at index `i`: `xs[i]`, `(xs[i], ys[i])`, `(i, xs[i])`, ...
    fn item(&self, i: &Ident) -> Value {
        if self.over.is_some() {
            return Value::One(quote!(#i));
        }
        let elems: Vec<Value> = self
            .seqs
            .iter()
            .zip(&self.rows)
            .zip(
                self.sides
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(Side::default())),
            )
            .zip(self.refs.iter().chain(std::iter::repeat(&None)))
            .zip(self.muts.iter().chain(std::iter::repeat(&false)))
            .map(|((((s, &row), side), refs), &mutable)| {
                let at = side.at(s, i);
                match (row, refs) {
                    _ if mutable => Value::Place(quote!(#s[#at])),
                    (true, _) => Value::One(quote!(&#s[#at])),
                    (false, Some(true)) => Value::Ref(quote!(#s[#at])),
                    (false, _) => Value::One(quote!(#s[#at])),
                }
            })
            .collect();
        // Two or more zipped: `(x, y)`, `((x, y), z)`, `(x, (y, z))`, ...
        let value = self.nest.item(&mut elems.into_iter());
        if self.enumerate && self.count_reversed {
            let len = self.len();
            Value::Tuple(vec![Value::One(quote!((#len - 1 - #i))), value])
        } else if self.enumerate && !self.limits.is_empty() && !self.limited_after_count {
            // Counted from the first index walked.
            let (lo, _, step) = self.bounds();
            let count = match step {
                Some(step) => quote!(((#i - #lo) / #step)),
                None => quote!((#i - #lo)),
            };
            Value::Tuple(vec![Value::One(count), value])
        } else if self.enumerate {
            Value::Tuple(vec![Value::One(quote!(#i)), value])
        } else {
            value
        }
    }
}

/// An item: one value, or a tuple of them (zipped, enumerated).
#[derive(Clone)]
enum Value {
    One(TokenStream),
    /// An element the user's code holds by reference (`xs.iter()`'s items): bound as
    /// `let x = &xs[i];`, so that conditions written for a reference (`*x > 0.0`) read it.
    Ref(TokenStream),
    /// An element the user's code holds by mutable reference (`xs.iter_mut()`'s items):
    /// not bound; the body's `*x` and `x.method()` are rewritten to `xs[i]` ([`places`]).
    Place(TokenStream),
    Tuple(Vec<Value>),
}

impl Value {
    /// The one value, a reference's element itself.
    fn one(self) -> Option<TokenStream> {
        match self {
            Value::One(v) | Value::Ref(v) | Value::Place(v) => Some(v),
            Value::Tuple(_) => None,
        }
    }

    /// Every reference taken as its value (a filter's conditions drop their `*`s).
    fn by_value(self) -> Value {
        match self {
            Value::Ref(v) | Value::Place(v) => Value::One(v),
            Value::Tuple(vs) => Value::Tuple(vs.into_iter().map(Value::by_value).collect()),
            one => one,
        }
    }
}

/// `let name = value;` for every name `pat` binds, the tuple taken apart (references in
/// the pattern dropped: the items are values). `None` for a pattern that does not fit.
fn bind(pat: &Pat, value: Value) -> Option<TokenStream> {
    match (pat, value) {
        (Pat::Reference(r), v) => bind(&r.pat, v.by_value()),
        (Pat::Paren(p), v) => bind(&p.pat, v),
        (Pat::Type(t), v) => bind(&t.pat, v),
        (Pat::Wild(_), _) => Some(TokenStream::new()),
        (Pat::Ident(p), Value::One(v)) if p.subpat.is_none() => {
            let name = &p.ident;
            Some(quote!(let #name = #v;))
        }
        (Pat::Ident(p), Value::Ref(v)) if p.subpat.is_none() => {
            let name = &p.ident;
            Some(quote!(let #name = &#v;))
        }
        (Pat::Ident(p), Value::Place(_)) if p.subpat.is_none() && p.by_ref.is_none() => {
            Some(TokenStream::new())
        }
        (Pat::Tuple(t), Value::Tuple(vs)) if t.elems.len() == vs.len() => {
            let mut out = TokenStream::new();
            for (p, v) in t.elems.iter().zip(vs) {
                out.extend(bind(p, v)?);
            }
            Some(out)
        }
        // `|&(x, y)|` over `data: &[(f64, f64)]`, a sequence of constants: the element taken
        // apart as written (lowering binds each name as a constant, and refuses a value that
        // carries a derivative at the pattern).
        (pat @ (Pat::Tuple(_) | Pat::TupleStruct(_) | Pat::Struct(_)), Value::One(v)) => {
            Some(quote!(let #pat = #v;))
        }
        (pat @ (Pat::Tuple(_) | Pat::TupleStruct(_) | Pat::Struct(_)), Value::Ref(v)) => {
            Some(quote!(let #pat = &#v;))
        }
        _ => None,
    }
}

fn plain(pat: &Pat) -> Pat {
    match pat {
        Pat::Reference(r) => plain(&r.pat),
        Pat::Tuple(t) => {
            let elems = t.elems.iter().map(plain);
            syn::parse_quote!((#(#elems),*))
        }
        Pat::Paren(p) => plain(&p.pat),
        Pat::Type(t) => plain(&t.pat),
        other => other.clone(),
    }
}

/// The adapters applied to an item, then `finish` of the final value: maps as `let pat =
/// value; let mapped = body;`, filters as `if cond { the rest }`.
fn mapped(
    cx: &mut dyn Context,
    maps: &[Adapter],
    value: Value,
    finish: &mut dyn FnMut(Value) -> Option<TokenStream>,
) -> Option<TokenStream> {
    let Some((first, rest)) = maps.split_first() else {
        return finish(value);
    };
    match first {
        Adapter::ByValue => mapped(cx, rest, value.by_value(), finish),
        Adapter::Count(count) => {
            // Stepped first: the body after may `continue`.
            let at = cx.fresh("counted");
            let counted = Value::Tuple(vec![Value::One(quote!(#at)), value]);
            let inner = mapped(cx, rest, counted, finish)?;
            Some(quote!({ let #at = #count; #count += 1; #inner }))
        }
        Adapter::Map(map) => {
            let mut body = (*map.body).clone();
            let pat = pairs::Elements::of_expr(cx, &map.inputs[0], &body)
                .and_then(|read| read.take_apart_expr(&value, &mut body));
            let bound = pairs::bind_item(cx, pat.as_ref().unwrap_or(&map.inputs[0]), value)?;
            let name = cx.fresh("mapped");
            let inner = mapped(cx, rest, Value::One(quote!(#name)), finish)?;
            Some(quote!(#bound let #name = #body; #inner))
        }
        Adapter::Filter(test) | Adapter::TakeWhile(test) => {
            // The item is kept as it is: its pattern binds names for the condition only
            // (`|&x| x > 0.0`, `|x| **x > 0.0`: the items are values, so `*` goes).
            let again = value.clone();
            let mut cond = (*test.body).clone();
            Derefs.visit_expr_mut(&mut cond);
            let value = value.by_value();
            let pat = pairs::Elements::of_expr(cx, &test.inputs[0], &cond)
                .and_then(|read| read.take_apart_expr(&value, &mut cond));
            let bound = pairs::bind_item(cx, pat.as_ref().unwrap_or(&test.inputs[0]), value)?;
            // (What the test computes on the way, `{ let t = x * w; t > 0.5 }`, bound first.)
            let before = conditions::lift(&mut cond, &mut |base, _| cx.fresh(base));
            let inner = mapped(cx, rest, again, finish)?;
            Some(match first {
                // `take_while`: the walk ends at the first item that fails.
                Adapter::TakeWhile(_) => {
                    quote!({ #bound #(#before)* if !(#cond) { break; } #inner })
                }
                _ => quote!({ #bound #(#before)* if #cond { #inner } }),
            })
        }
    }
}

/// `*x`, `**x` of a filter's argument: the value itself.
struct Derefs;

impl VisitMut for Derefs {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        while let Expr::Unary(u) = e {
            if !matches!(u.op, syn::UnOp::Deref(_)) {
                break;
            }
            *e = (*u.expr).clone();
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// The chain's sequences, if all are sequences of floats.
fn checked<'a>(cx: &dyn Context, chain: Option<Chain<'a>>) -> Option<Chain<'a>> {
    let mut chain = chain.filter(|c| {
        c.over.is_some() || c.seqs.iter().all(|s| cx.is_seq(s) || cx.is_constant_seq(s))
    })?;
    // (Mutable items, floats or rows, are places: `*x` and `row[k]` written through.)
    chain.rows = chain.seqs.iter().map(|s| cx.has_rows(s)).collect();
    for (r, s) in chain.refs.iter_mut().zip(&chain.seqs) {
        r.get_or_insert_with(|| cx.borrowed(s));
    }
    Some(chain)
}

/// The chain a terminal method (`whole`) ends: over a range, over sequences, or a bare
/// `xs.iter()`. A chain over a range or over constants computes floats only if a value that
/// carries a derivative goes in (`(0..n).map(|i| i * i).sum::<usize>()` is an integer, a
/// constant; `data.iter().map(|&(x, y)| a * x - y)` is not).
fn ending_chain<'a>(
    cx: &dyn Context,
    receiver: &'a Expr,
    whole: &syn::ExprMethodCall,
) -> Option<Chain<'a>> {
    let chain = checked(
        cx,
        over_range(receiver)
            .or_else(|| chain(receiver))
            .or_else(|| bare(receiver)),
    )?;
    // Over constants only, with no derivative going in, it is a constant, kept as written.
    let constants = chain.over.is_some() || chain.only_constants(cx);
    if constants && !cx.carries(&Expr::MethodCall(whole.clone())) {
        return None;
    }
    Some(chain)
}

/// A chain over a range: `(a..b)` or `(a..=b)`, then optionally `.rev()`, then any number of
/// `.map(|i| ..)` and `.filter(|i| ..)` (or none, before `.fold(..)` and the like).
fn over_range(expr: &Expr) -> Option<Chain<'_>> {
    let (maps, mut e) = adapters(expr)?;
    let reverse = peel(&mut e, "rev");
    let Expr::Range(r) = e else {
        return None;
    };
    if r.start.is_none() || r.end.is_none() {
        return None;
    }
    Some(Chain {
        seqs: Vec::new(),
        sides: Vec::new(),
        over: Some(e),
        rows: Vec::new(),
        refs: Vec::new(),
        muts: Vec::new(),
        enumerate: false,
        reverse,
        count_reversed: false,
        limits: Vec::new(),
        limited_after_count: false,
        maps,
        nest: Nest::One,
    })
}

/// `xs.iter()` (`.copied()`, `.cloned()`) alone, before `.sum()` or `.product()`.
fn bare(expr: &Expr) -> Option<Chain<'_>> {
    let Expr::MethodCall(m) = strip(expr) else {
        return None;
    };
    if !m.args.is_empty()
        || !["iter", "into_iter", "copied", "cloned"].contains(&m.method.to_string().as_str())
    {
        return None;
    }
    whole(expr)
}

/// The walk over a whole sequence, `expr` its source (`xs.iter()`, `&xs`, `&mut xs`).
fn whole(expr: &Expr) -> Option<Chain<'_>> {
    Some(Chain {
        seqs: vec![source(expr)?],
        sides: Vec::new(),
        over: None,
        rows: Vec::new(),
        refs: vec![source_refs(expr)],
        muts: vec![source_mut(expr)],
        enumerate: false,
        reverse: false,
        count_reversed: false,
        limits: Vec::new(),
        limited_after_count: false,
        maps: Vec::new(),
        nest: Nest::One,
    })
}

impl Context for Lower<'_> {
    fn is_seq(&self, expr: &Expr) -> bool {
        self.indexed_row(expr).is_some()
            || self.is_array(expr)
            || self
                .local_of(expr)
                .is_some_and(|v| self.kind(v) == Kind::Seq)
    }

    fn is_array(&self, expr: &Expr) -> bool {
        self.local_of(expr)
            .is_some_and(|v| self.one_dimensional(&Operand::Var(v)))
    }

    fn is_constant_seq(&self, expr: &Expr) -> bool {
        // `layer.mask` marked `#[differentiable(constant)]`.
        if self.constant_field(expr) {
            return true;
        }
        // A field of a value of constants walked as a sequence (`o.xs` of `for o in obs`,
        // a sample's features), or a name bound to one (`let xs = &obs[i].xs;`).
        if matches!(strip(expr), Expr::Field(_)) && self.local_of(expr).is_none() {
            return super::fields::field_path(expr, false)
                .and_then(|(root, _)| self.lookup(&root.to_string()))
                .is_some_and(|v| !self.kind(v).differentiable())
                && !self.reads_derivative(expr);
        }
        // A `const` or `static` table of the module (`COEFFS.iter()`): no local of that name.
        if let Expr::Path(p) = strip(expr)
            && let Some(name) = p.path.get_ident()
            && self.lookup(&name.to_string()).is_none()
        {
            return true;
        }
        self.local_of(expr).is_some_and(|v| {
            !self.kind(v).differentiable()
                && (self.vars[v].ty.as_ref().is_some_and(sequence_type)
                    || self.constant_fields.contains(&v))
        })
    }

    fn has_rows(&self, expr: &Expr) -> bool {
        if let Some((base, indices)) = self.indexed_row(expr) {
            return indices + 1 < self.depth(base);
        }
        self.local_of(expr).is_some_and(|v| {
            let (_, prefix) = self.seq_place(v);
            prefix.0.len() + 1 < self.seq_depth(v)
        })
    }

    fn fresh(&mut self, base: &str) -> Ident {
        Ident::new(&self.names.syntax(base), Span::mixed_site())
    }

    fn carries(&self, expr: &Expr) -> bool {
        self.reads_derivative(expr)
    }

    fn borrowed(&self, expr: &Expr) -> bool {
        self.indexed_row(expr).is_some() || self.local_of(expr).is_some_and(|v| self.borrowed(v))
    }

    fn error(&mut self, span: Span, message: &str) {
        self.errors.at(span, message);
    }
}
