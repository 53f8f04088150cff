"""Training stages: what the generic trainer (`train_lib`) trains, chosen by `config.stage`.

A stage is built from the config and provides
  model:            a Flax linen module,
  batch_keys:       the example keys fed to the devices (e.g. ("sphere", "label")),
  open_datasets():  {"train": source, "eval": source}, random-access sources (`len`, `[i]`) of dicts,
  init_variables(rng) -> the model's variables ({"params": ..., other collections}),
  per_example_losses(variables, batch, rng, train) -> (losses (batch,), {metric: (batch,)},
                    updated non-parameter collections, e.g. {"batch_stats": ...}, when train).
The trainer owns the optimizer, sharding, checkpoints, metrics and evaluation; later stages (embedding,
synthesis, pose regression) add a class here and a config naming it.
"""

from experiments.stages.spherical_cnn import SphericalCNNStage

STAGES = {"spherical_cnn": SphericalCNNStage}


def make_stage(config):
  """The stage named by `config.stage`, built from `config`."""
  if config.stage not in STAGES:
    raise ValueError(f"config.stage must be one of {sorted(STAGES)}, got {config.stage!r}")
  return STAGES[config.stage](config)
