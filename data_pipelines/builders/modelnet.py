"""TFDS builder `modelnet`: ModelNet10 / ModelNet40 from a directory in the official layout.

The directory holds `<class>/train/*.off` and `<class>/test/*.off` (e.g. `../shared/data/modelnet10`
or the unpacked official archive). Meshes are in the per-category aligned frame, z up.
"""

import dataclasses
import os

from data_pipelines import examples
from data_pipelines.builders import base

MODELNET10_CLASSES = ("bathtub", "bed", "chair", "desk", "dresser", "monitor", "night_stand",
                      "sofa", "table", "toilet")
MODELNET40_CLASSES = (
    "airplane", "bathtub", "bed", "bench", "bookshelf", "bottle", "bowl", "car", "chair", "cone",
    "cup", "curtain", "desk", "door", "dresser", "flower_pot", "glass_box", "guitar", "keyboard",
    "lamp", "laptop", "mantel", "monitor", "night_stand", "person", "piano", "plant", "radio",
    "range_hood", "sink", "sofa", "stairs", "stool", "table", "tent", "toilet", "tv_stand", "vase",
    "wardrobe", "xbox")
VARIANTS = {"modelnet10": MODELNET10_CLASSES, "modelnet40": MODELNET40_CLASSES}


@dataclasses.dataclass(eq=False)
class ModelNetConfig(base.MeshPairConfig):
  """Attributes (beyond MeshPairConfig): variant, "modelnet10" or "modelnet40" (its class list)."""
  variant: str = "modelnet10"


def mesh_files(folder: str) -> list:
  """The sorted names of the .off files in `folder` (any case of the extension)."""
  return sorted(file for file in os.listdir(folder) if file.lower().endswith(".off"))


def mesh_id(class_name: str, file_name: str) -> str:
  """The id of a mesh file in the official layout, e.g. "chair/chair_0001" for chair_0001.off."""
  return f"{class_name}/{os.path.splitext(file_name)[0]}"


class ModelNet(base.MeshPairBuilder, skip_registration=True):
  """Views and spherical maps of ModelNet meshes; labels index the variant's sorted class list (or
  `categories`). Needs `mesh_dir`, the directory in the official layout."""

  name = "modelnet"

  def __init__(self, *, mesh_dir=None, **kwargs):
    self._mesh_dir = None if mesh_dir is None else os.fspath(mesh_dir)
    super().__init__(**kwargs)

  @classmethod
  def make_config(cls, **kwargs) -> ModelNetConfig:
    """Options: the ExampleSpec fields, variant ("modelnet10" default, "modelnet40") and
    categories (a subset of the variant's classes; default all)."""
    spec, categories, kwargs = cls._split_kwargs(dict(kwargs))
    variant = kwargs.pop("variant", "modelnet10")
    if kwargs:
      raise ValueError(f"unknown modelnet options: {sorted(kwargs)}")
    if variant not in VARIANTS:
      raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
    unknown = set(categories or ()) - set(VARIANTS[variant])
    if unknown:
      raise ValueError(f"categories {sorted(unknown)} are not {variant} classes")
    return ModelNetConfig(name=base.config_name(variant, spec, categories), spec=spec,
                          categories=categories, variant=variant)

  def _class_names(self):
    config = self.builder_config
    return list(config.categories or VARIANTS[config.variant])

  def _records(self, split):
    if self._mesh_dir is None or not os.path.isdir(self._mesh_dir):
      raise ValueError(f"modelnet needs mesh_dir, a directory with <class>/{{train,test}}/*.off; "
                       f"got {self._mesh_dir!r}")
    records = []
    for label, name in enumerate(self._class_names()):
      folder = os.path.join(self._mesh_dir, name, split)
      if not os.path.isdir(folder):
        raise ValueError(f"{folder} is missing: expected the official layout <class>/{split}/*.off "
                         f"for every {self.builder_config.variant} class (or pass categories=...)")
      records += [examples.MeshRecord(mesh_id=mesh_id(name, file), label=label,
                                      path=os.path.join(folder, file))
                  for file in mesh_files(folder)]
    return records
