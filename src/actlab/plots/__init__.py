"""Figures (matplotlib, Agg backend): each a function taking results, returning a Figure."""
