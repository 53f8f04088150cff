"""Ray casting with embree: spherical maps and rendered views of a mesh (docs/conventions.md,
'Meshes, spherical maps and views').

Both functions take an optional `rotation` R and return what they would for the rotated mesh R·M. They
do so by casting the inversely rotated rays Rᵀ·ray into the unrotated mesh, which is exact and lets
one embree scene (`RayCaster`) serve every view of a mesh without copying it.
"""

import numpy as np
from scipy import spatial
import trimesh
from embreex import mesh_construction, rtcore_scene

from equivariant_embeddings import camera
from equivariant_embeddings.sphere import checks
from equivariant_embeddings.sphere import grid

# Channels of `spherical_map`, in the order requested: the first hit on the mesh, and on its convex
# hull (the hull channels of Esteves et al. 2018: a smooth envelope that is less sensitive to thin
# parts and holes than the mesh itself).
SPHERE_CHANNELS = ("distance", "normal_cosine", "hull_distance", "hull_normal_cosine")
# Recorded distance of a ray that misses the mesh: the ball's diameter, as if it had crossed the whole
# ball (every hit is at a distance < 2, so misses stay distinguishable and the map stays bounded).
MISS_DISTANCE = 2.0
# Render camera: on +z at this distance from the origin, with a field of view that just holds the
# unit ball (equivariant_embeddings.camera, which the lifted embedding network projects with too).
CAMERA_DISTANCE = camera.CAMERA_DISTANCE
# Lambertian shading: ambient term plus two directional lights, given in camera coordinates (x right,
# y up, z toward the camera). Weights sum to 1, so intensities lie in [AMBIENT, 1]; background is 0.
AMBIENT = 0.1
LIGHTS = ((np.array([-1.0, 1.0, 2.0]) / np.sqrt(6.0), 0.65),
          (np.array([1.0, -0.5, 1.0]) / 1.5, 0.25))
_UNIT_BALL_TOLERANCE = 1e-6


class RayCaster:
  """First-hit ray queries against one mesh, with its embree scene built once.

  Attributes:
    radius: the largest vertex norm of the mesh.
  """

  def __init__(self, mesh: trimesh.Trimesh):
    vertices = np.asarray(mesh.vertices, np.float32)
    faces = np.asarray(mesh.faces, np.int32)
    if vertices.ndim != 2 or vertices.shape[1] != 3 or faces.ndim != 2 or faces.shape[1] != 3:
      raise ValueError(f"expected vertices (V, 3) and faces (F, 3); got {vertices.shape}, "
                       f"{faces.shape}")
    if len(faces) == 0 or not np.isfinite(vertices).all():
      raise ValueError("mesh must have at least one face and finite vertices")
    self.radius = float(np.linalg.norm(vertices, axis=1).max())
    self._vertices = vertices  # what embree intersects; the convex hull is built from these too
    self._hull = None
    self._scene = rtcore_scene.EmbreeScene()
    self._mesh = mesh_construction.TriangleMesh(scene=self._scene, vertices=vertices, indices=faces)

  def convex_hull(self) -> "RayCaster":
    """A RayCaster of the mesh's convex hull, built on first use and kept."""
    if self._hull is None:
      # scipy's qhull directly: the triangles' winding does not matter here (`first_hits` orients
      # normals against the ray), and trimesh's hull would need networkx to fix it.
      try:
        hull = spatial.ConvexHull(self._vertices)
      except spatial.QhullError:  # a flat mesh: joggling the input gives a thin, valid hull
        hull = spatial.ConvexHull(self._vertices, qhull_options="QJ")
      self._hull = RayCaster(trimesh.Trimesh(hull.points, hull.simplices, process=False))
    return self._hull

  def first_hits(self, origins: np.ndarray, directions: np.ndarray):
    """Casts rays and returns their first hits.

    Args:
      origins: (N, 3) ray origins.
      directions: (N, 3) unit ray directions.

    Returns:
      distance: (N,) float32 distance to the first hit, inf where the ray misses.
      normal: (N, 3) float32 unit geometric normal of the hit face, oriented against the ray
        (mesh normals are not consistently oriented), zero where the ray misses.
    """
    result = self._scene.run(np.ascontiguousarray(origins, np.float32),
                             np.ascontiguousarray(directions, np.float32), output=1)
    hit = result["geomID"] >= 0
    distance = np.where(hit, result["tfar"], np.inf).astype(np.float32)
    normal = np.asarray(result["Ng"], np.float32)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-30)
    normal *= -np.sign(np.sum(normal * directions, axis=1, keepdims=True))
    normal[~hit] = 0.0
    return distance, normal


def _caster_in_unit_ball(mesh) -> RayCaster:
  if not isinstance(mesh, RayCaster) and not (hasattr(mesh, "vertices") and hasattr(mesh, "faces")):
    raise ValueError(f"mesh must be a trimesh.Trimesh (vertices and faces) or a RayCaster, got "
                     f"{type(mesh).__name__}")
  caster = mesh if isinstance(mesh, RayCaster) else RayCaster(mesh)
  if caster.radius > 1.0 + _UNIT_BALL_TOLERANCE:
    raise ValueError(f"the mesh must lie in the unit ball (normalize_mesh first); its largest "
                     f"vertex norm is {caster.radius:.4g}")
  return caster


def _check_rotation(rotation) -> np.ndarray:
  """rotation as a float64 (3, 3) array (None: the identity); ValueError unless it is a rotation (a
  reflection would mirror the mesh)."""
  if rotation is None:
    return np.eye(3)
  try:
    rotation = np.asarray(rotation, np.float64)
  except (TypeError, ValueError):
    raise ValueError(f"rotation must be a (3, 3) rotation matrix or None, got {rotation!r}") from None
  if rotation.shape != (3, 3):
    raise ValueError(f"rotation must be one (3, 3) rotation matrix or None; got shape "
                     f"{rotation.shape}")
  if not np.isfinite(rotation).all():
    raise ValueError("rotation contains NaN or inf values")
  orthogonality = np.abs(rotation @ rotation.T - np.eye(3)).max()
  det = np.linalg.det(rotation)
  if orthogonality > 1e-4 or det <= 0:
    raise ValueError(f"rotation is not a rotation matrix (orthonormal within 1e-4, det +1): max "
                     f"|RRᵀ − I| = {orthogonality:.2e}, det = {det:.4g}")
  return rotation


def sphere_directions(bandwidth: int) -> np.ndarray:
  """Unit vectors of the Driscoll–Healy grid points, shape (2b, 2b, 3) [colatitude, longitude, xyz]."""
  return grid.grid_points(bandwidth)


def spherical_map(mesh, bandwidth: int = 32, channels=("distance",), rotation=None) -> np.ndarray:
  """The spherical map of a mesh by ray casting on the Driscoll–Healy grid.

  One ray per grid point x starts on the unit sphere at x and travels toward the centre.

  Args:
    mesh: a trimesh.Trimesh inside the unit ball (see `normalize_mesh`), or a `RayCaster` of one.
    bandwidth: b; the grid has 2b × 2b points.
    channels: names from SPHERE_CHANNELS, in output order: "distance", the distance travelled to the
      first hit (MISS_DISTANCE = 2 for a miss); "normal_cosine", |cos| of the angle between the ray
      and the hit face's normal (0 for a miss); "hull_distance" and "hull_normal_cosine", the same
      for the mesh's convex hull. A single name is one channel.
    rotation: optional (3, 3) rotation R (det +1); the result is then the map of R·M.

  Returns:
    (2b, 2b, C) float32 map [colatitude, longitude, channel].

  Raises:
    ValueError: an unknown channel, a bandwidth that is not an integer >= 1, a mesh that is not one
      or lies outside the unit ball, or a rotation that is not a finite (3, 3) rotation matrix.
  """
  channels = (channels,) if isinstance(channels, str) else tuple(channels)
  if not channels or any(c not in SPHERE_CHANNELS for c in channels):
    raise ValueError(f"channels must be a non-empty sequence of {SPHERE_CHANNELS}, got {channels}")
  grid.check_bandwidth(bandwidth)
  caster = _caster_in_unit_ball(mesh)
  # The map of R·M at x is the map of M at Rᵀx: cast from Rᵀx (row vectors times R).
  points = sphere_directions(bandwidth).reshape(-1, 3) @ _check_rotation(rotation)
  planes = {}
  for prefix in ("", "hull_"):  # the mesh, then its convex hull, each cast only if asked for
    if not any(c in (prefix + "distance", prefix + "normal_cosine") for c in channels):
      continue
    surface = caster.convex_hull() if prefix else caster
    distance, normal = surface.first_hits(points, -points)
    planes[prefix + "distance"] = np.minimum(distance, MISS_DISTANCE)
    # The normal faces the ray, so this is |cos|.
    planes[prefix + "normal_cosine"] = np.sum(normal * points, axis=1)
  return np.stack([planes[c] for c in channels], axis=-1).reshape(
      2 * bandwidth, 2 * bandwidth, len(channels)).astype(np.float32)


def render_view(mesh, size: int = 64, rotation=None) -> np.ndarray:
  """A grayscale view of a mesh from the fixed camera on +z, by ray casting.

  The camera sits at (0, 0, CAMERA_DISTANCE) looking at the origin, image rows from +y (top) to −y,
  columns from −x to +x; its field of view just holds the unit ball. Lambertian shading from LIGHTS
  plus AMBIENT, black background, no shadows.

  Args:
    mesh: a trimesh.Trimesh inside the unit ball, or a `RayCaster` of one.
    size: S, the image height and width in pixels.
    rotation: optional (3, 3) rotation R (det +1); the result is then the view of R·M.

  Returns:
    (S, S, 1) float32 image in [0, 1].

  Raises:
    ValueError: a size that is not an integer >= 1, a mesh that is not one or lies outside the unit
      ball, or a rotation that is not a finite (3, 3) rotation matrix.
  """
  checks.integer(size, "size", minimum=1)
  caster = _caster_in_unit_ball(mesh)
  rotation = _check_rotation(rotation)
  half_width = camera.half_width()
  pixels = (2.0 * (np.arange(size) + 0.5) / size - 1.0) * half_width
  x, y = np.meshgrid(pixels, -pixels)
  directions = np.stack([x, y, -np.ones_like(x)], axis=-1).reshape(-1, 3)
  directions /= np.linalg.norm(directions, axis=1, keepdims=True)
  origins = np.broadcast_to([0.0, 0.0, CAMERA_DISTANCE], directions.shape)
  # Camera frame -> mesh frame is Rᵀ (row vectors times R).
  distance, normal = caster.first_hits(origins @ rotation, directions @ rotation)
  shade = np.full(len(distance), AMBIENT)
  for light, weight in LIGHTS:
    shade += weight * np.maximum(normal @ (rotation.T @ light), 0.0)
  shade[~np.isfinite(distance)] = 0.0
  return np.clip(shade, 0.0, 1.0).reshape(size, size, 1).astype(np.float32)
