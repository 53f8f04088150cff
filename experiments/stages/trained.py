"""The one way to load a trained model: `load_trained(workdir, step, kind)`.

Reads only the model side of a stage (`MODELS`, `protocol.InferenceStage`): no dataset builder,
TensorBoard writer or trainer is imported, so inference code (experiments.export) stays light.
"""

import os

from experiments.stages.embed_model import EmbedModel
from experiments.stages.regression_model import RegressionModel
from experiments.stages.spherical_cnn_model import SphericalCNNModel
from experiments.stages.synth_model import SynthModel
from experiments.workdir import checkpoints
from experiments.workdir import config_io

MODELS = {
    "spherical_cnn": SphericalCNNModel, "embed": EmbedModel, "regression": RegressionModel,
    "synth": SynthModel,
}
# How an error names what a caller needs, by stage kind.
KIND_NAMES = {"spherical_cnn": "a spherical CNN", "embed": "an embedding network",
              "regression": "a pose regressor", "synth": "a synthesis network"}


def check_stage_config(config, workdir: str | None, kinds) -> None:
  """ValueError unless `config` is of one stage, among `kinds` (stage names; None: any of them).

  A chain's config (experiments.pipeline) names no stage: the error points to its stage folders.
  """
  if "stage" not in config:
    where = f"{workdir} holds" if workdir else "this is"
    example = os.path.join(workdir or "<chain>", "embed")
    raise ValueError(f"{where} the config of a chain (experiments.pipeline), not of one stage: pass "
                     f"one of its stage folders, e.g. {example}")
  if config.stage not in MODELS:
    raise ValueError(f"config.stage must be one of {sorted(MODELS)}, got {config.stage!r}")
  if kinds is not None and config.stage not in kinds:
    wanted = " or ".join(KIND_NAMES[kind] for kind in kinds)
    raise ValueError(f"{workdir} holds a {config.stage!r} model, not {wanted}")


def load_trained(workdir: str, step: int | None = None, kind=None, with_inputs: bool = False):
  """(model, variables, step) of the checkpoint at `step` (default: the latest) in `workdir`.

  Args:
    workdir: a training workdir (experiments.train), or a chain's stage folder.
    step: the checkpoint step; a damaged one is named with the intact one to pass instead.
    kind: a stage name or a tuple of them that the workdir must hold (ValueError naming what it
      holds); None for any.
    with_inputs: also load the earlier stages the model reads at inference (embed: Φ, for
      `targets`; synth: E, for `inputs_of_views`).

  Returns:
    (the stage's model side, MODELS[config.stage]; its variables; the step loaded).
  """
  config = config_io.load_config(workdir)
  check_stage_config(config, workdir, (kind,) if isinstance(kind, str) else kind)
  model = MODELS[config.stage](config, workdir)
  variables, step = checkpoints.restore_variables(workdir, step)
  if with_inputs and hasattr(model, "load_inputs"):
    model.load_inputs(load_trained)
  return model, variables, step
