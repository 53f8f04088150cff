r"""Relative pose with a trained embedding network, the paper's way: IB, CB and image-to-mesh, 2DOF
and 3DOF, per category (median error, acc@15, acc@30), beside an oracle and the unrefined argmax.

  python -m experiments.evaluate_pose --workdir=/tmp/embed
  python -m experiments.evaluate_pose --workdir=/tmp/embed --categories=bed,chair,sofa,toilet \
      --fold_symmetry --output_dir=/tmp/embed/pose_folded
  python -m experiments.evaluate_pose --workdir=/tmp/embed --regression_workdir=/tmp/regression

Renders the test (or --split=validation) meshes of the workdir's dataset afresh under seeded random
rotations (cached in <output_dir>/pose_eval_views), prints the table and writes pose_<split>.md /
.csv / .json, pose_cdf.png (error CDFs) and pose_examples.png (pairs, and the object rendered at the
estimated and the true pose) into --output_dir (default: the workdir). See
experiments.evaluation.pose.

Every option is a field of one config block (experiments.evaluation.pose.default_options), set with
--config.<field>=... like experiments.train's (e.g. --config.methods="('E', 'E, ℓ ≤ 1')"); the
flags below set the same fields, and win where both are given.
"""

from absl import app
from absl import flags
from ml_collections import config_flags

from experiments.evaluation import pose

_CONFIG = config_flags.DEFINE_config_dict("config", pose.default_options(),
                                          "The evaluation's options (--config.<field>=...).")
_WORKDIR = flags.DEFINE_string("workdir", None, "An embed training workdir (experiments.train with "
                               "configs/embed*.py).")
# The options as flags of their own (they set the config field of the same name when given).
flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).")
flags.DEFINE_string("output_dir", None, "Where tables and figures go (default: the workdir).")
flags.DEFINE_list("modes", list(pose.MODES), "Rotation modes: 2dof, 3dof.")
flags.DEFINE_list("categories", None, "Categories to evaluate (default: all).")
flags.DEFINE_integer("pairs_per_mesh", 3, "Rotations (IB) and partners (CB) per mesh.")
flags.DEFINE_integer("max_meshes_per_category", None, "Evaluate only the first this many test "
                     "meshes per category (default: all).")
flags.DEFINE_bool("fold_symmetry", False, "Fold errors over a 180° turn about the up axis.")
flags.DEFINE_integer("seed", 1, "Seeds the rotations and the cross-instance partners.")
flags.DEFINE_integer("batch_size", 64, "Views per forward pass.")
flags.DEFINE_integer("num_workers", 0, "Processes rendering views (0: per core).")
flags.DEFINE_enum("split", "test", list(pose.SPLITS), "Meshes to evaluate: test, or validation for "
                  "choices.")
flags.DEFINE_string("regression_workdir", None, "A regression-baseline workdir "
                    "(configs/regression.py) whose rows join the table.")
flags.mark_flags_as_required(["workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  given = {name: flags.FLAGS[name].value for name in _CONFIG.value if name in flags.FLAGS
           and flags.FLAGS[name].present}
  pose.evaluate(_WORKDIR.value, _CONFIG.value, **given)


if __name__ == "__main__":
  app.run(main)
