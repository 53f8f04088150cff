"""What a workdir guarantees (experiments.workdir.claim): another stage's or config's run is never
overwritten, one run at a time (a killed run frees it), and links between runs survive a move."""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from configs import embed_tiny
from configs import pipeline_tiny
from experiments.training import chain as pipeline_lib
from experiments.training import loop as train_lib
from experiments.workdir import claim as workdirs
from experiments.workdir import config_io

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def snapshot(directory):
  """{relative path: bytes} of every file under directory but the lock (taken before the workdir's
  config is read)."""
  files = {}
  for root, _, names in os.walk(directory):
    for name in set(names) - {workdirs.LOCK_FILE}:
      path = os.path.join(root, name)
      with open(path, "rb") as f:
        files[os.path.relpath(path, directory)] = f.read()
  return files


@pytest.fixture
def phi_copy(trained, tmp_path):
  """(config, a copy of the trained tiny Φ workdir, its files) for a test to aim runs at."""
  config, workdir = trained
  copy = str(tmp_path / "phi")
  shutil.copytree(workdir, copy)
  return config, copy, snapshot(copy)


def test_a_run_of_another_stage_is_refused_before_anything_is_written(phi_copy, tiny_data_dir):
  _, workdir, before = phi_copy
  config = embed_tiny.get_config()
  config.data.data_dir = config.phi.data.data_dir = tiny_data_dir
  with pytest.raises(workdirs.WorkdirError, match=r"holds a 'spherical_cnn' training run; this run "
                                                  r"trains 'embed': refusing.*new --workdir"):
    train_lib.train_and_evaluate(config, workdir)
  assert snapshot(workdir) == before


def test_a_chain_aimed_at_a_stage_workdir_is_refused(phi_copy, tiny_data_dir):
  _, workdir, before = phi_copy
  config = pipeline_tiny.get_config()
  config.data.data_dir = tiny_data_dir
  with pytest.raises(workdirs.WorkdirError, match="holds a 'spherical_cnn' training run; this run "
                                                  "is a chain"):
    pipeline_lib.run_pipeline(config, workdir)
  assert snapshot(workdir) == before


def test_a_chain_checks_every_stage_folder_before_its_first_step(trained, tmp_path, tiny_data_dir):
  _, phi = trained
  workdir = str(tmp_path / "chain")
  shutil.copytree(phi, os.path.join(workdir, "spherical_cnn"))  # Φ of other data
  before = snapshot(workdir)
  config = pipeline_tiny.get_config()
  config.data.data_dir = tiny_data_dir
  with pytest.raises(workdirs.WorkdirError, match=r"spherical_cnn holds a spherical_cnn run with "
                                                  r"other settings \(data\.builder\.views_per_mesh"):
    pipeline_lib.run_pipeline(config, workdir)
  assert snapshot(workdir) == before


def test_a_stage_aimed_at_a_chain_is_refused(tiny_config, tmp_path):
  config_io.save_config(pipeline_tiny.get_config(), str(tmp_path))
  with pytest.raises(workdirs.WorkdirError, match=r"holds a chain \(experiments.pipeline\)"):
    train_lib.train_and_evaluate(tiny_config, str(tmp_path))


def test_a_changed_config_names_the_fields_and_more_steps_resume(phi_copy):
  config, workdir, before = phi_copy
  changed = config.copy_and_resolve_references()
  changed.seed = 7
  changed.model.block_features = (4, 16)
  with pytest.raises(workdirs.WorkdirError, match=r"model\.block_features: \(4, 8\) there, \(4, "
                                                  r"16\) now; seed: 0 there, 7 now"):
    train_lib.train_and_evaluate(changed, workdir)
  assert snapshot(workdir) == before
  longer = config.copy_and_resolve_references()
  longer.num_train_steps, longer.checkpoint_every_steps, longer.eval_batch_size = 8, 4, 4
  workdirs.check_compatible(longer, workdir)  # a user's "train it longer" is a resume


def test_a_second_run_is_refused_while_the_first_holds_the_workdir(tiny_config, tmp_path):
  with workdirs.lock(str(tmp_path)):
    with pytest.raises(workdirs.WorkdirError, match=rf"in use by another run \(pid {os.getpid()} "):
      train_lib.train_and_evaluate(tiny_config, str(tmp_path))
  assert not os.path.exists(tmp_path / config_io.CONFIG_FILE)


def test_a_killed_run_does_not_leave_the_workdir_locked(tmp_path):
  holder = subprocess.Popen(
      [sys.executable, "-c", "import sys, time; from experiments.workdir import claim as workdirs\n"
       "with workdirs.lock(sys.argv[1]):\n  print('locked', flush=True); time.sleep(120)",
       str(tmp_path)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
  try:
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(workdirs.WorkdirError, match=rf"pid {holder.pid} "):
      with workdirs.lock(str(tmp_path)):
        pass
  finally:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
  with workdirs.lock(str(tmp_path)):
    pass


def test_links_between_runs_are_stored_relative_and_survive_a_move(tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)
  os.makedirs("chain/spherical_cnn")
  os.makedirs("chain/embed")
  config = embed_tiny.get_config()
  config.phi_workdir = "chain/spherical_cnn"  # relative to the directory the run starts in
  config.data.data_dir = "tfds"
  config_io.save_config(config, "chain/embed")
  with open("chain/embed/config.json") as f:
    saved = json.load(f)
  assert saved["phi_workdir"] == "../spherical_cnn"
  assert saved["data"]["data_dir"] == str(tmp_path / "tfds")  # outside the workdir: absolute
  os.makedirs("elsewhere")
  shutil.move("chain", "elsewhere/moved")
  monkeypatch.chdir("/")
  loaded = config_io.load_config(str(tmp_path / "elsewhere/moved/embed"))
  assert loaded.phi_workdir == str(tmp_path / "elsewhere/moved/spherical_cnn")
  assert loaded.data.data_dir == str(tmp_path / "tfds")


def test_differences_of_a_saved_config():
  saved = {"seed": 0, "num_train_steps": 4, "data": {"builder": {"ranges": [[0.8, 1.25]]}}}
  same = {"seed": 0, "num_train_steps": 8, "data": {"builder": {"ranges": ((0.8, 1.25),)}},
          "mixup_alpha": 0.0}  # JSON's lists; more steps; a field added later, off
  assert workdirs.differences(saved, same) == []
  other = dict(same, mixup_alpha=0.4, embed={"num_train_steps": 2, "width": 8})
  assert [(field, repr(old), new) for field, old, new in workdirs.differences(saved, other)] == [
      ("embed.width", "not set", 8), ("mixup_alpha", "not set", 0.4)]
