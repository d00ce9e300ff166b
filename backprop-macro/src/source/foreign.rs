//! Ordinary functions of floats in the crate's other files: `mod act;` (or `mod nn;` with
//! `pub mod act;` in `nn/mod.rs`) and a call by path, `act::sigmoid(z)`, or a `use`
//! (`use act::sigmoid;`, `use crate::nn::act::{gelu, relu as r};`, `use super::util::*;`,
//! `use nn::act;` then `act::gelu(z)`). Module files are found as rustc finds them
//! (`act.rs` or `act/mod.rs` in the declaring module's directory; `#[path]` is not
//! followed) and each is read once per summary. A function of floats the caller's file
//! reaches so is kept in its top-level scope under the name or path the caller calls it
//! by, to be inlined like one declared beside it.
//!
//! Inlined in the caller's module, its body must name nothing the caller cannot see: each
//! path whose first name the function's module declares or imports is written from the
//! crate's root (`EPS` of `nn/act.rs` as `crate::nn::act::EPS`, `PI` after `use
//! std::f64::consts::PI;` as that path), and the functions of floats it calls so are kept
//! under those paths, inlined in turn.

use super::Scope;
use quote::ToTokens;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Adds to `here`, the top-level scope of the file at `file_path`, the functions of floats
/// of the crate's other files that the file calls through its `mod` and `use` items, and
/// the structs it brings in by `use`; whether any struct came.
pub(super) fn import(file: &syn::File, file_path: &Path, here: &mut Scope) -> bool {
    let declares_or_uses = file.items.iter().any(|i| {
        matches!(i, syn::Item::Use(_)) || matches!(i, syn::Item::Mod(m) if m.content.is_none())
    });
    if !declares_or_uses {
        return false;
    }
    let Some(mut krate) = Crate::of(file_path) else {
        return false;
    };
    let Some(abs) = krate.abs_path(file_path) else {
        return false;
    };
    let caller = Module::new(abs, &file.items);
    krate
        .modules
        .insert(caller.abs.clone(), Some(caller.clone()));
    let mut paths = Paths::default();
    paths.visit_file(file);
    for path in paths.0 {
        // A bare name: only one a `use` brings in (the file's own functions are its own).
        if path.len() == 1 && caller.declared.contains(&path[0]) {
            continue;
        }
        let key = path.join("::");
        if let Some(Target::Crate(module, name)) = krate.resolve(&caller, &path, 0) {
            krate.bring(&module, &name, &key, here, 0);
        }
    }
    // Structs brought in by name (`use crate::model::{Model, Sample};`): what the file that
    // declares them says of them, as if declared here.
    let structs = here.structs.len();
    for (to, name, local) in &caller.uses {
        if let Some(name) = name.as_ref().filter(|n| *n == local) {
            let path = [to.clone(), vec![name.clone()]].concat();
            if let Some(Target::Crate(module, name)) = krate.resolve(&caller, &path, 0) {
                krate.bring_struct(&module, &name, here);
            }
        }
    }
    here.structs.len() > structs
}

/// What a path names: an item of a module of this crate (the module's path from the
/// root, and the item's name), or something outside it, by its path as written.
enum Target {
    Crate(Vec<String>, String),
    External(Vec<String>),
}

/// A module file, in plain data.
#[derive(Clone)]
struct Module {
    /// Its path from the crate's root (`["nn", "act"]`).
    abs: Vec<String>,
    /// The modules it declares (`mod act;`, inline ones too).
    mods: Vec<String>,
    /// Its `use` items: module path, name (`None` for a glob), local name.
    uses: Vec<(Vec<String>, Option<String>, String)>,
    /// Every name it declares.
    declared: HashSet<String>,
    /// Its ordinary functions (no `#[differentiate]`, no `cfg`).
    plain_fns: HashSet<String>,
    /// Those of them of floats, or given functions.
    float_fns: HashMap<String, syn::ItemFn>,
    /// The structs it declares.
    structs: HashSet<String>,
}

impl Module {
    fn new(abs: Vec<String>, items: &[syn::Item]) -> Self {
        let mut m = Module {
            abs,
            mods: Vec::new(),
            uses: Vec::new(),
            declared: HashSet::new(),
            plain_fns: HashSet::new(),
            float_fns: HashMap::new(),
            structs: HashSet::new(),
        };
        for item in items {
            let name = match item {
                syn::Item::Fn(f) => {
                    let plain = !f.attrs.iter().any(|a| {
                        super::named(a.path(), "differentiate") || super::named(a.path(), "cfg")
                    });
                    if plain {
                        m.plain_fns.insert(f.sig.ident.to_string());
                    }
                    // (One given functions, `f: impl Fn(f64) -> f64`, too: inlined wherever
                    // it is called, as a helper.)
                    let callables = super::callables::takes_callables(&f.sig);
                    if plain && (callables || super::of_floats(&f.sig, &[], &[])) {
                        m.float_fns.insert(f.sig.ident.to_string(), f.clone());
                    }
                    &f.sig.ident
                }
                syn::Item::Mod(md) => {
                    m.mods.push(md.ident.to_string());
                    &md.ident
                }
                syn::Item::Const(c) => &c.ident,
                syn::Item::Static(s) => &s.ident,
                syn::Item::Struct(s) => {
                    m.structs.insert(s.ident.to_string());
                    &s.ident
                }
                syn::Item::Enum(e) => &e.ident,
                syn::Item::Type(t) => &t.ident,
                syn::Item::Trait(t) => &t.ident,
                syn::Item::Use(u) => {
                    flatten(&u.tree, &mut Vec::new(), &mut |module, name, local| {
                        m.uses.push((module, name, local));
                    });
                    continue;
                }
                _ => continue,
            };
            m.declared.insert(name.to_string());
        }
        m
    }
}

/// The crate the caller's file belongs to: where its modules' files are, and those read.
struct Crate {
    /// The directory of the root's modules (`src`, or an example's own directory).
    root_dir: PathBuf,
    modules: HashMap<Vec<String>, Option<Module>>,
    /// The files read, parsed.
    files: HashMap<Vec<String>, syn::File>,
}

impl Crate {
    /// The crate of the file: the package's `src` for a file under it (not `src/bin`),
    /// else the nearest directory above it holding a `main.rs` or `lib.rs` (`tests/t/`,
    /// `examples/e/`), or a directory of crates of one file each (`tests`, `examples`,
    /// `benches`, `src/bin`).
    fn of(file: &Path) -> Option<Crate> {
        let src = std::env::var_os("CARGO_MANIFEST_DIR").map(|m| PathBuf::from(m).join("src"));
        let root_dir = match src {
            Some(src) if file.starts_with(&src) && !file.starts_with(src.join("bin")) => src,
            _ => file
                .ancestors()
                .skip(1)
                .find(|d| {
                    d.join("main.rs").is_file() || d.join("lib.rs").is_file() || one_file_crates(d)
                })
                .unwrap_or(file.parent()?)
                .to_path_buf(),
        };
        Some(Crate {
            root_dir,
            modules: HashMap::new(),
            files: HashMap::new(),
        })
    }

    /// The module path of a file from the root (`src/nn/act.rs`: `["nn", "act"]`; the root
    /// itself, `src/lib.rs`, `src/main.rs` or a crate of one file: empty).
    fn abs_path(&self, file: &Path) -> Option<Vec<String>> {
        let rel = file.strip_prefix(&self.root_dir).ok()?;
        let mut parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_str().map(str::to_owned))
            .collect::<Option<_>>()?;
        let last = parts.pop()?;
        let top = parts.is_empty();
        match last.as_str() {
            "mod.rs" => {}
            "lib.rs" | "main.rs" if top => {}
            _ if top && one_file_crates(&self.root_dir) => {}
            name => parts.push(name.strip_suffix(".rs")?.to_owned()),
        }
        Some(parts)
    }

    /// The module at `abs`, read from its file once.
    fn module(&mut self, abs: &[String]) -> Option<&Module> {
        if !self.modules.contains_key(abs) {
            let read = self.file(abs).and_then(|file| {
                let text = std::fs::read_to_string(file).ok()?;
                let parsed = syn::parse_file(&text).ok()?;
                let module = Module::new(abs.to_vec(), &parsed.items);
                self.files.insert(abs.to_vec(), parsed);
                Some(module)
            });
            self.modules.insert(abs.to_vec(), read);
        }
        self.modules.get(abs)?.as_ref()
    }

    fn file(&self, abs: &[String]) -> Option<PathBuf> {
        // The root: `lib.rs` or `main.rs` (a crate of one file is only ever the caller).
        let Some((last, between)) = abs.split_last() else {
            let root = ["lib.rs", "main.rs"].map(|f| self.root_dir.join(f));
            return root.into_iter().find(|f| f.is_file());
        };
        let dir = between.iter().fold(self.root_dir.clone(), |d, m| d.join(m));
        let flat = dir.join(format!("{last}.rs"));
        let nested = dir.join(last).join("mod.rs");
        [flat, nested].into_iter().find(|f| f.is_file())
    }

    /// What `path`, written in `module`, names (`depth` bounds chains of `use`s).
    fn resolve(&mut self, module: &Module, path: &[String], depth: usize) -> Option<Target> {
        let (first, rest) = path.split_first()?;
        if depth > 8 {
            return None;
        }
        let in_crate = |base: Vec<String>, rest: &[String]| {
            let (name, between) = rest.split_last()?;
            Some(Target::Crate(
                [base, between.to_vec()].concat(),
                name.clone(),
            ))
        };
        match first.as_str() {
            "crate" => in_crate(Vec::new(), rest),
            "self" => in_crate(module.abs.clone(), rest),
            "super" => {
                let mut base = module.abs.clone();
                base.pop()?;
                let mut rest = rest;
                while let Some((s, more)) = rest.split_first()
                    && s == "super"
                {
                    base.pop()?;
                    rest = more;
                }
                in_crate(base, rest)
            }
            m if module.mods.iter().any(|d| d == m) => in_crate(module.abs.clone(), path),
            n if module.declared.contains(n) && rest.is_empty() => {
                Some(Target::Crate(module.abs.clone(), n.to_owned()))
            }
            n => {
                if let Some((to, name, _)) = module
                    .uses
                    .iter()
                    .find(|(_, name, local)| name.is_some() && local == n)
                {
                    let full = [to.clone(), vec![name.clone()?], rest.to_vec()].concat();
                    return match self.resolve(module, &full, depth + 1) {
                        Some(t) => Some(t),
                        None => Some(Target::External(full)),
                    };
                }
                if rest.is_empty() {
                    // A glob's module that declares the name.
                    let globs: Vec<Vec<String>> = module
                        .uses
                        .iter()
                        .filter(|(_, name, _)| name.is_none())
                        .map(|(to, _, _)| to.clone())
                        .collect();
                    for glob in globs {
                        // The glob's module: what a name in it would be in (`super::*`,
                        // `crate::*` too).
                        let in_it = [glob, vec![n.to_owned()]].concat();
                        if let Some(Target::Crate(abs, _)) = self.resolve(module, &in_it, depth + 1)
                            && abs != module.abs
                            && self.module(&abs).is_some_and(|g| g.declared.contains(n))
                        {
                            return Some(Target::Crate(abs, n.to_owned()));
                        }
                    }
                }
                None
            }
        }
    }

    /// Keeps the function `name` of the module `abs` in `here` under `key` (the name or
    /// path the caller calls it by), where it is a function of floats and `key` is free; the
    /// functions of floats of this crate it calls are kept too, under their paths from the
    /// root.
    fn bring(&mut self, abs: &[String], name: &str, key: &str, here: &mut Scope, depth: usize) {
        if depth > 8 || here.fns.iter().any(|(n, _)| n == key) {
            return;
        }
        let Some(module) = self.module(abs).cloned() else {
            return;
        };
        if module.plain_fns.contains(name) && !module.float_fns.contains_key(name) {
            // An ordinary function the macro does not inline: an error at a call carrying
            // a derivative, saying so.
            here.fns.push((key.to_owned(), true));
            return;
        }
        let Some(f) = module.float_fns.get(name) else {
            // `pub use inner::f;`: the module passes on another's function.
            if let Some(Target::Crate(m, n)) = self.resolve(&module, &[name.to_owned()], depth + 1)
                && (m != abs || n != name)
            {
                self.bring(&m, &n, key, here, depth + 1);
            }
            return;
        };
        let mut f = f.clone();
        let mut bound = HashSet::new();
        Bound(&mut bound).visit_item_fn(&f);
        bound.extend(f.sig.generics.type_params().map(|t| t.ident.to_string()));
        self.qualify(&module, &bound, &mut f.block, here, depth);
        here.fns.push((key.to_owned(), true));
        let kept = match super::callables::takes_callables(&f.sig) {
            true => &mut here.helpers,
            false => &mut here.float_fns,
        };
        kept.push((key.to_owned(), f.to_token_stream().to_string()));
    }

    /// Writes `block`'s paths from the root ([`Qualify`]), but for `bound` names and the
    /// structs `here` knows by their names, and keeps the functions of floats it calls.
    fn qualify(
        &mut self,
        module: &Module,
        bound: &HashSet<String>,
        block: &mut syn::Block,
        here: &mut Scope,
        depth: usize,
    ) {
        let mut bound = bound.clone();
        bound.extend(here.structs.iter().map(|(s, _)| s.clone()));
        let mut qualify = Qualify {
            krate: self,
            module,
            bound: &bound,
            calls: Vec::new(),
        };
        qualify.visit_block_mut(block);
        for (m, n) in qualify.calls {
            let key = ["crate".to_owned()]
                .into_iter()
                .chain(m.iter().cloned())
                .chain([n.clone()])
                .collect::<Vec<_>>()
                .join("::");
            self.bring(&m, &n, &key, here, depth + 1);
        }
    }

    /// Keeps in `here` what the module `abs` says of its struct `name` (whether it has a
    /// gradient, its fields, whether it is `Copy`, its methods and operators, as text to
    /// inline, their bodies' paths written from the root), and of the structs of its fields
    /// declared there; nothing where `here` declares a struct so named.
    fn bring_struct(&mut self, abs: &[String], name: &str, here: &mut Scope) {
        if here.structs.iter().any(|(s, _)| s == name) {
            return;
        }
        let Some(module) = self.module(abs).cloned() else {
            return;
        };
        let Some(file) = self
            .files
            .get(abs)
            .filter(|_| module.structs.contains(name))
        else {
            return;
        };
        let items: Vec<&syn::Item> = file.items.iter().collect();
        let mut traits = Vec::new();
        super::file_traits(&file.items, &mut traits);
        let mut scopes = Vec::new();
        super::scope(&items, &[], false, &traits, &mut scopes);
        let Some(mut there) = scopes.into_iter().next() else {
            return;
        };
        let mine = |on: &str| on == name;
        here.structs
            .extend(there.structs.iter().filter(|(s, _)| mine(s)).cloned());
        if there.copies.iter().any(|c| mine(c)) {
            here.copies.push(name.to_owned());
        }
        if there.tuple_structs.iter().any(|c| mine(c)) {
            here.tuple_structs.push(name.to_owned());
        }
        // What is said of the struct's fields, as its own file says it.
        fn of_struct<T: Clone>(here: &mut Vec<(String, T)>, there: &[(String, T)], name: &str) {
            here.extend(there.iter().filter(|(s, _)| s == name).cloned());
        }
        of_struct(&mut here.field_names, &there.field_names, name);
        of_struct(&mut here.number_fields, &there.number_fields, name);
        of_struct(&mut here.field_kinds, &there.field_kinds, name);
        here.differentiated_methods
            .extend(there.differentiated_methods.iter().cloned());
        let fields: Vec<String> = there
            .field_types
            .iter()
            .filter(|f| mine(&f.on))
            .map(|f| f.ty.clone())
            .collect();
        here.field_types.extend(
            std::mem::take(&mut there.field_types)
                .into_iter()
                .filter(|f| mine(&f.on)),
        );
        let bound = HashSet::new();
        for m in std::mem::take(&mut there.struct_methods) {
            if mine(&m.on)
                && let Some(text) = self.method_text(&module, &m.text, here, &bound)
            {
                here.struct_methods.push(super::StructMethod { text, ..m });
            }
        }
        for (on, n, value) in std::mem::take(&mut there.struct_consts) {
            if mine(&on)
                && let Ok(mut value) = syn::parse_str::<syn::Expr>(&value)
            {
                self.qualify_expr(&module, &mut value, here);
                here.struct_consts
                    .push((on, n, value.to_token_stream().to_string()));
            }
        }
        for m in std::mem::take(&mut there.param_methods) {
            if mine(&m.on) {
                let text = m
                    .text
                    .as_ref()
                    .and_then(|t| self.method_text(&module, t, here, &bound));
                here.param_methods.push(super::ParamMethod { text, ..m });
            }
        }
        // Its functions of floats without `self`, by path (`Dense::act`).
        let prefix = format!("{name}::");
        for (key, text) in std::mem::take(&mut there.float_fns) {
            if key.starts_with(&prefix)
                && !here.fns.iter().any(|(n, _)| *n == key)
                && let Ok(mut f) = syn::parse_str::<syn::ItemFn>(&text)
            {
                let mut bound = HashSet::new();
                Bound(&mut bound).visit_item_fn(&f);
                self.qualify(&module, &bound, &mut f.block, here, 0);
                here.fns.push((key.clone(), true));
                here.float_fns.push((key, f.to_token_stream().to_string()));
            }
        }
        for ty in fields {
            self.bring_struct(abs, &ty, here);
        }
    }

    /// An expression with its paths written from the root.
    fn qualify_expr(&mut self, module: &Module, e: &mut syn::Expr, here: &mut Scope) {
        let mut block: syn::Block = syn::parse_quote!({ #e });
        self.qualify(module, &HashSet::new(), &mut block, here, 0);
        if let Some(syn::Stmt::Expr(value, None)) = block.stmts.pop() {
            *e = value;
        }
    }

    /// A method's text with its body's paths written from the root.
    fn method_text(
        &mut self,
        module: &Module,
        text: &str,
        here: &mut Scope,
        bound: &HashSet<String>,
    ) -> Option<String> {
        let mut m: syn::ImplItemFn = syn::parse_str(text).ok()?;
        let mut bound = bound.clone();
        Bound(&mut bound).visit_impl_item_fn(&m);
        self.qualify(module, &bound, &mut m.block, here, 0);
        Some(m.to_token_stream().to_string())
    }
}

/// Whether each file directly in `dir` is a crate of its own.
fn one_file_crates(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| matches!(n, "tests" | "examples" | "benches" | "bin"))
}

/// Each name a `use` tree brings in: its module path, its name (`None` for a glob), and
/// the local name (`*` for a glob).
fn flatten(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    each: &mut dyn FnMut(Vec<String>, Option<String>, String),
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, each);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident != "self" && !prefix.is_empty() => {
            each(
                prefix.clone(),
                Some(n.ident.to_string()),
                n.ident.to_string(),
            );
        }
        syn::UseTree::Rename(r) if r.ident != "self" && !prefix.is_empty() => {
            each(
                prefix.clone(),
                Some(r.ident.to_string()),
                r.rename.to_string(),
            );
        }
        syn::UseTree::Glob(_) if !prefix.is_empty() => each(prefix.clone(), None, "*".into()),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix, each);
            }
        }
        _ => {}
    }
}

/// The paths a file calls (`f(..)`, `act::f(..)`, and `.map(act::f)`): the names it may
/// call in the crate's other files.
#[derive(Default)]
struct Paths(Vec<Vec<String>>);

impl Paths {
    fn add(&mut self, e: &syn::Expr) {
        if let syn::Expr::Path(p) = e
            && p.qself.is_none()
            && p.path.leading_colon.is_none()
            && p.path.segments.iter().all(|s| s.arguments.is_empty())
        {
            let path: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if !self.0.contains(&path) {
                self.0.push(path);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.add(&c.func);
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        for a in &m.args {
            self.add(a);
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

/// The names a function binds (parameters, `let`s, closures' and loops' patterns): they
/// shadow the module's items of the same name.
struct Bound<'a>(&'a mut HashSet<String>);

impl<'ast> Visit<'ast> for Bound<'_> {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.0.insert(p.ident.to_string());
        syn::visit::visit_pat_ident(self, p);
    }
}

/// Writes each path whose first name `module` declares or imports from the crate's root
/// (or as the external path it imports), and collects the functions of this crate it
/// calls.
struct Qualify<'a> {
    krate: &'a mut Crate,
    module: &'a Module,
    bound: &'a HashSet<String>,
    calls: Vec<(Vec<String>, String)>,
}

impl Qualify<'_> {
    /// The path written from the root, and the item it names where it is in this crate.
    fn path(&mut self, path: &mut syn::Path) -> Option<(Vec<String>, String)> {
        if path.leading_colon.is_some() {
            return None;
        }
        let first = path.segments.first()?.ident.to_string();
        if self.bound.contains(&first) || !self.known(&first) {
            return None;
        }
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let (full, item) = match self.krate.resolve(self.module, &names, 0)? {
            Target::Crate(m, n) => {
                let full = ["crate".to_owned()]
                    .into_iter()
                    .chain(m.iter().cloned())
                    .chain([n.clone()])
                    .collect::<Vec<_>>();
                (full, Some((m, n)))
            }
            Target::External(p) => (p, None),
        };
        // The last segment keeps its arguments (`Vec::<f64>::new` is not rewritten).
        let span = path.segments.first()?.ident.span();
        let last = path.segments.last()?.arguments.clone();
        let mut segments: syn::punctuated::Punctuated<syn::PathSegment, syn::Token![::]> = full
            .iter()
            .map(|s| syn::PathSegment::from(syn::Ident::new(s, span)))
            .collect();
        if let Some(l) = segments.last_mut() {
            l.arguments = last;
        }
        path.segments = segments;
        item
    }

    /// Whether the module declares or imports `name`.
    fn known(&self, name: &str) -> bool {
        self.module.declared.contains(name)
            || self.module.mods.iter().any(|m| m == name)
            || self
                .module
                .uses
                .iter()
                .any(|(_, _, local)| local == name || local == "*")
    }
}

impl VisitMut for Qualify<'_> {
    fn visit_expr_call_mut(&mut self, c: &mut syn::ExprCall) {
        if let syn::Expr::Path(p) = &mut *c.func
            && p.qself.is_none()
            && let Some(item) = self.path(&mut p.path)
        {
            self.calls.push(item);
        } else {
            self.visit_expr_mut(&mut c.func);
        }
        for a in &mut c.args {
            self.visit_expr_mut(a);
        }
    }
    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_none()
            && let Some(item) = self.path(&mut p.path)
        {
            // `.map(sq)`: a function named as a value.
            self.calls.push(item);
        }
    }
    fn visit_type_path_mut(&mut self, p: &mut syn::TypePath) {
        if p.qself.is_none() {
            self.path(&mut p.path);
        }
        syn::visit_mut::visit_type_path_mut(self, p);
    }
    fn visit_expr_struct_mut(&mut self, s: &mut syn::ExprStruct) {
        self.path(&mut s.path);
        syn::visit_mut::visit_expr_struct_mut(self, s);
    }
    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}
