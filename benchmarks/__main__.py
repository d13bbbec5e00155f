"""``python -m benchmarks``: the suite against its peers, side by side (see ``benchmarks/peers.py``)."""

from benchmarks.peers import main

raise SystemExit(main())
