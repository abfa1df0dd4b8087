"""One SMTP session for many messages: reused while the server keeps it, opened anew when
the server closed it (an idle drop, a 421 at a per-session limit) without sending any
message twice, UNKNOWN only after a message's end went out, QUIT at close."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ledgerlink.smtp import SmtpOutcome, SmtpSettings, new_message
from ledgerlink.smtp_session import SmtpSessions
from tests.clocks import START
from tests.smtp_servers import EphemeralController, Inbox, ScriptedServer


def settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="faktura@fjordvarme.dk",
                        timeout=5)


def message(n: int, port: int) -> Any:
    made = new_message(settings(port), [], f"Invoice {n}", START)
    made.set_content(f"invoice {n}")
    return made


@pytest.fixture
def many() -> Iterator[ScriptedServer]:
    with ScriptedServer(per_session=100) as server:
        yield server


def test_many_messages_share_one_connection_and_close_quits_it(many: ScriptedServer) -> None:
    """Five messages from one thread go over one connection; close() says QUIT."""
    sessions = SmtpSessions(settings(many.port))
    results = [sessions.send(message(n, many.port), ["a@kunde.dk"]) for n in range(5)]
    sessions.close()
    assert all(r.outcome is SmtpOutcome.ACCEPTED for r in results)
    assert (many.connections, len(many.messages)) == (1, 5)
    for _ in range(50):
        if many.quits:
            break
        threading.Event().wait(0.01)
    assert many.quits == 1


@pytest.mark.parametrize("polite", [False, True], ids=["hangs-up", "421"])
def test_a_session_the_server_ended_is_opened_anew_and_nothing_is_sent_twice(
        polite: bool) -> None:
    """A server that takes two messages a session (then hangs up, or answers 421): six
    messages all arrive, once each, over three connections."""
    with ScriptedServer(per_session=2, polite=polite) as server:
        sessions = SmtpSessions(settings(server.port))
        results = [sessions.send(message(n, server.port), ["a@kunde.dk"]) for n in range(6)]
        sessions.close()
    assert [r.outcome for r in results] == [SmtpOutcome.ACCEPTED] * 6
    assert len(server.messages) == 6
    assert [m.count(b"invoice") for m in server.messages] == [1] * 6
    assert server.connections == 3


def test_a_message_lost_after_its_end_is_unknown_and_the_next_opens_anew() -> None:
    """The server hangs up after the end of each message: UNKNOWN each time, never sent
    again by the session; the next message goes on a new connection."""
    with ScriptedServer(per_session=1, drop_after_data=True) as server:
        sessions = SmtpSessions(settings(server.port))
        results = [sessions.send(message(n, server.port), ["a@kunde.dk"]) for n in range(2)]
        sessions.close()
    assert [r.outcome for r in results] == [SmtpOutcome.UNKNOWN] * 2
    assert (len(server.messages), server.connections) == (2, 2)


class SessionCounting(Inbox):
    """An aiosmtpd inbox that also notes which session (connection) each message came on."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[int] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sessions.append(id(session))
        return await super().handle_DATA(server, session, envelope)


def test_threads_keep_their_own_sessions() -> None:
    """Three threads sending at once each use their own connection; every message arrives
    once."""
    controller = EphemeralController(SessionCounting(), hostname="127.0.0.1", port=0)
    controller.start()
    inbox = controller.handler
    sessions = SmtpSessions(settings(controller.port))

    def send(start: int) -> None:
        for n in range(start, start + 3):
            assert sessions.send(message(n, controller.port), ["a@kunde.dk"]).outcome is (
                SmtpOutcome.ACCEPTED)

    threads = [threading.Thread(target=send, args=(i * 10,)) for i in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        sessions.close()
    finally:
        controller.stop()
    assert len(inbox.received) == 9 and len(set(inbox.sessions)) == 3


def test_nobody_listening_is_not_sent() -> None:
    """A server nobody listens on: NOT_SENT, nothing can have gone out."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = SmtpSessions(settings(port)).send(message(1, port), ["a@kunde.dk"])
    assert result.outcome is SmtpOutcome.NOT_SENT
