"""``python -m dccsim`` runs the command line."""
import sys

from dccsim.cli.main import main

sys.exit(main())
