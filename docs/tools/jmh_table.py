#!/usr/bin/env python3
"""Prints Markdown tables of a JMH JSON result file (the -rf json output of broadcast-jmh).

usage: python3 docs/tools/jmh_table.py docs/data/jmh-2026-11-22.json
"""
import json
import sys
from collections import defaultdict


def fmt(value, unit):
    if unit == 'ops/s':
        return f'{value:,.0f}'
    if value >= 100:
        return f'{value:,.0f}'
    return f'{value:,.2f}'


def main(path):
    with open(path) as f:
        results = json.load(f)
    groups = defaultdict(list)
    for r in results:
        groups[r['benchmark'].rsplit('.', 2)[-2] + '.' + r['benchmark'].rsplit('.', 1)[-1]].append(r)
    for name, rows in groups.items():
        params = list(rows[0].get('params', {}).keys())
        unit = rows[0]['primaryMetric']['scoreUnit']
        extra = []
        if rows[0]['mode'] == 'sample':
            extra = ['p50', 'p99']
        has_alloc = any('gc.alloc.rate.norm' in r.get('secondaryMetrics', {}) for r in rows)
        header = params + [f'score ({unit})', '± error'] + extra + (['alloc B/op'] if has_alloc else [])
        print(f'\n### {name}\n')
        print('| ' + ' | '.join(header) + ' |')
        print('|' + '---|' * len(header))
        for r in rows:
            m = r['primaryMetric']
            cells = [str(r['params'][p]) for p in params]
            cells += [fmt(m['score'], unit), fmt(m['scoreError'], unit) if m['scoreError'] == m['scoreError'] else '']
            if extra:
                pct = m.get('scorePercentiles', {})
                cells += [fmt(pct.get('50.0', 0), unit), fmt(pct.get('99.0', 0), unit)]
            if has_alloc:
                alloc = r.get('secondaryMetrics', {}).get('gc.alloc.rate.norm')
                cells.append(f"{alloc['score']:,.0f}" if alloc else '')
            print('| ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main(sys.argv[1])
