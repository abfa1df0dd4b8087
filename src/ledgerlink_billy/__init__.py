"""ledgerlink's Billy connector (Billy's Billing API v2) and its shipped emulator."""
