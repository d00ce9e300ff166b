//! A loop over a span walking offsets into slices of the sequences it indexes: a reverse
//! loop ([`crate::reverse::views`]), or a loop of the forward pass that only computes values
//! ([`crate::reverse::forward_views`]). The slices are made once before it, every element
//! access through them printed as `grad_l_span[r_offset]`.

use super::*;
use crate::reverse::View;

/// The slices of one loop, made before it ([`Emit::spans`], [`Emit::forward_spans`]).
pub(super) struct Spans {
    /// `let (r_first, r_len) = range_r.first_len();`
    pub head: TokenStream,
    /// `let grad_l_span = &mut grad_l[li - r_len..][..r_len];`, one per slice.
    pub slices: TokenStream,
    /// `(0..r_len).rev()` or `0..r_len`.
    pub iter: TokenStream,
    /// The loop's variable: the offset.
    pub offset: Ident,
    /// `let r = range_r.at(r_offset);`, at the top of the body, if it reads `r` elsewhere.
    pub index: TokenStream,
    /// `r_len > 0`: the slices are made only when the loop runs (an empty loop's first
    /// index, or its counter, may be past the end).
    pub runs: TokenStream,
    count: usize,
}

/// A sequence reached through a slice in the loop being printed.
struct Sliced {
    var: VarId,
    adjoint: bool,
    /// The row it is sliced in, as written ([`crate::reverse::At::prefix_text`]).
    prefix: String,
    /// The indices it is reached at, as written, each with its place in the window.
    texts: Vec<(String, usize)>,
    name: Ident,
    offset: Ident,
}

thread_local! {
    /// The slices of the loops being printed, innermost last.
    static SLICED: std::cell::RefCell<Vec<Sliced>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `grad_l[li]` as `grad_l_span[r_offset]` inside a loop that sliced `grad_l` at `li`
/// (`grad_x[i + 1]` as `grad_x_span[i_offset + 1]` in a window of two).
pub(super) fn sliced(v: VarId, i: &Index, adjoint: bool) -> Option<TokenStream> {
    let (k, rows) = i.0.split_last()?;
    SLICED.with(|s| {
        let s = s.borrow();
        let s = s
            .iter()
            .rev()
            .find(|s| s.var == v && s.adjoint == adjoint)?;
        let prefix = Index(rows.to_vec(), i.1.clone());
        if prefix.to_token_stream().to_string() != s.prefix {
            return None;
        }
        let text = k.expr.to_token_stream().to_string();
        let (_, at) = s.texts.iter().find(|(t, _)| *t == text)?;
        let (name, offset) = (&s.name, &s.offset);
        Some(match at {
            0 => quote!(#name[#offset]),
            n => {
                let n = proc_macro2::Literal::usize_unsuffixed(*n);
                quote!(#name[#offset + #n])
            }
        })
    })
}

/// Whether `e` needs no parentheses after `+` or `-`: a name, a literal, a field, a call
/// or an index, or a product or quotient (`c * d`).
fn tight(e: &syn::Expr) -> bool {
    use syn::Expr::*;
    match e {
        Path(_) | Lit(_) | Field(_) | MethodCall(_) | Call(_) | Index(_) | Paren(_) => true,
        Binary(b) => matches!(b.op, syn::BinOp::Mul(_) | syn::BinOp::Div(_)),
        _ => false,
    }
}

impl Emit<'_> {
    /// The slices of a reverse loop over a span, its index `var`, registered for the
    /// printing of its body; `None` if it reaches no sequence only at its index or at a
    /// counter ([`crate::reverse::views`]), or replays only some iterations.
    pub(super) fn spans(
        &self,
        var: Option<VarId>,
        replay: &Replay,
        body: &[B],
        terms: &[E],
    ) -> Option<Spans> {
        let (Some(index), Replay::Rev(range) | Replay::Forward(range)) = (var, replay) else {
            return None;
        };
        let (range, reversed) = (*range, matches!(replay, Replay::Rev(_)));
        if !self.a.spans.contains(&index) || self.lanes || self.fob {
            return None;
        }
        let views = crate::reverse::views(&self.f.vars, index, body, terms, reversed);
        if views.views.is_empty() {
            return None;
        }
        let range = self.ident(range).to_token_stream();
        Some(self.slices(index, &range, views, reversed, false))
    }

    /// The slices of a loop of the forward pass over a span, its index `index` and its range
    /// bound to `range`, registered for the printing of its body
    /// ([`crate::reverse::forward_views`]): in the pass that records (not in forward over
    /// reverse, nor forward mode, whose tangents the slices would not cover). With the
    /// positions of the definitions that move before the loop.
    pub(super) fn forward_spans(
        &self,
        index: VarId,
        range: &Ident,
        body: &Block,
    ) -> Option<(Spans, Vec<usize>)> {
        if !self.records || self.fob || self.lanes || !self.a.spans.contains(&index) {
            return None;
        }
        // Saved at the end of each iteration: numbers and flags, copied (a sequence saved
        // whole is not borrowed by a slice).
        let saves = self.a.block_saves.get(&body.scope).into_iter().flatten();
        let copied =
            |v: &VarId| matches!(self.f.vars[*v].kind, Kind::Float | Kind::Int | Kind::Bool);
        if !saves.clone().all(copied) {
            return None;
        }
        let (mut views, fixed) = crate::reverse::forward_views(&self.f.vars, index, &body.stmts)?;
        // An index saved at the end of each iteration is read there.
        views.index_read |= saves.into_iter().any(|&v| v == index);
        let range = range.to_token_stream();
        Some((self.slices(index, &range, views, false, true), fixed))
    }

    /// A loop of the forward pass over a span whose body only computes values, printed over
    /// the offsets into slices of the sequences it indexes, made once before it, with the
    /// definitions computed from nothing it changes before it too ([`Emit::forward_spans`]);
    /// `None` for any other loop.
    pub(super) fn forward_span_loop(
        &self,
        head: &LoopHead,
        body: &Block,
        chain: &mut Vec<ScopeId>,
    ) -> Option<TokenStream> {
        let LoopHead::Range {
            var: Some(v),
            steps,
        } = head
        else {
            return None;
        };
        let control = self.a.control.get(&body.scope).filter(|_| self.records);
        let picks = self.a.picks.contains_key(&body.scope) && self.records;
        if picks || control.is_some_and(|c| c.count.is_some()) {
            return None;
        }
        let recorded = control.and_then(|c| c.range);
        let range = match recorded {
            Some(r) => self.ident(r).clone(),
            None => self.free_ident(format!("range_{}", self.ident(*v))),
        };
        let (spans, fixed) = self.forward_spans(*v, &range, body)?;
        let (pre, inner) = self.block_split(body, chain, &fixed);
        self.spans_done(&spans);
        let s = &steps.expr;
        let reserve = match recorded {
            Some(_) => self.reserve_stacks(body, &range),
            None => TokenStream::new(),
        };
        let Spans {
            head,
            runs,
            slices,
            iter,
            offset,
            index,
            ..
        } = &spans;
        Some(quote!(
            let #range = #s;
            #reserve
            { #head if #runs { #slices #pre for #offset in #iter { #index #inner } } }
        ))
    }

    /// The slices of a loop over the span `range` with index `index`: from its first index,
    /// or from a counter (the counter's value before the loop going `forward`, after it
    /// otherwise).
    fn slices(
        &self,
        index: VarId,
        range: &TokenStream,
        views: crate::reverse::Views,
        reversed: bool,
        forward: bool,
    ) -> Spans {
        let crate::reverse::Views { views, index_read } = views;
        let r = self.ident(index);
        let offset = self.free_ident(format!("{r}_offset"));
        let len = self.free_ident(format!("{r}_len"));
        let first = self.free_ident(format!("{r}_first"));
        let head = quote!(let (#first, #len) = #range.first_len(););
        let mut slices = TokenStream::new();
        for View {
            var,
            adjoint,
            at,
            lo,
            hi,
            texts,
            write,
        } in &views
        {
            let id = match adjoint {
                true => self.adj(*var),
                false => self.ident(*var).clone(),
            };
            // The row the slice is in: `grad_w[o]`, `grad_layers_w[o]` in a loop that bound
            // the element's field, `grad_net.w`.
            let prefix = &at.prefix;
            let row = match prefix.0.is_empty() && prefix.1.is_empty() {
                true => id.to_token_stream(),
                false => super::rebound::rebound_row(*var, prefix, *adjoint)
                    .unwrap_or_else(|| quote!(#id #prefix)),
            };
            let fields = prefix
                .1
                .iter()
                .map(|(_, m)| format!("_{}", m.to_token_stream()));
            let sliced = self.free_ident(format!("{id}{}_span", fields.collect::<String>()));
            let (start, length) = self.bounds(at, (*lo, *hi), (index, forward), &first, &len);
            slices.extend(match write {
                true => quote!(let #sliced = &mut #row[#start..][..#length];),
                false => quote!(let #sliced = &#row[#start..][..#length];),
            });
            SLICED.with(|s| {
                s.borrow_mut().push(Sliced {
                    var: *var,
                    adjoint: *adjoint,
                    prefix: at.prefix_text(),
                    texts: texts
                        .iter()
                        .map(|(text, k)| (text.clone(), (k - lo) as usize))
                        .collect(),
                    name: sliced,
                    offset: offset.clone(),
                })
            });
        }
        Spans {
            head,
            slices,
            iter: match reversed {
                true => quote!((0..#len).rev()),
                false => quote!(0..#len),
            },
            index: match index_read {
                true => quote!(let #r = #range.at(#offset);),
                false => TokenStream::new(),
            },
            runs: quote!(#len > 0),
            offset,
            count: views.len(),
        }
    }

    /// Where a slice starts and how long it is: from the loop's first index (or the counter,
    /// less the length after a reverse loop), plus or minus the offset, from the least
    /// literal offset to the greatest.
    fn bounds(
        &self,
        at: &crate::reverse::At,
        (lo, hi): (i64, i64),
        (index, forward): (VarId, bool),
        first: &Ident,
        len: &Ident,
    ) -> (TokenStream, TokenStream) {
        let base = match at.at == index {
            true => first.to_token_stream(),
            false if forward => self.ident(at.at).to_token_stream(),
            false => {
                let counter = self.ident(at.at);
                quote!(#counter - #len)
            }
        };
        let start = match &at.offset {
            None => base,
            Some((add, e)) => {
                let e = match tight(e) {
                    true => e.to_token_stream(),
                    false => quote!((#e)),
                };
                match add {
                    true => quote!(#base + #e),
                    false => quote!(#base - #e),
                }
            }
        };
        // The window of literal offsets: from the least, one element longer per step.
        let number = |n: u64| proc_macro2::Literal::u64_unsuffixed(n);
        let start = match lo {
            0 => start,
            n if n > 0 => {
                let n = number(n.unsigned_abs());
                quote!(#start + #n)
            }
            n => {
                let n = number(n.unsigned_abs());
                quote!(#start - #n)
            }
        };
        let length = match (hi - lo).unsigned_abs() {
            0 => len.to_token_stream(),
            n => {
                let n = number(n);
                quote!(#len + #n)
            }
        };
        (start, length)
    }

    /// The loop's slices printed: no longer registered.
    pub(super) fn spans_done(&self, spans: &Spans) {
        SLICED.with(|s| {
            let mut s = s.borrow_mut();
            let kept = s.len() - spans.count;
            s.truncate(kept);
        });
    }
}
