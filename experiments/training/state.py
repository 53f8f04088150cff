"""The train state of every stage, its initialisation and its optimizer.

Kept apart from the training loop (loop.py) so that code which only needs a checkpoint's layout
(the trainer, benchmarks) does not import the loop, and inference code needs neither.
"""

from typing import Any

import flax
import jax
import jax.numpy as jnp

from experiments.training import optimizers


@flax.struct.dataclass
class TrainState:
  """Everything a checkpoint holds besides the data position.

  Attributes:
    step: int32 scalar, optimizer updates done.
    params: the model's `params` collection.
    opt_state: the optax state.
    model_state: the other variable collections, e.g. {"batch_stats": ...}.
    rng: uint32 (2,) key; step s uses fold_in(rng, s), so resuming replays the same randomness.
  """
  step: jax.Array
  params: Any
  opt_state: Any
  model_state: Any
  rng: jax.Array


def make_optimizer(config) -> tuple:
  """(optax transformation, learning-rate schedule) of `config.optimizer`."""
  schedule = optimizers.learning_rate_schedule(config.optimizer, config.num_train_steps)
  return optimizers.make_optimizer(config.optimizer, config.num_train_steps), schedule


def init_train_state(stage, tx, seed: int, sharding=None) -> TrainState:
  """The initial state (step 0) from `seed`, placed with `sharding` (e.g. replicated on a mesh).

  The model's variables are the stage's `init_variables`, or its `warm_start_variables()` when
  that returns some (read on the host, e.g. from another workdir's checkpoint; the stage checks
  that they fit its model).
  """
  warm = stage.warm_start_variables()

  def init(warm):
    init_rng, train_rng = jax.random.split(jax.random.PRNGKey(seed))
    variables = dict(stage.init_variables(init_rng) if warm is None else warm)
    params = variables.pop("params")
    return TrainState(step=jnp.zeros((), jnp.int32), params=params, opt_state=tx.init(params),
                      model_state=variables, rng=train_rng)

  return jax.jit(init, out_shardings=sharding)(warm)
