"""Adoption of databases written by other services (see esi_leap_1_0)."""
