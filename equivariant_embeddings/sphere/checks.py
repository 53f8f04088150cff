"""Input validation at the public boundary of the sphere library.

What is checked where:
- always, also under jit (shapes and dtypes are static, so these run at trace time): the grid or
  coefficient layout, rotation shapes (..., 3, 3), that paired arguments' leading (batch) axes
  broadcast, that no argument is empty, and the dtype;
- only on concrete arrays, i.e. outside jit (skipped for tracers): values, NaN/inf and whether a
  matrix is a rotation. Inside a jitted caller, validate before entering jit.

Dtypes: signals and rotations are float32 or float64 (coefficients complex64 or complex128). Integer
arrays are cast to float32 (complex64 for coefficients), as NumPy promotes them. Boolean arrays are
rejected (a mask is not a signal), and so are float16 and bfloat16, which the transforms cannot
compute in: cast such arrays explicitly. Every failure is a ValueError naming the argument.
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


def _as_array(x, name: str, expected: str):
  """x as a JAX array, or ValueError naming the argument where JAX cannot hold it (None, str)."""
  try:
    return jnp.asarray(x)
  except (TypeError, ValueError) as error:
    raise ValueError(f"{name} must be {expected}; got {type(x).__name__} ({error})") from None


def _numeric(x, name: str, expected: str):
  """The dtype rules of the module docstring: ints → float32; bool and half precision raise."""
  if x.dtype == jnp.bool_:
    raise ValueError(f"{name} must be {expected}; got a boolean array (cast it, e.g. to float32)")
  if jnp.issubdtype(x.dtype, jnp.integer):
    return x.astype(jnp.float32)
  if jnp.finfo(x.dtype).bits < 32:
    raise ValueError(f"{name} must be {expected}; got {x.dtype}, which the transforms cannot "
                     f"compute in (cast it to float32)")
  return x


def _check_not_empty(x, name: str, expected: str) -> None:
  if x.size == 0:
    raise ValueError(f"{name} is empty (shape {x.shape}); expected {expected} with no zero-length "
                     f"axis")


def spatial(x, name: str = "x"):
  """Checks a real spatial signal (..., 2b, 2b, C); returns (x as a float array, b).

  Shape, emptiness and dtype are checked always (also under jit), NaN/inf only on concrete arrays.
  float32 and float64 pass as they are; integer arrays are cast to float32; complex, boolean,
  float16 and bfloat16 arrays raise ValueError.
  """
  expected = "a real array (..., 2b, 2b, C) of float32 or float64"
  x = _as_array(x, name, expected)
  if jnp.iscomplexobj(x):
    raise ValueError(f"{name} must be real (..., 2b, 2b, C); got complex dtype {x.dtype}")
  if x.ndim < 3 or x.shape[-3] != x.shape[-2] or x.shape[-3] % 2 or x.shape[-3] < 2:
    raise ValueError(
        f"{name} must have shape (..., 2b, 2b, C) on the Driscoll–Healy grid (2b colatitudes × 2b "
        f"longitudes × channels, b >= 1); got shape {x.shape}")
  _check_not_empty(x, name, "(..., 2b, 2b, C)")
  x = _numeric(x, name, expected)
  _check_finite(x, name)
  return x, x.shape[-3] // 2


def spectral(coeffs, name: str = "coeffs"):
  """Checks spherical harmonic coefficients (..., b, 2b−1, C); returns (complex array, b).

  Shape, emptiness and dtype are checked always (also under jit), NaN/inf only on concrete arrays.
  Real and integer arrays are taken as complex coefficients with zero imaginary part; boolean and
  half-precision arrays raise ValueError.
  """
  expected = "complex coefficients (..., b, 2b-1, C) of complex64 or complex128"
  coeffs = _as_array(coeffs, name, expected)
  if coeffs.ndim < 3 or coeffs.shape[-2] != 2 * coeffs.shape[-3] - 1 or coeffs.shape[-3] < 1:
    raise ValueError(
        f"{name} must have shape (..., b, 2b-1, C) indexed [ℓ, m+b-1, channel], b >= 1; got shape "
        f"{coeffs.shape}")
  _check_not_empty(coeffs, name, "(..., b, 2b-1, C)")
  coeffs = _numeric(coeffs, name, expected)
  dtype = jnp.complex128 if real_dtype_of(coeffs) == jnp.float64 else jnp.complex64
  coeffs = coeffs.astype(dtype)
  _check_finite(coeffs, name)
  return coeffs, coeffs.shape[-3]


def rotation(r, name: str = "rotation", atol: float = 1e-4):
  """Checks rotation matrices (..., 3, 3); returns them as a float array.

  Shape, emptiness and dtype are checked always (also under jit); on concrete arrays also that they
  are finite, orthonormal (max |RᵀR − I| ≤ atol) and have det +1. Integer arrays are cast to
  float32; complex and boolean arrays raise ValueError.
  """
  expected = "real rotation matrices (..., 3, 3)"
  r = _as_array(r, name, expected)
  if jnp.iscomplexobj(r) or r.ndim < 2 or r.shape[-2:] != (3, 3):
    raise ValueError(f"{name} must be real rotation matrices of shape (..., 3, 3); got shape "
                     f"{r.shape} and dtype {r.dtype}")
  _check_not_empty(r, name, "(..., 3, 3)")
  if r.dtype == jnp.bool_:
    raise ValueError(f"{name} must be {expected}; got a boolean array")
  if not jnp.issubdtype(r.dtype, jnp.floating):
    r = r.astype(jnp.float32)
  _check_finite(r, name)
  if _is_concrete(r):
    rn = np.asarray(r, np.float64).reshape(-1, 3, 3)
    orth = np.abs(np.swapaxes(rn, -1, -2) @ rn - np.eye(3)).max(axis=(-2, -1))
    det = np.linalg.det(rn)
    bad = (orth > atol) | (det <= 0)
    if bad.any():
      # Report the worst offender's own numbers, whichever of the two tests it fails.
      worst = int(np.argmax(np.where(bad, np.maximum(orth, np.abs(det - 1)), -np.inf)))
      index = np.unravel_index(worst, r.shape[:-2])
      where = f"{name}[{', '.join(map(str, index))}]" if index else name
      count = f" ({int(bad.sum())} of {bad.size} matrices fail)" if bad.size > 1 else ""
      raise ValueError(
          f"{name} is not a rotation matrix (orthonormal within {atol:g}, det +1): {where} has "
          f"max |RᵀR − I| = {orth[worst]:.2e} and det = {det[worst]:.4g}{count}")
  return r


def batch_shape(a, a_name: str, a_core: int, b, b_name: str, b_core: int) -> tuple:
  """The broadcast of the leading (batch) axes of two arguments; ValueError naming both unless they
  broadcast.

  Args:
    a, b: arrays whose last a_core (b_core) axes are the per-item axes (e.g. 3 for (2b, 2b, C), 2
      for (3, 3) rotations).
    a_name, b_name: the arguments' names for the message.
  """
  a_batch, b_batch = a.shape[: a.ndim - a_core], b.shape[: b.ndim - b_core]
  try:
    shape = np.broadcast_shapes(a_batch, b_batch)
  except ValueError:
    raise ValueError(f"the leading (batch) axes of {a_name} and {b_name} must broadcast; got "
                     f"{a_name} of shape {a.shape} (batch {a_batch}) and {b_name} of shape "
                     f"{b.shape} (batch {b_batch})") from None
  return shape
