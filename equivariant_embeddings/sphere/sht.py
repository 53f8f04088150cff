"""Spherical harmonic transforms on the Driscoll–Healy grid (DESIGN.md §3.1–3.2).

forward_sht: real (..., 2b, 2b, C) → complex (..., b, 2b−1, C), index [ℓ, m+b−1];
inverse_sht: back. Both are exact for band-limited functions (degrees ℓ < b).

Each transform is an FFT along longitude and one batched real matrix product per order m against a
constant Legendre table. The product uses the equatorial symmetry λ_ℓm(π−θ) = (−1)^{ℓ+m} λ_ℓm(θ) of
the grid (θ_{2b−1−j} = π − θ_j): the northern and southern rows are folded into even and odd parts,
and each part meets only the degrees of its parity, which halves the work and the table.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings.sphere import checks
from equivariant_embeddings.sphere import grid
from equivariant_embeddings.sphere import legendre

_HIGHEST = jax.lax.Precision.HIGHEST


@functools.lru_cache(maxsize=None)
def _parity_tables(b: int):
  """Legendre tables on the northern rows, split by the parity of ℓ − m.

  Returns (forward, inverse), float64, read-only:
    forward[m, p, i, j] = w_j λ_ℓm(θ_j) and inverse[m, p, j, i] = λ_ℓm(θ_j) with ℓ = m + 2i + p,
    for j < b (northern half), zero where ℓ ≥ b. Shapes (b, 2, ⌈b/2⌉, b) and (b, 2, b, ⌈b/2⌉).
  """
  half = (b + 1) // 2
  lam = legendre.grid_legendre(b)[:, :, :b]  # (ℓ, m, j), northern rows
  weights = grid.quadrature_weights(b)[:b]
  inverse = np.zeros((b, 2, b, half))
  for m in range(b):
    for p in range(2):
      degrees = np.arange(m + p, b, 2)
      inverse[m, p, :, : degrees.size] = lam[degrees, m].T
  forward = np.swapaxes(inverse, -1, -2) * weights
  for t in (forward, inverse):
    t.setflags(write=False)
  return forward, inverse


@functools.lru_cache(maxsize=None)
def _skew_indices(b: int):
  """Index maps between the (ℓ, m ≥ 0) layout and the (m, r = ℓ − m) layout used by the products.

  Returns (to_lm, valid): to_lm[ℓ, m] = m·2⌈b/2⌉ + (ℓ − m) as a flat index into (m, r), clipped to
  0 where ℓ < m, and valid[ℓ, m] = ℓ ≥ m.
  """
  n_r = 2 * ((b + 1) // 2)
  l, m = np.meshgrid(np.arange(b), np.arange(b), indexing="ij")
  valid = l >= m
  return np.where(valid, m * n_r + (l - m), 0).astype(np.int32), valid


def _as_real_pairs(z):
  """complex (..., C) → real (..., 2C) with real and imaginary parts interleaved."""
  return jnp.stack([z.real, z.imag], axis=-1).reshape(*z.shape[:-1], 2 * z.shape[-1])


def _from_real_pairs(x):
  """Inverse of _as_real_pairs."""
  x = x.reshape(*x.shape[:-1], x.shape[-1] // 2, 2)
  return jax.lax.complex(x[..., 0], x[..., 1])


@jax.jit
def _forward_sht(x):
  b = x.shape[-3] // 2
  half = (b + 1) // 2
  forward_table, _ = _parity_tables(b)
  table = jnp.asarray(forward_table, x.dtype)
  spectrum = jnp.fft.rfft(x, axis=-2)[..., :b, :]  # (..., 2b [j], b [m], C)
  north, south = spectrum[..., :b, :, :], spectrum[..., : b - 1 : -1, :, :]
  folded = jnp.stack([north + south, north - south], axis=-4)  # (..., 2 [p], b [j], b [m], C)
  folded = _as_real_pairs(folded)
  # One batched product over (m, p): out[m, i, p] = Σ_j table[m, p, i, j] folded[p, j, m].
  out = jnp.einsum("mpij,...pjmc->...mipc", table, folded, precision=_HIGHEST)
  out = out.reshape(*out.shape[:-4], b * 2 * half, out.shape[-1])  # flat (m, r = 2i + p)
  to_lm, valid = _skew_indices(b)
  positive = jnp.where(valid[..., None], out[..., to_lm, :], 0)  # (..., ℓ, m ≥ 0, 2C)
  positive = _from_real_pairs(positive)
  # Real input: f_{ℓ,−m} = (−1)^m conj(f_ℓm).
  sign = jnp.asarray((-1.0) ** np.arange(1, b), x.dtype)[:, None]
  negative = (sign * jnp.conj(positive[..., 1:, :]))[..., ::-1, :]
  return jnp.concatenate([negative, positive], axis=-2)


@jax.jit
def _inverse_sht(coeffs):
  b = coeffs.shape[-3]
  half = (b + 1) // 2
  real_dtype = coeffs.real.dtype
  _, inverse_table = _parity_tables(b)
  table = jnp.asarray(inverse_table, real_dtype)
  positive = coeffs[..., b - 1 :, :]
  negative = coeffs[..., b - 1 :: -1, :]  # order −m at index m
  # Coefficients of the real part: g_ℓm = (f_ℓm + (−1)^m conj(f_ℓ,−m)) / 2 for m > 0, Re f_ℓ0 at m = 0.
  sign = jnp.asarray((-1.0) ** np.arange(b), real_dtype)[:, None]
  g = 0.5 * (positive + sign * jnp.conj(negative))
  g = _as_real_pairs(g)  # (..., ℓ, m, 2C)
  # Skew (ℓ, m) → (m, r = ℓ − m): scatter each valid (ℓ, m) to its flat (m, r) slot.
  to_lm, valid = _skew_indices(b)
  flat = jnp.zeros((*g.shape[:-3], b * 2 * half, g.shape[-1]), real_dtype)
  flat = flat.at[..., to_lm[valid], :].set(g[..., valid, :])
  skewed = flat.reshape(*g.shape[:-3], b, half, 2, g.shape[-1])  # (..., m, i, p, 2C)
  parts = jnp.einsum("mpji,...mipc->...pjmc", table, skewed, precision=_HIGHEST)
  parts = _from_real_pairs(parts)  # (..., 2 [p], b [j], b [m], C)
  even, odd = parts[..., 0, :, :, :], parts[..., 1, :, :, :]
  spectrum = jnp.concatenate([even + odd, (even - odd)[..., ::-1, :, :]], axis=-3)
  spectrum = spectrum.at[..., 0, :].set(spectrum[..., 0, :].real)
  spectrum = jnp.pad(spectrum, [(0, 0)] * (spectrum.ndim - 2) + [(0, 1), (0, 0)])
  return (2 * b) * jnp.fft.irfft(spectrum, n=2 * b, axis=-2)


def forward_sht(x):
  """Spherical harmonic coefficients of real functions sampled on the Driscoll–Healy grid.

  f_ℓm = ∫ f conj(Y_ℓm) dΩ with orthonormal complex Y_ℓm (Condon–Shortley phase), computed with the
  exact Driscoll–Healy quadrature, so it is exact for inputs of bandwidth b.

  Args:
    x: real array (..., 2b, 2b, C): (batch…, colatitude, longitude, channel).

  Returns:
    Complex array (..., b, 2b−1, C), index [ℓ, m+b−1], zero where |m| > ℓ. complex64 for float32
    input, complex128 for float64 input.
  """
  x, _ = checks.spatial(x)
  return _forward_sht(x)


def inverse_sht(coeffs):
  """Samples the function with the given spherical harmonic coefficients on the grid.

  Args:
    coeffs: complex array (..., b, 2b−1, C), index [ℓ, m+b−1]; entries with |m| > ℓ are ignored.

  Returns:
    Real array (..., 2b, 2b, C): Re Σ_ℓm f_ℓm Y_ℓm on the grid (the function itself when the
    coefficients are those of a real function, f_ℓ,−m = (−1)^m conj(f_ℓm)).
  """
  coeffs, _ = checks.spectral(coeffs)
  return _inverse_sht(coeffs)
