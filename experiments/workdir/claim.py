"""What a workdir guarantees before a run writes into it: one run at a time, and never another run's
files overwritten.

`claim(config, workdir)` holds workdir/.lock for the run (an flock: the kernel drops it when the
process ends, so a killed run never leaves the workdir locked), then refuses a workdir whose
config.json is of another stage, a chain, or the same stage with other settings, before anything else
is written. A resumed run may change only how long and how often it runs (RESUMABLE_FIELDS). A
chain's workdir is checked for its kind only; the chain checks each stage folder the same way.
"""

import contextlib
import fcntl
import os
import socket
import time

from experiments.workdir import config_io

LOCK_FILE = ".lock"
CHAIN = "chain"  # the kind of an experiments.pipeline workdir (its config has no stage)
# How long and how often a run goes, not what it trains: a resumed run may change these (at any
# depth, e.g. a chain's embed.num_train_steps).
RESUMABLE_FIELDS = ("num_train_steps", "log_every_steps", "checkpoint_every_steps",
                    "eval_every_steps", "keep_checkpoints", "eval_batch_size", "num_workers",
                    "multihost")


class WorkdirError(ValueError):
  """The workdir holds another run, or is in use by one: nothing was written."""


def kind(config) -> str:
  """A config's stage ("spherical_cnn", "embed", ...), or CHAIN for a pipeline config."""
  return config.get("stage", CHAIN) if hasattr(config, "get") else CHAIN


def _flat(value, prefix=""):
  """{dotted field: leaf value} of nested dicts."""
  if isinstance(value, dict):
    flat = {}
    for key, item in value.items():
      flat.update(_flat(item, f"{prefix}{key}."))
    return flat
  return {prefix[:-1]: _tuples(value)}


def _tuples(value):
  """Sequences as tuples at every depth: JSON gives back lists where the config held tuples."""
  return tuple(_tuples(item) for item in value) if isinstance(value, (list, tuple)) else value


class _Unset:
  def __repr__(self):
    return "not set"


def differences(saved: dict, config: dict, resumable=RESUMABLE_FIELDS) -> list:
  """[(dotted field, saved value, new value)] where `config` changes `saved` in a field outside
  `resumable`. A field the saved config lacks counts only when it is set to something other than
  off (0, False, "", None, empty): fields added to the configs after a run came with values that
  keep the earlier behaviour."""
  old, new = _flat(saved), _flat(config)
  changed = [(field, old.get(field, _Unset()), value) for field, value in sorted(new.items())
             if (old[field] != value if field in old else bool(value))]
  return [change for change in changed if not set(change[0].split(".")) & set(resumable)]


def check_compatible(config, workdir: str) -> None:
  """Raises WorkdirError unless `workdir` is new, or holds a run of `config` (resumable fields
  aside): same kind (stage or chain), same settings."""
  saved = config_io.read_saved(workdir)
  if saved is None:
    return
  path = os.path.join(workdir, config_io.CONFIG_FILE)
  have, want = kind(saved), kind(config)
  fresh = (f"To start fresh, pass a new --workdir (or delete {workdir}); to resume that run, run it "
           f"again with the config it was started with (saved in {path}).")
  if have != want:
    what = "a chain (experiments.pipeline)" if have == CHAIN else f"a {have!r} training run"
    doing = "is a chain" if want == CHAIN else f"trains {want!r}"
    raise WorkdirError(f"{workdir} holds {what}; this run {doing}: refusing to write into it. "
                       f"{fresh}")
  if want == CHAIN:
    # A chain's own config.json is a record; its stages' folders hold the runs, and the chain
    # checks each of them (experiments.training.chain), so deleting one folder redoes that step.
    return
  current = config_io.absolute_paths(config.copy_and_resolve_references().to_dict())
  changed = differences(saved, current)
  if changed:
    listed = "; ".join(f"{field}: {old!r} there, {new!r} now" for field, old, new in changed)
    raise WorkdirError(f"{workdir} holds a {want} run with other settings ({listed}): refusing to "
                       f"resume it with this config. {fresh} A resumed run may change only "
                       f"{', '.join(RESUMABLE_FIELDS)}.")


@contextlib.contextmanager
def lock(workdir: str):
  """Holds workdir/.lock (created with the workdir if needed) until the block ends; WorkdirError
  when another process holds it."""
  os.makedirs(workdir, exist_ok=True)
  path = os.path.join(workdir, LOCK_FILE)
  with open(path, "a+") as f:
    try:
      fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      f.seek(0)
      holder = f.read().strip() or "another process"
      raise WorkdirError(f"{workdir} is in use by another run ({holder}): one run at a time per "
                         f"workdir. Wait for it to end or stop it (a stopped or killed run frees "
                         f"the workdir at once), or pass a new --workdir.") from None
    f.truncate(0)
    f.write(f"pid {os.getpid()} on {socket.gethostname()}, since "
            f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    f.flush()
    yield  # closing the file releases the lock


@contextlib.contextmanager
def claim(config, workdir: str, holds_lock: bool = True):
  """Locks `workdir` (when holds_lock: process 0 of a multi-process run) and checks that it is new
  or holds a run of `config`, for the duration of the block. Raises WorkdirError otherwise."""
  with lock(workdir) if holds_lock else contextlib.nullcontext():
    check_compatible(config, workdir)
    yield
