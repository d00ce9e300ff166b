#[derive(Clone)]
pub struct Rows {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}
///The gradient of [`Rows`], written by `#[derive(Differentiable)]`: one field per differentiable field of `Rows`, same name, holding that field's gradient (integer, `bool` and `#[differentiable(constant)]` fields have none).
#[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
pub struct RowsGrad {
    ///The gradient with respect to `w`.
    pub w: <Vec<Vec<f64>> as ::backprop::__private::Differentiable>::Grad,
    ///The gradient with respect to `b`.
    pub b: Vec<f64>,
}
impl ::backprop::__private::Differentiable for Rows {
    type Grad = RowsGrad;
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
        RowsGrad {
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
impl ::backprop::__private::GradOf for Rows {
    type Grad = RowsGrad;
}
impl ::backprop::__private::ZerosLike for Rows {
    type Grad = RowsGrad;
    #[inline]
    fn zeros_like(&self) -> Self::Grad {
        RowsGrad {
            w: ::backprop::__private::ZerosLike::zeros_like(&self.w),
            b: ::backprop::__private::ZerosLike::zeros_like(&self.b),
        }
    }
}
impl ::backprop::__private::ZerosLike for RowsGrad {
    type Grad = Self;
    #[inline]
    fn zeros_like(&self) -> Self {
        RowsGrad {
            w: ::backprop::__private::ZerosLike::zeros_like(&self.w),
            b: ::backprop::__private::ZerosLike::zeros_like(&self.b),
        }
    }
}
impl ::backprop::__private::Accumulate for RowsGrad {
    #[inline]
    fn accumulate(&mut self, rhs: Self) {
        ::backprop::__private::Accumulate::accumulate(&mut self.w, rhs.w);
        ::backprop::__private::Accumulate::accumulate(&mut self.b, rhs.b);
    }
}
impl ::backprop::__private::ToTangent<RowsGrad> for RowsGrad {
    #[inline]
    fn to_tangent(&self) -> Self {
        ::core::clone::Clone::clone(self)
    }
}
impl ::backprop::__private::SeqItem for Rows {}
impl ::backprop::__private::SameShape for Rows {
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
impl ::backprop::__private::SeqItem for RowsGrad {}
impl ::backprop::__private::GradOf for RowsGrad {
    type Grad = Self;
}
impl ::backprop::__private::SameShape for RowsGrad {
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
impl ::backprop::__private::Discard for RowsGrad {}
impl ::backprop::__private::Elements for RowsGrad {
    type Elem = <<Vec<
        Vec<f64>,
    > as ::backprop::__private::Differentiable>::Grad as ::backprop::__private::Elements>::Elem;
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
        ::core::panic!("element {} is past the end of a {}", i, "`RowsGrad`")
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
        ::core::panic!("element {} is past the end of a {}", i, "`RowsGrad`")
    }
}
impl Rows {
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| {
                (row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b).tanh()
            })
            .collect()
    }
}
pub fn network(layers: &[Rows], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        h = layer.forward(&h);
    }
    h.iter().map(|v| v * v).sum()
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
        pub layers: <[Rows] as ::backprop::__private::Differentiable>::Grad,
        ///∂network/∂x: the gradient with respect to `x`.
        pub x: ::std::vec::Vec<f64>,
    }
    ///`network`'s value and its gradient (upstream gradient 1).
    #[inline]
    pub fn grad<'layers, 'x>(layers: &'layers [Rows], x: &'x [f64]) -> (f64, Grad) {
        let (value, pullback) = vjp(layers, x);
        (value, pullback(1.0))
    }
    ///`network`'s value and its pullback: the pullback maps an upstream gradient of the value to the gradient of every differentiable parameter (a vector-Jacobian product). The forward pass runs here, once; the pullback runs the backward pass.
    #[inline]
    pub fn vjp<'layers, 'x>(
        layers: &'layers [Rows],
        x: &'x [f64],
    ) -> (f64, impl ::core::ops::FnOnce(f64) -> Grad + use<'layers, 'x>) {
        let mut h_stack = ::backprop::__private::Stack::new();
        let mut pullback_s0_stack = ::backprop::__private::Stack::new();
        let mut v_stack = ::backprop::__private::Stack::new();
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
        let s1;
        let mut total = -0.0;
        let range_i = ::backprop::__private::steps(0..h.len());
        v_stack.reserve(::core::iter::ExactSizeIterator::len(&range_i));
        for i in range_i {
            let v = h[i];
            let mapped = v * v;
            total = total + mapped;
            v_stack.push_reserved(v);
        }
        s1 = total;
        (
            s1,
            #[inline(always)]
            move |grad_s1: f64| {
                let (layers, x) = (layers, x);
                let mut grad_layers = ::backprop::__private::zeros_like(&layers);
                let mut grad_x = ::backprop::__private::zeros_like(&x);
                let mut grad_h = ::backprop::__private::zeros_like(&h);
                let mut grad_total = 0.0;
                grad_total += grad_s1;
                {
                    let (i_first, i_len) = range_i.first_len();
                    if i_len > 0 {
                        let grad_h_span = &mut grad_h[i_first..][..i_len];
                        for i_offset in (0..i_len).rev() {
                            let v = v_stack.pop();
                            let grad_mapped = grad_total;
                            let grad_v = grad_mapped * (2.0 * v);
                            grad_h_span[i_offset] += grad_v;
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
        layers: &'layers [Rows],
        x: &'x [f64],
    ) -> (
        f64,
        impl ::core::ops::FnOnce(
            f64,
        ) -> (
                <[Rows] as ::backprop::__private::Differentiable>::Grad,
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
        layers: &'layers [Rows],
        x: &'x [f64],
        _: f64,
    ) -> impl ::core::ops::FnOnce(
        f64,
    ) -> (
            <[Rows] as ::backprop::__private::Differentiable>::Grad,
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
        layers: &'layers [Rows],
        x: &'x [f64],
        dot_layers: &<[Rows] as ::backprop::__private::Differentiable>::Grad,
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
        layers: &'layers [Rows],
        x: &'x [f64],
        dot_layers: [&<[Rows] as ::backprop::__private::Differentiable>::Grad; LANES],
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
        layers: &'layers [Rows],
        x: &'x [f64],
        dot_layers: &<[Rows] as ::backprop::__private::Differentiable>::Grad,
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
        layers: &'layers [Rows],
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
        layers: &'layers [Rows],
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
