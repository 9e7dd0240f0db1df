def bad_bytes():
    """Café ÿ in latin-1."""
    return "é"

class After:
    pass
