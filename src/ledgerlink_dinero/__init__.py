"""Dinero (Visma Dinero, Denmark) support for ledgerlink — in progress.

* :mod:`.emulator`: a stateful Dinero API emulator, in-process or on 127.0.0.1;
* :mod:`.settings`, :mod:`.faults`, :mod:`.wire`, :mod:`.statuses`,
  :mod:`.queries`: hosts and limits, the error parser, the JSON shapes, status
  derivation and safe ``queryFilter`` expressions.

The connector itself is not registered yet.
"""
