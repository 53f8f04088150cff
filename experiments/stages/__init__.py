"""Training stages: what the generic trainer (`train_lib`) trains, chosen by `config.stage`.

Each stage follows `protocol.TrainingStage` (model, input shape, named features; data, per-example
losses, extra evaluation metrics). The trainer owns the optimizer, sharding, checkpoints, metrics
and evaluation; inference code (experiments.export) needs only `protocol.InferenceStage`.
"""

import os

from experiments.stages.embed import EmbedStage
from experiments.stages.protocol import InferenceStage, TrainingStage
from experiments.stages.regression import RegressionStage
from experiments.stages.spherical_cnn import SphericalCNNStage
from experiments.stages.synth import SynthStage

STAGES = {
    "spherical_cnn": SphericalCNNStage, "embed": EmbedStage, "regression": RegressionStage,
    "synth": SynthStage,
}


def make_stage(config, workdir: str | None = None):
  """The stage named by `config.stage`, built from `config`.

  Args:
    config: a stage config (configs/*.py, or a workdir's config.json).
    workdir: the stage's training workdir; stages that depend on an earlier one (embed on the
      spherical CNN) keep there what they derive from it (and, when the config names none, the
      earlier stage's own workdir). Not needed by stages without dependencies.
  """
  if "stage" not in config:  # a chain's config (experiments.pipeline) names no stage
    where = f"{workdir} holds" if workdir else "this is"
    example = os.path.join(workdir or "<chain>", "embed")
    raise ValueError(f"{where} the config of a chain (experiments.pipeline), not of one stage: pass "
                     f"one of its stage folders, e.g. {example}")
  if config.stage not in STAGES:
    raise ValueError(f"config.stage must be one of {sorted(STAGES)}, got {config.stage!r}")
  return STAGES[config.stage](config, workdir)
