"""The product modules' imports form no cycle.

Every ``import`` and ``from ... import`` in ``esi_leap/`` (tests aside),
including those inside functions, is an edge from the importing module to
the module it names; ``from package import module`` names the module, not
the package. A cycle means two modules that cannot be understood (or
loaded) one without the other: the test names the modules of each cycle.
"""
import ast
import pathlib

import esi_leap

PACKAGE_DIR = pathlib.Path(esi_leap.__file__).parent


def _module_files():
    for path in sorted(PACKAGE_DIR.rglob('*.py')):
        relative = path.relative_to(PACKAGE_DIR.parent)
        if 'tests' in relative.parts:
            continue
        parts = list(relative.with_suffix('').parts)
        if parts[-1] == '__init__':
            parts.pop()
        yield '.'.join(parts), path


def _imported(node, modules):
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom) or not node.module:
        return []
    named = [node.module + '.' + alias.name for alias in node.names]
    found = [name for name in named if name in modules]
    if len(found) < len(named):
        found.append(node.module)
    return found


def import_graph():
    """Return {module: set of esi_leap modules it imports}."""
    files = dict(_module_files())
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[module] = {name for node in ast.walk(tree)
                         for name in _imported(node, files)
                         if name in files and name != module}
    return graph


def _pop_group(stack, on_stack, root):
    group = set()
    while True:
        member = stack.pop()
        on_stack.discard(member)
        group.add(member)
        if member == root:
            return sorted(group)


def cycles(graph):
    """Return the strongly connected groups of more than one module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = _pop_group(stack, on_stack, module)
            if len(group) > 1:
                found.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_finder_sees_a_cycle():
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    assert cycles(graph) == [['a', 'b', 'c']]


def test_the_graph_holds_the_lazy_imports():
    graph = import_graph()
    # console.server imports the IPMI backend inside a function.
    assert 'esi_leap.console.ipmi' in graph['esi_leap.console.server']
    assert 'esi_leap.api.controllers.v1' in graph[
        'esi_leap.api.controllers.root']


def test_no_import_cycles():
    assert cycles(import_graph()) == []


POLICY_MODULES = ('esi_leap.common.policy', 'esi_leap.policies')


def _is_policy_module(name):
    return any(name == m or name.startswith(m + '.') for m in POLICY_MODULES)


def test_the_domain_layer_consults_no_policy():
    # esi_leap/objects/ receives plain values (objects.access.Access);
    # every policy decision is made in the API layer (api/authorize.py).
    graph = import_graph()
    found = {module: sorted(n for n in imported if _is_policy_module(n))
             for module, imported in graph.items()
             if module.startswith('esi_leap.objects')}
    assert {m: names for m, names in found.items() if names} == {}
    assert 'esi_leap.objects.offers' in found  # the package was walked


def test_the_policy_check_sees_a_policy_import():
    assert _is_policy_module('esi_leap.policies.lease')
    assert _is_policy_module('esi_leap.common.policy')
    assert 'esi_leap.common.policy' in import_graph()['esi_leap.api.authorize']
