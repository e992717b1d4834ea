#!/usr/bin/python3
"""Pub/Sub through Debian's python3-redis (run with /usr/bin/python3): a subscriber on a channel
and a pattern, a publisher sending N messages on several channels. Prints one line of key=value
results and exits 0 only if every message arrived once, in order, with the right channel and
pattern, and PUBLISH counted the receivers right.
"""
import argparse
import sys

import redis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--messages", type=int, default=500)
    args = ap.parse_args()
    sub = redis.Redis(host="127.0.0.1", port=args.port, socket_timeout=10)
    pub = redis.Redis(host="127.0.0.1", port=args.port, socket_timeout=10)
    p = sub.pubsub()
    p.subscribe("chat")
    p.psubscribe("room:*")
    confirmations = [p.get_message(timeout=5) for _ in range(2)]
    if [c["type"] for c in confirmations] != ["subscribe", "psubscribe"]:
        print("bad confirmations", confirmations)
        return 1
    counts_ok = True
    for i in range(args.messages):
        channel = "chat" if i % 2 == 0 else "room:%d" % (i % 5)
        counts_ok &= pub.publish(channel, "m%d" % i) == 1
    received = 0
    for i in range(args.messages):
        m = p.get_message(timeout=5)
        want_channel = "chat" if i % 2 == 0 else "room:%d" % (i % 5)
        want_type = "message" if i % 2 == 0 else "pmessage"
        if (m is None or m["type"] != want_type or m["channel"].decode() != want_channel
                or m["data"].decode() != "m%d" % i
                or (want_type == "pmessage" and m["pattern"].decode() != "room:*")):
            print("message %d wrong: %r" % (i, m))
            return 1
        received += 1
    numsub = pub.pubsub_numsub("chat")
    p.close()
    print("received=%d expected=%d counts_ok=%s numsub=%s" % (received, args.messages, counts_ok,
                                                             numsub))
    return 0 if received == args.messages and counts_ok else 1


if __name__ == "__main__":
    sys.exit(main())
