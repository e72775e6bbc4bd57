"""The `selector` command's entry point. It handles Ctrl-C and SIGTERM before importing anything heavy,
so that a Ctrl-C in the first seconds (while pandas, OR-Tools and matplotlib load) exits 130 with a
message, and SIGTERM exits 143, never with a KeyboardInterrupt or ImportError traceback. Then it runs
the CLI (selector.interfaces.cli), which handles both the same way for the rest of the run."""

from __future__ import annotations

import os
import signal
import sys

from selector.errors import Terminated

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
_received: list[int] = []


def _on_signal(signum, frame) -> None:
    _received.append(signum)
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _stop(signum: int) -> None:
    """Say why and leave at once: nothing was started, so nothing needs cleaning up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        from selector.i18n import _

        text = (_("Stopped by SIGTERM: nothing was written.") if signum == signal.SIGTERM
                else _("Interrupted while starting: nothing was done."))
    except BaseException:
        text = "已停止：未写入任何文件。" if signum == signal.SIGTERM else "启动时被中断：未做任何事。"
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED)


def main() -> None:
    ours = [sig for sig in (signal.SIGINT, signal.SIGTERM)
            if signal.getsignal(sig) is not signal.SIG_IGN]  # a signal the caller ignores stays ignored
    for sig in ours:
        signal.signal(sig, _on_signal)
    try:
        from selector.interfaces import cli
    except BaseException as e:  # a Ctrl-C inside an import may surface as some other error of that import
        if _received or isinstance(e, KeyboardInterrupt):
            _stop(_received[-1] if _received else signal.SIGINT)
        raise
    if signal.SIGINT in ours:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the CLI turns it into exit 130
    try:
        cli.main()
    except KeyboardInterrupt as e:  # outside a command (while typer parses the arguments)
        _stop(signal.SIGTERM if isinstance(e, Terminated) else signal.SIGINT)
    finally:
        # the run is over (its output written or not, its exit code set): a signal while the interpreter shuts
        # down would find Python's handlers already reset to the default and kill the process (exit -2 after
        # a finished run, measured ~0.1 s of teardown); ignored handlers are kept through the shutdown
        for sig in ours:
            signal.signal(sig, signal.SIG_IGN)


if __name__ == "__main__":
    main()
