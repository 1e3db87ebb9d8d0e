# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules in library/ import ansible.module_utils.hafront_module, which Ansible finds through
ansible.cfg's module_utils; here the repository's module_utils/ joins that package's path."""

from pathlib import Path

import ansible.module_utils

_MODULE_UTILS = str(Path(__file__).resolve().parents[2] / "module_utils")
if _MODULE_UTILS not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(_MODULE_UTILS)
