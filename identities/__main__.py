"""``python -m identities``: the same as the ``identities`` command."""

import sys

from identities.cli import main

sys.exit(main())
