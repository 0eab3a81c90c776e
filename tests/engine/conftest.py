"""Fixtures shared by the engine tests."""

from tests.engine.places_support import places  # noqa: F401  (a fixture: four sign-offs at four places)
