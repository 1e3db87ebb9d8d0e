"""The operator's playbooks (tests/ops: status table, vip_move, redis_switchover), run last
in the failover scenario: after test_failover.py has brought the killed VIP holder back and
the VIPs home. (Listed as an extra directory, Molecule would run them first, while the
side effect's kill still holds a load balancer down.)"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

from test_operations import *  # noqa: E402,F401,F403  (the tests and their fixtures)
