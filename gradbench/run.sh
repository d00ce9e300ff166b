#!/usr/bin/env bash
# Runs GradBench's evals against backprop's tool, the hand-written C++ `manual` tool and
# (when `python3 -c "import jax"` works) the JAX tool, one core each, through GradBench's
# own intermediary, and prints one table: per eval and input, each tool's median time,
# whether the eval found the output valid, and our ratio to each.
#
#   gradbench/run.sh                     # every eval the tool implements, default sizes
#   EVALS="llsq gmm" gradbench/run.sh    # some of them
#   ARGS_gmm="-d 2 10 -k 5" gradbench/run.sh   # an eval's own size flags (see its --help)
#   MIN_SECONDS=0.2 gradbench/run.sh     # shorter runs (the evals' default is 1 s)
#   TOOLS=backprop CHECK=1 gradbench/run.sh   # our tool only; exit 1 unless every
#                                        # evaluation is valid (CI runs this, small sizes)
#   TOOLS="backprop jax jax-waited" gradbench/run.sh   # also the JAX tool timed until its
#                                        # results exist, in double precision throughout
#                                        # (gradbench/jax_waited.py)
#   MIN_RUNS=5 gradbench/run.sh          # fewer runs per evaluation (default 10; the
#                                        # table drops each evaluation's first, which
#                                        # includes JAX's compilation)
#
# Needs: ../shared/gradbench (GradBench, trimmed), python3 with pip, g++, make, and the
# nlohmann/json headers (installed with apt-get when missing). Logs and the table are in
# target/gradbench-run/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# GradBench's copy: GRADBENCH_SOURCE, else ../shared/gradbench beside the repository (or
# beside the workplace's main checkout, for a clone made elsewhere).
source="${GRADBENCH_SOURCE:-}"
for candidate in "$root/../shared/gradbench" /work/shared/gradbench; do
    [ -n "$source" ] || [ ! -d "$candidate" ] || source="$candidate"
done
[ -n "$source" ] || { echo "run.sh: no GradBench copy; set GRADBENCH_SOURCE" >&2; exit 2; }
work="$root/target/gradbench-run"
evals="${EVALS:-hello llsq lse ode det gmm lstm ba kmeans ht particle saddle}"
min_seconds="${MIN_SECONDS:-1}"
min_runs="${MIN_RUNS:-10}"
core="${CORE:-1}"

# The manual tool's C++ (which the evals validate against) includes nlohmann/json.
if [ ! -f /usr/include/nlohmann/json.hpp ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y -q nlohmann-json3-dev >/dev/null ||
        { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q nlohmann-json3-dev >/dev/null; }
fi
mkdir -p "$work"
# The copy holds the intermediary's build and the manual tool's binaries between runs.
if [ ! -d "$work/gradbench" ]; then
    cp -r "$source" "$work/gradbench"
fi
cd "$work/gradbench"
cargo build --release --quiet -p gradbench
python3 -c "import numpy, scipy, pydantic, dataclasses_json, gradbench" 2>/dev/null || {
    pip install --quiet numpy scipy pydantic dataclasses-json
    pip install --quiet -e python/gradbench
}
(cd "$root" && cargo build --release --quiet -p backprop-gradbench)
ours="$root/target/release/backprop-gradbench"
if [ -n "${TOOLS:-}" ]; then
    tools="$TOOLS"
else
    tools="backprop manual"
    python3 -c "import jax" 2>/dev/null && tools="$tools jax"
fi

for e in $evals; do
    # A tool runs the evals its evals.txt lists (this copy's manual and JAX tools implement
    # neither particle nor saddle); ours runs every one.
    grep -qx "$e" tools/manual/evals.txt && make -s -C tools/manual "bin/$e" MULTITHREADED=no
    args_var="ARGS_$e"
    eval_cmd="python3 python/gradbench/gradbench/evals/$e/run.py ${!args_var:-}"
    [ "$e" = hello ] || eval_cmd="$eval_cmd --min-seconds $min_seconds --min-runs $min_runs"
    for tool in $tools; do
        [ "$tool" = backprop ] || grep -qx "$e" "tools/${tool%-waited}/evals.txt" || continue
        case "$tool" in
            backprop) tool_cmd="taskset -c $core $ours" ;;
            manual) tool_cmd="taskset -c $core python3 python/gradbench/gradbench/cpp.py manual" ;;
            jax) tool_cmd="env XLA_FLAGS='--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1' taskset -c $core python3 python/gradbench/gradbench/tools/jax/run.py" ;;
            jax-waited) tool_cmd="env XLA_FLAGS='--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1' JAX_ENABLE_X64=1 taskset -c $core python3 $root/gradbench/jax_waited.py python/gradbench/gradbench/tools/jax/run.py" ;;
        esac
        echo "== $e: $tool" >&2
        ./target/release/gradbench run --eval "$eval_cmd" --tool "$tool_cmd" \
            -o "$work/$e.$tool.jsonl" > "$work/$e.$tool.txt" 2>&1 || true
    done
done
check=""
[ -n "${CHECK:-}" ] && check="--check"
python3 "$root/gradbench/table.py" $check "$work" $evals -- $tools | tee "$work/table.md"
