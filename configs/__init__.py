"""ml_collections configs, one file per experiment: `python -m experiments.train --config=configs/X.py`."""
