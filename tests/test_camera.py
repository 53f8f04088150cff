"""The camera projection against the renderer, and the lift of a view onto the sphere against the
spherical map of the same mesh."""

import numpy as np
import pytest
import trimesh

from data_pipelines import render_view, spherical_map
from data_pipelines import raycast
from equivariant_embeddings import camera
from equivariant_embeddings.nn import lifted_embedding


def _ball(radius, center):
  return trimesh.creation.icosphere(subdivisions=4, radius=radius).apply_translation(center)


@pytest.mark.parametrize("center", [(0.5, 0.3, 0.4), (-0.6, -0.2, 0.1), (0.1, -0.7, -0.3)])
def test_projection_puts_a_ball_where_the_renderer_draws_it(center):
  # The silhouette of a small ball is a near-circle around the projection of its centre (to the
  # ~1% ellipticity of a 10-radius perspective): its pixel centroid is the projection to a fraction of
  # a pixel at S = 64 (measured: < 0.1 px).
  size = 64
  image = render_view(_ball(0.1, center), size)[..., 0]
  rows, cols = np.nonzero(image > 0)
  row, col = camera.project(np.asarray(center), size)
  assert abs(rows.mean() - row) < 0.25 and abs(cols.mean() - col) < 0.25


def _mean_direction(weights):
  directions = raycast.sphere_directions(weights.shape[0] // 2)
  mean = (directions * weights[..., None]).sum((0, 1))
  return mean / np.linalg.norm(mean)


def _angle_deg(u, v):
  return float(np.degrees(np.arccos(np.clip(u @ v, -1, 1))))


@pytest.mark.parametrize("direction", [(0.6, 0.5, 0.62), (-0.5, -0.6, 0.62), (0.55, -0.5, 0.67)])
def test_lift_puts_a_surface_feature_where_the_spherical_map_has_it(direction):
  # A small ball just under the unit sphere in front (z > 0): the near-side hits of the spherical map
  # (distance < 1) sit around its direction, and the lifted view must light the same grid points.
  # The lift samples where the *unit sphere's* point projects, the map records the surface along the
  # radius: the two agree for surface near the unit sphere, so the ball sits at 0.9 and the mean
  # directions agree to within one grid step (11.25° at b = 16; measured 5-6°). Each mirror of the
  # view puts the feature 55-85° away.
  direction = np.asarray(direction) / np.linalg.norm(direction)
  mesh = _ball(0.1, 0.9 * direction)
  b, size = 16, 64
  near_hits = spherical_map(mesh, b)[..., 0] < 1.0
  view = render_view(mesh, size)[None]

  def lit(image):
    return (np.asarray(lifted_embedding.lift(image, b, size))[0, ..., 0] > 0).astype(float)

  assert near_hits.sum() >= 3
  where = _mean_direction(near_hits.astype(float))
  assert _angle_deg(where, direction) < 3
  assert _angle_deg(_mean_direction(lit(view)), where) < 8
  assert (lit(view) * near_hits).sum() >= 2  # the lit points and the hits share grid points
  assert _angle_deg(_mean_direction(lit(view[:, :, ::-1])), where) > 40  # columns run −x → +x
  assert _angle_deg(_mean_direction(lit(view[:, ::-1])), where) > 40  # rows run +y → −y


def test_back_hemisphere_and_outside_points_get_no_taps():
  indices, weights = camera.bilinear_taps(8, 32, 16)
  rows, cols, front = camera.grid_pixels(8, 32)
  assert indices.shape == weights.shape == (256, 4)
  np.testing.assert_array_equal(weights[~front.ravel()], 0)
  # Front points whose four taps lie on the 16 × 16 map: the weights sum to one. Near the equator the
  # unit sphere projects onto the image border, where the outer taps are dropped.
  rows, cols = (rows + 0.5) / 2 - 0.5, (cols + 0.5) / 2 - 0.5
  interior = (front & (rows >= 0) & (rows <= 15) & (cols >= 0) & (cols <= 15)).ravel()
  assert interior.sum() > 64
  np.testing.assert_allclose(weights[interior].sum(-1), 1, atol=1e-12)
  assert (weights[front.ravel() & ~interior].sum(-1) < 1).all()
  with pytest.raises(ValueError, match="points must have shape"):
    camera.project(np.zeros((4, 2)), 32)
  with pytest.raises(ValueError, match="in front of the camera"):
    camera.project(np.array([0, 0, 11.0]), 32)
