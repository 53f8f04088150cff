"""TFDS builder `shapenet`: ShapeNetCore v1 or v2 from a directory, selected synsets.

The directory holds one folder per synset, named by its id (`03001627`) or by its name (`chair`),
with one model per folder in the v1 layout `<model_id>/model.obj` or the v2 layout
`<model_id>/models/model_normalized.obj`; a flat `<model_id>.obj` is read too. ShapeNet is y up.
There is no split folder: a model is in the test split when crc32(model_id) % TEST_MODULUS == 0,
a fixed 20% that does not depend on which other models are present.
"""

import dataclasses
import os
import zlib

from data_pipelines import examples
from data_pipelines.builders import base

# ShapeNetCore synset ids of the common categories (the 13 of 3D-R2N2 and others).
SYNSETS = {
    "airplane": "02691156", "bench": "02828884", "bookshelf": "02871439", "bottle": "02876657",
    "bus": "02924116", "cabinet": "02933112", "car": "02958343", "chair": "03001627",
    "display": "03211117", "guitar": "03467517", "lamp": "03636649", "laptop": "03642806",
    "loudspeaker": "03691459", "motorcycle": "03790512", "mug": "03797390", "pistol": "03948459",
    "rifle": "04090263", "sofa": "04256520", "table": "04379243", "telephone": "04401088",
    "vessel": "04530566",
}
_NAMES = {synset: name for name, synset in SYNSETS.items()}
TEST_MODULUS = 5
_MODEL_FILES = ("model.obj", os.path.join("models", "model_normalized.obj"))


@dataclasses.dataclass(eq=False)
class ShapeNetConfig(base.MeshPairConfig):
  """MeshPairConfig; categories are synset names or ids (default: every folder in mesh_dir)."""


class ShapeNet(base.MeshPairBuilder, skip_registration=True):
  """Views and spherical maps of ShapeNetCore meshes (y up). Needs `mesh_dir`."""

  name = "shapenet"
  UP_AXIS = "y"

  def __init__(self, *, mesh_dir=None, **kwargs):
    self._mesh_dir = None if mesh_dir is None else os.fspath(mesh_dir)
    self._folders = None
    super().__init__(**kwargs)

  @classmethod
  def make_config(cls, **kwargs) -> ShapeNetConfig:
    """Options: the ExampleSpec fields and categories (synset names or ids)."""
    spec, categories, kwargs = cls._split_kwargs(dict(kwargs))
    if kwargs:
      raise ValueError(f"unknown shapenet options: {sorted(kwargs)}")
    if categories is not None:  # names and ids of one synset must give one config
      categories = tuple(_NAMES.get(c, c) for c in categories)
    return ShapeNetConfig(name=base.config_name("", spec, categories), spec=spec,
                          categories=categories)

  def _category_folders(self) -> dict:
    """{class name: folder}, in label order."""
    if self._folders is None:
      if self._mesh_dir is None or not os.path.isdir(self._mesh_dir):
        raise ValueError(f"shapenet needs mesh_dir, a directory of synset folders; got "
                         f"{self._mesh_dir!r}")
      present = {_NAMES.get(f, f): os.path.join(self._mesh_dir, f)
                 for f in sorted(os.listdir(self._mesh_dir))
                 if os.path.isdir(os.path.join(self._mesh_dir, f))}
      wanted = self.builder_config.categories or sorted(present)
      missing = [c for c in wanted if c not in present]
      if missing:
        raise ValueError(f"no folder for categories {missing} in {self._mesh_dir} (folders are "
                         f"named by synset id or name; known ids: {SYNSETS})")
      self._folders = {c: present[c] for c in wanted}
    return self._folders

  def _class_names(self):
    if self._mesh_dir is None and self.builder_config.categories:  # reading a built dataset
      return list(self.builder_config.categories)
    return list(self._category_folders())

  def _records(self, split):
    records = []
    for label, (name, folder) in enumerate(self._category_folders().items()):
      for entry in sorted(os.listdir(folder)):
        model_id, path = _model_file(folder, entry)
        if path and (zlib.crc32(model_id.encode()) % TEST_MODULUS == 0) == (split == "test"):
          records.append(examples.MeshRecord(mesh_id=f"{name}/{model_id}", label=label, path=path))
    return records


def _model_file(folder, entry):
  """(model id, mesh path) of a folder entry in the v1, v2 or flat layout, or (entry, None)."""
  full = os.path.join(folder, entry)
  if entry.lower().endswith(".obj") and os.path.isfile(full):
    return entry[:-4], full
  for name in _MODEL_FILES:
    if os.path.isfile(os.path.join(full, name)):
      return entry, os.path.join(full, name)
  return entry, None
