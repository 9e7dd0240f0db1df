"""Found through app/, a directory that is not a package, as jedi's sys.path has it."""


def assist():  # @assist
    return 0
