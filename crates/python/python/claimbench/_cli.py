"""The ``claimbench`` console command of the wheel: the very code of the Rust binary, run in this process."""

import signal
import sys

from . import _native


def main() -> None:
    """Run ``claimbench`` with this process's arguments and exit with its code (0, 1, 2 or 3, as the binary)."""
    # Python turns Ctrl-C into KeyboardInterrupt, which native code never sees: let it stop the process, as it
    # stops the binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(_native.main(["claimbench", *sys.argv[1:]]))
