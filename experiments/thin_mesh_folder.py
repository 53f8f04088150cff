r"""A ModelNet-layout folder with only every k-th training mesh, for learning curves.

  python -m experiments.thin_mesh_folder --mesh_dir=../shared/data/modelnet10 --keep_every=2 \
      --output_dir=/tmp/modelnet10_half

The output folder holds symbolic links, in the same <class>/{train,test}/*.off layout, to every test
mesh, every training mesh of the validation split (data_pipelines.builders.base.is_validation_mesh)
and every keep_every-th of the other training meshes of each class, in sorted order. Validation and
test are therefore the same as the full folder's, and only the meshes trained on are thinned. Train
on it with its own dataset directory, e.g. `--config.data.mesh_dir=/tmp/modelnet10_half
--config.data.data_dir=/tmp/tfds_half`.
"""

import os

from absl import app
from absl import flags
from absl import logging

from data_pipelines.builders import base
from data_pipelines.builders import modelnet

_MESH_DIR = flags.DEFINE_string("mesh_dir", None, "Folder in the ModelNet layout "
                                "<class>/{train,test}/*.off.")
_KEEP_EVERY = flags.DEFINE_integer("keep_every", None, "Keep every this many training meshes "
                                   "(outside validation) of each class.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "New or empty folder for the links.")
flags.mark_flags_as_required(["mesh_dir", "keep_every", "output_dir"])


def thin_mesh_folder(mesh_dir: str, keep_every: int, output_dir: str) -> dict:
  """Links the kept meshes of `mesh_dir` into `output_dir` (see the module docstring).

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
      files = sorted(f for f in os.listdir(folder) if f.lower().endswith(".off")) if (
          os.path.isdir(folder)) else []
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


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  counts = thin_mesh_folder(_MESH_DIR.value, _KEEP_EVERY.value, _OUTPUT_DIR.value)
  for name, count in counts.items():
    logging.info("%s: train %d of %d, validation %d, test %d", name, count["train"],
                 count["train_found"], count["validation"], count["test"])
  logging.info("total: train %d of %d meshes in %s", sum(c["train"] for c in counts.values()),
               sum(c["train_found"] for c in counts.values()), _OUTPUT_DIR.value)


if __name__ == "__main__":
  app.run(main)
