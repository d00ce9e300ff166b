//! A local sequence of small `Copy` structs, as one sequence per field (a struct of
//! arrays): `let pts: Vec<V2> = x.chunks(2).map(|c| V2 { x: c[0], y: c[1] }).collect();` is
//! `let pts_x: Vec<f64> = x.chunks(2).map(|c| c[0]).collect();` and `pts_y` the same, each a
//! sequence of floats the rest of the macro differentiates. The struct is declared in the
//! file, derives `Copy`, and its fields are named numbers. A sequence of tuples of numbers
//! whose type is written (`let pairs: Vec<(f64, f64)> = ..`) is held the same way, one
//! sequence per element (`pairs_0`, `pairs_1`), its walks' patterns taking the pair apart
//! (`for &(a, b) in &pairs`: `a` is `pairs_0[i]`). A walk that binds the element (or an
//! element of the pair) `mut` copies it at the top of its body (`let mut p = p_element;`).
//!
//! The sequence is made by `Vec::new()` or `Vec::with_capacity(n)` (then `push`), by
//! `vec![V2 { .. }; n]` or `vec![V2 { .. }, ..]`, by a chain ending in `.map(|..| ..)
//! .collect()` whose closure gives the struct, or as a copy of a parameter's
//! (`init.to_vec()`, `init.iter().copied().collect()` of `init: &[V2]`; of a struct with a
//! gradient too, `Copy` or not, each field's copy then carrying the parameter's
//! derivatives); an array of them (`[V2 { .. }; 3]`, `[a, b]`) is one array per field. Its uses: `pts[i].x` (read or written),
//! `pts[i]` (the struct written out from its fields, `V2 { x: pts_x[i], y: pts_y[i] }`, for
//! its operators and methods), `pts[i] = v;`, `pts.push(v);`, `pts.len()`,
//! `pts.is_empty()`; `for` loops over `pts`, `&pts`, `&mut pts`, `pts.iter()`,
//! `pts.iter_mut()`, `pts.into_iter()` (each `enumerate`d, or `zip`ped with another walk, or
//! neither; or as the argument of another walk's `zip`) and `pts.windows(k)` (then `rev`, `skip`, `take`, `step_by`), and chains that start with the same
//! walks and take the element in their first closures (`filter`, then `map`, `for_each` or
//! `fold`): an index loop over the fields, the element read through its index. A sequence
//! used any other way (passed to a function, returned, borrowed whole, named again) is left
//! as written.

use super::*;

mod made;
mod walks;
use made::literal_fields;
pub(super) use made::struct_named;

/// Whether it split one.
pub(super) fn desugar(
    block: &mut syn::Block,
    sig: &syn::Signature,
    taken: &mut HashSet<String>,
) -> bool {
    let caller = &sig.ident;
    let mut blocks = Blocks {
        caller,
        sig,
        taken,
        split: false,
    };
    blocks.visit_block_mut(block);
    blocks.split
}

struct Blocks<'a> {
    caller: &'a Ident,
    /// The function's signature: the struct a parameter's elements are (`init: &[State]`).
    sig: &'a syn::Signature,
    taken: &'a mut HashSet<String>,
    split: bool,
}

impl VisitMut for Blocks<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let mut i = 0;
        while i < block.stmts.len() {
            if let Some((seq, lets)) = self.split(&block.stmts[i], &block.stmts[i + 1..]) {
                let mut rest: Vec<syn::Stmt> = block.stmts[i + 1..].to_vec();
                let mut uses = Uses {
                    seq: &seq,
                    taken: self.taken,
                    elements: Vec::new(),
                    destructure: None,
                    copies: Vec::new(),
                    failed: false,
                };
                for stmt in &mut rest {
                    uses.visit_stmt_mut(stmt);
                }
                if !uses.failed {
                    self.split = true;
                    let n = lets.len();
                    block.stmts.truncate(i);
                    block.stmts.extend(lets);
                    block.stmts.extend(rest);
                    i += n;
                    continue;
                }
            }
            i += 1;
        }
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A sequence of structs (or tuples) held as one sequence per field.
struct Seq {
    name: Ident,
    /// The struct's name; `None` for a tuple.
    path: Option<Ident>,
    /// The differentiated function, whose module declares the struct.
    caller: String,
    /// Each field's name (`x`, or `0` of a tuple) and its sequence.
    fields: Vec<(syn::Member, Ident)>,
}

impl Seq {
    /// The struct (tuple) at `index`, written out from its fields.
    fn element(&self, index: &Expr) -> Expr {
        let (keys, seqs): (Vec<&syn::Member>, Vec<&Ident>) =
            self.fields.iter().map(|(k, s)| (k, s)).unzip();
        match &self.path {
            Some(path) => {
                syn::parse_quote_spanned!(self.name.span()=> #path { #(#keys: #seqs[#index]),* })
            }
            None => syn::parse_quote_spanned!(self.name.span()=> (#(#seqs[#index],)*)),
        }
    }

    fn field(&self, member: &syn::Member) -> Option<&Ident> {
        self.fields
            .iter()
            .find(|(k, _)| k == member)
            .map(|(_, s)| s)
    }

    fn len(&self) -> Expr {
        let first = &self.fields[0].1;
        syn::parse_quote!(#first.len())
    }

    /// `value` written into the fields by `store` (`pts_x[i] = ..`, `pts_x.push(..)`): a
    /// struct literal's fields directly, any other value (or one that reads the sequence)
    /// through a local.
    fn store(
        &self,
        value: &Expr,
        taken: &mut HashSet<String>,
        store: impl Fn(&Ident, Expr) -> syn::Stmt,
    ) -> Expr {
        // Written field by field only where no value reads the sequences (`pts[i] = V2 {
        // x: pts[i].y, y: pts[i].x }` reads each before either is written).
        let mut read = HashSet::new();
        collect_idents(value.to_token_stream(), &mut read);
        let reads_fields = self
            .fields
            .iter()
            .any(|(_, s)| read.contains(&s.to_string()));
        let values = literal_fields(value, self.path.as_ref()).filter(|_| !reads_fields);
        let in_order = values.and_then(|values| {
            let of = |k: &syn::Member| values.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
            self.fields
                .iter()
                .map(|(k, s)| Some(store(s, of(k)?)))
                .collect::<Option<Vec<syn::Stmt>>>()
        });
        if let Some(stmts) = in_order {
            return syn::parse_quote!({ #(#stmts)* });
        }
        let local = Ident::new(&crate::names::unused(taken, "element"), self.name.span());
        let ty = self.path.as_ref().map(|p| quote!(: #p));
        let stmts = self
            .fields
            .iter()
            .map(|(k, s)| store(s, syn::parse_quote!(#local.#k)));
        syn::parse_quote!({ let #local #ty = #value; #(#stmts)* })
    }
}

/// What a name bound by a walk over the sequence stands for.
#[derive(Clone)]
enum Bound {
    /// The element at this index (`p` of `for p in &pts`).
    Element(Expr),
    /// The window starting at this index (`w` of `pts.windows(2)`), of this length.
    Window(Expr, Expr),
    /// A field of the element at this index (`a` of `for &(a, b) in &pairs`).
    Field(Expr, syn::Member),
}

/// The uses of the sequence in the statements after its `let`, rewritten to its fields';
/// `failed` at the first use that is not one of them.
struct Uses<'a> {
    seq: &'a Seq,
    taken: &'a mut HashSet<String>,
    /// The names bound by walks over the sequence, innermost last.
    elements: Vec<(Ident, Bound)>,
    /// A tuple's pattern a walk binds (`for &(a, b) in &pairs`, each name a field at the
    /// index): `*a` in the body is read as `a`.
    destructure: Option<Pat>,
    /// What starts the body of a walk that binds a name `mut` (`for mut p in pts`): a
    /// copy of the element, `let mut p = pts_item;`, which the body may change.
    copies: Vec<syn::Stmt>,
    failed: bool,
}

impl Uses<'_> {
    fn is_seq(&self, e: &Expr) -> bool {
        matches!(strip(e), Expr::Path(p) if p.path.is_ident(&self.seq.name))
    }

    fn bound(&self, e: &Expr) -> Option<&Bound> {
        let Expr::Path(p) = strip(e) else { return None };
        let ident = p.path.get_ident()?;
        self.elements
            .iter()
            .rev()
            .find(|(n, _)| n == ident)
            .map(|(_, b)| b)
    }

    /// The index of the element `e` is: `pts[i]`, `p` bound to one, `*p`, `w[k]` of a window.
    fn element_index(&self, e: &Expr) -> Option<Expr> {
        match strip(e) {
            Expr::Index(ix) if self.is_seq(&ix.expr) => Some((*ix.index).clone()),
            Expr::Index(ix) => match self.bound(&ix.expr)? {
                Bound::Window(start, _) => {
                    let k = &ix.index;
                    Some(syn::parse_quote!(#start + #k))
                }
                Bound::Element(_) | Bound::Field(..) => None,
            },
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.element_index(&u.expr),
            e => match self.bound(e)? {
                Bound::Element(index) => Some(index.clone()),
                Bound::Window(..) | Bound::Field(..) => None,
            },
        }
    }

    /// `for pat in walk { body }` over the sequence, as an index loop.
    fn for_loop(&mut self, f: &mut syn::ExprForLoop) -> bool {
        let Some(walk) = self.walk(&f.expr) else {
            return false;
        };
        let Some((index, bound)) = self.bind(&walk, &f.pat) else {
            return false;
        };
        if let Some(pat) = self.destructure.take() {
            for stmt in &mut f.body.stmts {
                strip_derefs_of(&pat, stmt);
            }
        }
        let copies = std::mem::take(&mut self.copies);
        f.body.stmts.splice(0..0, copies);
        let depth = self.elements.len();
        self.elements.extend(bound);
        self.visit_block_mut(&mut f.body);
        self.elements.truncate(depth);
        *f.pat = syn::parse_quote!(#index);
        // (Located at the walk: an error at it points there.)
        let span = f.expr.span();
        *f.expr =
            syn::parse2(crate::expand::respan(walk.range.to_token_stream(), span)).expect("a walk");
        true
    }

    /// Whether `e` would change an element in place other than through its fields:
    /// `&mut pts[i]`, `pts[i] += v` (a struct's `AddAssign`), a method that is not one the
    /// macro inlines (`p.scale(2.0)` taking `&mut self`). The element written out from its
    /// fields is a copy, which would take the change instead.
    fn changes_an_element(&self, e: &Expr) -> bool {
        match e {
            Expr::Reference(r) => r.mutability.is_some() && self.element_index(&r.expr).is_some(),
            _ if self.writes_element(e).is_some() => false,
            Expr::Binary(b) => compound(&b.op).is_some() && self.element_index(&b.left).is_some(),
            Expr::MethodCall(m) => {
                self.element_index(&m.receiver).is_some()
                    && self.seq.path.as_ref().is_none_or(|path| {
                        let (caller, on) = (&self.seq.caller, path.to_string());
                        let (method, span) = (m.method.to_string(), m.method.span());
                        // (An ordinary method of a struct with a gradient takes `&self`.)
                        crate::source::struct_method(caller, &on, &method, None, span).is_none()
                            && crate::source::param_method(caller, &on, &method, span).is_none()
                    })
            }
            _ => false,
        }
    }

    /// `pts[i].step(dt)` of a method taking `&mut self`, or `pts[i] += v` of the struct's
    /// `AddAssign` ([`Self::writes_element`]): the element copied into a local, changed
    /// there (the method inlined: `helpers/written.rs`), its fields written back.
    fn change_element(&mut self, e: &mut Expr) {
        let receiver = self.writes_element(e).cloned();
        let Some(mut index) = receiver.and_then(|r| self.element_index(&r)) else {
            return;
        };
        if !computes_only(&index, &|_| false) {
            self.failed = true;
            return;
        }
        self.visit_expr_mut(&mut index);
        let element = self.seq.element(&index);
        let name = format!("{}_item", self.seq.name);
        let local = Ident::new(&crate::names::unused(self.taken, &name), e.span());
        let value = Ident::new(&crate::names::unused(self.taken, "value"), e.span());
        let back = self.seq.store(
            &syn::parse_quote!(#local),
            self.taken,
            |s, v| syn::parse_quote!(#s[#index] = #v;),
        );
        // The call on the local, its arguments rewritten in turn.
        let mut call = e.clone();
        match &mut call {
            Expr::MethodCall(m) => {
                *m.receiver = syn::parse_quote!(#local);
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
            }
            Expr::Binary(b) => {
                *b.left = syn::parse_quote!(#local);
                self.visit_expr_mut(&mut b.right);
            }
            _ => {}
        }
        *e = syn::parse_quote!({
            let mut #local = #element;
            let #value = #call;
            #back;
            #value
        });
    }

    /// Whether `e` changes an element through a method of the struct taking `&mut self`
    /// (`pts[i].step(dt)`) or its compound-assignment operator (`pts[i] += v` of `impl
    /// AddAssign`), which the macro inlines: the receiver and the call with it replaced.
    fn writes_element<'e>(&self, e: &'e Expr) -> Option<&'e Expr> {
        let path = self.seq.path.as_ref()?.to_string();
        let found = |name: &str, rhs: Option<bool>, span| {
            crate::source::struct_method(&self.seq.caller, &path, name, rhs, span)
        };
        // (The element first: the lookups read and parse the method's text.)
        let receiver = match e {
            Expr::MethodCall(m) => {
                self.element_index(&m.receiver)?;
                let method = found(&m.method.to_string(), None, m.method.span())?;
                let receiver = method.sig.receiver().map(|r| &r.kind);
                matches!(receiver, Some(syn::ReceiverKind::Reference(_, _, Some(_))))
                    .then_some(&*m.receiver)?
            }
            Expr::Binary(b) => {
                // (`+=` and the like: the operators that write their left side.)
                compound(&b.op)?;
                let name = super::helpers::operator_method(&b.op)?;
                self.element_index(&b.left)?;
                let span = b.op.span();
                (found(name, Some(true), span).or_else(|| found(name, Some(false), span)))?;
                &*b.left
            }
            _ => return None,
        };
        self.element_index(receiver).map(|_| receiver)
    }

    fn fresh(&mut self) -> Ident {
        let name = format!("{}_at", self.seq.name);
        Ident::new(
            &crate::names::unused(self.taken, &name),
            self.seq.name.span(),
        )
    }

    /// A chain that starts with a walk over the sequence and takes its items in its first
    /// closures (`pts.iter().map(|p| p.x * p.y)`, `pts.windows(2).map(|w| ..)`, after any
    /// `filter`s): the walk as a range of indices, each such closure binding the index.
    fn chain(&mut self, e: &Expr) -> Option<Expr> {
        // The calls from the outermost inwards, down to the walk.
        let mut calls: Vec<&syn::ExprMethodCall> = Vec::new();
        let mut walk = e;
        while let Expr::MethodCall(m) = strip(walk)
            && self.walk(walk).is_none()
        {
            calls.push(m);
            walk = &m.receiver;
        }
        let walk = self.walk(walk)?;
        let mut out = walk.range.clone();
        let mut taking = true;
        for call in calls.into_iter().rev() {
            let mut call = call.clone();
            let item_at = match call.method.to_string().as_str() {
                _ if !taking => None,
                "filter" | "map" | "for_each" | "any" | "all" => Some(0),
                "fold" => Some(1),
                _ => return None,
            };
            match item_at {
                Some(at) => {
                    taking = call.method == "filter";
                    let Some(Expr::Closure(closure)) = call.args.iter_mut().last() else {
                        return None;
                    };
                    // `filter` lends its item (`|p|`, `|&p|`, `|&&p|`); a range's is `&usize`.
                    let pat = match (taking, closure.inputs.iter().nth(at)?) {
                        (true, Pat::Reference(r)) => (*r.pat).clone(),
                        (_, p) => p.clone(),
                    };
                    if taking && (walk.zipped || walk.behind) {
                        return None;
                    }
                    let (index, bound) = self.bind(&walk, &pat)?;
                    if let Some(pat) = self.destructure.take() {
                        let mut body = syn::Stmt::Expr((*closure.body).clone(), None);
                        strip_derefs_of(&pat, &mut body);
                        if let syn::Stmt::Expr(body, None) = body {
                            *closure.body = body;
                        }
                    }
                    let copies = std::mem::take(&mut self.copies);
                    if !copies.is_empty() {
                        let body = &closure.body;
                        *closure.body = syn::parse_quote!({ #(#copies)* #body });
                    }
                    let depth = self.elements.len();
                    self.elements.extend(bound);
                    self.visit_expr_mut(&mut closure.body);
                    self.elements.truncate(depth);
                    *closure.inputs.iter_mut().nth(at)? = match taking {
                        true => syn::parse_quote!(&#index),
                        false => syn::parse_quote!(#index),
                    };
                    if at == 1 {
                        self.visit_expr_mut(&mut call.args[0]);
                    }
                }
                None => {
                    for a in call.args.iter_mut() {
                        self.visit_expr_mut(a);
                    }
                }
            }
            call.receiver = Box::new(out);
            out = Expr::MethodCall(call);
        }
        // A walk no closure took (`pts.iter().count()`) is left.
        (!taking).then_some(out)
    }
}

/// `*a` as `a` in `body` for the names `pat` binds: a tuple's pattern binds references
/// where the walk lends its items (`for (a, b) in &pairs`), and the element taken apart
/// binds the values.
fn strip_derefs_of(pat: &Pat, stmt: &mut syn::Stmt) {
    let mut names = HashSet::new();
    collect_idents(pat.to_token_stream(), &mut names);
    let names: Vec<String> = names.into_iter().collect();
    super::helpers::strip_derefs(&names, stmt);
}

fn strip_pat(p: &Pat) -> &Pat {
    match p {
        Pat::Paren(p) => strip_pat(&p.pat),
        Pat::Type(t) => strip_pat(&t.pat),
        p => p,
    }
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if self.failed {
            return;
        }
        if let Expr::ForLoop(f) = e
            && self.for_loop(f)
        {
            return;
        }
        if self.changes_an_element(e) {
            self.failed = true;
            return;
        }
        // `pts[i]` whole is read once per field, index and all: only an index that
        // computes its value (`pts[rng.gen_range(0..n)]` would draw once per field).
        if let Expr::Index(ix) = e
            && self.is_seq(&ix.expr)
            && !computes_only(&ix.index, &|_| false)
        {
            self.failed = true;
            return;
        }
        match e {
            // `pts[i].x`, `p.x`, `w[1].y`: the field's sequence at the index.
            Expr::Field(f) => {
                if let Some(index) = self.element_index(&f.base) {
                    let Some(seq) = self.seq.field(&f.member) else {
                        self.failed = true;
                        return;
                    };
                    let mut index = index;
                    self.visit_expr_mut(&mut index);
                    *e = syn::parse_quote_spanned!(f.span()=> #seq[#index]);
                    return;
                }
            }
            // `pts[i] = v;`, `*p = v;`
            Expr::Assign(a) => {
                if let Some(mut index) = self.element_index(&a.left) {
                    // The index is written once per field.
                    if !computes_only(&index, &|_| false) {
                        self.failed = true;
                        return;
                    }
                    self.visit_expr_mut(&mut index);
                    self.visit_expr_mut(&mut a.right);
                    let value = (*a.right).clone();
                    *e = self.seq.store(
                        &value,
                        self.taken,
                        |s, v| syn::parse_quote!(#s[#index] = #v;),
                    );
                    return;
                }
            }
            // `w.len()` of a window: its length.
            Expr::MethodCall(m)
                if m.method == "len" && m.args.is_empty() && self.bound(&m.receiver).is_some() =>
            {
                if let Some(Bound::Window(_, k)) = self.bound(&m.receiver) {
                    *e = k.clone();
                    return;
                }
            }
            Expr::MethodCall(m) if self.is_seq(&m.receiver) => {
                match (m.method.to_string().as_str(), m.args.len()) {
                    ("len" | "is_empty", 0) => {
                        let first = &self.seq.fields[0].1;
                        *m.receiver = syn::parse_quote!(#first);
                        return;
                    }
                    ("push", 1) => {
                        let mut value = m.args[0].clone();
                        self.visit_expr_mut(&mut value);
                        *e = self.seq.store(
                            &value,
                            self.taken,
                            |s, v| syn::parse_quote!(#s.push(#v);),
                        );
                        return;
                    }
                    _ => {}
                }
            }
            // `pts[i].step(dt)` (`&mut self`), `pts[i] += v` (`AddAssign`).
            _ if self.writes_element(e).is_some() => return self.change_element(e),
            Expr::MethodCall(_) => {
                if let Some(chain) = self.chain(e) {
                    *e = chain;
                    return;
                }
            }
            Expr::Path(p) if p.path.is_ident(&self.seq.name) => {
                self.failed = true;
                return;
            }
            _ => {}
        }
        // The element as a whole value: the struct written out from its fields.
        if let Some(mut index) = self.element_index(e) {
            self.visit_expr_mut(&mut index);
            *e = self.seq.element(&index);
            return;
        }
        // `a` of `(a, b)`: its field's sequence at the index.
        if let Some(Bound::Field(index, member)) = self.bound(e)
            && let Some(seq) = self.seq.field(member)
        {
            let mut index = index.clone();
            self.visit_expr_mut(&mut index);
            *e = syn::parse_quote_spanned!(e.span()=> #seq[#index]);
            return;
        }
        if matches!(e, Expr::Path(_)) && self.bound(e).is_some() {
            // A window named whole.
            self.failed = true;
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_pat_mut(&mut self, p: &mut Pat) {
        // The sequence or an element's name bound again.
        if let Pat::Ident(i) = p
            && (i.ident == self.seq.name || self.elements.iter().any(|(n, _)| *n == i.ident))
        {
            self.failed = true;
        }
        syn::visit_mut::visit_pat_mut(self, p);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // `println!("{}", p.x)`: the macro's tokens are not rewritten.
        let mut named = HashSet::new();
        collect_idents(m.tokens.clone(), &mut named);
        let element = self
            .elements
            .iter()
            .any(|(n, _)| named.contains(&n.to_string()));
        if element || named.contains(&self.seq.name.to_string()) {
            self.failed = true;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
