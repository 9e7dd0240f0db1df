def deep():  # @deep
    return 3
