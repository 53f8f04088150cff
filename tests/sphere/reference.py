"""Slow, independent float64 NumPy/SciPy references for the sphere library's tests."""

import math

import numpy as np
import scipy.special

from equivariant_embeddings import sphere


def grid_points(b):
  """(θ, φ) meshes (2b, 2b) and unit vectors (2b, 2b, 3) of the Driscoll–Healy grid."""
  theta, phi = np.meshgrid(sphere.colatitudes(b), sphere.longitudes(b), indexing="ij")
  xyz = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], -1)
  return theta, phi, xyz


def harmonic(l, m, theta, phi):
  """Orthonormal complex Y_ℓm with the Condon–Shortley phase, from SciPy."""
  return scipy.special.sph_harm_y(l, m, theta, phi)


def harmonic_at(l, m, xyz):
  """Y_ℓm at unit vectors (..., 3)."""
  theta = np.arccos(np.clip(xyz[..., 2], -1.0, 1.0))
  phi = np.arctan2(xyz[..., 1], xyz[..., 0])
  return harmonic(l, m, theta, phi)


def forward_sht(x):
  """f_ℓm = Σ_jk w_j x_jk conj(Y_ℓm(θ_j, φ_k)) by direct summation; x (2b, 2b, C) → (b, 2b−1, C)."""
  b = x.shape[0] // 2
  theta, phi, _ = grid_points(b)
  w = sphere.quadrature_weights(b)[:, None]
  out = np.zeros((b, 2 * b - 1, x.shape[-1]), complex)
  for l in range(b):
    for m in range(-l, l + 1):
      out[l, m + b - 1] = np.einsum("jk,jkc->c", w * np.conj(harmonic(l, m, theta, phi)), x)
  return out


def synthesize(coeffs, xyz):
  """Re Σ f_ℓm Y_ℓm at arbitrary unit vectors; coeffs (b, 2b−1, C), xyz (..., 3) → (..., C)."""
  b = coeffs.shape[0]
  out = 0
  for l in range(b):
    for m in range(-l, l + 1):
      out = out + harmonic_at(l, m, xyz)[..., None] * coeffs[l, m + b - 1]
  return out.real


def real_coefficients(rng, b, channels):
  """Random coefficients of real band-limited functions, (b, 2b−1, C) complex, unit-variance entries."""
  c = rng.normal(size=(b, 2 * b - 1, channels)) + 1j * rng.normal(size=(b, 2 * b - 1, channels))
  l, m = np.meshgrid(np.arange(b), np.arange(1 - b, b), indexing="ij")
  c[(np.abs(m) > l)] = 0
  c[:, b - 1] = c[:, b - 1].real * np.sqrt(2)
  # f_ℓ,−m = (−1)^m conj(f_ℓm)
  for mm in range(1, b):
    c[:, b - 1 - mm] = (-1) ** mm * np.conj(c[:, b - 1 + mm])
  return c


def wigner_d_explicit(l, m, n, beta):
  """Wigner's explicit sum for d^ℓ_mn(β) (standard convention), float64; small ℓ only."""
  total = 0.0
  norm = math.sqrt(math.factorial(l + m) * math.factorial(l - m) * math.factorial(l + n)
                   * math.factorial(l - n))
  for s in range(max(0, n - m), min(l + n, l - m) + 1):
    den = (math.factorial(l + n - s) * math.factorial(s) * math.factorial(m - n + s)
           * math.factorial(l - m - s))
    total += ((-1) ** (m - n + s) * norm / den * math.cos(beta / 2) ** (2 * l + n - m - 2 * s)
              * math.sin(beta / 2) ** (m - n + 2 * s))
  return total


def wigner_d_matrix(l, beta):
  """d^ℓ(β) as a (2ℓ+1, 2ℓ+1) matrix [m+ℓ, n+ℓ] from the explicit sum."""
  return np.array([[wigner_d_explicit(l, m, n, beta) for n in range(-l, l + 1)]
                   for m in range(-l, l + 1)])
