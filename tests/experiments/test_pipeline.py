"""The whole chain (experiments.pipeline) at tiny sizes, killed once and resumed, and the README's
snippet for calling the trained model from JAX code, run against the chain's E."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from configs import pipeline_tiny
from experiments import export
from experiments.evaluation import synthesis
from experiments.training import chain as pipeline_lib
from experiments.workdir import config_io
from tests import readme

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pipeline_command(workdir, data_dir):
  return [sys.executable, "-m", "experiments.pipeline", "--config=configs/pipeline_tiny.py",
          f"--workdir={workdir}", f"--config.data.data_dir={data_dir}"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory, tiny_data_dir, binary_env):
  """(workdir, log of the first run, log of the resumed run): the tiny chain, SIGKILLed as soon as
  E's first checkpoint (step 2 of 4) is written, then run again to the end."""
  workdir = str(tmp_path_factory.mktemp("chain"))
  first_checkpoint = os.path.join(workdir, "embed", "checkpoints", "2")
  with open(os.path.join(workdir, "first.log"), "w") as log:
    process = subprocess.Popen(pipeline_command(workdir, tiny_data_dir), cwd=REPO_ROOT,
                               env=binary_env(), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    while not os.path.isdir(first_checkpoint) and process.poll() is None:
      assert time.time() < deadline, "E's first checkpoint never appeared"
      time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
  with open(os.path.join(workdir, "first.log")) as f:
    first = f.read()
  assert process.returncode == -signal.SIGKILL, first[-3000:]
  result = subprocess.run(pipeline_command(workdir, tiny_data_dir), cwd=REPO_ROOT, env=binary_env(),
                          capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[:3000] + "\n...\n" + result.stderr[-3000:]
  return workdir, first, result.stderr + result.stdout


def test_resumed_chain_skips_finished_steps_and_resumes_the_interrupted_one(chain):
  workdir, first, second = chain
  assert "chain [2/8 spherical_cnn]: running" in first and "chain [3/8 embed]: running" in first
  assert "chain [4/8 synth]" not in first  # killed inside E's training
  for step in ("dataset", "spherical_cnn"):
    assert re.search(rf"chain \[\d/8 {step}\]: complete, skipped", second), step
  # E continues from its checkpoint at step 2: only steps 3 and 4 are trained again.
  assert "resumed from the checkpoint at step 2" in second
  embed_records = [json.loads(line) for line in open(os.path.join(workdir, "embed",
                                                                   "metrics.jsonl"))]
  assert [r["step"] for r in embed_records if r["split"] == "train"] == [1, 2, 3, 4]
  for step in ("synth", "regression", "templates", "evaluate_pose", "synthesize"):
    assert re.search(rf"chain \[\d/8 {step}\]: done in", second), step
  # Every progress line of a training stage carries the chain's ETA.
  assert "chain ETA" in second
  with open(os.path.join(workdir, pipeline_lib.TIMES_FILE)) as f:
    timed = set(json.load(f))  # the steps that ran (the session's tiny dataset may be built already)
  assert set(pipeline_lib.STEPS) - {"dataset"} <= timed


def test_chain_writes_every_promised_artefact(chain):
  workdir, _, second = chain
  expected = ["config.json", "chain.json", "summary.md", "embed/templates.npz",
              "pose/pose_test.md", "pose/pose_test.csv", "pose/pose_test.json", "pose/pose_cdf.png",
              "pose/pose_examples.png", "synthesis/synthesis.json"]
  expected += [f"{stage}/checkpoints/4" for stage in pipeline_lib.TRAINED]
  for path in expected:
    assert os.path.exists(os.path.join(workdir, path)), path
  with open(os.path.join(workdir, "synthesis", "synthesis.json")) as f:
    synthesized = json.load(f)
  assert len(synthesized["files"]) == 6  # one test shape × 3 paths × (PNG, GIF)
  for path in synthesized["files"] + [os.path.join(workdir, "pose", "pose_cdf.png")]:
    assert os.path.exists(path)
  with open(os.path.join(workdir, "pose", "pose_cdf.png"), "rb") as f:
    assert f.read(8) == PNG_SIGNATURE
  with open(os.path.join(workdir, "summary.md")) as f:
    summary = f.read()
  # summary.md links the figures relative to the workdir, and they are there.
  for link in re.findall(r"\]\(([^)]+)\)", summary):
    assert os.path.exists(os.path.join(workdir, link)), link
  assert "## IB, 3DOF" in second and "summary:" in second  # the table and paths on the console


def test_pose_table_has_every_row(chain):
  workdir, _, _ = chain
  with open(os.path.join(workdir, "pose", "pose_test.json")) as f:
    rows = json.load(f)["rows"]
  present = {(r["task"], r["method"]) for r in rows if r["category"] == "all"}
  relative = ["E", "E, grid argmax", "random rotation (reference)"]
  expected = {(task, method) for task in ("IB", "CB", "I2M") for method in relative}
  expected |= {(task, method) for task in ("IB", "CB")
               for method in ("oracle Φ(map)", "regression baseline")}
  expected |= {("absolute", method) for method in (
      "E + template", "regression baseline", "random rotation (reference)")}
  assert expected <= present, expected - present
  assert all(np.isfinite(r["median"]) and r["count"] > 0 for r in rows
             if r["category"] == "all")


def test_readme_snippet_runs_under_jit_and_vmap(chain):
  workdir, _, _ = chain
  namespace = {}
  code = readme.snippet("relative_pose").replace("workdirs/chain", workdir)
  exec(code, namespace)  # pylint: disable=exec-used
  assert namespace["rotation"].shape == (3, 3) and namespace["confidence"].shape == ()
  assert namespace["rotations"].shape == (4, 3, 3)
  assert namespace["errors"].shape == (4,) and np.all(np.isfinite(namespace["errors"]))
  # The caller's jit(vmap(...)) computes what the batched call does.
  np.testing.assert_allclose(namespace["rotations_in_my_code"], namespace["rotations"], atol=1e-4)


@pytest.mark.parametrize("field,value", [("embed.batch_size", -4), ("regression.num_train_steps", 0)])
def test_a_bad_stage_field_stops_the_chain_before_its_first_step(tmp_path, tiny_data_dir, field,
                                                                 value):
  # It failed after Φ (and E and G) had trained, naming config.batch_size without the stage.
  config = pipeline_tiny.get_config()
  config.data.data_dir = tiny_data_dir
  stage, name = field.split(".")
  config[stage][name] = value
  with pytest.raises(ValueError, match=rf"config\.{field} must be a positive integer, got {value}"):
    pipeline_lib.run_pipeline(config, str(tmp_path / "chain"))
  assert not os.path.exists(tmp_path / "chain")


def test_a_copied_chain_loads_from_any_directory(chain, tmp_path, monkeypatch):
  workdir, _, _ = chain
  copy = str(tmp_path / "copied")
  shutil.copytree(workdir, copy)
  monkeypatch.chdir("/")
  # The copy's stages read each other, not the original's.
  assert config_io.load_config(os.path.join(copy, "embed")).phi_workdir == os.path.join(
      copy, "spherical_cnn")
  assert config_io.load_config(os.path.join(copy, "synth")).embed_workdir == os.path.join(
      copy, "embed")
  align = export.load_image_to_mesh(os.path.join(copy, "embed"))
  rotation, _ = align(np.zeros((8, 8), np.float32), np.zeros((16, 16, 1), np.float32))
  assert rotation.shape == (3, 3)
  synthesis.synthesize(os.path.join(copy, "synth"), num_meshes=0, error_meshes=0,
                       output_dir=str(tmp_path / "synthesis"))


def test_loaders_explain_bad_requests(chain):
  workdir, _, _ = chain
  with pytest.raises(ValueError, match=rf"{re.escape(workdir)} holds the config of a chain .*: pass "
                                       rf"one of its stage folders, e\.g\. {re.escape(workdir)}/embed"):
    export.load_relative_pose(workdir)
  relative_pose = export.load_relative_pose(os.path.join(workdir, "embed"))
  views = np.random.default_rng(0).uniform(size=(2, 8, 8)).astype(np.float32)
  rotation, confidence = relative_pose(views[0].tolist(), views[1].tolist())  # lists, as arrays
  want_rotation, want_confidence = relative_pose(views[0], views[1])
  np.testing.assert_allclose(rotation, want_rotation, atol=1e-5)
  np.testing.assert_allclose(confidence, want_confidence, atol=1e-5)
  everything = export.load_relative_pose(os.path.join(workdir, "embed"), top_k=32768)
  with pytest.raises(ValueError, match=r"k = 32768 hypotheses exceed the 256 distinct local maxima"):
    everything(views[0], views[1])
