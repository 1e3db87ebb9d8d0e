# SPDX-License-Identifier: MIT
"""Each role's preflight checks, one function per role over plain data.

`haproxy.errors()`, `keepalived.errors()`, `redis.errors()` and `demo_backend.errors()` take
the role's variables (a dict of name to effective value on one host), the host's name, the
inventory's groups and hostvars, and return the list of messages, one per failed condition;
an empty list when the inputs are fine. roles/<role>/tasks/preflight.yml calls them through
the thin `<role>_preflight_errors` filters and fails with the messages joined.

The checks run in the order the roles' preflight tasks had, and stop at the first group of
checks that fails: a later check relies on the earlier ones (the syntax check proves a bind
address is an IP before the IPv6 check reads it), and a run prints only what is wrong first.
Messages never show a secret's value."""
