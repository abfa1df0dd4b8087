"""Internal: delivering booked invoices to customers by channel (e-mail, letter, e-invoice)."""
