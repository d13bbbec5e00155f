"""Load profiles' support code and the ``smsgw load`` orchestration, free of Locust.

``locust`` is imported only by the locustfiles under ``load/`` (shipped as ``smsgw/_data/load``)
and by the Locust subprocesses ``smsgw load`` starts: importing it monkey-patches the process
(gevent), which must never happen to the package, the CLI or the pytest process.

* :mod:`smsgw.load.sendsms`: send-sms request bodies, answer checks, status-report matching;
* :mod:`smsgw.load.fanin`: the fan-in gateway model around the emulator's ``Device``;
* :mod:`smsgw.load.shapes`: the steady/step/spike arithmetic of ``load/common.py``'s shape;
* :mod:`smsgw.load.capacity`: the capacity report (steps, knee, HTML with inline SVG, JSON);
* :mod:`smsgw.load.svg`: the small inline-SVG line chart the report draws with;
* :mod:`smsgw.load.run`: start the targets, run Locust master + workers, collect the outputs;
* :mod:`smsgw.load.cli`: ``smsgw load send-sms|status-fanin|report``.
"""
