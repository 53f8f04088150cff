"""The run's config as JSON in its workdir, so a trained model can be rebuilt from the workdir alone.

Paths in config.json are stored so that the workdir loads from any directory and after the folder
that holds it is moved or copied: links to other runs' workdirs (LINK_FIELDS, e.g. E's Φ) relative
to the workdir, dataset paths (DATA_FIELDS, outside every workdir) absolute. `load_config` returns
them absolute.
"""

import json
import os

import ml_collections

CONFIG_FILE = "config.json"
LINK_FIELDS = ("phi_workdir", "embed_workdir", "init_from")  # another run's workdir, or ""
DATA_FIELDS = ("data_dir", "mesh_dir")  # dataset folders, or ""


def _map_paths(value, names, change):
  """`value` (nested dicts) with change(path) applied to every non-empty string under a key in names."""
  if not isinstance(value, dict):
    return value
  return {key: change(item) if key in names and isinstance(item, str) and item
          else _map_paths(item, names, change) for key, item in value.items()}


def _absolute(path: str) -> str:
  return os.path.abspath(os.path.expanduser(path))


def absolute_paths(config: dict) -> dict:
  """A config dict as the process that runs it reads it: links and dataset paths made absolute
  against the current directory."""
  return _map_paths(config, LINK_FIELDS + DATA_FIELDS, _absolute)


def save_config(config: ml_collections.ConfigDict, workdir: str) -> str:
  """Writes `config` to workdir/config.json (atomically, portable paths) and returns the path."""
  path = os.path.join(workdir, CONFIG_FILE)
  here = _absolute(workdir)
  portable = _map_paths(absolute_paths(config.copy_and_resolve_references().to_dict()),
                        LINK_FIELDS, lambda link: os.path.relpath(link, here))
  with open(path + ".tmp", "w") as f:
    f.write(ml_collections.ConfigDict(portable).to_json(indent=2, sort_keys=True))
  os.replace(path + ".tmp", path)
  return path


def _tuples(value):
  """JSON has no tuples; configs hold tuples (hashable Flax module fields), so lists come back as them."""
  if isinstance(value, dict):
    return {key: _tuples(item) for key, item in value.items()}
  if isinstance(value, list):
    return tuple(_tuples(item) for item in value)
  return value


def _link_resolver(workdir: str):
  here = _absolute(workdir)

  def resolve(link: str) -> str:
    resolved = os.path.normpath(os.path.join(here, os.path.expanduser(link)))
    # Workdirs written before links were stored relative to them hold paths relative to the
    # directory their run started in; those still load from there.
    if not os.path.exists(resolved) and os.path.exists(link):
      return _absolute(link)
    return resolved

  return resolve


def read_saved(workdir: str) -> dict | None:
  """workdir/config.json as a dict with absolute paths, or None when there is none; ValueError when
  it is not valid JSON."""
  path = os.path.join(workdir, CONFIG_FILE)
  try:
    with open(path) as f:
      saved = json.load(f)
  except FileNotFoundError:
    return None
  except (json.JSONDecodeError, UnicodeDecodeError) as error:
    raise ValueError(f"{path} is damaged (not valid JSON: {error}); restore it from a copy, or "
                     f"start fresh in a new workdir") from None
  if not isinstance(saved, dict):
    raise ValueError(f"{path} is damaged (a JSON {type(saved).__name__}, not an object); restore it "
                     f"from a copy, or start fresh in a new workdir")
  return absolute_paths(_map_paths(saved, LINK_FIELDS, _link_resolver(workdir)))


def load_config(workdir: str) -> ml_collections.ConfigDict:
  """The config saved by `save_config` in `workdir`, paths absolute; ValueError if it is missing or
  unreadable."""
  saved = read_saved(workdir)
  if saved is None:
    raise ValueError(f"{os.path.join(workdir, CONFIG_FILE)} not found: {workdir!r} is not a "
                     f"training workdir")
  return ml_collections.ConfigDict(_tuples(saved))
