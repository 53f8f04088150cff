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
latest checkpoint (training/loop.py), so running the same command again after a kill loses at most
the steps since each stage's last checkpoint. Completeness is by the files a step writes last (a
training's final checkpoint, intact; templates.npz, pose_test.json, synthesis.json). Before the
first step, every training step's folder must be new or hold a run of its stage config (resumable
fields aside, workdir/claim.py): to redo a step after changing its config, delete its folder (and
those of the steps that read it). One chain at a time per workdir. The chain writes
<workdir>/config.json, <workdir>/chain.json (the seconds each step took) and, at the end,
<workdir>/summary.md.

The chain's ETA scales the measured durations of the default config (config.expected_seconds, from a
2-core CPU) by how fast this machine ran the steps done so far.
"""

import dataclasses
import json
import os
import time

import ml_collections
from absl import logging

from experiments.evaluation import pose
from experiments.evaluation import synthesis
from experiments.evaluation import templates
from experiments.stages import datasets
from experiments.stages import registry
from experiments.training import loop
from experiments.workdir import claim
from experiments.workdir import config_io
from experiments.workdir import metrics as metrics_lib
from experiments.workdir import templates_file

TRAINED = tuple(registry.STAGES)  # a step each, in the registry's (dependency) order
STEPS = ("dataset",) + TRAINED + ("templates", "evaluate_pose", "synthesize")
POSE_DIR = "pose"
SYNTHESIS_DIR = "synthesis"
TIMES_FILE = "chain.json"
SUMMARY_FILE = "summary.md"
SYNTHESIS_ROWS = (("rotated", "G(R·E(view)), the novel view"),
                  ("unrotated", "G(E(view)), not rotated (reference)"),
                  ("input_view", "the input view itself (reference)"),
                  ("reconstruction", "G(E(view)) against the view (reconstruction)"))


def stage_configs(config: ml_collections.ConfigDict, workdir: str) -> dict:
  """{step: (the stage's config, its workdir <workdir>/<step>)} of the training steps: every stage
  reads config.data, and a stage that depends on another (its `depends_on`, e.g. E on Φ, G on E)
  reads the chain's own."""
  configs = {}
  for name, stage_class in registry.STAGES.items():
    stage_config = config[name].copy_and_resolve_references()
    stage_config.unlock()
    stage_config.data = config.data.copy_and_resolve_references()
    dependency = stage_class.depends_on
    if dependency is not None:
      earlier_config, earlier_workdir = configs[dependency.stage]
      stage_config[dependency.workdir_field] = earlier_workdir
      stage_config[dependency.config_field] = earlier_config
    configs[name] = (stage_config, os.path.join(workdir, name))
  for stage_config, _ in configs.values():
    stage_config.lock()
  return configs


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


@dataclasses.dataclass
class _Step:
  """One step of the chain where it runs: its name, number ("3/8 embed") and what it reads."""
  name: str
  number: str
  config: ml_collections.ConfigDict
  workdir: str
  stage_configs: dict
  clock: _Clock


def pose_options(config, workdir: str) -> ml_collections.ConfigDict:
  """The pose evaluation's options (`pose.default_options`) from the chain's evaluation block,
  field by field (modes () for the data's own, 0 meshes for all), with the chain's baseline, output
  folder and dataset workers."""
  evaluation = config.evaluation
  options = pose.default_options()
  for name in set(evaluation) & set(options):
    options[name] = evaluation[name]
  options.modes = tuple(evaluation.modes) or (config.data.builder.get("rotation_mode", "3dof"),)
  options.max_meshes_per_category = evaluation.max_meshes_per_category or None
  options.output_dir = os.path.join(workdir, POSE_DIR)
  options.regression_workdir = os.path.join(workdir, "regression")
  options.num_workers = config.data.num_workers
  return options


def _file_in(*parts):
  """is_done of a step that is done once the file workdir/parts... exists."""
  return lambda step: os.path.exists(os.path.join(step.workdir, *parts))


def _train(step: _Step) -> None:
  stage_config, directory = step.stage_configs[step.name]
  suffix = lambda left: (f"  [{step.number}]  chain ETA "
                         f"{metrics_lib.format_duration(step.clock.remaining(step.name, left))}")
  loop.train_and_evaluate(stage_config, directory, progress_suffix=suffix)


def _trained(step: _Step) -> bool:
  return loop.is_complete(*step.stage_configs[step.name])


def _templates(step: _Step) -> None:
  templates.build(os.path.join(step.workdir, "embed"),
                  step.config.evaluation.template_meshes_per_category or None,
                  step.config.data.num_workers)


def _synthesize(step: _Step) -> None:
  options = step.config.synthesis
  synthesis.synthesize(os.path.join(step.workdir, "synth"), num_meshes=options.num_meshes,
                       error_meshes=options.error_meshes, steps=options.steps,
                       output_dir=os.path.join(step.workdir, SYNTHESIS_DIR))


# step → (is_done(step), run(step)); a trained stage's step is `_TRAINED_STEP`.
_TRAINED_STEP = (_trained, _train)
_STEPS = {
    "dataset": (lambda step: datasets.is_built(step.config.data),
                lambda step: datasets.build(step.config.data)),
    "templates": (_file_in("embed", templates_file.TEMPLATES_FILE), _templates),
    "evaluate_pose": (_file_in(POSE_DIR, "pose_test.json"),
                      lambda step: pose.evaluate(os.path.join(step.workdir, "embed"),
                                                 pose_options(step.config, step.workdir))),
    "synthesize": (_file_in(SYNTHESIS_DIR, synthesis.RESULTS_FILE), _synthesize),
}


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
    is_done, run = _STEPS.get(step, _TRAINED_STEP)
    if is_done(_Step(step, number, config, workdir, configs, clock)):
      logging.info("chain [%s]: complete, skipped", number)
      continue
    logging.info("chain [%s]: running (expected %s at this machine's pace; chain ETA %s)", number,
                 metrics_lib.format_duration(config.expected_seconds[step] * clock.speed()),
                 metrics_lib.format_duration(clock.remaining(step)))
    start = time.time()
    run(_Step(step, number, config, workdir, configs, clock))
    clock.record(step, time.time() - start)
    logging.info("chain [%s]: done in %s (chain elapsed %s)", number,
                 metrics_lib.format_duration(clock.seconds[step]),
                 metrics_lib.format_duration(time.time() - clock.start))
  return write_summary(workdir, clock.seconds)


def write_summary(workdir: str, seconds: dict) -> dict:
  """Writes <workdir>/summary.md (the pose table, the figures, the synthesis errors, the time of
  every step) and returns what it links."""
  with open(os.path.join(workdir, POSE_DIR, "pose_test.json")) as f:
    pose_summary = json.load(f)
  with open(os.path.join(workdir, SYNTHESIS_DIR, synthesis.RESULTS_FILE)) as f:
    synthesized = json.load(f)
  with open(os.path.join(workdir, POSE_DIR, "pose_test.md")) as f:
    table = f.read()
  relative = lambda path: os.path.relpath(path, workdir)
  figures = [("error CDFs", pose_summary["files"]["cdf"]),
             ("example alignments", pose_summary["files"]["examples"])]
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
  lines += ["", f"![example alignments]({relative(pose_summary['files']['examples'])})", ""]
  path = os.path.join(workdir, SUMMARY_FILE)
  with open(path, "w") as f:
    f.write("\n".join(lines))
  print(table, flush=True)
  print("\n".join(f"{name}: {p}" for name, p in figures + [("summary", path)]), flush=True)
  return {"seconds": seconds, "pose": pose_summary, "synthesis": synthesized, "summary": path}
