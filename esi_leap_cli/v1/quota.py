"""``openstack esi quota show|set|delete``: a lessee project's quotas."""
from osc_lib.command import command
from osc_lib import exceptions

from esi_leap_cli.v1 import claim

LIMITS = ('max_nodes', 'max_leases', 'max_nodes_by_resource_class')


def _shown(quota):
    usage = quota.get('usage', {})
    rows = [('project_id', quota['project_id'])]
    rows += [(key, quota[key]) for key in LIMITS]
    rows += [('overridden', ', '.join(quota.get('overridden', []))),
             ('leases', usage.get('leases')),
             ('nodes', usage.get('nodes')),
             ('nodes_by_resource_class',
              usage.get('nodes_by_resource_class'))]
    return tuple(k for k, _ in rows), tuple(v for _, v in rows)


class ShowQuota(command.ShowOne):
    """Show a project's quotas (-1: unlimited) and its usage now."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('project', help='Project id or name.')
        return parser

    def take_action(self, args):
        return _shown(self.app.client_manager.esi_fleet.quota(args.project))


class SetQuota(command.ShowOne):
    """Set a project's quotas; those not given keep their current value."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('project', help='Project id or name.')
        parser.add_argument('--max-nodes', type=int,
                            help='Most nodes held at once (-1: unlimited).')
        parser.add_argument('--max-leases', type=int,
                            help='Most open leases (-1: unlimited).')
        parser.add_argument(
            '--max-nodes-class', action='append', metavar='CLASS=COUNT',
            help='Most nodes of a resource class held at once (repeat).')
        return parser

    def take_action(self, args):
        fleet = self.app.client_manager.esi_fleet
        current = fleet.quota(args.project)
        limits = {key: current[key] if key in current.get('overridden', [])
                  else None for key in LIMITS}
        if args.max_nodes is not None:
            limits['max_nodes'] = args.max_nodes
        if args.max_leases is not None:
            limits['max_leases'] = args.max_leases
        if args.max_nodes_class:
            by_class = dict(limits['max_nodes_by_resource_class'] or {})
            for key, value in claim.key_values(
                    args.max_nodes_class, '--max-nodes-class').items():
                try:
                    by_class[key] = int(value)
                except ValueError:
                    raise exceptions.CommandError(
                        '--max-nodes-class %s: %r is not a number'
                        % (key, value))
            limits['max_nodes_by_resource_class'] = by_class
        return _shown(fleet.set_quota(args.project, limits))


class DeleteQuota(command.Command):
    """Drop a project's own quotas: the defaults apply again."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('project', help='Project id or name.')
        return parser

    def take_action(self, args):
        self.app.client_manager.esi_fleet.delete_quota(args.project)
