"""Turning one mesh into training examples: (view, spherical map) pairs under random rotations.

This is the per-mesh work of every dataset builder, kept free of TFDS so that it runs in worker
processes (multiprocessing or Apache Beam) and can be timed on its own. Each view's randomness comes
from a generator seeded by (spec.seed, mesh id, view index), so an example does not depend on which
worker made it or in what order.
"""

import dataclasses
import zlib

import numpy as np

from data_pipelines import meshes, raycast, rotations, synthetic
from equivariant_embeddings.sphere import checks


@dataclasses.dataclass(frozen=True)
class ExampleSpec:
  """How examples are generated from a mesh.

  Attributes:
    image_size: S, rendered views are (S, S, 1).
    bandwidth: b, spherical maps are (2b, 2b, C).
    channels: spherical map channels, names from `raycast.SPHERE_CHANNELS`.
    views_per_mesh: examples (random rotations) per mesh.
    rotation_mode: "3dof" (uniform on SO(3)) or "2dof" (random viewing direction, no roll).
    up_axis: the dataset's up axis ("z" ModelNet, "y" ShapeNet), used by "2dof".
    scale_range: (low, high) for random anisotropic scaling (one factor per axis, uniform in the
      range, drawn per view and applied in the canonical frame before rotating), or None for none
      (also () or (None,), which is what a command-line override `...scale_range=None` of a tuple
      config field produces).
      The TFDS builders apply it to their train split only.
    surface_dropout: probability that a view is made from a copy of the mesh without its largest
      faces, a random 50–95% of its area (`drop_largest_faces`): the damage a bad simplification
      does (a sixth of the ../shared/data/modelnet10 meshes look like this), so that a model learns
      to classify such meshes too. The vertices stay, and with them the convex hull. The TFDS
      builders apply it to their train split only.
    seed: the dataset seed; every view's randomness derives from it.
  """
  image_size: int = 64
  bandwidth: int = 32
  channels: tuple = ("distance",)
  views_per_mesh: int = 1
  rotation_mode: str = "3dof"
  up_axis: str = "z"
  scale_range: tuple | None = None
  surface_dropout: float = 0.0
  seed: int = 0

  def __post_init__(self):
    for name in ("image_size", "bandwidth", "views_per_mesh"):
      checks.integer(getattr(self, name), name, minimum=1)
    object.__setattr__(self, "channels", tuple(self.channels))
    if not self.channels or any(c not in raycast.SPHERE_CHANNELS for c in self.channels):
      raise ValueError(f"channels must be a non-empty sequence of {raycast.SPHERE_CHANNELS}, "
                       f"got {self.channels}")
    if self.rotation_mode not in rotations.ROTATION_MODES:
      raise ValueError(f"rotation_mode must be one of {rotations.ROTATION_MODES}, "
                       f"got {self.rotation_mode!r}")
    if self.up_axis not in rotations.UP_AXES:
      raise ValueError(f"up_axis must be one of {sorted(rotations.UP_AXES)}, got {self.up_axis!r}")
    if self.scale_range is not None and tuple(self.scale_range) in ((), (None,)):
      object.__setattr__(self, "scale_range", None)
    if self.scale_range is not None:
      try:
        low, high = map(float, self.scale_range)
      except (TypeError, ValueError):
        raise ValueError(f"scale_range must be None or (low, high), "
                         f"got {self.scale_range!r}") from None
      if not 0 < low <= high:
        raise ValueError(f"scale_range must be (low, high) with 0 < low <= high, "
                         f"got {self.scale_range!r}")
      object.__setattr__(self, "scale_range", (low, high))
    if not 0.0 <= self.surface_dropout <= 1.0:
      raise ValueError(f"surface_dropout must be a probability in [0, 1], "
                       f"got {self.surface_dropout!r}")


@dataclasses.dataclass(frozen=True)
class MeshRecord:
  """One mesh of a dataset.

  Attributes:
    mesh_id: a unique name (e.g. "chair/chair_0001"); it seeds the mesh's views.
    label: the class index.
    path: the mesh file, or None for a synthetic shape.
    synthetic: (category, seed) of a `synthetic.synthetic_shape`, when path is None.
  """
  mesh_id: str
  label: int
  path: str | None = None
  synthetic: tuple | None = None

  def load(self):
    """The mesh, normalised into the unit ball; raises meshes.MeshError if it is unusable."""
    if self.path is not None:
      return meshes.normalize_mesh(meshes.load_mesh(self.path))
    return meshes.normalize_mesh(synthetic.synthetic_shape(*self.synthetic))


def anisotropic_scaling(mesh, rng: np.random.Generator, scale_range):
  """Scales each axis by a factor uniform in scale_range, then fits the mesh back in the unit ball."""
  factors = rng.uniform(scale_range[0], scale_range[1], size=3)
  return meshes.normalize_mesh(type(mesh)(mesh.vertices * factors, mesh.faces, process=False))


def drop_largest_faces(mesh, fraction: float):
  """A copy of a mesh without its largest faces, which make up about `fraction` of its area.

  Faces are removed from the largest down while the removed area stays within fraction × area;
  the smallest face always stays. All vertices are kept (so is their convex hull).
  """
  if not 0.0 <= fraction < 1.0:
    raise ValueError(f"fraction must be in [0, 1), got {fraction}")
  areas = np.asarray(mesh.area_faces)
  order = np.argsort(-areas, kind="stable")
  removed = order[:np.searchsorted(np.cumsum(areas[order]), fraction * areas.sum(), side="right")]
  keep = np.ones(len(areas), bool)
  keep[removed] = False
  keep[order[-1]] = True
  return type(mesh)(mesh.vertices, np.asarray(mesh.faces)[keep], process=False)


def view_rng(spec: ExampleSpec, mesh_id: str, view: int) -> np.random.Generator:
  """The generator of one view, seeded by (dataset seed, mesh id, view index)."""
  return np.random.default_rng([spec.seed, zlib.crc32(mesh_id.encode()), view])


def mesh_examples(mesh, mesh_id: str, label: int, spec: ExampleSpec) -> list:
  """All examples of one normalised mesh.

  Args:
    mesh: a trimesh.Trimesh inside the unit ball (see `meshes.normalize_mesh`).
    mesh_id: the mesh's unique name.
    label: its class index.
    spec: the generation options.

  Returns:
    spec.views_per_mesh (key, example) pairs; key is "<mesh_id>/<view>" and example is a dict with
    image (S, S, 1) float32 in [0, 1], sphere (2b, 2b, C) float32, rotation (3, 3) float32 (the
    rotation R applied to the mesh), label int and mesh_id str.
  """
  shared = None  # one scene serves every view of the unchanged mesh, built on first use
  examples = []
  for view in range(spec.views_per_mesh):
    rng = view_rng(spec, mesh_id, view)
    view_mesh = anisotropic_scaling(mesh, rng, spec.scale_range) if spec.scale_range else mesh
    rotation = rotations.random_rotation(rng, spec.rotation_mode, spec.up_axis)
    # Drawn after the rotation, so that views keep their rotations whatever surface_dropout is.
    if spec.surface_dropout and rng.uniform() < spec.surface_dropout:
      view_mesh = drop_largest_faces(view_mesh, rng.uniform(0.5, 0.95))
    if view_mesh is mesh:
      if shared is None:
        shared = raycast.RayCaster(mesh)
      caster = shared
    else:
      caster = raycast.RayCaster(view_mesh)
    examples.append((f"{mesh_id}/{view}", {
        "image": raycast.render_view(caster, spec.image_size, rotation=rotation),
        "sphere": raycast.spherical_map(caster, spec.bandwidth, spec.channels, rotation=rotation),
        "rotation": rotation.astype(np.float32),
        "label": int(label),
        "mesh_id": mesh_id,
    }))
  return examples


def record_examples(record: MeshRecord, spec: ExampleSpec):
  """Loads a record's mesh and makes its examples, reporting instead of raising on a bad mesh.

  Returns:
    (examples, None) on success, or ([], "<error message naming the file>") when the mesh is unusable.
  """
  try:
    mesh = record.load()
  except meshes.MeshError as error:
    # File errors already name the file; name a synthetic shape by its id.
    return [], str(error) if record.path else f"{record.mesh_id}: {error}"
  return mesh_examples(mesh, record.mesh_id, record.label, spec), None
