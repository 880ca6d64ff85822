"""Figures: the only package that imports matplotlib.  Every function takes tables (never
runs anything), returns a matplotlib Figure and, given a path, saves it as PNG."""

from .folder import draw_folder

__all__ = ["draw_folder"]
