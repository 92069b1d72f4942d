"""`python -m bot` runs the gridbot CLI."""

from bot.cli import main

raise SystemExit(main())
