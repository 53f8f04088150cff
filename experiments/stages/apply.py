"""Applying a stage's Flax model in training or evaluation mode."""


def apply_model(model, variables, inputs, train: bool):
  """(model outputs, updated batch statistics) in training, (outputs in evaluation mode, {})
  otherwise."""
  if train:
    return model.apply(variables, inputs, train=True, mutable=["batch_stats"])
  return model.apply(variables, inputs, train=False), {}
