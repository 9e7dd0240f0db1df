def with_bom():
    """BOM before me."""
    return 1
