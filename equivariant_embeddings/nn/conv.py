"""Zonal-filter spherical convolution (Esteves et al. 2018; docs/conventions.md, 'Spherical CNN
layers').

(f ⋆ h)^ℓ_m = 2π √(4π/(2ℓ+1)) f^ℓ_m h^ℓ_0, summed over input channels:
  out^ℓ_{m,o} = Σ_i f^ℓ_{m,i} w^ℓ_{i,o},  w^ℓ_{i,o} = 2π √(4π/(2ℓ+1)) Σ_a t_ℓa k_{a,i,o},
where k (num_anchors, C_in, C_out) are the learned anchor values and t (L, num_anchors) interpolates
them linearly over ℓ (spectrally smooth filters are spatially localised). The layer multiplies each
degree by a matrix, so it commutes exactly with rotations of band-limited inputs.

Cost per call: one forward SHT, one real contraction over the orders m ≥ 0 only (real weights keep the
conjugate symmetry of real functions), one inverse SHT; either transform is skipped with spectral
input or output.
"""

import functools
from typing import Any, Optional

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import spectral
from equivariant_embeddings.sphere import checks


@functools.lru_cache(maxsize=None)
def degree_filter_table(num_degrees: int, num_anchors: int) -> np.ndarray:
  """Anchor → degree weights t_ℓa · 2π √(4π/(2ℓ+1)), shape (num_degrees, num_anchors), float64.

  The anchors sit at evenly spaced degrees from 0 to num_degrees − 1 and are linearly interpolated in
  between (with a single degree, only the first anchor is used). Read-only, cached.
  """
  if num_degrees < 1 or num_anchors < 1:
    raise ValueError(f"need num_degrees >= 1 and num_anchors >= 1, got {num_degrees}, {num_anchors}")
  degrees = np.arange(num_degrees)
  if num_degrees == 1:
    interpolation = np.eye(1, num_anchors)
  else:
    anchor_degrees = np.linspace(0, num_degrees - 1, num_anchors)
    identity = np.eye(num_anchors)
    interpolation = np.stack([np.interp(degrees, anchor_degrees, identity[a])
                              for a in range(num_anchors)], axis=1)
  factor = 2 * np.pi * np.sqrt(4 * np.pi / (2 * degrees + 1))
  table = interpolation * factor[:, None]
  table.setflags(write=False)
  return table


def _kernel_init(table: np.ndarray):
  """Normal init scaled so that w^ℓ has variance ≈ 1/C_in at a typical degree (rms of the factor)."""
  typical_factor = float(np.sqrt(np.mean(np.sum(table, axis=1) ** 2)))

  def init(key, shape, dtype=jnp.float32):
    std = 1.0 / (np.sqrt(shape[1]) * typical_factor)
    return std * jax.random.normal(key, shape, dtype)

  return init


class SphericalConv(nn.Module):
  """Spherical convolution with zonal filters interpolated from anchors over the degree ℓ.

  Attributes:
    features: number of output channels C_out.
    num_anchors: learned filter values per (input, output) channel pair, spread evenly over the
      degrees that reach the output, ℓ < min(b_in, b_out).
    bandwidth: output bandwidth b_out; None keeps the input's. Smaller truncates the spectrum
      (spectral pooling, free here), larger zero-pads it.
    spectral_input: the input is coefficients (..., b, 2b−1, C_in) instead of a spatial signal.
    spectral_output: return coefficients (..., b_out, 2b_out−1, C_out) instead of a spatial signal.
    precision: jax.lax.Precision of the contraction (None: the backend default).
    param_dtype: dtype of the anchor values.

  Parameters: `kernel` (num_anchors, C_in, C_out). No bias: a constant offset is the ℓ = 0 part that
  the batch norm after every convolution supplies.
  """
  features: int
  num_anchors: int = 6
  bandwidth: Optional[int] = None
  spectral_input: bool = False
  spectral_output: bool = False
  precision: Any = None
  param_dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x):
    """Convolves x.

    Args:
      x: real (..., 2b, 2b, C_in), or complex (..., b, 2b−1, C_in) with spectral_input.

    Returns:
      Real (..., 2b_out, 2b_out, C_out), or complex (..., b_out, 2b_out−1, C_out) with
      spectral_output.

    Raises:
      ValueError: bad attributes, or x fails sphere.checks.spatial (spectral: checks.spectral): a
        wrong shape, dtype or channel count is found also under jit, NaN/inf only outside jit.
    """
    name = self.name or type(self).__name__
    checks.integer(self.features, f"{name}: features", minimum=1)
    checks.integer(self.num_anchors, f"{name}: num_anchors", minimum=1)
    if self.bandwidth is not None and (isinstance(self.bandwidth, bool) or not isinstance(
        self.bandwidth, (int, np.integer)) or self.bandwidth < 1):
      raise ValueError(f"{name}: bandwidth must be None or an integer >= 1, got {self.bandwidth!r}")
    if self.spectral_input:
      coeffs, b_in = checks.spectral(x, f"{name} input")
    else:
      x, b_in = checks.spatial(x, f"{name} input")
      coeffs = sphere.forward_sht(x)
    b_out = self.bandwidth or b_in
    in_channels = coeffs.shape[-1]
    if self.has_variable("params", "kernel"):
      expected = self.get_variable("params", "kernel").shape[1]
      if in_channels != expected:
        raise ValueError(f"{name}: input has {in_channels} channels but the layer was "
                         f"initialised for {expected} (shape (..., 2b, 2b, {expected}))")
    num_degrees = min(b_in, b_out)
    table = degree_filter_table(num_degrees, self.num_anchors)
    kernel = self.param("kernel", _kernel_init(table),
                        (self.num_anchors, in_channels, self.features), self.param_dtype)
    real_dtype = coeffs.real.dtype
    weights = jnp.einsum("la,aio->lio", jnp.asarray(table, real_dtype), kernel.astype(real_dtype),
                         precision=self.precision)
    positive = spectral.nonnegative_orders(coeffs, num_degrees)
    # Real weights: transform the real and imaginary parts as one stacked real product.
    parts = jnp.stack([positive.real, positive.imag])
    parts = jnp.einsum("...lmi,lio->...lmo", parts, weights, precision=self.precision)
    out = spectral.from_nonnegative_orders(jax.lax.complex(parts[0], parts[1]), b_out)
    return out if self.spectral_output else sphere.inverse_sht(out)
