#!/usr/bin/env python3
"""Run a command with its stderr on a pseudo-terminal (stdout stays a pipe), as a user
at a terminal would; write what the terminal showed to ERRFILE and stdout to OUTFILE.

usage: ptyrun.py OUTFILE ERRFILE COMMAND [ARGS...]; exits with the command's status.
TERM is xterm, or PTYRUN_TERM.
"""
import os
import pty
import subprocess
import sys


def main():
    outfile, errfile, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    master, slave = pty.openpty()
    env = dict(os.environ, TERM=os.environ.get("PTYRUN_TERM", "xterm"))
    with open(outfile, "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=slave,
                                env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's last writer is gone
            break
        if not chunk:
            break
        seen += chunk
    rc = proc.wait()
    os.close(master)
    with open(errfile, "wb") as f:
        f.write(seen)
    sys.exit(rc)


main()
