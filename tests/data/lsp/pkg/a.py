"""Helpers for the ctx-lsp tests."""


def helper(x):
    """Add one."""
    return x + 1


class Greeter:
    """Says hello."""

    def greet(self, name):
        return "hi " + name
