"""Spectral-layout helpers for the layers: change of bandwidth and the m ≥ 0 half of a real spectrum.

Coefficients are (..., b, 2b−1, C) complex, index [ℓ, m+b−1] (see docs/conventions.md, 'Spherical
harmonic coefficients'). Coefficients of real functions satisfy f_ℓ,−m = (−1)^m conj(f_ℓm), so
linear maps with real weights that act on each order m alike need only the orders m ≥ 0: half the
work.
"""

import jax.numpy as jnp
import numpy as np


def resize_coefficients(coeffs, bandwidth: int):
  """Truncates (low-pass) or zero-pads coefficients to another bandwidth.

  Args:
    coeffs: complex (..., b, 2b−1, C).
    bandwidth: the new bandwidth b' ≥ 1.

  Returns:
    Complex (..., b', 2b'−1, C): degrees ℓ < min(b, b') kept, the others zero.
  """
  if coeffs.ndim < 3 or coeffs.shape[-2] != 2 * coeffs.shape[-3] - 1:
    raise ValueError(f"coeffs must have shape (..., b, 2b-1, C) indexed [ℓ, m+b-1, channel]; got "
                     f"shape {coeffs.shape}")
  b = coeffs.shape[-3]
  if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, np.integer)) or bandwidth < 1:
    raise ValueError(f"bandwidth must be an integer >= 1, got {bandwidth!r}")
  if bandwidth <= b:
    return coeffs[..., :bandwidth, b - bandwidth : b + bandwidth - 1, :]
  pad = bandwidth - b
  widths = [(0, 0)] * (coeffs.ndim - 3) + [(0, pad), (pad, pad), (0, 0)]
  return jnp.pad(coeffs, widths)


def nonnegative_orders(coeffs, num_degrees: int):
  """The orders 0 ≤ m < L of the degrees ℓ < L, L = num_degrees ≤ b.

  Args:
    coeffs: complex (..., b, 2b−1, C).
    num_degrees: L.

  Returns:
    Complex (..., L [ℓ], L [m], C).
  """
  b = coeffs.shape[-3]
  return coeffs[..., :num_degrees, b - 1 : b - 1 + num_degrees, :]


def from_nonnegative_orders(positive, bandwidth: int):
  """Full spectrum of a real function from its orders m ≥ 0, zero-padded to a bandwidth.

  Args:
    positive: complex (..., L [ℓ], L [m ≥ 0], C), L ≤ bandwidth; entries with m > ℓ are ignored.
    bandwidth: b of the result.

  Returns:
    Complex (..., b, 2b−1, C) with f_ℓ,−m = (−1)^m conj(f_ℓm), zero where |m| > ℓ or ℓ ≥ L.
  """
  num_degrees = positive.shape[-3]
  lower = np.tril(np.ones((num_degrees, num_degrees), bool))  # m ≤ ℓ
  positive = jnp.where(lower[:, :, None], positive, 0)
  sign = jnp.asarray((-1.0) ** np.arange(1, num_degrees), positive.real.dtype)[:, None]
  negative = (sign * jnp.conj(positive[..., 1:, :]))[..., ::-1, :]
  return resize_coefficients(jnp.concatenate([negative, positive], axis=-2), bandwidth)
