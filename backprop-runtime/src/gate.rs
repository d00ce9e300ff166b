//! Gates: functions with a hand-written local gradient, the lecture's "bigger primitive
//! gates". `#[differentiate]` calls a gate through the same interface as another
//! differentiated function, so a gate is used by calling it, by name, like any function.

/// Declares a gate: a function together with its hand-written backward rule (and,
/// optionally, its forward-mode rule and its second-order rule).
///
/// ```
/// backprop::gate! {
///     /// softplus(x) = ln(1 + eˣ)
///     pub fn softplus(x: f64) -> f64 {
///         x.exp().ln_1p()
///     }
///     // `out` names the gate's output, `grad` the upstream gradient; the block returns the
///     // gradient of the input (a tuple, one per input, for several inputs).
///     backward(out, grad) {
///         grad * (1.0 - (-out).exp())
///     }
///     // optional: the directional derivative for a tangent `dx` of the input (one
///     // tangent per input, in order), for `#[differentiate(forward)]`.
///     tangent(out, dx) {
///         dx * (1.0 - (-out).exp())
///     }
///     // optional: the tangent of `backward`, given the tangents `dout` of `out` and `dgrad`
///     // of `grad`, for `#[differentiate(hessian)]` (forward over reverse).
///     second(dout, dgrad) {
///         let s = 1.0 - (-out).exp();
///         dgrad * s + grad * (1.0 - s) * dout
///     }
/// }
///
/// #[backprop::differentiate]
/// fn loss(w: f64, x: f64) -> f64 {
///     softplus(w * x)
/// }
///
/// fn main() {
///     let (value, g) = loss::grad(2.0, 0.5);
///     assert!((value - 1.0f64.exp().ln_1p()).abs() < 1e-15);
///     assert!((g.w - 0.5 * backprop::sigmoid(1.0_f64)).abs() < 1e-15);
/// }
/// ```
///
/// Declare gates at module level (not inside a function body): the generated module reaches
/// the function through `super::`.
///
/// The function is emitted as written. Beside it, a module of the same name holds what
/// `#[differentiate]` calls: `__vjp` (value and pullback) and, with a `tangent` rule,
/// `__jvp`, and with `tangent` and `second` rules, `__fob`. The inputs are passed by value
/// and, by default, a copy of each is kept for the backward rule (references, floats and
/// other `Clone` types), so the backward block sees every input by its name, and a copy of
/// the output as `out`. For a gate over arrays, say what the rule reads, as a hand-written
/// backward pass saves only what it needs:
///
/// - `backward(_, grad)`: the rule (and `second`) does not read the output: the value is
///   returned without a copy;
/// - `backward(out, grad) keep(a, b)`: the rule reads only the inputs `a` and `b` (none,
///   with `keep()`): the others are moved into the function, not copied. An input left out
///   and read anyway is a compile error naming [`NotKept`](crate::NotKept).
///
/// `relu` and `sigmoid` read only their output (`keep()`) and map an owned array in place,
/// so `relu(x.dot(w))` makes one copy, the output the pullback keeps.
///
/// ```
/// use backprop::ndarray::Array1;
///
/// backprop::gate! {
///     /// `a·x + y`, computed in `x`'s storage.
///     pub fn axpy(a: f64, x: Array1<f64>, y: Array1<f64>) -> Array1<f64> {
///         x * a + &y
///     }
///     // Reads `a` and `x`, neither `y` nor the output.
///     backward(_, grad) keep(a, x) {
///         (grad.dot(&x), &grad * a, grad)
///     }
/// }
///
/// #[backprop::differentiate]
/// fn loss(a: f64, x: &Array1<f64>, y: &Array1<f64>) -> f64 {
///     axpy(a, x.to_owned(), y.to_owned()).sum()
/// }
///
/// fn main() {
///     let (x, y) = (Array1::from(vec![1.0, 2.0]), Array1::from(vec![0.5, 0.5]));
///     let (_, g) = loss::grad(3.0, &x, &y);
///     assert_eq!(g.a, 3.0);
///     assert_eq!(g.x.to_vec(), vec![3.0, 3.0]);
/// }
/// ```
/// Generic gates bound their type parameters by [`Real`](crate::Real) (or any trait that
/// fixes `GradOf::Grad`).
#[macro_export]
macro_rules! gate {
    // Lifetimes only (`fn g<'a>(x: &'a Array1<f64>)`): as with type parameters.
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident < $($lt:lifetime),+ $(,)? >
            ($arg:ident : $aty:ty $(,)?) -> $rty:ty $body:block
        backward($out:tt, $grad:ident) $(keep($($keep:ident),* $(,)?))? $backward:block
        $(tangent($tout:ident, $targ:ident) $tangent:block)?
        $(second($dout:ident, $dgrad:ident) $second:block)?
    ) => {
        $(#[$meta])*
        $vis fn $name < $($lt),+ > ($arg: $aty) -> $rty $body

        $crate::__gate_items!(@module $vis $name [< $($lt),+ >]
            [< '__stub $(, $lt)+ >] ($arg: $aty) -> $rty
            [$out, $grad, [$(keep($($keep),*))?], ($backward,)] [$($tout, ($targ), $tangent)?] [$($dout, $dgrad, ($second,))?]);
    };
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident < $($lt:lifetime),+ $(,)? >
            ($($arg:ident : $aty:ty),+ $(,)?) -> $rty:ty $body:block
        backward($out:tt, $grad:ident) $(keep($($keep:ident),* $(,)?))? $backward:block
        $(tangent($tout:ident, $($targ:ident),+) $tangent:block)?
        $(second($dout:ident, $dgrad:ident) $second:block)?
    ) => {
        $(#[$meta])*
        $vis fn $name < $($lt),+ > ($($arg: $aty),+) -> $rty $body

        $crate::__gate_items!(@module $vis $name [< $($lt),+ >]
            [< '__stub $(, $lt)+ >] ($($arg: $aty),+) -> $rty
            [$out, $grad, [$(keep($($keep),*))?], $backward] [$($tout, ($($targ),+), $tangent)?] [$($dout, $dgrad, $second)?]);
    };
    // One input: the backward block returns its gradient.
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident $(< $($lt:lifetime,)* $($gp:ident $(: $gb:path)?),+ $(,)? >)?
            ($arg:ident : $aty:ty $(,)?) -> $rty:ty $body:block
        backward($out:tt, $grad:ident) $(keep($($keep:ident),* $(,)?))? $backward:block
        $(tangent($tout:ident, $targ:ident) $tangent:block)?
        $(second($dout:ident, $dgrad:ident) $second:block)?
    ) => {
        $(#[$meta])*
        $vis fn $name $(< $($lt,)* $($gp $(: $gb)?),+ >)? ($arg: $aty) -> $rty $body

        $crate::__gate_items!(@module $vis $name [$(< $($lt,)* $($gp $(: $gb)?),+ >)?]
            [< '__stub $($(, $lt)* $(, $gp $(: $gb)?)+)? >] ($arg: $aty) -> $rty
            [$out, $grad, [$(keep($($keep),*))?], ($backward,)] [$($tout, ($targ), $tangent)?] [$($dout, $dgrad, ($second,))?]);
    };
    // Several inputs: the backward block returns a tuple, one gradient per input.
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident $(< $($lt:lifetime,)* $($gp:ident $(: $gb:path)?),+ $(,)? >)?
            ($($arg:ident : $aty:ty),+ $(,)?) -> $rty:ty $body:block
        backward($out:tt, $grad:ident) $(keep($($keep:ident),* $(,)?))? $backward:block
        $(tangent($tout:ident, $($targ:ident),+) $tangent:block)?
        $(second($dout:ident, $dgrad:ident) $second:block)?
    ) => {
        $(#[$meta])*
        $vis fn $name $(< $($lt,)* $($gp $(: $gb)?),+ >)? ($($arg: $aty),+) -> $rty $body

        $crate::__gate_items!(@module $vis $name [$(< $($lt,)* $($gp $(: $gb)?),+ >)?]
            [< '__stub $($(, $lt)* $(, $gp $(: $gb)?)+)? >] ($($arg: $aty),+) -> $rty
            [$out, $grad, [$(keep($($keep),*))?], $backward] [$($tout, ($($targ),+), $tangent)?] [$($dout, $dgrad, $second)?]);
    };
}

/// In a gate's `backward` rule, an input its `keep(..)` list leaves out: the input was
/// moved into the gate's function and is not there for the rule. Add it to `keep(..)`.
#[derive(Clone, Copy, Debug)]
pub struct NotKept;

/// The items `gate!` writes beside the function; not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __gate_items {
    (@module $vis:vis $name:ident [$($generics:tt)*] [$($stub:tt)*] ($($arg:ident : $aty:ty),+) -> $rty:ty
        [$out:tt, $grad:ident, [$($keep:tt)*], $backward:expr] [$($tangent_rule:tt)*] [$($second_rule:tt)*]
    ) => {
        #[doc = concat!("The gate items of [`", stringify!($name), "`](fn@", stringify!($name), ") that `#[differentiate]` calls.")]
        #[allow(non_snake_case, clippy::clone_on_copy, clippy::redundant_clone)]
        $vis mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[doc(hidden)]
            pub const __DIFFERENTIABLE: &[bool] = &[$($crate::__gate_items!(@true $arg)),+];

            #[doc(hidden)]
            #[inline]
            #[allow(unused_variables)]
            pub fn __vjp $($generics)* ($($arg: $aty),+)
                -> ($rty, impl ::core::ops::FnOnce($rty) -> ($(<$aty as $crate::GradOf>::Grad,)+))
            {
                $crate::__gate_items!(@vjp $name ($($arg),+) -> $rty [$($keep)*] [$out, $grad, $backward])
            }

            /// The pullback from the inputs and the output, without the forward pass: what a
            /// caller whose arguments borrow its own locals calls in its backward pass.
            #[doc(hidden)]
            #[inline]
            #[allow(unused_variables)]
            pub fn __pullback_at $($generics)* ($($arg: $aty,)+ $out: $rty)
                -> impl ::core::ops::FnOnce($rty) -> ($(<$aty as $crate::GradOf>::Grad,)+)
            {
                move |$grad: $rty| $backward
            }

            $crate::__gate_items!(@jvp $name [$($generics)*] [$($stub)*] ($($arg: $aty),+) -> $rty [$($tangent_rule)*]);
            $crate::__gate_items!(@fob $name [$($generics)*] [$($stub)*] ($($arg: $aty),+) -> $rty
                [$out, $grad, $backward] [$($tangent_rule)*] [$($second_rule)*]);
        }
    };
    // The value and the pullback: without `keep`, every input is copied into the call and
    // kept for the rule; with `keep(..)`, only the inputs named (the others are moved into
    // the call). The output is kept (one copy) unless the rule names it `_`.
    (@vjp $name:ident ($($arg:ident),+) -> $rty:ty [] $rule:tt) => {{
        let value: $rty = super::$name($(::core::clone::Clone::clone(&$arg)),+);
        $crate::__gate_items!(@pullback value: $rty $rule)
    }};
    (@vjp $name:ident ($($arg:ident),+) -> $rty:ty [keep($($keep:ident),*)] $rule:tt) => {{
        let kept = ($(::core::clone::Clone::clone(&$keep),)*);
        let value: $rty = super::$name($($arg),+);
        // An input the rule reads but `keep` leaves out is an error naming `NotKept`.
        $(let $arg = $crate::NotKept;)+
        let ($($keep,)*) = kept;
        $crate::__gate_items!(@pullback value: $rty $rule)
    }};
    (@pullback $value:ident : $rty:ty [_, $grad:ident, $backward:expr]) => {
        ($value, move |$grad: $rty| $backward)
    };
    (@pullback $value:ident : $rty:ty [$out:ident, $grad:ident, $backward:expr]) => {{
        let $out: $rty = $value;
        (::core::clone::Clone::clone(&$out), move |$grad: $rty| $backward)
    }};
    (@fob $name:ident [$($generics:tt)*] [$($stub:tt)*] ($($arg:ident : $aty:ty),+) -> $rty:ty
        [$($backward_rule:tt)*] [$($tangent_rule:tt)*] []
    ) => {
        $crate::__gate_items!(@no_fob [$($stub)*] ($($arg: $aty),+) -> $rty);
    };
    (@fob $name:ident [$($generics:tt)*] [$($stub:tt)*] ($($arg:ident : $aty:ty),+) -> $rty:ty
        [$($backward_rule:tt)*] [] [$($second_rule:tt)*]
    ) => {
        $crate::__gate_items!(@no_fob [$($stub)*] ($($arg: $aty),+) -> $rty);
    };
    // Without the rules second order needs, `__fob` is a stub whose use is one clear error.
    (@no_fob [$($stub:tt)*] ($($arg:ident : $aty:ty),+) -> $rty:ty) => {
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(
            message = "this gate has no `second` rule (or no `tangent` rule), which `#[differentiate(hessian)]` needs: add `tangent(out, dx) { ... }` and `second(dout, dgrad) { ... }` to its `gate!`",
            label = "this gate cannot be differentiated twice"
        )]
        pub trait __NoSecondRule {}

        #[doc(hidden)]
        #[allow(unused_variables)]
        pub fn __fob $($stub)* (
            $($arg: $aty),+,
            $(_: ::core::option::Option<<$aty as $crate::GradOf>::Grad>),+
        ) -> (
            $rty,
            $rty,
            impl ::core::ops::FnOnce($rty, $rty) -> (
                ($(<$aty as $crate::GradOf>::Grad,)+),
                ($(<$aty as $crate::GradOf>::Grad,)+),
            ),
        )
        where
            $crate::NotGenerated<'__stub>: __NoSecondRule,
        {
            (
                $crate::not_generated(),
                $crate::not_generated(),
                move |_: $rty, _: $rty| $crate::not_generated(),
            )
        }
    };
    // Forward over reverse: the value and its tangent, and a pullback that also carries the
    // tangent of the upstream gradient through the backward rule (the `second` rule).
    (@fob $name:ident [$($generics:tt)*] [$($stub:tt)*] ($($arg:ident : $aty:ty),+) -> $rty:ty
        [$out:tt, $grad:ident, $backward:expr]
        [$tout:ident, ($($targ:ident),+), $tangent:block]
        [$dout:ident, $dgrad:ident, $second:expr]
    ) => {
        #[doc(hidden)]
        #[inline]
        #[allow(unused_variables)]
        pub fn __fob $($generics)* (
            $($arg: $aty),+,
            $($targ: ::core::option::Option<<$aty as $crate::GradOf>::Grad>),+
        ) -> (
            $rty,
            $rty,
            impl ::core::ops::FnOnce($rty, $rty) -> (
                ($(<$aty as $crate::GradOf>::Grad,)+),
                ($(<$aty as $crate::GradOf>::Grad,)+),
            ),
        ) {
            $(let $targ: <$aty as $crate::GradOf>::Grad = match $targ {
                ::core::option::Option::Some(t) => t,
                ::core::option::Option::None => $crate::zeros_like(&$arg),
            };)+
            let (value, tangent) = __jvp(
                $(::core::clone::Clone::clone(&$arg)),+,
                $(::core::option::Option::Some(::core::clone::Clone::clone(&$targ))),+
            );
            (::core::clone::Clone::clone(&value), ::core::clone::Clone::clone(&tangent), move |$grad: $rty, $dgrad: $rty| {
                let $out: $rty = value;
                let $dout: $rty = tangent;
                // The second-order rule reads `grad` before the backward rule may take it.
                let dgrads = $second;
                let grads = $backward;
                (grads, dgrads)
            })
        }
    };
    (@true $arg:ident) => { true };
    // Without a `tangent` rule, `__jvp` is a stub whose use is one clear error.
    (@jvp $name:ident [$($generics:tt)*] [$($stub:tt)*] ($($arg:ident : $aty:ty),+) -> $rty:ty []) => {
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(
            message = "this gate has no `tangent` rule, which forward mode needs: add `tangent(out, dx) { ... }` to its `gate!` (one tangent per input, after `out`)",
            label = "this gate has no `tangent` rule"
        )]
        pub trait __NoTangentRule {}

        #[doc(hidden)]
        #[allow(unused_variables)]
        pub fn __jvp $($stub)* (
            $($arg: $aty),+,
            $(_: ::core::option::Option<<$aty as $crate::GradOf>::Grad>),+
        ) -> ($rty, $rty)
        where
            $crate::NotGenerated<'__stub>: __NoTangentRule,
        {
            $crate::not_generated()
        }
    };
    (@jvp $name:ident [$($generics:tt)*] [$($stub:tt)*] ($($arg:ident : $aty:ty),+) -> $rty:ty
        [$tout:ident, ($($targ:ident),+), $tangent:block]
    ) => {
        #[doc(hidden)]
        #[inline]
        #[allow(unused_variables)]
        pub fn __jvp $($generics)* (
            $($arg: $aty),+,
            $($targ: ::core::option::Option<<$aty as $crate::GradOf>::Grad>),+
        ) -> ($rty, $rty) {
            // A missing tangent is a zero one.
            $(let $targ: <$aty as $crate::GradOf>::Grad = match $targ {
                ::core::option::Option::Some(t) => t,
                ::core::option::Option::None => $crate::zeros_like(&$arg),
            };)+
            let $tout: $rty = super::$name($(::core::clone::Clone::clone(&$arg)),+);
            let tangent: $rty = $tangent;
            ($tout, tangent)
        }
    };
}
