from .chain3 import deep as deep
