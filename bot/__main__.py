"""`python -m bot` is `ouderstem`."""

import sys

from bot.cli import main

sys.exit(main())
