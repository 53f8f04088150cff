r"""Builds the category templates of an embed workdir, for absolute pose from one image.

  python -m experiments.build_templates --workdir=/tmp/embed

Ray casts every training mesh of the workdir's dataset in its canonical (category-aligned) pose,
averages Φ's normalised features per category and writes <workdir>/templates.npz (see
experiments.evaluation.templates). Then `experiments.export.load_absolute_pose(workdir)` and
`experiments.evaluate_pose` use them.
"""

from absl import app
from absl import flags

from experiments.evaluation import templates

_WORKDIR = flags.DEFINE_string("workdir", None, "An embed workdir.")
_MAX_MESHES = flags.DEFINE_integer("max_meshes_per_category", None, "Use only the first this many "
                                   "training meshes of each category (default: all).")
_NUM_WORKERS = flags.DEFINE_integer("num_workers", 0, "Processes ray casting (0: per core).")
flags.mark_flags_as_required(["workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  templates.build(_WORKDIR.value, _MAX_MESHES.value, _NUM_WORKERS.value)


if __name__ == "__main__":
  app.run(main)
