"""Routers by resource: one module per part of the HTTP interface."""
