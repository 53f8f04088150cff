"""SO(3) cross-correlation of spherical functions with one 3D FFT (docs/conventions.md, 'SO(3)
correlation').

C(R) = Σ_c ⟨R·f_c, g_c⟩ = Σ_ℓ Σ_mn D^ℓ_mn(R) F^ℓ_mn with F^ℓ_mn = Σ_c f^ℓ_{n,c} conj(g^ℓ_{m,c}).
With D^ℓ_mn(α, β, γ) = e^{−imα} i^{n−m} Σ_k Δ^ℓ_km Δ^ℓ_kn e^{ikβ} e^{−inγ},
  C(α, β, γ) = Σ_{m,k,n} e^{−imα} e^{ikβ} e^{−inγ} G_mkn,  G_mkn = i^{n−m} Σ_ℓ Δ^ℓ_km Δ^ℓ_kn F^ℓ_mn,
an explicit trigonometric polynomial: zero-padding G evaluates it exactly on any finer Euler grid, and
its argmax can be refined below the grid spacing with Newton steps on the polynomial itself.
The β axis of the grid covers [0, 2π): (α, β, γ) and (α+π, 2π−β, γ+π) are the same rotation.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings.sphere import checks
from equivariant_embeddings.sphere import rotate
from equivariant_embeddings.sphere import rotations
from equivariant_embeddings.sphere import sht
from equivariant_embeddings.sphere import wigner

_HIGHEST = jax.lax.Precision.HIGHEST
_NEWTON_STEPS = 4


@functools.lru_cache(maxsize=None)
def _delta_products(b: int) -> np.ndarray:
  """P[ℓ, k, m, n] = Δ^ℓ_km Δ^ℓ_kn for ℓ < b, (b, 2b−1, 2b−1, 2b−1) float64, read-only."""
  delta = wigner.wigner_delta(b - 1)
  table = np.einsum("lkm,lkn->lkmn", delta, delta)
  table.setflags(write=False)
  return table


def _check_pair(f, g):
  f, b = checks.spatial(f, "f")
  g, b_g = checks.spatial(g, "g")
  if b != b_g or f.shape[-1] != g.shape[-1]:
    raise ValueError(f"f and g must share bandwidth and channels (..., 2b, 2b, C); got {f.shape} "
                     f"and {g.shape}")
  checks.batch_shape(f, "f", 3, g, "g", 3)
  return f, g, b


def _grid_bandwidth(b: int, grid_bandwidth, default: int) -> int:
  if grid_bandwidth is None:
    return default
  grid_bandwidth = checks.integer(grid_bandwidth, "grid_bandwidth", minimum=1)
  if grid_bandwidth < b:
    raise ValueError(f"grid_bandwidth must be >= the signals' bandwidth b = {b} so that the grid "
                     f"resolves the correlation; got {grid_bandwidth}")
  return grid_bandwidth


def correlation_spectrum(f_coeffs, g_coeffs):
  """The trigonometric coefficients G_mkn of C(α, β, γ) = Σ_c ⟨R·f_c, g_c⟩.

  Args:
    f_coeffs, g_coeffs: complex (..., b, 2b−1, C) spherical harmonic coefficients.

  Returns:
    Complex (..., 2b−1 [m], 2b−1 [k], 2b−1 [n]), index [m+b−1, k+b−1, n+b−1].
  """
  b = f_coeffs.shape[-3]
  real_dtype = f_coeffs.real.dtype
  cross = jnp.einsum("...lnc,...lmc->...lmn", f_coeffs, jnp.conj(g_coeffs), precision=_HIGHEST)
  products = jnp.asarray(_delta_products(b), real_dtype)
  k = np.arange(1 - b, b)
  i_power = jnp.asarray(1j ** np.mod(k[None, :] - k[:, None], 4), f_coeffs.dtype)  # i^{n−m}
  return rotate.real_table_product("lkmn,...lmn->...mkn", products, cross) * i_power[:, None, :]


def _evaluate_on_grid(spectrum, n_grid: int):
  """C on the Euler grid α_a, β_j, γ_c = 2π(a, j, c)/n_grid: real (..., n_grid, n_grid, n_grid).

  C is real, so G_{−m,−k,−n} = conj(G_mkn) and a real inverse FFT over half of the n axis suffices.
  """
  b = (spectrum.shape[-1] + 1) // 2
  # Reverse m and n so that the inverse FFT's e^{+i…} gives e^{−imα} e^{+ikβ} e^{−inγ}.
  spectrum = spectrum[..., ::-1, :, ::-1]

  def zero_pad(x, axis, size):
    # Frequencies 0..b−1 first, zeros, then −(b−1)..−1 (FFT order); size ≥ 2b−1.
    zeros = list(x.shape)
    zeros[axis] = size - (2 * b - 1)
    return jnp.concatenate([
        jax.lax.slice_in_dim(x, b - 1, 2 * b - 1, axis=axis), jnp.zeros(zeros, x.dtype),
        jax.lax.slice_in_dim(x, 0, b - 1, axis=axis)], axis=axis)

  padded = zero_pad(zero_pad(spectrum, -3, n_grid), -2, n_grid)
  half_n = n_grid // 2 + 1
  padded = jnp.pad(padded[..., b - 1 :], [(0, 0)] * (padded.ndim - 1) + [(0, half_n - b)])
  return jnp.fft.irfftn(padded, s=(n_grid,) * 3, axes=(-3, -2, -1)) * n_grid**3


@functools.partial(jax.jit, static_argnames="n_grid")
def _so3_correlation(f, g, n_grid):
  return _evaluate_on_grid(correlation_spectrum(sht.forward_sht(f), sht.forward_sht(g)), n_grid)


def euler_grid(grid_bandwidth: int):
  """The Euler angles (α, β, γ) of the correlation grid, each (2·grid_bandwidth,) float64 in [0, 2π)."""
  angles = np.pi * np.arange(2 * grid_bandwidth) / grid_bandwidth
  angles.setflags(write=False)
  return angles, angles, angles


def so3_correlation(f, g, grid_bandwidth=None):
  """C(R) = Σ_c ⟨R·f_c, g_c⟩ on an Euler-angle grid, by one contraction and one 3D FFT.

  Args:
    f, g: real (..., 2b, 2b, C) band-limited functions; leading axes broadcast.
    grid_bandwidth: the grid has N = 2·grid_bandwidth points per Euler angle; ≥ b; default 4b.
      Padding past b interpolates C exactly (it is band-limited in each angle).

  Returns:
    (values, (alpha, beta, gamma)): values real (..., N, N, N) with values[..., a, j, c] =
    C(Rz(α_a) Ry(β_j) Rz(γ_c)); alpha, beta, gamma float64 (N,), each 2π·arange(N)/N.

  Raises:
    ValueError: shapes, dtypes, empty arrays, leading axes that do not broadcast and grid_bandwidth
      are checked always, NaN/inf only outside jit (sphere.checks).
  """
  f, g, b = _check_pair(f, g)
  grid_bandwidth = _grid_bandwidth(b, grid_bandwidth, 4 * b)
  return _so3_correlation(f, g, 2 * grid_bandwidth), euler_grid(grid_bandwidth)


def _value_gradient_hessian(spectrum, angles):
  """C and its first and second derivatives in (α, β, γ) at the given angles (..., 3).

  Returns (value (...), gradient (..., 3), hessian (..., 3, 3)); derivatives of the trigonometric
  polynomial bring down factors −im, ik, −in.
  """
  b = (spectrum.shape[-1] + 1) // 2
  freq = jnp.arange(1 - b, b, dtype=angles.dtype)
  factors = []
  for axis, sign in enumerate((-1.0, 1.0, -1.0)):
    factor = sign * 1j * freq
    wave = jnp.exp(factor * angles[..., axis, None])
    factors.append(jnp.stack([wave, factor * wave, factor * factor * wave], axis=-2))  # (..., 3, F)
  # terms[p, q, r] = Σ G_mkn ∂α^p ∂β^q ∂γ^r of the three waves, p, q, r ≤ 2.
  terms = jnp.einsum("...mkn,...pm,...qk,...rn->...pqr", spectrum, *factors, precision=_HIGHEST).real
  value = terms[..., 0, 0, 0]
  gradient = jnp.stack([terms[..., 1, 0, 0], terms[..., 0, 1, 0], terms[..., 0, 0, 1]], axis=-1)
  hessian = jnp.stack([
      jnp.stack([terms[..., 2, 0, 0], terms[..., 1, 1, 0], terms[..., 1, 0, 1]], axis=-1),
      jnp.stack([terms[..., 1, 1, 0], terms[..., 0, 2, 0], terms[..., 0, 1, 1]], axis=-1),
      jnp.stack([terms[..., 1, 0, 1], terms[..., 0, 1, 1], terms[..., 0, 0, 2]], axis=-1),
  ], axis=-2)
  return value, gradient, hessian


def _newton_ascent(spectrum, angles, max_step):
  """Safeguarded Newton steps toward the local maximum of C from angles (..., 3).

  Positive or vanishing curvatures (saddles, the α/γ degeneracy at β = 0) are clamped to a small
  negative value so each step goes uphill, and steps are capped at max_step radians per angle.
  """
  def step(_, angles):
    _, gradient, hessian = _value_gradient_hessian(spectrum, angles)
    eigvals, eigvecs = jnp.linalg.eigh(hessian)
    scale = jnp.max(jnp.abs(eigvals), axis=-1, keepdims=True)
    curvature = jnp.minimum(eigvals, -1e-3 * scale - jnp.finfo(angles.dtype).tiny)
    along = jnp.einsum("...ji,...j->...i", eigvecs, gradient) / curvature
    delta = -jnp.einsum("...ij,...j->...i", eigvecs, along)
    return angles + jnp.clip(delta, -max_step, max_step)
  return jax.lax.fori_loop(0, _NEWTON_STEPS, step, angles)


# Newton steps run in Euler coordinates, which degenerate at β = 0 and π (only α ± γ is defined
# there). A start within 45° of those poles is moved away first: with Q = Ry(π/2), C(R) = ⟨R·f, g⟩
# equals C'(R Qᵀ) for C' the correlation of Q·f with g, and R Qᵀ then has β ∈ [π/4, 3π/4].
_POLE_SHIFT = rotations.euler_to_matrix(0.0, np.pi / 2, 0.0)


def _refine(f_coeffs, g_coeffs, spectrum, start, spacing):
  """Newton-refined maxima of C from Euler angles start (..., 3): (rotation (..., 3, 3), peak (...)).

  f_coeffs, g_coeffs and spectrum carry the leading axes of start (or broadcast against them).
  """
  shift = jnp.asarray(_POLE_SHIFT, start.dtype)
  near_pole = jnp.abs(jnp.sin(start[..., 1])) < np.sqrt(0.5)
  shifted_spectrum = correlation_spectrum(rotate.rotate_coefficients(f_coeffs, shift), g_coeffs)
  spectrum = jnp.where(near_pole[..., None, None, None], shifted_spectrum, spectrum)
  start_rotation = rotations.euler_to_matrix(start[..., 0], start[..., 1], start[..., 2])
  shifted_start = jnp.stack(rotations.matrix_to_euler(start_rotation @ shift.T), axis=-1)
  angles = _newton_ascent(spectrum, jnp.where(near_pole[..., None], shifted_start, start), spacing)
  peak, _, _ = _value_gradient_hessian(spectrum, angles)
  rotation = rotations.euler_to_matrix(angles[..., 0], angles[..., 1], angles[..., 2])
  return jnp.where(near_pole[..., None, None], rotation @ shift, rotation), peak


def _grid_angles(flat_index, n_grid, dtype):
  """Euler angles (..., 3) of flat indices into the (n_grid,)*3 correlation grid."""
  indices = jnp.stack(jnp.unravel_index(flat_index, (n_grid,) * 3), axis=-1)
  return indices.astype(dtype) * (2 * np.pi / n_grid)


@functools.partial(jax.jit, static_argnames="n_grid")
def _best_rotation(f, g, n_grid):
  f_coeffs, g_coeffs = sht.forward_sht(f), sht.forward_sht(g)
  spectrum = correlation_spectrum(f_coeffs, g_coeffs)
  values = _evaluate_on_grid(spectrum, n_grid)
  start = _grid_angles(jnp.argmax(values.reshape(*values.shape[:-3], -1), axis=-1), n_grid, f.dtype)
  return _refine(f_coeffs, g_coeffs, spectrum, start, 2 * np.pi / n_grid)


def best_rotation(f, g, grid_bandwidth=None):
  """The rotation R maximising C(R) = Σ_c ⟨R·f_c, g_c⟩, i.e. with R·f ≈ g.

  The best cell of the correlation grid, then Newton steps on the exact trigonometric polynomial C,
  which land on its maximum to float precision rather than to the grid spacing.

  Args:
    f, g: real (..., 2b, 2b, C) band-limited functions; leading axes broadcast.
    grid_bandwidth: the search grid has 2·grid_bandwidth points per Euler angle; ≥ b; default 2b,
      fine enough for the best cell to lie in the basin of the global maximum.

  Returns:
    (rotation, peak): rotation (..., 3, 3) and the correlation value at it, (...).

  Raises:
    ValueError: as so3_correlation.
  """
  f, g, b = _check_pair(f, g)
  grid_bandwidth = _grid_bandwidth(b, grid_bandwidth, 2 * b)
  return _best_rotation(f, g, 2 * grid_bandwidth)


def _local_maxima(values):
  """values where they are >= their 26 neighbours on the periodic Euler grid, else −inf."""
  is_max = jnp.ones(values.shape, bool)
  for da in (-1, 0, 1):
    for dj in (-1, 0, 1):
      for dc in (-1, 0, 1):
        if da or dj or dc:
          neighbour = jnp.roll(values, (da, dj, dc), axis=(-3, -2, -1))
          is_max &= values >= neighbour
  return jnp.where(is_max, values, -jnp.inf)


def _distinct_first(rotation, score, k, min_separation_deg):
  """Indices of the first k candidates (in order) more than min_separation_deg from every earlier
  kept one; with fewer than k such, the rest point at candidate 0 and are flagged False.

  rotation (..., M, 3, 3), score (..., M) sorted descending. Returns (indices (..., k), valid (..., k)).
  """
  m = rotation.shape[-3]
  angle = rotations.rotation_angle_deg(rotation[..., :, None, :, :], rotation[..., None, :, :, :])

  def keep_next(i, kept):
    clash = jnp.any(kept & (angle[..., i, :] <= min_separation_deg) & (jnp.arange(m) < i), axis=-1)
    return kept.at[..., i].set(~clash & jnp.isfinite(score[..., i]))

  kept = jax.lax.fori_loop(0, m, keep_next, jnp.zeros(score.shape, bool))
  # Kept candidates first, in their order; the sort is stable.
  order = jnp.argsort(~kept, axis=-1, stable=True)[..., :k]
  valid = jnp.take_along_axis(kept, order, axis=-1)
  return jnp.where(valid, order, 0), valid


@functools.partial(jax.jit, static_argnames=("n_grid", "k", "min_separation_deg"))
def _top_rotations(f, g, n_grid, k, min_separation_deg):
  f_coeffs, g_coeffs = sht.forward_sht(f), sht.forward_sht(g)
  spectrum = correlation_spectrum(f_coeffs, g_coeffs)
  maxima = _local_maxima(_evaluate_on_grid(spectrum, n_grid))
  # Every rotation appears twice on the grid (β covers [0, 2π)), so twice the candidates, and more
  # again for maxima that refine onto the same peak.
  candidates = min(4 * k, n_grid**3)
  score, flat = jax.lax.top_k(maxima.reshape(*maxima.shape[:-3], -1), candidates)
  start = _grid_angles(flat, n_grid, f.dtype)
  expand = lambda x: x[..., None, :, :, :]
  rotation, peak = _refine(expand(f_coeffs), expand(g_coeffs), expand(spectrum), start,
                           2 * np.pi / n_grid)
  peak = jnp.where(jnp.isfinite(score), peak, -jnp.inf)
  order = jnp.argsort(-peak, axis=-1)
  rotation = jnp.take_along_axis(rotation, order[..., None, None], axis=-3)
  peak = jnp.take_along_axis(peak, order, axis=-1)
  chosen, valid = _distinct_first(rotation, peak, k, min_separation_deg)
  rotation = jnp.take_along_axis(rotation, chosen[..., None, None], axis=-3)
  peak = jnp.where(valid, jnp.take_along_axis(peak, chosen, axis=-1), -jnp.inf)
  return rotation, peak


def top_rotations(f, g, k: int, min_separation_deg: float | None = None, grid_bandwidth=None):
  """The k best distinct local maxima of C(R) = Σ_c ⟨R·f_c, g_c⟩, each refined like best_rotation.

  For objects with symmetries the correlation has several near-equal peaks (a chair seen from the
  front and the back); the runners-up are the hypotheses a caller can check otherwise.

  Args:
    f, g: real (..., 2b, 2b, C) band-limited functions; leading axes broadcast.
    k: number of hypotheses, 1 ≤ k ≤ (2·grid_bandwidth)³/16 (the most local maxima the grid holds).
    min_separation_deg: hypotheses are more than this apart (rotation angle between them); default
      two spacings of the search grid.
    grid_bandwidth: the search grid has 2·grid_bandwidth points per Euler angle; ≥ b; default 2b.

  Returns:
    (rotations (..., k, 3, 3), peaks (..., k)), best first. When C has fewer than k such maxima, the
    remaining entries repeat the best rotation with peak −inf.
  """
  f, g, b = _check_pair(f, g)
  k = checks.integer(k, "k", minimum=1)
  grid_bandwidth = _grid_bandwidth(b, grid_bandwidth, 2 * b)
  # Local maxima are at most one per 2 × 2 × 2 cells, and each rotation is on the grid twice.
  most = (2 * grid_bandwidth) ** 3 // 16
  if k > most:
    raise ValueError(f"k = {k} hypotheses exceed the {most} distinct local maxima that the search "
                     f"grid ({2 * grid_bandwidth} points per Euler angle, grid_bandwidth "
                     f"{grid_bandwidth}) can hold: ask for at most {most}, or a larger "
                     f"grid_bandwidth")
  if min_separation_deg is None:
    min_separation_deg = 2 * 180.0 / grid_bandwidth
  if not min_separation_deg >= 0:
    raise ValueError(f"min_separation_deg must be >= 0, got {min_separation_deg}")
  return _top_rotations(f, g, 2 * grid_bandwidth, k, float(min_separation_deg))
