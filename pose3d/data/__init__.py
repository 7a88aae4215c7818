"""Data: skeletons, camera maths, Human3.6M naming, raw-file readers, the demo generator, Parquet IO and loaders."""
