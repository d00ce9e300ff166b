//! Unique, readable names for everything the generated code declares.
//!
//! Every IR variable gets a name no other variable has, and the names derived from it
//! (`grad_q`, `pullback_q`, `q_stack`, ...) are reserved with it, so the generated code
//! reads unambiguously in `cargo expand` even where hygiene would keep equal names apart.
//! Names never depend on hash order (the sets are only asked what they contain): the same
//! function always gets the same names.

use std::collections::{BTreeMap, HashSet};

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
}

impl Derived {
    pub const ALL: [Derived; 13] = [
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
    taken: HashSet<String>,
    /// Every identifier in the user's function: temporaries avoid them all.
    user: HashSet<String>,
    temps: usize,
    /// The last number given to each numbered base: the next search starts after it, so
    /// naming `s` a thousand times (`s += ...` in a row) costs linear time, not quadratic.
    numbers: BTreeMap<String, usize>,
}

impl Names {
    pub fn new(user: HashSet<String>) -> Self {
        Names {
            taken: HashSet::new(),
            user,
            temps: 0,
            numbers: BTreeMap::new(),
        }
    }

    /// A name for a variable the user named `base`: `base` itself when it and its derived
    /// names are free, else `base_1`, `base_2`, ...
    pub fn user_var(&mut self, base: &str) -> String {
        let base = base
            .strip_prefix("r#")
            .map_or_else(|| base.to_owned(), |b| format!("{b}_"));
        if self.free(&base, false) {
            return self.take(base);
        }
        self.numbered(&base)
    }

    /// A name for code the macro writes in the user's syntax (a loop's index, an
    /// accumulator): one the function does not use, from then on taken as if it did.
    pub fn syntax(&mut self, base: &str) -> String {
        unused(&mut self.user, base)
    }

    /// A name for a temporary: `s0`, `s1`, ... in source order.
    pub fn temp(&mut self) -> String {
        loop {
            let name = format!("s{}", self.temps);
            self.temps += 1;
            if self.free(&name, true) {
                return self.take(name);
            }
        }
    }

    /// A name for a generated variable: `base` if free, else `base_1`, ...
    pub fn generated(&mut self, base: &str) -> String {
        if self.free(base, true) {
            return self.take(base.to_owned());
        }
        self.numbered(base)
    }

    fn numbered(&mut self, base: &str) -> String {
        // Names are only ever taken, never freed: every number below the last one given is
        // still taken.
        let mut n = self.numbers.get(base).map_or(1, |last| last + 1);
        loop {
            let name = format!("{base}_{n}");
            if self.free(&name, true) {
                self.numbers.insert(base.to_owned(), n);
                return self.take(name);
            }
            n += 1;
        }
    }

    /// Calls `f` with each name derived from `name`, built in one reused buffer; stops at
    /// the first `false`.
    fn all_derived(name: &str, mut f: impl FnMut(&str) -> bool) -> bool {
        let mut buffer = String::with_capacity(name.len() + 16);
        Derived::ALL.iter().all(|d| {
            let (prefix, suffix) = d.affixes();
            buffer.clear();
            buffer.push_str(prefix);
            buffer.push_str(name);
            buffer.push_str(suffix);
            f(&buffer)
        })
    }

    fn free(&self, name: &str, avoid_user: bool) -> bool {
        !(self.taken.contains(name) || is_keyword(name) || avoid_user && self.user.contains(name))
            && Names::all_derived(name, |d| !self.taken.contains(d) && !self.user.contains(d))
    }

    fn take(&mut self, name: String) -> String {
        Names::all_derived(&name, |d| {
            self.taken.insert(d.to_owned());
            true
        });
        self.taken.insert(name.clone());
        name
    }
}

/// `base`, else `base_1`, `base_2`, ...: the first that is neither in `taken` nor a keyword,
/// then added to `taken`. Names for code the macro writes in the user's syntax.
pub fn unused(taken: &mut HashSet<String>, base: &str) -> String {
    let mut name = base.to_owned();
    let mut n = 1;
    while taken.contains(&name) || is_keyword(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
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
}
