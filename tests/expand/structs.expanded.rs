#[derive(Clone, Debug)]
pub struct Layer {
    pub w: Array2<f64>,
    pub b: Array1<f64>,
    pub scale: f64,
    #[differentiable(constant)]
    pub rate: f64,
    pub steps: usize,
}
///The gradient of [`Layer`], written by `#[derive(Differentiable)]`: one field per differentiable field of `Layer`, same name, holding that field's gradient (integer, `bool` and `#[differentiable(constant)]` fields have none).
#[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
pub struct LayerGrad {
    ///The gradient with respect to `w`.
    pub w: Array2<f64>,
    ///The gradient with respect to `b`.
    pub b: Array1<f64>,
    ///The gradient with respect to `scale`.
    pub scale: f64,
}
impl ::backprop::__private::Differentiable for Layer {
    type Grad = LayerGrad;
    #[inline]
    fn scaled_add(&mut self, alpha: f64, g: &Self::Grad) {
        ::backprop::__private::Differentiable::scaled_add(&mut self.w, alpha, &g.w);
        ::backprop::__private::Differentiable::scaled_add(&mut self.b, alpha, &g.b);
        ::backprop::__private::Differentiable::scaled_add(
            &mut self.scale,
            alpha,
            &g.scale,
        );
    }
    #[inline]
    fn fits(&self, g: &Self::Grad) -> bool {
        true && ::backprop::__private::Differentiable::fits(&self.w, &g.w)
            && ::backprop::__private::Differentiable::fits(&self.b, &g.b)
            && ::backprop::__private::Differentiable::fits(&self.scale, &g.scale)
    }
    #[inline]
    fn empty_grad(&self) -> Self::Grad {
        LayerGrad {
            w: ::backprop::__private::Differentiable::empty_grad(&self.w),
            b: ::backprop::__private::Differentiable::empty_grad(&self.b),
            scale: ::backprop::__private::Differentiable::empty_grad(&self.scale),
        }
    }
    #[inline]
    fn fill_zeros(&self, g: &mut Self::Grad) {
        ::backprop::__private::Differentiable::fill_zeros(&self.w, &mut g.w);
        ::backprop::__private::Differentiable::fill_zeros(&self.b, &mut g.b);
        ::backprop::__private::Differentiable::fill_zeros(&self.scale, &mut g.scale);
    }
}
impl ::backprop::__private::GradOf for Layer {
    type Grad = LayerGrad;
}
impl ::backprop::__private::ZerosLike for Layer {
    type Grad = LayerGrad;
    #[inline]
    fn zeros_like(&self) -> Self::Grad {
        LayerGrad {
            w: ::backprop::__private::ZerosLike::zeros_like(&self.w),
            b: ::backprop::__private::ZerosLike::zeros_like(&self.b),
            scale: ::backprop::__private::ZerosLike::zeros_like(&self.scale),
        }
    }
}
impl ::backprop::__private::ZerosLike for LayerGrad {
    type Grad = Self;
    #[inline]
    fn zeros_like(&self) -> Self {
        LayerGrad {
            w: ::backprop::__private::ZerosLike::zeros_like(&self.w),
            b: ::backprop::__private::ZerosLike::zeros_like(&self.b),
            scale: ::backprop::__private::ZerosLike::zeros_like(&self.scale),
        }
    }
}
impl ::backprop::__private::Accumulate for LayerGrad {
    #[inline]
    fn accumulate(&mut self, rhs: Self) {
        ::backprop::__private::Accumulate::accumulate(&mut self.w, rhs.w);
        ::backprop::__private::Accumulate::accumulate(&mut self.b, rhs.b);
        ::backprop::__private::Accumulate::accumulate(&mut self.scale, rhs.scale);
    }
}
impl ::backprop::__private::ToTangent<LayerGrad> for LayerGrad {
    #[inline]
    fn to_tangent(&self) -> Self {
        ::core::clone::Clone::clone(self)
    }
}
impl ::backprop::__private::SeqItem for Layer {}
impl ::backprop::__private::SameShape for Layer {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        true && ::backprop::__private::SameShape::same_shape(&self.w, &other.w)
            && ::backprop::__private::SameShape::same_shape(&self.b, &other.b)
            && ::backprop::__private::SameShape::same_shape(&self.scale, &other.scale)
    }
    fn shape_of(&self) -> ::std::vec::Vec<usize> {
        let mut shape = ::std::vec::Vec::new();
        shape.extend(::backprop::__private::SameShape::shape_of(&self.w));
        shape.extend(::backprop::__private::SameShape::shape_of(&self.b));
        shape.extend(::backprop::__private::SameShape::shape_of(&self.scale));
        shape
    }
}
impl ::backprop::__private::SeqItem for LayerGrad {}
impl ::backprop::__private::GradOf for LayerGrad {
    type Grad = Self;
}
impl ::backprop::__private::SameShape for LayerGrad {
    #[inline]
    fn same_shape(&self, other: &Self) -> bool {
        true && ::backprop::__private::SameShape::same_shape(&self.w, &other.w)
            && ::backprop::__private::SameShape::same_shape(&self.b, &other.b)
            && ::backprop::__private::SameShape::same_shape(&self.scale, &other.scale)
    }
    fn shape_of(&self) -> ::std::vec::Vec<usize> {
        let mut shape = ::std::vec::Vec::new();
        shape.extend(::backprop::__private::SameShape::shape_of(&self.w));
        shape.extend(::backprop::__private::SameShape::shape_of(&self.b));
        shape.extend(::backprop::__private::SameShape::shape_of(&self.scale));
        shape
    }
}
impl ::backprop::__private::Discard for LayerGrad {}
impl ::backprop::__private::Elements for LayerGrad {
    type Elem = <Array2<f64> as ::backprop::__private::Elements>::Elem;
    fn count(&self) -> usize {
        0 + ::backprop::__private::Elements::count(&self.w)
            + ::backprop::__private::Elements::count(&self.b)
            + ::backprop::__private::Elements::count(&self.scale)
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
        let n = ::backprop::__private::Elements::count(&self.scale);
        if i < n {
            return ::backprop::__private::Elements::element(&self.scale, i);
        }
        i -= n;
        ::core::panic!("element {} is past the end of a {}", i, "`LayerGrad`")
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
        let n = ::backprop::__private::Elements::count(&self.scale);
        if i < n {
            return ::backprop::__private::Elements::element_mut(&mut self.scale, i);
        }
        i -= n;
        ::core::panic!("element {} is past the end of a {}", i, "`LayerGrad`")
    }
}
pub fn loss(l: &Layer, x: &Array2<f64>) -> f64 {
    let y = x.dot(&l.w) + &l.b;
    (&y * &y).sum() * l.scale
}
const _: () = {
    let _ = loss;
};
///Derivatives of [`loss`](fn@loss), generated by `#[differentiate]`: [`grad`](self::grad) (the value and its gradient), [`vjp`](self::vjp) (the value and its pullback).
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
pub mod loss {
    #[allow(unused_imports)]
    use super::*;
    ///The gradient of [`loss`](fn@loss): one field per differentiable parameter, named after it.
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
    pub struct Grad {
        ///∂loss/∂l: the gradient with respect to `l`.
        pub l: <Layer as ::backprop::__private::Differentiable>::Grad,
    }
    ///`loss`'s value and its gradient (upstream gradient 1).
    #[inline]
    pub fn grad<'l, 'x>(l: &'l Layer, x: &'x Array2<f64>) -> (f64, Grad) {
        let (value, pullback) = vjp(l, x);
        (value, pullback(1.0))
    }
    ///`loss`'s value and its pullback: the pullback maps an upstream gradient of the value to the gradient of every differentiable parameter (a vector-Jacobian product). The forward pass runs here, once; the pullback runs the backward pass.
    #[inline]
    pub fn vjp<'l, 'x>(
        l: &'l Layer,
        x: &'x Array2<f64>,
    ) -> (f64, impl ::core::ops::FnOnce(f64) -> Grad + use<'l, 'x>) {
        let l_b = &l.b;
        let l_scale = ::backprop::__private::float_field(l.scale);
        let l_w = &l.w;
        let s0 = ::backprop::__private::tensor::dot(&x, &l_w);
        let y = ::backprop::__private::tensor::add(&s0, &l_b);
        let s1 = ::backprop::__private::tensor::mul(&y, &y);
        let s2 = ::backprop::__private::tensor::sum(&s1);
        let loss = s2 * l_scale;
        let l_b = ::backprop::__private::tensor::like(&l_b);
        let s0 = ::backprop::__private::tensor::like(&s0);
        let s1 = ::backprop::__private::tensor::like(&s1);
        (
            loss,
            #[inline(always)]
            move |grad_loss: f64| {
                let grad_s2 = grad_loss * l_scale;
                let grad_l_scale = grad_loss * s2;
                let grad_s1 = ::backprop::__private::tensor::sum_back(&grad_s2, &s1);
                let mut grad_y = ::backprop::__private::tensor::sum_to(
                    ::backprop::__private::tensor::mul(&grad_s1, &y),
                    &y,
                );
                ::backprop::__private::accumulate(
                    &mut grad_y,
                    ::backprop::__private::tensor::sum_to(
                        ::backprop::__private::tensor::mul(&grad_s1, &y),
                        &y,
                    ),
                );
                let grad_s0 = ::backprop::__private::tensor::sum_to(&grad_y, &s0);
                let grad_l_b = ::backprop::__private::tensor::sum_to(&grad_y, &l_b);
                let grad_l_w = ::backprop::__private::tensor::dot_back_rhs(
                    &grad_s0,
                    &x,
                    &l_w,
                );
                Grad {
                    l: {
                        let mut grad = ::backprop::__private::empty_grad(l);
                        grad.b = ::backprop::__private::tensor::standard(grad_l_b);
                        grad.scale = grad_l_scale;
                        grad.w = ::backprop::__private::tensor::standard(grad_l_w);
                        ::backprop::__private::fill_zeros(l, &mut grad);
                        grad
                    },
                }
            },
        )
    }
    #[doc(hidden)]
    #[inline]
    pub fn __vjp<'l, 'x>(
        l: &'l Layer,
        x: &'x Array2<f64>,
    ) -> (
        f64,
        impl ::core::ops::FnOnce(
            f64,
        ) -> (
                <Layer as ::backprop::__private::Differentiable>::Grad,
                ::backprop::__private::ndarray::Array<
                    f64,
                    ::backprop::__private::ndarray::Ix2,
                >,
            ) + use<'l, 'x>,
    ) {
        let (value, pullback) = vjp(l, x);
        (
            value,
            move |upstream: f64| {
                let grad = pullback(upstream);
                (grad.l, ::backprop::__private::left_out())
            },
        )
    }
    /// The pullback at these arguments, whose value the caller has: the forward pass
    /// runs again (its pullback needs the values it computes).
    #[doc(hidden)]
    #[inline]
    pub fn __pullback_at<'l, 'x>(
        l: &'l Layer,
        x: &'x Array2<f64>,
        _: f64,
    ) -> impl ::core::ops::FnOnce(
        f64,
    ) -> (
            <Layer as ::backprop::__private::Differentiable>::Grad,
            ::backprop::__private::ndarray::Array<
                f64,
                ::backprop::__private::ndarray::Ix2,
            >,
        ) + use<'l, 'x> {
        __vjp(l, x).1
    }
    #[doc(hidden)]
    pub const __DIFFERENTIABLE: &[bool] = &[true, false];
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`loss::jvp` is not generated: write `#[differentiate(reverse, forward)]` on `loss`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvp<'__stub, 'l, 'x>(
        l: &'l Layer,
        x: &'x Array2<f64>,
        dot_l: &<Layer as ::backprop::__private::Differentiable>::Grad,
    ) -> (f64, f64)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`loss::jvps` is not generated: write `#[differentiate(reverse, forward)]` on `loss`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvps_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvps<'__stub, 'l, 'x, const LANES: usize>(
        l: &'l Layer,
        x: &'x Array2<f64>,
        dot_l: [&<Layer as ::backprop::__private::Differentiable>::Grad; LANES],
    ) -> (f64, [f64; LANES])
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvps_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`loss::hvp` is not generated: write `#[differentiate(hessian)]` on `loss`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __hvp_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn hvp<'__stub, 'l, 'x>(
        l: &'l Layer,
        x: &'x Array2<f64>,
        dot_l: &<Layer as ::backprop::__private::Differentiable>::Grad,
    ) -> (f64, Grad, Grad)
    where
        ::backprop::__private::NotGenerated<'__stub>: __hvp_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`loss::hessian` is not generated: write `#[differentiate(hessian)]` on `loss`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __hessian_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn hessian<'__stub, 'l, 'x>(
        l: &'l Layer,
        x: &'x Array2<f64>,
    ) -> (f64, Grad, ::std::vec::Vec<Grad>)
    where
        ::backprop::__private::NotGenerated<'__stub>: __hessian_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`loss` is called from a function differentiated in forward mode: write `#[differentiate(reverse, forward)]` on `loss` (`hessian` if the caller has `hessian`)",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_of_callee_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn __jvp<'__stub, 'l, 'x, __T0, __T1>(
        l: &'l Layer,
        x: &'x Array2<f64>,
        _: __T0,
        _: __T1,
    ) -> (f64, f64)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_of_callee_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
}
impl Layer {
    pub fn penalty(&self) -> f64 {
        (&self.w * &self.w).sum() * self.scale
    }
    ///[`layer_penalty::grad`](layer_penalty::grad) of [`penalty`](Self::penalty), as a method.
    #[inline]
    pub fn penalty_grad(&self) -> (f64, layer_penalty::Grad) {
        layer_penalty::grad(self)
    }
    #[doc(hidden)]
    #[inline(always)]
    pub fn __differentiate_penalty(&self) -> layer_penalty::Handle {
        layer_penalty::Handle
    }
}
#[doc(hidden)]
#[allow(dead_code)]
pub fn layer_penalty(this: &Layer) -> f64 {
    (&this.w * &this.w).sum() * this.scale
}
const _: () = {
    let _ = layer_penalty;
};
///Derivatives of [`layer_penalty`](fn@layer_penalty), generated by `#[differentiate]`: [`grad`](self::grad) (the value and its gradient), [`vjp`](self::vjp) (the value and its pullback).
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
pub mod layer_penalty {
    #[allow(unused_imports)]
    use super::*;
    ///The gradient of [`layer_penalty`](fn@layer_penalty): one field per differentiable parameter, named after it.
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
    pub struct Grad {
        ///∂layer_penalty/∂this: the gradient with respect to `this`.
        pub this: <Layer as ::backprop::__private::Differentiable>::Grad,
    }
    ///`layer_penalty`'s value and its gradient (upstream gradient 1).
    #[inline]
    pub fn grad<'this>(this: &'this Layer) -> (f64, Grad) {
        let (value, pullback) = vjp(this);
        (value, pullback(1.0))
    }
    ///`layer_penalty`'s value and its pullback: the pullback maps an upstream gradient of the value to the gradient of every differentiable parameter (a vector-Jacobian product). The forward pass runs here, once; the pullback runs the backward pass.
    #[inline]
    pub fn vjp<'this>(
        this: &'this Layer,
    ) -> (f64, impl ::core::ops::FnOnce(f64) -> Grad + use<'this>) {
        let this_scale = ::backprop::__private::float_field(this.scale);
        let this_w = &this.w;
        let s0 = ::backprop::__private::tensor::mul(&this_w, &this_w);
        let s1 = ::backprop::__private::tensor::sum(&s0);
        let layer_penalty = s1 * this_scale;
        let s0 = ::backprop::__private::tensor::like(&s0);
        (
            layer_penalty,
            #[inline(always)]
            move |grad_layer_penalty: f64| {
                let grad_s1 = grad_layer_penalty * this_scale;
                let grad_this_scale = grad_layer_penalty * s1;
                let grad_s0 = ::backprop::__private::tensor::sum_back(&grad_s1, &s0);
                let mut grad_this_w = ::backprop::__private::tensor::sum_to(
                    ::backprop::__private::tensor::mul(&grad_s0, &this_w),
                    &this_w,
                );
                ::backprop::__private::accumulate(
                    &mut grad_this_w,
                    ::backprop::__private::tensor::sum_to(
                        ::backprop::__private::tensor::mul(&grad_s0, &this_w),
                        &this_w,
                    ),
                );
                Grad {
                    this: {
                        let mut grad = ::backprop::__private::empty_grad(this);
                        grad.scale = grad_this_scale;
                        grad.w = ::backprop::__private::tensor::standard(grad_this_w);
                        ::backprop::__private::fill_zeros(this, &mut grad);
                        grad
                    },
                }
            },
        )
    }
    #[doc(hidden)]
    #[inline]
    pub fn __vjp<'this>(
        this: &'this Layer,
    ) -> (
        f64,
        impl ::core::ops::FnOnce(
            f64,
        ) -> (<Layer as ::backprop::__private::Differentiable>::Grad,) + use<'this>,
    ) {
        let (value, pullback) = vjp(this);
        (
            value,
            move |upstream: f64| {
                let grad = pullback(upstream);
                (grad.this,)
            },
        )
    }
    /// The pullback at these arguments, whose value the caller has: the forward pass
    /// runs again (its pullback needs the values it computes).
    #[doc(hidden)]
    #[inline]
    pub fn __pullback_at<'this>(
        this: &'this Layer,
        _: f64,
    ) -> impl ::core::ops::FnOnce(
        f64,
    ) -> (<Layer as ::backprop::__private::Differentiable>::Grad,) + use<'this> {
        __vjp(this).1
    }
    /// The value and a pullback owning copies of the sequences passed by reference: what
    /// a caller whose argument borrows its own local calls.
    #[doc(hidden)]
    #[inline]
    pub fn __vjp_owned<'this>(
        this: &'this Layer,
    ) -> (
        f64,
        impl ::core::ops::FnOnce(
            f64,
        ) -> (<Layer as ::backprop::__private::Differentiable>::Grad,) + use<'this>,
    ) {
        __vjp(this)
    }
    #[doc(hidden)]
    pub const __DIFFERENTIABLE: &[bool] = &[true];
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`layer_penalty::jvp` is not generated: write `#[differentiate(reverse, forward)]` on `Layer::penalty`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvp<'__stub, 'this>(
        this: &'this Layer,
        dot_this: &<Layer as ::backprop::__private::Differentiable>::Grad,
    ) -> (f64, f64)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`layer_penalty::jvps` is not generated: write `#[differentiate(reverse, forward)]` on `Layer::penalty`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvps_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn jvps<'__stub, 'this, const LANES: usize>(
        this: &'this Layer,
        dot_this: [&<Layer as ::backprop::__private::Differentiable>::Grad; LANES],
    ) -> (f64, [f64; LANES])
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvps_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`layer_penalty::hvp` is not generated: write `#[differentiate(hessian)]` on `Layer::penalty`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __hvp_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn hvp<'__stub, 'this>(
        this: &'this Layer,
        dot_this: &<Layer as ::backprop::__private::Differentiable>::Grad,
    ) -> (f64, Grad, Grad)
    where
        ::backprop::__private::NotGenerated<'__stub>: __hvp_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`layer_penalty::hessian` is not generated: write `#[differentiate(hessian)]` on `Layer::penalty`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __hessian_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn hessian<'__stub, 'this>(
        this: &'this Layer,
    ) -> (f64, Grad, ::std::vec::Vec<Grad>)
    where
        ::backprop::__private::NotGenerated<'__stub>: __hessian_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`Layer::penalty` is called from a function differentiated in forward mode: write `#[differentiate(reverse, forward)]` on `Layer::penalty` (`hessian` if the caller has `hessian`)",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __jvp_of_callee_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn __jvp<'__stub, 'this, __T0>(this: &'this Layer, _: __T0) -> (f64, f64)
    where
        ::backprop::__private::NotGenerated<'__stub>: __jvp_of_callee_is_not_generated,
    {
        ::backprop::__private::not_generated()
    }
    #[doc(hidden)]
    #[diagnostic::on_unimplemented(
        message = "`Layer::penalty` is called from a function differentiated twice (`hessian`): write `#[differentiate(hessian)]` on `Layer::penalty`",
        label = "not generated by `#[differentiate]`"
    )]
    pub trait __fob_of_callee_is_not_generated {}
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn __fob<'__stub, 'this, __T0>(
        this: &'this Layer,
        _: __T0,
    ) -> (
        f64,
        f64,
        fn(
            f64,
            f64,
        ) -> (
            (<Layer as ::backprop::__private::Differentiable>::Grad,),
            (<Layer as ::backprop::__private::Differentiable>::Grad,),
        ),
    )
    where
        ::backprop::__private::NotGenerated<'__stub>: __fob_of_callee_is_not_generated,
    {
        (
            ::backprop::__private::not_generated(),
            ::backprop::__private::not_generated(),
            |
                _: f64,
                _: f64,
            | -> (
                (<Layer as ::backprop::__private::Differentiable>::Grad,),
                (<Layer as ::backprop::__private::Differentiable>::Grad,),
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
        pub fn __vjp<'this>(
            self,
            this: &'this Layer,
        ) -> (
            f64,
            impl ::core::ops::FnOnce(
                f64,
            ) -> (<Layer as ::backprop::__private::Differentiable>::Grad,) + use<'this>,
        ) {
            __vjp(this)
        }
        #[inline(always)]
        pub fn __pullback_at<'this>(
            self,
            this: &'this Layer,
            __arg1: f64,
        ) -> impl ::core::ops::FnOnce(
            f64,
        ) -> (<Layer as ::backprop::__private::Differentiable>::Grad,) + use<'this> {
            __pullback_at(this, __arg1)
        }
        #[inline(always)]
        pub fn __vjp_owned<'this>(
            self,
            this: &'this Layer,
        ) -> (
            f64,
            impl ::core::ops::FnOnce(
                f64,
            ) -> (<Layer as ::backprop::__private::Differentiable>::Grad,) + use<'this>,
        ) {
            __vjp_owned(this)
        }
        #[inline(always)]
        pub fn __jvp<'__stub, 'this, __T0>(
            self,
            this: &'this Layer,
            __arg1: __T0,
        ) -> (f64, f64)
        where
            ::backprop::__private::NotGenerated<
                '__stub,
            >: __jvp_of_callee_is_not_generated,
        {
            __jvp(this, __arg1)
        }
        #[inline(always)]
        pub fn __fob<'__stub, 'this, __T0>(
            self,
            this: &'this Layer,
            __arg1: __T0,
        ) -> (
            f64,
            f64,
            fn(
                f64,
                f64,
            ) -> (
                (<Layer as ::backprop::__private::Differentiable>::Grad,),
                (<Layer as ::backprop::__private::Differentiable>::Grad,),
            ),
        )
        where
            ::backprop::__private::NotGenerated<
                '__stub,
            >: __fob_of_callee_is_not_generated,
        {
            __fob(this, __arg1)
        }
    }
}
