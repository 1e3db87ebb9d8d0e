# Copyright (c) 2026 hafront contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Redis node is master: the one rule, from what the Sentinels answer.

Three places ask: the playbook (filter_plugins/redis_current_master.py, to follow the last
failover), every Redis node at each start of redis-server (roles/redis/files/
hafront-redis-replication, which ships this very file next to itself) and the drill. They
all call master_by_sentinels, so a node's start-up decision and the playbook's cannot
disagree about the same answers.

The rule follows Sentinel's own: a failover is authorised only by a majority of all the
Sentinels of the group, reachable or not, so only a strict majority of the Sentinels asked
names the master. A Sentinel that does not answer counts against every address. Thus:

- a partitioned minority (say the old master, back after a failover, whose own Sentinel
  still names it while the other two are out of reach) never reaches a majority, and
  never promotes itself next to the master the majority elected;
- a tie, or a plurality short of a majority, names no master either: the playbook stops
  and asks for a look, a starting node becomes a replica (a replica takes no writes, and
  Sentinel points it at the real master) or, if only it is named, waits;
- a stale Sentinel (one still naming the master before the last failover, until Sentinel's
  gossip reaches it) is outvoted when the others agree, and keeps the others from a
  majority when they do not.

Only when no Sentinel answers at all, and the caller says the group has never run
Sentinel (a first deploy), does the inventory's initial master count. The rule has no use
for Sentinel's config epochs: SENTINEL GET-MASTER-ADDR-BY-NAME does not return them, and
the highest epoch among the answers says nothing about a majority out of reach.

Standard library only: the start-up helper runs this file with the node's python3.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import NamedTuple

MAJORITY, INITIAL, TIE, NO_MAJORITY, NO_ANSWER = "majority", "initial", "tie", "no majority", "no answer"


class Verdict(NamedTuple):
    """What the answers decide."""

    master: str | None   # the address named (or the caller's initial master); None: no master is named
    reason: str             # MAJORITY, INITIAL, TIE, NO_MAJORITY or NO_ANSWER
    votes: int              # answers naming the best-placed address
    asked: int              # Sentinels asked, answering or not
    ranked: tuple           # ((address, votes), ...): most votes first, then by address

    def describe(self) -> str:
        """One line for a log or an error message."""
        if self.reason == MAJORITY:
            return f"{self.master} named by {self.votes} of {self.asked} Sentinels"
        if self.reason == INITIAL:
            return f"the initial master {self.master}: none of {self.asked} Sentinels answered, none has run yet"
        if self.reason == NO_ANSWER:
            return f"none of {self.asked} Sentinels answered"
        named = ", ".join(f"{address} by {votes}" for address, votes in self.ranked)
        return f"{self.reason}: {named} of {self.asked} Sentinels (a majority is {self.asked // 2 + 1})"


def master_by_sentinels(answers: Mapping[str, str | None], initial: str | None = None) -> Verdict:
    """The master the Sentinels name: an address a strict majority of the Sentinels asked names.

    answers maps every Sentinel asked (a member of the group) to its answer to SENTINEL
    GET-MASTER-ADDR-BY-NAME as "ip:port" (any one spelling of an address will do, the ip
    alone too: answers are compared as strings), or to None or "" when it gave none; it
    counts against every address. A Sentinel left out of answers is no member of the group.

    initial is returned unchanged (reason INITIAL) when no Sentinel answers at all: pass the
    initial master only when the group cannot have run Sentinel yet (the controller cannot
    tell, and passes it always; a node can, from its own Sentinel's config). Otherwise no
    answer names no master (NO_ANSWER).

    A tie for the most answers (TIE), or a best address short of a majority (NO_MAJORITY),
    names no master: master is None, and ranked lists what was named.
    """
    votes = Counter(str(answer) for answer in answers.values() if answer)
    asked = len(answers)
    ranked = tuple(sorted(votes.items(), key=lambda item: (-item[1], item[0])))
    if not ranked:
        return Verdict(initial, INITIAL if initial is not None else NO_ANSWER, 0, asked, ())
    (best, most), tied = ranked[0], len(ranked) > 1 and ranked[1][1] == ranked[0][1]
    if tied:
        return Verdict(None, TIE, most, asked, ranked)
    if 2 * most <= asked:
        return Verdict(None, NO_MAJORITY, most, asked, ranked)
    return Verdict(best, MAJORITY, most, asked, ranked)


class StartAs(NamedTuple):
    """How a Redis node starts: as master, as a replica of primary, or not yet (wait)."""

    role: str                   # "master", "replica" or "wait"
    primary: str | None      # for "replica", the address to replicate


def start_as(verdict: Verdict, self_address: str, saved: str | None = None) -> StartAs:
    """How the node at self_address starts, given the verdict when its wait for the Sentinels ended.

    Named master by the rule: master if it is this node, else a replica of it. Named no
    master: never master. A replica of the best-placed other address the Sentinels named,
    else of saved (the master in the local Sentinel's saved config) if it is another node,
    since a replica of the wrong node takes no writes and Sentinel reconfigures it; if
    nothing names another node, wait (the helper fails, and systemd starts it again).
    """
    if verdict.master is not None:
        return StartAs("master", None) if verdict.master == self_address else StartAs("replica", verdict.master)
    others = [address for address, _ in verdict.ranked if address != self_address]
    if saved and saved != self_address:
        others.append(saved)
    return StartAs("replica", others[0]) if others else StartAs("wait", None)
