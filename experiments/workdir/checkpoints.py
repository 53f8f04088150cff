"""orbax checkpoints of a training run: the train state (params, optimizer state, batch statistics,
step, RNG) and the data iterator's position, under workdir/checkpoints/<step>/."""

import os
import time

import orbax.checkpoint as ocp
from absl import logging

CHECKPOINT_DIR = "checkpoints"


def make_manager(workdir: str, keep: int, read_only: bool = False) -> ocp.CheckpointManager:
  """A manager keeping the last `keep` checkpoints; the caller decides when to save."""
  if keep < 1:
    raise ValueError(f"keep_checkpoints must be at least 1, got {keep}")
  directory = os.path.join(os.path.abspath(workdir), CHECKPOINT_DIR)
  if read_only and not os.path.isdir(directory):
    raise ValueError(f"{directory} does not exist: {workdir!r} holds no checkpoints")
  options = (ocp.CheckpointManagerOptions(read_only=True, create=False, save_interval_steps=0)
             if read_only else ocp.CheckpointManagerOptions(max_to_keep=keep, create=True))
  return ocp.CheckpointManager(directory, options=options)


def save(manager: ocp.CheckpointManager, step: int, state, data_state: dict) -> None:
  """Saves (asynchronously) the train state pytree and the JSON-able data position at `step`."""
  manager.save(step, args=ocp.args.Composite(
      state=ocp.args.StandardSave(state), data=ocp.args.JsonSave(data_state)))


class DamagedCheckpointError(ValueError):
  """A checkpoint's files cannot be read (truncated, emptied, missing)."""


DAMAGED_DIR = "damaged_checkpoints"  # where training sets aside the checkpoints it cannot read


def _restore_step(manager: ocp.CheckpointManager, step: int, args):
  """manager.restore(step), with any failure to read its files as a DamagedCheckpointError."""
  try:
    return manager.restore(step, args=args)
  except Exception as error:  # pylint: disable=broad-except
    # orbax and tensorstore report damaged files as JSONDecodeError, KeyError, ValueError
    # (OUT_OF_RANGE), FileNotFoundError...: whatever it is, this step cannot be restored.
    raise DamagedCheckpointError(
        f"the checkpoint at step {step} in {manager.directory} is damaged "
        f"({type(error).__name__}: {str(error)[:300]})") from error


def _set_aside(manager: ocp.CheckpointManager, step: int) -> str:
  """Moves a damaged step out of the checkpoints (kept for inspection) so that it can be rewritten."""
  aside = os.path.join(os.path.dirname(str(manager.directory)), DAMAGED_DIR,
                       f"{step}.{time.strftime('%Y%m%d-%H%M%S')}")
  os.makedirs(os.path.dirname(aside), exist_ok=True)
  os.replace(os.path.join(str(manager.directory), str(step)), aside)
  manager.reload()
  return aside


def restore(manager: ocp.CheckpointManager, target, set_aside: bool = True):
  """The newest checkpoint that can be read, as (train state, data position), or None if there is
  none. `target` is a train state (or its abstract shapes) giving structure and shardings.

  Newer damaged checkpoints are skipped with a warning that names them and why; with `set_aside`
  (the process that writes checkpoints) they are moved to <workdir>/damaged_checkpoints/.

  Raises:
    DamagedCheckpointError: there are checkpoints and none of them can be read.
  """
  args = ocp.args.Composite(state=ocp.args.StandardRestore(target), data=ocp.args.JsonRestore())
  steps = sorted(manager.all_steps(), reverse=True)
  for step in steps:
    try:
      restored = _restore_step(manager, step, args)
    except DamagedCheckpointError as error:
      where = f"; moved to {_set_aside(manager, step)}" if set_aside else ""
      logging.warning("%s: skipped, resuming from an earlier one%s", error, where)
      continue
    return restored.state, restored.data
  if steps:
    raise DamagedCheckpointError(
        f"none of the checkpoints {sorted(steps)} in {manager.directory} can be read (see the "
        f"warnings above; {DAMAGED_DIR}/ beside it keeps them): delete the workdir's checkpoints "
        f"and metrics.jsonl to start over")
  return None


def restore_variables(workdir: str, step: int | None = None) -> tuple:
  """The model variables of a checkpoint, with no optimizer or train state to rebuild.

  Args:
    workdir: a training workdir (written by experiments.train).
    step: the checkpoint step (default: the latest).

  Returns:
    (variables, step): variables {"params": ..., other collections such as "batch_stats"} as numpy
    arrays, ready for `model.apply`; step the checkpoint's step.

  Raises:
    ValueError: the workdir holds no checkpoint, or none for `step`.
    DamagedCheckpointError: the checkpoint cannot be read; the message names the newest intact
      step to pass instead.
  """
  manager = make_manager(workdir, 1, read_only=True)
  # Without a target orbax restores the saved tree as nested dicts of numpy arrays; only the
  # "state" item is read (the optimizer state comes along and is dropped here).
  args = ocp.args.Composite(state=ocp.args.StandardRestore())
  try:
    steps = sorted(manager.all_steps())
    step = (steps[-1] if steps else None) if step is None else step
    if step is None:
      raise ValueError(f"no checkpoint in {manager.directory}")
    if step not in steps:
      raise ValueError(f"no checkpoint for step {step} in {manager.directory}; have {steps}")
    try:
      restored = _restore_step(manager, step, args)
    except DamagedCheckpointError as error:
      raise DamagedCheckpointError(f"{error}. {_intact_hint(manager, steps, step, args)}") from None
  finally:
    manager.close()
  state = restored.state
  return {"params": state["params"], **state["model_state"]}, step


def _intact_hint(manager, steps, damaged: int, args) -> str:
  """What to do instead of loading a damaged step: the newest earlier step that can be read."""
  for step in reversed([s for s in steps if s < damaged]):
    try:
      _restore_step(manager, step, args)
    except DamagedCheckpointError:
      continue
    return (f"Step {step} is intact: pass step={step} (--step={step} to the binaries), or run the "
            f"training again to resume from it and rewrite the later steps")
  return "No earlier checkpoint is intact: train this workdir again from scratch"
