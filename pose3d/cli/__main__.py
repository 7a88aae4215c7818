"""``python -m pose3d.cli``."""

import sys

from pose3d.cli import main

sys.exit(main())
