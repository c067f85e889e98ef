"""``openstack esi claim create``: claim N nodes at once, or none."""
from osc_lib.command import command
from osc_lib import exceptions
from osc_lib import utils

COLUMNS = ('uuid', 'resource', 'resource_uuid', 'resource_class',
           'start_time', 'end_time', 'status', 'offer_uuid')


def key_values(pairs, what):
    """{key: value} of KEY=VALUE arguments; CommandError if malformed."""
    found = {}
    for pair in pairs or ():
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise exceptions.CommandError('%s must be KEY=VALUE, not %r'
                                          % (what, pair))
        found[key] = value
    return found


class CreateClaim(command.Lister):
    """Claim several nodes in one request: all of them or none."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--count', type=int,
                            help='How many nodes (needed without --offer).')
        parser.add_argument('--resource-class')
        parser.add_argument(
            '--resource-property', action='append', dest='expressions',
            metavar='EXPRESSION',
            help='A node property expression such as memory_mb>=65536 '
                 '(repeat for several; all must hold).')
        parser.add_argument('--offer', action='append', dest='offers',
                            help='Claim exactly this offer (repeat).')
        parser.add_argument('--start-time')
        parser.add_argument('--end-time')
        where = parser.add_mutually_exclusive_group()
        where.add_argument('--same', metavar='KEY',
                           help='All nodes on one value of this property.')
        where.add_argument('--spread', metavar='KEY',
                           help='Each node on a different value of it.')
        parser.add_argument('--name')
        parser.add_argument('--purpose')
        parser.add_argument('--property', action='append',
                            dest='properties', metavar='KEY=VALUE',
                            help='A property of each lease (repeat).')
        return parser

    def take_action(self, args):
        body = {key: value for key, value in (
            ('count', args.count), ('resource_class', args.resource_class),
            ('resource_properties', args.expressions),
            ('offers', args.offers), ('start_time', args.start_time),
            ('end_time', args.end_time), ('name', args.name),
            ('purpose', args.purpose)) if value is not None}
        if args.same or args.spread:
            body['locality'] = {'key': args.same or args.spread,
                                'mode': 'same' if args.same else 'spread'}
        if args.properties:
            body['properties'] = key_values(args.properties, '--property')
        leases = self.app.client_manager.esi_fleet.claim(body)
        return COLUMNS, [utils.get_dict_properties(lease, COLUMNS)
                         for lease in leases]
