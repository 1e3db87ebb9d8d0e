# SPDX-License-Identifier: MIT
"""The kinds hafront.syntax adds for the haproxy role: words, paths, header names and
keyword lists where HAProxy's config parser would read quotes, '#', spaces or backslashes
as syntax."""

from __future__ import annotations

import pytest

from hafront import syntax


@pytest.mark.parametrize("kind, good, bad", [
    ("haproxy_word", ["Lw7vQ2nX9pT4kR8z", "a.b-c_d~e+f", "example.com:8080", "p@ss$1!"],
     ["two words", "hash#x", 'quote"x', "quote'x", "back\\slash", "new\nline", "", "tab\tx"]),
    ("haproxy_path", ["/", "/stats", "/metrics/v1", "/a-b_c.d~e"],
     ["stats", "/stats#x", "/a b", "/q'x", '/q"x', "/a\nb", ""]),
    ("optional_header", ["", "X-Load-Balancer", "x_lb.1"],
     ["X LB", "X#LB", "X'LB", "X:LB", "X-LB\nlisten evil"]),
    ("keywords", ["", "conn-failure", "conn-failure empty-response response-timeout"],
     ["conn-failure  empty-response", " conn-failure", "conn-failure\nfrontend x", "Conn-Failure", "a;b"]),
])
def test_haproxy_kinds(kind, good, bad):
    for value in good:
        assert syntax.problems("v", value, kind) == [], value
    for value in bad:
        assert len(syntax.problems("v", value, kind)) == 1, value


def test_block_scalar_password_is_refused_without_showing_it():
    found = syntax.errors({"haproxy_stats_password": "Lw7vQ2nX9pT4kR8z\n"}, {"haproxy_stats_password": "haproxy_word"})
    assert len(found) == 1 and "block scalar" in found[0] and "Lw7vQ2nX9pT4kR8z" not in found[0]


class TaggedStr(str):
    """Stands in for Ansible's tagged str subclass."""


@pytest.mark.parametrize("value, shown", [(TaggedStr("tune.bufsize 32768"), "str"), ({"a": 1}, "mapping"), (3, "int")])
def test_list_kind_names_the_yaml_type_it_got(value, shown):
    assert syntax.problems("haproxy_global_options", value, "lines") == [
        f"haproxy_global_options must be a list, each item one line of text (no newline or control character) (got a {shown})"]
