"""esskg: the knowledge graph of French social and solidarity economy public policy."""

__version__ = "0.1.0"
