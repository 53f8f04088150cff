"""Speed and rotation equivariance of SphericalCNN at initialisation, on the available backend.

  python -m benchmarks.bench_spherical_cnn --batch_size=16 --bandwidth=32 --channels=1

Times a jitted training step's gradient (loss + grads + batch-stat update) and a jitted inference
forward pass, after one warm-up call each (compilation excluded, reported separately). Then, with
--equivariance, measures on smooth random maps (coefficients ∝ (1+ℓ)^−2) under random rotations the
relative change of the logits and, per block, the relative error of the features' spectrum without
ℓ = 0 against the rotated spectrum of the unrotated input's features (train-mode batch statistics).
"""

import functools
import time

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import optax

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import SphericalCNN

_BATCH = flags.DEFINE_integer("batch_size", 16, "Spherical maps per batch.")
_BANDWIDTH = flags.DEFINE_integer("bandwidth", 32, "Input bandwidth b (grid 2b × 2b).")
_CHANNELS = flags.DEFINE_integer("channels", 1, "Input channels.")
_CLASSES = flags.DEFINE_integer("num_classes", 10, "Logits.")
_REPEATS = flags.DEFINE_integer("repeats", 10, "Timed calls of each function.")
_FEATURES = flags.DEFINE_list("block_features", None, "Override block_features (comma separated).")
_BLOCK_POOLING = flags.DEFINE_list("block_pooling", None, "Override block_pooling (comma separated).")
_POOLING = flags.DEFINE_enum("pooling", "spectral", ["spectral", "area"], "Pooling mode.")
_EQUIVARIANCE = flags.DEFINE_bool("equivariance", False, "Also measure the equivariance errors.")


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


def _smooth_maps(key, shape):
  """Real band-limited maps (batch, 2b, 2b, C) with coefficients ∝ (1+ℓ)^−2 (like ray-cast maps)."""
  coeffs = sphere.forward_sht(jax.random.normal(key, shape))
  envelope = (1.0 + jnp.arange(coeffs.shape[-3])) ** -2.0
  return sphere.inverse_sht(coeffs * envelope[:, None, None])


def _nonconstant_spectrum(y):
  return sphere.forward_sht(y).at[..., 0, :, :].set(0)


def _relative_error(actual, expected):
  return float(jnp.linalg.norm((actual - expected).ravel()) / jnp.linalg.norm(expected.ravel()))


def _equivariance(model, variables, shape):
  """Prints the logits' and each block's equivariance error under random rotations."""
  apply = jax.jit(lambda x: model.apply(variables, x, train=True, mutable=["batch_stats"])[0])
  x = _smooth_maps(jax.random.PRNGKey(2), shape)
  rotations = sphere.random_rotations(jax.random.PRNGKey(3), shape[0])
  logits, features = apply(x)
  rotated_logits, rotated_features = apply(sphere.rotate_spherical(x, rotations))
  print(f"equivariance ({model.pooling} pooling, {shape[0]} random rotations): logits "
        f"{_relative_error(rotated_logits, logits):.4f}")
  for name, feature in features.items():
    coeffs, rotated_coeffs = _nonconstant_spectrum(feature), _nonconstant_spectrum(
        rotated_features[name])
    error = _relative_error(rotated_coeffs, sphere.rotate_coefficients(coeffs, rotations))
    print(f"  {name} {feature.shape[1:]}: {error:.4f} (unrotated: "
          f"{_relative_error(rotated_coeffs, coeffs):.2f})")


def main(argv):
  del argv
  kwargs = {"pooling": _POOLING.value}
  if _FEATURES.value:
    kwargs["block_features"] = tuple(int(f) for f in _FEATURES.value)
  if _BLOCK_POOLING.value:
    kwargs["block_pooling"] = tuple(int(f) for f in _BLOCK_POOLING.value)
  model = SphericalCNN(num_classes=_CLASSES.value, **kwargs)
  side = 2 * _BANDWIDTH.value
  x = jax.random.normal(jax.random.PRNGKey(0), (_BATCH.value, side, side, _CHANNELS.value))
  labels = jnp.arange(_BATCH.value) % _CLASSES.value
  variables = jax.jit(functools.partial(model.init, train=False))(jax.random.PRNGKey(1), x)
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
  if _EQUIVARIANCE.value:
    _equivariance(model, variables, x.shape)


if __name__ == "__main__":
  app.run(main)
