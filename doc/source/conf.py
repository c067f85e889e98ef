# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Sphinx configuration of the esi-leap documentation.

Build it with ``sphinx-build -W -b html doc/source doc/build/html`` (or
``tox -e docs``). The configuration and policy reference pages are rendered
from the installed esi-leap package by the oslo.config and oslo.policy
Sphinx extensions, so esi-leap must be installed in the building Python.
"""

# -- General configuration ---------------------------------------------------

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '_ext'))

extensions = [
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    'openapi_operations',
]

source_suffix = {'.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = ['_build']

project = 'esi-leap'
copyright = 'esi-leap developers'
author = 'esi-leap developers'

try:
    from esi_leap import version as _version
    release = _version.version_info.release_string()
    version = _version.version_info.version_string()
except Exception:  # the docs still build from a bare checkout
    release = version = ''

pygments_style = 'sphinx'
nitpicky = False

# -- Options for HTML output -------------------------------------------------

html_theme = 'alabaster'
html_title = 'esi-leap documentation'
html_theme_options = {
    'description': 'Leasing Ironic bare-metal nodes between OpenStack '
                   'projects',
    'fixed_sidebar': False,
}
