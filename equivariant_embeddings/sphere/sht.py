"""Spherical harmonic transforms on the Driscoll–Healy grid (DESIGN.md §3.1–3.2).

forward_sht: real (..., 2b, 2b, C) → complex (..., b, 2b−1, C), index [ℓ, m+b−1];
inverse_sht: back. Both are exact for band-limited functions (degrees ℓ < b).

Each transform is a real DFT along longitude (a product with the DFT matrix for small b, an FFT for
large b) and one batched real matrix product per order m against a constant Legendre table. The product uses the equatorial symmetry λ_ℓm(π−θ) = (−1)^{ℓ+m} λ_ℓm(θ) of
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
  """Row maps between the (ℓ, m ≥ 0) layout and the (m, p, i) layout of the products (ℓ = m + 2i + p).

  Returns (to_lm, to_mpi), int32, each indexing the rows of the other layout flattened, with one extra
  all-zero row appended (index 2b⌈b/2⌉, resp. b²) standing for the empty entries:
    to_lm (b·b,): for each (ℓ, m), the row of (m, p, i) holding it, or the zero row if ℓ < m;
    to_mpi (2b⌈b/2⌉,): for each (m, p, i), the row (m + 2i + p)·b + m of (ℓ, m), or the zero row.
  """
  half = (b + 1) // 2
  l, m = np.meshgrid(np.arange(b), np.arange(b), indexing="ij")
  to_lm = np.where(l >= m, (m * 2 + (l - m) % 2) * half + (l - m) // 2, 2 * b * half)
  m, p, i = np.meshgrid(np.arange(b), np.arange(2), np.arange(half), indexing="ij")
  l = m + 2 * i + p
  to_mpi = np.where(l < b, l * b + m, b * b)
  return to_lm.ravel().astype(np.int32), to_mpi.ravel().astype(np.int32)


def _take_rows(x, rows):
  """x[rows] along axis 0, where index len(x) selects an appended zero row."""
  x = jnp.concatenate([x, jnp.zeros((1, *x.shape[1:]), x.dtype)])
  return jnp.take(x, rows, axis=0)


@functools.lru_cache(maxsize=None)
def _longitude_dft(b: int):
  """Real DFT matrices over half the longitudes, split by the parity q of the order m, float64.

  Half a turn shifts the longitude index by b and multiplies e^{imφ} by (−1)^m, so
  X_m = Σ_{k<b} (x_k + (−1)^m x_{k+b}) e^{−imφ_k}: even orders see the sum of the two half-turns,
  odd orders their difference, and each DFT is half as long. With m = 2i + q, i < ⌈b/2⌉:

  Returns (analysis, synthesis), read-only:
    analysis[q, i, r, k] = cos(mφ_k) for r = 0, −sin(mφ_k) for r = 1 (real and imaginary parts of
      e^{−imφ_k}), k < b; shape (2, ⌈b/2⌉, 2, b); zero where m ≥ b.
    synthesis[q, k, i, r] = c_m cos(mφ_k), −c_m sin(mφ_k) with c_0 = 1, c_m = 2: the half-turn
      part of Re Σ_{|m|<b} Z_m e^{imφ_k} for Z_{−m} = conj Z_m; shape (2, b, ⌈b/2⌉, 2).
  """
  half = (b + 1) // 2
  m = 2 * np.arange(half)[None, :] + np.arange(2)[:, None]  # (q, i)
  angle = m[..., None] * grid.longitudes(b)[None, None, :b]  # (q, i, k)
  valid = (m < b)[..., None, None]
  analysis = np.where(valid, np.stack([np.cos(angle), -np.sin(angle)], axis=2), 0.0)
  weight = np.where(m == 0, 1.0, 2.0)[..., None, None]
  synthesis = np.transpose(weight * analysis, (0, 3, 1, 2))
  for t in (analysis, synthesis):
    t.setflags(write=False)
  return analysis, synthesis


# Up to this bandwidth the longitude transforms are products with the half-length DFT matrices above;
# beyond it, FFTs. On a 2-core CPU (C = 64) the products were as fast or faster at b = 16 … 128, as
# they avoid the complex-valued transposes around the FFT; at b = 256 the FFT was 1.3× faster.
_MAX_DFT_BANDWIDTH = 128

# Layout: the Legendre products are batched over (m, p), which must be the major axes, with the columns
# N = (real/imaginary, batch, channel) minor. The longitude stages move data between that layout and
# (batch, j, k, C) as real arrays: complex transposes, and real and imaginary parts interleaved in the
# minor axis, were several times slower on the CPU.


def _longitude_analysis(x):
  """Real (B, 2b, 2b, C) → X_m(θ_j) folded by parity, as real planes (m, p, j < b, N = 2·B·C)."""
  b = x.shape[-3] // 2
  north, south = x[:, :b], x[:, : b - 1 : -1]
  folded = jnp.stack([north + south, north - south])  # (p, B, j, k, C)
  if b <= _MAX_DFT_BANDWIDTH:
    east, west = folded[..., :b, :], folded[..., b:, :]
    halves = jnp.stack([east + west, east - west])  # (q, p, B, j, k < b, C)
    analysis = jnp.asarray(_longitude_dft(b)[0], x.dtype)
    planes = jnp.einsum("qirk,qpBjkc->iqpjrBc", analysis, halves, precision=_HIGHEST)
    return planes.reshape(-1, 2, b, 2 * x.shape[0] * x.shape[-1])[:b]  # m = 2i + q
  spectrum = jnp.fft.rfft(jnp.transpose(folded, (0, 2, 1, 4, 3)), axis=-1)[..., :b]  # (p, j, B, C, m)
  planes = jnp.transpose(jnp.stack([spectrum.real, spectrum.imag]), (5, 1, 2, 0, 3, 4))
  return planes.reshape(b, 2, b, -1)


def _longitude_synthesis(parts, n_batch):
  """Real planes (m, p, j < b, N = 2·B·C) of parity parts → real (B, 2b, 2b, C) on the grid."""
  b = parts.shape[0]
  parts = parts.reshape(b, 2, b, 2, n_batch, -1)  # (m, p, j, r, B, C)
  if b <= _MAX_DFT_BANDWIDTH:
    parts = jnp.pad(parts, [(0, b % 2)] + [(0, 0)] * 5)
    parts = parts.reshape(-1, 2, *parts.shape[1:])  # (i, q, p, j, r, B, C), m = 2i + q
    synthesis = jnp.asarray(_longitude_dft(b)[1], parts.dtype)
    halves = jnp.einsum("qkir,iqpjrBc->qpBjkc", synthesis, parts, precision=_HIGHEST)
    rows = jnp.concatenate([halves[0] + halves[1], halves[0] - halves[1]], axis=-2)
  else:
    parts = jnp.transpose(parts, (3, 1, 4, 2, 5, 0))  # (r, p, B, j, C, m)
    spectrum = jnp.pad(jax.lax.complex(parts[0], parts[1]), [(0, 0)] * 4 + [(0, 1)])
    rows = jnp.swapaxes((2 * b) * jnp.fft.irfft(spectrum, n=2 * b, axis=-1), -1, -2)
  even, odd = rows[0], rows[1]  # (B, j, k, C)
  return jnp.concatenate([even + odd, (even - odd)[:, ::-1]], axis=1)


@jax.jit
def _forward_sht(x):
  b, n_chan = x.shape[-3] // 2, x.shape[-1]
  half = (b + 1) // 2
  batch_shape = x.shape[:-3]
  x = x.reshape(-1, 2 * b, 2 * b, n_chan)
  table = jnp.asarray(_parity_tables(b)[0], x.dtype)  # (m, p, i, j)
  planes = _longitude_analysis(x)
  out = jnp.einsum("mpij,mpjn->mpin", table, planes, precision=_HIGHEST)
  to_lm, _ = _skew_indices(b)
  out = _take_rows(out.reshape(b * 2 * half, -1), to_lm)  # rows (ℓ, m ≥ 0)
  out = jnp.transpose(out.reshape(b, b, 2, -1, n_chan), (2, 3, 0, 1, 4))
  positive = jax.lax.complex(out[0], out[1])  # (B, ℓ, m ≥ 0, C)
  # Real input: f_{ℓ,−m} = (−1)^m conj(f_ℓm).
  sign = jnp.asarray((-1.0) ** np.arange(1, b), x.dtype)[:, None]
  negative = (sign * jnp.conj(positive[..., 1:, :]))[..., ::-1, :]
  return jnp.concatenate([negative, positive], axis=-2).reshape(*batch_shape, b, 2 * b - 1, n_chan)


@jax.jit
def _inverse_sht(coeffs):
  b, n_chan = coeffs.shape[-3], coeffs.shape[-1]
  half = (b + 1) // 2
  batch_shape = coeffs.shape[:-3]
  coeffs = coeffs.reshape(-1, b, 2 * b - 1, n_chan)
  real_dtype = coeffs.real.dtype
  table = jnp.asarray(_parity_tables(b)[1], real_dtype)  # (m, p, j, i)
  positive, negative = coeffs[..., b - 1 :, :], coeffs[..., b - 1 :: -1, :]  # order ±m at index m
  # Coefficients of the real part: g_ℓm = (f_ℓm + (−1)^m conj(f_ℓ,−m)) / 2 (g_ℓ0 = Re f_ℓ0).
  sign = jnp.asarray((-1.0) ** np.arange(b), real_dtype)[:, None]
  g = 0.5 * (positive + sign * jnp.conj(negative))  # (B, ℓ, m, C)
  planes = jnp.transpose(jnp.stack([g.real, g.imag]), (2, 3, 0, 1, 4)).reshape(b * b, -1)  # (ℓ m, N)
  _, to_mpi = _skew_indices(b)
  skewed = _take_rows(planes, to_mpi).reshape(b, 2, half, -1)  # (m, p, i, N)
  parts = jnp.einsum("mpji,mpin->mpjn", table, skewed, precision=_HIGHEST)
  x = _longitude_synthesis(parts, coeffs.shape[0])
  return x.reshape(*batch_shape, 2 * b, 2 * b, n_chan)


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
