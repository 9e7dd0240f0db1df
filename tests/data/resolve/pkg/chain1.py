from .chain2 import deep  # ?deep => @deep
