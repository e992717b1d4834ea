#!/usr/bin/python3
"""Concurrent WATCH/MULTI/EXEC retry loop with Debian's python3-redis (run with /usr/bin/python3).

Several processes increment one counter with optimistic transactions: WATCH the key, read it,
MULTI, SET value+1, EXEC; a WatchError (EXEC returned nil) means another process won: retry.
Prints one line of key=value results and exits 0 only if the final counter is exact.
"""
import argparse
import multiprocessing
import sys

import redis


def worker(port, key, increments, queue):
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    retries = 0
    done = 0
    with client.pipeline() as pipe:
        while done < increments:
            try:
                pipe.watch(key)
                value = int(pipe.get(key) or 0)
                pipe.multi()
                pipe.set(key, value + 1)
                pipe.execute()
                done += 1
            except redis.WatchError:
                retries += 1
            if retries > increments * 1000:
                break
    queue.put((done, retries))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--increments", type=int, default=250)
    parser.add_argument("--key", default="counter")
    args = parser.parse_args()

    client = redis.Redis(host="127.0.0.1", port=args.port, socket_timeout=10)
    client.delete(args.key)
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker,
                                     args=(args.port, args.key, args.increments, queue))
             for _ in range(args.workers)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    final = int(client.get(args.key) or 0)
    expected = args.workers * args.increments
    retries = sum(r for _, r in results)
    print(f"final={final} expected={expected} retries={retries} "
          f"exitcodes={','.join(str(p.exitcode) for p in procs)}")
    ok = final == expected and all(p.exitcode == 0 for p in procs)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
