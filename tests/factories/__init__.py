"""Factories and helpers shared by the tests: test modules import from here and never
from each other, so a test module can be moved, renamed or deleted on its own."""
