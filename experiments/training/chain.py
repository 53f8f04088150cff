"""`run_pipeline(config, workdir)`: the paper's whole chain in one workdir, resumable step by step.

Steps, in order (STEPS), each in its own sub-workdir:
  dataset        build the TFDS dataset of (view, spherical map) pairs every stage reads
  spherical_cnn  train Φ, the spherical CNN classifier           <workdir>/spherical_cnn
  embed          train E, views → Φ's feature maps               <workdir>/embed
  synth          train G, E's embeddings → views                 <workdir>/synth
  regression     train the pose-regression baseline              <workdir>/regression
  templates      Φ's category templates for absolute pose        <workdir>/embed/templates.npz
  evaluate_pose  the pose tables and figures, E beside the baseline  <workdir>/pose
  synthesize     novel-view strips, GIFs and errors              <workdir>/synthesis

A step whose output is complete is skipped; a training step that was interrupted resumes from its
latest checkpoint (experiments.training.loop), so running the same command again after a kill loses at
most the steps since each stage's last checkpoint. Completeness is by the files a step writes last
(a training's final checkpoint, intact; templates.npz, pose_test.json, synthesis.json). Before the
first step, every training step's folder must be new or hold a run of its stage config (resumable
fields aside, experiments.workdir.claim): to redo a step after changing its config, delete its folder (and
those of the steps that read it). One chain at a time per workdir. The chain writes
<workdir>/config.json, <workdir>/chain.json (the seconds each step took) and, at the end,
<workdir>/summary.md.

The chain's ETA scales the measured durations of the default config (config.expected_seconds, from a
2-core CPU) by how fast this machine ran the steps done so far.
"""

import json
import os
import time

import ml_collections
from absl import logging

from experiments.workdir import config_io
from experiments.workdir import metrics as metrics_lib
from experiments.evaluation import pose as pose_evaluation
from experiments.evaluation import synthesis
from experiments.evaluation import templates
from experiments.training import loop
from experiments.workdir import claim
from experiments.workdir import templates_file
from experiments.stages import datasets

STEPS = ("dataset", "spherical_cnn", "embed", "synth", "regression", "templates", "evaluate_pose",
         "synthesize")
TRAINED = ("spherical_cnn", "embed", "synth", "regression")
POSE_DIR = "pose"
SYNTHESIS_DIR = "synthesis"
TIMES_FILE = "chain.json"
SUMMARY_FILE = "summary.md"
SYNTHESIS_ROWS = (("rotated", "G(R·E(view)), the novel view"),
                  ("unrotated", "G(E(view)), not rotated (reference)"),
                  ("input_view", "the input view itself (reference)"),
                  ("reconstruction", "G(E(view)) against the view (reconstruction)"))


def stage_configs(config: ml_collections.ConfigDict, workdir: str) -> dict:
  """{step: (the stage's config, its workdir)} of the training steps: every stage reads config.data;
  E reads Φ from <workdir>/spherical_cnn and G reads E from <workdir>/embed."""
  def resolved(stage_config):
    copy = stage_config.copy_and_resolve_references()
    copy.unlock()
    copy.data = config.data.copy_and_resolve_references()
    return copy

  directory = {name: os.path.join(workdir, name) for name in TRAINED}
  phi, embed, synth, regression = (resolved(config[name]) for name in TRAINED)
  embed.phi_workdir = directory["spherical_cnn"]
  embed.phi = phi
  synth.embed_workdir = directory["embed"]
  synth.embed = embed
  for stage_config in (phi, embed, synth, regression):
    stage_config.lock()
  return {"spherical_cnn": (phi, directory["spherical_cnn"]), "embed": (embed, directory["embed"]),
          "synth": (synth, directory["synth"]), "regression": (regression, directory["regression"])}


def _check_config(config) -> None:
  missing = [name for name in TRAINED + ("data", "evaluation", "synthesis", "expected_seconds")
             if name not in config]
  if missing:
    raise ValueError(f"a pipeline config needs the fields {missing}; see configs/pipeline.py")
  steps = set(config.expected_seconds)
  if steps != set(STEPS):
    raise ValueError(f"config.expected_seconds must give every step {STEPS}, got {sorted(steps)}")


class _Clock:
  """Seconds per step (this run's and earlier runs' in chain.json) and the chain's ETA."""

  def __init__(self, workdir: str, expected: dict):
    self.path = os.path.join(workdir, TIMES_FILE)
    self.expected = dict(expected)
    self.seconds = {}
    if os.path.exists(self.path):
      with open(self.path) as f:
        self.seconds = json.load(f)
    self.measured, self.measured_expected = 0.0, 0.0  # this run's steps that did work
    self.start = time.time()

  def speed(self) -> float:
    """This machine's time per expected second, from the steps run so far (1 before any)."""
    if self.measured_expected < 30:  # too little to tell
      return 1.0
    return self.measured / self.measured_expected

  def remaining(self, step: str, step_remaining: float | None = None) -> float:
    """Seconds left in the chain, `step` included (its own estimate when given)."""
    later = STEPS[STEPS.index(step) + 1:]
    own = step_remaining if step_remaining is not None else self.expected[step] * self.speed()
    return own + sum(self.expected[s] for s in later if s not in self.seconds) * self.speed()

  def record(self, step: str, seconds: float) -> None:
    self.seconds[step] = seconds
    self.measured += seconds
    self.measured_expected += self.expected[step]
    with open(self.path + ".tmp", "w") as f:
      json.dump(self.seconds, f, indent=1)
    os.replace(self.path + ".tmp", self.path)


def _is_done(step: str, config, workdir: str, stage_configs_: dict) -> bool:
  if step == "dataset":
    return datasets.is_built(config.data)
  if step in TRAINED:
    stage_config, directory = stage_configs_[step]
    return loop.is_complete(stage_config, directory)
  if step == "templates":
    return os.path.exists(os.path.join(workdir, "embed", templates_file.TEMPLATES_FILE))
  if step == "evaluate_pose":
    return os.path.exists(os.path.join(workdir, POSE_DIR, "pose_test.json"))
  return os.path.exists(os.path.join(workdir, SYNTHESIS_DIR, synthesis.RESULTS_FILE))


def _run_step(step: str, config, workdir: str, stage_configs_: dict, clock: _Clock, number: str):
  evaluation, synthesis_options = config.evaluation, config.synthesis
  if step == "dataset":
    datasets.build(config.data)
  elif step in TRAINED:
    stage_config, directory = stage_configs_[step]
    suffix = lambda left: (f"  [{number}]  chain ETA "
                           f"{metrics_lib.format_duration(clock.remaining(step, left))}")
    loop.train_and_evaluate(stage_config, directory, progress_suffix=suffix)
  elif step == "templates":
    templates.build(os.path.join(workdir, "embed"),
                        evaluation.template_meshes_per_category or None, config.data.num_workers)
  elif step == "evaluate_pose":
    pose_evaluation.evaluate(
        os.path.join(workdir, "embed"), output_dir=os.path.join(workdir, POSE_DIR),
        modes=tuple(evaluation.modes) or (config.data.builder.get("rotation_mode", "3dof"),),
        pairs_per_mesh=evaluation.pairs_per_mesh,
        max_meshes_per_category=evaluation.max_meshes_per_category or None,
        fold_symmetry=evaluation.fold_symmetry, seed=evaluation.seed,
        num_workers=config.data.num_workers,
        regression_workdir=os.path.join(workdir, "regression"))
  else:
    synthesis.synthesize(
        os.path.join(workdir, "synth"), num_meshes=synthesis_options.num_meshes,
        error_meshes=synthesis_options.error_meshes, steps=synthesis_options.steps,
        output_dir=os.path.join(workdir, SYNTHESIS_DIR))


def run_pipeline(config: ml_collections.ConfigDict, workdir: str) -> dict:
  """Runs every step of STEPS that is not complete in `workdir`, then writes summary.md.

  Args:
    config: a pipeline config (configs/pipeline.py): data (shared by every stage), spherical_cnn,
      embed, synth and regression (stage configs), evaluation, synthesis, expected_seconds.
    workdir: the chain's directory (created if needed); see the module docstring for its layout.

  Returns:
    {"seconds": {step: seconds}, "pose": evaluate_pose's summary, "synthesis": synthesize's
     results, "summary": the path of summary.md}.

  Raises:
    ValueError: a bad field of any stage's config (named as config.<stage>.<field>), before the
      first step.
    claim.WorkdirError: another run is using `workdir`, it holds a stage's run, or one of its
      stage folders holds a run of another config (nothing is written).
  """
  _check_config(config)
  configs = stage_configs(config, workdir)
  for step, (stage_config, _) in configs.items():  # all of them before the first step runs
    loop.check_config(stage_config, f"config.{step}")
  with claim.claim(config, workdir):
    for stage_config, directory in configs.values():  # every stage's folder, before any step
      claim.check_compatible(stage_config, directory)
    return _run_steps(config, workdir, configs)


def _run_steps(config, workdir: str, configs: dict) -> dict:
  """run_pipeline once the workdir is claimed and the stage configs checked."""
  config_io.save_config(config, workdir)
  clock = _Clock(workdir, config.expected_seconds)
  for index, step in enumerate(STEPS):
    number = f"{index + 1}/{len(STEPS)} {step}"
    if _is_done(step, config, workdir, configs):
      logging.info("chain [%s]: complete, skipped", number)
      continue
    logging.info("chain [%s]: running (expected %s at this machine's pace; chain ETA %s)", number,
                 metrics_lib.format_duration(config.expected_seconds[step] * clock.speed()),
                 metrics_lib.format_duration(clock.remaining(step)))
    start = time.time()
    _run_step(step, config, workdir, configs, clock, number)
    clock.record(step, time.time() - start)
    logging.info("chain [%s]: done in %s (chain elapsed %s)", number,
                 metrics_lib.format_duration(clock.seconds[step]),
                 metrics_lib.format_duration(time.time() - clock.start))
  return write_summary(workdir, clock.seconds)


def write_summary(workdir: str, seconds: dict) -> dict:
  """Writes <workdir>/summary.md (the pose table, the figures, the synthesis errors, the time of
  every step) and returns what it links."""
  with open(os.path.join(workdir, POSE_DIR, "pose_test.json")) as f:
    pose = json.load(f)
  with open(os.path.join(workdir, SYNTHESIS_DIR, synthesis.RESULTS_FILE)) as f:
    synthesized = json.load(f)
  with open(os.path.join(workdir, POSE_DIR, "pose_test.md")) as f:
    table = f.read()
  relative = lambda path: os.path.relpath(path, workdir)
  figures = [("error CDFs", pose["files"]["cdf"]),
             ("example alignments", pose["files"]["examples"])]
  figures += [(os.path.basename(path), path) for path in synthesized["files"]]
  total = metrics_lib.format_duration(sum(seconds.values()))
  lines = [f"# The chain in {os.path.abspath(workdir)}", "",
           "Steps and their time on this machine: " + ", ".join(
               f"{step} {metrics_lib.format_duration(seconds[step])}" for step in STEPS
               if step in seconds) + f" (total {total}).",
           "", table.strip(), "", "## Novel views: errors against the render of R·M", ""]
  errors = synthesized["errors"]
  lines += [f"On {errors['count']} (view, rotation) pairs of held-out meshes:", ""]
  lines += [f"- {label}: L1 {errors[key]['l1']:.3f}, PSNR {errors[key]['psnr']:.1f} dB"
            for key, label in SYNTHESIS_ROWS]
  lines += ["", "## Figures", ""]
  lines += [f"- {name}: [{relative(path)}]({relative(path)})" for name, path in figures]
  lines += ["", f"![example alignments]({relative(pose['files']['examples'])})", ""]
  path = os.path.join(workdir, SUMMARY_FILE)
  with open(path, "w") as f:
    f.write("\n".join(lines))
  print(table, flush=True)
  print("\n".join(f"{name}: {p}" for name, p in figures + [("summary", path)]), flush=True)
  return {"seconds": seconds, "pose": pose, "synthesis": synthesized, "summary": path}
