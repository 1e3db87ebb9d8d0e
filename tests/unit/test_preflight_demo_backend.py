# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hafront.preflight.demo_backend: every message of the demo_backend role's preflight."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from demo_backend_preflight_errors import demo_backend_preflight_errors
from hafront.preflight import demo_backend
from preflight_support import defaults, syntax


def values(**changes):
    return defaults("demo_backend") | {"demo_backend_listen_address": "10.0.0.21"} | changes


def test_good_inputs_pass():
    assert demo_backend.errors(values(), "web1", syntax("demo_backend")) == []
    assert demo_backend_preflight_errors(values(), "web1", syntax("demo_backend")) == []


@pytest.mark.parametrize("changes, message", [
    ({"demo_backend_listen_address": "10.0.0.21; evil"},
     "demo_backend: On web1, demo_backend_listen_address must be an IP address (got '10.0.0.21; evil')."),
    ({"demo_backend_listen_address": "fd00:213::21"},
     "demo_backend on web1: demo_backend_listen_address fd00:213::21 is not an IPv4 address: the site's listen line "
     "(ADDRESS:PORT) serves IPv4 only. Set the host's IPv4 service address."),
    ({"demo_backend_port": 70000}, "demo_backend on web1: demo_backend_port must be a port number, 1-65535 (got 70000)."),
])
def test_each_mistake_gets_its_own_message(changes, message):
    assert demo_backend.errors(values(**changes), "web1", syntax("demo_backend")) == [message]


def test_both_failed_conditions_are_listed():
    [message] = demo_backend.errors(values(demo_backend_listen_address="::1", demo_backend_port=70000), "web1",
                                    syntax("demo_backend"))
    assert "is not an IPv4 address" in message and "(got 70000)" in message


def test_the_filter_refuses_input_that_is_not_the_roles_variables():
    with pytest.raises(AnsibleFilterError, match="demo_backend_preflight_errors: input must map"):
        demo_backend_preflight_errors(None, "web1", {})
