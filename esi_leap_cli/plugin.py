"""The OpenStackClient plugin interface of the esi-leap fleet commands."""
from esi_leap_cli import http

API_NAME = 'esi_fleet'
API_VERSION_OPTION = 'os_esi_fleet_api_version'
API_VERSIONS = {'1': 'esi_leap_cli.http.FleetClient'}
DEFAULT_API_VERSION = '1'


def make_client(instance):
    """Return the FleetClient of an OpenStackClient ClientManager.

    It finds esi-leap as python-esileapclient does: the catalog's
    ``lease`` service, or ``--os-endpoint`` / ``lease_endpoint_override``.
    """
    return http.FleetClient.from_client_manager(instance)


def build_option_parser(parser):
    """Add the plugin's global option (its API version) to the parser."""
    parser.add_argument(
        '--os-esi-fleet-api-version', metavar='<version>',
        default=DEFAULT_API_VERSION,
        help='esi-leap fleet commands API version (default %s)'
        % DEFAULT_API_VERSION)
    return parser
