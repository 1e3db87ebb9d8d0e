# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test doubles shared by the filter plugins' unit tests."""

from collections.abc import Mapping

from ansible.errors import AnsibleUndefinedVariable


class LazyHostVars(Mapping):
    """Stands in for Ansible's HostVarsVars, which templates a value only when it is read.

    It holds the one variable key, whose value is a template naming an undefined variable.
    """

    def __init__(self, key: str) -> None:
        self.key = key

    def __getitem__(self, key):
        if key == self.key:
            raise AnsibleUndefinedVariable(f"'{self.key}_source' is undefined")
        raise KeyError(key)

    def __iter__(self):
        return iter([self.key])

    def __len__(self):
        return 1
