"""GradBench's JAX tool, timed until its results exist (`TOOLS=jax-waited gradbench/run.sh`).

The tool's functions are jitted, and XLA's CPU client returns before a large computation
has run (asynchronous dispatch): the stock tool then times the dispatch, microseconds where
the computation takes milliseconds. This runs the stock tool (`tools/jax/run.py`, given as
the first argument) unchanged but for one thing: each timed call waits for its output
(`jax.block_until_ready`) before the clock stops, as JAX's documentation asks of any
benchmark. `run.sh` also sets `JAX_ENABLE_X64=1` for it, so that the evals whose module does
not turn on double precision itself (ode) compute in `float64`, as every other tool does.
"""

import os
import runpy
import sys

import jax
from gradbench import wrap


def waited(decorator_factory):
    """`decorator_factory` (a `wrap` decorator factory), its clock stopped after the wait."""

    def factory(**options):
        decorator = decorator_factory(**options)

        def decorate(function):
            wrapped = decorator(lambda input: jax.block_until_ready(function(input)))
            wrapped.function = function
            return wrapped

        return decorate

    return factory


wrap.function = waited(wrap.function)
wrap.multiple_runs = waited(wrap.multiple_runs)

if __name__ == "__main__":
    run_py = sys.argv.pop(1)
    sys.path.insert(0, os.path.dirname(run_py))
    runpy.run_path(run_py, run_name="__main__")
