#[derive(Clone)]
pub struct Dense {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub inputs: usize,
}
///The gradient of [`Dense`], written by `#[derive(Differentiable)]`: one field per differentiable field of `Dense`, same name, holding that field's gradient (integer, `bool` and `#[differentiable(constant)]` fields have none).
#[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
pub struct DenseGrad {
    ///The gradient with respect to `w`.
    pub w: Vec<f64>,
    ///The gradient with respect to `b`.
    pub b: Vec<f64>,
}
impl ::backprop::__private::Differentiable for Dense {
    type Grad = DenseGrad;
    #[inline]
    fn scaled_add(&mut self, alpha: f64, g: &Self::Grad) {
        ::backprop::__private::Differentiable::scaled_add(&mut self.w, alpha, &g.w);
        ::backprop::__private::Differentiable::scaled_add(&mut self.b, alpha, &g.b);
    }
    #[inline]
    fn fits(&self, g: &Self::Grad) -> bool {
        true && ::backprop::__private::Differentiable::fits(&self.w, &g.w)
            && ::backprop::__private::Differentiable::fits(&self.b, &g.b)
    }
    #[inline]
    fn empty_grad(&self) -> Self::Grad {
        DenseGrad {
            w: ::backprop::__private::Differentiable::empty_grad(&self.w),
            b: ::backprop::__private::Differentiable::empty_grad(&self.b),
        }
    }
    #[inline]
    fn fill_zeros(&self, g: &mut Self::Grad) {
        ::backprop::__private::Differentiable::fill_zeros(&self.w, &mut g.w);
        ::backprop::__private::Differentiable::fill_zeros(&self.b, &mut g.b);
    }
}
impl ::backprop::__private::GradOf for Dense {
    type Grad = DenseGrad;
}
impl ::backprop::__private::ZerosLike for Dense {
    type Grad = DenseGrad;
    #[inline]
    fn zeros_like(&self) -> Self::Grad {
        DenseGrad {
            w: ::backprop::__private::ZerosLike::zeros_like(&self.w),
            b: ::backprop::__private::ZerosLike::zeros_like(&self.b),
        }
    }
}
impl ::backprop::__private::ZerosLike for DenseGrad {
    type Grad = Self;
    #[inline]
    fn zeros_like(&self) -> Self {
        DenseGrad {
            w: ::backprop::__private::ZerosLike::zeros_like(&self.w),
            b: ::backprop::__private::ZerosLike::zeros_like(&self.b),
        }
    }
}
impl ::backprop::__private::Accumulate for DenseGrad {
    #[inline]
    fn accumulate(&mut self, rhs: Self) {
        ::backprop::__private::Accumulate::accumulate(&mut self.w, rhs.w);
        ::backprop::__private::Accumulate::accumulate(&mut self.b, rhs.b);
    }
}
impl ::backprop::__private::ToTangent<DenseGrad> for DenseGrad {
    #[inline]
    fn to_tangent(&self) -> Self {
        ::core::clone::Clone::clone(self)
    }
}
impl ::backprop::__private::SeqItem for Dense {}
impl ::backprop::__private::SameShape for Dense {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        true && ::backprop::__private::SameShape::same_shape(&self.w, &other.w)
            && ::backprop::__private::SameShape::same_shape(&self.b, &other.b)
    }
    fn shape_of(&self) -> ::std::vec::Vec<usize> {
        let mut shape = ::std::vec::Vec::new();
        shape.extend(::backprop::__private::SameShape::shape_of(&self.w));
        shape.extend(::backprop::__private::SameShape::shape_of(&self.b));
        shape
    }
}
impl ::backprop::__private::SeqItem for DenseGrad {}
impl ::backprop::__private::GradOf for DenseGrad {
    type Grad = Self;
}
impl ::backprop::__private::SameShape for DenseGrad {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        true && ::backprop::__private::SameShape::same_shape(&self.w, &other.w)
            && ::backprop::__private::SameShape::same_shape(&self.b, &other.b)
    }
    fn shape_of(&self) -> ::std::vec::Vec<usize> {
        let mut shape = ::std::vec::Vec::new();
        shape.extend(::backprop::__private::SameShape::shape_of(&self.w));
        shape.extend(::backprop::__private::SameShape::shape_of(&self.b));
        shape
    }
}
impl ::backprop::__private::Discard for DenseGrad {}
impl ::backprop::__private::Elements for DenseGrad {
    type Elem = <Vec<f64> as ::backprop::__private::Elements>::Elem;
    fn count(&self) -> usize {
        0 + ::backprop::__private::Elements::count(&self.w)
            + ::backprop::__private::Elements::count(&self.b)
    }
    #[allow(unused_mut)]
    fn element(&self, mut i: usize) -> Self::Elem {
        let n = ::backprop::__private::Elements::count(&self.w);
        if i < n {
            return ::backprop::__private::Elements::element(&self.w, i);
        }
        i -= n;
        let n = ::backprop::__private::Elements::count(&self.b);
        if i < n {
            return ::backprop::__private::Elements::element(&self.b, i);
        }
        i -= n;
        ::core::panic!("element {} is past the end of a {}", i, "`DenseGrad`")
    }
    #[allow(unused_mut)]
    fn element_mut(&mut self, mut i: usize) -> &mut Self::Elem {
        let n = ::backprop::__private::Elements::count(&self.w);
        if i < n {
            return ::backprop::__private::Elements::element_mut(&mut self.w, i);
        }
        i -= n;
        let n = ::backprop::__private::Elements::count(&self.b);
        if i < n {
            return ::backprop::__private::Elements::element_mut(&mut self.b, i);
        }
        i -= n;
        ::core::panic!("element {} is past the end of a {}", i, "`DenseGrad`")
    }
}
impl Dense {
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.b.len()];
        for o in 0..out.len() {
            let mut z = self.b[o];
            for i in 0..self.inputs {
                z += self.w[o * self.inputs + i] * x[i];
            }
            out[o] = z.tanh();
        }
        out
    }
    #[doc(hidden)]
    #[inline(always)]
    pub fn __differentiate_forward(&self) -> dense_forward::Handle {
        dense_forward::Handle
    }
}
#[doc(hidden)]
#[allow(dead_code)]
pub fn dense_forward(this: &Dense, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; this.b.len()];
    for o in 0..out.len() {
        let mut z = this.b[o];
        for i in 0..this.inputs {
            z += this.w[o * this.inputs + i] * x[i];
        }
        out[o] = z.tanh();
    }
    out
}
const _: () = {
    let _ = dense_forward;
};
///Derivatives of [`dense_forward`](fn@dense_forward), generated by `#[differentiate]`: [`vjp`](self::vjp) (the value and its pullback), [`jacobian`](self::jacobian) (one gradient per output).
#[allow(
    impl_trait_redundant_captures,
    non_snake_case,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
pub mod dense_forward {
    #[allow(unused_imports)]
    use super::*;
    ///The gradient of [`dense_forward`](fn@dense_forward): one field per differentiable parameter, named after it.
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
    pub struct Grad {
        ///∂dense_forward/∂this: the gradient with respect to `this`.
        pub this: <Dense as ::backprop::__private::Differentiable>::Grad,
        ///∂dense_forward/∂x: the gradient with respect to `x`.
        pub x: ::std::vec::Vec<f64>,
    }
    ///`dense_forward`'s value and its pullback: the pullback maps an upstream gradient of the value to the gradient of every differentiable parameter (a vector-Jacobian product). The forward pass runs here, once; the pullback runs the backward pass.
    #[inline]
    pub fn vjp<'this, 'x>(
        this: &'this Dense,
        x: &'x [f64],
    ) -> (Vec<f64>, impl ::core::ops::FnOnce(Vec<f64>) -> Grad + use<'this, 'x>) {
        __vjp_rows(this, x)
    }
    #[doc(hidden)]
    #[inline]
    pub fn __vjp_rows<'this, 'x>(
        this: &'this Dense,
        x: &'x [f64],
    ) -> (
        Vec<f64>,
        impl ::core::ops::FnOnce(
            Vec<f64>,
        ) -> Grad + ::core::clone::Clone + use<'this, 'x>,
    ) {
        __vjp_held(this, x)
    }
    #[doc(hidden)]
    #[inline]
    pub fn __vjp<'this, 'x>(
        this: &'this Dense,
        x: &'x [f64],
    ) -> (
        Vec<f64>,
        impl ::core::ops::FnOnce(
            Vec<f64>,
        ) -> (
                <Dense as ::backprop::__private::Differentiable>::Grad,
                ::std::vec::Vec<f64>,
            ) + use<'this, 'x>,
    ) {
        let (value, pullback) = vjp(this, x);
        (
            value,
            move |upstream: Vec<f64>| {
                let grad = pullback(upstream);
                (grad.this, grad.x)
            },
        )
    }
    /// The forward pass and the pullback, for `vjp` (the sequences borrowed) and
    /// `__vjp_owned` (copies of them, which the pullback owns).
    #[doc(hidden)]
    #[inline]
    pub fn __vjp_held<
        'this,
        Held0: ::core::borrow::Borrow<[f64]> + ::core::clone::Clone,
    >(
        this: &'this Dense,
        __held_x: Held0,
    ) -> (
        Vec<f64>,
        impl ::core::ops::FnOnce(
            Vec<f64>,
        ) -> Grad + ::core::clone::Clone + use<'this, Held0>,
    ) {
        let x: &[f64] = ::core::borrow::Borrow::borrow(&__held_x);
        let mut s1_stack = ::backprop::__private::Stack::new();
        let this_b = &this.b;
        let this_w = &this.w;
        let mut out = ::std::vec![0.0; this.b.len()];
        let range_o = ::backprop::__private::steps(0..out.len());
        s1_stack.reserve(::core::iter::ExactSizeIterator::len(&range_o));
        for o in range_o {
            let mut z = this_b[o];
            let range_i = ::backprop::__private::steps(0..this.inputs);
            for i in range_i {
                let s0 = this_w[o * this.inputs + i] * x[i];
                z = z + s0;
            }
            let s1 = z.tanh();
            out[o] = s1;
            s1_stack.push_reserved(s1);
        }
        (
            ::core::clone::Clone::clone(&out),
            #[inline(always)]
            move |mut grad_out: Vec<f64>| {
                let x: &[f64] = ::core::borrow::Borrow::borrow(&__held_x);
                let this = this;
                let mut grad_x = ::backprop::__private::zeros_like(&x);
                let mut grad_this_b = ::backprop::__private::zeros_like(&this_b);
                let mut grad_this_w = ::backprop::__private::zeros_like(&this_w);
                for o in range_o.rev() {
                    let s1 = s1_stack.pop();
                    let range_i = ::backprop::__private::steps(0..this.inputs);
                    let mut grad_z = 0.0;
                    let grad_s1 = grad_out[o];
                    grad_out[o] = 0.0;
                    grad_z += grad_s1 * (1.0 - s1 * s1);
                    if grad_z != 0.0 {
                        {
                            let (i_first, i_len) = range_i.first_len();
                            if i_len > 0 {
                                let x_span = &x[i_first..][..i_len];
                                let grad_x_span = &mut grad_x[i_first..][..i_len];
                                let this_w_span = &this_w[i_first
                                    + o * this.inputs..][..i_len];
                                let grad_this_w_span = &mut grad_this_w[i_first
                                    + o * this.inputs..][..i_len];
                                for i_offset in 0..i_len {
                                    let grad_s0 = grad_z;
                                    grad_this_w_span[i_offset] += grad_s0 * x_span[i_offset];
                                    grad_x_span[i_offset] += grad_s0 * this_w_span[i_offset];
                                }
                            }
                        }
                    }
                    grad_this_b[o] += grad_z;
                }
                Grad {
                    this: {
                        let mut grad = ::backprop::__private::empty_grad(this);
                        grad.b = grad_this_b;
                        grad.w = grad_this_w;
                        ::backprop::__private::fill_zeros(this, &mut grad);
                        grad
                    },
                    x: grad_x,
                }
            },
        )
    }
    /// The value and a pullback owning copies of the sequences passed by reference: what
    /// a caller whose argument borrows its own local calls.
    #[doc(hidden)]
    #[inline]
    pub fn __vjp_owned<'this, 'x>(
        this: &'this Dense,
        x: &'x [f64],
    ) -> (
        Vec<f64>,
        impl ::core::ops::FnOnce(
            Vec<f64>,
        ) -> (
                <Dense as ::backprop::__private::Differentiable>::Grad,
                ::std::vec::Vec<f64>,
            ) + use<'this>,
    ) {
        let (value, pullback) = __vjp_held(this, ::std::borrow::ToOwned::to_owned(x));
        (
            value,
            move |upstream: Vec<f64>| {
                let grad = pullback(upstream);
                (grad.this, grad.x)
            },
        )
    }
    ///The Jacobian of `dense_forward` by reverse mode: one forward pass, and one backward pass per output. Row `i` is the gradient of output `i`.
    pub fn jacrev<'this, 'x>(
        this: &'this Dense,
        x: &'x [f64],
    ) -> (Vec<f64>, ::std::vec::Vec<Grad>) {
        let (value, pullback) = __vjp_rows(
            ::backprop::__private::copied_per_row(&this),
            ::backprop::__private::copied_per_row(&x),
        );
        let rows = ::backprop::__private::jacobian_rows_copied(&value, pullback);
        (value, rows)
    }
    ///The Jacobian of `dense_forward`: one `Grad` per output. Reverse mode: one backward pass per output.
    pub fn jacobian<'this, 'x>(
        this: &'this Dense,
        x: &'x [f64],
    ) -> (Vec<f64>, ::std::vec::Vec<Grad>) {
        jacrev(
            ::backprop::__private::copied_per_row(&this),
            ::backprop::__private::copied_per_row(&x),
        )
    }
    #[doc(hidden)]
    pub const __DIFFERENTIABLE: &[bool] = &[true, true];
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`dense_forward::jvp` is not generated: write `#[differentiate(reverse, forward)]` on `Dense::forward`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvp<'__stub, 'this, 'x>(
        this: &'this Dense,
        x: &'x [f64],
        dot_this: &<Dense as ::backprop::__private::Differentiable>::Grad,
        dot_x: &[f64],
    ) -> (Vec<f64>, Vec<f64>)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`dense_forward::jvps` is not generated: write `#[differentiate(reverse, forward)]` on `Dense::forward`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvps_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvps<'__stub, 'this, 'x, const LANES: usize>(
        this: &'this Dense,
        x: &'x [f64],
        dot_this: [&<Dense as ::backprop::__private::Differentiable>::Grad; LANES],
        dot_x: [&[f64]; LANES],
    ) -> (Vec<f64>, [Vec<f64>; LANES])
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvps_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`dense_forward` returns a vector: its derivative is a Jacobian, `dense_forward::jacobian` (or `dense_forward::vjp` with an upstream gradient)",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __grad_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn grad<'__stub, 'this, 'x>(this: &'this Dense, x: &'x [f64]) -> (Vec<f64>, Grad)
    where
        ::backprop::__private::NotGenerated<'__stub>: __grad_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`Dense::forward` is called from a function differentiated in forward mode: write `#[differentiate(reverse, forward)]` on `Dense::forward` (`hessian` if the caller has `hessian`)",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_of_callee_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn __jvp<'__stub, 'this, 'x, __T0, __T1>(
        this: &'this Dense,
        x: &'x [f64],
        _: __T0,
        _: __T1,
    ) -> (Vec<f64>, Vec<f64>)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_of_callee_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`Dense::forward` is called from a function differentiated twice (`hessian`): write `#[differentiate(hessian)]` on `Dense::forward`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __fob_of_callee_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn __fob<'__stub, 'this, 'x, __T0, __T1>(
        this: &'this Dense,
        x: &'x [f64],
        _: __T0,
        _: __T1,
    ) -> (
        Vec<f64>,
        Vec<f64>,
        fn(
            Vec<f64>,
            Vec<f64>,
        ) -> (
            (
                <Dense as ::backprop::__private::Differentiable>::Grad,
                ::std::vec::Vec<f64>,
            ),
            (
                <Dense as ::backprop::__private::Differentiable>::Grad,
                ::std::vec::Vec<f64>,
            ),
        ),
    )
    where
        ::backprop::__private::NotGenerated<'__stub>: __fob_of_callee_is_not_generated,
    {
        (
            ::backprop::__private::not_generated(),
            ::backprop::__private::not_generated(),
            |
                _: Vec<f64>,
                _: Vec<f64>,
            | -> (
                (
                    <Dense as ::backprop::__private::Differentiable>::Grad,
                    ::std::vec::Vec<f64>,
                ),
                (
                    <Dense as ::backprop::__private::Differentiable>::Grad,
                    ::std::vec::Vec<f64>,
                ),
            ) { ::backprop::__private::not_generated() },
        )
    }
    /// What calls on a receiver of the method's type reach this module through (the
    /// type's hidden method `__differentiate_*` gives it).
    #[doc(hidden)]
    #[derive(::core::clone::Clone, ::core::marker::Copy)]
    pub struct Handle;
    impl Handle {
        #[inline(always)]
        pub fn __vjp<'this, 'x>(
            self,
            this: &'this Dense,
            x: &'x [f64],
        ) -> (
            Vec<f64>,
            impl ::core::ops::FnOnce(
                Vec<f64>,
            ) -> (
                    <Dense as ::backprop::__private::Differentiable>::Grad,
                    ::std::vec::Vec<f64>,
                ) + use<'this, 'x>,
        ) {
            __vjp(this, x)
        }
        #[inline(always)]
        pub fn __vjp_owned<'this, 'x>(
            self,
            this: &'this Dense,
            x: &'x [f64],
        ) -> (
            Vec<f64>,
            impl ::core::ops::FnOnce(
                Vec<f64>,
            ) -> (
                    <Dense as ::backprop::__private::Differentiable>::Grad,
                    ::std::vec::Vec<f64>,
                ) + use<'this>,
        ) {
            __vjp_owned(this, x)
        }
        #[inline(always)]
        pub fn __jvp<'__stub, 'this, 'x, __T0, __T1>(
            self,
            this: &'this Dense,
            x: &'x [f64],
            __arg2: __T0,
            __arg3: __T1,
        ) -> (Vec<f64>, Vec<f64>)
        where
            ::backprop::__private::NotGenerated<
                '__stub,
            >: __jvp_of_callee_is_not_generated,
        {
            __jvp(this, x, __arg2, __arg3)
        }
        #[inline(always)]
        pub fn __fob<'__stub, 'this, 'x, __T0, __T1>(
            self,
            this: &'this Dense,
            x: &'x [f64],
            __arg2: __T0,
            __arg3: __T1,
        ) -> (
            Vec<f64>,
            Vec<f64>,
            fn(
                Vec<f64>,
                Vec<f64>,
            ) -> (
                (
                    <Dense as ::backprop::__private::Differentiable>::Grad,
                    ::std::vec::Vec<f64>,
                ),
                (
                    <Dense as ::backprop::__private::Differentiable>::Grad,
                    ::std::vec::Vec<f64>,
                ),
            ),
        )
        where
            ::backprop::__private::NotGenerated<
                '__stub,
            >: __fob_of_callee_is_not_generated,
        {
            __fob(this, x, __arg2, __arg3)
        }
    }
}
pub fn network(layers: &[Dense], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        h = layer.forward(&h);
    }
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i] * h[i];
    }
    s
}
const _: () = {
    let _ = network;
};
///Derivatives of [`network`](fn@network), generated by `#[differentiate]`: [`grad`](self::grad) (the value and its gradient), [`vjp`](self::vjp) (the value and its pullback).
#[allow(
    impl_trait_redundant_captures,
    non_snake_case,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
pub mod network {
    #[allow(unused_imports)]
    use super::*;
    ///The gradient of [`network`](fn@network): one field per differentiable parameter, named after it.
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
    pub struct Grad {
        ///∂network/∂layers: the gradient with respect to `layers`.
        pub layers: <[Dense] as ::backprop::__private::Differentiable>::Grad,
        ///∂network/∂x: the gradient with respect to `x`.
        pub x: ::std::vec::Vec<f64>,
    }
    ///`network`'s value and its gradient (upstream gradient 1).
    #[inline]
    pub fn grad<'layers, 'x>(layers: &'layers [Dense], x: &'x [f64]) -> (f64, Grad) {
        let (value, pullback) = vjp(layers, x);
        (value, pullback(1.0))
    }
    ///`network`'s value and its pullback: the pullback maps an upstream gradient of the value to the gradient of every differentiable parameter (a vector-Jacobian product). The forward pass runs here, once; the pullback runs the backward pass.
    #[inline]
    pub fn vjp<'layers, 'x>(
        layers: &'layers [Dense],
        x: &'x [f64],
    ) -> (f64, impl ::core::ops::FnOnce(f64) -> Grad + use<'layers, 'x>) {
        let mut h_stack = ::backprop::__private::Stack::new();
        let mut pullback_s0_stack = ::backprop::__private::Stack::new();
        h_stack
            .reserve(
                ::core::iter::ExactSizeIterator::len(
                    &::backprop::__private::steps(0..layers.len()),
                ),
            );
        pullback_s0_stack
            .reserve(
                ::core::iter::ExactSizeIterator::len(
                    &::backprop::__private::steps(0..layers.len()),
                ),
            );
        let mut h = ::backprop::__private::owned_copy(&x);
        let range_index = ::backprop::__private::steps(0..layers.len());
        for index in range_index {
            let (s0, pullback_s0) = layers[index]
                .__differentiate_forward()
                .__vjp_owned(&layers[index], &h);
            h_stack.push_reserved(h);
            h = s0;
            pullback_s0_stack.push_reserved(pullback_s0);
        }
        let mut s = 0.0;
        let range_i = ::backprop::__private::steps(0..h.len());
        for i in range_i {
            let s1 = h[i] * h[i];
            s = s + s1;
        }
        (
            s,
            #[inline(always)]
            move |grad_s: f64| {
                let (layers, x) = (layers, x);
                let mut grad_layers = ::backprop::__private::zeros_like(&layers);
                let mut grad_x = ::backprop::__private::zeros_like(&x);
                let mut grad_h = ::backprop::__private::zeros_like(&h);
                {
                    let (i_first, i_len) = range_i.first_len();
                    if i_len > 0 {
                        let h_span = &h[i_first..][..i_len];
                        let grad_h_span = &mut grad_h[i_first..][..i_len];
                        for i_offset in 0..i_len {
                            let grad_s1 = grad_s;
                            grad_h_span[i_offset] += grad_s1 * (2.0 * h_span[i_offset]);
                        }
                    }
                }
                for index in range_index.rev() {
                    let pullback_s0 = pullback_s0_stack.pop();
                    let grad_s0 = ::backprop::__private::owned_copy(&grad_h);
                    h = h_stack.pop();
                    ::backprop::__private::reset_like(&mut grad_h, &h);
                    let grads_s0 = pullback_s0(grad_s0);
                    ::backprop::__private::accumulate(
                        &mut grad_layers[index],
                        grads_s0.0,
                    );
                    ::backprop::__private::accumulate(&mut grad_h, grads_s0.1);
                }
                ::backprop::__private::accumulate(
                    &mut grad_x,
                    ::backprop::__private::owned_copy(&grad_h),
                );
                Grad {
                    layers: grad_layers,
                    x: grad_x,
                }
            },
        )
    }
    #[doc(hidden)]
    #[inline]
    pub fn __vjp<'layers, 'x>(
        layers: &'layers [Dense],
        x: &'x [f64],
    ) -> (
        f64,
        impl ::core::ops::FnOnce(
            f64,
        ) -> (
                <[Dense] as ::backprop::__private::Differentiable>::Grad,
                ::std::vec::Vec<f64>,
            ) + use<'layers, 'x>,
    ) {
        let (value, pullback) = vjp(layers, x);
        (
            value,
            move |upstream: f64| {
                let grad = pullback(upstream);
                (grad.layers, grad.x)
            },
        )
    }
    /// The pullback at these arguments, whose value the caller has: the forward pass
    /// runs again (its pullback needs the values it computes).
    #[doc(hidden)]
    #[inline]
    pub fn __pullback_at<'layers, 'x>(
        layers: &'layers [Dense],
        x: &'x [f64],
        _: f64,
    ) -> impl ::core::ops::FnOnce(
        f64,
    ) -> (
            <[Dense] as ::backprop::__private::Differentiable>::Grad,
            ::std::vec::Vec<f64>,
        ) + use<'layers, 'x> {
        __vjp(layers, x).1
    }
    #[doc(hidden)]
    pub const __DIFFERENTIABLE: &[bool] = &[true, true];
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`network::jvp` is not generated: write `#[differentiate(reverse, forward)]` on `network`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvp<'__stub, 'layers, 'x>(
        layers: &'layers [Dense],
        x: &'x [f64],
        dot_layers: &<[Dense] as ::backprop::__private::Differentiable>::Grad,
        dot_x: &[f64],
    ) -> (f64, f64)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`network::jvps` is not generated: write `#[differentiate(reverse, forward)]` on `network`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvps_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvps<'__stub, 'layers, 'x, const LANES: usize>(
        layers: &'layers [Dense],
        x: &'x [f64],
        dot_layers: [&<[Dense] as ::backprop::__private::Differentiable>::Grad; LANES],
        dot_x: [&[f64]; LANES],
    ) -> (f64, [f64; LANES])
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvps_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`network::hvp` is not generated: write `#[differentiate(hessian)]` on `network`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __hvp_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn hvp<'__stub, 'layers, 'x>(
        layers: &'layers [Dense],
        x: &'x [f64],
        dot_layers: &<[Dense] as ::backprop::__private::Differentiable>::Grad,
        dot_x: &[f64],
    ) -> (f64, Grad, Grad)
    where
        ::backprop::__private::NotGenerated<'__stub>: __hvp_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`network::hessian` is not generated: write `#[differentiate(hessian)]` on `network`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __hessian_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn hessian<'__stub, 'layers, 'x>(
        layers: &'layers [Dense],
        x: &'x [f64],
    ) -> (f64, Grad, ::std::vec::Vec<Grad>)
    where
        ::backprop::__private::NotGenerated<'__stub>: __hessian_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`network` is called from a function differentiated in forward mode: write `#[differentiate(reverse, forward)]` on `network` (`hessian` if the caller has `hessian`)",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_of_callee_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn __jvp<'__stub, 'layers, 'x, __T0, __T1>(
        layers: &'layers [Dense],
        x: &'x [f64],
        _: __T0,
        _: __T1,
    ) -> (f64, f64)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_of_callee_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
}
