"""Pooling on the Driscoll–Healy grid: area-weighted 2×2 average, spectral truncation, global average.

Spectral truncation commutes exactly with rotations of band-limited inputs. The 2×2 average is a
local filter on a grid that is not rotation invariant, so it commutes with rotations only
approximately (the tests measure how well). The area-weighted averages weight each row by its share
of the sphere, w_j ∝ sin θ_j (sphere.area_weights), so rows crowded near the poles do not dominate.

Every function checks its input x with sphere.checks.spatial and raises ValueError naming x: the grid
shape and dtype also under jit, NaN/inf only outside jit.
"""

import functools

import jax.numpy as jnp
import numpy as np

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import spectral
from equivariant_embeddings.sphere import checks


@functools.lru_cache(maxsize=None)
def _row_pair_weights(b: int) -> np.ndarray:
  """Weights of rows 2j and 2j+1 in their area-weighted average, shape (b, 2), float64, rows sum to 1."""
  pairs = sphere.area_weights(b).reshape(b, 2)
  weights = pairs / pairs.sum(axis=1, keepdims=True)
  weights.setflags(write=False)
  return weights


def area_pool(x):
  """Area-weighted 2×2 average down to half the bandwidth.

  Output row j averages input rows 2j and 2j+1 weighted by sin θ; their area-weighted centre is the
  coarse colatitude θ'_j. Along longitude the 2-cell window is centred on the coarse sample φ'_k = φ_2k
  (weights ¼, ½, ¼ on columns 2k−1, 2k, 2k+1, circularly), so the output is not shifted by half a cell.
  The area-weighted integral is preserved exactly (sin θ_2j + sin θ_2j+1 ∝ sin θ'_j).

  Args:
    x: real (..., 2b, 2b, C) with b even.

  Returns:
    Real (..., b, b, C), i.e. bandwidth b/2.
  """
  x, b = checks.spatial(x)
  if b % 2:
    raise ValueError(f"area_pool needs an even bandwidth (grid side divisible by 4); got grid "
                     f"{x.shape[-3]}×{x.shape[-2]}")
  weights = jnp.asarray(_row_pair_weights(b), x.dtype)
  rows = x.reshape(*x.shape[:-3], b, 2, 2 * b, x.shape[-1])
  rows = jnp.einsum("...jrkc,jr->...jkc", rows, weights)
  centre = rows[..., 0::2, :]
  return 0.5 * centre + 0.25 * (rows[..., 1::2, :] + jnp.roll(rows[..., 1::2, :], 1, axis=-2))


def spectral_pool(x, bandwidth: int):
  """Low-pass by spectral truncation: keeps the degrees ℓ < bandwidth and resamples on that grid.

  Args:
    x: real (..., 2b, 2b, C).
    bandwidth: b' ≤ b.

  Returns:
    Real (..., 2b', 2b', C).
  """
  x, b = checks.spatial(x)
  if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, np.integer)) or not (
      1 <= bandwidth <= b):
    raise ValueError(f"spectral_pool bandwidth must be an integer in [1, {b}] for a {2 * b}×{2 * b} "
                     f"grid; got {bandwidth!r}")
  return sphere.inverse_sht(spectral.resize_coefficients(sphere.forward_sht(x), bandwidth))


def global_average(x):
  """Area-weighted average over the sphere: the rotation-invariant descriptor of each channel.

  Args:
    x: real (..., 2b, 2b, C).

  Returns:
    Real (..., C).
  """
  x, b = checks.spatial(x)
  weights = jnp.asarray(sphere.area_weights(b), x.dtype)  # mean 1 over rows
  return jnp.einsum("...jkc,j->...c", x, weights) / (4 * b * b)


def degree_norms(x):
  """Norm of each degree's component, ‖f_ℓ‖ = (Σ_m |f_ℓm|²)^½: b rotation-invariant descriptors per
  channel (rotations mix the orders m of a degree unitarily), a finer summary than the mean
  (ℓ = 0 alone: |f_00| = √(4π)·|mean|).

  Args:
    x: real (..., 2b, 2b, C).

  Returns:
    Real (..., b, C), index [ℓ, channel].
  """
  x, _ = checks.spatial(x)
  power = jnp.sum(jnp.abs(sphere.forward_sht(x)) ** 2, axis=-2)
  return jnp.sqrt(power + jnp.finfo(x.dtype).tiny)  # tiny: a finite gradient at zero power
