"""Configuration: the training recipes and the resolution of a config file into one run's settings."""
