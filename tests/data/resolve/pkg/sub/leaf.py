def grow():  # @grow
    return 1
