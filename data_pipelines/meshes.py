"""Reading and normalising triangle meshes (docs/conventions.md, 'Meshes, spherical maps and
views').

Every reader goes through trimesh, which handles .off (including ModelNet's malformed header where the
counts are glued to the keyword, `OFF1234 5678 0`), .obj, .ply, .stl, .glb and the other formats it
knows. Only geometry is read: material and texture files of an .obj are never opened, so a missing
`mtllib` file or an absent Pillow does not matter. Any problem is raised as `MeshError`, whose message
names the file and the problem, so that dataset builders can skip and report bad files.
"""

import os

import numpy as np
from scipy import spatial
import trimesh


class MeshError(ValueError):
  """A mesh file that cannot be used: unreadable, empty, degenerate or non-finite."""


def load_mesh(path) -> trimesh.Trimesh:
  """Reads the geometry of a mesh file as one triangle mesh, with vertices as stored.

  Args:
    path: a mesh file in any format trimesh reads (.off, .obj, .ply, .stl, ...). Multi-part files
      (scenes, .obj groups) are merged into one mesh.

  Returns:
    A `trimesh.Trimesh` with `vertices` (V, 3) float64 and `faces` (F, 3) int64, V, F ≥ 1.

  Raises:
    MeshError: path is not a path, the file is missing or unreadable, or the mesh is empty,
      degenerate (zero extent or no face of positive area) or has non-finite vertices. The message
      names the file.
  """
  try:
    path = os.fspath(path)
  except TypeError:
    raise MeshError(f"path must be a mesh file path (str or os.PathLike), got {path!r}") from None
  if os.path.isdir(path):
    raise MeshError(f"{path}: a directory, not a mesh file")
  if not os.path.isfile(path):
    raise MeshError(f"{path}: no such mesh file")
  try:
    # skip_materials: read geometry only (no .mtl, no textures, no Pillow); process=False keeps the
    # vertices as stored (merging would change counts and hide problems the checks below report).
    loaded = trimesh.load(path, process=False, skip_materials=True)
    if isinstance(loaded, trimesh.Scene):
      loaded = _merge_scene_geometry(loaded)
  except Exception as error:  # trimesh raises many types on malformed input
    raise MeshError(f"{path}: unreadable mesh ({type(error).__name__}: {error})") from error
  if not isinstance(loaded, trimesh.Trimesh):
    raise MeshError(f"{path}: not a triangle mesh (trimesh returned {type(loaded).__name__})")
  try:
    check_mesh(loaded)
  except MeshError as error:
    raise MeshError(f"{path}: {error}") from None
  return loaded


def _merge_scene_geometry(scene: trimesh.Scene) -> trimesh.Trimesh:
  """The triangles of every node of a scene, placed by its transform, as one geometry-only mesh.

  Done by hand because trimesh's own merge copies the visuals, which needs Pillow for textures.
  """
  vertices, faces, offset = [], [], 0
  for node in scene.graph.nodes_geometry:
    transform, name = scene.graph[node]
    geometry = scene.geometry[name]
    if not isinstance(geometry, trimesh.Trimesh):  # points and paths have no surface
      continue
    vertices.append(trimesh.transform_points(geometry.vertices, transform))
    faces.append(np.asarray(geometry.faces) + offset)
    offset += len(geometry.vertices)
  if not vertices:
    return trimesh.Trimesh()
  return trimesh.Trimesh(np.concatenate(vertices), np.concatenate(faces), process=False)


def check_mesh(mesh: trimesh.Trimesh) -> None:
  """Raises MeshError unless `mesh` has finite vertices, faces, and positive extent and area."""
  if not isinstance(mesh, trimesh.Trimesh):
    raise MeshError(f"mesh must be a trimesh.Trimesh, got {type(mesh).__name__}")
  vertices = np.asarray(mesh.vertices)
  faces = np.asarray(mesh.faces)
  if vertices.ndim != 2 or vertices.shape[-1] != 3 or len(vertices) == 0:
    raise MeshError(f"empty mesh: expected vertices of shape (V>0, 3), got {vertices.shape}")
  if faces.ndim != 2 or faces.shape[-1] != 3 or len(faces) == 0:
    raise MeshError(f"mesh has no triangle faces (faces of shape {faces.shape})")
  if not np.isfinite(vertices).all():
    raise MeshError(f"non-finite vertex coordinates ({(~np.isfinite(vertices)).any(1).sum()} "
                    "vertices with NaN or inf)")
  if faces.min() < 0 or faces.max() >= len(vertices):
    raise MeshError(f"face indices outside [0, {len(vertices)})")
  extent = np.ptp(vertices[faces.ravel()], axis=0).max()
  if not extent > 0:
    raise MeshError("degenerate mesh: all face vertices coincide")
  if not mesh.area > 1e-12 * extent**2:
    raise MeshError("degenerate mesh: every face has zero area")


def normalize_mesh(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
  """Centres a mesh and scales it into the unit ball.

  The centre is the middle of the bounding box of the vertices used by faces (robust to uneven
  tessellation, unlike the vertex mean); the scale makes the farthest such vertex lie on the unit
  sphere. Normalise in the dataset's canonical frame, before rotating: the bounding box is not
  rotation invariant, so normalising after a rotation would break equivariance.

  Args:
    mesh: a trimesh.Trimesh with vertices (V, 3) and faces (F, 3).

  Returns:
    A new Trimesh with vertices (V', 3) float64, max norm exactly 1, and faces (F, 3); unreferenced
    vertices are dropped.

  Raises:
    MeshError: the mesh is empty, degenerate or non-finite.
  """
  check_mesh(mesh)
  used, faces = np.unique(np.asarray(mesh.faces), return_inverse=True)
  vertices = np.asarray(mesh.vertices, np.float64)[used]
  vertices = vertices - 0.5 * (vertices.min(0) + vertices.max(0))
  vertices = vertices / np.linalg.norm(vertices, axis=1).max()
  return trimesh.Trimesh(vertices, faces.reshape(-1, 3), process=False)


def hull_area_ratio(mesh: trimesh.Trimesh) -> float:
  """Surface area of a mesh over that of its vertices' convex hull.

  About 1 for a closed convex shape and more for shapes with inner parts; far below 1 when much of
  the surface is missing (a flat sheet of a solid object, or faces lost in a bad simplification:
  meshes of ../shared/data/modelnet10 below 0.5 are all decimated ones, and render with holes).

  Args:
    mesh: a trimesh.Trimesh whose vertices span a volume.

  Raises:
    MeshError: the vertices are coplanar (no hull volume).
  """
  try:
    hull = spatial.ConvexHull(np.asarray(mesh.vertices, np.float64))
  except spatial.QhullError as error:
    raise MeshError(f"the vertices' convex hull is degenerate (flat mesh?): {error}") from None
  return float(mesh.area / hull.area)
