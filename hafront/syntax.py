# SPDX-License-Identifier: MIT
"""What a value may look like where a template writes it into a config file.

Each role lists, in `vars/main.yml` as `__<role>_syntax`, every input variable its
templates interpolate and the kind of text its place allows:

    __haproxy_syntax:
      haproxy_timeout_client: haproxy_time
      haproxy_services[].name: name
      haproxy_global_options: lines

A path names a variable, then `.key` for a mapping's key, `[]` for every item of a list,
`{}` for every value of a mapping and `{key}` for every key of a mapping. `errors()` walks the values and returns one
message per bad value, naming the variable (with the item's index), what the place
allows and how to fix it. A value that is not set is not checked here: whether it must be
set is the argument spec's business. tests/lint/test_template_values.py proves that every
value a template interpolates is listed, so nothing reaches a config file unchecked."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BLOCK_SCALAR = "A YAML block scalar (| or >) keeps a trailing newline: write the value as a quoted string"


@dataclass(frozen=True)
class Kind:
    """One kind of text: a pattern the whole value must match, and what to tell the user."""

    pattern: str
    allows: str  # what one value (one item, for a list) may be
    is_list: bool = False  # the value is a list, each item of this kind

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or value is None:
            return False
        return re.fullmatch(self.pattern, str(value)) is not None


_LINE = r"[^\x00-\x1f\x7f]*"
_WORD = r"[^\s\x00-\x1f\x7f]+"
_NAME = r"[A-Za-z0-9_.-]+"
_HAPROXY_TIME = r"[1-9][0-9]*(us|ms|s|m|h|d)?"

KINDS: dict[str, Kind] = {
    "line": Kind(_LINE, "one line of text (no newline or control character)"),
    "lines": Kind(_LINE, "one line of text (no newline or control character)", is_list=True),
    "word": Kind(_WORD, "one word: no space, newline or control character"),
    "words": Kind(_WORD, "one word: no space, newline or control character", is_list=True),
    "name": Kind(_NAME, "a name of letters, digits, '.', '_' and '-'"),
    "lower_name": Kind(r"[a-z0-9_-]+", "a name of lower-case letters, digits, '_' and '-'"),
    "header": Kind(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", "an HTTP header name (letters, digits and - _ . ! # $ % & ' * + ^ ` | ~)"),
    "uri_path": Kind(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*", "a URI path starting with '/' (no space, quote or '#')"),
    "file_path": Kind(r"/[A-Za-z0-9._+@%/-]*", "an absolute file path of letters, digits and . _ + @ % / -"),
    "octal_mode": Kind(r"0?[0-7]{3}", "a file mode in octal, such as 660"),
    "haproxy_time": Kind(_HAPROXY_TIME, "an HAProxy time above zero, such as 500ms, 30s or 1m (a bare number is milliseconds)"),
    "uint": Kind(r"[0-9]+", "a whole number of 0 or more"),
    "pint": Kind(r"[1-9][0-9]*", "a whole number of at least 1"),
    "seconds": Kind(r"[0-9]+(\.[0-9]+)?", "a number of seconds, such as 1 or 0.5"),
    "size": Kind(r"[0-9]+(b|k|kb|m|mb|g|gb)?", "a size in bytes with an optional unit: 0, 100mb, 2gb"),
    "ip": Kind(r"[0-9A-Fa-f:.]+", "an IP address"),
    "ip_or_star": Kind(r"\*|[0-9A-Fa-f:.]+", "an IP address or '*'"),
    "ips": Kind(r"[0-9A-Fa-f:.]+", "an IP address", is_list=True),
    "cidr": Kind(r"[0-9A-Fa-f:.]+/[0-9]{1,3}", "an address with its prefix length, such as 10.0.0.100/24"),
    "cidrs": Kind(r"[0-9A-Fa-f:.]+/[0-9]{1,3}", "an address with its prefix length, such as 10.0.0.100/24", is_list=True),
    "interface": Kind(r"[A-Za-z0-9_.:@-]{1,15}", "a network interface name (1-15 letters, digits, '.', '_', ':', '@' or '-')"),
    "tls_list": Kind(r"[A-Za-z0-9_:+!.@-]+", "a colon-separated OpenSSL list without spaces"),
    "password": Kind(r"[\x21-\x7e]+", "printable ASCII without spaces (a password)"),
    "redis_word": Kind(r"[^\s\"'\x00-\x1f\x7f]+", "one word without spaces, quotes, newline or control character"),
    "redis_acl": Kind(r"([^\s\x00-\x1f\x7f]+)( [^\s\x00-\x1f\x7f]+)*",
                      "ACL rules on one line, separated by single spaces, such as '~app:* +@read +@write -@dangerous'"),
    "redis_directive": Kind(r"[a-z][a-z0-9-]*", "a Redis directive name (lower-case letters, digits and '-')"),
    "haproxy_word": Kind(r"[^\s\"'#\\\x00-\x1f\x7f]+", "one word without spaces, quotes, '#' or backslash (HAProxy would read them as syntax)"),
    "haproxy_path": Kind(r"/[A-Za-z0-9._~!$&()*+,;=:@%/-]*", "a URI path starting with '/' (no space, quote, '#' or backslash)"),
    "optional_header": Kind(r"([!$%&*+.^_`|~0-9A-Za-z-]+)?", "empty, or an HTTP header name (letters, digits and - _ . ! $ % & * + ^ ` | ~; no '#' or quote)"),
    "keywords": Kind(r"([a-z0-9-]+( [a-z0-9-]+)*)?", "empty, or lower-case keywords separated by single spaces"),
    "int": Kind(r"-?[0-9]+", "a whole number, such as -20 or 5"),
    "keepalived_lines": Kind(r"[^\x00-\x1f\x7f{}]*", "one line of a keepalived setting (no newline, control character, '{' or '}')", is_list=True),
    "shell_url": Kind(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?",
                      "an http:// or https:// URL of letters, digits and . _ ~ % / - (no query, space, quote or shell character), such as http://127.0.0.1:8405/healthz"),
    "redis_password": Kind(r"[A-Za-z0-9._~+-]+", "letters, digits and . _ ~ + - only (start.env is read by sh)"),
    "redis_save": Kind(r"\[[0-9]+, [0-9]+\]", "a [seconds, changes] pair of whole numbers, such as [3600, 1]", is_list=True),
    "any": Kind(r"(?s).*", "anything (only hashed or quoted by the template)"),
}

# Kinds that also need a real address, beyond the pattern.
_ADDRESS_KINDS = {"ip", "ips", "ip_or_star", "cidr", "cidrs"}


def _address_ok(kind: str, value: str) -> bool:
    if kind == "ip_or_star" and value == "*":
        return True
    try:
        if kind in ("cidr", "cidrs"):
            ipaddress.ip_interface(value)
        else:
            ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def split_path(path: str) -> list[str]:
    """'a[].b.c[]' -> ['a', '[]', 'b', 'c', '[]']"""
    parts: list[str] = []
    for dotted in path.split("."):
        cut = min((i for i in (dotted.find("["), dotted.find("{")) if i >= 0), default=len(dotted))
        name, rest = dotted[:cut], dotted[cut:]
        if name:
            parts.append(name)
        parts.extend(re.findall(r"\[\]|\{\}|\{key\}", rest))
    return parts


def walk(value: Any, steps: list[str], where: str = "") -> Iterator[tuple[str, Any]]:
    """Every (concrete path, value) the steps reach; missing keys are skipped."""
    if not steps:
        yield where, value
        return
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                yield from walk(item, rest, f"{where}[{index}]")
    elif step == "{}":
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield from walk(item, rest, f"{where}.{key}")
    elif step == "{key}":
        if isinstance(value, Mapping):
            for key in value:
                yield from walk(key, rest, f"{where} key {key!r}")
    elif isinstance(value, Mapping) and value.get(step) is not None:
        yield from walk(value[step], rest, f"{where}.{step}" if where else step)


def _type_name(value: Any) -> str:
    """The YAML-level type: Ansible's tagged str, dict and list subclasses by their base name."""
    for base in (bool, str, int, float, Mapping, list):
        if isinstance(value, base):
            return {"Mapping": "mapping"}.get(base.__name__, base.__name__)
    return type(value).__name__


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problems(path: str, value: Any, kind_name: str, secret: bool = False) -> list[str]:
    """What is wrong with one value of one kind; [] when it is fine."""
    kind = KINDS[kind_name]
    items = [(path, value)]
    if kind.is_list:
        if not isinstance(value, (list, tuple)):
            return [f"{path} must be a list, each item {kind.allows} (got a {_type_name(value)})"]
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    found = []
    for where, item in items:
        ok = kind.accepts(item) and (kind_name not in _ADDRESS_KINDS or _address_ok(kind_name, str(item)))
        if ok:
            continue
        shown = "the value is not shown: it is a secret" if secret else f"got {_describe(item)}"
        hint = f". {_BLOCK_SCALAR}" if isinstance(item, str) and item.rstrip("\n") != item else ""
        if isinstance(item, str) and _CONTROL.search(item.rstrip("\n")) and not hint:
            hint = ". A newline or control character here would start a new line of the config file"
        found.append(f"{where} must be {kind.allows} ({shown}){hint}")
    return found


_SECRET = re.compile(r"password|secret|certificate|token")


def roots(syntax: Mapping[str, str]) -> list[str]:
    """The variable names a syntax map checks, in order, each once."""
    return list(dict.fromkeys(split_path(path)[0] for path in syntax))


def errors(values: Mapping[str, Any], syntax: Mapping[str, str]) -> list[str]:
    """Every bad value among `values` (variable name -> value) against `syntax` (path -> kind).
    Values of variables whose names say they are secrets are never shown."""
    found: list[str] = []
    for path, kind_name in syntax.items():
        if kind_name not in KINDS:
            raise ValueError(f"unknown kind {kind_name!r} for {path} (known: {', '.join(sorted(KINDS))})")
        steps = split_path(path)
        if values.get(steps[0]) is None:
            continue
        for where, value in walk(values[steps[0]], steps[1:], steps[0]):
            found.extend(problems(where, value, kind_name, secret=bool(_SECRET.search(path))))
    return found
