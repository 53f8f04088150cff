r"""The paper's whole chain in one workdir: dataset → Φ → E → G → baseline → pose → novel views.

  python -m experiments.pipeline --config=configs/pipeline.py --workdir=workdirs/chain
  python -m experiments.pipeline --config=configs/pipeline.py:modelnet --workdir=workdirs/chain_mn

A separate binary rather than a config of experiments.train: the chain also builds templates,
evaluates and synthesises, which are not training stages. Restarting the same command continues
where it stopped (complete steps are skipped, an interrupted training resumes from its checkpoint).
See experiments.training.chain for the layout of the workdir.
"""

import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from experiments.training import chain
from experiments.training import loop

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Path to a pipeline config (configs/pipeline.py[:modelnet|:shapenet]); "
    "override fields with --config.<field>=...", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "The chain's directory: one sub-workdir per stage.")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  loop.quiet_library_logs()
  try:
    chain.run_pipeline(_CONFIG.value, _WORKDIR.value)
  except loop.NonFiniteLossError as error:
    logging.error("%s", error)
    sys.exit(1)


if __name__ == "__main__":
  app.run(main)
