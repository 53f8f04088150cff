"""The spherical CNN Φ that classifies shapes from spherical maps (docs/conventions.md, 'Models').

Residual blocks of spherical convolutions, pooling from the input grid down by the block factors,
rotation-invariant descriptors of the last block (its area-weighted global average, or the norm of
each spherical harmonic degree) and a dense classifier. It also returns every
block's feature maps by name: these rotate with the input and serve as the embedding targets.
"""

import math
from typing import Optional

import flax.linen as nn
import jax.numpy as jnp

from equivariant_embeddings.nn import pooling
from equivariant_embeddings.nn import residual


# The rotation-invariant descriptors the head can read: (batch, 2b, 2b, C) -> (batch, ...).
INVARIANTS = {"mean": pooling.global_average, "degree_norms": pooling.degree_norms}


def block_name(index: int) -> str:
  """Name of the index-th residual block and of its entry in the features dict."""
  return f"block_{index}"


def _check_input(x, total_pooling: int):
  """Raises ValueError unless x is a real (batch, 2b, 2b, C) array with b divisible by total_pooling."""
  if not hasattr(x, "shape") or not hasattr(x, "dtype"):
    raise ValueError(f"SphericalCNN input must be an array (batch, 2b, 2b, C); got {type(x)}")
  if x.ndim != 4 or x.shape[1] != x.shape[2] or x.shape[1] % 2:
    raise ValueError(f"SphericalCNN input must have shape (batch, 2b, 2b, C) on the Driscoll–Healy "
                     f"grid; got shape {x.shape}")
  if not jnp.issubdtype(x.dtype, jnp.floating):
    raise ValueError(f"SphericalCNN input must be real floating point (float32); got {x.dtype}")
  b = x.shape[1] // 2
  if b % total_pooling:
    raise ValueError(f"SphericalCNN input bandwidth b = {b} (grid {2 * b}×{2 * b}) must be divisible "
                     f"by the product of block_pooling, {total_pooling}")


class SphericalCNN(nn.Module):
  """Rotation-equivariant classifier of spherical maps.

  With the defaults and a 64×64 input (b = 32) the features are
    block_0 (batch, 64, 64, 16), block_1 (batch, 32, 32, 32), block_2 (batch, 16, 16, 32),
    block_3 (batch, 16, 16, 64), block_4 (batch, 8, 8, 64):
  ten spherical convolutions, pooling 64 → 32 → 16 → 8.

  Attributes (plain Python values, so that a config can hold them):
    num_classes: number of logits.
    block_features: output channels of each residual block.
    block_pooling: bandwidth reduction factor at the start of each block (1: none), same length.
    pooling: a mode in residual.POOLING_MODES: "spectral" (truncation, exactly equivariant) or
      "area" (2×2 area-weighted average; factors must be powers of two).
    num_anchors: filter anchors per channel pair in every convolution.
    activation: nonlinearity name (activations.ACTIVATIONS).
    batch_norm_momentum: running-average decay of the batch norms.
    invariant: the rotation-invariant descriptor of the last block's maps that the head reads, one of
      INVARIANTS: "mean" (area-weighted global average, C numbers) or "degree_norms" (‖f_ℓ‖ of
      each degree ℓ < b_last and channel, b_last·C numbers).
    dropout_rate: dropout on the pooled (rotation-invariant) features before the head, in training;
      it needs a "dropout" rng in `apply` when > 0.
    axis_name: batch-norm axis for shard_map/pmap; not needed under jit with a sharded batch.

  Variables: `params` and `batch_stats` (running means and variances of the batch norms).
  """
  num_classes: int
  block_features: tuple[int, ...] = (16, 32, 32, 64, 64)
  block_pooling: tuple[int, ...] = (1, 2, 2, 1, 2)
  pooling: str = "spectral"
  num_anchors: int = 6
  activation: str = "relu"
  batch_norm_momentum: float = 0.99
  invariant: str = "mean"
  dropout_rate: float = 0.0
  axis_name: Optional[str] = None

  def _check_fields(self):
    """The block plan; each block checks its own pooling mode, factor and activation."""
    if len(self.block_features) != len(self.block_pooling) or not self.block_features:
      raise ValueError(f"block_features {tuple(self.block_features)} and block_pooling "
                       f"{tuple(self.block_pooling)} must be non-empty and of the same length")
    if self.invariant not in INVARIANTS:
      raise ValueError(f"invariant must be one of {sorted(INVARIANTS)}, got {self.invariant!r}")
    if min(self.block_pooling) < 1:
      raise ValueError(f"block_pooling factors must be >= 1, got {tuple(self.block_pooling)}")

  @nn.compact
  def __call__(self, x, train: bool):
    """Classifies spherical maps.

    Args:
      x: real (batch, 2b, 2b, C), C the channel count the model was initialised with; b divisible
        by the product of block_pooling.
      train: batch statistics (and, with mutable=["batch_stats"], their update) or running averages.

    Returns:
      (logits, features): logits (batch, num_classes); features {block_name(k): (batch, 2b_k, 2b_k,
      block_features[k])} for every block k in order, b_k = b / (block_pooling[0] ⋯ block_pooling[k]).
    """
    self._check_fields()
    _check_input(x, math.prod(self.block_pooling))
    first_kernel = self.variables.get("params", {}).get(block_name(0), {}).get("conv_0", {})
    if "kernel" in first_kernel and first_kernel["kernel"].shape[1] != x.shape[-1]:
      expected = first_kernel["kernel"].shape[1]
      raise ValueError(f"SphericalCNN was initialised for {expected} input channels, got input of "
                       f"shape {x.shape} (expected (batch, 2b, 2b, {expected}))")
    features = {}
    h = x.astype(jnp.float32)
    for index, (channels, factor) in enumerate(zip(self.block_features, self.block_pooling)):
      h = residual.ResidualBlock(
          channels, pooling=factor, pooling_mode=self.pooling, num_anchors=self.num_anchors,
          activation=self.activation, batch_norm_momentum=self.batch_norm_momentum,
          axis_name=self.axis_name, name=block_name(index))(h, train)
      features[block_name(index)] = h
    pooled = INVARIANTS[self.invariant](h).reshape(h.shape[0], -1)
    pooled = nn.Dropout(self.dropout_rate, deterministic=not train)(pooled)
    logits = nn.Dense(self.num_classes, name="head")(pooled)
    return logits, features
