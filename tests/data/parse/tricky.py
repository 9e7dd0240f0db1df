"""A module written to trip up skeleton extraction."""
from __future__ import annotations

import os, sys as system
from typing import overload, TYPE_CHECKING
from .sibling import (helper,
                      other as alias)

RETRIES: int = 3
handler = lambda event: event  # a lambda assigned to a name
first, second = 1, 2
left = right = None


@decorator
@decorator.with_args(
    "multi",
    line=True,
)
def decorated(a, b=2, *args, c: int = 3, **kwargs) -> dict[str, int]:
    """Single line docstring."""
    def nested():  # not a symbol: inside a function body
        pass
    return {}


async def fetch(url: str, /, timeout: float = 1.0, *, retries: int = RETRIES):
    '''
    Multi-line docstring whose first line is empty.

    Second paragraph.
    '''
    await something()


def long_signature(
    alpha: int,
    beta: str = "b",
    *,
    gamma: list[int] | None = None,
) -> None:
    r"""Raw \docstring."""


class Outer(Base, metaclass=Meta):
    """Outer class."""

    count: int = 0
    label = "x"

    class Inner:
        class Deepest:
            def method(self):
                return 1

    @overload
    def get(self, key: int) -> int: ...
    @overload
    def get(self, key: str) -> str: ...
    def get(self, key):
        return key

    @property
    def value(self):
        return self._value
        # a comment after the last statement is not part of the body

    @staticmethod
    async def create() -> "Outer":
        pass

    if TYPE_CHECKING:
        def typed_only(self) -> None: ...


if system.platform == "win32":
    def platform_impl():
        pass
elif system.platform == "darwin":
    def platform_impl():
        pass
else:
    platform_impl = None

try:
    import fast_json as json
except ImportError:
    import json
finally:
    CLEANUP = True

with open(os.devnull) as devnull:
    class InWith:
        pass

for _name in ("a", "b"):
    def in_loop():
        pass
else:
    LOOPED = True

while False:
    def in_while():
        pass

match system.argv:
    case [_, "x"]:
        def in_match():
            pass
    case _:
        pass


def no_doc(x):
    return f"{x}"


def fstring_is_not_a_doc():
    f"""not a docstring {1}"""


class Empty: pass
