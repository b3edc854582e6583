"""The ``accord`` console script's entry point, light enough that ``accord --help`` imports no Typer.

It also ends ``accord --help`` and a listing's process without tearing the interpreter down: freeing the ~750
modules a listing imports (SQLAlchemy's ORM, the node, Rich, pydantic through Typer) took a
third of the process's CPU (bench/RESULTS.md, "Start-up", session 15). A command opts in with
:func:`end_without_teardown` once everything it does is done (its node closed, its journal
event committed); the script then flushes standard output and error and leaves with
``os._exit``. Only the console script does this: in-process callers (tests, ``CliRunner``)
never call :func:`main`.
"""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["QUICK_EXIT", "end_without_teardown", "is_root_help", "main"]

PROG = "accord"
QUICK_EXIT = True
"""Whether :func:`main` may end an opted-in command with ``os._exit`` (a probe that inspects
the process after the command sets it to ``False``)."""
_opted_in = False


def is_root_help(argv: list[str]) -> bool:
    """Whether ``argv`` (``sys.argv``) asks for ``accord --help`` under the name ``accord``.

    Click names the program after ``sys.argv[0]`` unless it runs as ``python -m``; any other
    name is left to Typer, which prints it.
    """
    main = sys.modules.get("__main__")
    plain = getattr(main, "__package__", None) in (None, "")
    return argv[1:] == ["--help"] and plain and os.path.basename(argv[0]) == PROG  # noqa: PTH119 - as Click


def end_without_teardown() -> None:
    """Let the console script end this command's process at once when it succeeds.

    Call it when the command has nothing left to write but its output: its files closed, its
    node closed (every transaction committed). Nothing else is skipped than freeing memory.
    """
    global _opted_in  # noqa: PLW0603 - one flag per process, read by main()
    _opted_in = True


def main() -> None:
    """Entry point of the ``accord`` console script."""
    global _opted_in  # noqa: PLW0603 - only the command this call runs may opt in
    _opted_in = False
    # Imported here, each only on its path: `accord --help` is printed without Typer
    # (accord.cli._root_help), and so is the usual `accord item list` (accord.cli._list_argv);
    # every other command is Typer's.
    if is_root_help(sys.argv):
        from accord.cli._root_help import print_root_help  # noqa: PLC0415 - see above

        print_root_help()
        if QUICK_EXIT:
            _exit_now()  # nothing was opened: only Rich's modules would be freed
        return
    from accord.cli._list_argv import parse, run  # noqa: PLC0415 - see above

    listing = parse(sys.argv, os.environ)
    try:
        if listing is not None:
            run(listing)
        from accord.cli._app import app  # noqa: PLC0415 - see above

        app()
    except SystemExit as exc:
        if exc.code in (0, None) and _opted_in and QUICK_EXIT and threading.active_count() == 1:
            _exit_now()
        raise


def _exit_now() -> None:
    """Flush what was written and leave with status 0, skipping the interpreter's teardown."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed or broken pipe: the ordinary exit reports it
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.shutdown()  # what its atexit hook would do: flush and close handlers
    os._exit(0)
