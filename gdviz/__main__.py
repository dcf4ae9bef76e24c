"""``python -m gdviz``: the command line (gdviz.cli)."""

import sys

from gdviz.cli import main

sys.exit(main())
