"""``python -m zoo.cli``: how the CLI runs itself on another backend."""

import sys

from zoo.cli import main

sys.exit(main())
