r"""A ModelNet-layout folder with only every k-th training mesh, for learning curves.

  python -m experiments.thin_mesh_folder --mesh_dir=../shared/data/modelnet10 --keep_every=2 \
      --output_dir=/tmp/modelnet10_half

The output folder holds symbolic links to every test mesh, every validation mesh and every
keep_every-th other training mesh of each class (training/thin_mesh_folder.py), so only the
meshes trained on are thinned. Train on it with its own dataset directory, e.g.
`--config.data.mesh_dir=/tmp/modelnet10_half --config.data.data_dir=/tmp/tfds_half`.
"""

from absl import app
from absl import flags
from absl import logging

from experiments.training import thin_mesh_folder

_MESH_DIR = flags.DEFINE_string("mesh_dir", None, "Folder in the ModelNet layout "
                                "<class>/{train,test}/*.off.")
_KEEP_EVERY = flags.DEFINE_integer("keep_every", None, "Keep every this many training meshes "
                                   "(outside validation) of each class.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "New or empty folder for the links.")
flags.mark_flags_as_required(["mesh_dir", "keep_every", "output_dir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  counts = thin_mesh_folder.thin_mesh_folder(_MESH_DIR.value, _KEEP_EVERY.value, _OUTPUT_DIR.value)
  for name, count in counts.items():
    logging.info("%s: train %d of %d, validation %d, test %d", name, count["train"],
                 count["train_found"], count["validation"], count["test"])
  logging.info("total: train %d of %d meshes in %s", sum(c["train"] for c in counts.values()),
               sum(c["train_found"] for c in counts.values()), _OUTPUT_DIR.value)


if __name__ == "__main__":
  app.run(main)
