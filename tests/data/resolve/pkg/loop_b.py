from .loop_a import looped  # ?looped => unresolved
