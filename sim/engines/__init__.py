"""Two engines over the one daily cycle of :mod:`sim.model.day`: the batch engine (many
replicates as numpy arrays) and the Mesa engine (one replicate, one Mesa agent per actor),
and the mergeable summaries a run streams into."""
