"""Round planning for stored days (application layer over the routing core and the store).

- :mod:`logistics.planning.problem`: a day's orders, sites and vehicles (from the store or from a
  generated day) → a :class:`~logistics.routing.model.Problem` on the territory's road matrix.
- :mod:`logistics.planning.service`: plan, re-plan, lock and move stops, publish, read plans.
- :mod:`logistics.planning.jobs`: queue planning as background jobs and read their status.

The core (``logistics.routing``) never imports this package.
"""
