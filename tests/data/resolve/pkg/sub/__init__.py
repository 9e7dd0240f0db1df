"""A package whose __init__ imports its own submodule."""
from . import leaf  # ?leaf => pkg/sub/leaf.py:1
from pkg.sub import leaf as again  # ?again => pkg/sub/leaf.py:1
