"""Forward and forward+backward time of SphericalCNN per batch on the available backend.

  python -m benchmarks.bench_spherical_cnn --batch_size=16 --bandwidth=32 --channels=1

Times a jitted training step's gradient (loss + grads + batch-stat update) and a jitted inference
forward pass, after one warm-up call each (compilation excluded, reported separately).
"""

import time

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import optax

from equivariant_embeddings.nn import SphericalCNN

_BATCH = flags.DEFINE_integer("batch_size", 16, "Spherical maps per batch.")
_BANDWIDTH = flags.DEFINE_integer("bandwidth", 32, "Input bandwidth b (grid 2b × 2b).")
_CHANNELS = flags.DEFINE_integer("channels", 1, "Input channels.")
_CLASSES = flags.DEFINE_integer("num_classes", 10, "Logits.")
_REPEATS = flags.DEFINE_integer("repeats", 10, "Timed calls of each function.")
_FEATURES = flags.DEFINE_list("block_features", None, "Override block_features (comma separated).")


def _time(fn, *args, repeats):
  """(seconds of the first call, median seconds of the next `repeats` calls)."""
  start = time.perf_counter()
  jax.block_until_ready(fn(*args))
  first = time.perf_counter() - start
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    times.append(time.perf_counter() - start)
  return first, sorted(times)[len(times) // 2]


def main(argv):
  del argv
  kwargs = {}
  if _FEATURES.value:
    kwargs["block_features"] = tuple(int(f) for f in _FEATURES.value)
  model = SphericalCNN(num_classes=_CLASSES.value, **kwargs)
  side = 2 * _BANDWIDTH.value
  x = jax.random.normal(jax.random.PRNGKey(0), (_BATCH.value, side, side, _CHANNELS.value))
  labels = jnp.arange(_BATCH.value) % _CLASSES.value
  variables = model.init(jax.random.PRNGKey(1), x, train=False)
  params = variables["params"]
  num_params = sum(p.size for p in jax.tree_util.tree_leaves(params))

  @jax.jit
  def forward(variables, x):
    return model.apply(variables, x, train=False)[0]

  @jax.jit
  def gradient(params, batch_stats, x):
    def loss_fn(params):
      (logits, _), updates = model.apply({"params": params, "batch_stats": batch_stats}, x,
                                         train=True, mutable=["batch_stats"])
      loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
      return loss, updates
    return jax.grad(loss_fn, has_aux=True)(params)

  print(f"backend {jax.default_backend()} ({jax.devices()[0].device_kind}), {jax.device_count()} "
        f"device(s); model {num_params} parameters, block_features {model.block_features}, "
        f"block_pooling {model.block_pooling}; batch {x.shape}")
  compile_f, forward_s = _time(forward, variables, x, repeats=_REPEATS.value)
  compile_g, gradient_s = _time(gradient, params, variables["batch_stats"], x,
                                repeats=_REPEATS.value)
  print(f"forward (inference):  {1e3 * forward_s:8.1f} ms/batch  {x.shape[0] / forward_s:7.1f} "
        f"maps/s  (first call incl. compile {compile_f:.1f} s)")
  print(f"forward+backward:     {1e3 * gradient_s:8.1f} ms/batch  {x.shape[0] / gradient_s:7.1f} "
        f"maps/s  (first call incl. compile {compile_g:.1f} s)")


if __name__ == "__main__":
  app.run(main)
