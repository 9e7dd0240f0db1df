class Crlf:
    """Doc with CRLF."""

    def m(self):
        return 1
