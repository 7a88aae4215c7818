"""Plumbing every layer uses: the one error type, atomic writes, seeding and device choice."""
