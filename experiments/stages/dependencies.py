"""Where a stage finds the trained stage it depends on (Φ for embed, E for synth)."""

import os
from typing import NamedTuple

from experiments.workdir import config_io


def dependency_workdir(config, field: str, workdir: str | None, subdir: str, what: str) -> str:
  """config.<field> when it names a workdir, else <workdir>/<subdir>, where the trainer trains the
  dependency `what` first."""
  if config[field]:
    return config[field]
  if workdir is None:
    raise ValueError(f"config.{field} is empty and no {config.stage} workdir was given to hold "
                     f"{what}")
  return os.path.join(workdir, subdir)


def dependency_config(config, field: str, workdir: str | None, subdir: str, what: str, fallback):
  """(the dependency's config, its workdir or None): the config.json of its workdir once it has been
  trained there, else `fallback` (the config it would be trained with)."""
  if not (config[field] or workdir):
    return fallback, None
  directory = dependency_workdir(config, field, workdir, subdir, what)
  if os.path.exists(os.path.join(directory, config_io.CONFIG_FILE)):
    return config_io.load_config(directory), directory
  return fallback, directory



def prerequisites(stage) -> list:
  """[(the config of the stage that `stage` depends on, its workdir)] when stage.config names no
  workdir for it (it is trained there first); [] otherwise."""
  dependency = stage.depends_on
  if dependency is None or stage.config[dependency.workdir_field]:
    return []
  return [(stage.config[dependency.config_field],
           dependency_workdir(stage.config, dependency.workdir_field, stage.workdir,
                              dependency.stage, dependency.config_field))]


class Dependency(NamedTuple):
  """The trained stage a stage reads, as its config names it.

  Attributes:
    workdir_field: the config field naming its workdir ("" to train it first).
    config_field: the config field holding its config (trained first when workdir_field is "").
    stage: its stage name; a chain trains it in <chain>/<stage> and links it here.
  """
  workdir_field: str
  config_field: str
  stage: str
