"""Measuring how equivariant the spherical map is (used by the tests and the benchmark)."""

import numpy as np

from data_pipelines import raycast, rotations
from equivariant_embeddings import sphere


def _band_limit(x):
  return np.asarray(sphere.band_limit(x))


def equivariance_errors(mesh, rotation, bandwidth: int, channels=("distance",)) -> dict:
  """Errors of map(R·M) against rotate_spherical(map(M), R), relative to the map's spread.

  All norms are area-weighted RMS over the grid and channels, divided by the area-weighted standard
  deviation of map(R·M).

  Args:
    mesh: a trimesh.Trimesh in the unit ball.
    rotation: R, (3, 3).
    bandwidth: b of the maps.
    channels: spherical map channels.

  Returns:
    dict of floats: "rotated", ‖map(R·M) − rot(map(M))‖; "rotated_band_limited", the same with
    map(R·M) band-limited to degree < b; "truncation", ‖map(R·M) − band-limited‖ + ‖map(M) −
    band-limited‖ (what sampling can explain); "unrotated", ‖map(R·M) − map(M)‖; "wrong_rotation",
    ‖map(R·M) − rot(map(M), R')‖ for an independent random R'.
  """
  weights = sphere.area_weights(bandwidth)[:, None, None]
  base = raycast.spherical_map(mesh, bandwidth, channels)
  direct = raycast.spherical_map(mesh, bandwidth, channels, rotation=rotation)
  mean = (weights * direct).mean((0, 1)) / weights.mean()
  spread = np.sqrt((weights * (direct - mean) ** 2).mean())

  def norm(x):
    return float(np.sqrt((weights * x**2).mean()) / spread)

  rotated = np.asarray(sphere.rotate_spherical(base, np.asarray(rotation, np.float32)))
  wrong = rotations.random_rotation(np.random.default_rng(0), "3dof").astype(np.float32)
  return {
      "rotated": norm(direct - rotated),
      "rotated_band_limited": norm(_band_limit(direct) - rotated),
      "truncation": norm(direct - _band_limit(direct)) + norm(base - _band_limit(base)),
      "unrotated": norm(direct - base),
      "wrong_rotation": norm(direct - np.asarray(sphere.rotate_spherical(base, wrong))),
  }
