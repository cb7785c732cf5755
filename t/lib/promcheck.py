#!/usr/bin/env python3
"""promcheck.py FILE: check a Prometheus text exposition (format 0.0.4) the
way `promtool check metrics` would for what we write: every sample's
metric has one # HELP and one # TYPE line before it, names and label names
match the format's rules, label values are quoted and escaped right, every
value is a float, no series twice.  Prints the problems; exit 1 if any.
With --get NAME{LABELS}: print that series' value (for the tests)."""
import re
import sys

NAME = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*$')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')


def labels(text):
    out, i = [], 0
    while i < len(text):
        m = re.match(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"',
                     text[i:])
        if not m:
            raise ValueError('bad labels: ' + text)
        out.append((m.group(1), m.group(2)))
        i += m.end()
        if i < len(text):
            if text[i] != ',':
                raise ValueError('bad labels: ' + text)
            i += 1
    return tuple(out)


def parse(path):
    problems, helps, types, seen, values = [], set(), {}, set(), {}
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if line.startswith('# HELP '):
            name = line.split(' ')[2]
            if name in helps:
                problems.append('%d: second HELP for %s' % (n, name))
            helps.add(name)
            continue
        if line.startswith('# TYPE '):
            parts = line.split(' ')
            if len(parts) != 4 or parts[3] not in (
                    'gauge', 'counter', 'untyped', 'summary', 'histogram'):
                problems.append('%d: bad TYPE line' % n)
            types[parts[2]] = parts[3]
            continue
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append('%d: not a sample: %r' % (n, line))
            continue
        name = m.group(1)
        if name not in helps or name not in types:
            problems.append('%d: %s has no HELP/TYPE before it' % (n, name))
        if types.get(name) == 'counter' and not name.endswith('_total'):
            problems.append('%d: counter %s without _total' % (n, name))
        try:
            lab = labels(m.group(3) or '')
            float(m.group(4))
        except ValueError as e:
            problems.append('%d: %s' % (n, e))
            continue
        key = (name, lab)
        if key in seen:
            problems.append('%d: duplicate series %s' % (n, line))
        seen.add(key)
        values[name + '{' + ','.join('%s="%s"' % kv for kv in lab) + '}'] = \
            m.group(4)
    return problems, values


def main():
    if len(sys.argv) == 4 and sys.argv[2] == '--get':
        _, values = parse(sys.argv[1])
        key = sys.argv[3] if '{' in sys.argv[3] else sys.argv[3] + '{}'
        print(values.get(key, 'absent'))
        return 0
    problems, _ = parse(sys.argv[1])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
