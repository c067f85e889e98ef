"""Options of the [attestation] and [keylime] groups: the attested hand-over.

With ``[attestation] enabled`` the manager asks a Keylime verifier for a
fresh verdict on a node's TPM before it hands the node to a new lessee.
"""
from oslo_config import cfg

ATTESTATION = cfg.OptGroup('attestation', title='Attested hand-over')
KEYLIME = cfg.OptGroup('keylime', title='Keylime verifier and registrar')

attestation_opts = [
    cfg.BoolOpt('enabled', default=False,
                help='Before a node is handed to a new lessee, ask the '
                     'attestation provider for a fresh verdict on its TPM '
                     'and hand the node over only on a pass.'),
    cfg.StrOpt('provider', default='keylime', choices=['keylime'],
               help='The attestation provider.'),
    cfg.BoolOpt('require_agent', default=False,
                help='What to do with a node that has no attestation agent '
                     'id in its extra (keylime_agent_uuid): false hands it '
                     'over unattested, true quarantines it.'),
]

keylime_opts = [
    cfg.URIOpt('verifier_url', schemes=['https'],
               help='The Keylime verifier, e.g. https://verifier:8881.'),
    cfg.URIOpt('registrar_url', schemes=['https'],
               help="The Keylime registrar's TLS port, e.g. "
                    'https://registrar:8891.'),
    cfg.StrOpt('ca_file',
               help='The CA certificate that signed the verifier\'s and the '
                    "registrar's server certificates. Always used "
                    'explicitly: CA bundle variables of the environment '
                    'never decide whom esi-leap trusts.'),
    cfg.StrOpt('cert_file',
               help='The client certificate esi-leap presents (mTLS).'),
    cfg.StrOpt('key_file', secret=True,
               help="The client certificate's private key."),
    cfg.StrOpt('api_version', default='2.5',
               regex=r'^[0-9]{1,2}\.[0-9]{1,2}$',
               help="The verifier's and registrar's REST API version."),
    cfg.IntOpt('timeout', default=600, min=1,
               help='Seconds to wait for a verdict on a node; past it the '
                    'lease goes to error and the node to quarantine.'),
    cfg.IntOpt('min_quotes', default=1, min=1,
               help='Quotes the verifier must have checked, since the gate '
                    'enrolled the node, before a pass counts.'),
    cfg.StrOpt('tpm_policy', default='{}',
               help='The default TPM policy: a JSON object of PCR number -> '
                    'list of allowed SHA-256 values, as keylime_tenant '
                    'takes it, without "mask" (esi-leap computes it). A '
                    "node's extra keylime_tpm_policy replaces it for that "
                    'node.'),
    cfg.FloatOpt('request_timeout', default=10.0, min=0.1,
                 help='Seconds for one HTTP request to the verifier or the '
                      'registrar.'),
]


def register_opts(conf):
    """Register the [attestation] and [keylime] options on ``conf``."""
    conf.register_group(ATTESTATION)
    conf.register_opts(attestation_opts, group=ATTESTATION)
    conf.register_group(KEYLIME)
    conf.register_opts(keylime_opts, group=KEYLIME)


def list_opts():
    """Return (group, options) pairs for the sample generator."""
    return [('attestation', attestation_opts), ('keylime', keylime_opts)]
