"""``python -m service.graph.referential [ROOT [CACHE]]``: fetch and verify every pin once."""

from service.graph.referential.package import main

raise SystemExit(main())
