"""Wigner matrices in the conventions of docs/conventions.md, 'Rotations' and 'Wigner matrices'.

Δ^ℓ = d^ℓ(π/2) is computed once per degree in float64 with a stable three-term recursion. Every other
Wigner matrix follows from it:
  d^ℓ_mn(β) = i^{n−m} Σ_k Δ^ℓ_km Δ^ℓ_kn e^{ikβ},      D^ℓ_mn(α, β, γ) = e^{−imα} d^ℓ_mn(β) e^{−inγ},
so that the coefficients of R·f are (R·f)^ℓ_m = Σ_n D^ℓ_mn(R) f^ℓ_n.

Padded layout: arrays (..., l_max+1, 2·l_max+1, 2·l_max+1) indexed [ℓ, m+l_max, n+l_max], zero where
|m| > ℓ or |n| > ℓ. They hold 8·(l_max+1)(2·l_max+1)² bytes in float64 (8.6 MB at l_max = 64).
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings.sphere import checks
from equivariant_embeddings.sphere import rotations

_HIGHEST = jax.lax.Precision.HIGHEST


def wigner_delta_degree(l: int) -> np.ndarray:
  """Δ^ℓ = d^ℓ(π/2) for one degree, shape (2ℓ+1, 2ℓ+1) indexed [m+ℓ, n+ℓ], float64.

  The first row in the octant m ≥ n ≥ 0 is closed form,
    Δ^ℓ_ℓn = (−1)^{ℓ−n} sqrt(C(2ℓ, ℓ+n)) / 2^ℓ,
  accumulated as a product of ratios so no factorial overflows. The rest of the octant comes from the
  three-term recursion of J_x at β = π/2, run downward in m, the direction in which it is stable
  (Trapani & Navaza 2006):
    sqrt((ℓ+m)(ℓ−m+1)) Δ_{m−1,n} = 2n Δ_mn − sqrt((ℓ−m)(ℓ+m+1)) Δ_{m+1,n}.
  Symmetries fill the other octants: Δ_nm = (−1)^{m−n} Δ_mn, Δ_{m,−n} = (−1)^{ℓ+m} Δ_mn,
  Δ_{−m,n} = (−1)^{ℓ+n} Δ_mn.
  """
  l = checks.integer(l, "degree")
  n = np.arange(l + 1)
  # ratio[n] = sqrt(C(2ℓ, ℓ+n) / C(2ℓ, ℓ+n+1)) = sqrt((ℓ+n+1)/(ℓ−n)), so sqrt(C(2ℓ, ℓ+n)) / 2^ℓ
  # is 2^−ℓ times the product of the ratios from n up to ℓ−1.
  ratio = np.sqrt((l + n[:-1] + 1.0) / (l - n[:-1]))
  top = np.ldexp(np.append(np.cumprod(ratio[::-1])[::-1], 1.0), -l)
  octant = np.zeros((l + 2, l + 1))  # [m, n] for m ≥ n ≥ 0; row ℓ+1 is a zero guard
  octant[l] = top * (-1.0) ** (l - n)
  for m in range(l, 0, -1):
    cols = n[:m]  # the new row m−1 has entries for n ≤ m−1
    octant[m - 1, cols] = (
        2.0 * cols * octant[m, cols]
        - np.sqrt((l - m) * (l + m + 1.0)) * octant[m + 1, cols]) / np.sqrt((l + m) * (l - m + 1.0))
  octant = octant[: l + 1]
  sign = (-1.0) ** (n[:, None] - n[None, :])
  quadrant = np.tril(octant) + np.triu(sign * octant.T, k=1)  # [m, n] for m, n ≥ 0
  full = np.zeros((2 * l + 1, 2 * l + 1))
  full[l:, l:] = quadrant
  full[l:, :l] = (quadrant * ((-1.0) ** (l + n))[:, None])[:, :0:-1]  # n < 0
  full[:l, :] = (full[l:, :] * ((-1.0) ** (l + np.arange(-l, l + 1))))[:0:-1]  # m < 0
  return full


@functools.lru_cache(maxsize=8)
def wigner_delta(l_max: int) -> np.ndarray:
  """Δ^ℓ = d^ℓ(π/2) for ℓ = 0..l_max, padded (l_max+1, 2·l_max+1, 2·l_max+1), float64, read-only."""
  l_max = checks.integer(l_max, "l_max")
  table = np.zeros((l_max + 1, 2 * l_max + 1, 2 * l_max + 1))
  for l in range(l_max + 1):
    table[l, l_max - l : l_max + l + 1, l_max - l : l_max + l + 1] = wigner_delta_degree(l)
  table.setflags(write=False)
  return table


def _i_power_parity(l_max: int):
  """i^{n−m} on the padded (m, n) grid as (real part, imaginary part), each in {−1, 0, 1}."""
  k = np.arange(-l_max, l_max + 1)
  power = np.mod(k[None, :] - k[:, None], 4)
  return np.array([1, 0, -1, 0])[power], np.array([0, 1, 0, -1])[power]


def d_from_delta(delta, beta):
  """d^ℓ(β) from Δ^ℓ: i^{n−m} Σ_k Δ^ℓ_km Δ^ℓ_kn e^{ikβ}, real.

  Args:
    delta: (L, 2K+1, 2K+1) padded Δ tables of any set of L degrees (a slice of `wigner_delta`), [ℓ, k, m].
    beta: angles, shape (...).

  Returns:
    (..., L, 2K+1, 2K+1) real, [ℓ, m, n].
  """
  half = (delta.shape[-1] - 1) // 2
  k = jnp.arange(-half, half + 1, dtype=delta.dtype)
  angle = jnp.asarray(beta, delta.dtype)[..., None] * k
  re_i, im_i = (jnp.asarray(t, delta.dtype) for t in _i_power_parity(half))
  # i^{n−m} is real or imaginary by the parity of n − m, so only one of the two sums is needed per
  # entry: d = Re(i^{n−m}) Σ Δ Δ cos kβ − Im(i^{n−m}) Σ Δ Δ sin kβ.
  cos_sum = jnp.einsum("lkm,...k,lkn->...lmn", delta, jnp.cos(angle), delta, precision=_HIGHEST)
  sin_sum = jnp.einsum("lkm,...k,lkn->...lmn", delta, jnp.sin(angle), delta, precision=_HIGHEST)
  return re_i * cos_sum - im_i * sin_sum


def wigner_d(l_max: int, beta):
  """Wigner small d^ℓ(β) for ℓ = 0..l_max.

  Args:
    l_max: the largest degree.
    beta: angles in radians, shape (...); float64 under jax_enable_x64 gives float64 results.

  Returns:
    (..., l_max+1, 2·l_max+1, 2·l_max+1) real, indexed [ℓ, m+l_max, n+l_max], zero outside |m|, |n| ≤ ℓ.
  """
  dtype = checks.real_dtype_of(beta)
  return d_from_delta(jnp.asarray(wigner_delta(l_max), dtype), jnp.asarray(beta, dtype))


def wigner_D(l_max: int, rotation):  # pylint: disable=invalid-name
  """Wigner D^ℓ(R) for ℓ = 0..l_max: (R·f)^ℓ_m = Σ_n D^ℓ_mn(R) f^ℓ_n.

  Args:
    l_max: the largest degree.
    rotation: rotation matrices, shape (..., 3, 3).

  Returns:
    (..., l_max+1, 2·l_max+1, 2·l_max+1) complex, indexed [ℓ, m+l_max, n+l_max].
  """
  rotation = checks.rotation(rotation)
  alpha, beta, gamma = rotations.matrix_to_euler(rotation)
  d = wigner_d(l_max, beta)
  m = jnp.arange(-l_max, l_max + 1, dtype=d.dtype)
  phase_m = jnp.exp(-1j * alpha[..., None] * m)[..., None, :, None]
  phase_n = jnp.exp(-1j * gamma[..., None] * m)[..., None, None, :]
  return phase_m * d * phase_n
