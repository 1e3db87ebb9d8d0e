# SPDX-License-Identifier: MIT
"""What the preflight checks share: values read the way Ansible's filters read them.

The roles' inputs reach the checks as they are in the inventory (argument specs check types
but convert nothing), so a port may be 80 or "80" and a flag true or "yes". These helpers
read them as the roles' templates do (`| int`, `| float`, `| bool`, `~`), so a check passes
exactly the values the templates would accept."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from hafront import syntax

_TRUE = {"yes", "on", "true", "1"}


def as_int(value: Any) -> int:
    """Jinja's `int` filter: "42.7" is 42, anything unreadable 0."""
    try:
        return int(value, 10) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return 0


def as_float(value: Any) -> float:
    """Jinja's `float` filter: anything unreadable is 0.0."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def as_bool(value: Any) -> bool:
    """Ansible's `bool` filter: yes/on/true/1 (any case) and 1 are true, everything else false."""
    if isinstance(value, (str, int)):
        return str(value).lower() in _TRUE
    return value == 1


def plain(value: Any) -> Any:
    """A copy made of dict, list and str only, so that str() spells it as YAML's reader would."""
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def text(value: Any) -> str:
    """A value joined into a sentence (Jinja's `~` and `join`): None is 'None'."""
    return str(plain(value))


def shown(value: Any) -> str:
    """A value written into a message with {{ }}: None is empty."""
    return "" if value is None else text(value)


def listed(values: Iterable[Any], sep: str = ", ") -> str:
    return sep.join(text(v) for v in values)


def _key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def unique(values: Iterable[Any]) -> list[Any]:
    """Ansible's `unique`: first of each, strings compared without case."""
    found: list[Any] = []
    seen: list[Any] = []
    for value in values:
        key = _key(value)
        if key not in seen:
            seen.append(key)
            found.append(value)
    return found


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def flatten(values: Iterable[Any]) -> list[Any]:
    """Ansible's `flatten`: nested lists opened, null items left out."""
    found: list[Any] = []
    for value in values:
        if value is None or (isinstance(value, str) and value in ("None", "null")):
            continue
        found.extend(flatten(value) if is_list(value) else [value])
    return found


def is_ip(value: Any) -> bool:
    """ansible.utils' ip_address test."""
    if isinstance(value, (Mapping, list, tuple)) or value is None:
        return False
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def is_ipv4(value: Any) -> bool:
    return is_ip(value) and ipaddress.ip_address(str(value)).version == 4


def port_ok(value: Any) -> bool:
    return 1 <= as_int(value) <= 65535


def var(host_vars: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """One of a host's variables, or default when it does not set it (`| default()`)."""
    try:
        return host_vars[name]
    except KeyError:
        return default


class HostVars(Mapping):
    """Every host's variables (Ansible's hostvars, or a plain dict), each read once.

    Ansible builds a host's whole variable set on every hostvars[host], and templates a
    variable on every read: the checks read the same ones many times."""

    def __init__(self, hostvars: Mapping[str, Mapping[str, Any]]) -> None:
        self._hostvars = hostvars
        self._hosts: dict[str, Mapping[str, Any]] = {}
        self._values: dict[tuple[str, str], Any] = {}

    def __getitem__(self, host: str) -> Mapping[str, Any]:
        if host not in self._hosts:
            self._hosts[host] = self._hostvars[host]
        return self._hosts[host]

    def __contains__(self, host: object) -> bool:
        return host in self._hosts or host in self._hostvars

    def __iter__(self) -> Iterator[str]:
        return iter(self._hostvars)

    def __len__(self) -> int:
        return len(self._hostvars)

    def value(self, host: str, name: str, default: Any = None) -> Any:
        """One of a host's variables, or default when it does not set it (`| default()`)."""
        if (host, name) not in self._values:
            self._values[host, name] = var(self[host], name, _UNSET) if host in self else _UNSET
        found = self._values[host, name]
        return default if found is _UNSET else found

    def facts(self, host: str) -> Mapping[str, Any]:
        """A host's gathered facts; empty when none were gathered."""
        facts = self.value(host, "ansible_facts", {})
        return facts if isinstance(facts, Mapping) else {}


_UNSET = object()


def cached(hostvars: Mapping[str, Mapping[str, Any]]) -> HostVars:
    """hostvars, each host's variables read once (see HostVars)."""
    return hostvars if isinstance(hostvars, HostVars) else HostVars(hostvars)


def syntax_errors(values: Mapping[str, Any], rules: Mapping[str, str], host: str) -> list[str]:
    """hafront.syntax over the variables a role's syntax map names, one message each."""
    found = syntax.errors({name: values.get(name) for name in syntax.roots(rules)}, rules)
    return [f"On {host}, {message}." for message in found]
