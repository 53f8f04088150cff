"""The fixed render camera, and where each point of the sphere grid appears in a view.

The camera sits at (0, 0, CAMERA_DISTANCE) looking at the origin; its field of view just holds the
unit ball. Image rows run from +y (top) to −y and columns from −x (left) to +x (docs/conventions.md,
'Meshes, spherical maps and views'). `data_pipelines.raycast` renders with these constants, and the
lifted embedding network samples image features at `grid_pixels`, so both read them from here.

Pixel coordinates are continuous: pixel (i, j) of an S × S image has its centre at (i, j), and the
image spans [−0.5, S − 0.5] on both axes.
"""

import functools

import numpy as np

from equivariant_embeddings.sphere import grid

# At 10 radii the perspective is nearly orthographic.
CAMERA_DISTANCE = 10.0


def half_width() -> float:
  """tan of half the field of view: the image plane at unit depth spans [−half_width, half_width]."""
  return float(np.tan(np.arcsin(1.0 / CAMERA_DISTANCE)))


def project(points, image_size: int) -> tuple[np.ndarray, np.ndarray]:
  """Continuous pixel coordinates of 3D points in an S × S view, float64.

  Args:
    points: (..., 3) points in the camera frame, in front of the camera (z < CAMERA_DISTANCE).
    image_size: S.

  Returns:
    (rows, cols), each (...,): where the points appear (pixel centres at integers).
  """
  points = np.asarray(points, np.float64)
  if points.shape[-1:] != (3,):
    raise ValueError(f"points must have shape (..., 3); got {points.shape}")
  depth = CAMERA_DISTANCE - points[..., 2]
  if np.any(depth <= 0):
    raise ValueError(f"points must lie in front of the camera (z < {CAMERA_DISTANCE})")
  u = points[..., 0] / (depth * half_width())  # −1 at the left border, +1 at the right
  v = points[..., 1] / (depth * half_width())  # +1 at the top border
  return (1.0 - v) * image_size / 2 - 0.5, (u + 1.0) * image_size / 2 - 0.5


@functools.lru_cache(maxsize=None)
def grid_pixels(b: int, image_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
  """Where the points of the Driscoll–Healy grid of bandwidth b on the unit sphere appear in a view.

  Only the front hemisphere (z > 0, colatitude < π/2) faces the camera: a spherical map's front half
  (the surface seen along rays toward the centre) is the object's visible side.

  Returns:
    (rows, cols, front): (2b, 2b) float64 continuous pixel coordinates of each grid point in an
    S × S view, and a (2b, 2b) bool mask of the front hemisphere. Cached, read-only.
  """
  points = grid.grid_points(b)
  rows, cols = project(points, image_size)
  front = points[..., 2] > 0
  for array in (rows, cols, front):
    array.setflags(write=False)
  return rows, cols, front


@functools.lru_cache(maxsize=None)
def bilinear_taps(b: int, image_size: int, feature_size: int) -> tuple[np.ndarray, np.ndarray]:
  """Bilinear sampling of a feature map at the front-hemisphere grid points, as four taps each.

  The feature map (F × F) covers the view (S × S) with each feature pixel over an S/F × S/F block of
  view pixels (a centred downsampling), so view coordinate c maps to (c + 0.5)·F/S − 0.5. Taps that
  fall outside the map, and every tap of a back-hemisphere point, have weight 0 (the background of
  a view is black; the hidden side is not in it).

  Returns:
    (indices, weights): (2b·2b, 4) int32 indices into the flattened F·F map and (2b·2b, 4) float64
    weights. Cached, read-only.
  """
  rows, cols, front = grid_pixels(b, image_size)
  scale = feature_size / image_size
  rows, cols = (rows + 0.5) * scale - 0.5, (cols + 0.5) * scale - 0.5
  row0, col0 = np.floor(rows), np.floor(cols)
  indices, weights = [], []
  for d_row in (0, 1):
    for d_col in (0, 1):
      r, c = row0 + d_row, col0 + d_col
      weight = (1 - np.abs(rows - r)) * (1 - np.abs(cols - c))
      inside = (r >= 0) & (r < feature_size) & (c >= 0) & (c < feature_size) & front
      indices.append(np.where(inside, r * feature_size + c, 0).astype(np.int32).ravel())
      weights.append(np.where(inside, weight, 0.0).ravel())
  indices, weights = np.stack(indices, -1), np.stack(weights, -1)
  indices.setflags(write=False)
  weights.setflags(write=False)
  return indices, weights
