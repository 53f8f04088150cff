r"""Where a trained shape classifier errs: per-class accuracy, confusion matrix, votes over views,
and accuracy on meshes with much of their surface missing.

  python -m experiments.evaluate_classifier --workdir=/tmp/scnn_modelnet10 --split=test
  python -m experiments.evaluate_classifier --workdir=/tmp/seed0,/tmp/seed1,/tmp/seed2 \
      --output_dir=/tmp/ensemble --split=test

Reads the workdir's config and latest checkpoint (see experiments.export) and the split's dataset as
configured for training. Prints the report and writes evaluation_<split>.json and
confusion_<split>.png into the workdir. Several workdirs (comma-separated) are evaluated as an
ensemble: their class probabilities are averaged, and the report goes to --output_dir.

"Damaged" meshes are those whose surface area is below --damage_threshold of their vertices' convex
hull area (`data_pipelines.hull_area_ratio`); this needs the mesh files (config.data.mesh_dir in the
ModelNet layout <class>/{train,test}/<name>.off) and is skipped without them.
"""

from absl import app
from absl import flags

from experiments.evaluation import classifier

_WORKDIR = flags.DEFINE_list("workdir", None, "A training workdir (from experiments.train), or "
                            "several, comma-separated, for their ensemble.")
_SPLIT = flags.DEFINE_string("split", None, "Split to evaluate (default: the config's test_split, "
                             "else its eval_split).")
_STEP = flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Maps per forward pass.")
_DAMAGE_THRESHOLD = flags.DEFINE_float("damage_threshold", 0.5,
                                       "hull_area_ratio below which a mesh counts as damaged.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Where the report files go (default: the "
                                  "workdir; required for an ensemble).")
flags.mark_flags_as_required(["workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  classifier.evaluate(_WORKDIR.value, _SPLIT.value, _STEP.value, _BATCH_SIZE.value,
                                 _DAMAGE_THRESHOLD.value, _OUTPUT_DIR.value)


if __name__ == "__main__":
  app.run(main)
