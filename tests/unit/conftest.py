# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import sys
from pathlib import Path

# Filter plugins are loose modules that Ansible loads by path, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "filter_plugins"))
