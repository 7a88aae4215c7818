"""Embedded demo dataset: synthetic people written in the raw formats of Human3.6M and its companions.

Users without the licence-restricted recordings run the whole pipeline on it.
"""

from pose3d.demo.sequences import SIZES
from pose3d.demo.writer import write_demo

__all__ = ["SIZES", "write_demo"]
