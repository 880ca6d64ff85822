"""The ``escalation`` command line (:mod:`sim.cli.main`)."""
