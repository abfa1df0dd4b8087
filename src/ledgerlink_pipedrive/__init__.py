"""Pipedrive (CRM) as a source of won deals for ledgerlink.

* :mod:`.emulator`: a stateful emulator of Pipedrive's API (v2 deals, deal
  products, persons, organizations, products and the ``*Fields`` custom-field
  definitions; v1 field lists with offset paging), its API-token and OAuth
  bearer auth, cursor paging and token-based rate limit, in-process or on
  127.0.0.1 (``ledgerlink emulate pipedrive``);
* :mod:`.source`: the ``pipedrive`` work source (``open_source("pipedrive", ...)``):
  won deals with their products, person and organization, custom fields by name
  (:mod:`.fieldnames`), read through :mod:`.client` on the core's HTTP layer and
  turned into :mod:`ledgerlink.deals` types by :mod:`.mapping`;
* :mod:`.cli`: ``ledgerlink pipedrive connect|status|disconnect``, keeping a
  company's API token in the journal store for the source;
* :mod:`.plugin`: registers the source, the emulator and the commands through the
  ordinary plugin hooks.
"""
