"""E-invoicing: PEPPOL BIS Billing 3 documents and finding out who can receive them.

The receiver lookup (organisation number → participant id → SML → SMP) is in
:mod:`.participants` and :mod:`.lookup`; ``ledgerlink einvoice lookup`` shows
it, and :mod:`.emulator` serves an SML and SMP on 127.0.0.1 for tests and trials.
Nothing is imported here, so the command line stays fast to start.
"""
