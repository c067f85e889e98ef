"""``openstack esi usage show``: node time of leases in a period."""
from osc_lib.command import command


class ShowUsage(command.Lister):
    """Node seconds, node hours and leases per group in a period."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--start-time', required=True)
        parser.add_argument('--end-time', help='Default now.')
        parser.add_argument(
            '--group-by', action='append', default=[],
            help='project, owner, resource_class or resource (repeat, or '
                 'comma separated).')
        parser.add_argument('--all', action='store_true',
                            help='Every lease (admins).')
        parser.add_argument('--project', help='Leases of this lessee.')
        parser.add_argument('--owner', help='Leases of this owner.')
        return parser

    def take_action(self, args):
        params = {'start_time': args.start_time}
        for key, value in (('end_time', args.end_time),
                           ('project_id', args.project),
                           ('owner_id', args.owner)):
            if value is not None:
                params[key] = value
        if args.group_by:
            params['group_by'] = ','.join(args.group_by)
        if args.all:
            params['view'] = 'all'
        report = self.app.client_manager.esi_fleet.usage(params)
        fields = [f for key in report['group_by']
                  for f in _FIELDS[key]] + list(_AMOUNTS)
        return fields, [tuple(row.get(f) for f in fields)
                        for row in report['usage']]


_FIELDS = {'project': ('project_id',), 'owner': ('owner_id',),
           'resource_class': ('resource_class',),
           'resource': ('resource_type', 'resource_uuid')}
_AMOUNTS = ('node_seconds', 'node_hours', 'leases')
