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

"""Sphinx configuration of the esi-leap release notes.

Build them from the top of the git checkout (reno reads the notes from git)
with ``sphinx-build -W -b html releasenotes/source releasenotes/build/html``
or ``tox -e releasenotes``.
"""

extensions = [
    'reno.sphinxext',
]

source_suffix = {'.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = ['_build']

project = 'esi-leap Release Notes'
copyright = 'esi-leap developers'
author = 'esi-leap developers'

# Release notes are not tied to one version of the code.
version = ''
release = ''

pygments_style = 'sphinx'

html_theme = 'alabaster'
html_title = 'esi-leap release notes'
