"""Secure exchange between nodes (placeholder created by the transport session; the lead owns this file)."""
