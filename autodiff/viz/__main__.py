"""Entry point of ``python -m autodiff.viz``."""

import sys

from .cli import main

sys.exit(main())
