"""``openstack esi offer update``: an owner changes one of its offers."""
from osc_lib.command import command

from esi_leap_cli.v1 import claim

FIELDS = ('uuid', 'name', 'project', 'project_id', 'lessee', 'lessee_id',
          'resource', 'resource_type', 'resource_uuid', 'resource_class',
          'resource_properties', 'start_time', 'end_time', 'status',
          'properties', 'availabilities', 'parent_lease_uuid')


class UpdateOffer(command.ShowOne):
    """Change an offer's window, lessee, name or properties."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('offer', help='Offer uuid or name.')
        parser.add_argument('--start-time',
                            help='New start (only while nothing is '
                                 'booked from the offer).')
        parser.add_argument('--end-time', help='New end.')
        parser.add_argument('--lessee',
                            help='The only project (id or name) that may '
                                 'see and claim the offer.')
        parser.add_argument('--name', help='New name.')
        parser.add_argument(
            '--property', action='append', dest='properties',
            metavar='KEY=VALUE',
            help='Set a property of the offer, keeping the others '
                 '(repeat for several).')
        return parser

    def take_action(self, args):
        fleet = self.app.client_manager.esi_fleet
        body = {key: value for key, value in (
            ('start_time', args.start_time), ('end_time', args.end_time),
            ('lessee_id', args.lessee), ('name', args.name))
            if value is not None}
        if args.properties:
            added = claim.key_values(args.properties, '--property')
            current = fleet.offer(args.offer).get('properties') or {}
            body['properties'] = dict(current, **added)
        offer = fleet.update_offer(args.offer, body)
        return FIELDS, tuple(offer.get(key) for key in FIELDS)
