"""The run's config as JSON in its workdir, so a trained model can be rebuilt from the workdir alone."""

import json
import os

import ml_collections

CONFIG_FILE = "config.json"


def save_config(config: ml_collections.ConfigDict, workdir: str) -> str:
  """Writes `config` to workdir/config.json (atomically) and returns the path."""
  path = os.path.join(workdir, CONFIG_FILE)
  with open(path + ".tmp", "w") as f:
    f.write(config.to_json(indent=2, sort_keys=True))
  os.replace(path + ".tmp", path)
  return path


def _tuples(value):
  """JSON has no tuples; configs hold tuples (hashable Flax module fields), so lists come back as them."""
  if isinstance(value, dict):
    return {key: _tuples(item) for key, item in value.items()}
  if isinstance(value, list):
    return tuple(_tuples(item) for item in value)
  return value


def load_config(workdir: str) -> ml_collections.ConfigDict:
  """The config saved by `save_config` in `workdir`; ValueError if it is missing or unreadable."""
  path = os.path.join(workdir, CONFIG_FILE)
  try:
    with open(path) as f:
      return ml_collections.ConfigDict(_tuples(json.load(f)))
  except FileNotFoundError:
    raise ValueError(f"{path} not found: {workdir!r} is not a training workdir") from None
  except json.JSONDecodeError as error:
    raise ValueError(f"{path} is not valid JSON: {error}") from None
