"""Input validation at the public boundary of the sphere library.

Shapes and dtypes are checked always (they are static under jit). Values (NaN/inf, orthogonality of a
rotation) can only be checked on concrete arrays, so those checks run outside jit and are skipped for
tracers; inside a jitted caller, validate before entering jit.
"""

import jax
import jax.numpy as jnp
import numpy as np


def integer(value, name: str, minimum: int = 0) -> int:
  """Returns value as an int, or raises ValueError unless it is an integer (not a bool) ≥ minimum."""
  if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
    raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
  return int(value)


def _is_concrete(x) -> bool:
  return not isinstance(x, jax.core.Tracer)


def _check_finite(x, name: str) -> None:
  if _is_concrete(x) and not bool(jnp.isfinite(x).all()):
    raise ValueError(f"{name} contains NaN or inf values")


def real_dtype_of(x):
  """float64 where x is float64/complex128 (under jax_enable_x64), else float32."""
  x = jnp.asarray(x)
  return jnp.float64 if x.dtype in (jnp.float64, jnp.complex128) else jnp.float32


def spatial(x, name: str = "x"):
  """Checks a real spatial signal (..., 2b, 2b, C); returns (x as a float array, b)."""
  x = jnp.asarray(x)
  if jnp.iscomplexobj(x):
    raise ValueError(f"{name} must be real (..., 2b, 2b, C); got complex dtype {x.dtype}")
  if x.ndim < 3 or x.shape[-3] != x.shape[-2] or x.shape[-3] % 2:
    raise ValueError(
        f"{name} must have shape (..., 2b, 2b, C) on the Driscoll–Healy grid (2b colatitudes × 2b "
        f"longitudes × channels); got shape {x.shape}")
  if not jnp.issubdtype(x.dtype, jnp.floating):
    x = x.astype(jnp.float32)
  _check_finite(x, name)
  return x, x.shape[-3] // 2


def spectral(coeffs, name: str = "coeffs"):
  """Checks spherical harmonic coefficients (..., b, 2b−1, C); returns (complex array, b)."""
  coeffs = jnp.asarray(coeffs)
  if coeffs.ndim < 3 or coeffs.shape[-2] != 2 * coeffs.shape[-3] - 1:
    raise ValueError(
        f"{name} must have shape (..., b, 2b-1, C) indexed [ℓ, m+b-1, channel]; got shape "
        f"{coeffs.shape}")
  dtype = jnp.complex128 if real_dtype_of(coeffs) == jnp.float64 else jnp.complex64
  coeffs = coeffs.astype(dtype)
  _check_finite(coeffs, name)
  return coeffs, coeffs.shape[-3]


def rotation(r, name: str = "rotation", atol: float = 1e-4):
  """Checks rotation matrices (..., 3, 3): orthonormal with det +1 (values checked outside jit)."""
  r = jnp.asarray(r)
  if jnp.iscomplexobj(r) or r.ndim < 2 or r.shape[-2:] != (3, 3):
    raise ValueError(f"{name} must be real rotation matrices of shape (..., 3, 3); got shape "
                     f"{r.shape} and dtype {r.dtype}")
  if not jnp.issubdtype(r.dtype, jnp.floating):
    r = r.astype(jnp.float32)
  _check_finite(r, name)
  if _is_concrete(r):
    rn = np.asarray(r, np.float64)
    orth = np.abs(np.swapaxes(rn, -1, -2) @ rn - np.eye(3)).max(initial=0.0)
    if orth > atol or (np.linalg.det(rn) <= 0).any():
      raise ValueError(
          f"{name} is not a rotation matrix: max |RᵀR − I| = {orth:.2e} (tolerance {atol:g}) and "
          f"det must be +1 (min det = {np.linalg.det(rn).min(initial=1.0):.3f})")
  return r
