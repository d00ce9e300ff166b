#!/usr/bin/env python3
"""Prints criterion's latest results as the markdown tables of BENCHMARKS.md, with every
method's time and its ratio to the generated code (same run).

Run after `cargo bench`: python3 benches/report.py [group ...]
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def mean_ns(path):
    with open(path / "new" / "estimates.json") as f:
        return json.load(f)["mean"]["point_estimate"]


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.2f} ns"


def main():
    wanted = set(sys.argv[1:])
    for group in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "report"):
        if wanted and group.name not in wanted:
            continue
        # results[param][method] = ns
        results = {}
        for method in sorted(p for p in group.iterdir() if p.is_dir() and p.name != "report"):
            if (method / "new").exists():
                results.setdefault("", {})[method.name] = mean_ns(method)
            else:
                for param in method.iterdir():
                    if (param / "new").exists():
                        results.setdefault(param.name, {})[method.name] = mean_ns(param)
        methods = sorted({m for r in results.values() for m in r}, key=lambda m: (m != "generated", m))
        print(f"\n### {group.name}\n")
        head = "| " + ("n | " if "" not in results else "") + " | ".join(methods) + " |"
        print(head)
        print("|" + "---|" * (len(methods) + (0 if "" in results else 1)))
        for param in sorted(results, key=lambda p: (len(p), p)):
            r = results[param]
            base = r.get("generated")
            cells = []
            for m in methods:
                if m not in r:
                    cells.append("")
                elif base and m != "generated":
                    cells.append(f"{fmt(r[m])} ({r[m] / base:.2f}×)")
                else:
                    cells.append(fmt(r[m]))
            print("| " + (f"{param} | " if param else "") + " | ".join(cells) + " |")


main()
