"""Training: the loop every stage shares, its state, optimizers, devices, batches, and the chain."""
