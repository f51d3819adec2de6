"""Shequ — community population and family-services management."""
