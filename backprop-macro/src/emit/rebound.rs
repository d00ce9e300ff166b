//! The fields of struct elements a reverse loop's body reaches only at the loop's index,
//! bound to names once at its top (`let grad_layers_w: &mut [_] = &mut
//! grad_layers_at.w;`), and every access through them printed by those names.

use super::*;

impl Emit<'_> {
    /// At the top of a reverse loop's body, the fields of struct elements' gradients it
    /// reaches only at the loop's index, bound once ([`crate::reverse::element_adjoints`]):
    /// `let grad_layers_at = &mut grad_layers[index]; let grad_layers_w: &mut [_] = &mut
    /// grad_layers_at.w;`. Registers them for the printing of the body; `None` if there are
    /// none.
    pub(super) fn bind_element_adjoints(
        &self,
        index: VarId,
        body: &[B],
    ) -> Option<(TokenStream, usize)> {
        // Fields in an element's index come only from struct parameters (sequences of
        // structs, or structs holding them).
        let structs = self
            .f
            .params
            .iter()
            .any(|p| matches!(p.form, ParamForm::Struct(_)));
        if self.fob || self.lanes || !structs {
            return None;
        }
        // Only over the sequence's own indices (`for layer in layers`, `for l in
        // 0..layers.len()`): the binding runs whether the body reaches the element or not.
        let range = self.range_text(index)?;
        let covers = |(v, _): &(VarId, _)| self.walks_indices_of(&range, *v);
        let mut found = crate::reverse::element_adjoints(&self.f.vars, index, body);
        let mut reads = crate::reverse::element_reads(&self.f.vars, index, body);
        found.retain(covers);
        reads.retain(covers);
        if found.is_empty() && reads.is_empty() {
            return None;
        }
        let at = self.ident(index);
        let mut tokens = TokenStream::new();
        let mut count = 0;
        for (v, fields) in found {
            let adj = self.adj(v);
            let element = self.free_ident(format!("{adj}_at"));
            tokens.extend(quote!(let #element = &mut #adj[#at];));
            for (member, scalar) in fields {
                let name = self.free_ident(format!("{adj}_{}", member.to_token_stream()));
                tokens.extend(match scalar {
                    true => quote!(let #name = &mut #element.#member;),
                    false => quote!(let #name: &mut [_] = &mut #element.#member;),
                });
                register(v, index, (member, name, scalar), true);
                count += 1;
            }
        }
        // The parameters' fields read there: shared borrows.
        for (v, fields) in reads {
            let id = self.ident(v);
            for (member, scalar) in fields {
                let name = self.free_ident(format!("{id}_{}", member.to_token_stream()));
                tokens.extend(match scalar {
                    true => quote!(let #name = &#id[#at].#member;),
                    false => quote!(let #name: &[_] = &#id[#at].#member;),
                });
                register(v, index, (member, name, scalar), false);
                count += 1;
            }
        }
        Some((tokens, count))
    }

    /// The range of the loop over `index` as written, without spaces (`0..layers.len()`).
    fn range_text(&self, index: VarId) -> Option<String> {
        let mut text = None;
        crate::analysis::walk(&self.f.body, &mut |stmt, _| {
            if let Stmt::Loop {
                head:
                    LoopHead::Range {
                        var: Some(var),
                        steps,
                    },
                ..
            } = stmt
                && *var == index
            {
                let tokens = steps.expr.to_token_stream().to_string();
                text = Some(tokens.chars().filter(|c| !c.is_whitespace()).collect());
            }
        });
        text
    }

    /// Whether a loop whose range is `range` runs over indices of the sequence `v` only:
    /// `0..v.len()` (reversed or stepped too), `v` by its name or by the field chain it was
    /// read from (`m.layers`).
    fn walks_indices_of(&self, range: &str, v: VarId) -> bool {
        let chain = self.f.body.stmts.iter().find_map(|stmt| match stmt {
            Stmt::Let {
                var,
                op: Op::Field(read),
                ..
            } if *var == v => Some(format!("{}{}", self.ident(read.root), read.path_tokens())),
            _ => None,
        });
        std::iter::once(self.ident(v).to_string())
            .chain(chain)
            .any(|name| {
                let len: String = format!("0..{name}.len()")
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                range == len || range.contains(&format!("({len})"))
            })
    }
}

/// A field of a struct element's gradient bound to a name in a reverse loop's body (see
/// [`Emit::bind_element_adjoints`]).
struct Rebound {
    var: VarId,
    index: VarId,
    member: syn::Member,
    name: Ident,
    scalar: bool,
    /// The gradient's field (`&mut`), or the parameter's (a shared borrow).
    adjoint: bool,
}

thread_local! {
    /// The bindings of the reverse loops being printed, innermost last.
    static REBOUND: std::cell::RefCell<Vec<Rebound>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A field of `v`'s element at `index` (of its gradient, with `adjoint`) bound to `name`,
/// for the printing of the loop's body.
fn register(
    v: VarId,
    index: VarId,
    (member, name, scalar): (syn::Member, Ident, bool),
    adjoint: bool,
) {
    let bound = Rebound {
        var: v,
        index,
        member,
        name,
        scalar,
        adjoint,
    };
    REBOUND.with(|r| r.borrow_mut().push(bound));
}

/// The bindings of the loop just printed (`count` of them): no longer registered.
pub(super) fn unbind(count: usize) {
    REBOUND.with(|r| {
        let mut r = r.borrow_mut();
        let kept = r.len() - count;
        r.truncate(kept);
    });
}

/// `grad_layers[index].w[k]` as `grad_layers_w[k]`, `grad_layers[index].b` as
/// `(*grad_layers_b)`, inside a loop that bound them.
pub(crate) fn rebound(v: VarId, i: &Index, adjoint: bool) -> Option<TokenStream> {
    if let Some(sliced) = super::views::sliced(v, i, adjoint) {
        return Some(sliced);
    }
    bound_field(v, i, adjoint, false)
}

/// The row of a slice ([`super::views`]) through a bound field: `grad_layers[index].w[o]`
/// as `grad_layers_w[o]`, and `grad_layers[index].w` as `grad_layers_w`, itself a slice.
pub(super) fn rebound_row(v: VarId, row: &Index, adjoint: bool) -> Option<TokenStream> {
    bound_field(v, row, adjoint, true)
}

fn bound_field(v: VarId, i: &Index, adjoint: bool, row: bool) -> Option<TokenStream> {
    let (first, rest) = i.0.split_first()?;
    let [(1, member)] = i.1.as_slice() else {
        return None;
    };
    REBOUND.with(|r| {
        r.borrow()
            .iter()
            .rev()
            .find(|b| {
                b.var == v
                    && b.adjoint == adjoint
                    && b.member == *member
                    && first.reads == [b.index]
                    && (b.scalar == rest.is_empty() || row && !b.scalar)
            })
            .map(|b| {
                let name = &b.name;
                match b.scalar {
                    true => quote!((*#name)),
                    false => {
                        let rest = rest.iter().map(|k| &k.expr);
                        quote!(#name #([#rest])*)
                    }
                }
            })
    })
}
