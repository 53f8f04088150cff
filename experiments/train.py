r"""Trains a stage of the project from a config (docs/conventions.md, 'Training stages').

  python -m experiments.train --config=configs/spherical_cnn.py --workdir=/tmp/scnn
  python -m experiments.train --config=configs/spherical_cnn_synthetic.py --workdir=/tmp/synth \
      --config.num_train_steps=500

Restarting the same command resumes from the latest checkpoint in the workdir. See
`experiments.training.loop.train_and_evaluate` for what is written there.
"""

import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from experiments.training import loop

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Path to a config file (configs/*.py); override fields with --config.<field>=...",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Directory for checkpoints, metrics and plots.")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  loop.quiet_library_logs()
  logging.info("config:\n%s", _CONFIG.value)
  try:
    loop.train_and_evaluate(_CONFIG.value, _WORKDIR.value)
  except loop.NonFiniteLossError as error:
    logging.error("%s", error)
    sys.exit(1)


if __name__ == "__main__":
  app.run(main)
