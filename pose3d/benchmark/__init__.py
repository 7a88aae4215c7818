"""``pose3d bench``: training and evaluation throughput of every model, plain eager beside the fast paths.

Imports only torch and pose3d's models and training step (no MLflow, Snakemake or cdflib), so it
runs on a GPU machine that has nothing but torch, numpy, pandas and pyarrow.
"""
