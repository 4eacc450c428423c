"""Has the terminal hung up? (Its window closed, or the SSH link dropped.) Usually a SIGHUP ends the app then; when
none comes (``nohup``, ``setsid``, a wrapper that ignores it), Textual's input thread reads the dead terminal in a
busy loop, a core at ~95% for ever. The App polls this once a second and quits as on SIGHUP."""

from __future__ import annotations

import select


def hung_up(fd: int) -> bool:
    """``fd`` (the terminal the App reads keys from) has hung up, failed or been closed; never blocks."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events)
