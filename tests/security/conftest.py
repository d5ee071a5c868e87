import pytest

from tests.figures import record
from tests.security.hostile import HostileClient


@pytest.fixture(scope="session")
def hostile_tally():
    tally = {"sent": 0}
    yield tally
    if tally["sent"]:
        record("hostile requests sent (none answered 5xx or reflected markup)", tally["sent"])


@pytest.fixture
def hostile(client, hostile_tally):
    """Sends hostile values and checks each answer; counts what it sent for the run's figures."""
    sender = HostileClient(client)
    yield sender
    hostile_tally["sent"] += sender.sent
