"""Ray casting: spherical maps and views against an independent intersector and exact geometry."""

import numpy as np
import pytest
import trimesh

from data_pipelines import (MISS_DISTANCE, RayCaster, normalize_mesh, random_rotation, render_view,
                            spherical_map, synthetic_shape)
from data_pipelines import raycast
from tests.data_pipelines.reference_raycast import brute_force_first_hit

# embree intersects in float32: distances agree with a float64 reference to ~1e-6 of the unit ball.
FLOAT32_DISTANCE_TOLERANCE = 1e-5


def _ball(radius, center=(0, 0, 0)):
  return trimesh.creation.icosphere(subdivisions=4, radius=radius).apply_translation(center)


def test_spherical_map_matches_brute_force_intersector():
  mesh = normalize_mesh(synthetic_shape("airplane", 3))
  rotation = random_rotation(np.random.default_rng(0), "3dof")
  sphere = spherical_map(mesh, 8, ("distance", "normal_cosine"), rotation=rotation)
  points = raycast.sphere_directions(8).reshape(-1, 3)
  rotated = mesh.copy().apply_transform(np.pad(rotation, (0, 1)) + np.diag([0, 0, 0, 1]))
  expected = np.minimum(brute_force_first_hit(rotated.vertices, rotated.faces, points, -points),
                        MISS_DISTANCE)
  np.testing.assert_allclose(sphere[..., 0].ravel(), expected, atol=FLOAT32_DISTANCE_TOLERANCE)
  assert 0 < (expected < MISS_DISTANCE).mean() < 1  # the test sees both hits and misses
  cosine = sphere[..., 1].ravel()
  assert ((cosine >= 0) & (cosine <= 1 + 1e-6)).all()
  np.testing.assert_array_equal(cosine[expected == MISS_DISTANCE], 0)


def test_spherical_map_of_centred_and_offset_balls():
  # A ball of radius r at the centre: every ray travels 1 − r and meets the surface head on.
  radius = 0.6
  sphere = spherical_map(_ball(radius), 16, ("distance", "normal_cosine"))
  assert sphere.shape == (32, 32, 2) and sphere.dtype == np.float32
  # Tolerance: the icosphere's facets lie inside the true sphere by at most r(1 − cos(edge/2)),
  # about 3e-3 r for 4 subdivisions.
  np.testing.assert_allclose(sphere[..., 0], 1 - radius, atol=3e-3)
  np.testing.assert_allclose(sphere[..., 1], 1, atol=2e-2)
  # A small ball off to +x: rays run on through the centre, so rays from near +x hit it at
  # 1 − 0.7 − 0.2 = 0.1, rays from near −x at 1 + 0.7 − 0.2 = 1.5; the others record MISS_DISTANCE.
  offset = spherical_map(_ball(0.2, (0.7, 0, 0)), 16)[..., 0]
  x = raycast.sphere_directions(16)[..., 0]
  hit = offset < MISS_DISTANCE
  assert hit.any() and (np.abs(x[hit]) > 0.9).all()
  assert offset[hit & (x > 0)].min() == pytest.approx(0.1, abs=0.01)
  assert offset[hit & (x < 0)].min() == pytest.approx(1.5, abs=0.01)


def test_rotation_argument_equals_rotating_the_mesh():
  mesh = normalize_mesh(synthetic_shape("lamp", 0))
  rotation = random_rotation(np.random.default_rng(1), "3dof")
  rotated = trimesh.Trimesh(mesh.vertices @ rotation.T, mesh.faces, process=False)
  np.testing.assert_allclose(spherical_map(mesh, 8, rotation=rotation), spherical_map(rotated, 8),
                             atol=FLOAT32_DISTANCE_TOLERANCE)
  # Views: allow a few pixels on silhouette edges to flip (float32 rounding of the ray origins).
  difference = np.abs(render_view(mesh, 32, rotation=rotation) - render_view(rotated, 32))
  assert (difference > 1e-4).mean() < 0.01


def test_hull_channels_of_two_balls():
  # Two balls of radius 0.3 at x = ±0.6: the hull is a capsule of radius 0.3 around the x axis.
  pair = trimesh.util.concatenate([_ball(0.3, (0.6, 0, 0)), _ball(0.3, (-0.6, 0, 0))])
  sphere = spherical_map(pair, 16, raycast.SPHERE_CHANNELS)
  distance, cosine, hull_distance, hull_cosine = np.moveaxis(sphere, -1, 0)
  x = raycast.sphere_directions(16)[..., 0]
  # The hull contains the mesh, so a ray meets it first.
  assert (hull_distance <= distance + FLOAT32_DISTANCE_TOLERANCE).all()
  # Rays near the y-z plane pass between the balls, but end on the capsule's cylinder head on,
  # 1 − 0.3 = 0.7 from the start (icosphere facets: 3e-3 r, as above; their hull: the same).
  waist = np.abs(x) < 0.1
  assert (distance[waist] == MISS_DISTANCE).all() and (cosine[waist] == 0).all()
  np.testing.assert_allclose(hull_distance[waist], 0.7, atol=3e-3)
  np.testing.assert_allclose(hull_cosine[waist], 1, atol=2e-2)
  # Near ±x the first hit is on a ball, which is part of the hull's surface.
  ends = np.abs(x) > 0.99
  np.testing.assert_allclose(hull_distance[ends], distance[ends], atol=FLOAT32_DISTANCE_TOLERANCE)


def test_hull_channels_of_a_convex_mesh_equal_its_own():
  sphere = spherical_map(_ball(0.6), 8, raycast.SPHERE_CHANNELS)
  np.testing.assert_allclose(sphere[..., 2:], sphere[..., :2], atol=FLOAT32_DISTANCE_TOLERANCE)


def test_hull_channels_rotate_with_the_mesh():
  mesh = normalize_mesh(synthetic_shape("chair", 1))
  rotation = random_rotation(np.random.default_rng(2), "3dof")
  rotated = trimesh.Trimesh(mesh.vertices @ rotation.T, mesh.faces, process=False)
  hull = ("hull_distance", "hull_normal_cosine")
  np.testing.assert_allclose(spherical_map(mesh, 8, hull, rotation=rotation),
                             spherical_map(rotated, 8, hull), atol=FLOAT32_DISTANCE_TOLERANCE)


def test_hull_of_a_flat_mesh():
  # qhull rejects coplanar points; the joggled hull is a thin slab through the centre.
  corners = np.array([[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]])
  square = trimesh.Trimesh(corners, [[0, 1, 2], [0, 2, 3]], process=False)
  hull_distance = spherical_map(square, 8, ("hull_distance",))[..., 0]
  np.testing.assert_allclose(hull_distance, spherical_map(square, 8)[..., 0], atol=1e-4)


def test_render_view_of_ball():
  radius, size = 0.5, 64
  image = render_view(_ball(radius), size)
  assert image.shape == (size, size, 1) and image.dtype == np.float32
  assert image.min() == 0 and image.max() <= 1
  # Silhouette: a pixel's ray hits iff it passes within r of the centre.
  half_width = np.tan(np.arcsin(1 / raycast.CAMERA_DISTANCE))
  pixels = (2 * (np.arange(size) + 0.5) / size - 1) * half_width
  x, y = np.meshgrid(pixels, -pixels)
  directions = np.stack([x, y, -np.ones_like(x)], -1)
  directions /= np.linalg.norm(directions, axis=-1, keepdims=True)
  eye = np.array([0, 0, raycast.CAMERA_DISTANCE])
  miss_distance = np.linalg.norm(np.cross(directions, -eye), axis=-1)
  inside, outside = miss_distance < 0.97 * radius, miss_distance > radius  # facets: margin 3%
  assert (image[inside, 0] > 0).all() and (image[outside, 0] == 0).all()
  # Lambertian shading: the pixel facing the camera sees normal +z.
  expected = raycast.AMBIENT + sum(w * max(light[2], 0) for light, w in raycast.LIGHTS)
  assert image[size // 2, size // 2, 0] == pytest.approx(expected, abs=0.02)
  # The key light comes from the upper left: the upper-left of the ball is brighter.
  quarter = size // 4
  assert image[quarter + 6, quarter + 6, 0] > image[-quarter - 6, -quarter - 6, 0]


def test_view_orientation_up_is_up():
  # A mesh that sits in the +y half: with the camera on +z it must appear in the top half.
  image = render_view(_ball(0.3, (0, 0.6, 0)), 32)[..., 0]
  assert image[:16].sum() > 0 and image[16:].sum() == 0


def test_raycaster_is_reused_across_views():
  mesh = normalize_mesh(synthetic_shape("car", 0))
  caster = RayCaster(mesh)
  rotation = random_rotation(np.random.default_rng(2), "3dof")
  np.testing.assert_array_equal(spherical_map(caster, 8, rotation=rotation),
                                spherical_map(mesh, 8, rotation=rotation))


def test_bad_inputs():
  with pytest.raises(ValueError, match="unit ball"):
    spherical_map(_ball(2.0), 8)
  with pytest.raises(ValueError, match="channels"):
    spherical_map(_ball(0.5), 8, ("depth",))
  with pytest.raises(ValueError, match="bandwidth"):
    spherical_map(_ball(0.5), 0)
  with pytest.raises(ValueError, match="rotation"):
    render_view(_ball(0.5), 16, rotation=np.ones((3, 3)))
  with pytest.raises(ValueError, match="size"):
    render_view(_ball(0.5), 0)
