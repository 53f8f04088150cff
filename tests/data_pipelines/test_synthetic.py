"""Procedural shapes: deterministic from the seed, valid, varied, and without rotational symmetry."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from data_pipelines import SYNTHETIC_CATEGORIES, normalize_mesh, spherical_map, synthetic_shape
from data_pipelines.meshes import check_mesh


def test_at_least_six_categories():
  assert len(SYNTHETIC_CATEGORIES) >= 6


@pytest.mark.parametrize("category", SYNTHETIC_CATEGORIES)
def test_deterministic_valid_and_varied(category):
  mesh = synthetic_shape(category, 7)
  check_mesh(mesh)
  again = synthetic_shape(category, 7)
  np.testing.assert_array_equal(mesh.vertices, again.vertices)
  np.testing.assert_array_equal(mesh.faces, again.faces)
  other = synthetic_shape(category, 8)
  assert not np.allclose(np.ptp(mesh.vertices, 0), np.ptp(other.vertices, 0))  # new proportions


# Candidate symmetries of assemblies of boxes and cylinders: quarter and half turns about the
# coordinate axes. Each must change the shape's spherical map; 0.05 of the map's spread is well above
# the float32 ray-casting noise (1e-5) and below the differences measured (> 0.2).
SYMMETRY_CANDIDATES = [Rotation.from_rotvec(angle * np.eye(3)[axis]).as_matrix()
                       for axis in range(3) for angle in (np.pi / 2, np.pi, 3 * np.pi / 2)]


@pytest.mark.parametrize("category", SYNTHETIC_CATEGORIES)
def test_no_rotational_symmetry(category):
  mesh = normalize_mesh(synthetic_shape(category, 0))
  base = spherical_map(mesh, 8)
  for rotation in SYMMETRY_CANDIDATES:
    difference = np.abs(spherical_map(mesh, 8, rotation=rotation) - base).mean()
    assert difference > 0.05 * base.std(), rotation


def test_bad_arguments():
  with pytest.raises(ValueError, match="category"):
    synthetic_shape("spaceship", 0)
  with pytest.raises(ValueError, match="seed"):
    synthetic_shape("mug", -1)
