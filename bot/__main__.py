"""`python -m bot ...`: see `bot.cli`."""

import sys

from bot.cli import main

if __name__ == "__main__":  # worker processes import this module too; they must not run the bot
    sys.exit(main())
