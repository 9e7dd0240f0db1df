"""Utilities, star-imported by models."""
__all__ = ["tool", "star_name"]


def tool():  # @util_tool
    return star_name  # ?star_name => @util_star


star_name = 1  # @util_star
