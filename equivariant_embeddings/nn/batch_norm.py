"""Batch normalisation with area-weighted statistics on the sphere.

Mean and variance of each channel are averages over the batch and the sphere, each grid row weighted
by its area (sphere.area_weights), so they estimate the statistics of the continuous functions rather
than of the pole-crowded grid, and they are (nearly) invariant to rotations of the inputs.

Multi-device: under `jax.jit` with a batch-sharded input the means over the batch axis are global
already (XLA inserts the reduction), so no axis name is needed. Inside `shard_map`/`pmap`, set
`axis_name` to average the statistics over that mapped axis.
"""

from typing import Optional

import flax.linen as nn
import jax
import jax.numpy as jnp

from equivariant_embeddings.nn import pooling
from equivariant_embeddings.sphere import checks


class SphericalBatchNorm(nn.Module):
  """Area-weighted batch norm; running averages live in the `batch_stats` collection.

  Attributes:
    momentum: decay of the running averages (new = momentum · old + (1 − momentum) · batch).
    epsilon: added to the variance.
    axis_name: mapped axis to average statistics over (shard_map/pmap only; see the module doc).

  Parameters: `scale` and `bias` (C,). Batch stats: `mean` and `var` (C,).
  """
  momentum: float = 0.99
  epsilon: float = 1e-5
  axis_name: Optional[str] = None

  def _batch_mean(self, x):
    """Area-weighted mean over the sphere and all leading axes (and devices): (..., 2b, 2b, C) → (C,)."""
    mean = pooling.global_average(x).reshape(-1, x.shape[-1]).mean(axis=0)
    return mean if self.axis_name is None else jax.lax.pmean(mean, self.axis_name)

  @nn.compact
  def __call__(self, x, train: bool):
    """Normalises x.

    Args:
      x: real (..., 2b, 2b, C).
      train: use (and update, outside init) the batch statistics; else use the running averages.

    Returns:
      Real (..., 2b, 2b, C).

    Raises:
      ValueError: bad momentum or epsilon, x fails sphere.checks.spatial (shape, dtype: also under
        jit; NaN/inf: outside jit only) or has another channel count than the layer's parameters.
    """
    name = self.name or type(self).__name__
    if not 0.0 <= self.momentum <= 1.0:
      raise ValueError(f"{name}: momentum must be in [0, 1], got {self.momentum!r}")
    if not self.epsilon > 0:
      raise ValueError(f"{name}: epsilon must be > 0, got {self.epsilon!r}")
    x, _ = checks.spatial(x, f"{name} input")
    channels = x.shape[-1]
    if self.has_variable("params", "scale"):
      expected = self.get_variable("params", "scale").shape[0]
      if channels != expected:
        raise ValueError(f"{name}: input has {channels} channels but the layer was initialised for "
                         f"{expected} (shape (..., 2b, 2b, {expected}))")
    running_mean = self.variable("batch_stats", "mean", jnp.zeros, (channels,), jnp.float32)
    running_var = self.variable("batch_stats", "var", jnp.ones, (channels,), jnp.float32)
    if train:
      mean = self._batch_mean(x)
      var = self._batch_mean(jnp.square(x - mean))  # two passes: no cancellation
      if not self.is_initializing():
        decay = lambda old, new: (self.momentum * old + (1 - self.momentum) * new).astype(old.dtype)
        running_mean.value = decay(running_mean.value, mean)
        running_var.value = decay(running_var.value, var)
    else:
      mean, var = running_mean.value, running_var.value
    scale = self.param("scale", nn.initializers.ones, (channels,), jnp.float32)
    bias = self.param("bias", nn.initializers.zeros, (channels,), jnp.float32)
    y = (x - mean) * (scale * jax.lax.rsqrt(var + self.epsilon))
    return (y + bias).astype(x.dtype)
