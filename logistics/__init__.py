"""Delivery rounds, click-and-collect slots and zones for rural shop platforms.

The core packages (:mod:`logistics.routing`, :mod:`logistics.slots`, :mod:`logistics.zones`)
are pure: they work on plain data and never import the store, the API or the jobs.
"""

__version__ = "0.1.0"
