"""Thinned copies of mesh folders for learning curves (binary: experiments.thin_mesh_folder)."""

import os

from data_pipelines.builders import base
from data_pipelines.builders import modelnet


def thin_mesh_folder(mesh_dir: str, keep_every: int, output_dir: str) -> dict:
  """Links the kept meshes of `mesh_dir` into `output_dir`, in the same <class>/{train,test}/*.off
  layout.

  The links point at every test mesh, every training mesh of the validation split
  (`base.is_validation_mesh`) and every keep_every-th of the other training meshes of each class, in
  sorted order: validation and test stay those of the full folder, and only the meshes trained on
  are thinned.

  Returns:
    {class name: {"train": kept, "train_found": found outside validation, "validation": n,
    "test": n}}, counts of meshes.

  Raises:
    ValueError: keep_every < 1, mesh_dir without class folders, or a non-empty output_dir.
  """
  if keep_every < 1:
    raise ValueError(f"keep_every must be >= 1, got {keep_every}")
  mesh_dir = os.path.abspath(mesh_dir)
  classes = sorted(name for name in (os.listdir(mesh_dir) if os.path.isdir(mesh_dir) else [])
                   if os.path.isdir(os.path.join(mesh_dir, name, "train")))
  if not classes:
    raise ValueError(f"{mesh_dir} has no <class>/train folders (the ModelNet layout)")
  if os.path.isdir(output_dir) and os.listdir(output_dir):
    raise ValueError(f"output_dir {output_dir} is not empty")
  counts = {}
  for name in classes:
    count = counts[name] = {"train": 0, "train_found": 0, "validation": 0, "test": 0}
    for split in ("train", "test"):
      folder = os.path.join(mesh_dir, name, split)
      files = modelnet.mesh_files(folder) if os.path.isdir(folder) else []
      os.makedirs(os.path.join(output_dir, name, split))
      for file in files:
        if split == "test":
          role = "test"
        elif base.is_validation_mesh(modelnet.mesh_id(name, file)):
          role = "validation"
        else:
          count["train_found"] += 1
          if (count["train_found"] - 1) % keep_every:
            continue
          role = "train"
        count[role] += 1
        os.symlink(os.path.join(folder, file), os.path.join(output_dir, name, split, file))
  return counts
