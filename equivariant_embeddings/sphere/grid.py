"""The Driscoll–Healy equiangular grid and its quadrature (docs/conventions.md, 'Grid').

A function of bandwidth b (degrees ℓ < b) is sampled on 2b × 2b points:
colatitude θ_j = π(2j+1)/(4b), j = 0..2b−1 (no sample on a pole) and longitude φ_k = 2πk/(2b).
All tables are float64 NumPy, computed once per bandwidth and returned read-only.
"""

import functools

import numpy as np

from equivariant_embeddings.sphere import checks


def check_bandwidth(b) -> int:
  """Returns b as an int, or raises ValueError unless it is an integer ≥ 1."""
  return checks.integer(b, "bandwidth", minimum=1)


def _read_only(array: np.ndarray) -> np.ndarray:
  array.setflags(write=False)
  return array


@functools.lru_cache(maxsize=None)
def colatitudes(b: int) -> np.ndarray:
  """Colatitudes θ_j = π(2j+1)/(4b) of the grid rows, shape (2b,), float64, in (0, π)."""
  b = check_bandwidth(b)
  return _read_only(np.pi * (2 * np.arange(2 * b) + 1) / (4 * b))


@functools.lru_cache(maxsize=None)
def longitudes(b: int) -> np.ndarray:
  """Longitudes φ_k = 2πk/(2b) of the grid columns, shape (2b,), float64, in [0, 2π)."""
  b = check_bandwidth(b)
  return _read_only(np.pi * np.arange(2 * b) / b)


@functools.lru_cache(maxsize=None)
def quadrature_weights(b: int) -> np.ndarray:
  """Exact Driscoll–Healy quadrature weights, shape (2b,), float64.

  ∫_{S²} f dΩ = Σ_{j,k} w_j f(θ_j, φ_k) exactly for every f of bandwidth 2b (degrees < 2b), which covers
  the product of two functions of bandwidth b. They satisfy 2b · Σ_j w_j = 4π.
  """
  b = check_bandwidth(b)
  theta = colatitudes(b)
  odd = 2 * np.arange(b) + 1
  # Driscoll & Healy (1994): weights that integrate sin θ dθ exactly for polynomials in cos θ of
  # degree < 2b; times the longitude step 2π/(2b).
  w_theta = (2.0 / b) * np.sin(theta) * (np.sin(np.outer(theta, odd)) / odd).sum(axis=1)
  return _read_only(w_theta * (np.pi / b))


@functools.lru_cache(maxsize=None)
def area_weights(b: int) -> np.ndarray:
  """Area weights w_j ∝ sin θ_j of the grid rows, normalised to mean 1, shape (2b,), float64.

  The simple weight used by the losses and pooling (docs/conventions.md, 'Grid' and 'Losses'): each
  row's share of the sphere.
  """
  b = check_bandwidth(b)
  s = np.sin(colatitudes(b))
  return _read_only(s / s.mean())


@functools.lru_cache(maxsize=None)
def grid_points(b: int) -> np.ndarray:
  """Unit vectors (sin θ cos φ, sin θ sin φ, cos θ) of the grid points, shape (2b, 2b, 3), float64
  [colatitude, longitude, xyz]."""
  b = check_bandwidth(b)
  theta, phi = colatitudes(b)[:, None], longitudes(b)[None, :]
  return _read_only(np.stack(np.broadcast_arrays(np.sin(theta) * np.cos(phi),
                                                 np.sin(theta) * np.sin(phi), np.cos(theta)), -1))
