"""Residual block of two spherical convolutions (the blocks of Φ: docs/conventions.md, 'Models')."""

from typing import Optional

import flax.linen as nn

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import activations
from equivariant_embeddings.nn import batch_norm
from equivariant_embeddings.nn import conv
from equivariant_embeddings.nn import pooling
from equivariant_embeddings.nn import spectral
from equivariant_embeddings.sphere import checks

POOLING_MODES = ("spectral", "area")


class ResidualBlock(nn.Module):
  """Pool → conv → BN → act → conv → BN, plus a shortcut, → act.

  The block first lowers the bandwidth by `pooling` (1: none). With pooling="spectral" the truncation
  is fused into the first convolution and the shortcut reuses the same forward transform, so the block
  is exactly equivariant up to its pointwise nonlinearities. With pooling="area" the input is first
  averaged over 2×2 cells (`pooling` a power of two), which is only approximately equivariant.
  The shortcut is the identity, or a 1×1 channel projection (equivariant: it acts pointwise) when the
  channel count changes.

  Attributes:
    features: output channels C_out.
    pooling: bandwidth reduction factor b_in / b_out (b_in must be divisible by it).
    pooling_mode: one of POOLING_MODES.
    num_anchors: anchors of each convolution's filters.
    activation: a name in activations.ACTIVATIONS.
    batch_norm_momentum: running-average decay of the batch norms.
    axis_name: batch-norm axis name for shard_map/pmap (see batch_norm).
  """
  features: int
  pooling: int = 1
  pooling_mode: str = "spectral"
  num_anchors: int = 6
  activation: str = "relu"
  batch_norm_momentum: float = 0.99
  axis_name: Optional[str] = None

  def _check(self, x):
    """Raises ValueError for bad features, an unknown pooling mode or a factor that does not fit x."""
    name = self.name or type(self).__name__
    checks.integer(self.features, f"{name}: features", minimum=1)
    if self.pooling_mode not in POOLING_MODES:
      raise ValueError(f"pooling mode must be one of {POOLING_MODES}, got {self.pooling_mode!r}")
    factor, b_in = checks.integer(self.pooling, f"{name}: pooling", minimum=1), x.shape[-3] // 2
    power_of_two = factor >= 1 and factor & (factor - 1) == 0
    if factor < 1 or b_in % factor or (self.pooling_mode == "area" and not power_of_two):
      raise ValueError(f"pooling factor {factor} must be >= 1, divide the input bandwidth {b_in} and, "
                       f"with area pooling, be a power of two")

  @nn.compact
  def __call__(self, x, train: bool):
    """Applies the block.

    Args:
      x: real (batch..., 2b_in, 2b_in, C_in).
      train: batch statistics (True) or running averages (False) in the batch norms.

    Returns:
      Real (batch..., 2b_out, 2b_out, C_out), b_out = b_in / pooling.

    Raises:
      ValueError: bad attributes, or x fails sphere.checks.spatial (shape, dtype: also under jit;
        NaN/inf: outside jit only) or does not fit the pooling factor.
    """
    x, _ = checks.spatial(x, f"{self.name or type(self).__name__} input")
    self._check(x)
    act = activations.activation(self.activation)
    norm = lambda name: batch_norm.SphericalBatchNorm(
        momentum=self.batch_norm_momentum, axis_name=self.axis_name, name=name)
    b_out = x.shape[-3] // 2 // self.pooling
    if self.pooling_mode == "area":
      for _ in range(self.pooling.bit_length() - 1):
        x = pooling.area_pool(x)
    b_in = x.shape[-3] // 2  # what the first convolution receives (already b_out after area pooling)
    coeffs = sphere.forward_sht(x)
    h = conv.SphericalConv(self.features, self.num_anchors, bandwidth=b_out, spectral_input=True,
                           name="conv_0")(coeffs)
    h = act(norm("norm_0")(h, train))
    h = conv.SphericalConv(self.features, self.num_anchors, name="conv_1")(h)
    h = norm("norm_1")(h, train)
    shortcut = x
    if b_out != b_in:
      shortcut = sphere.inverse_sht(spectral.resize_coefficients(coeffs, b_out))
    if shortcut.shape[-1] != self.features:
      shortcut = nn.Dense(self.features, use_bias=False, name="projection")(shortcut)
    return act(h + shortcut)
