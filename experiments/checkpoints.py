"""orbax checkpoints of a training run: the train state (params, optimizer state, batch statistics,
step, RNG) and the data iterator's position, under workdir/checkpoints/<step>/."""

import os

import orbax.checkpoint as ocp

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


def restore(manager: ocp.CheckpointManager, target, step: int | None = None):
  """The checkpoint at `step` (default: the latest) as (train state, data position), or None if
  there is none. `target` is a train state (or its abstract shapes) giving structure and shardings."""
  step = manager.latest_step() if step is None else step
  if step is None:
    return None
  if step not in manager.all_steps():
    raise ValueError(f"no checkpoint for step {step} in {manager.directory}; "
                     f"have {sorted(manager.all_steps())}")
  restored = manager.restore(step, args=ocp.args.Composite(
      state=ocp.args.StandardRestore(target), data=ocp.args.JsonRestore()))
  return restored.state, restored.data



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
  """
  manager = make_manager(workdir, 1, read_only=True)
  try:
    step = manager.latest_step() if step is None else step
    if step is None:
      raise ValueError(f"no checkpoint in {manager.directory}")
    if step not in manager.all_steps():
      raise ValueError(f"no checkpoint for step {step} in {manager.directory}; "
                       f"have {sorted(manager.all_steps())}")
    # Without a target orbax restores the saved tree as nested dicts of numpy arrays; only the
    # "state" item is read (the optimizer state comes along and is dropped here).
    restored = manager.restore(step, args=ocp.args.Composite(state=ocp.args.StandardRestore()))
  finally:
    manager.close()
  state = restored.state
  return {"params": state["params"], **state["model_state"]}, step
