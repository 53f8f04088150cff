"""templates.npz, the category templates kept in an embed workdir (built by
experiments.build_templates, read by experiments.export.load_absolute_pose)."""

import os
import zipfile

import numpy as np

TEMPLATES_FILE = "templates.npz"


def save_templates(templates: dict, workdir: str) -> str:
  """Writes `templates` (see `load_templates`) to workdir/templates.npz atomically; returns its
  path."""
  path = os.path.join(workdir, TEMPLATES_FILE)
  np.savez(path + ".tmp.npz", **templates)
  os.replace(path + ".tmp.npz", path)
  return path


def load_templates(workdir: str) -> dict:
  """The templates.npz of an embed workdir; ValueError naming the command to build it when it is
  missing or damaged."""
  path = os.path.join(workdir, TEMPLATES_FILE)
  if not os.path.exists(path):
    raise ValueError(f"{path} not found: build it with `python -m experiments.build_templates "
                     f"--workdir={workdir}`")
  try:
    with np.load(path) as data:
      templates = {key: data[key] for key in data.files}
  except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
    raise ValueError(f"{path} is damaged ({type(error).__name__}: {error}): rebuild it with "
                     f"`python -m experiments.build_templates --workdir={workdir}`") from None
  missing = {"class_names", "templates", "counts"} - set(templates)
  if missing:
    raise ValueError(f"{path} lacks {sorted(missing)}: rebuild it with `python -m "
                     f"experiments.build_templates --workdir={workdir}`")
  return templates
