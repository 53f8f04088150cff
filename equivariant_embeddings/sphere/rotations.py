"""Rotation matrices and ZYZ Euler angles, vectorised over leading axes (docs/conventions.md,
'Rotations').

Matrices act on column vectors; R = Rz(α) Ry(β) Rz(γ).
"""

import jax
import jax.numpy as jnp

from equivariant_embeddings.sphere import checks


def euler_to_matrix(alpha, beta, gamma):
  """Rotation matrices Rz(α) Ry(β) Rz(γ).

  Args:
    alpha, beta, gamma: angles in radians, broadcastable shapes (...).

  Returns:
    (..., 3, 3) rotation matrices.
  """
  alpha, beta, gamma = jnp.broadcast_arrays(*(jnp.asarray(a) for a in (alpha, beta, gamma)))
  if not jnp.issubdtype(alpha.dtype, jnp.floating):
    alpha, beta, gamma = (a.astype(jnp.float32) for a in (alpha, beta, gamma))
  ca, sa = jnp.cos(alpha), jnp.sin(alpha)
  cb, sb = jnp.cos(beta), jnp.sin(beta)
  cg, sg = jnp.cos(gamma), jnp.sin(gamma)
  rows = [
      [ca * cb * cg - sa * sg, -ca * cb * sg - sa * cg, ca * sb],
      [sa * cb * cg + ca * sg, -sa * cb * sg + ca * cg, sa * sb],
      [-sb * cg, sb * sg, cb],
  ]
  return jnp.stack([jnp.stack(row, axis=-1) for row in rows], axis=-2)


def matrix_to_euler(rotation):
  """ZYZ Euler angles of rotation matrices: R = Rz(α) Ry(β) Rz(γ).

  β = atan2(sqrt(R13² + R23²), R33) keeps full precision near β = 0 and π, where arccos(R33) does not.
  At those poles only α ± γ is defined; γ = 0 is returned there.

  Args:
    rotation: (..., 3, 3) rotation matrices.

  Returns:
    (alpha, beta, gamma), each of shape (...), with α, γ in (−π, π] and β in [0, π].
  """
  r = jnp.asarray(rotation)
  sin_beta = jnp.hypot(r[..., 0, 2], r[..., 1, 2])
  beta = jnp.arctan2(sin_beta, r[..., 2, 2])
  pole = sin_beta < 8 * jnp.finfo(r.dtype).eps
  north = r[..., 2, 2] > 0
  # Off the poles; the safe inputs keep atan2 and its gradient finite on the other branch.
  safe = jnp.where(pole, 1.0, 0.0).astype(r.dtype)
  alpha_regular = jnp.arctan2(r[..., 1, 2], r[..., 0, 2] + safe)
  gamma_regular = jnp.arctan2(r[..., 2, 1], -r[..., 2, 0] + safe)
  # At β = 0, R = Rz(α + γ); at β = π, R = Rz(α − γ) Ry(π).
  alpha_pole = jnp.where(north, jnp.arctan2(r[..., 1, 0], r[..., 0, 0]),
                         jnp.arctan2(-r[..., 1, 0], -r[..., 0, 0]))
  alpha = jnp.where(pole, alpha_pole, alpha_regular)
  gamma = jnp.where(pole, jnp.zeros_like(gamma_regular), gamma_regular)
  return alpha, beta, gamma


def random_rotations(key, n: int, dtype=jnp.float32):
  """n rotation matrices drawn uniformly (Haar measure) on SO(3), shape (n, 3, 3).

  Normalised 4D Gaussian vectors are uniform unit quaternions, which cover SO(3) uniformly.

  Raises:
    ValueError: n is not an integer >= 0.
  """
  n = checks.integer(n, "n")
  q = jax.random.normal(key, (n, 4), dtype)
  q = q / jnp.linalg.norm(q, axis=-1, keepdims=True)
  return quaternion_to_matrix(q)


def quaternion_to_matrix(q):
  """Rotation matrices of unit quaternions (w, x, y, z): (..., 4) → (..., 3, 3)."""
  w, x, y, z = (q[..., i] for i in range(4))
  rows = [
      [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
      [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
      [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
  ]
  return jnp.stack([jnp.stack(row, axis=-1) for row in rows], axis=-2)


def rotation_angle_deg(r1, r2):
  """Geodesic distance between rotations in degrees, shape (...) for inputs (..., 3, 3).

  2·arcsin(‖r1 − r2‖_F / 2√2) equals arccos((tr(r1ᵀ r2) − 1)/2) but keeps its precision for small
  angles, where the arccos form has a float32 floor near 0.02°.
  """
  r1, r2 = jnp.asarray(r1), jnp.asarray(r2)
  if r1.shape[-2:] != (3, 3) or r2.shape[-2:] != (3, 3):
    raise ValueError(f"rotation_angle_deg expects (..., 3, 3) matrices; got {r1.shape} and "
                     f"{r2.shape}")
  checks.batch_shape(r1, "r1", 2, r2, "r2", 2)
  chord = jnp.linalg.norm(r1 - r2, axis=(-2, -1)) / (2 * jnp.sqrt(2.0))
  return jnp.degrees(2 * jnp.arcsin(jnp.clip(chord, 0.0, 1.0)))


def axis_angle_to_matrix(v):
  """Rotation matrices of axis-angle vectors v = θ·axis (..., 3) → (..., 3, 3) (Rodrigues).

  Differentiable everywhere, including v = 0 (the series form is used for small angles).
  """
  theta2 = jnp.sum(v * v, axis=-1)[..., None, None]
  small = theta2 < 1e-8
  safe2 = jnp.where(small, 1.0, theta2)
  theta = jnp.sqrt(safe2)
  a = jnp.where(small, 1.0 - theta2 / 6.0, jnp.sin(theta) / theta)
  b = jnp.where(small, 0.5 - theta2 / 24.0, (1.0 - jnp.cos(theta)) / safe2)
  x, y, z = v[..., 0], v[..., 1], v[..., 2]
  zero = jnp.zeros_like(x)
  k = jnp.stack([jnp.stack([zero, -z, y], -1), jnp.stack([z, zero, -x], -1),
                 jnp.stack([-y, x, zero], -1)], -2)
  return jnp.eye(3, dtype=v.dtype) + a * k + b * (k @ k)


def matrix_to_axis_angle(r):
  """Axis-angle vectors θ·axis (..., 3), θ in [0, π], of rotation matrices (..., 3, 3).

  Through the unit quaternion, picked by Shepperd's rule (the largest of the four diagonal
  combinations), which stays accurate near θ = π where the skew part vanishes.
  """
  r00, r11, r22 = r[..., 0, 0], r[..., 1, 1], r[..., 2, 2]
  t = jnp.stack([1 + r00 + r11 + r22, 1 + r00 - r11 - r22, 1 - r00 + r11 - r22,
                 1 - r00 - r11 + r22], axis=-1)
  d21, d02, d10 = r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0], r[..., 1, 0] - r[..., 0, 1]
  s10, s02, s21 = r[..., 1, 0] + r[..., 0, 1], r[..., 0, 2] + r[..., 2, 0], r[..., 2, 1] + r[..., 1, 2]
  candidates = jnp.stack([
      jnp.stack([t[..., 0], d21, d02, d10], -1), jnp.stack([d21, t[..., 1], s10, s02], -1),
      jnp.stack([d02, s10, t[..., 2], s21], -1), jnp.stack([d10, s02, s21, t[..., 3]], -1)], -2)
  best = jnp.argmax(t, axis=-1)
  q = jnp.take_along_axis(candidates, best[..., None, None], axis=-2)[..., 0, :]
  q = q / jnp.linalg.norm(q, axis=-1, keepdims=True)
  q = jnp.where(q[..., :1] < 0, -q, q)  # w >= 0: angle in [0, π]
  w, xyz = q[..., 0], q[..., 1:]
  norm = jnp.linalg.norm(xyz, axis=-1)
  angle = 2 * jnp.arctan2(norm, w)
  scale = jnp.where(norm > 1e-7, angle / jnp.where(norm > 1e-7, norm, 1.0), 2.0 / w)
  return xyz * scale[..., None]
