"""A re-export cycle: neither file defines looped."""
from .loop_b import looped  # ?looped => unresolved
