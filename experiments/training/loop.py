"""`train_and_evaluate(config, workdir)`: the training loop shared by every stage.

What it does, for the stage named by `config.stage` (experiments/stages):
- data parallel over every device of every process: a 1D mesh, batches sharded along it, parameters
  and optimizer state replicated (`jax.distributed.initialize()` first when `config.multihost`;
  each process loads its own shard of every batch; process 0 builds a missing dataset first and
  alone writes metrics, plots and config);
- optax Adam with the configured schedule;
- one run at a time per workdir, which must be new or hold a run of the same config (longer or
  with other log/checkpoint/eval intervals allowed): workdir/claim.py, checked before anything
  is written;
- orbax checkpoints every `checkpoint_every_steps` (and at the end), the last `keep_checkpoints` kept;
  a run restarted in the same workdir resumes from the latest one (params, optimizer state, batch
  statistics, step, RNG and data position) and ends exactly where an uninterrupted run would; a
  damaged checkpoint is skipped (named in a warning, moved to damaged_checkpoints/) for the newest
  intact one;
- evaluation on `data.eval_split` every `eval_every_steps` (and at the end), and on `data.test_split`
  (if set) once, after the last step;
- progress lines (step, loss, accuracy, steps/s, ETA), metrics.jsonl, curves.png, config.json;
- a non-finite loss or gradient stops the run with `NonFiniteLossError` before it is checkpointed.

Workdir layout: config.json, metrics.jsonl, curves.png, events.out.tfevents.* (TensorBoard: the
metrics and evaluation images), checkpoints/<step>/, .lock (held while a run is on).
"""

import logging as py_logging
import os
import time
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging
from jax.experimental import multihost_utils

import data_pipelines
from experiments.stages import registry
from experiments.training import batches
from experiments.training import parallel
from experiments.training import prefetch
from experiments.training import state as train_state_lib
from experiments.training.state import TrainState
from experiments.workdir import checkpoints
from experiments.workdir import claim
from experiments.workdir import config_io
from experiments.workdir import metrics as metrics_lib


class _QuietLibraries(py_logging.Filter):
  """Drops INFO lines of orbax (dozens per checkpoint), keeping warnings and errors."""

  def filter(self, record):
    return record.levelno >= py_logging.WARNING or "/orbax/" not in record.pathname


def quiet_library_logs() -> None:
  """Keeps the binaries' console to progress lines: orbax's INFO lines are dropped."""
  logging.get_absl_handler().addFilter(_QuietLibraries())


class NonFiniteLossError(RuntimeError):
  """Training produced a NaN or infinite loss or gradient; the run stopped without saving it."""


def make_train_step(stage, tx, schedule):
  """train_step(state, batch) -> (state, metrics of this step's batch: loss, accuracy..., grad_norm,
  learning_rate), all float32 scalars."""

  def train_step(state: TrainState, batch: dict):
    rng = jax.random.fold_in(state.rng, state.step)

    def loss_fn(params):
      losses, per_example, model_state = stage.per_example_losses(
          {"params": params, **state.model_state}, batch, rng, train=True, step=state.step)
      return losses.mean(), (per_example, model_state)

    (loss, (per_example, model_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
        state.params)
    updates, opt_state = tx.update(grads, state.opt_state, state.params)
    metrics = {"loss": loss, **{name: value.mean() for name, value in per_example.items()},
               "grad_norm": optax.tree.norm(grads), "learning_rate": schedule(state.step)}
    new_state = state.replace(step=state.step + 1, params=optax.apply_updates(state.params, updates),
                              opt_state=opt_state, model_state={**state.model_state, **model_state})
    return new_state, metrics

  return train_step


def make_eval_step(stage):
  """eval_step(state, batch with "mask") -> sums over the unmasked examples of the loss and each
  metric, and "num_examples"."""

  def eval_step(state: TrainState, batch: dict):
    losses, per_example, _ = stage.per_example_losses(
        {"params": state.params, **state.model_state}, batch, None, train=False, step=state.step)
    mask = batch["mask"]
    sums = {name: jnp.sum(value * mask) for name, value in {"loss": losses, **per_example}.items()}
    sums["num_examples"] = jnp.sum(mask)
    return sums

  return eval_step


def check_config(config, name: str = "config") -> None:
  """Raises ValueError naming the first bad step count, batch size, seed or optimizer field, as
  `name`.<field> (a chain names its stage: config.embed.batch_size)."""
  for field in ("num_train_steps", "batch_size", "eval_batch_size", "log_every_steps",
                "checkpoint_every_steps", "keep_checkpoints"):
    value = config[field]
    if not _is_number(value, int) or value < 1:
      raise ValueError(f"{name}.{field} must be a positive integer, got {value!r}")
  if not _is_number(config.eval_every_steps, int) or config.eval_every_steps < 0:
    raise ValueError(f"{name}.eval_every_steps must be an integer >= 0 (0: only at the end), got "
                     f"{config.eval_every_steps!r}")
  if not _is_number(config.seed, int) or config.seed < 0:
    raise ValueError(f"{name}.seed must be an integer >= 0, got {config.seed!r}")
  optimizer = config.optimizer
  rate = optimizer.learning_rate
  if not _is_number(rate) or not 0 < rate < float("inf"):
    raise ValueError(f"{name}.optimizer.learning_rate must be a finite number > 0, got {rate!r}")
  for field in ("weight_decay", "grad_clip_norm"):
    value = optimizer.get(field, 0.0)
    if not _is_number(value) or not 0 <= value < float("inf"):
      raise ValueError(f"{name}.optimizer.{field} must be a finite number >= 0 (0: off), got "
                       f"{value!r}")
  dropout = config.get("model", {}).get("dropout_rate", 0.0)
  if not _is_number(dropout) or not 0 <= dropout < 1:
    raise ValueError(f"{name}.model.dropout_rate must be in [0, 1), got {dropout!r}")


def _is_number(value, types=(int, float)) -> bool:
  """Whether a config value is of `types` and not a bool (which Python counts as an int)."""
  return isinstance(value, types) and not isinstance(value, bool)


class _Progress:
  """Accumulates per-step metrics on the device, and turns them into records at log points.

  Fetching metrics is the only host-device synchronisation of the loop; it happens at log and
  checkpoint steps, where every pending step's loss and gradient norm are checked for finiteness.
  """

  def __init__(self, num_steps: int, writer: metrics_lib.MetricsWriter, suffix=None):
    self.num_steps = num_steps
    self.writer = writer
    self.suffix = suffix
    self.pending = []  # (step, device metrics)
    self.mark_time, self.mark_step = None, None

  def start_clock(self, step: int) -> None:
    """Rates are measured from here (after compilation, or after an evaluation)."""
    self.mark_time, self.mark_step = time.time(), step

  def add(self, step: int, step_metrics: dict) -> None:
    self.pending.append((step, step_metrics))

  def flush(self, step: int, checkpoint_note: str) -> None:
    """Checks and logs the pending steps as one record at `step`."""
    if not self.pending:
      return
    fetched = jax.device_get([m for _, m in self.pending])
    for (pending_step, _), values in zip(self.pending, fetched):
      bad = {k: float(v) for k, v in values.items() if not np.isfinite(v)}
      if bad:
        raise NonFiniteLossError(
            f"non-finite {', '.join(f'{k} = {v}' for k, v in bad.items())} at step {pending_step}; "
            f"training stopped without saving this state. {checkpoint_note}")
    record = {"step": step, "split": "train"}
    record.update({k: float(np.mean([v[k] for v in fetched])) for k in fetched[0]})
    record["learning_rate"] = float(fetched[-1]["learning_rate"])
    now = time.time()
    if self.mark_step is not None and step > self.mark_step:
      record["steps_per_sec"] = (step - self.mark_step) / (now - self.mark_time)
      self.start_clock(step)
    self.pending = []
    self.writer.write(record)
    line = metrics_lib.progress_line(step, self.num_steps, record)
    if self.suffix is not None and record.get("steps_per_sec"):
      line += self.suffix((self.num_steps - step) / record["steps_per_sec"])
    logging.info("%s", line)


def evaluate(eval_step, state, source, keys, batch_size: int, mesh) -> dict:
  """Mean loss and metrics over all of `source`, plus num_examples."""
  totals = None
  for local_batch in batches.evaluation_batches(
      source, batch_size, keys, process_index=jax.process_index(),
      process_count=jax.process_count()):
    sums = eval_step(state, parallel.to_global(local_batch, mesh))
    totals = sums if totals is None else jax.tree.map(jnp.add, totals, sums)
  totals = jax.device_get(totals)
  count = float(totals.pop("num_examples"))
  return {"num_examples": int(count), **{k: float(v) / count for k, v in totals.items()}}


def _run_evaluation(eval_step, state, step, sources, stage, config, mesh, writer=None,
                    roles=("eval",)) -> dict:
  """Evaluates on each role's split, logs, and appends the records to `writer` (if given).

  Returns the "eval" metrics, with the "test" metrics under "test" when that role is evaluated.
  """
  results = {}
  for role in roles:
    start = time.time()
    metrics = evaluate(eval_step, state, sources[role], stage.batch_keys, config.eval_batch_size,
                       mesh)
    if role == "eval":
      variables = jax.device_get({"params": state.params, **state.model_state})
      metrics.update(stage.evaluation_metrics(variables))
      if writer is not None and writer.enabled and hasattr(stage, "evaluation_images"):
        writer.write_images(step, stage.evaluation_images(variables))
    if writer is not None:
      writer.write({"step": step, "split": role, **metrics})
    logging.info("step %d: %s on %s/%s (%d examples, %.1f s): %s", step, role, config.data.name,
                 config.data[f"{role}_split"], metrics["num_examples"], time.time() - start,
                 "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if k != "num_examples"))
    if role == "eval":
      results.update(metrics)
    else:
      results[role] = metrics
  return results


def _open_datasets(stage) -> dict:
  """The stage's datasets; with several processes, process 0 first builds them (if needed) while
  the others wait, so that hosts sharing a data_dir do not build the same dataset at once."""
  if jax.process_count() == 1:
    return stage.open_datasets()
  if jax.process_index() == 0:
    sources = stage.open_datasets()
  multihost_utils.sync_global_devices("datasets built")
  return sources if jax.process_index() == 0 else stage.open_datasets()


def is_complete(config, workdir: str) -> bool:
  """Whether `workdir` holds the final checkpoint (step config.num_train_steps) of a run, intact (a
  damaged one is logged: training the workdir again resumes from the newest intact checkpoint)."""
  directory = os.path.join(workdir, checkpoints.CHECKPOINT_DIR)
  if not os.path.isdir(directory):
    return False
  manager = checkpoints.make_manager(workdir, 1, read_only=True)
  try:
    if manager.latest_step() != config.num_train_steps:
      return False
  finally:
    manager.close()
  try:
    checkpoints.restore_variables(workdir, config.num_train_steps)
  except checkpoints.DamagedCheckpointError as error:
    logging.warning("%s: training resumes from an intact one", error)
    return False
  return True


def _train_prerequisites(stage) -> None:
  """Trains the stages this one depends on (each resumed, or skipped when complete)."""
  for config, workdir in stage.prerequisites():
    if is_complete(config, workdir):
      logging.info("%s: using the %s model in %s", stage.config.stage, config.stage, workdir)
      continue
    logging.info("%s needs a trained %s model and none is named in its config: training it first "
                 "in %s (%d steps)", stage.config.stage, config.stage, workdir,
                 config.num_train_steps)
    train_and_evaluate(config, workdir)
    logging.info("%s model ready in %s; now training %s", config.stage, workdir,
                 stage.config.stage)


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str,
                       progress_suffix=None) -> dict:
  """Trains the stage `config.stage` in `workdir` (resuming from its latest checkpoint, if any).

  Args:
    config: a config as in configs/ (stage, data, model, optimizer, batch sizes, step counts...).
    workdir: output directory (created if needed); see the module docstring for its layout.
    progress_suffix: a function of the stage's remaining seconds returning text appended to each
      progress line (the pipeline's ETA of the whole chain), or None.

  Returns:
    The final evaluation metrics on config.data.eval_split, e.g. {"loss": ..., "accuracy": ...,
    "num_examples": ...}, plus "test": the same on config.data.test_split when one is configured.

  Raises:
    NonFiniteLossError: a loss or gradient was NaN/inf; the latest checkpoint is the last good state.
    claim.WorkdirError: another run is using `workdir`, or it holds a run of another stage or
      config (nothing is written).
    ValueError: an invalid config or dataset.
  """
  check_config(config)
  if config.multihost and not jax.distributed.is_initialized():
    jax.distributed.initialize()
  # Before anything is written (the prerequisites' subfolders included): this run alone, and the
  # workdir new or holding this run.
  with claim.claim(config, workdir, holds_lock=jax.process_index() == 0):
    return _train(config, workdir, progress_suffix)


def _train(config, workdir: str, progress_suffix) -> dict:
  """train_and_evaluate once the workdir is claimed."""
  stage = registry.make_stage(config, workdir)
  _train_prerequisites(stage)
  is_main = jax.process_index() == 0
  if is_main:
    config_io.save_config(config, workdir)
  mesh = parallel.batch_mesh()
  parallel.local_batch_size(config.eval_batch_size, mesh)  # validates divisibility early
  sources = _open_datasets(stage)
  train_batches = data_pipelines.BatchIterator(
      sources["train"], parallel.local_batch_size(config.batch_size, mesh), seed=config.seed,
      process_index=jax.process_index(), process_count=jax.process_count())
  logging.info("%s: %d train / %d eval examples, %d device(s) in %d process(es), global batch %d",
               config.stage, len(sources["train"]), len(sources["eval"]), mesh.devices.size,
               jax.process_count(), config.batch_size)

  tx, schedule = train_state_lib.make_optimizer(config)
  replicated = parallel.replicated(mesh)
  state = train_state_lib.init_train_state(stage, tx, config.seed, replicated)
  logging.info("%d parameters", sum(x.size for x in jax.tree.leaves(state.params)))
  manager = checkpoints.make_manager(workdir, config.keep_checkpoints)
  writer = metrics_lib.MetricsWriter(workdir, enabled=is_main)
  state = _resume(manager, state, train_batches, writer, set_aside=is_main)
  train_batches = prefetch.Prefetcher(train_batches)  # loads the next batches during each step

  train_step = jax.jit(make_train_step(stage, tx, schedule),
                       in_shardings=(replicated, parallel.batch_sharded(mesh)),
                       out_shardings=(replicated, replicated), donate_argnums=0)
  eval_step = jax.jit(make_eval_step(stage), out_shardings=replicated)
  # The test split (if configured) is evaluated once, after the last step: never used for choices.
  final_roles = ("eval", "test") if "test" in sources else ("eval",)
  progress = _Progress(config.num_train_steps, writer, progress_suffix)
  step = int(state.step)
  first_step = step + 1
  results = None
  start = time.time()
  try:
    while step < config.num_train_steps:
      batch = parallel.to_global(batches.select(next(train_batches), stage.batch_keys), mesh)
      state, step_metrics = train_step(state, batch)
      step += 1
      progress.add(step, step_metrics)
      if step == first_step:
        jax.block_until_ready(state)
        logging.info("step %d (includes compilation) took %.1f s", step,
                     time.time() - start)
        progress.start_clock(step)
      is_checkpoint_step = (step % config.checkpoint_every_steps == 0
                            or step == config.num_train_steps)
      if step % config.log_every_steps == 0 or is_checkpoint_step:
        latest = manager.latest_step()
        progress.flush(step, f"The last good checkpoint is step {latest} in {manager.directory}."
                       if latest is not None else "No checkpoint had been saved yet.")
      # Evaluate before saving: a run killed in between resumes from the previous checkpoint and
      # redoes both, so metrics.jsonl never lacks the evaluation of a checkpointed step.
      if step == config.num_train_steps or (
          config.eval_every_steps and step % config.eval_every_steps == 0):
        roles = final_roles if step == config.num_train_steps else ("eval",)
        results = _run_evaluation(eval_step, state, step, sources, stage, config, mesh, writer, roles)
        progress.start_clock(step)
      if is_checkpoint_step:
        checkpoints.save(manager, step, state, train_batches.get_state())
  finally:
    train_batches.close()
    manager.wait_until_finished()
    manager.close()
    writer.close()
  if results is None:  # resumed at the last step: its evaluation is already in metrics.jsonl
    results = _run_evaluation(eval_step, state, step, sources, stage, config, mesh,
                              roles=final_roles)
  if is_main:
    _plot_curves(config, workdir)
  return results


def _resume(manager, state, train_batches, writer, set_aside: bool):
  """The state of the latest intact checkpoint (the batches and metrics moved to it), or `state`
  when there is none."""
  restored = checkpoints.restore(manager, state, set_aside=set_aside)
  if restored is None:
    return state
  state, data_position = restored
  train_batches.set_state(data_position)
  writer.drop_after(int(state.step))
  logging.info("resumed from the checkpoint at step %d in %s", int(state.step), manager.directory)
  return state


def _plot_curves(config, workdir: str) -> None:
  """Writes workdir/curves.png from metrics.jsonl."""
  metrics_lib.plot_metrics(metrics_lib.read_metrics(workdir),
                           os.path.join(workdir, metrics_lib.PLOT_FILE),
                           title=f"{config.stage}: {os.path.basename(os.path.abspath(workdir))}")
