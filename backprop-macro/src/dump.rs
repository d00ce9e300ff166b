//! `Debug` for each stage's output, compact and readable: the IR as one operation per line,
//! the analysis as the sets it found, the backward pass as its statements. The pass tests
//! (`snapshots::passes_match_snapshots`) print them for small functions.

#[cfg(test)]
use crate::analysis::{Analysis, Facts};
use crate::ir::*;
#[cfg(test)]
use crate::reverse::{B, Replay};
use crate::rules::E;
#[cfg(test)]
use crate::rules::Place;
use quote::ToTokens;
#[cfg(test)]
use std::fmt::Write;
use std::fmt::{self, Debug, Formatter};

/// `[i]`, or `[i][j]` in a nested sequence, `[l].w[j]` in a sequence of structs.
fn at(i: &Index) -> String {
    let fields = |at: usize| -> String {
        i.1.iter()
            .filter(|(k, _)| *k == at)
            .map(|(_, m)| format!(".{}", m.to_token_stream()))
            .collect()
    };
    let levels: String =
        i.0.iter()
            .enumerate()
            .map(|(at, k)| format!("{}[{}]", fields(at), text(k)))
            .collect();
    levels + &fields(i.0.len())
}

/// A constant's source text.
fn text(k: &Konst) -> String {
    k.expr.to_token_stream().to_string()
}

/// Lines of a block, indented.
struct Lines<'a, T>(&'a [T], usize, &'a Func);

impl Debug for Func {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                let kind = if p.differentiable() {
                    ""
                } else {
                    " (constant)"
                };
                format!("{}{kind}", self.vars[p.var].ident)
            })
            .collect();
        writeln!(
            f,
            "fn {}({}) -> {:?}",
            self.name,
            params.join(", "),
            self.ret_kind
        )?;
        write!(f, "{:?}", Lines(&self.body.stmts, 1, self))?;
        writeln!(f, "  result {}", operand(self, &self.result))
    }
}

impl Debug for Kind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Float => "float",
            Kind::Seq => "sequence",
            Kind::Int => "integer",
            Kind::Bool => "bool",
            Kind::Tensor => "array",
            Kind::Struct => "struct",
            Kind::Pullback => "pullback",
            Kind::Other => "other",
        })
    }
}

fn bin_text(b: BinOp) -> &'static str {
    match b {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
    }
}

fn name(func: &Func, v: VarId) -> String {
    func.vars[v].ident.to_string()
}

fn operand(func: &Func, o: &Operand) -> String {
    match o {
        Operand::Var(v) => name(func, *v),
        Operand::Elem(v, i) => format!("{}{}", name(func, *v), at(i)),
        Operand::Konst(k) => text(k),
    }
}

fn op(func: &Func, op: &Op) -> String {
    let o = |x: &Operand| operand(func, x);
    let list = |xs: &[&Operand]| xs.iter().map(|x| o(x)).collect::<Vec<_>>().join(", ");
    match op {
        Op::Konst(k) => format!("const {}", text(k)),
        Op::Copy(a) => o(a),
        Op::Neg(a) => format!("-{}", o(a)),
        Op::Bin(b, x, y) => {
            let b = bin_text(*b);
            format!("{} {b} {}", o(x), o(y))
        }
        Op::Math(m, a, rest) => {
            let rest: Vec<&Operand> = rest.iter().collect();
            format!("{}.{}({})", o(a), m.name(), list(&rest))
        }
        Op::Cast(a, ty) => format!("{} as {}", o(a), ty.to_token_stream()),
        Op::Call(c) => {
            let args: Vec<&Operand> = c.args.iter().map(|a| &a.value).collect();
            let path = c.path.to_token_stream().to_string().replace(' ', "");
            match c.method {
                Some(_) => format!("call method {path}({})", list(&args)),
                None => format!("call {path}({})", list(&args)),
            }
        }
        Op::List { items, vec } => {
            let items: Vec<&Operand> = items.iter().collect();
            let bang = if *vec { "vec!" } else { "" };
            format!("{bang}[{}]", list(&items))
        }
        Op::Dot(a, b) => format!("{}.dot({})", o(a), o(b)),
        Op::Field(f) => {
            let amp = if f.by_ref { "&" } else { "" };
            let path = f.path_tokens().to_string().replace(' ', "");
            format!("{amp}{}{path}", name(func, f.root))
        }
        Op::Reduce(r, a) => {
            let (kernel, args) = r.forward();
            let args: Vec<String> = args.iter().map(|e| expr(func, e)).collect();
            let args = std::iter::once(o(a)).chain(args).collect::<Vec<_>>();
            format!("{}({})", kernel.name(), args.join(", "))
        }
    }
}

impl Debug for Lines<'_, Stmt> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Lines(stmts, depth, func) = *self;
        let pad = "  ".repeat(depth);
        for stmt in stmts {
            match stmt {
                Stmt::Let { var, op: o, .. } => {
                    let kind = func.vars[*var].kind;
                    writeln!(
                        f,
                        "{pad}let {}: {kind:?} = {}",
                        name(func, *var),
                        op(func, o)
                    )?
                }
                Stmt::Declare { var } => writeln!(f, "{pad}let {}", name(func, *var))?,
                Stmt::Assign { var, op: o, .. } => {
                    writeln!(f, "{pad}{} = {}", name(func, *var), op(func, o))?
                }
                Stmt::SetElem {
                    var, index, op: o, ..
                } => {
                    let v = name(func, *var);
                    writeln!(f, "{pad}{v}{} = {}", at(index), op(func, o))?
                }
                Stmt::Eval(k) => writeln!(f, "{pad}{}", text(k))?,
                Stmt::If {
                    cond, then, els, ..
                } => {
                    writeln!(f, "{pad}if {}", text(cond))?;
                    write!(f, "{:?}", Lines(&then.stmts, depth + 1, func))?;
                    writeln!(f, "{pad}else")?;
                    write!(f, "{:?}", Lines(&els.stmts, depth + 1, func))?;
                }
                Stmt::Loop { head, body, .. } => {
                    let var = |v: &Option<VarId>| v.map_or("_".to_owned(), |v| name(func, v));
                    match head {
                        LoopHead::Range { var: v, steps } => {
                            writeln!(f, "{pad}for {} in {}", var(v), text(steps))?
                        }
                        LoopHead::Iter { var: v, iter } => {
                            writeln!(f, "{pad}for {} in {}", var(v), text(iter))?
                        }
                        LoopHead::While { cond } => writeln!(f, "{pad}while {}", text(cond))?,
                        LoopHead::Infinite => writeln!(f, "{pad}loop")?,
                    }
                    write!(f, "{:?}", Lines(&body.stmts, depth + 1, func))?;
                }
                Stmt::Break => writeln!(f, "{pad}break")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
/// The analysis of `func`, as the variables in each set it found.
pub fn analysis(func: &Func, a: &Analysis) -> String {
    let set = |fact: fn(&Facts) -> bool| -> String {
        let names: Vec<String> = (0..a.facts.len().min(func.vars.len()))
            .filter(|&v| fact(&a.facts[v]))
            .map(|v| name(func, v))
            .collect();
        if names.is_empty() {
            "-".to_owned()
        } else {
            names.join(", ")
        }
    };
    let list = |vs: &[VarId]| {
        let names: Vec<String> = vs.iter().map(|&v| name(func, v)).collect();
        if names.is_empty() {
            "-".to_owned()
        } else {
            names.join(", ")
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "active: {}", set(|f| f.active));
    let _ = writeln!(out, "read backward: {}", set(|f| f.needed));
    let _ = writeln!(out, "saved on assignment: {}", set(|f| f.saved));
    let _ = writeln!(out, "stacks: {}", list(&a.stacks));
    for (scope, vs) in &a.block_saves {
        let _ = writeln!(out, "pushed at the end of block {scope}: {}", list(vs));
    }
    for (scope, vs) in &a.loop_saves {
        let _ = writeln!(out, "saved once around loop {scope}: {}", list(vs));
    }
    for (scope, vs) in &a.loop_unsaved {
        let _ = writeln!(
            out,
            "not saved in loop {scope}, defined just before it: {}",
            list(vs)
        );
    }
    if a.tape {
        let _ = writeln!(out, "calls itself on one tape");
    }
    if !a.shape_only.is_empty() {
        let _ = writeln!(out, "kept as shapes: {}", list(&a.shape_only));
    }
    for (scope, at) in &a.unread_assigns {
        let _ = writeln!(
            out,
            "saves nothing: the assignment at position {at} of block {scope}"
        );
    }
    for (pullback, i) in &a.copied_args {
        let _ = writeln!(
            out,
            "passed as a copy: argument {i} of the call with {}",
            name(func, *pullback)
        );
    }
    if !a.moved.is_empty() {
        let v: Vec<VarId> = a.moved.iter().copied().collect();
        let _ = writeln!(out, "moved, not copied: {}", list(&v));
    }
    for (scope, p) in &a.picks {
        let (m, at) = (name(func, p.acc), name(func, p.at));
        let _ = writeln!(
            out,
            "running extremum in loop {scope}: {m}, picked last at {at}"
        );
    }
    for (scope, ss) in &a.snapshots.around {
        for s in ss {
            let (v, lo, hi) = (name(func, s.var), text(&s.lo), text(&s.hi));
            let _ = writeln!(out, "copied whole around loop {scope}: {v}[{lo}..{hi}]");
        }
    }
    for (scope, ops) in &a.recompute {
        let vs: Vec<VarId> = ops.iter().map(|(v, _)| *v).collect();
        let _ = writeln!(out, "recomputed in block {scope}: {}", list(&vs));
    }
    for (scope, c) in &a.control {
        let var = |v: Option<VarId>| v.map_or("-".to_owned(), |v| name(func, v));
        let _ = writeln!(
            out,
            "control of block {scope}: flag {}, range {}, count {}",
            var(c.flag),
            var(c.range),
            var(c.count)
        );
    }
    out
}

#[cfg(test)]
/// The backward pass, one statement per line.
pub fn backward(func: &Func, stmts: &[B]) -> String {
    let mut out = String::new();
    backward_lines(func, stmts, 0, &mut out);
    out
}

#[cfg(test)]
fn backward_lines(func: &Func, stmts: &[B], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let e = |x: &E| expr(func, x);
    let p = |x: &Place| place(func, x);
    for b in stmts {
        let _ = match b {
            B::LetAdj(v, x) => writeln!(out, "{pad}let grad_{} = {}", name(func, *v), e(x)),
            B::ZeroAdj(v) => writeln!(out, "{pad}let grad_{} = 0", name(func, *v)),
            B::SetAdj(pl, x) => writeln!(out, "{pad}grad_{} = {}", p(pl), e(x)),
            B::AddAdj(pl, x) => writeln!(out, "{pad}grad_{} += {}", p(pl), e(x)),
            B::Kill(pl) => writeln!(out, "{pad}grad_{} = 0", p(pl)),
            B::LetGrads(v, x) => writeln!(out, "{pad}let grads_{} = {}", name(func, *v), e(x)),
            B::PullInto(v, x, _) => writeln!(
                out,
                "{pad}{}({}) into the parameters' gradients",
                name(func, *v),
                e(x)
            ),
            B::LetPullback(v, call) => match call.result {
                Some(r) => writeln!(
                    out,
                    "{pad}let {} = pullback at {}",
                    name(func, *v),
                    name(func, r)
                ),
                None => writeln!(out, "{pad}let {} = call again", name(func, *v)),
            },
            B::LetUp(pl) => writeln!(out, "{pad}let upstream_{0} = grad_{0}", p(pl)),
            B::Pop(v) => writeln!(out, "{pad}pop {}", name(func, *v)),
            B::Recompute(v, o) => writeln!(out, "{pad}let {} = {}", name(func, *v), op(func, o)),
            B::Restore(v) => writeln!(out, "{pad}restore {}", name(func, *v)),
            B::RestoreElem(v, i) => writeln!(out, "{pad}restore {}{}", name(func, *v), at(i)),
            B::AddSum(v, e) => {
                writeln!(out, "{pad}sum_grad_{} += {}", name(func, *v), expr(func, e))
            }
            B::Undo(v, undo) => {
                let undo = quote::quote!(#undo);
                writeln!(out, "{pad}undo {} = {undo}", name(func, *v))
            }
            B::Unpush(v) => writeln!(out, "{pad}unpush {}", name(func, *v)),
            B::Repush(v) => writeln!(out, "{pad}repush {}", name(func, *v)),
            B::RestoreSlice(s) => writeln!(
                out,
                "{pad}restore {}[{}..{}]",
                name(func, s.var),
                text(&s.lo),
                text(&s.hi)
            ),
            B::If(c, t, els) => {
                let _ = writeln!(out, "{pad}if {}", e(c));
                backward_lines(func, t, depth + 1, out);
                if !els.is_empty() {
                    let _ = writeln!(out, "{pad}else");
                    backward_lines(func, els, depth + 1, out);
                }
                Ok(())
            }
            B::For(v, replay, body) => {
                let var = v.map_or("_".to_owned(), |v| name(func, v));
                let how = match replay {
                    Replay::Rev(r) => format!("{}.rev()", name(func, *r)),
                    Replay::Partial(r, c) => {
                        format!("{}.replay({})", name(func, *r), name(func, *c))
                    }
                    Replay::Count(c) => format!("0..{}", name(func, *c)),
                    Replay::Forward(r) => name(func, *r),
                };
                let _ = writeln!(out, "{pad}for {var} in {how}");
                backward_lines(func, body, depth + 1, out);
                Ok(())
            }
            B::Nop => Ok(()),
        };
    }
}

#[cfg(test)]
fn place(func: &Func, p: &Place) -> String {
    match p {
        Place::Var(v) => name(func, *v),
        Place::Elem(v, i) | Place::Part(v, i) => format!("{}{}", name(func, *v), at(i)),
    }
}

/// An expression of derivative code, fully parenthesized.
pub fn expr(func: &Func, e: &E) -> String {
    let x = |e: &E| expr(func, e);
    let all = |es: &[E]| es.iter().map(x).collect::<Vec<_>>().join(", ");
    match e {
        E::Var(v) => name(func, *v),
        E::Adj(v) => format!("grad_{}", name(func, *v)),
        E::Dot(v) => format!("dot_{}", name(func, *v)),
        E::Elem(v, i) => format!("{}{}", name(func, *v), at(i)),
        E::AdjElem(v, i) => format!("grad_{}{}", name(func, *v), at(i)),
        E::DotElem(v, i) => format!("dot_{}{}", name(func, *v), at(i)),
        E::Up(v) => format!("upstream_{}", name(func, *v)),
        E::DotAdj(v) => format!("dot_grad_{}", name(func, *v)),
        E::DotAdjElem(v, i) => format!("dot_grad_{}{}", name(func, *v), at(i)),
        E::DotUp(v) => format!("dot_upstream_{}", name(func, *v)),
        E::Select(c, a, b) => format!("if {} {{ {} }} else {{ {} }}", x(c), x(a), x(b)),
        E::Tensor(a) => x(a),
        E::Konst(k) => text(k),
        E::Lit(l) => (*l).to_owned(),
        E::Bin(b, l, r) => {
            let b = bin_text(*b);
            format!("({} {b} {})", x(l), x(r))
        }
        E::Neg(a) => format!("-{}", x(a)),
        E::Not(a) => format!("!{}", x(a)),
        E::Method(m, r, args) => format!("{}.{}({})", x(r), m.name(), all(args)),
        E::Helper(h, args) => format!("d::{}({})", h.name(), all(args)),
        E::Kernel(k, args) => format!("tensor::{}({})", k.name(), all(args)),
        E::Field(a, i) => format!("{}.{i}", x(a)),
        E::Apply(v, args) => format!("{}({})", name(func, *v), all(args)),
    }
}
