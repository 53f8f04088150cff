"""Normalised associated Legendre functions on the grid's colatitudes, in float64.

λ_ℓm(θ) is the θ part of the orthonormal complex spherical harmonic with the Condon–Shortley phase,
Y_ℓm(θ, φ) = λ_ℓm(θ) e^{imφ}, for m ≥ 0 (λ_ℓ,−m = (−1)^m λ_ℓm).
"""

import numpy as np

from equivariant_embeddings.sphere import grid


def legendre_table(l_max: int, theta: np.ndarray) -> np.ndarray:
  """λ_ℓm(θ) for 0 ≤ m ≤ ℓ ≤ l_max, float64.

  Uses the standard stable three-term recursion in ℓ started from the sectoral values λ_mm, which
  decay like sin^m θ and underflow gracefully to zero where they are below float64 range.

  Args:
    l_max: the largest degree.
    theta: colatitudes, shape (n,).

  Returns:
    Array (l_max+1 [ℓ], l_max+1 [m], n), zero where m > ℓ.
  """
  theta = np.asarray(theta, np.float64)
  cos, sin = np.cos(theta), np.sin(theta)
  n_deg = l_max + 1
  table = np.zeros((n_deg, n_deg, theta.size))
  m = np.arange(n_deg)
  # Sectoral λ_mm = −sqrt((2m+1)/(2m)) sin θ λ_{m−1,m−1}, λ_00 = 1/sqrt(4π).
  sectoral = np.empty((n_deg, theta.size))
  sectoral[0] = 1.0 / np.sqrt(4.0 * np.pi)
  for mm in range(1, n_deg):
    sectoral[mm] = -np.sqrt((2 * mm + 1) / (2 * mm)) * sin * sectoral[mm - 1]
  table[m, m] = sectoral
  if n_deg > 1:
    # λ_{m+1,m} = sqrt(2m+3) cos θ λ_mm.
    table[m[:-1] + 1, m[:-1]] = np.sqrt(2 * m[:-1, None] + 3.0) * cos * sectoral[:-1]
  for l in range(2, n_deg):
    mm = m[: l - 1]  # orders with m ≤ ℓ−2 use the full recursion
    a = np.sqrt((4.0 * l * l - 1) / (l * l - mm * mm))[:, None]
    b = np.sqrt(((l - 1.0) ** 2 - mm * mm) / (4.0 * (l - 1) ** 2 - 1))[:, None]
    table[l, mm] = a * (cos * table[l - 1, mm] - b * table[l - 2, mm])
  return table


def grid_legendre(b: int) -> np.ndarray:
  """λ_ℓm(θ_j) on the Driscoll–Healy colatitudes, shape (b [ℓ], b [m], 2b [j]), float64.

  Not cached: the transforms cache only their folded tables built from it.
  """
  return legendre_table(grid.check_bandwidth(b) - 1, grid.colatitudes(b))
