def good_before(x):
    return x


def broken(:
    pass


class StillFound:
    def method(self):
        return 1
