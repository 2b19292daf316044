"""The researcher's workbench: HTML pages for people, served by the app with its own assets.

Pages are rendered on the server (Jinja2 templates, French first, English by a switch) and
enhanced by one script bundled from ``web/src`` at install time (``make assets``): the query
editor, result tables, charts. Nothing is loaded from another host, so all of it works
offline. API clients never see any of this: they keep their negotiated formats.
"""
