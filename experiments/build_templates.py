r"""Builds the category templates of an embed workdir, for absolute pose from one image.

  python -m experiments.build_templates --workdir=/tmp/embed

Ray casts every training mesh of the workdir's dataset in its canonical (category-aligned) pose,
averages Φ's normalised features per category and writes <workdir>/templates.npz (see
experiments.templates). Then `experiments.export.load_absolute_pose(workdir)` and
`experiments.evaluate_pose` use them.
"""

from absl import app
from absl import flags

from experiments import checkpoints
from experiments import config_io
from experiments import pose_evaluation
from experiments import stages
from experiments import templates

_WORKDIR = flags.DEFINE_string("workdir", None, "An embed workdir.")
_MAX_MESHES = flags.DEFINE_integer("max_meshes_per_category", None, "Use only the first this many "
                                   "training meshes of each category (default: all).")
_NUM_WORKERS = flags.DEFINE_integer("num_workers", 0, "Processes ray casting (0: per core).")
flags.mark_flags_as_required(["workdir"])


def build(workdir: str, max_meshes_per_category=None, num_workers: int = 0) -> str:
  """Builds and saves the templates of `workdir`; returns the file's path."""
  stage = stages.make_stage(config_io.load_config(workdir), workdir)
  if stage.config.stage != "embed":
    raise ValueError(f"{workdir} is a {stage.config.stage!r} workdir; templates need an embed one")
  checkpoints.restore_variables(workdir)  # fails early, with a clear message, if E is missing
  stage.load_phi()
  records, class_names, _ = pose_evaluation.test_records(
      stage.config, max_meshes_per_category=max_meshes_per_category, split="train")
  built = templates.build_templates(stage, records, class_names, num_workers=num_workers)
  path = templates.save_templates(built, workdir)
  print(f"templates of {', '.join(f'{n} ({c})' for n, c in zip(class_names, built['counts']))} "
        f"in {path}", flush=True)
  return path


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  build(_WORKDIR.value, _MAX_MESHES.value, _NUM_WORKERS.value)


if __name__ == "__main__":
  app.run(main)
