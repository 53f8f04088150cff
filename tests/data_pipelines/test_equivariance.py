"""Equivariance of the spherical map: map(R·M) ≈ rotate_spherical(map(M), R), up to sampling.

The map of a mesh has jumps (silhouette edges), so it is not band-limited: the Driscoll–Healy
samples alias and no rotation of them can be exact. The honest bound compares the equivariance error
with what sampling can explain: the error between the band-limited map of R·M and the rotated map of
M must not exceed the energy that band-limiting removes from the two maps (their truncation residuals,
summed). Measured on 100 ModelNet10 meshes at b = 32 (benchmarks/bench_data_equivariance.py), the
ratio has median 0.39 and maximum 0.70 for both channels; the test asserts <= 1. A smooth map (a ball containing the centre) is nearly
band-limited, and there the error must drop to float32 round-off.
"""

import glob
import os

import numpy as np
import trimesh

from data_pipelines import load_mesh, normalize_mesh, random_rotation, synthetic_shape
from data_pipelines.equivariance import equivariance_errors
from tests.data_pipelines.conftest import shared_path

BANDWIDTH = 16


def test_smooth_map_rotates_to_round_off():
  ball = trimesh.creation.icosphere(subdivisions=4, radius=0.5).apply_translation([0.2, -0.1, 0.3])
  rotation = random_rotation(np.random.default_rng(0), "3dof")
  errors = equivariance_errors(ball, rotation, BANDWIDTH)
  # Float32 transforms: measured 4e-5 relative at b = 32. The unrotated map differs by ~0.3.
  assert errors["rotated"] < 1e-3
  assert errors["unrotated"] > 0.1


def _check_meshes(meshes, seed):
  rng = np.random.default_rng(seed)
  for mesh in meshes:
    rotation = random_rotation(rng, "3dof")
    errors = equivariance_errors(mesh, rotation, BANDWIDTH)
    assert errors["rotated_band_limited"] <= errors["truncation"], errors
    # The bound has teeth: ignoring the rotation, or using the wrong one, is far outside it.
    assert errors["unrotated"] > 2 * errors["rotated"], errors
    assert errors["wrong_rotation"] > 2 * errors["rotated"], errors


def test_synthetic_shapes_equivariant_within_sampling_bound():
  _check_meshes([normalize_mesh(synthetic_shape(c, 0)) for c in ("airplane", "chair", "mug")], 1)


def test_modelnet_meshes_equivariant_within_sampling_bound():
  files = sorted(glob.glob(os.path.join(shared_path("modelnet10"), "*", "train", "*.off")))
  _check_meshes([normalize_mesh(load_mesh(f)) for f in files[::500]], 2)
