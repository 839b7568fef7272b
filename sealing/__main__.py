"""``python -m sealing``: the bidder tool."""

import sys

from sealing.cli import main

sys.exit(main())
