"""Maintenance tools for staff and CI."""
