"""Writes Redis commands as RESP to stdout, for redis-cli --pipe (the side-by-side scripts)."""
import sys

_out = sys.stdout.buffer


def cmd(*args):
    """One command; every argument is a str."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    _out.write(b"".join(parts))
