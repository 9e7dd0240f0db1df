"""Half-migrated code: it does not parse, on purpose."""


def still_found(x):
    return x * 2


def broken(x:
    return x


class AfterTheError:
    def method(self):
        return still_found(1)
