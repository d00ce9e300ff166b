//! Methods that change a local sequence of floats in place (`swap`, `reverse`,
//! `rotate_left`, `rotate_right`, `fill`, `copy_from_slice`, `sort_by`, `retain`), as the
//! element writes or the copy they mean, each differentiated like any other.

use super::*;

/// The methods [`Lower::lower_rearranging`] writes out.
const REARRANGING: &[(&str, usize)] = &[
    ("swap", 2),
    ("reverse", 0),
    ("rotate_left", 1),
    ("rotate_right", 1),
    ("fill", 1),
    ("copy_from_slice", 1),
    ("sort_by", 1),
    ("sort_unstable_by", 1),
    ("retain", 1),
];

impl Lower<'_> {
    /// Whether `m` is one of [`REARRANGING`] on a local sequence of floats.
    pub(super) fn rearranges(&self, m: &syn::ExprMethodCall) -> bool {
        REARRANGING
            .iter()
            .any(|(name, args)| m.method == name && m.args.len() == *args)
            && (self.flat_local(&m.receiver)
                || m.method == "swap" && self.matrix_local(&m.receiver))
    }

    /// `m`, one of [`REARRANGING`], as the element writes it means.
    pub(super) fn lower_rearranging(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        match m.method.to_string().as_str() {
            "swap" => self.lower_swap(m, out),
            "reverse" => self.lower_reverse(m, out),
            "rotate_left" | "rotate_right" => self.lower_rotate(m, out),
            "fill" | "copy_from_slice" => self.lower_fill(m, out),
            "retain" => self.lower_retain(m, out),
            _ => self.lower_sort(m, out),
        }
    }

    /// `v.swap(i, j);`: the two element writes, through a temporary; of two rows of a
    /// matrix (`m.swap(i, j)` of a `Vec<Vec<f64>>`, a pivot's rows), those of each column,
    /// the rows of equal length.
    fn lower_swap(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let [i, j, t, c] = ["i", "j", "swapped", "c"]
            .map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let (v, a, b) = (&m.receiver, &m.args[0], &m.args[1]);
        let writes: syn::Block = match self.matrix_local(v) {
            false => syn::parse_quote_spanned!(m.span()=> {
                let #i: usize = #a;
                let #j: usize = #b;
                let #t = #v[#i];
                #v[#i] = #v[#j];
                #v[#j] = #t;
            }),
            true => syn::parse_quote_spanned!(m.span()=> {
                let #i: usize = #a;
                let #j: usize = #b;
                ::core::assert_eq!(
                    #v[#i].len(),
                    #v[#j].len(),
                    "#[differentiate] swaps rows of equal length (a matrix's), element by element",
                );
                for #c in 0..#v[#i].len() {
                    let #t = #v[#i][#c];
                    #v[#i][#c] = #v[#j][#c];
                    #v[#j][#c] = #t;
                }
            }),
        };
        self.lower_stmts(&writes.stmts, Sink::Discard, out, &[]);
    }

    /// `v.reverse();`: the swaps of its halves.
    fn lower_reverse(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let [n, k] = ["n", "k"].map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let v = &m.receiver;
        let swaps: syn::Block = syn::parse_quote_spanned!(m.span()=> {
            let #n: usize = #v.len();
            for #k in 0..#n / 2 {
                #v.swap(#k, #n - 1 - #k);
            }
        });
        self.lower_stmts(&swaps.stmts, Sink::Discard, out, &[]);
    }

    /// `v.rotate_left(k);`, `v.rotate_right(k);`: each element written from a copy, where
    /// it comes from.
    fn lower_rotate(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let [n, k, i, old] = ["n", "k", "i", "rotated"]
            .map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let (v, by) = (&m.receiver, &m.args[0]);
        let from = match m.method == "rotate_left" {
            true => quote!((#i + #k) % #n),
            false => quote!((#i + #n - #k) % #n),
        };
        let writes: syn::Block = syn::parse_quote_spanned!(m.span()=> {
            let #n: usize = #v.len();
            let #k: usize = #by;
            ::core::assert!(#k <= #n, "the rotation is longer than the sequence");
            let #old = #v.clone();
            for #i in 0..#n {
                #v[#i] = #old[#from];
            }
        });
        self.lower_stmts(&writes.stmts, Sink::Discard, out, &[]);
    }

    /// `v.retain(keep);` as `v = v.iter().copied().filter(keep).collect();`: the elements
    /// kept, in order, copied (the test takes `&f64` either way); each kept element's
    /// gradient goes back to where it was.
    fn lower_retain(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let (v, keep) = (&m.receiver, &m.args[0]);
        let kept: syn::Block = syn::parse_quote_spanned!(m.span()=> {
            #v = #v.iter().copied().filter(#keep).collect::<::std::vec::Vec<_>>();
        });
        self.lower_stmts(&kept.stmts, Sink::Discard, out, &[]);
    }

    /// `v.sort_by(cmp)` as `let order = sort_order(&v, cmp); let before = v.to_vec();
    /// for (k, &i) in order.iter().enumerate() { v[k] = before[i]; }`: the order is a
    /// constant (a stable sort of the indices by the user's comparison, evaluated as
    /// written: it decides only where each element goes), the rest the element writes it
    /// means, each element's gradient going back to where it came from.
    fn lower_sort(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let v = self.local_of(&m.receiver).expect("a local sequence");
        let private = self.private();
        let id = self.vars[v].ident.clone();
        let order_name = Ident::new(&self.names.syntax("order"), Span::mixed_site());
        let order = self.generated_var("order", Kind::Int, m.span());
        let compare = self.konst_with_closures(&m.args[0]);
        let mut reads = compare.reads.clone();
        reads.push(v);
        reads.sort_unstable();
        reads.dedup();
        let compare = &compare.expr;
        let value = self.konst_tokens(
            quote_spanned!(m.span()=> #private::sort_order(&#id, #compare)),
            &reads,
        );
        out.push(Stmt::Let {
            var: order,
            op: Op::Konst(value),
            span: m.span(),
        });
        self.bind(&order_name, order);
        let [k, i, before] =
            ["k", "i", "before"].map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let seq = &m.receiver;
        let writes: syn::Block = syn::parse_quote_spanned!(m.span()=> {
            let #before = #seq.to_vec();
            for (#k, &#i) in #order_name.iter().enumerate() {
                #seq[#k] = #before[#i];
            }
        });
        self.lower_stmts(&writes.stmts, Sink::Discard, out, &[]);
    }

    /// Whether `e` names a local sequence of floats (not nested, not a row of another).
    pub(super) fn flat_local(&self, e: &Expr) -> bool {
        self.local_of(e)
            .is_some_and(|v| self.kind(v) == Kind::Seq && self.depth(v) == 1 && !self.is_row(v))
    }

    /// Whether `e` names a local sequence of rows of floats (`Vec<Vec<f64>>`).
    fn matrix_local(&self, e: &Expr) -> bool {
        self.local_of(e)
            .is_some_and(|v| self.kind(v) == Kind::Seq && self.depth(v) == 2 && !self.is_row(v))
    }

    /// `v.fill(c);` as `let filled = c; for i in 0..v.len() { v[i] = filled; }`, and
    /// `v.copy_from_slice(&w);` as the same length check and `v[i] = w[i]` for each `i`.
    fn lower_fill(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let [i, filled] =
            ["i", "filled"].map(|n| Ident::new(&self.names.syntax(n), Span::mixed_site()));
        let (seq, arg) = (&m.receiver, &m.args[0]);
        let writes: syn::Block = if m.method == "fill" {
            syn::parse_quote_spanned!(m.span()=> {
                let #filled = #arg;
                for #i in 0..#seq.len() {
                    #seq[#i] = #filled;
                }
            })
        } else {
            let source = match strip(arg) {
                Expr::Reference(r) => &*r.expr,
                other => other,
            };
            syn::parse_quote_spanned!(m.span()=> {
                ::core::assert_eq!(#seq.len(), #source.len(), "source slice length does not match destination slice length");
                for #i in 0..#seq.len() {
                    #seq[#i] = #source[#i];
                }
            })
        };
        self.lower_stmts(&writes.stmts, Sink::Discard, out, &[]);
    }
}
