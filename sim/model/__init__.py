"""The model, written once: one module per actor (its parameters, rules, state and phases),
the daily cycle (:mod:`sim.model.day`), the ladder, the timeline, keyed randomness and the
code tables.  Both engines (:mod:`sim.engines`) run it; nothing here imports anything above.
"""
