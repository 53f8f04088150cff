"""optax optimizers and learning-rate schedules from an `optimizer` config block."""

import optax

SCHEDULES = ("constant", "warmup_cosine", "step")


def learning_rate_schedule(config, num_train_steps: int) -> optax.Schedule:
  """The schedule named by `config.schedule`.

  Args:
    config: fields learning_rate (peak), schedule (one of SCHEDULES), warmup_steps (linear warm-up
      from 0, for "warmup_cosine"), decay_steps (steps at which "step" multiplies the rate by
      decay_factor).
    num_train_steps: total steps ("warmup_cosine" decays to 0 at the last one).
  """
  if config.schedule == "constant":
    return optax.constant_schedule(config.learning_rate)
  if config.schedule == "warmup_cosine":
    if not 0 <= config.warmup_steps < num_train_steps:
      raise ValueError(f"warmup_steps must be in [0, num_train_steps={num_train_steps}), got "
                       f"{config.warmup_steps}")
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=config.learning_rate, warmup_steps=config.warmup_steps,
        decay_steps=num_train_steps)
  if config.schedule == "step":
    return optax.piecewise_constant_schedule(
        config.learning_rate, {int(step): config.decay_factor for step in config.decay_steps})
  raise ValueError(f"optimizer.schedule must be one of {SCHEDULES}, got {config.schedule!r}")


def make_optimizer(config, num_train_steps: int) -> optax.GradientTransformation:
  """Adam (AdamW when config.weight_decay > 0) with the configured schedule and optional clipping
  of the global gradient norm (config.grad_clip_norm; 0 = none)."""
  schedule = learning_rate_schedule(config, num_train_steps)
  adam = (optax.adamw(schedule, weight_decay=config.weight_decay) if config.weight_decay > 0
          else optax.adam(schedule))
  if config.grad_clip_norm > 0:
    return optax.chain(optax.clip_by_global_norm(config.grad_clip_norm), adam)
  return adam
