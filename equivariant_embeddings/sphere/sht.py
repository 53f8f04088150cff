"""Spherical harmonic transforms on the Driscoll–Healy grid (docs/conventions.md, 'Grid' and
'Spherical harmonic coefficients').

forward_sht: real (..., 2b, 2b, C) → complex (..., b, 2b−1, C), index [ℓ, m+b−1];
inverse_sht: back. Both are exact for band-limited functions (degrees ℓ < b).

Each transform is two batched real matrix products against constant tables: a DFT along longitude
and a Legendre transform along colatitude. Two symmetries of the grid halve both:
- half a turn in longitude (φ_{k+b} = φ_k + π) multiplies e^{imφ} by (−1)^m, so orders of parity q
  see only the sum (q = 0) or difference (q = 1) of the two half-turns;
- the equator (θ_{2b−1−j} = π − θ_j) maps λ_ℓm to (−1)^{ℓ+m} λ_ℓm, so degrees with ℓ − m of parity p
  see only the sum (p = 0) or difference (p = 1) of the northern and southern rows.

Layout: with m = 2i + q, ℓ = m + 2i' + p and r the real or imaginary part, the DFT products are
batched over q and yield real planes indexed (q, i, r, p, j, N) (N = batch × channel), which are the
Legendre products' batch axes (q, i, r, p), contraction j and columns N as they stand; the inverse
runs the same layout backwards. No stage transposes data between the two products: on a CPU those
transposes, not the products, dominated the time.
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
def _legendre_tables(b: int):
  """Legendre tables on the northern rows in the (q, i, p) layout, float64, read-only.

  Returns (forward, inverse) with ℓ = m + 2i' + p, m = 2i + q, j < b (northern rows), zero where
  m ≥ b or ℓ ≥ b:
    forward[q, i, p, i', j] = w_j λ_ℓm(θ_j), shape (2, ⌈b/2⌉, 2, ⌈b/2⌉, b);
    inverse[q, i, p, j, i'] = λ_ℓm(θ_j), shape (2, ⌈b/2⌉, 2, b, ⌈b/2⌉).
  """
  half = (b + 1) // 2
  lam = legendre.grid_legendre(b)[:, :, :b]  # (ℓ, m, j), northern rows
  inverse = np.zeros((2, half, 2, b, half))
  for m in range(b):
    for p in range(2):
      degrees = np.arange(m + p, b, 2)
      inverse[m % 2, m // 2, p, :, : degrees.size] = lam[degrees, m].T
  forward = np.swapaxes(inverse, -1, -2) * grid.quadrature_weights(b)[:b]
  for t in (forward, inverse):
    t.setflags(write=False)
  return forward, inverse


def _per_part(table, dtype):
  """(q, i, p, …) table → (q·i·r·p, …) batch of matrices of the given dtype, the same for both parts r.

  Entries below tiny/eps of the dtype (1e-31 in float32: λ_ℓm near the poles for large m) become 0.
  They cannot change a coefficient at that precision, and as subnormal numbers, or factors that make
  subnormal products, they slowed the float32 products 2–3× on x86 CPUs.
  """
  info = np.finfo(dtype)
  table = np.where(np.abs(table) < info.tiny / info.eps, 0.0, table)
  table = np.broadcast_to(table[:, :, None], (*table.shape[:2], 2, *table.shape[2:]))
  return jnp.asarray(table.reshape(-1, *table.shape[-2:]), dtype)


@functools.lru_cache(maxsize=None)
def _longitude_dft(b: int):
  """Real DFT matrices over half the longitudes, split by the parity q of the order, float64.

  X_m = Σ_{k<b} (x_k + (−1)^m x_{k+b}) e^{−imφ_k}. With m = 2i + q, i < ⌈b/2⌉:

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


@functools.lru_cache(maxsize=None)
def _coefficient_maps(b: int):
  """Index and sign tables between the (ℓ, m) coefficient layout and the (q, i, r, p, i') layout.

  Returns, read-only (invalid entries point at row 0 and carry a zero factor):
    rows (b, 2b−1) int32: for each (ℓ, m + b − 1), the row (q, i, r = 0, p, i') of |m|; the
      imaginary part (r = 1) is 2⌈b/2⌉ rows further on;
    real_sign, imag_sign (b, 2b−1): 1 for m ≥ 0 and f_ℓ,−m = (−1)^m conj f_ℓm for m < 0, 0 where
      |m| > ℓ;
    positive, negative (2, ⌈b/2⌉, 2, ⌈b/2⌉) int32: for each (q, i, p, i'), the flat (ℓ, m + b − 1)
      index of order +m and of −m;
    conjugate_sign (2, ⌈b/2⌉, 2, ⌈b/2⌉): (−1)^m, 0 where m ≥ b or ℓ ≥ b.
  """
  half = (b + 1) // 2
  l, m_index = np.meshgrid(np.arange(b), np.arange(2 * b - 1), indexing="ij")
  m = np.abs(m_index - (b - 1))
  valid = l >= m
  rows = np.where(valid, (((m % 2 * half + m // 2) * 2) * 2 + (l - m) % 2) * half + (l - m) // 2, 0)
  negative_order = m_index < b - 1
  real_sign = valid * np.where(negative_order, (-1.0) ** m, 1.0)
  imag_sign = valid * np.where(negative_order, -((-1.0) ** m), 1.0)
  q, i, p, i_degree = np.meshgrid(np.arange(2), np.arange(half), np.arange(2), np.arange(half),
                                  indexing="ij")
  m = 2 * i + q
  l = m + 2 * i_degree + p
  valid = l < b  # implies m < b
  positive = np.where(valid, l * (2 * b - 1) + b - 1 + m, 0)
  negative = np.where(valid, l * (2 * b - 1) + b - 1 - m, 0)
  conjugate_sign = valid * (-1.0) ** m
  tables = (rows.astype(np.int32), real_sign, imag_sign, positive.astype(np.int32),
            negative.astype(np.int32), conjugate_sign)
  for t in tables:
    t.setflags(write=False)
  return tables


def _fold(x):
  """Real (B, 2b, 2b, C) → (q, k < b, N') with N' = (p, j < b, B, C): both symmetries' folds."""
  b = x.shape[1] // 2
  x = jnp.transpose(x, (2, 1, 0, 3))  # (k, j, B, C): rows of B·C values move as blocks
  north, south = x[:, :b], x[:, : b - 1 : -1]
  folded = []
  for sign in (1, -1):  # q
    east_west = [hemisphere[:b] + sign * hemisphere[b:] for hemisphere in (north, south)]
    folded.append(jnp.stack([east_west[0] + east_west[1], east_west[0] - east_west[1]], axis=1))
  return jnp.stack(folded).reshape(2, b, -1)


def _unfold(halves, n_batch):
  """(q, k < b, p, j < b, N) → real (B, 2b, 2b, C): the inverse of _fold's sums and differences."""
  b = halves.shape[1]
  east, west = halves[0] + halves[1], halves[0] - halves[1]  # (k, p, j, N)
  rows = jnp.concatenate([east, west])  # (all 2b longitudes, p, j, N)
  north, south = rows[:, 0] + rows[:, 1], (rows[:, 0] - rows[:, 1])[:, ::-1]
  x = jnp.concatenate([north, south], axis=1).reshape(2 * b, 2 * b, n_batch, -1)  # (k, j, B, C)
  return jnp.transpose(x, (2, 1, 0, 3))


@jax.jit
def _forward_sht(x):
  b, n_chan = x.shape[-3] // 2, x.shape[-1]
  half = (b + 1) // 2
  batch_shape = x.shape[:-3]
  x = x.reshape(-1, 2 * b, 2 * b, n_chan)
  n_batch = x.shape[0]
  dft = jnp.asarray(_longitude_dft(b)[0].reshape(2, 2 * half, b), x.dtype)  # (q, [i r], k)
  planes = jnp.einsum("qak,qkn->qan", dft, _fold(x), precision=_HIGHEST)  # (q, [i r], [p j N])
  planes = planes.reshape(-1, b, n_batch * n_chan)  # ([q i r p], j, N)
  table = _per_part(_legendre_tables(b)[0], x.dtype)  # ([q i r p], i', j)
  parts = jnp.einsum("xaj,xjn->xan", table, planes, precision=_HIGHEST).reshape(-1, n_batch, n_chan)
  rows, real_sign, imag_sign, *_ = _coefficient_maps(b)
  real = jnp.take(parts, rows, axis=0, mode="clip")  # (ℓ, m, B, C)
  imag = jnp.take(parts, rows + 2 * half, axis=0, mode="clip")
  coeffs = jax.lax.complex(real * jnp.asarray(real_sign[..., None, None], x.dtype),
                           imag * jnp.asarray(imag_sign[..., None, None], x.dtype))
  return jnp.moveaxis(coeffs, 2, 0).reshape(*batch_shape, b, 2 * b - 1, n_chan)


@jax.jit
def _inverse_sht(coeffs):
  b, n_chan = coeffs.shape[-3], coeffs.shape[-1]
  half = (b + 1) // 2
  batch_shape = coeffs.shape[:-3]
  real_dtype = coeffs.real.dtype
  coeffs = jnp.moveaxis(coeffs.reshape(-1, b, 2 * b - 1, n_chan), 0, 2).reshape(b * (2 * b - 1), -1)
  n_batch = coeffs.shape[-1] // n_chan
  *_, positive, negative, conjugate_sign = _coefficient_maps(b)
  # Coefficients of the real part: g_ℓm = (f_ℓm + (−1)^m conj(f_ℓ,−m)) / 2 (g_ℓ0 = Re f_ℓ0).
  valid = jnp.asarray(0.5 * (conjugate_sign != 0)[..., None], real_dtype)
  sign = jnp.asarray(0.5 * conjugate_sign[..., None], real_dtype)
  parts = []
  for part, conjugate in ((coeffs.real, 1), (coeffs.imag, -1)):
    take = lambda index, part=part: jnp.take(part, index, axis=0, mode="clip")
    parts.append(valid * take(positive) + conjugate * sign * take(negative))  # (q, i, p, i', N)
  parts = jnp.stack(parts, axis=2).reshape(-1, half, n_batch * n_chan)  # ([q i r p], i', N)
  table = _per_part(_legendre_tables(b)[1], real_dtype)  # ([q i r p], j, i')
  planes = jnp.einsum("xja,xan->xjn", table, parts, precision=_HIGHEST)  # ([q i r p], j, N)
  dft = jnp.asarray(_longitude_dft(b)[1].reshape(2, b, 2 * half), real_dtype)  # (q, k, [i r])
  halves = jnp.einsum("qka,qan->qkn", dft, planes.reshape(2, 2 * half, -1), precision=_HIGHEST)
  x = _unfold(halves.reshape(2, b, 2, b, -1), n_batch)
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

  Raises:
    ValueError: a wrong grid shape, an empty array or a complex, boolean or half-precision dtype
      (checked also under jit; integers are cast to float32), or NaN/inf (outside jit only).
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

  Raises:
    ValueError: a wrong coefficient layout, an empty array or a boolean or half-precision dtype
      (checked also under jit), or NaN/inf (outside jit only).
  """
  coeffs, _ = checks.spectral(coeffs)
  return _inverse_sht(coeffs)


def band_limit(x):
  """The degree < b part of real functions x (..., 2b, 2b, C) on their own grid (an SHT round trip).

  Ray-cast maps and network outputs have content above the grid's bandwidth; rotations, correlations
  and the spherical CNN are exact only for their band-limited part.
  """
  return inverse_sht(forward_sht(x))
