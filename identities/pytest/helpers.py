"""The assertion helpers inside the plugin's session: the defaults they take and the results they record.

Around each test the plugin activates an ``identities.testing.session.Session``
holding the settings the user configured (ini file or command line) and a
recorder; a helper called in the test (``assert_identity``,
``assert_accurate``, ``assert_derivative``) records its Result there, as plain
types (``to_wire``) on the item, and the plugin moves them onto that phase's
test report, so under pytest-xdist they travel to the controller the way the
collected identities' results do.

Loaded only when the session has something for the helpers (a configured
setting or an output), at the first test.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from identities.pytest.items import to_wire
from identities.pytest.state import State
from identities.testing.session import Session, activate, deactivate

__all__ = ["activate_for", "deactivate", "helper_session", "WIRES"]

WIRES = "identities_helper_wires"  # the item's attribute holding the results recorded since the last report


def helper_session(item: pytest.Item, state: State) -> Session:
    """The Session of one test: the configured settings (only those set), and a recorder of its results."""
    o = state.options
    sources = dict(o.sources)
    setattr(item, WIRES, [])
    file = str(item.nodeid).split("::")[0]
    counter = [0]

    def record(result: Any) -> None:
        if state.positions is None:  # the same on every xdist worker: each collects every item, in order
            state.positions = {i.nodeid: n for n, i in enumerate(item.session.items)}
        position = state.positions.get(item.nodeid, len(state.positions))
        r = replace(result, test=item.nodeid)
        getattr(item, WIRES).append(to_wire(r, file="", order=(file, 0, position, counter[0])))
        counter[0] += 1

    return Session(
        backends=o.backends if "backends" in sources else None,
        examples=o.examples if "examples" in sources else None,
        seed=o.seed if "seed" in sources else None,
        tolerance=dict(o.tolerance),
        sources=sources,
        record=record,
        test=item.nodeid,
    )


def activate_for(item: pytest.Item, state: State) -> Session:
    session = helper_session(item, state)
    activate(session)
    return session
