//! From `syn` to the IR: one operation per statement, unique variable names, structured
//! control flow with every exit at the end of a block. Every construct outside the
//! supported subset is reported here, at its span, and lowering goes on so that all
//! problems are reported at once.

use crate::args::Args;
use crate::diag::Errors;
use crate::ir::*;
use crate::names::Names;
use crate::ops::MathEntry;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, Ident, Pat, Type};

mod aggregates;
mod aliases;
mod array_rows;
mod axes;
mod borrows;
mod break_value;
mod calls;
mod closures;
mod conditions;
mod constants;
mod copies;
mod counted;
mod expressions;
mod extrema;
mod fields;
mod flat_maps;
mod folds;
mod found;
mod from_fn;
mod growth;
mod helpers;
mod hoisting;
mod inplace;
mod iterators;
mod labels;
mod lanes;
mod locals;
mod loops;
mod matches;
mod methods;
mod nested;
mod nested_grads;
mod option_maps;
mod options;
mod rearranging;
mod reduced;
mod reversed;
mod scans;
mod signature;
mod split_ends;
mod statements;
mod stepped;
mod struct_aliases;
mod struct_closures;
mod struct_seqs;
mod struct_windows;
mod sub_stretches;
mod syntax;
mod tuple_structs;
mod tuples;
pub mod twins;
mod types;
mod views;
mod windows;

pub(crate) use array_rows::row_len;
use constants::*;
pub(crate) use helpers::NOT_INLINED;
use helpers::PLAIN_METHOD;
pub(crate) use helpers::{as_caller_float, caller_float_text};
pub(crate) use signature::{bounded_by_real, matched_as_enum, struct_type};
use syntax::*;
pub(crate) use syntax::{collect_idents, mentions, strip};
pub use types::*;

const RESULT_TYPES: &str = "#[differentiate] needs the function to return `f32` or `f64`, a vector of them (`[T; N]`, `Vec<T>`), a tuple of them (`(f64, f64)`), or an owned ndarray array of them (`Array1<T>`, `Array2<T>`)";

/// Float methods whose derivative is zero almost everywhere: their results are constants.
const STEP_METHODS: &[&str] = &[
    "floor",
    "ceil",
    "round",
    "round_ties_even",
    "trunc",
    "signum",
    "div_euclid",
];

/// Methods that read an array's or a sequence's shape, not its values.
const SHAPE_METHODS: &[&str] = &[
    "len", "is_empty", "shape", "dim", "raw_dim", "ndim", "nrows", "ncols", "strides",
];

/// Float methods that inspect a value without producing a float.
const INSPECT_METHODS: &[&str] = &[
    "is_nan",
    "is_infinite",
    "is_finite",
    "is_normal",
    "is_subnormal",
    "is_sign_positive",
    "is_sign_negative",
    "classify",
    "to_bits",
    "partial_cmp",
    "total_cmp",
];

/// What lowering gives: the function, or, when it was rejected, a stand-in with its
/// signature and a body that never returns (`None` if the signature itself was rejected).
pub enum Lowered {
    Func(Func),
    Rejected(Option<Func>),
}

/// Lowers `item`, the ordinary functions of floats named in `floats` inlined where they are
/// called (`helpers.rs`).
pub fn lower(
    item: &syn::ItemFn,
    args: &Args,
    floats: &HashSet<String>,
    errors: &mut Errors,
) -> Lowered {
    // Type aliases beside it written out.
    let resolved = aliases::resolved(item);
    let item = resolved.as_ref().unwrap_or(item);
    let mut first = Errors::default();
    let none = HashSet::new();
    let (lowered, held) = lower_with(item, args, &mut first, (&none, floats), false);
    if held.is_empty() {
        errors.append(first);
        return lowered;
    }
    // An `Option` of constants met a value that carries a derivative: lowered again, the
    // `Option` held as a float and a flag (`options.rs`).
    lower_with(item, args, errors, (&held, floats), false).0
}

/// The stand-in of a function whose errors were found after lowering (its value never
/// produced, the signature and the items generated as they would be), as lowering makes it
/// for its own errors.
pub fn stand_in(item: &syn::ItemFn, args: &Args, floats: &HashSet<String>) -> Lowered {
    let resolved = aliases::resolved(item);
    let item = resolved.as_ref().unwrap_or(item);
    let none = HashSet::new();
    lower_with(item, args, &mut Errors::default(), (&none, floats), true).0
}

/// The syntax passes that take values apart before `match` is rewritten: names bound to
/// `&mut` borrows read as what they borrow, walks of owned
/// copies as walks of what they copy, chains' closure
/// parameters named like what the chain reads renamed apart, tuple structs
/// with numbered fields, sequences of structs as sequences of their fields, helpers of
/// tuples and structs inlined, folds over tuples, arrays from `from_fn`, tuples and
/// structs as one local per element, iterators stepped by `while let`; then ndarray's
/// `map_axis`, `Option`s mapped, reductions, the ends of slices and stretches of
/// sub-slices. Returns the helpers' calls that could not be inlined.
fn desugar_values(
    block: &mut syn::Block,
    sig: &syn::Signature,
    user: &mut HashSet<String>,
    floats: &HashSet<String>,
    krate: &syn::Path,
) -> Vec<Ident> {
    let caller = &sig.ident;
    // Structs generic over their float type (`V2<f64>`) named without their arguments.
    let name = caller.to_string();
    crate::source::without_float_args(&name, caller.span(), |v| v.visit_block_mut(block));
    // A closure's `return`s as its value's branches (`helpers/bodies.rs`).
    helpers::closure_returns(block, user);
    // Conditions that compute a value on the way, as the statements before them.
    conditions::desugar(block, user);
    flat_maps::desugar(block, user);
    tuples::split_element_lets(block);
    array_rows::desugar(block, sig, user);
    borrows::desugar(block);
    copies::free_zip(block, caller);
    copies::repeated_values(block, caller, user);
    counted::desugar(block, user);
    copies::desugar(block, user);
    closures::rename_shadowing(block, user);
    tuple_structs::desugar(block, caller);
    struct_seqs::desugar(block, sig, user);
    folds::desugar_structs(block, caller, user);
    struct_aliases::desugar(block, sig);
    struct_windows::desugar(block, sig, user);
    let mut not_inlined = helpers::desugar(block, sig, user, floats, krate);
    // (A sequence of structs lent to a helper that steps it, `step(&mut ps, dt)`, is one
    // sequence per field once the helper's body stands in the call; the methods its
    // elements then call, `p.nudge(dt)` of `for p in ps.iter_mut()`, are inlined after.)
    if struct_seqs::desugar(block, sig, user) {
        for call in helpers::desugar(block, sig, user, floats, krate) {
            if !not_inlined.contains(&call) {
                not_inlined.push(call);
            }
        }
    }
    // (A struct argument the inlined methods bound to a name, `let dot_o = b;`, too.)
    struct_aliases::desugar(block, sig);
    // The inlined methods' and helpers' tuple structs too.
    tuple_structs::desugar(block, caller);
    folds::desugar(block, user);
    from_fn::desugar(block, user);
    aggregates::desugar(block, sig, user);
    stepped::desugar(block);
    axes::desugar(block, sig, krate);
    option_maps::desugar(block);
    reduced::desugar(block);
    split_ends::desugar(block);
    sub_stretches::desugar(block, user);
    not_inlined
}

/// Lowers `item`, the `Option`s named in `held` split into a float and a flag, the
/// ordinary functions named in `floats` inlined; also the names of the `Option`s that met
/// a value carrying a derivative. With `stand_in`, the body is replaced as for an error.
fn lower_with(
    item: &syn::ItemFn,
    args: &Args,
    errors: &mut Errors,
    (held, floats): (&HashSet<String>, &HashSet<String>),
    stand_in: bool,
) -> (Lowered, HashSet<String>) {
    let mut user = HashSet::new();
    collect_idents(item.to_token_stream(), &mut user);
    // `match`, `loop` with a value, labeled loops and tuple `let`s, as the `if` chains,
    // assignments, flags and `let`s they mean.
    // Ordinary functions of tuples and structs inlined, and tuples and structs held by a
    // name as one local per element, first: `match` then sees the tuples written out.
    let mut block = item.block.as_ref().clone();
    let krate = &args.krate;
    // (What a struct generic over its float type is of, in this function.)
    let _caller_float = helpers::CallerFloat::set(&item.sig, krate);
    let not_inlined = desugar_values(&mut block, &item.sig, &mut user, floats, krate);
    found::desugar(&mut block, &quote!(#krate::__private), &mut user, errors);
    split_held(&mut block, held, &item.sig, &mut user);
    let mut body = matches::desugar(&block, errors, &mut user);
    let floats: Vec<String> = ["f32", "f64"]
        .into_iter()
        .map(String::from)
        .chain(item.sig.generics.type_params().map(|t| t.ident.to_string()))
        .collect();
    reversed::desugar(&mut body);
    scans::desugar(&mut body, &mut user);
    inplace::desugar(&mut body, &args.krate);
    closures::desugar(&mut body, &floats, &mut user, &args.krate);
    break_value::desugar(&mut body, &mut user);
    labels::desugar(&mut body, &mut user);
    fields::hoist_element_fields(&mut body, &mut user);
    views::desugar(&mut body);
    extrema::desugar(&mut body, &mut user);
    let tuple_values = tuples::desugar(&mut body, &item.sig.ident, &mut user, errors);
    let mut cx = Lower::new(errors, args, &item.sig, &body, user, tuple_values);
    let sig = &item.sig;
    cx.check_signature(sig);
    let lifetimes = sig.generics.lifetimes().cloned().collect();
    let (type_params, float_ty) = cx.type_params(&sig.generics);
    let _float = FloatParam::set(float_ty.as_ref(), sig);
    let params = cx.lower_params(sig, args, &item.block);
    let structs = helpers::ParamStructs::of(sig);
    for p in &params {
        if let Some(on) = structs.held_by(&p.name.to_string()) {
            cx.param_structs.insert(p.var, on.to_string());
        }
    }
    let (ret, ret_kind) = cx.lower_return_type(sig);
    let signature_accepted = cx.errors.is_empty();
    let body_start = cx.vars.len();

    // Field chains of struct parameters, read at the top.
    let mut stmts = cx.field_reads(&params, &body);
    // `return` before the end: the value goes through one variable, named after the function.
    let returns = Returns::scan(&body);
    if returns.early {
        cx.early_return_var(sig, &ret, ret_kind, returns.in_loop, &mut stmts);
    }
    cx.lower_stmts(&body.stmts, Sink::Result, &mut stmts, &[]);
    let result = match (cx.ret.as_ref(), cx.result.take()) {
        (Some(ret), _) => Operand::Var(ret.out),
        (None, Some(result)) => result,
        (None, None) => {
            // Missing tail: rustc reports it on the user's function.
            Operand::Konst(cx.konst_tokens(quote!(::core::unreachable!()), &[]))
        }
    };
    let mut result = cx.result_var(result, sig, ret_kind, &mut stmts);
    // Split only what the last lowering did not split already.
    let held: HashSet<String> = std::mem::take(&mut cx.held_options)
        .into_iter()
        .filter(|name| !held.contains(name))
        .collect();
    if !cx.errors.is_empty() || stand_in {
        // Why a helper's tuples or structs were refused: it was not inlined (a call with
        // constant arguments only is fine as it is, and says nothing).
        for call in &not_inlined {
            cx.errors.spanned(call, helpers::NOT_INLINED);
        }
        if !signature_accepted {
            return (Lowered::Rejected(None), held);
        }
        // The stand-in: the body's variables dropped, its value never produced.
        cx.vars.truncate(body_start);
        cx.scopes.truncate(1);
        let never = cx.konst_tokens(quote!(::core::unreachable!()), &[]);
        stmts = Vec::new();
        result = cx.result_var(Operand::Konst(never), sig, ret_kind, &mut stmts);
    }
    let mut func = Func {
        name: sig.ident.clone(),
        vis: item.vis.clone(),
        params,
        lifetimes,
        type_params,
        float_ty,
        ret,
        ret_kind,
        tuple_ret: cx.tuple_ret.clone(),
        vars: cx.vars,
        scopes: cx.scopes,
        body: Block { scope: 0, stmts },
        result,
        names: cx.names,
        items: cx.items,
    };
    pull_into(&mut func);
    call_results(&mut func);
    twins::find(&mut func);
    let lowered = match cx.errors.is_empty() && !stand_in {
        true => Lowered::Func(func),
        false => Lowered::Rejected(Some(func)),
    };
    (lowered, held)
}

/// The `Option`s named in `held` (those that met a value carrying a derivative) split into a
/// float and a flag (`options.rs`), the float type's zero that of `sig`.
fn split_held(
    block: &mut syn::Block,
    held: &HashSet<String>,
    sig: &syn::Signature,
    user: &mut HashSet<String>,
) {
    if held.is_empty() {
        return;
    }
    let zero = match sig.generics.type_params().next() {
        Some(t) => {
            let t = &t.ident;
            quote!(#t::zero())
        }
        None => quote!(0.0),
    };
    options::split(block, held, &zero, user);
}

impl<'e> Lower<'e> {
    /// The lowering context of a function, before its signature is read.
    fn new(
        errors: &'e mut Errors,
        args: &Args,
        sig: &syn::Signature,
        body: &syn::Block,
        user: HashSet<String>,
        tuple_values: BTreeSet<String>,
    ) -> Self {
        Lower {
            errors,
            krate: args.krate.clone(),
            second_order: args.hessian,
            names: Names::new(user),
            vars: Vec::new(),
            scopes: vec![Scope {
                parent: None,
                loop_depth: 0,
            }],
            env: vec![Vec::new()],
            scope: 0,
            deferred: BTreeSet::new(),
            pullback_names: BTreeSet::new(),
            poisoned: BTreeSet::new(),
            carried: BTreeSet::new(),
            ret: None,
            result: None,
            fn_name: sig.ident.clone(),
            indexed: indexed_names(body),
            fields: BTreeMap::new(),
            field_roots: BTreeSet::new(),
            param_structs: BTreeMap::new(),
            tuple_ret: None,
            tuple_values,
            depths: BTreeMap::new(),
            struct_seqs: BTreeSet::new(),
            rows: BTreeMap::new(),
            element_fields: fields::element_fields(body),
            field_rows: BTreeMap::new(),
            constant_fields: BTreeSet::new(),
            slice_copies: BTreeSet::new(),
            loop_indices: BTreeSet::new(),
            elem_refs: BTreeSet::new(),
            items: Vec::new(),
            held_options: HashSet::new(),
        }
    }

    /// `return` before the end: the value goes through one variable, named after the
    /// function (and, for a `return` inside a loop, a flag saying it happened).
    fn early_return_var(
        &mut self,
        sig: &syn::Signature,
        ret: &Type,
        ret_kind: Kind,
        in_loop: bool,
        stmts: &mut Vec<Stmt>,
    ) {
        let span = sig.ident.span();
        let name = self.names.user_var(&sig.ident.to_string());
        let out = self.new_var(&name, span, ret_kind, Some(ret.clone()));
        let flag = if in_loop {
            // A `return` inside a loop assigns it there, so it starts with a value.
            let default = self.konst_tokens(quote!(::core::default::Default::default()), &[]);
            stmts.push(Stmt::Let {
                var: out,
                op: Op::Konst(default),
                span,
            });
            let flag = self.generated_var("returned", Kind::Bool, span);
            let no = self.konst_tokens(quote!(false), &[]);
            stmts.push(Stmt::Let {
                var: flag,
                op: Op::Konst(no),
                span,
            });
            Some(flag)
        } else {
            self.deferred.insert(out);
            stmts.push(Stmt::Declare { var: out });
            None
        };
        self.ret = Some(Ret { out, flag });
    }
}

/// Where a block's value goes.
#[derive(Clone, Copy)]
enum Sink {
    /// The function's result.
    Result,
    /// An `if` or block used as a value: assigned to this variable.
    Var(VarId),
    /// A statement: no value.
    Discard,
}

/// Whether control reaches the end of a lowered statement list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Falls,
    Exits,
}

/// The rest of an enclosing block, to be lowered where control goes on after an `if` that
/// can leave (the branch that does not leave takes it).
#[derive(Clone)]
struct Frame<'s> {
    rest: &'s [syn::Stmt],
    sink: Sink,
    env: Vec<Vec<(String, VarId)>>,
}

struct Ret {
    /// The variable the function's value is assigned to.
    out: VarId,
    /// Set when a `return` inside a loop left it.
    flag: Option<VarId>,
}

struct Lower<'e> {
    errors: &'e mut Errors,
    krate: syn::Path,
    /// The function is differentiated twice (`hessian`): calls go through `__fob` too.
    second_order: bool,
    names: Names,
    vars: Vec<Var>,
    scopes: Vec<Scope>,
    /// Name bindings, innermost last; each level a block of the user's code.
    env: Vec<Vec<(String, VarId)>>,
    /// The IR block being lowered into.
    scope: ScopeId,
    /// Variables declared without a value (`let y;`): every assignment of the user's
    /// initializes them (rustc allows one per path, as `let mut y;` is rejected).
    deferred: BTreeSet<VarId>,
    pullback_names: BTreeSet<String>,
    /// Locals whose value already had an error: using them reports nothing more.
    poisoned: BTreeSet<VarId>,
    /// Locals given a value computed from what carries a derivative (not a constant) by a
    /// `let` or an assignment: a statement that changes one through `&mut` is refused.
    carried: BTreeSet<VarId>,
    ret: Option<Ret>,
    result: Option<Operand>,
    fn_name: Ident,
    /// Names the body indexes (`p[i]`): a call's result bound to one is a sequence.
    indexed: BTreeSet<String>,
    /// The field chains of struct parameters read into variables (`"m.hidden.w"`).
    fields: BTreeMap<String, VarId>,
    /// The struct parameters' names.
    field_roots: BTreeSet<String>,
    /// The struct each struct parameter is, or each sequence of structs holds, and each
    /// field chain of them read into a variable ([`fields`]): by variable, where this file
    /// declares it.
    param_structs: BTreeMap<VarId, String>,
    /// The public type of a tuple result (computed as an array).
    tuple_ret: Option<Type>,
    /// Locals holding a call's tuple result (see `tuples::desugar`).
    tuple_values: BTreeSet<String>,
    /// Nested sequences' depths (how many indices reach a float), where more than 1.
    depths: BTreeMap<VarId, usize>,
    /// Sequences of structs (`layers: &[Layer]`), whose last level holds structs, not
    /// floats.
    struct_seqs: BTreeSet<VarId>,
    /// Names bound to a row of a nested sequence (`let row = &m[i];`).
    rows: BTreeMap<VarId, nested::Row>,
    /// Per name the body reads fields of (`layer` in `layer.w.iter()`), the field paths
    /// it reads as sequences and how many indices reach their floats ([`fields`]).
    element_fields: BTreeMap<String, Vec<(Vec<syn::Member>, usize)>>,
    /// The rows those fields are, per row of a sequence of structs bound to such a name
    /// (`for layer in layers`) and the field path (`"w"`): `layers[l].w`.
    field_rows: BTreeMap<(VarId, String), VarId>,
    /// Names bound to a field of a value of constants (`let xs = &obs[i].xs;`): constants,
    /// walked as sequences of constants where a chain walks them.
    constant_fields: BTreeSet<VarId>,
    /// Locals holding a copy of a sub-slice (`let s = &x[a..b];`): a `Vec` where the user
    /// has a slice, so a call is passed `&s`.
    slice_copies: BTreeSet<VarId>,
    /// Loop variables the body cannot assign (not `for mut i`).
    loop_indices: BTreeSet<VarId>,
    /// Elements of a `for` loop over references (`for v in xs`): a float here, a reference
    /// in the user's code, so read as `(&v)` where the user's expression is kept.
    elem_refs: BTreeSet<VarId>,
    /// The items the body declares ([`Func::items`]).
    items: Vec<syn::Item>,
    /// `Option` locals of constants that met a value carrying a derivative (`prev =
    /// Some(v)`): held as a float and a flag when lowered again ([`options`]).
    held_options: HashSet<String>,
}

impl<'e> Lower<'e> {
    fn new_var(&mut self, name: &str, span: Span, kind: Kind, ty: Option<Type>) -> VarId {
        let ident = Ident::new(name, Span::mixed_site().located_at(span));
        self.vars.push(Var {
            ident,
            kind,
            ty,
            scope: self.scope,
            param: None,
            twin: None,
        });
        self.vars.len() - 1
    }

    fn user_var(&mut self, user: &Ident, kind: Kind, ty: Option<Type>) -> VarId {
        let name = self.names.user_var(&user.to_string());
        self.new_var(&name, user.span(), kind, ty)
    }

    fn temp_var(&mut self, kind: Kind, span: Span) -> VarId {
        let name = self.names.temp();
        self.new_var(&name, span, kind, None)
    }

    fn generated_var(&mut self, base: &str, kind: Kind, span: Span) -> VarId {
        let name = self.names.generated(base);
        self.new_var(&name, span, kind, None)
    }

    fn bind(&mut self, user: &Ident, var: VarId) {
        let level = self.env.last_mut().expect("an environment level");
        level.push((user.to_string(), var));
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.env
            .iter()
            .rev()
            .flat_map(|level| level.iter().rev())
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }

    /// Points the user's name at a new SSA version of its variable.
    fn rebind(&mut self, name: &str, var: VarId) {
        for level in self.env.iter_mut().rev() {
            if let Some(entry) = level.iter_mut().rev().find(|(n, _)| n == name) {
                entry.1 = var;
                return;
            }
        }
    }

    fn local_of(&self, expr: &Expr) -> Option<VarId> {
        match expr {
            Expr::Path(p) if p.qself.is_none() && p.path.leading_colon.is_none() => {
                let ident = p.path.get_ident()?;
                self.lookup(&ident.to_string())
            }
            Expr::Paren(p) => self.local_of(&p.expr),
            Expr::Group(g) => self.local_of(&g.expr),
            Expr::Field(_) => self.field_var(expr).or_else(|| self.field_row(expr)),
            _ => None,
        }
    }

    fn kind(&self, v: VarId) -> Kind {
        self.vars[v].kind
    }

    /// Whether the block being lowered is the function body itself, outside every branch
    /// and loop: there, reassigning a variable makes a new SSA version instead.
    fn straight_line(&self) -> bool {
        self.scope == 0
    }

    fn enter_block(&mut self, in_loop: bool) -> ScopeId {
        let depth = self.scopes[self.scope].loop_depth + usize::from(in_loop);
        self.scopes.push(Scope {
            parent: Some(self.scope),
            loop_depth: depth,
        });
        let id = self.scopes.len() - 1;
        self.scope = id;
        self.env.push(Vec::new());
        id
    }

    fn leave_block(&mut self, previous: ScopeId) {
        self.scope = previous;
        self.env.pop();
    }

    fn in_loop(&self) -> bool {
        self.scopes[self.scope].loop_depth > 0
    }
}

/// Marks a function's calls to itself as adding into the caller's gradients, when that is
/// sound: the result is a float, every differentiable parameter is a borrowed sequence
/// (`&[f64]`, never written), and every call to itself passes each of them on whole and
/// unchanged (`det_minor(a, n, row + 1, ..)`). Then the callee's backward pass can add its
/// contributions straight into the caller's gradient of that sequence, where each call
/// otherwise makes a zeroed gradient of the whole sequence and the caller adds it in: work
/// and memory in the sequence's length per call, for a recursion that touches a few
/// elements per call (a determinant by minors).
fn pull_into(f: &mut Func) {
    let differentiable: Vec<(usize, VarId)> = f
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.differentiable())
        .map(|(i, p)| (i, p.var))
        .collect();
    let sound = f.ret_kind == Kind::Float
        && !differentiable.is_empty()
        && f.params.iter().filter(|p| p.differentiable()).all(|p| {
            matches!(p.form, ParamForm::Seq(_))
                && !p.mutable
                && matches!(&p.ty, syn::Type::Reference(r) if r.mutability.is_none())
        });
    if !sound {
        return;
    }
    let mut calls = 0;
    let mut whole = true;
    crate::analysis::walk_calls(&f.body, &mut |_, call| {
        if call.recursive {
            calls += 1;
            whole &= differentiable.iter().all(|&(i, v)| {
                call.args
                    .get(i)
                    .is_some_and(|a| !a.part && matches!(a.value, Operand::Var(w) if w == v))
            });
        }
    });
    if calls == 0 || !whole {
        return;
    }
    crate::analysis::walk_calls_mut(&mut f.body, &mut |call| call.into |= call.recursive);
}

/// Which calls made again in the backward pass ([`Call::recompute`]) make their pullback
/// from their arguments and their result ([`Call::result`]), which the backward pass then
/// reads: a result known to be a float, the function's own float result or a variable
/// annotated with a float type (a call's result is otherwise of a type the macro cannot
/// see). A float the backward pass reads is saved where it is overwritten, as any other.
fn call_results(f: &mut Func) {
    let result = match f.result {
        Operand::Var(r) if f.ret_kind == Kind::Float => Some(r),
        _ => None,
    };
    let vars = &f.vars;
    let float = |r: VarId| {
        Some(r) == result
            || vars[r]
                .ty
                .as_ref()
                .is_some_and(|t| matches!(classify(t), TypeClass::Float))
    };
    crate::analysis::walk_calls_mut(&mut f.body, &mut |call| {
        call.result = call.result.filter(|&r| float(r));
    });
}
