"""The schedule every seconds-long test config (configs/*_tiny.py) shares."""


def four_steps(config) -> None:
  """Sets `config` (a stage config) to 4 optimizer steps on batches of 8, a metrics record every
  step, checkpoints at steps 2 and 4, one evaluation at the end."""
  config.batch_size = 8  # global batch: one example per device on 8 devices
  config.eval_batch_size = 8  # global evaluation batch
  config.num_train_steps = 4  # optimizer steps in total
  config.log_every_steps = 1  # a metrics record every step
  config.checkpoint_every_steps = 2  # checkpoints at steps 2 and 4
  config.keep_checkpoints = 2  # both kept
  config.eval_every_steps = 0  # evaluate only at the end
