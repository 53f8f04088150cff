"""The training stages by name (`config.stage`): what experiments.train and the chain train."""

from experiments.stages import trained
from experiments.stages.embed import EmbedStage
from experiments.stages.regression import RegressionStage
from experiments.stages.spherical_cnn import SphericalCNNStage
from experiments.stages.synth import SynthStage

# In dependency order (a stage after the one it reads): the order a chain trains them in.
STAGES = {
    "spherical_cnn": SphericalCNNStage, "embed": EmbedStage, "synth": SynthStage,
    "regression": RegressionStage,
}


def make_stage(config, workdir: str | None = None):
  """The training stage named by `config.stage`, built from `config`.

  Args:
    config: a stage config (configs/*.py, or a workdir's config.json).
    workdir: the stage's training workdir; stages that depend on an earlier one (embed on the
      spherical CNN) keep there what they derive from it (and, when the config names none, the
      earlier stage's own workdir). Not needed by stages without dependencies.
  """
  trained.check_stage_config(config, workdir, None)
  return STAGES[config.stage](config, workdir)
