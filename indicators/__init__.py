"""Indicator sets bundled with Piramide (YAML files, loaded as package data)."""
