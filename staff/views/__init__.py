"""Endpoints of the staff app, one module per concern (auth, otp, positions, records)."""
