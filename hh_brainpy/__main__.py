"""``python -m hh_brainpy`` is the ``hh-brainpy`` command."""

from hh_brainpy.cli import main

raise SystemExit(main())
