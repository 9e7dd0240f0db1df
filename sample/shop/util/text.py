"""Formatting helpers."""


def money(cents: int, currency: str = "EUR") -> str:
    """Cents as a price: 1234 -> '12.34 EUR'."""
    return f"{cents // 100}.{cents % 100:02d} {currency}"


def slug(text: str) -> str:
    return "-".join(text.lower().split())
