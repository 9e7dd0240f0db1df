"""A corpus of Python's scoping rules for ctx-lsp's fallback (SPEC.md §11).

A comment `# @label` names the line it ends; `# ?word => @label` (or `=> file:line`,
`=> builtin`, `=> dynamic`, `=> unresolved`) says what the definition of the first `word`
on its line is; `?word#2` is the second. tests/resolve_corpus.py checks every one.
"""
from .base import Base  # ?Base => @base_class
from .models import Model, helper  # ?models => pkg/models.py:1
from .loop_a import looped  # ?looped => unresolved
