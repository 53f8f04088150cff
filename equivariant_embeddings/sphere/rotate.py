"""Exact rotation of band-limited spherical functions: (R·f)(x) = f(Rᵀx) (docs/conventions.md,
'Rotations').

(R·f)^ℓ_m = Σ_n D^ℓ_mn(R) f^ℓ_n, applied in factored form without building D:
  D^ℓ(α, β, γ) = diag(e^{−imα} i^{−m}) Δ^ℓᵀ diag(e^{ikβ}) Δ^ℓ diag(i^n e^{−inγ}),
two real products with the constant Δ tables and three diagonal phases.
"""

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings.sphere import checks
from equivariant_embeddings.sphere import rotations
from equivariant_embeddings.sphere import sht
from equivariant_embeddings.sphere import wigner

_HIGHEST = jax.lax.Precision.HIGHEST


def real_table_product(subscripts: str, table, z):
  """einsum of a real table with a complex array, as two real products (half the work of complex)."""
  re = jnp.einsum(subscripts, table, z.real, precision=_HIGHEST)
  im = jnp.einsum(subscripts, table, z.imag, precision=_HIGHEST)
  return jax.lax.complex(re, im)


@jax.jit
def _rotate_coefficients(coeffs, rotation):
  b = coeffs.shape[-3]
  real_dtype = coeffs.real.dtype
  delta = jnp.asarray(wigner.wigner_delta(b - 1), real_dtype)
  alpha, beta, gamma = rotations.matrix_to_euler(rotation.astype(real_dtype))
  m = jnp.arange(1 - b, b, dtype=real_dtype)
  i_power = jnp.asarray(1j ** np.arange(1 - b, b), coeffs.dtype)  # i^m
  phase = lambda angle, sign: jnp.exp(sign * 1j * angle[..., None] * m)[..., None, :, None]
  z = coeffs * (i_power[:, None] * phase(gamma, -1))
  z = real_table_product("lkn,...lnc->...lkc", delta, z)
  z = z * phase(beta, 1)
  z = real_table_product("lkm,...lkc->...lmc", delta, z)
  return z * (jnp.conj(i_power)[:, None] * phase(alpha, -1))


def rotate_coefficients(coeffs, rotation):
  """Coefficients of the rotated functions R·f.

  Args:
    coeffs: complex (..., b, 2b−1, C), index [ℓ, m+b−1].
    rotation: (..., 3, 3) rotation matrices; leading axes broadcast against those of coeffs.

  Returns:
    Complex (..., b, 2b−1, C): (R·f)^ℓ_m = Σ_n D^ℓ_mn(R) f^ℓ_n.

  Raises:
    ValueError: wrong shapes, dtypes or empty arrays, or leading axes that do not broadcast (checked
      also under jit); NaN/inf or a matrix that is not a rotation (checked outside jit only).
  """
  coeffs, _ = checks.spectral(coeffs)
  rotation = checks.rotation(rotation)
  checks.batch_shape(coeffs, "coeffs", 3, rotation, "rotation", 2)
  return _rotate_coefficients(coeffs, rotation)


def rotate_spherical(x, rotation):
  """Rotates band-limited functions on the grid: (R·f)(x) = f(Rᵀx), exact for bandwidth b.

  Args:
    x: real (..., 2b, 2b, C).
    rotation: (..., 3, 3) rotation matrices; leading axes broadcast against those of x.

  Returns:
    Real (..., 2b, 2b, C).

  Raises:
    ValueError: as rotate_coefficients (the checks of sphere.checks.spatial for x).
  """
  x, _ = checks.spatial(x)
  rotation = checks.rotation(rotation)
  checks.batch_shape(x, "x", 3, rotation, "rotation", 2)
  return sht.inverse_sht(_rotate_coefficients(sht.forward_sht(x), rotation))
