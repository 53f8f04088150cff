"""view_symmetries against ray casting: the permuted view and map of a mesh are the view and map of
the turned or mirrored mesh; Φ's layers commute with the map permutations."""

import jax
import numpy as np
import pytest
import trimesh
from scipy import ndimage

import data_pipelines as dp
from equivariant_embeddings import view_symmetries
from equivariant_embeddings.nn import SphericalCNN

BANDWIDTH, SIZE = 8, 24
MIRROR_X = np.diag([-1.0, 1.0, 1.0])


@pytest.fixture(scope="module")
def mesh():
  return dp.normalize_mesh(dp.synthetic_shape("airplane", 3))  # no symmetry


def mirrored(mesh):
  return trimesh.Trimesh(mesh.vertices @ MIRROR_X, mesh.faces[:, ::-1], process=False)


def view_and_map(mesh, rotation=None):
  return (dp.render_view(mesh, SIZE, rotation=rotation),
          dp.spherical_map(mesh, BANDWIDTH, ("distance",), rotation=rotation))


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
@pytest.mark.parametrize("mirror", [False, True])
def test_permutations_are_the_views_and_maps_of_the_moved_mesh(mesh, turns, mirror):
  view, sphere_map = view_and_map(mesh)
  images, maps = view_symmetries.transform_views_and_maps(
      view[None], sphere_map[None], np.array([turns]), np.array([mirror]))
  rotation = np.asarray(view_symmetries.quarter_turn_rotations(np.array([turns]))[0], np.float64)
  expected_view, expected_map = view_and_map(mirrored(mesh) if mirror else mesh, rotation)
  # Maps: exact up to the ray caster's float32 rounding. Views: the silhouette is exact; the
  # shading is not, because the lights stay fixed to the camera (measured on three shapes: 0-8% of
  # the object's mean intensity, mean absolute difference).
  np.testing.assert_allclose(maps[0], expected_map, atol=1e-5)
  np.testing.assert_array_equal(images[0] > 0, expected_view > 0)
  on_object = expected_view > 0
  shading = np.abs(np.asarray(images[0]) - expected_view)[on_object].mean()
  assert shading < 0.12 * expected_view[on_object].mean()


def test_examples_of_a_batch_move_independently(mesh):
  view, sphere_map = view_and_map(mesh)
  views, maps = np.stack([view] * 3), np.stack([sphere_map] * 3)
  turns, mirror = np.array([0, 1, 3]), np.array([False, True, False])
  images, moved = view_symmetries.transform_views_and_maps(views, maps, turns, mirror)
  for i in range(3):
    one_image, one_map = view_symmetries.transform_views_and_maps(
        views[i:i + 1], maps[i:i + 1], turns[i:i + 1], mirror[i:i + 1])
    np.testing.assert_array_equal(images[i], one_image[0])
    np.testing.assert_array_equal(moved[i], one_map[0])
  np.testing.assert_array_equal(images[0], view)  # no turn, no mirror: unchanged


def test_spherical_cnn_commutes_with_the_map_permutations(mesh):
  # Why the embed stage may permute Φ's input instead of re-rendering: Φ(g·map) = g·Φ(map).
  model = SphericalCNN(num_classes=2, block_features=(4, 8), block_pooling=(1, 2), num_anchors=3)
  sphere_map = dp.spherical_map(mesh, BANDWIDTH, ("distance",))[None]
  variables = model.init(jax.random.PRNGKey(0), sphere_map, train=False)
  features = lambda x: model.apply(variables, x, train=False, capture_intermediates=True)[1][
      "intermediates"]["block_1"]["__call__"][0]
  image = np.zeros((1, 4, 4, 1), np.float32)
  for turns, mirror in ((1, False), (2, True), (3, True)):
    _, moved_map = view_symmetries.transform_views_and_maps(image, sphere_map, np.array([turns]),
                                                            np.array([mirror]))
    _, moved_features = view_symmetries.transform_views_and_maps(
        image, features(sphere_map), np.array([turns]), np.array([mirror]))
    np.testing.assert_allclose(features(moved_map), moved_features, atol=1e-4)


def test_shapes_are_checked():
  images, maps = np.zeros((2, 8, 8, 1)), np.zeros((2, 12, 12, 1))
  with pytest.raises(ValueError, match="multiple of 4"):
    view_symmetries.transform_views_and_maps(images, np.zeros((2, 10, 10, 1)), np.zeros(2, int))
  with pytest.raises(ValueError, match="quarter_turns must be"):
    view_symmetries.transform_views_and_maps(images, maps, np.zeros(3, int))
  with pytest.raises(ValueError, match="images must be"):
    view_symmetries.transform_views_and_maps(np.zeros((8, 8, 1)), None, np.zeros(8, int))


def _rotation_z(angle):
  cos, sin = np.cos(angle), np.sin(angle)
  return np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]])


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_turn_views_at_quarter_turns_is_rot90(turns):
  images = np.random.default_rng(0).uniform(size=(2, 12, 12, 3)).astype(np.float32)
  turned = view_symmetries.turn_views(images, np.full(2, turns * np.pi / 2))
  # Quarter turns map pixel centres onto pixel centres: bilinear weights 0 or 1 up to the float32
  # rounding of cos and sin.
  np.testing.assert_allclose(turned, np.rot90(images, turns, axes=(1, 2)), atol=1e-5)


@pytest.mark.parametrize("steps", [1, 3, 6])
def test_in_plane_turns_are_the_views_and_maps_of_the_turned_mesh(mesh, steps):
  # 2b = 16 longitudes: steps of 22.5°. The map of the mesh turned about z rolls exactly; the turned
  # view's silhouette is the render's up to its edge pixels (bilinear resampling of a thin airplane
  # at 24 × 24 flips 18-23% of the union's pixels, all next to the other silhouette; turning the
  # wrong way flips 60-85%).
  view, sphere_map = view_and_map(mesh)
  images, maps = view_symmetries.turn_views_and_maps(view[None], sphere_map[None],
                                                     np.array([steps]))
  expected_view, expected_map = view_and_map(mesh, _rotation_z(steps * 2 * np.pi / (2 * BANDWIDTH)))
  np.testing.assert_allclose(maps[0], expected_map, atol=1e-5)
  turned, rendered = np.asarray(images[0, ..., 0]) > 0, expected_view[..., 0] > 0
  near = lambda mask: ndimage.binary_dilation(mask, np.ones((3, 3), bool))
  assert not (turned & ~near(rendered)).any() and not (rendered & ~near(turned)).any()
  assert (turned ^ rendered).sum() < 0.3 * (turned | rendered).sum()


def test_turn_views_and_maps_checks_shapes():
  with pytest.raises(ValueError, match="maps must be"):
    view_symmetries.turn_views_and_maps(np.zeros((2, 8, 8, 1)), np.zeros((3, 8, 8, 1)),
                                        np.zeros(2, int))
  with pytest.raises(ValueError, match=r"angles must be \(2,\), one per image; got \(3,\)"):
    view_symmetries.turn_views(np.zeros((2, 8, 8, 1)), np.zeros(3))
