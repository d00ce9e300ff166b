//! Unique, readable names for everything the generated code declares.
//!
//! Every IR variable gets a name no other variable has, and the names derived from it
//! (`grad_q`, `pullback_q`, `q_stack`, ...) are reserved with it, so the generated code
//! reads unambiguously in `cargo expand` even where hygiene would keep equal names apart.
//! Names never depend on hash order (the sets are only asked what they contain): the same
//! function always gets the same names.

use std::collections::{BTreeMap, HashSet};

/// A set of names by their 64-bit [`Poly`] hash: open addressing with linear probing, in a
/// table at most half full. A collision can only make a free name look taken (it is then
/// numbered), never give two variables one name.
///
/// Every variable's name and its fourteen derived names are looked up and reserved here.
/// As cargo builds proc macros (unoptimized), a `HashSet<String>` cost about ten
/// microseconds per variable (SipHash, an allocation per name, hashbrown's SIMD probing as
/// a dozen calls): a fifth of the whole expansion. This costs a small part of that: the
/// derived names' hashes come from the name's by arithmetic, without writing them out.
#[derive(Clone, Default)]
struct Hashed {
    slots: Vec<u64>,
    len: usize,
}

impl Hashed {
    fn contains(&self, name: &str) -> bool {
        self.has(Poly::of(name).key())
    }

    fn insert(&mut self, name: &str) {
        self.put(Poly::of(name).key());
    }

    fn has(&self, key: u64) -> bool {
        self.slot(key).1
    }

    fn put(&mut self, key: u64) {
        if 2 * (self.len + 1) > self.slots.len() {
            let size = (2 * self.slots.len()).max(64);
            let old = std::mem::replace(&mut self.slots, vec![0; size]);
            for key in old {
                if key != 0 {
                    let (at, _) = self.slot(key);
                    self.slots[at] = key;
                }
            }
        }
        let (at, present) = self.slot(key);
        if !present {
            self.slots[at] = key;
            self.len += 1;
        }
    }

    /// Where `key` is, or the empty slot where it would go.
    fn slot(&self, key: u64) -> (usize, bool) {
        if self.slots.is_empty() {
            return (0, false);
        }
        let mask = self.slots.len() - 1;
        let mut at = key as usize & mask;
        loop {
            let k = self.slots[at];
            if k == 0 {
                return (at, false);
            }
            if k == key {
                return (at, true);
            }
            at = (at + 1) & mask;
        }
    }
}

/// A polynomial hash of a name, `Σ bᵢ·B^(n−1−i)` (wrapping), with `B^n`: the hash of a
/// concatenation follows from its parts' (`hash(a ++ b) = hash(a)·B^|b| + hash(b)`), so a
/// derived name's (`grad_` ++ name) costs two multiplications.
#[derive(Clone, Copy)]
struct Poly {
    hash: u64,
    /// `B^n`, `n` the name's length.
    power: u64,
}

impl Poly {
    const BASE: u64 = 0x100_0000_01b3;

    fn of(name: &str) -> Poly {
        let (mut hash, mut power) = (0u64, 1u64);
        for &b in name.as_bytes() {
            hash = hash.wrapping_mul(Self::BASE).wrapping_add(b as u64);
            power = power.wrapping_mul(Self::BASE);
        }
        Poly { hash, power }
    }

    /// `self ++ other`.
    fn then(self, other: Poly) -> Poly {
        Poly {
            hash: self.hash.wrapping_mul(other.power).wrapping_add(other.hash),
            power: self.power.wrapping_mul(other.power),
        }
    }

    /// The table's key: a finalizer (MurmurHash3's) spreads every bit into the low ones the
    /// table indexes by. Never zero, the empty slot.
    fn key(self) -> u64 {
        let mut h = self.hash ^ self.power.rotate_left(17);
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        (h ^ (h >> 33)) | 1
    }
}

/// A name derived from a variable's, reserved with it: its adjoint, tangent, the adjoint's
/// tangent, pullback, stacks and their tangents. The one list both naming (here) and
/// printing (`emit`) use.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// `grad_x`
    Grad,
    /// `pullback_x`
    Pullback,
    /// `grads_x`
    Grads,
    /// `dot_x`
    Dot,
    /// `upstream_x`
    Upstream,
    /// `dot_grad_x`
    DotGrad,
    /// `dot_upstream_x`
    DotUpstream,
    /// `x_stack`
    Stack,
    /// `x_elems`
    Elems,
    /// `dot_x_stack`
    DotStack,
    /// `dot_x_elems`
    DotElems,
    /// `sum_grad_x`
    Sum,
    /// `into_grad_x`: the caller's gradient a pullback adds into.
    Into,
    /// `x_before`: a running extremum's value before its loop.
    Before,
}

impl Derived {
    pub const ALL: [Derived; 14] = [
        Derived::Grad,
        Derived::Pullback,
        Derived::Grads,
        Derived::Dot,
        Derived::Upstream,
        Derived::DotGrad,
        Derived::DotUpstream,
        Derived::Stack,
        Derived::Elems,
        Derived::DotStack,
        Derived::DotElems,
        Derived::Sum,
        Derived::Into,
        Derived::Before,
    ];

    /// What goes before and after the variable's name.
    pub fn affixes(self) -> (&'static str, &'static str) {
        match self {
            Derived::Grad => ("grad_", ""),
            Derived::Pullback => ("pullback_", ""),
            Derived::Grads => ("grads_", ""),
            Derived::Dot => ("dot_", ""),
            Derived::Upstream => ("upstream_", ""),
            Derived::DotGrad => ("dot_grad_", ""),
            Derived::DotUpstream => ("dot_upstream_", ""),
            Derived::Stack => ("", "_stack"),
            Derived::Elems => ("", "_elems"),
            Derived::DotStack => ("dot_", "_stack"),
            Derived::DotElems => ("dot_", "_elems"),
            Derived::Sum => ("sum_grad_", ""),
            Derived::Into => ("into_grad_", ""),
            Derived::Before => ("", "_before"),
        }
    }

    /// The derived name of `base`.
    pub fn of(self, base: &str) -> String {
        let (prefix, suffix) = self.affixes();
        format!("{prefix}{base}{suffix}")
    }
}

#[derive(Clone)]
pub struct Names {
    taken: Hashed,
    /// Each derived name's prefix and suffix, hashed: [`Derived::ALL`]'s affixes.
    affixes: [(Poly, Poly); Derived::ALL.len()],
    /// Every identifier in the user's function: temporaries avoid them all.
    user: Hashed,
    temps: usize,
    /// The last number given to each numbered base: the next search starts after it, so
    /// naming `s` a thousand times (`s += ...` in a row) costs linear time, not quadratic.
    numbers: BTreeMap<String, usize>,
}

impl Names {
    pub fn new(user: HashSet<String>) -> Self {
        Names {
            taken: Hashed::default(),
            affixes: Derived::ALL.map(|d| {
                let (prefix, suffix) = d.affixes();
                (Poly::of(prefix), Poly::of(suffix))
            }),
            user: {
                let mut hashed = Hashed::default();
                user.iter().for_each(|name| hashed.insert(name));
                hashed
            },
            temps: 0,
            numbers: BTreeMap::new(),
        }
    }

    /// Whether `name` is taken by no variable (nor derived from one's name), not in the
    /// user's function and no keyword: free for a binding the printer scopes itself.
    pub fn is_free(&self, name: &str) -> bool {
        let key = Poly::of(name).key();
        !self.taken.has(key) && !self.user.has(key) && !is_keyword(name)
    }

    /// A name for a variable the user named `base`: `base` itself when it and its derived
    /// names are free, else `base_1`, `base_2`, ...
    pub fn user_var(&mut self, base: &str) -> String {
        let base = base
            .strip_prefix("r#")
            .map_or_else(|| base.to_owned(), |b| format!("{b}_"));
        if self.try_take(&base, false) {
            return base;
        }
        self.numbered(&base)
    }

    /// A name for code the macro writes in the user's syntax (a loop's index, an
    /// accumulator): one the function does not use, from then on taken as if it did.
    pub fn syntax(&mut self, base: &str) -> String {
        let name = first_free(base, |name| self.user.contains(name));
        self.user.insert(&name);
        name
    }

    /// A name for a temporary: `s0`, `s1`, ... in source order.
    pub fn temp(&mut self) -> String {
        loop {
            let name = format!("s{}", self.temps);
            self.temps += 1;
            if self.try_take(&name, true) {
                return name;
            }
        }
    }

    /// A name for a generated variable: `base` if free, else `base_1`, ...
    pub fn generated(&mut self, base: &str) -> String {
        if self.try_take(base, true) {
            return base.to_owned();
        }
        self.numbered(base)
    }

    fn numbered(&mut self, base: &str) -> String {
        // Names are only ever taken, never freed: every number below the last one given is
        // still taken.
        let mut n = self.numbers.get(base).map_or(1, |last| last + 1);
        loop {
            let name = format!("{base}_{n}");
            if self.try_take(&name, true) {
                self.numbers.insert(base.to_owned(), n);
                return name;
            }
            n += 1;
        }
    }

    /// Takes `name` and its derived names if they are all free: none taken, none in the
    /// user's function (nor `name` itself, with `avoid_user`), and `name` no keyword.
    fn try_take(&mut self, name: &str, avoid_user: bool) -> bool {
        let base = Poly::of(name);
        let mut keys = [0u64; Derived::ALL.len() + 1];
        keys[0] = base.key();
        if self.taken.has(keys[0]) || avoid_user && self.user.has(keys[0]) || is_keyword(name) {
            return false;
        }
        for (i, (prefix, suffix)) in self.affixes.iter().enumerate() {
            let key = prefix.then(base).then(*suffix).key();
            if self.taken.has(key) || self.user.has(key) {
                return false;
            }
            keys[i + 1] = key;
        }
        for key in keys {
            self.taken.put(key);
        }
        true
    }
}

/// `base`, else `base_1`, `base_2`, ...: the first that is neither in `taken` nor a keyword,
/// then added to `taken`. Names for code the macro writes in the user's syntax.
pub fn unused(taken: &mut HashSet<String>, base: &str) -> String {
    let name = first_free(base, |name| taken.contains(name));
    taken.insert(name.clone());
    name
}

/// `base`, else `base_1`, `base_2`, ...: the first neither `taken` nor a keyword, where the
/// taken ones run on without a gap; else one after a taken one. Found by doubling the
/// suffix and halving the gap back (a name asked for a thousand times, as a helper's local
/// inlined at every call is, costs a few lookups each, not a thousand).
fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let name = |n: usize| match n {
        0 => base.to_owned(),
        n => format!("{base}_{n}"),
    };
    let free = |n: usize| {
        let name = name(n);
        !taken(&name) && !is_keyword(&name)
    };
    if free(0) {
        return name(0);
    }
    // `low` not free, `high` free.
    let (mut low, mut high) = (0, 1);
    while !free(high) {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        match free(mid) {
            true => high = mid,
            false => low = mid,
        }
    }
    name(high)
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// `__differentiate_forward`: the hidden method of a type with a differentiated method
/// `forward` that gives the handle to `forward`'s module (its `Handle`), through which
/// generated code that does not know the receiver's type calls the module's items.
pub fn method_handle(method: &proc_macro2::Ident) -> proc_macro2::Ident {
    proc_macro2::Ident::new(&format!("__differentiate_{method}"), method.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_kept_and_temporaries_avoid_them() {
        let user: HashSet<String> = ["x", "s0", "q"].iter().map(|s| s.to_string()).collect();
        let mut names = Names::new(user);
        assert_eq!(names.user_var("x"), "x");
        assert_eq!(names.user_var("q"), "q");
        assert_eq!(names.temp(), "s1");
        assert_eq!(names.user_var("q"), "q_1");
    }

    #[test]
    fn a_name_whose_adjoint_is_taken_is_renamed() {
        let user: HashSet<String> = ["x", "grad_x"].iter().map(|s| s.to_string()).collect();
        let mut names = Names::new(user);
        assert_eq!(names.user_var("x"), "x_1");
        assert_eq!(names.user_var("grad_x"), "grad_x");
    }

    #[test]
    fn derived_names_hash_as_written_out() {
        for name in [
            "x",
            "s0",
            "grad",
            "a_long_variable_name_of_forty_characters",
        ] {
            for d in Derived::ALL {
                let (prefix, suffix) = d.affixes();
                let joined = Poly::of(prefix).then(Poly::of(name)).then(Poly::of(suffix));
                assert_eq!(joined.key(), Poly::of(&d.of(name)).key(), "{}", d.of(name));
            }
        }
        let user: HashSet<String> = ["q", "q_stack"].iter().map(|s| s.to_string()).collect();
        let mut names = Names::new(user);
        assert_eq!(names.user_var("q"), "q_1");
    }
}
