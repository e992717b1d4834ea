#!/usr/bin/python3
"""Scripts through Debian's python3-redis (run with /usr/bin/python3).

1. register_script: several processes increment one counter with a Lua script, half of them
   through pipelines (EVALSHA, reloaded by redis-py after a SCRIPT FLUSH answers NOSCRIPT).
2. lock(): several processes guard a non-atomic GET/SET increment with redis-py's Lock, whose
   release and extend are Lua scripts; the counter must come out exact.
3. A slow script: a second client gets -BUSY, SCRIPT KILL ends the script, whose caller gets
   the kill error, and the server serves again.
Prints key=value results and exits 0 only if everything held.
"""
import argparse
import multiprocessing
import sys
import threading
import time

import redis

INCR_SCRIPT = "return redis.call('INCRBY', KEYS[1], ARGV[1])"


def script_worker(port, rounds, pipelined, queue):
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    incr = client.register_script(INCR_SCRIPT)
    for i in range(rounds):
        if pipelined:
            with client.pipeline() as pipe:
                incr(keys=["scripted"], args=[1], client=pipe)
                incr(keys=["scripted"], args=[1], client=pipe)
                pipe.execute()
        else:
            incr(keys=["scripted"], args=[2])
    queue.put(rounds * 2)


def lock_worker(port, rounds, queue):
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    done = 0
    for _ in range(rounds):
        with client.lock("lock:counter", timeout=5, blocking_timeout=30):
            value = int(client.get("locked") or 0)
            client.set("locked", value + 1)
            done += 1
    queue.put(done)


def run_all(target, args_list):
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=target, args=a + (queue,)) for a in args_list]
    for p in procs:
        p.start()
    results = [queue.get(timeout=90) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return sum(results), all(p.exitcode == 0 for p in procs)


def slow_script(port):
    admin = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    admin.config_set("busy-reply-threshold", 100)
    outcome = {}

    def run():
        slow = redis.Redis(host="127.0.0.1", port=port, socket_timeout=20)
        try:
            slow.eval("local i = 0 while true do i = i + 1 end", 0)
        except redis.ResponseError as e:
            outcome["error"] = str(e)

    thread = threading.Thread(target=run)
    thread.start()
    busy = None
    for _ in range(100):
        time.sleep(0.05)
        try:
            admin.ping()
        except redis.exceptions.BusyLoadingError as e:
            busy = str(e)
            break
        except redis.ResponseError as e:
            busy = str(e)
            break
    killed = admin.script_kill() if busy else False
    thread.join(timeout=20)
    pong = admin.ping()
    admin.config_set("busy-reply-threshold", 5000)
    return busy, killed, outcome.get("error", ""), pong


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    client = redis.Redis(host="127.0.0.1", port=args.port, socket_timeout=10)
    client.delete("scripted", "locked")
    client.script_flush()

    added, ok1 = run_all(script_worker,
                         [(args.port, args.rounds, i % 2 == 0) for i in range(args.workers)])
    scripted = int(client.get("scripted") or 0)
    locked_done, ok2 = run_all(lock_worker, [(args.port, args.rounds) for _ in range(args.workers)])
    locked = int(client.get("locked") or 0)
    busy, killed, slow_error, pong = slow_script(args.port)

    print(f"scripted={scripted} expected={added} locked={locked} expected_locked={locked_done} "
          f"busy={busy!r} killed={killed} slow_error={slow_error!r} pong={pong}")
    ok = (ok1 and ok2 and scripted == added == args.workers * args.rounds * 2
          and locked == locked_done == args.workers * args.rounds
          and busy is not None and busy.startswith("BUSY Redis is busy running a script")
          and killed and "Script killed by user with SCRIPT KILL" in slow_error and pong)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
