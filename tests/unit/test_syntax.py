"""hafront.syntax: the kinds of text a config file's places allow, and the walk over paths."""

from __future__ import annotations

import pytest

from hafront import syntax


@pytest.mark.parametrize(("path", "steps"), [
    ("a", ["a"]),
    ("a.b", ["a", "b"]),
    ("a[].b.c[]", ["a", "[]", "b", "c", "[]"]),
    ("a{}", ["a", "{}"]),
    ("a{key}", ["a", "{key}"]),
    ("a[].b{}", ["a", "[]", "b", "{}"]),
])
def test_split_path(path, steps):
    assert syntax.split_path(path) == steps


@pytest.mark.parametrize(("kind", "good", "bad"), [
    ("line", ["option httplog", ""], ["a\nb", "a\rb", "tab\tin", "trailing\n"]),
    ("word", ["X-Load-Balancer"], ["two words", "", "a\n"]),
    ("haproxy_time", ["500ms", "30s", "1m", "2000"], ["0", "30 s", "5x", "-1s", "1s\n"]),
    ("header", ["X-Served-By"], ["X Served", "X:Y", "a\nb"]),
    ("pint", ["1", 42], ["0", "-1", "1.5", True]),
    ("size", ["0", "100mb", "2gb"], ["2 GB", "lots"]),
    ("ip", ["10.0.0.1", "::1"], ["10.0.0.256", "host", "*"]),
    ("ip_or_star", ["*", "10.0.0.1"], ["**", "0"]),
    ("cidr", ["10.0.0.100/24", "fd00::1/64"], ["10.0.0.100", "10.0.0.100/33"]),
    ("password", ["S3cret-p4ssword"], ["with space", "trailing\n", ""]),
    ("redis_acl", ["~app:* +@read -@dangerous"], ["+@all\nuser evil on >x", "two  spaces", ""]),
    ("redis_directive", ["maxclients", "hz"], ["Bad", "a b", "x\n"]),
])
def test_kinds(kind, good, bad):
    for value in good:
        assert syntax.problems("v", value, kind) == [], value
    for value in bad:
        assert syntax.problems("v", value, kind), value


def test_errors_walk_lists_and_mappings_and_name_the_item():
    values = {"svcs": [{"name": "ok", "opts": ["a", "b\nc"]}, {"name": "Bad Name"}],
              "extra": {"maxclients": "100", "Evil Key": "x", "hz": "10\nreplicaof 1.2.3.4 6379"}}
    rules = {"svcs[].name": "lower_name", "svcs[].opts": "lines", "extra{key}": "redis_directive", "extra{}": "line"}
    found = syntax.errors(values, rules)
    assert len(found) == 4, found
    assert any(m.startswith("svcs[0].opts[1] must be one line") for m in found)
    assert any(m.startswith("svcs[1].name must be a name") for m in found)
    assert any(m.startswith("extra key 'Evil Key'") for m in found)
    assert any(m.startswith("extra.hz must be one line") and "new line of the config file" in m for m in found)


def test_unset_values_are_not_checked_here():
    assert syntax.errors({"a": None, "b": [{}]}, {"a": "word", "b[].c": "word", "missing": "word"}) == []


def test_list_kind_refuses_a_string():
    assert syntax.errors({"opts": "one\ntwo"}, {"opts": "lines"}) == ["opts must be a list, each item one line of text "
                                                                       "(no newline or control character) (got a str)"]


def test_block_scalar_password_gets_its_own_hint_and_is_never_shown():
    found = syntax.errors({"redis_app_password": "s3cret-value-here\n"}, {"redis_app_password": "password"})
    assert len(found) == 1
    assert "block scalar" in found[0] and "s3cret" not in found[0] and "not shown" in found[0]


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown kind"):
        syntax.errors({"a": "x"}, {"a": "no_such_kind"})
