"""TPM policies: PCR number -> allowed values, as keylime_tenant takes them.

An operator writes ``{"0": ["<sha256 hex>", ...], "7": "<hex>"}`` without
``mask``; esi-leap checks it and computes the mask the verifier's API
needs. PCR 16 is Keylime's data PCR (it binds the agent's key) and PCR 10
is IMA's: neither may be in a policy, as keylime_tenant refuses them too.
"""
import json
import re

DATA_PCR, IMA_PCR = 16, 10
DIGEST = re.compile(r'^(0x)?([0-9a-fA-F]{40}|[0-9a-fA-F]{64}|'
                    r'[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$')
MAX_VALUES = 64


class InvalidPolicy(ValueError):
    """The policy is not a usable TPM policy; the message says why."""


def parse(value):
    """Check a policy (a JSON text or a dict); return it normalised.

    The result maps PCR numbers as strings to lists of lowercase hex
    digests. Raises InvalidPolicy naming what is wrong.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidPolicy('the TPM policy is not JSON')
    if not isinstance(value, dict):
        raise InvalidPolicy('the TPM policy is not a JSON object')
    if not value:
        raise InvalidPolicy('the TPM policy names no PCR')
    return {str(_pcr(key)): _values(key, values)
            for key, values in value.items()}


def _pcr(key):
    if not isinstance(key, str) or not key.isdigit() or int(key) > 23:
        raise InvalidPolicy('the TPM policy has an invalid PCR number')
    number = int(key)
    if number in (DATA_PCR, IMA_PCR):
        raise InvalidPolicy('the TPM policy may not name PCR %d (Keylime '
                            'uses it)' % number)
    return number


def _values(key, values):
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values or \
            len(values) > MAX_VALUES:
        raise InvalidPolicy('PCR %s of the TPM policy needs 1 to %d values'
                            % (key, MAX_VALUES))
    result = []
    for value in values:
        match = DIGEST.match(value) if isinstance(value, str) else None
        if match is None:
            raise InvalidPolicy('PCR %s of the TPM policy has a value that '
                                'is not a hex digest' % key)
        result.append(match.group(2).lower())
    return result


def mask(policy):
    """The verifier's PCR mask (hex) for a parsed ``policy``."""
    bits = 0
    for key in policy:
        bits |= 1 << int(key)
    return hex(bits)
