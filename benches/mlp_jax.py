#!/usr/bin/env python3
"""JAX on issue 4's training step, for comparison with `cargo bench -p backprop-benches --bench training`.

One step of gradient descent on a 784 -> 256 (ReLU) -> 10 network, batch 64, softmax
cross-entropy, f32, `jax.jit(jax.value_and_grad(loss))` plus the update, on one core.

    pip install jax
    python3 benches/mlp_jax.py

The script pins itself to one CPU and asks XLA for one thread before JAX starts; it prints
the median and the spread of the step's time over many runs, as the Rust benchmark does.
"""

import os
import statistics
import time

# One core, one thread: set before jax is imported.
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

BATCH, INPUTS, HIDDEN, CLASSES = 64, 784, 256, 10
LEARNING_RATE = 0.1


def loss(params, x, labels):
    w1, b1, w2, b2 = params
    hidden = jax.nn.relu(x @ w1 + b1)
    scores = hidden @ w2 + b2
    log_probs = jax.nn.log_softmax(scores, axis=1)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None], axis=1))


@jax.jit
def step(params, x, labels):
    value, grads = jax.value_and_grad(loss)(params, x, labels)
    return value, tuple(p - LEARNING_RATE * g for p, g in zip(params, grads))


def main():
    key = jax.random.PRNGKey(0)
    k = jax.random.split(key, 5)
    x = jax.random.uniform(k[0], (BATCH, INPUTS), jnp.float32, -0.5, 0.5)
    labels = jnp.array([(i * 7 + 3) % CLASSES for i in range(BATCH)], dtype=jnp.int32)
    params = (
        0.1 * jax.random.uniform(k[1], (INPUTS, HIDDEN), jnp.float32, -0.5, 0.5),
        0.1 * jax.random.uniform(k[2], (HIDDEN,), jnp.float32, -0.5, 0.5),
        0.1 * jax.random.uniform(k[3], (HIDDEN, CLASSES), jnp.float32, -0.5, 0.5),
        0.1 * jax.random.uniform(k[4], (CLASSES,), jnp.float32, -0.5, 0.5),
    )

    # Compile and warm up.
    for _ in range(50):
        value, new = step(params, x, labels)
        jax.block_until_ready(new)

    # Every timed step starts from the same parameters, like the Rust benchmark.
    samples = []
    for _ in range(30):
        runs = 100
        start = time.perf_counter()
        for _ in range(runs):
            value, new = step(params, x, labels)
        jax.block_until_ready(new)
        samples.append((time.perf_counter() - start) / runs)

    flops = 2 * BATCH * INPUTS * HIDDEN * 2 + 2 * BATCH * HIDDEN * CLASSES * 3
    median = statistics.median(samples)
    print(f"jax {jax.__version__}, devices {jax.devices()}")
    print(
        f"JAX jit(value_and_grad) step: median {median * 1e6:.1f} us "
        f"(min {min(samples) * 1e6:.1f}, max {max(samples) * 1e6:.1f}), "
        f"{flops / median / 1e9:.1f} GFLOP/s, loss {float(value):.4f}"
    )


if __name__ == "__main__":
    main()
