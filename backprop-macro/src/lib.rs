//! The `#[differentiate]` attribute of [`backprop`](https://docs.rs/backprop). Use it
//! through the `backprop` crate, which also supplies the runtime the generated code calls.
//!
//! The pipeline, data flowing one way: `args` → `lower` → `analysis` → `reverse` → `emit`
//! → `items`, assembled by `expand`. One line per file, what it owns:
//!
//! - `lib.rs`: the attribute's entry point and this map.
//! - `derive.rs`: `#[derive(Differentiable)]`: the `{Name}Grad` struct and the runtime traits.
//! - `args.rs`: the attribute's arguments (`reverse`, `forward`, `hessian`, `wrt(..)`, `crate`).
//! - `diag.rs`: errors, collected and reported at their spans all at once.
//! - `ir.rs`: the intermediate representation: variables, scopes, operations, statements.
//! - `ops.rs`: the operations table: float methods (name, arity, what the rule reads),
//!   reductions, and the helpers, kernels and methods derivative code calls, each with its
//!   name and tangent rule in exhaustive matches.
//! - `rules/mod.rs`: local derivatives: each operation's backward rule and tangent (the
//!   lecture's gate patterns).
//! - `rules/tree.rs`: the expression tree `E` derivative code is built from, the places
//!   gradients add to, what a rule adds (`Contrib`), and what they read.
//! - `precedence.rs`: Rust's operator precedence, for lowering and printing alike.
//! - `names.rs`: unique, readable names for every generated variable.
//! - `lower/mod.rs`: syn → IR: the lowering context and the entry point, `lower`; calls to
//!   itself marked to add into the caller's gradients (`pull_into`).
//! - `lower/signature.rs`: parameters, their kinds and forms, the result type.
//! - `lower/types.rs`: what a type is to the macro (float, sequence, array, integer, ...).
//! - `lower/statements.rs`: blocks, assignments, `if`, `return`.
//! - `lower/aliases.rs`: type aliases beside the function (`type Real = f64;`) written out
//!   in it.
//! - `lower/locals.rs`: `let`: definitions, declarations, second names for rows and arrays.
//! - `lower/loops.rs`: `for`, `while`, `loop` and their variables.
//! - `lower/borrows.rs`: a name bound to a `&mut` borrow of a local or a row (`let r = &mut
//!   w;`), read and written as what it borrows.
//! - `lower/copies.rs`: walks of an owned copy (`xs.to_vec().into_iter()`, `for v in
//!   xs.to_vec()`) as walks of what it copies.
//! - `lower/rearranging.rs`: methods that change a local sequence of floats in place
//!   (`swap`, `reverse`, `rotate_left`, `fill`, `sort_by`, ..) as the element writes they
//!   mean.
//! - `lower/reversed.rs`: `.rev()` after maps and filters, moved before them.
//! - `lower/tuple_structs.rs`: tuple structs written with numbered fields (`P { 0: a }`).
//! - `lower/struct_closures.rs`: closures of structs bound to a local, inlined as helpers are.
//! - `lower/struct_seqs/mod.rs`: a local `Vec` (or array) of small `Copy` structs, as one
//!   per field, each use reading or writing the fields at an index; `made.rs`: how it is
//!   made, and its fields' sequences made the same way; `walks.rs`: its walks as ranges of
//!   indices, and the names their patterns bind.
//! - `lower/helpers.rs`: ordinary functions of floats, of tuples and structs, or writing
//!   through `&mut` parameters, inlined where called.
//! - `lower/helpers/callables.rs`: a helper's parameters that are functions, bound to the
//!   closures its call gives.
//! - `lower/helpers/method_calls.rs`: a method call met by the inliner, and `.map(f)` of a
//!   helper.
//! - `lower/helpers/renames.rs`: an inlined body's names renamed apart from the caller's.
//! - `lower/helpers/bodies.rs`: what of a helper's body can be inlined, its early `return`s
//!   as a labeled block's `break`s.
//! - `lower/helpers/written.rs`: an ordinary function's `&mut` parameters of floats (`dy:
//!   &mut [f64]`) and shared sequences, read and written as the caller's places.
//! - `lower/helpers/param_methods.rs`: methods without `#[differentiate]` of a parameter's
//!   struct with a gradient (generic ones too, their `impl` block's type parameters written
//!   as the caller's types), inlined where the parameter calls them.
//! - `lower/struct_aliases.rs`: a struct parameter bound to another name (`let c = b;`,
//!   an inlined method's `o` of `a.dot(&b)`) read as the parameter itself.
//! - `lower/struct_windows.rs`: windows of a parameter's sequence of structs (`for w in
//!   ps.windows(2)`, `.map(|w| ..)`) as index loops reading `ps[w_at + j]`.
//! - `lower/aggregates.rs`: tuples and structs bound to names, as one local per element.
//! - `lower/array_rows.rs`: a row of a parameter of arrays of floats (`pts: &[[f64; 2]]`)
//!   copied out whole (`let p = pts[i];`), as the array written out from its elements.
//! - `lower/aggregates/chosen.rs`: a tuple or struct value chosen by `if`, its locals
//!   assigned in each branch.
//! - `lower/aggregates/copies.rs`: a copy of a struct passed as data (`let mut s = st;`),
//!   held the same way.
//! - `lower/matches.rs`: `match` rewritten as the `if` chain it means.
//! - `lower/break_value.rs`: `loop` with a value rewritten as the assignments it means.
//! - `lower/labels.rs`: labeled `break` and `continue` rewritten as flags.
//! - `lower/stepped.rs`: an iterator bound to a name and stepped by `while let Some(x) =
//!   it.next()`, as the `for` loop it means.
//! - `lower/reduced.rs`: the `Option` of a chain's `reduce`, `max_by` or `min_by`, matched
//!   (`match`, `if let`, `let .. else`), as a test of the chain's count and the value
//!   unwrapped.
//! - `lower/split_ends.rs`: `split_first` and `split_last` matched, as slice patterns.
//! - `lower/hoisting.rs`: statements put before the statement whose expression needs them
//!   (what it evaluates first thing only).
//! - `lower/conditions.rs`: an `if`, a `match` or a block inside a condition (`a && match
//!   root(x) { .. } < 0.9`) bound to names before the test, `&&` and `||` still short.
//! - `lower/counted.rs`: a walk zipped with a range (`(0..n).zip(x)`, `x.iter().zip(1..)`)
//!   as the enumeration it is, the range's item bound where the pair is taken apart.
//! - `lower/flat_maps.rs`: `xs.iter().flat_map(|&a| [a, a * a])` as the rows it means, a
//!   local `Vec` of arrays made first, then walked.
//! - `lower/sub_stretches.rs`: the windows or chunks of a sub-slice (`x[a..b].chunks(k)`),
//!   the sub-slice copied first.
//! - `lower/found.rs`: `find` bound to a name, as the position it finds, each use reading
//!   the element there.
//! - `lower/folds.rs`: a fold over a tuple of accumulators as the loop it means, one local
//!   per accumulator.
//! - `lower/options.rs`: an `Option` local holding values that carry derivatives as a float
//!   and a flag, each use the test or the value it makes.
//! - `lower/from_fn.rs`: `std::array::from_fn(|i| ..)` bound by a typed `let`, as the loop
//!   writing each element.
//! - `lower/closures.rs`: closures bound to locals inlined at their calls, `mapv` as the
//!   array expression it means.
//! - `lower/iterators/mod.rs`: iterator chains over slices rewritten as index loops;
//!   `terminals.rs`: the methods ending a chain (`sum`, `fold`, `max_by`, ...) as loops.
//!   `places.rs`: the items of `xs.iter_mut()`, written through as the elements they are.
//!   `sources.rs`: a chain's syntax read off its end: sources, adaptors, limits.
//!   `loops.rs`: `for` loops over chains as index loops. `joined.rs`: walks joined by
//!   `.chain(..)` and `.flatten()`, one loop per part. `pairs.rs`: an item that is a
//!   tuple bound to one name and read by its elements (`|p| p.0 * p.1`) taken apart.
//!   `refused.rs`: the chains no rewrite takes, found for one error at the adaptor.
//! - `lower/inplace.rs`: ndarray's `mapv_inplace` on a local, and `Zip`'s `for_each` and
//!   `map_collect`, as the assignments they mean.
//! - `lower/scans.rs`: `scan` in a chain as a `map` over a state declared before the
//!   statement.
//! - `lower/option_maps.rs`: an `Option` a search returns, mapped and defaulted
//!   (`.map_or(d, |i| ..)`), as the `match` it means.
//! - `lower/axes.rs`: ndarray's `a.map_axis(Axis(k), |lane| ..)` of a matrix parameter, as
//!   the walk of its rows or columns collected into an array.
//! - `lower/windows.rs`: loops over `windows(k)`, `chunks(k)`, `chunks_exact(k)` rewritten as
//!   index loops.
//! - `lower/lanes.rs`: an array's rows or columns walked (`a.outer_iter()`, `a.rows()`,
//!   `a.axis_iter(Axis(k))`) as the walk over their indices, each lane a view.
//! - `lower/nested_grads.rs`: a nested `grad` call and the fields of its gradient read
//!   after it, as elements of the vector the call computes.
//! - `lower/nested.rs`: nested sequences: elements `m[i][j]`, rows bound to names or passed
//!   to calls, nested literals.
//! - `lower/growth.rs`: `push` and `extend` (of floats, or of rows) as element writes.
//! - `lower/fields.rs`: struct parameters read through their fields, each field's kind and
//!   nesting from its uses.
//! - `lower/tuples.rs`: tuple `let`s and assignments rewritten one name at a time.
//! - `lower/views.rs`: read-only views of a sequence (`&c[a..b]`) read through the
//!   sequence itself.
//! - `lower/extrema.rs`: running extrema of computed candidates, found first and
//!   differentiated once.
//! - `lower/twins.rs`: sines and cosines of one value, each read by the other's rule.
//! - `lower/expressions.rs`: operands and operations: names, arithmetic, casts, lists.
//! - `lower/methods.rs`: method calls: of floats (from the operations table), sequences,
//!   arrays and structs; tests and index picks, which carry no derivative.
//! - `lower/calls.rs`: calls to differentiated functions and gates, sub-slices, macros.
//! - `lower/constants.rs`: expressions the derivative does not flow through.
//! - `lower/syntax.rs`: syntax helpers and scans of the user's function.
//! - `analysis/mod.rs`: the analysis assembled: per-variable facts, stores, control records;
//!   the variables it adds returned as `Additions`, which the pipeline applies.
//! - `analysis/reads.rs`: activity, what the backward rules read, what is saved.
//! - `analysis/overwrites.rs`: writes that save nothing: element writes whose old value no
//!   backward rule reads, whole assignments whose old value nothing reads and whose shape
//!   they keep.
//! - `analysis/moves.rs`: arguments passed by value that the reverse still reads (copied),
//!   temporaries moved instead of copied.
//! - `analysis/picks.rs`: running extrema, reversed through the element picked last.
//! - `analysis/shapes.rs`: arrays the backward pass reads only for their shape.
//! - `analysis/sparse.rs`: forward mode along sparse directions: loops whose tangents are
//!   all zero run without them.
//! - `analysis/plans.rs`: recomputation (values, nested loops' ranges), loop saves, integer
//!   counters stepped back, control records.
//! - `analysis/snapshots.rs`: arrays copied whole around a loop instead of saved element by
//!   element.
//! - `analysis/reserve.rs`: room reserved on the stacks before loops (inner loops counted
//!   into outer ones), so that the pushes inside need no growth check.
//! - `analysis/tape.rs`: whether a function that calls itself can run on one tape.
//! - `analysis/walk.rs`: walks over statements, blocks, calls and loops.
//! - `reverse/mod.rs`: the backward pass as data (`B` statements).
//! - `reverse/fused.rs`: backward statements joined (a row's product's gradient added into
//!   its row by one kernel).
//! - `reverse/loops.rs`: passes over a reverse loop's body: iterations that commute (run in
//!   forward order, or skipped when their upstream gradients are zero), values computed
//!   once before it (`hoist_recomputes`), sums kept in a local (`hoist_sums`).
//! - `reverse/stores.rs`: gradients of arrays overwritten whole at every step (a Runge–Kutta
//!   stage): contributions stored where the gradient is known zero, its resets dropped.
//! - `reverse/views.rs`: the sequences a loop over a span reaches only at its index or at a
//!   counter, read and written through slices made once before it: reverse loops, and the
//!   forward pass's loops that only compute values.
//! - `tangent.rs`: forward mode, printed beside the primal statements.
//! - `emit/mod.rs`: printing expressions and operations as Rust.
//! - `emit/forward.rs`: the forward pass with its saves and records.
//! - `emit/backward.rs`: the backward pass.
//! - `emit/views.rs`: a loop walking offsets into its slices (`reverse/views.rs`).
//! - `emit/rebound.rs`: struct elements' fields a reverse loop reaches, bound once at its top.
//! - `items/mod.rs`: the module: `Grad`, `grad`, `vjp`, `__vjp`, assembled with the rest.
//! - `items/forward.rs`: `jvp`, `__jvp`.
//! - `items/jacobian.rs`: `jacobian`, `jacrev`, `jacfwd`.
//! - `items/hessian.rs`: `__fob`, `hvp`, `hessian`.
//! - `items/owned.rs`: `__vjp_owned`, a method's pullback owning copies of the sequences
//!   lent to it (for callers lending their own locals).
//! - `items/recursion.rs`: calls to itself that add into the caller's gradients:
//!   `__vjp_into_boxed`, or on one tape `__forward_tape` and `__backward_tape`.
//! - `items/nested.rs`: `__grad` and `__jvp_value` and their derivatives, for callers that
//!   differentiate a call to `grad` or `jvp` (nested differentiation).
//! - `methods.rs`: `#[differentiate]` on an `impl` block: a module per marked method, and
//!   methods forwarding to it.
//! - `missing.rs`: stubs for the items the arguments leave out.
//! - `source.rs`: what the user's file says a called function is, for the error when it has no
//!   derivative (an ordinary function, or one declared inside a function body).
//! - `source/methods.rs`: the file's methods of structs, kept to be inlined, and their lookups.
//! - `source/signatures.rs`: which ordinary functions' signatures make them inlined.
//! - `source/callables.rs`: which parameters of an ordinary function are functions (`impl
//!   Fn(f64) -> f64`, `&dyn Fn(..)`, `F: Fn(..)`), and their arity.
//! - `source/structs.rs`: the file's structs: their number fields, the fields without a
//!   gradient (`#[differentiable(constant)]`, integers), `Copy`, data or tuple structs.
//! - `source/foreign.rs`: functions of floats in the crate's other files (`mod act;`, `use
//!   act::gelu;`, `act::gelu(x)`), found and read as rustc finds them, their bodies' paths
//!   written from the crate's root.
//! - `source_tests.rs` (tests): what `source.rs` reads from files.
//! - `expand.rs`: end to end, signatures, lint allowances, the stand-in for a rejected function.
//! - `dump.rs`: `Debug` for the IR, and dumps of the analysis and the backward pass.
//! - `snapshots.rs` (tests): expansion and per-stage snapshots, the expansion-time benchmark.
//! - `layout.rs` (tests): every file in this map, none over 800 lines, no function over 120.

#![doc(test(attr(deny(warnings))))]

mod analysis;
mod args;
mod derive;
mod diag;
mod dump;
mod emit;
mod expand;
mod ir;
mod items;
mod lower;
mod methods;
mod missing;
mod names;
mod ops;
mod precedence;
mod reverse;
mod rules;
mod source;
mod tangent;

use proc_macro::TokenStream;

#[doc = include_str!("differentiate.md")]
#[proc_macro_attribute]
pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiate(attr.into(), item.into()).into()
}

/// Makes a struct of parameters a parameter type of differentiated functions, and writes its
/// gradient type `{Name}Grad` beside it: one `pub` field per differentiable field, same name,
/// that field's gradient. Integer and `bool` fields, and fields marked
/// `#[differentiable(constant)]`, are constants and get no gradient field;
/// `#[differentiable(crate = path)]` on the struct says where the facade is when renamed.
#[proc_macro_derive(Differentiable, attributes(differentiable))]
pub fn derive_differentiable(item: TokenStream) -> TokenStream {
    derive::derive(item.into()).into()
}

#[cfg(test)]
mod layout;
#[cfg(test)]
mod snapshots;
