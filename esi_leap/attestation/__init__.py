"""Attestation of a node's TPM before it is handed to a new lessee."""
