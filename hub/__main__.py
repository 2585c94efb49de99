"""`python -m hub`: the installed `hub` command, whose entry point (consumers/cli.py) adds the transport commands.

Looked up by name so that the core imports no transport code; without an installed project only the core's
commands (validate, retour, db) are there.
"""

from importlib.metadata import entry_points

from hub.cli import main

found = entry_points(group="console_scripts", name="hub")
raise SystemExit(next(iter(found)).load()() if found else main())
