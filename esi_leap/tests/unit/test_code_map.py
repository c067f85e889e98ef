"""The contributor guide's map of the code matches the tree.

The map ("Layout of the code" in doc/source/contributor/index.rst) is a
table: a path on the left, what lives there on the right. Every product
module must be named in the row of its package (or by its own path), and
every module the map names must exist, so that the map cannot drift from
the code unnoticed. The "Where each behaviour lives" section must name
existing modules too.
"""
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
GUIDE = os.path.join(ROOT, 'doc', 'source', 'contributor', 'index.rst')
PACKAGE = os.path.join(ROOT, 'esi_leap')
# Packages the map names as a whole rather than module by module.
AS_A_WHOLE = ('tests/', 'db/sqlalchemy/alembic/', 'db/sqlalchemy/adoption/',
              'conf/', 'policies/', 'cmd/')
MODULE = re.compile(r'(?<![\w.])((?:[a-z_0-9]+/)*[a-z_0-9]+\.py)\b')


def _guide():
    with open(GUIDE, encoding='utf-8') as f:
        return f.read()


def map_rows(text=None):
    """The map's rows below ``esi_leap/``: {path: description}."""
    lines = (text or _guide()).split('\n')
    start = lines.index('    esi_leap/') + 1
    rows, key = {}, None
    for line in lines[start:]:
        if line.startswith('    ') and not line.startswith('      '):
            break  # the next top-level folder: etc/, doc/...
        if not line.strip():
            continue
        if line[6] != ' ':
            key, _, rest = line[6:].partition(' ')
            rows[key] = rows.get(key, '') + ' ' + rest
        else:
            rows[key] += ' ' + line.strip()
    return rows


def _product_modules():
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        rel = os.path.relpath(folder, PACKAGE).replace(os.sep, '/')
        rel = '' if rel == '.' else rel + '/'
        if rel.startswith(AS_A_WHOLE):
            continue
        for name in files:
            if name.endswith('.py') and name != '__init__.py':
                yield rel, name


def _named_in(row, name):
    stem = name[:-3]
    return re.search(r'(?<![\w/.])%s(\.py)?(?![\w])' % re.escape(stem),
                     row) is not None


def _rows_of(rows, package):
    return [text for key, text in rows.items()
            if key == package or (key.endswith('.py') and
                                  os.path.dirname(key) + '/' == package)]


def test_every_module_is_on_the_map():
    rows = map_rows()
    whole = ' '.join(rows.values())
    missing = [package + name for package, name in _product_modules()
               if (package + name) not in rows and
               (package + name) not in whole and
               not any(_named_in(row, name)
                       for row in _rows_of(rows, package))]
    assert not missing, (
        'modules missing from the map in %s: %s' % (GUIDE, missing))


def _exists(package, module):
    candidates = [os.path.join(PACKAGE, module),
                  os.path.join(PACKAGE, package, module),
                  os.path.join(ROOT, module)]
    return any(os.path.isfile(path) for path in candidates)


def test_every_module_on_the_map_exists():
    rows = map_rows()
    gone = []
    for key, text in rows.items():
        package = key if key.endswith('/') else os.path.dirname(key) + '/'
        for module in MODULE.findall(key + ' ' + text):
            if not _exists(package, module):
                gone.append('%s (row %s)' % (module, key))
    assert not gone, 'the map names modules that do not exist: %s' % gone


def test_where_each_behaviour_lives_names_existing_modules():
    text = _guide()
    section = text.split('Where each behaviour lives', 1)[1]
    section = section.split('\nRunning the tests', 1)[0]
    named = re.findall(r'``((?:[a-z_0-9]+/)+[a-z_0-9]+\.py)``', section)
    assert named, 'the section names no module'
    gone = [module for module in named
            if not os.path.isfile(os.path.join(PACKAGE, module))]
    assert not gone, 'named but missing: %s' % gone
    for behaviour in ('An access decision', 'A claim', 'A lease start',
                      'A lease end'):
        assert '**%s**' % behaviour in section, behaviour


def test_the_map_parser_sees_rows_and_their_continuations():
    text = ('    esi_leap/\n'
            '      api/app.py              builds the app\n'
            '                              and more.py\n'
            '      common/                 context, faults\n'
            '    etc/                      not a row of esi_leap\n')
    rows = map_rows(text)
    assert set(rows) == {'api/app.py', 'common/'}
    assert 'more.py' in rows['api/app.py']
    assert _named_in(rows['common/'], 'faults.py')
    assert not _named_in(rows['common/'], 'fault.py')
