"""The table of gradbench/run.sh, from the intermediary's logs (one per eval and tool):
per eval, function and input, each tool's median `evaluate` time (the first run of each
evaluation dropped) and the eval's verdict, and backprop's time over each other tool's.

    python3 gradbench/table.py [--check] LOG_DIR EVAL... -- TOOL...

With --check, exits with 1 unless every eval has evaluations and backprop's are all valid.
"""

import json
import statistics
import sys


def read(path):
    """{(function, input description): (median seconds, verdict)} from one log."""
    messages, out = {}, {}
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        entry = json.loads(line)
        if "message" in entry:
            m = entry["message"]
            messages[m["id"]] = m
            if m.get("kind") == "evaluate":
                # Until its response: a tool that crashed or hung never answers.
                out[key_of(m)] = (None, "FAILED: no response")
            if m.get("kind") == "analysis" and m["of"] in messages:
                key = key_of(messages[m["of"]])
                if key in out:
                    out[key] = (out[key][0], "valid" if m["valid"] else "INVALID")
        elif "response" in entry:
            r = entry["response"]
            m = messages.get(r["id"], {})
            if m.get("kind") != "evaluate":
                continue
            times = [t["nanoseconds"] * 1e-9 for t in r.get("timings", []) if t["name"] == "evaluate"]
            # The first run includes one-time work (JAX compiles on it).
            times = times[1:] or times
            if r.get("success") and times:
                out[key_of(m)] = (statistics.median(times), "not validated")
            else:
                out[key_of(m)] = (None, "FAILED: " + str(r.get("error", ""))[:60])
    return out


def key_of(message):
    return (message["function"], message.get("description") or json.dumps(message["input"])[:30])


def seconds(s):
    if s is None:
        return "—"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def main():
    args = sys.argv[1:]
    check = args[0] == "--check"
    if check:
        args = args[1:]
    cut = args.index("--")
    folder, evals, tools = args[0], args[1:cut], args[cut + 1:]
    others = [t for t in tools if t != "backprop"]
    problems = []
    head = ["eval", "function", "input"] + tools + [f"backprop / {t}" for t in others]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for e in evals:
        logs = {t: read(f"{folder}/{e}.{t}.jsonl") for t in tools}
        keys = list(dict.fromkeys(k for t in tools for k in logs[t]))
        if not logs["backprop"]:
            problems.append(f"{e}: no evaluation by backprop (see {folder}/{e}.backprop.txt)")
        for key, (_, verdict) in logs["backprop"].items():
            if verdict != "valid":
                problems.append(f"{e} {key[0]} {key[1]}: {verdict}")
        for function, description in keys:
            row = [e, function, description]
            for t in tools:
                time, verdict = logs[t].get((function, description), (None, "not run"))
                row.append(f"{seconds(time)} ({verdict})")
            ours = logs["backprop"].get((function, description), (None, ""))[0]
            for t in others:
                theirs = logs[t].get((function, description), (None, ""))[0]
                row.append(f"{ours / theirs:.2f}×" if ours and theirs else "—")
            print("| " + " | ".join(row) + " |")
    if check and problems:
        print("\n".join(["", "not valid:"] + problems), file=sys.stderr)
        sys.exit(1)


main()
