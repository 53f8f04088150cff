"""The pose methods of the evaluation: a registry of functions with one signature.

A method is `method(views, task, index_a, index_b) -> (rotations (P, 3, 3), {confidence: (P,)})`,
or None where it does not apply (a task it has no input for). `views` (`Views`) holds what every
method may read of one rotation mode's rendered views; `task` is one of pose_views.TASKS, whose
estimates are relative (the rotation taking view a's object to its pose in view b), or ABSOLUTE,
whose estimates are the pose of view a's object from its category's canonical frame (index_b is
index_a). Confidences are those of `equivariant_embeddings.pose.CONFIDENCES`, NaN where a method
has none. Adding a method: one function here and one entry of METHODS.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

import data_pipelines
from equivariant_embeddings import pose
from equivariant_embeddings import sphere

ABSOLUTE = "absolute"  # the task of one view against its category's template
UP_AXES = {"z": np.diag([-1.0, -1.0, 1.0]), "y": np.diag([-1.0, 1.0, -1.0])}  # 180° about up
_CHUNK = 128  # pairs per correlation call


@dataclasses.dataclass
class Views:
  """What the methods read of one mode's N rendered views.

  Attributes:
    embeddings: E(view) (N, 2b_k, 2b_k, C_k).
    targets: Φ's normalised features of the views' spherical maps (N, 2b_k, 2b_k, C_k).
    labels: class labels (N,).
    poses: regressed poses (N, 3, 3), or None without a regression workdir.
    templates: category templates (K, 2b_k, 2b_k, C_k), or None without templates.npz.
    mode: the rotation mode of the views ("2dof", "3dof").
    up_axis: the dataset's up axis ("z", "y").
    rng: the random reference's own stream.
  """
  embeddings: np.ndarray
  targets: np.ndarray
  labels: np.ndarray
  poses: np.ndarray | None
  templates: np.ndarray | None
  mode: str
  up_axis: str
  rng: np.random.Generator


def grid_argmax(f, g, grid_bandwidth: int):
  """The best cell of the correlation grid, no refinement: rotations (..., 3, 3)."""
  values, (alpha, beta, gamma) = sphere.so3_correlation(f, g, grid_bandwidth)
  n = len(alpha)
  a, j, c = jnp.unravel_index(jnp.argmax(values.reshape(*values.shape[:-3], -1), axis=-1), (n,) * 3)
  return sphere.euler_to_matrix(jnp.asarray(alpha)[a], jnp.asarray(beta)[j], jnp.asarray(gamma)[c])


def low_degrees(maps, max_degree: int = 1):
  """The degree ℓ ≤ max_degree part of maps (..., 2b, 2b, C), sampled on the same grid."""
  coeffs = sphere.forward_sht(maps)
  keep = (jnp.arange(coeffs.shape[-3]) <= max_degree)[:, None, None]
  return sphere.inverse_sht(jnp.where(keep, coeffs, 0))


_align = jax.jit(pose.align)
_align_with_margin = jax.jit(pose.align_with_margin)
_grid_argmax = jax.jit(grid_argmax, static_argnums=2)
_align_low_degrees = jax.jit(lambda f, g: pose.align_with_margin(low_degrees(f), low_degrees(g)))


def _no_confidence(count: int) -> dict:
  return {name: np.full(count, np.nan) for name in pose.CONFIDENCES}


def correlate(f, g, align=_align_with_margin):
  """(rotations (P, 3, 3), {"peak", "margin": (P,)}) of pairs of maps f, g (P, 2b, 2b, C) by
  `align` (f, g -> rotation, peak, margin), in chunks."""
  parts = [align(f[first:first + _CHUNK], g[first:first + _CHUNK])
           for first in range(0, len(f), _CHUNK)]
  if not parts:
    return np.zeros((0, 3, 3)), {name: np.zeros((0,)) for name in pose.CONFIDENCES}
  rotation, peak, margin = (np.concatenate([np.asarray(p[i]) for p in parts]) for i in range(3))
  return rotation, {"peak": peak, "margin": margin}


def random_guesses(count: int, mode: str, up_axis: str, rng: np.random.Generator,
                   relative: bool = True) -> np.ndarray:
  """(count, 3, 3) guesses that know only the views' rotation distribution: R'_b R'_aᵀ of two
  independent draws of `mode` (relative), or one draw (absolute). The reference every method must
  beat: its error is the angle of a uniform rotation in 3DOF (median 132.3°, mean 126.5°); 2DOF
  pairs: median 115° (measured, 4,000 pairs)."""
  draw = lambda: np.stack([data_pipelines.random_rotation(rng, mode, up_axis) for _ in range(count)])
  if not relative:
    return draw()
  first, second = draw(), draw()
  return second @ np.swapaxes(first, -1, -2)


def _pair_maps(views: Views, task: str, index_a, index_b):
  """E(view a) and, for b, E(view b) or Φ(map b) (I2M)."""
  return views.embeddings[index_a], (views.targets if task == "I2M" else views.embeddings)[index_b]


def e_refined(views: Views, task: str, index_a, index_b):
  """E: the SO(3) correlation of the two embeddings, refined maximum (pose.align_with_margin)."""
  if task == ABSOLUTE:
    return None
  return correlate(*_pair_maps(views, task, index_a, index_b))


def e_grid_argmax(views: Views, task: str, index_a, index_b):
  """The same correlation's best cell on a grid of 8b points per Euler angle (what the paper's
  SOFT grid on 4× upsampled embeddings resolves), no refinement, no confidence."""
  if task == ABSOLUTE:
    return None
  f, g = _pair_maps(views, task, index_a, index_b)
  rotations = [np.asarray(_grid_argmax(f[i:i + _CHUNK], g[i:i + _CHUNK], 2 * f.shape[1]))
               for i in range(0, len(f), _CHUNK)]
  return (np.concatenate(rotations) if rotations else np.zeros((0, 3, 3))), _no_confidence(len(f))


def e_low_degrees(views: Views, task: str, index_a, index_b):
  """E's maps cut to degrees ℓ ≤ 1 before the correlation: a coarse estimate from the maps' mean
  and dipole part alone (what E gets right before the fine detail)."""
  if task == ABSOLUTE:
    return None
  return correlate(*_pair_maps(views, task, index_a, index_b), align=_align_low_degrees)


def oracle(views: Views, task: str, index_a, index_b):
  """Φ's normalised features of the true ray-cast maps in place of E: the bound that E approaches
  (IB and CB only)."""
  if task not in ("IB", "CB"):
    return None
  return correlate(views.targets[index_a], views.targets[index_b])


def e_template(views: Views, task: str, index_a, index_b):
  """Absolute pose: E(view) against its true category's template (R with R·template ≈ E(view))."""
  del index_b  # the template stands for the other side
  if task != ABSOLUTE or views.templates is None:
    return None
  templates, labels, embeddings = views.templates, views.labels[index_a], views.embeddings[index_a]
  rotations = [np.asarray(_align(templates[labels[i:i + _CHUNK]], embeddings[i:i + _CHUNK])[0])
               for i in range(0, len(labels), _CHUNK)]
  return np.concatenate(rotations), _no_confidence(len(labels))


def regression(views: Views, task: str, index_a, index_b):
  """The regression baseline: R̂_b R̂_aᵀ from two regressed poses (IB, CB), or R̂_a (absolute)."""
  if views.poses is None or task == "I2M":
    return None
  poses = views.poses
  estimates = poses[index_a] if task == ABSOLUTE else (
      poses[index_b] @ np.swapaxes(poses[index_a], -1, -2))
  return estimates, _no_confidence(len(estimates))


def random_rotation(views: Views, task: str, index_a, index_b):
  """Guesses that know only the rotation distribution of the views (`random_guesses`)."""
  del index_b  # drawn independently of the views
  estimates = random_guesses(len(index_a), views.mode, views.up_axis, views.rng,
                             relative=task != ABSOLUTE)
  return estimates, _no_confidence(len(estimates))


# Name (as in the tables) → method, in the order of the tables' rows.
METHODS = {
    "E": e_refined,
    "E, grid argmax": e_grid_argmax,
    "E, ℓ ≤ 1": e_low_degrees,
    "oracle Φ(map)": oracle,
    "E + template": e_template,
    "regression baseline": regression,
    "random rotation (reference)": random_rotation,
}
RANKED = "E"  # the method whose confidences are reported by quartile
ORACLE = "oracle Φ(map)"  # drawn dashed in the CDFs


def task_errors(task: str, estimates, rotations, index_a, index_b, fold_up_axis=None):
  """Angles (P,) in degrees of a task's estimates: relative tasks against R_b R_aᵀ of the pairs
  (index_a, index_b) of `rotations` (N, 3, 3); ABSOLUTE against R_a itself (the template is the
  canonical pose). With fold_up_axis, the smaller error over the half turn S about the up axis of
  the object's own frame (R_b S R_aᵀ, or R_a S)."""
  if task == ABSOLUTE:
    return pose_errors(estimates, np.eye(3), rotations[index_a], fold_up_axis)
  return pose_errors(estimates, rotations[index_a], rotations[index_b], fold_up_axis)


def pose_errors(estimates, rotation_a, rotation_b, fold_up_axis=None):
  """Angles (P,) in degrees between estimates and R_b R_aᵀ; with fold_up_axis ("z"/"y"), the
  smaller of that and the error against R_b S R_aᵀ, S the 180° turn about the up axis."""
  truth = rotation_b @ np.swapaxes(rotation_a, -1, -2)
  errors = np.asarray(sphere.rotation_angle_deg(estimates, truth), np.float64)
  if fold_up_axis is not None:
    folded = rotation_b @ UP_AXES[fold_up_axis] @ np.swapaxes(rotation_a, -1, -2)
    errors = np.minimum(errors, np.asarray(sphere.rotation_angle_deg(estimates, folded)))
  return errors


def equivariance_errors(maps_a, maps_b, rotation_a, rotation_b):
  """‖B(m_b) − R·B(m_a)‖ / ‖B(m_b)‖ per pair, R = R_b R_aᵀ and B the band limit (where rotation is
  exact): how far maps of two views of one mesh are from rotated copies of each other. (P,)."""
  errors = []
  for first in range(0, len(maps_a), _CHUNK):
    part = slice(first, first + _CHUNK)
    relative = rotation_b[part] @ np.swapaxes(rotation_a[part], -1, -2)
    rotated = sphere.rotate_spherical(maps_a[part], relative.astype(np.float32))
    target = sphere.band_limit(maps_b[part])
    errors.append(np.asarray(jnp.linalg.norm((target - rotated).reshape(len(target), -1), axis=1) /
                             jnp.linalg.norm(target.reshape(len(target), -1), axis=1)))
  return np.concatenate(errors) if errors else np.zeros((0,))
