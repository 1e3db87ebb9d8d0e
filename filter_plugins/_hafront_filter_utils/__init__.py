# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Argument checks shared by the filter plugins in this directory; not a plugin itself.

Why a package and not a module file: ansible-core loads every ``*.py`` file in ``filter_plugins/`` and in its
subdirectories as a plugin file and warns about any without a ``FilterModule`` class (a leading ``_`` does not
exempt a file), but it skips ``__init__.py``. So everything here stays in this ``__init__.py``: a sibling module
file in this directory would be loaded as a plugin too.

The plugins import it as the top-level module ``_hafront_filter_utils``, after putting their own directory on
``sys.path``: Ansible imports each plugin file under a synthetic module name, so relative imports do not work.
Importing it puts the repository root on ``sys.path`` too, so that a plugin can then import the ``hafront`` package.

A thin filter over the hafront package is its documentation, one function that calls the core, and
``FilterModule = filter_module(that_function)``; ``@thin_filter`` gives the function Ansible's error conventions.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleFilterError
from jinja2 import Undefined

# The shared core lives beside the roles, in the repository's hafront package.
if (_ROOT := str(Path(__file__).resolve().parents[2])) not in sys.path:
    sys.path.append(_ROOT)


def defined(value: Any) -> Any:
    """Return value unchanged; if it is undefined, raise the templating engine's own error for it."""
    if isinstance(value, Undefined):
        # Tripping it raises the templating engine's own error naming the missing variable,
        # which says more than any type error of ours could.
        value._fail_with_undefined_error()
    return value


def is_list(value: Any) -> bool:
    # Strings and dicts are iterable too, but never what the caller meant.
    return isinstance(defined(value), Sequence) and not isinstance(value, (str, bytes))


class FilterChecks:
    """Errors and argument checks for one filter that is given a group of hosts and the hostvars magic variable.

    Every error reads "<filter>: <subject> <problem>; <fix>".
    """

    def __init__(self, filter_name: str, group: str, arguments: str) -> None:
        """group is an example input, e.g. groups['web']; arguments the filter's arguments in a typical call."""
        self.filter_name = filter_name
        self.group = group
        self.usage = f"{group} | {filter_name}({arguments})"

    def error(self, subject: str, problem: str, fix: str) -> AnsibleFilterError:
        return AnsibleFilterError(f"{self.filter_name}: {subject} {problem}; {fix}")

    def option(self, option: str, value: Any, low: int, high: int | None, example: int) -> int:
        """Return value if it is an integer from low to high (no upper limit if high is None)."""
        if (isinstance(defined(value), bool) or not isinstance(value, int)
                or value < low or (high is not None and value > high)):
            bounds = f"from {low} to {high}" if high is not None else f">= {low}"
            raise self.error(f"option {option}", f"must be an integer {bounds}, got {value!r}",
                             f"pass e.g. {option}={example}")
        return value

    def host_names(self, hosts: Any, kind: str) -> list[str]:
        """Return the input as a list of distinct host names, at least one; kind names one host, e.g. 'load balancer'."""
        if not is_list(hosts) or not all(isinstance(defined(host), str) for host in hosts):
            raise self.error("input", f"must be a list of host names, got {hosts!r}",
                             f"pipe a group into it, e.g. {self.usage}")
        if not hosts:
            raise self.error("input", f"is an empty list of {kind}s",
                             f"give the {kind} group at least one host in the inventory")
        seen: set[str] = set()
        for host in hosts:
            if host in seen:
                raise self.error(f"host {host!r}", "appears more than once in the input list",
                                 f"list each {kind} once, e.g. with | unique")
            seen.add(host)
        return list(hosts)

    def hostvars(self, hostvars: Any) -> Mapping[str, Any]:
        """Return hostvars if it is a mapping (of host name to that host's variables)."""
        if not isinstance(defined(hostvars), Mapping):
            raise self.error("argument hostvars", f"must be a mapping of host name to variables, got {hostvars!r}",
                             f"pass the hostvars magic variable, e.g. {self.usage}")
        return hostvars

    def known_host(self, name: str, hostvars: Mapping[str, Any]) -> Any:
        """Return the hostvars entry of host name, which must be in hostvars (check it with host_vars)."""
        if name not in hostvars:
            raise self.error(f"unknown host {name!r}", "(not in hostvars)", f"use inventory host names, e.g. {self.group}")
        return hostvars[name]

    def host_vars(self, name: str, host_vars: Any) -> Mapping[str, Any]:
        """Return host_vars, the hostvars entry of host name, if it is a mapping of variables."""
        if not isinstance(defined(host_vars), Mapping):
            raise self.error(f"host {name!r}: hostvars entry", f"must be a mapping of variables, got {host_vars!r}",
                             f"pass the hostvars magic variable, e.g. {self.usage}")
        return host_vars


def role_values(filter_name: str, values: Any) -> Mapping[str, Any]:
    """Return values if it maps a role's variable names to their values on one host."""
    if not isinstance(defined(values), Mapping) or not all(isinstance(name, str) for name in values):
        raise AnsibleFilterError(f"{filter_name}: input must map the role's variable names to their values, got "
                                 f"{values!r}; pass dict(names | zip(query('ansible.builtin.vars', *names)))")
    return values


def value_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """func, raising ValueError (with its message) where it raises AnsibleFilterError: so that
    the Ansible-free core in the hafront package can report the error as one of its messages."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AnsibleFilterError as err:
            raise ValueError(err.message) from err

    return call


def thin_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter func as Ansible should call it: an undefined argument raises the templating engine's own
    error, and a ValueError of the hafront core becomes an AnsibleFilterError that names the filter."""

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            defined(value)
        try:
            return func(*args, **kwargs)
        except ValueError as err:
            raise AnsibleFilterError(f"{func.__name__}: {err}") from err

    return call


def filter_module(*funcs: Callable[..., Any]) -> type:
    """The FilterModule class Ansible looks for in a plugin file: it maps each function's name to it."""

    class FilterModule:  # pylint: disable=too-few-public-methods
        def filters(self) -> dict[str, Callable[..., Any]]:
            return {func.__name__: func for func in funcs}

    return FilterModule
