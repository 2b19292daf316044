"""The HTTP layer: decodes requests, negotiates formats, delegates to the store."""
