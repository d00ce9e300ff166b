#!/usr/bin/env bash
# Compile time of a straight-line function of N operations (F2's terms, `s += ...` one per
# statement; the same function as backprop-macro's `expansion_benchmark`), without the
# attribute and with `#[differentiate(reverse)]`, `#[differentiate]` and
# `#[differentiate(hessian)]`: wall time of `cargo check` and `cargo build --release` of
# that one crate (dependencies built beforehand), and, when a nightly toolchain is
# installed, rustc's own `macro_expand_crate` time (`-Z time-passes`, measuring only).
# The row `#[floor::reparse]` is the least any `syn`-based attribute macro costs: a macro
# (built here) that parses the function with `syn` and prints it back unchanged.
#
#   benches/compile_time.sh [N...]        (default: 250 1000 4000)
#   OPTIMIZED_MACROS=1 benches/compile_time.sh ...   builds the proc macros and their
#       dependencies optimized (`[profile.dev.build-override] opt-level = 3`, also for
#       release), as the README suggests for crates with very long functions.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src" "$dir/floor/src"
cat >"$dir/floor/Cargo.toml" <<TOML
[package]
name = "floor"
version = "0.0.0"
edition = "2021"
publish = false
[lib]
proc-macro = true
[dependencies]
syn = { version = "3", features = ["full"] }
quote = "1"
TOML
cat >"$dir/floor/src/lib.rs" <<'RUST'
//! Parses a function with `syn` and prints it back: the floor of an attribute's cost.
use proc_macro::TokenStream;
#[proc_macro_attribute]
pub fn reparse(_: TokenStream, item: TokenStream) -> TokenStream {
    let f: syn::ItemFn = syn::parse(item).expect("a function");
    quote::quote!(#f).into()
}
RUST
cat >"$dir/Cargo.toml" <<TOML
[package]
name = "compile-time"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
backprop = { path = "$repo" }
floor = { path = "floor" }
# rustc overflows its stack emitting debug info for a 2,000-operation function with
# hessian (see BENCHMARKS.md); the rustc timing builds without debug info.
[profile.dev]
debug = 0
[workspace]
TOML
if [ -n "${OPTIMIZED_MACROS:-}" ]; then
    printf '[profile.dev.build-override]\nopt-level = 3\n[profile.release.build-override]\nopt-level = 3\n' >>"$dir/Cargo.toml"
fi

generate() { # ops, attribute
    local ops=$1 attr=$2 count=0 k=0 a b
    [ -n "$attr" ] && echo "$attr"
    echo "pub fn big(x: &[f64; 20]) -> f64 {"
    echo "    let mut s = 0.0;"
    while [ "$count" -lt "$ops" ]; do
        a=$((k % 20)) b=$(((7 * k + 3) % 20))
        case $((k % 3)) in
            0) echo "    s += (x[$a] * x[$b]).sin();"; count=$((count + 3)) ;;
            1) echo "    s += x[$a] * x[$b].exp();"; count=$((count + 3)) ;;
            *) echo "    s += x[$a] * x[$b];"; count=$((count + 2)) ;;
        esac
        k=$((k + 1))
    done
    echo "    s"
    echo "}"
}

seconds() { # command...: wall seconds, or "failed"
    local t0 t1
    t0=$(date +%s.%N)
    if ! "$@" >/dev/null 2>&1; then
        echo "failed"
        return
    fi
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l | xargs printf '%.2f s'
}

cd "$dir"
generate 10 "" >src/lib.rs
cargo build --quiet && cargo build --quiet --release && cargo check --quiet
nightly=$(rustup toolchain list 2>/dev/null | grep -c '^nightly' || true)

echo "| operations | attribute | cargo check | cargo build --release | macro expansion (rustc) |"
echo "|---|---|---|---|---|"
for ops in "${@:-250 1000 4000}"; do
    for attr in "" "#[floor::reparse]" "#[backprop::differentiate(reverse)]" \
        "#[backprop::differentiate]" "#[backprop::differentiate(hessian)]"; do
        generate "$ops" "$attr" >src/lib.rs
        touch src/lib.rs
        check=$(seconds cargo check)
        touch src/lib.rs
        release=$(seconds cargo build --release)
        expand="-"
        if [ "$nightly" -gt 0 ]; then
            touch src/lib.rs
            expand=$(cargo +nightly rustc --lib -- -Z time-passes 2>&1 |
                awk '/macro_expand_crate/ { sub(";", "", $2); print $2 " s" }' || true)
        fi
        echo "| $ops | ${attr:-(none)} | ${check} | ${release} | ${expand:-failed} |"
    done
done
