"""Pipedrive (CRM) as a source of won deals for ledgerlink.

* :mod:`.emulator`: a stateful emulator of Pipedrive's API (v2 deals, deal
  products, persons, organizations, products and the ``*Fields`` custom-field
  definitions; v1 field lists with offset paging), its API-token and OAuth
  bearer auth, cursor paging and token-based rate limit, in-process or on
  127.0.0.1 (``ledgerlink emulate pipedrive``);
* :mod:`.plugin`: registers the emulator through the ordinary plugin hooks.

The source plugin reading won deals comes later.
"""
