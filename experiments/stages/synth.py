"""The synth stage, training side: decode spherical embeddings back into views (G:
docs/conventions.md, 'Models' and 'Training stages'; the model side: synth_model.py).

G (`nn.SynthesisNet`) learns G(m) ≈ view with an L1 loss, where m is the frozen embedding network
E's prediction E(view) (`config.source = "embedding"`, the paper's choice) or Φ's normalised target
of the same example (`"targets"`). E's variables are constants of the step. A novel view of the
object under a rotation R is then G(R·E(view)).

E comes from `config.embed_workdir`; when that is empty the trainer first trains `config.embed` in
`<workdir>/embed` (which trains its own Φ first when it names none), or reuses it when complete.
"""

import jax
import jax.numpy as jnp
import numpy as np

from experiments.stages import apply
from experiments.stages import datasets
from experiments.stages import dependencies
from experiments.stages import trained
from experiments.stages.synth_model import SynthModel
from experiments.workdir import metrics as metrics_lib

SHEET_VIEWS = 4  # rows of the evaluation image


class SynthStage(SynthModel):
  """L1 regression of `image` (batch, S, S, 1) from E(image) (or Φ's target from `sphere`)."""

  batch_keys = ("image", "sphere")

  def __init__(self, config, workdir: str | None = None):
    super().__init__(config, workdir)
    self._sheet_batch = None  # the first validation examples, for evaluation_images
    self._decode_fn = jax.jit(lambda variables, batch: self.features(variables, self.inputs(batch)))

  def prerequisites(self) -> list:
    """[(E's config, its workdir)] when config.embed_workdir is empty (E is trained there first)."""
    return dependencies.prerequisites(self)

  def open_datasets(self) -> dict:
    """The configured splits (E's views), and E itself."""
    data = self.config.data
    builder = data.builder
    if builder.image_size != self.image_size:
      raise ValueError(f"config.data has {builder.image_size}-pixel views, E reads "
                       f"{self.image_size}")
    sources = datasets.open_roles(data, (2 * builder.bandwidth, 2 * builder.bandwidth,
                                         len(builder.channels)))
    self.load_inputs(trained.load_trained)
    examples = [sources["eval"][i] for i in range(min(SHEET_VIEWS, len(sources["eval"])))]
    self._sheet_batch = {k: np.stack([e[k] for e in examples]) for k in self.batch_keys}
    return sources

  def warm_start_variables(self):
    return None  # always starts from init_variables

  def per_example_losses(self, variables, batch, rng, train: bool, step=None):
    """Mean absolute pixel error and PSNR (dB, images in [0, 1]) per example."""
    del rng, step  # no stochastic layers; the loss is the same at every step
    maps = jax.lax.stop_gradient(self.inputs(batch))
    views, new_model_state = apply.apply_model(self.model, variables, maps, train)
    l1 = jnp.mean(jnp.abs(views - batch["image"]), axis=(1, 2, 3))
    mse = jnp.mean((views - batch["image"]) ** 2, axis=(1, 2, 3))
    psnr = -10.0 * jnp.log10(jnp.maximum(mse, 1e-10))
    return l1, {"psnr": psnr}, new_model_state

  def evaluation_metrics(self, variables) -> dict:
    del variables  # L1 and PSNR are per-example averages already
    return {}

  def evaluation_images(self, variables) -> dict:
    """{"decoded": the first validation views, a row each, beside G's decoding of them (of E(view)
    or of Φ's target, as in training)}."""
    decoded = np.asarray(self._decode_fn(variables, self._sheet_batch))
    return {"decoded": metrics_lib.image_sheet(
        [[view, out] for view, out in zip(self._sheet_batch["image"], decoded)])}
