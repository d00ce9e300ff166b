//! Tuples and structs held by a name, as one local per element (scalar replacement): `let
//! z = (a, b);` is `let z_0 = a; let z_1 = b;`, `let p = Point { x: u, y: v };` is `let
//! p_x = u; let p_y = v;`. Reads and writes of an element (`z.0`, `p.x += 1.0`) are those
//! locals; an assignment of a whole value of the same shape (`z = (z.0 * z.0 - z.1 * z.1 +
//! c, 2.0 * z.0 * z.1)`) assigns them all at once (`(z_0, z_1) = (..)`, which
//! `tuples.rs` takes apart); a copy (`let w = z;`) is another such value; taking one apart
//! (`let (a, b) = z;`, `let Point { x, .. } = p;`) reads the locals; and any other use of
//! the whole value (`return z`, `match z { .. }`, `f(z)`) is the value written out again
//! from its elements, `(z_0, z_1)` or `Point { x: p_x, y: p_y }`. An element that is an
//! aggregate itself (`Body { pos: V2 { .. }, vel }`) is held the same way (`b_pos_x`), and
//! `b.pos.x`, `b.vel.x *= k`, `b = Body { .. }` reach its locals. A value chosen by `if`
//! (`let (lo, hi) = if c { (a, b) } else { (b, a) };`) declares its locals first and each
//! branch assigns them; `P { m: 1.5, ..p }` takes the rest of `p`'s. Floats held this way
//! carry derivatives as any local does.
//!
//! A name is split only where every use is one of these within its scope: not where it is
//! borrowed (`&z`, `&mut z`, or an element mutably), called a method on (`p.norm()`, which
//! may change it; an element only a float's), assigned anything else, named in a macro, or
//! bound again by an inner pattern. One backward pass over each block finds the uses of
//! every name its `let`s bind.

use super::*;

mod chosen;
mod copies;

/// The error for a tuple or struct value that is not split: what is supported.
pub(super) const HELD: &str = "#[differentiate] holds a tuple or a struct value as one local per element where it is bound to a name (`let z = (a, b);`, `let p = Point { x: a, y: b };`) and every use reads or writes an element (`z.0`, `p.x += 1.0`), assigns a whole value of the same elements, copies it, takes it apart or passes it by value; not one borrowed (`&z`, `&mut z`), called a method that is not inlined (`p.norm()` of a struct declared elsewhere, or one holding more than numbers), assigned anything else, named in a macro or bound again by an inner pattern, nor a value written out elsewhere: bind it to a name first. A local `Vec` or array of such structs (declared in the function's module, `Copy`, with named number fields) or of tuples of numbers (annotated: `Vec<(f64, f64)>`) is held as one `Vec` per field where it is indexed (`pts[i].x`, `pts[i]`), assigned by index, pushed to, measured (`len`) and walked (`for p in &pts`, `pts.iter().map(..)`, `pts.windows(k)`), not passed, returned or borrowed whole";

pub(super) fn desugar(block: &mut syn::Block, sig: &syn::Signature, taken: &mut HashSet<String>) {
    let data = copies::DataParams::of(sig, block);
    Split {
        taken,
        caller: sig.ident.to_string(),
        env: Vec::new(),
        data,
    }
    .stmts(&mut block.stmts);
}

/// A value held as one local per element.
#[derive(Clone)]
struct Aggregate {
    name: String,
    /// The struct's path, or `None` for a tuple.
    path: Option<syn::Path>,
    /// Per element in the order first written: its key (`0`, `x`) and its local.
    elems: Vec<(String, Ident)>,
}

impl Aggregate {
    fn local(&self, key: &str) -> Option<&Ident> {
        self.elems.iter().find(|(k, _)| k == key).map(|(_, l)| l)
    }
}

/// An aggregate value as written: its struct's path (`None` for a tuple) and each
/// element's key and value.
pub(super) type Written = (Option<syn::Path>, Vec<(String, Expr)>);

/// An aggregate value as written: a tuple of at least two elements, or a struct literal
/// with named fields and no `..base`.
pub(super) fn written(expr: &Expr) -> Option<Written> {
    match strip(expr) {
        Expr::Tuple(t) if t.elems.len() >= 2 => Some((
            None,
            t.elems
                .iter()
                .enumerate()
                .map(|(i, e)| (i.to_string(), e.clone()))
                .collect(),
        )),
        Expr::Struct(s) if s.rest.is_none() && s.qself.is_none() && !s.fields.is_empty() => {
            let fields = s
                .fields
                .iter()
                .map(|f| (member_key(&f.member), f.expr.clone()))
                .collect();
            Some((Some(s.path.clone()), fields))
        }
        _ => None,
    }
}

/// An element's key: `x` of `p.x`, `0` of `z.0`.
pub(super) fn member_key(m: &syn::Member) -> String {
    match m {
        syn::Member::Named(n) => n.to_string(),
        syn::Member::Unnamed(i) => i.index.to_string(),
    }
}

/// `name` or `mut name`, possibly with a type: the name, whether mutable, and the type.
fn plain_binding(pat: &Pat) -> Option<(&Ident, bool, Option<&Type>)> {
    match pat {
        Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
            Some((&i.ident, i.mutability.is_some(), None))
        }
        Pat::Type(t) => {
            let (name, mutable, _) = plain_binding(&t.pat)?;
            Some((name, mutable, Some(&*t.ty)))
        }
        _ => None,
    }
}

struct Split<'a> {
    taken: &'a mut HashSet<String>,
    /// The differentiated function: the structs of its module have their fields' types.
    caller: String,
    /// The names split so far in the enclosing scopes, innermost last.
    env: Vec<Aggregate>,
    /// The parameters that are structs of data, or sequences of them (`copies.rs`).
    data: copies::DataParams,
}

impl Split<'_> {
    fn find(&self, name: &str) -> Option<&Aggregate> {
        self.env.iter().rev().find(|a| a.name == name)
    }

    /// The value written out from its elements: `(z_0, z_1)`, `Point { x: p_x, y: p_y }`,
    /// an element that is an aggregate itself written out in turn.
    fn value(&self, a: &Aggregate) -> Expr {
        let values = a
            .elems
            .iter()
            .map(|(_, l)| match self.find(&l.to_string()) {
                Some(inner) => self.value(inner),
                None => syn::parse_quote!(#l),
            });
        match &a.path {
            None => syn::parse_quote!((#(#values),*)),
            Some(path) => {
                let keys = a
                    .elems
                    .iter()
                    .map(|(k, _)| syn::parse_str::<syn::Member>(k).expect("a field's key"));
                syn::parse_quote!(#path { #(#keys: #values),* })
            }
        }
    }

    /// An aggregate value, held (its locals) or written out ([`Split::written_value`]).
    fn aggregate_value(&self, expr: &Expr) -> Option<Written> {
        match self.held(expr) {
            Some(held) => Some((
                held.path.clone(),
                held.elems
                    .iter()
                    .map(|(k, l)| (k.clone(), syn::parse_quote!(#l)))
                    .collect(),
            )),
            None => self.written_value(expr).or_else(|| self.data_copy(expr)),
        }
    }

    /// An aggregate value as written ([`written`]), or a struct literal completed from one
    /// held (`V3 { x: 1.0, ..p }`: `y` and `z` are `p`'s).
    fn written_value(&self, expr: &Expr) -> Option<Written> {
        if let Expr::Struct(st) = strip(expr)
            && let Some(rest) = &st.rest
            && st.qself.is_none()
        {
            let base = self.held(rest)?;
            let mut literal = st.clone();
            literal.rest = None;
            literal.dot2_token = None;
            let (path, mut fields) =
                written(&Expr::Struct(literal)).unwrap_or((Some(st.path.clone()), Vec::new()));
            for (k, l) in &base.elems {
                if !fields.iter().any(|(f, _)| f == k) {
                    fields.push((k.clone(), syn::parse_quote!(#l)));
                }
            }
            return Some((path, fields));
        }
        written(expr)
    }

    /// The aggregate a name in scope holds, or an element of one that is one itself
    /// (`b.pos` of `let b = Body { pos: V2 { .. }, .. }`).
    fn held(&self, expr: &Expr) -> Option<&Aggregate> {
        match strip(expr) {
            Expr::Path(p) if p.qself.is_none() => {
                let ident = p.path.get_ident()?;
                self.find(&ident.to_string())
            }
            Expr::Field(f) => {
                let local = self.held(&f.base)?.local(&member_key(&f.member))?;
                self.find(&local.to_string())
            }
            _ => None,
        }
    }

    fn stmts(&mut self, stmts: &mut Vec<syn::Stmt>) {
        let depth = self.env.len();
        let mut scopes = scopes_of_lets(stmts);
        for (stmt, scope) in std::mem::take(stmts).into_iter().zip(&mut scopes) {
            let mut stmt = stmt;
            if let Some(split) = self.split_let(&stmt, scope) {
                stmts.extend(split);
                continue;
            }
            self.visit_stmt_mut(&mut stmt);
            stmts.push(stmt);
        }
        self.env.truncate(depth);
    }

    /// `let name = aggregate;` (written out, or a copy of one held), or `let (a, b) = held;`
    /// / `let Point { x, .. } = held;`: the `let`s it becomes, or `None` to leave it.
    fn split_let(&mut self, stmt: &syn::Stmt, uses: &mut Scope) -> Option<Vec<syn::Stmt>> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        if let Some(lets) = self.take_apart(&local.pat, &init.expr) {
            return Some(lets);
        }
        if let Some(lets) = self.one_by_one(&local.pat, &init.expr, uses) {
            return Some(lets);
        }
        if let Some(lets) = self.split_if(&local.pat, &init.expr, uses) {
            return Some(lets);
        }
        let (name, mutable, ty) = plain_binding(&local.pat)?;
        let uses = uses.remove(&name.to_string());
        let (path, values) = self.aggregate_value(&init.expr)?;
        let keys: Vec<String> = values.iter().map(|(k, _)| k.clone()).collect();
        if !uses.unwrap_or_default().allow(&keys) {
            return None;
        }
        let types: Vec<Option<Type>> = match ty {
            Some(Type::Tuple(t)) if t.elems.len() == values.len() => {
                t.elems.iter().cloned().map(Some).collect()
            }
            _ => vec![None; values.len()],
        };
        let mut lets = Vec::new();
        self.bind(name, mutable, path, values, types, &mut lets);
        Some(lets)
    }

    /// One `let` per element of the aggregate `name` (`path`, `values`), and the aggregate
    /// in scope: an element that is an aggregate itself (`pos: V2 { .. }`, or one held) is
    /// held the same way, as `{name}_{key}`.
    fn bind(
        &mut self,
        name: &Ident,
        mutable: bool,
        path: Option<syn::Path>,
        values: Vec<(String, Expr)>,
        types: Vec<Option<Type>>,
        lets: &mut Vec<syn::Stmt>,
    ) {
        let mut elems = Vec::new();
        // A struct of numbers: each field's type written on its local, so that a literal
        // is of that type (`let p_x: f64 = 1.0;`).
        let fields = path
            .as_ref()
            .and_then(|p| p.get_ident())
            .and_then(|s| crate::source::number_struct_fields(&self.caller, s))
            .unwrap_or_default();
        for ((key, mut value), ty) in values.into_iter().zip(types) {
            let ty = ty.or_else(|| {
                let (_, field) = fields.iter().find(|(f, _)| *f == key)?;
                syn::parse_str::<Type>(field).ok()
            });
            let local = Ident::new(
                &crate::names::unused(self.taken, &format!("{name}_{key}")),
                name.span(),
            );
            match self.aggregate_value(&value) {
                Some((path, values)) => {
                    let n = values.len();
                    self.bind(&local, mutable, path, values, vec![None; n], lets);
                }
                None => {
                    self.visit_expr_mut(&mut value);
                    let m = mutable.then(|| quote!(mut));
                    lets.push(match ty {
                        Some(ty) => syn::parse_quote!(let #m #local: #ty = #value;),
                        None => syn::parse_quote!(let #m #local = #value;),
                    });
                }
            }
            elems.push((key, local));
        }
        self.env.push(Aggregate {
            name: name.to_string(),
            path,
            elems,
        });
    }

    /// The locals of `held` and the values `value` gives them, element by element: from a
    /// value written out (by key), from another aggregate held (its locals), or from any
    /// other value of the same type by its elements (`w.0`, `b.pos`).
    fn flatten(&self, held: &Aggregate, value: &Expr, out: &mut Vec<(Ident, Expr)>) {
        let elems = self.aggregate_value(value).map(|(_, e)| e);
        for (k, local) in &held.elems {
            let v: Expr = match &elems {
                Some(elems) => match elems.iter().find(|(w, _)| w == k) {
                    Some((_, v)) => v.clone(),
                    None => continue,
                },
                None => {
                    let member: syn::Member = syn::parse_str(k).expect("a key");
                    syn::parse_quote!(#value.#member)
                }
            };
            match self.find(&local.to_string()) {
                Some(inner) => self.flatten(inner, &v, out),
                None => out.push((local.clone(), v)),
            }
        }
    }

    /// `let (a, b) = (e1, e2);` where no value reads a name bound before it (`let (a, b) =
    /// (b, a)` stays as it is): one `let` per name, each split in turn where it holds a
    /// tuple or a struct (`let (a, b) = (point(x, 0), point(x, 3));`).
    fn one_by_one(&mut self, pat: &Pat, init: &Expr, uses: &mut Scope) -> Option<Vec<syn::Stmt>> {
        let (Pat::Tuple(names), Expr::Tuple(values)) = (pat, strip(init)) else {
            return None;
        };
        if names.elems.len() != values.elems.len() {
            return None;
        }
        let mut earlier = HashSet::new();
        let mut lets = Vec::new();
        let mut any = false;
        for (p, v) in names.elems.iter().zip(&values.elems) {
            let (name, _, _) = plain_binding(p)?;
            let mut read = HashSet::new();
            collect_idents(v.to_token_stream(), &mut read);
            if read.iter().any(|r| earlier.contains(r)) {
                return None;
            }
            earlier.insert(name.to_string());
            any |= self.aggregate_value(v).is_some();
            lets.push(syn::parse_quote!(let #p = #v;));
        }
        if !any {
            return None;
        }
        let mut out = Vec::new();
        for stmt in lets {
            let mut stmt = stmt;
            match self.split_let(&stmt, uses) {
                Some(split) => out.extend(split),
                None => {
                    self.visit_stmt_mut(&mut stmt);
                    out.push(stmt);
                }
            }
        }
        Some(out)
    }

    /// `let (a, _) = held;`, `let Point { x, y: v, .. } = held;`: one `let` per name.
    fn take_apart(&mut self, pat: &Pat, init: &Expr) -> Option<Vec<syn::Stmt>> {
        let held = self.held(init)?;
        let pairs: Vec<(String, &Pat)> = match pat {
            Pat::Tuple(t) if held.path.is_none() && t.elems.len() == held.elems.len() => t
                .elems
                .iter()
                .enumerate()
                .map(|(i, p)| (i.to_string(), p))
                .collect(),
            Pat::Struct(s) if held.path.is_some() => s
                .fields
                .iter()
                .map(|f| (member_key(&f.member), &*f.pat))
                .collect(),
            _ => return None,
        };
        let mut lets = Vec::new();
        for (key, p) in pairs {
            let local = held.local(&key)?;
            match p {
                Pat::Wild(_) => {}
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                    lets.push(syn::parse_quote!(let #p = #local;));
                }
                _ => return None,
            }
        }
        Some(lets)
    }
}

impl VisitMut for Split<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.stmts(&mut b.stmts);
    }

    /// `Line { p, .. }` with `p` held: `p: (p_0, p_1)`, no longer shorthand.
    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        let shorthand = f.colon_token.is_none();
        let before = shorthand.then(|| f.expr.to_token_stream().to_string());
        self.visit_expr_mut(&mut f.expr);
        if before.is_some_and(|b| b != f.expr.to_token_stream().to_string()) {
            f.colon_token = Some(Default::default());
        }
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            // `z.0`, `p.x`: the element's local.
            Expr::Field(f) => {
                if let Some(held) = self.held(&f.base)
                    && let Some(local) = held.local(&member_key(&f.member))
                {
                    // An element that is an aggregate itself, used whole: written out.
                    *e = match self.find(&local.to_string()) {
                        Some(inner) => self.value(inner),
                        None => syn::parse_quote_spanned!(f.member.span()=> #local),
                    };
                    return;
                }
            }
            // `z = (..)`, `p = Point { .. }`, `z = w`: every element at once (an element
            // that is an aggregate itself, each of its elements).
            Expr::Assign(a) => {
                if let Some(held) = self.held(&a.left).cloned() {
                    let mut pairs = Vec::new();
                    self.flatten(&held, &a.right, &mut pairs);
                    let (locals, mut values): (Vec<Ident>, Vec<Expr>) = pairs.into_iter().unzip();
                    for v in &mut values {
                        self.visit_expr_mut(v);
                    }
                    *e = syn::parse_quote!((#(#locals),*) = (#(#values),*));
                    return;
                }
            }
            // Any other use of the whole value: written out from its elements, located
            // where the name is (an error at the value points there).
            Expr::Path(_) => {
                if let Some(held) = self.held(e) {
                    let value = self.value(held).to_token_stream();
                    *e = syn::parse2(crate::expand::respan(value, e.span()))
                        .expect("a value written out");
                    return;
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// What the statements after a `let` (up to one binding the name again) do with its name.
#[derive(Default)]
struct Uses {
    /// A use that cannot be rewritten: borrowed, called a method on, compound-assigned,
    /// assigned anything but a value written out or a name, bound again by an inner
    /// pattern, named in a macro.
    refused: bool,
    /// The elements read or written (`z.0`, `p.x`).
    keys: BTreeSet<String>,
    /// The elements of each whole value assigned written out (`z = (a, b)`).
    assigned: Vec<BTreeSet<String>>,
}

impl Uses {
    /// Whether an aggregate of elements `keys` may be split.
    fn allow(&self, keys: &[String]) -> bool {
        let all: BTreeSet<String> = keys.iter().cloned().collect();
        !self.refused && self.keys.is_subset(&all) && self.assigned.iter().all(|a| *a == all)
    }
}

/// What the statements after a `let` do with each name it binds.
type Scope = std::collections::HashMap<String, Uses>;

/// For each statement of a block that is a `let`, what the statements after it (up to one
/// binding the same name again) do with each name it binds: one pass over the block,
/// backwards, so that each block is read once however many `let`s it has.
fn scopes_of_lets(stmts: &[syn::Stmt]) -> Vec<Scope> {
    let mut after = Collect::default();
    let mut scopes: Vec<Scope> = (0..stmts.len()).map(|_| Scope::new()).collect();
    for (k, stmt) in stmts.iter().enumerate().rev() {
        let syn::Stmt::Local(local) = stmt else {
            after.visit_stmt(stmt);
            continue;
        };
        let mut bound = HashSet::new();
        collect_idents(local.pat.to_token_stream(), &mut bound);
        for name in bound {
            let uses = after.uses.remove(&name).unwrap_or_default();
            scopes[k].insert(name, uses);
        }
        // The initializer reads the names bound before.
        if let Some(init) = &local.init {
            after.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                after.visit_expr(diverge);
            }
        }
    }
    scopes
}

/// The methods of floats (besides those with derivatives), sequences and arrays an element
/// may be called: they change nothing (an element that is an aggregate with a method that
/// may change it keeps the whole value from being split).
const READING_METHODS: &[&str] = &[
    "floor",
    "ceil",
    "round",
    "trunc",
    "signum",
    "is_nan",
    "is_finite",
    "is_sign_negative",
    "is_sign_positive",
    "partial_cmp",
    "total_cmp",
    "clone",
    "to_owned",
    "round_ties_even",
    "div_euclid",
    "iter",
    "into_iter",
    "len",
    "is_empty",
    "to_vec",
    "first",
    "last",
    "get",
    "windows",
    "chunks",
    "chunks_exact",
    "copied",
    "cloned",
    "sum",
    "mapv",
    "t",
    "view",
    "row",
    "column",
    "nrows",
    "ncols",
    "shape",
    "dot",
];

/// The name a chain of fields starts from (`b` of `b.pos.x`).
fn root(e: &Expr) -> &Expr {
    match strip(e) {
        Expr::Field(f) => root(&f.base),
        other => other,
    }
}

/// What statements do with each name they use (see [`Uses`]).
#[derive(Default)]
struct Collect {
    uses: std::collections::HashMap<String, Uses>,
}

impl Collect {
    /// The uses of the name `e` is, if it is one.
    fn of(&mut self, e: &Expr) -> Option<&mut Uses> {
        match strip(e) {
            Expr::Path(p) if p.qself.is_none() => {
                let name = p.path.get_ident()?.to_string();
                Some(self.uses.entry(name).or_default())
            }
            _ => None,
        }
    }

    fn refuse(&mut self, name: String) {
        self.uses.entry(name).or_default().refused = true;
    }
}

impl<'ast> Visit<'ast> for Collect {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Field(f) => {
                if let Some(uses) = self.of(&f.base) {
                    uses.keys.insert(member_key(&f.member));
                    return;
                }
            }
            Expr::Assign(a) => {
                let shape = written(&a.right).map(|(_, v)| v.into_iter().map(|(k, _)| k).collect());
                let name = matches!(strip(&a.right), Expr::Path(p) if p.path.get_ident().is_some());
                // `p = V2 { x: .., ..q }`: the fields written, the rest from a value held.
                let updated = match strip(&a.right) {
                    Expr::Struct(s) if s.qself.is_none() && s.rest.is_some() => {
                        let keys = s.fields.iter().map(|f| member_key(&f.member));
                        Some(keys.collect::<BTreeSet<String>>())
                    }
                    _ => None,
                };
                if let Some(uses) = self.of(&a.left) {
                    match (shape, updated) {
                        (Some(keys), _) => uses.assigned.push(keys),
                        (None, Some(keys)) => uses.keys.extend(keys),
                        (None, None) => uses.refused |= !name,
                    }
                    self.visit_expr(&a.right);
                    return;
                }
            }
            Expr::Binary(b) if compound(&b.op).is_some() => {
                if let Some(uses) = self.of(&b.left) {
                    uses.refused = true;
                }
            }
            // Borrowed: the elements would be moved into a temporary; an element borrowed
            // mutably, which may be an aggregate, would be written in a copy.
            Expr::Reference(r) => {
                if let Some(uses) = self.of(&r.expr) {
                    uses.refused = true;
                } else if r.mutability.is_some()
                    && let Some(uses) = self.of(root(&r.expr))
                {
                    uses.refused = true;
                }
            }
            // A method, which may change its receiver; of an element, only a float's.
            Expr::MethodCall(m) => {
                if let Some(uses) = self.of(&m.receiver) {
                    uses.refused = true;
                } else if crate::ops::Math::from_name(&m.method.to_string()).is_none()
                    && !READING_METHODS.iter().any(|f| m.method == f)
                    && let Some(uses) = self.of(root(&m.receiver))
                {
                    uses.refused = true;
                }
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_pat(&mut self, p: &'ast Pat) {
        let mut bound = HashSet::new();
        collect_idents(p.to_token_stream(), &mut bound);
        for name in bound {
            self.refuse(name);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut named = HashSet::new();
        collect_idents(m.tokens.clone(), &mut named);
        // Names a format string captures (`"{z:?}"`).
        let text = m.tokens.to_string();
        for piece in text.split('{').skip(1) {
            named.insert(
                piece
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
        for name in named {
            self.refuse(name);
        }
    }
}
