#!/usr/bin/env python3
"""Writes log files the way runtimes and logrotate do, and the bodies a
collector must deliver (one per line, in expected.txt).

  logwriter.py <mode> <dir> <expected> [count]

modes:
  cri        /<dir>/pods/ns_pod_uid/app/0.log, containerd format with P/F
             partial lines, written in pieces (a line's halves apart)
  docker     <dir>/docker.log, json-file format, long logs split without \\n
  rename     <dir>/app.log rotated by rename every 500 lines while writing
  copytrunc  <dir>/app.log rotated by copy + truncate every 500 lines
  plain      <dir>/plain.log, count lines appended (pieces, then newline)
  multiline  <dir>/ml.log, entries of 1-4 lines starting with a date
  gzrotate   <dir>/app.log rotated every 500 lines as logrotate's compress
             does: app.log -> app.log.1, which is gzipped (streamed, in
             pieces) 100 lines later to app.log.1.gz and removed; older
             .gz files shift to .2.gz, .3.gz ...
  utf16le    <dir>/u16.log, UTF-16LE with a BOM, non-ASCII text and CRLF,
             written in pieces that end inside a UTF-16 unit
"""
import json
import os
import shutil
import sys
import time
import zlib

mode, d, expected = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
bodies = []


def body(i, tag):
    # unique, with characters a JSON encoder must escape
    return f'{tag}-{i:06d} "q" \\ tab\there {"x" * (i % 37)}'


def ts(i):
    return f'2024-05-06T07:{(i // 60) % 60:02d}:{i % 60:02d}.{i:09d}Z'


def pause(i):
    if i % 97 == 0:
        time.sleep(0.01)


if mode == 'cri':
    p = os.path.join(d, 'pods', 'prod_web-1_8f2c-01', 'app')
    os.makedirs(p, exist_ok=True)
    with open(os.path.join(p, '0.log'), 'a', buffering=1) as f:
        for i in range(count):
            b = body(i, 'cri')
            stream = 'stderr' if i % 5 == 0 else 'stdout'
            if i % 4 == 0:  # split into three partial pieces
                a, c = b[:7], b[7:15]
                f.write(f'{ts(i)} {stream} P {a}\n')
                f.write(f'{ts(i)} {stream} P {c}\n')
                f.flush()
                time.sleep(0.002)
                f.write(f'{ts(i)} {stream} F {b[15:]}\n')
            else:
                line = f'{ts(i)} {stream} F {b}\n'
                f.write(line[:10])
                f.flush()
                f.write(line[10:])
            bodies.append(b)
            pause(i)
elif mode == 'docker':
    with open(os.path.join(d, 'docker.log'), 'a', buffering=1) as f:
        for i in range(count):
            b = body(i, 'dck')
            if i % 3 == 0:  # docker splits long logs; only the last piece has \n
                f.write(json.dumps({'log': b[:9], 'stream': 'stdout', 'time': ts(i)}) + '\n')
                f.write(json.dumps({'log': b[9:] + '\n', 'stream': 'stdout', 'time': ts(i)}) + '\n')
            else:
                f.write(json.dumps({'log': b + '\n', 'stream': 'stderr', 'time': ts(i)}) + '\n')
            bodies.append(b)
            pause(i)
elif mode in ('rename', 'copytrunc'):
    path = os.path.join(d, 'app.log')
    f = open(path, 'a', buffering=1)
    n = 0
    for i in range(count):
        b = body(i, 'rot')
        f.write(b + '\n')
        bodies.append(b)
        pause(i)
        if (i + 1) % 500 == 0:
            n += 1
            if mode == 'rename':
                f.close()
                os.rename(path, f'{path}.{n}')
                f = open(path, 'a', buffering=1)
            else:
                f.flush()
                shutil.copyfile(path, f'{path}.{n}')
                f.truncate(0)
                f.seek(0)
    f.close()
elif mode == 'plain':
    with open(os.path.join(d, 'plain.log'), 'a', buffering=1) as f:
        start = int(os.environ.get('START', '0'))
        for i in range(start, start + count):
            b = body(i, 'pln')
            f.write(b[:5])
            f.flush()
            f.write(b[5:] + '\n')
            bodies.append(b)
            pause(i)
elif mode == 'multiline':
    with open(os.path.join(d, 'ml.log'), 'a', buffering=1) as f:
        for i in range(count):
            lines = [f'2024-05-06 entry {i:06d}'] + [f'  at frame {k} of {i}' for k in range(i % 4)]
            f.write('\n'.join(lines) + '\n')
            bodies.append('\n'.join(lines))
            pause(i)
elif mode == 'gzrotate':
    path = os.path.join(d, 'app.log')

    def compress(src, dst):
        c = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip wrapper
        with open(src, 'rb') as i, open(dst, 'wb') as o:
            while True:
                b = i.read(4096)
                if not b:
                    break
                o.write(c.compress(b))
                o.flush()
                time.sleep(0.002)
            o.write(c.flush())
        os.unlink(src)

    f = open(path, 'a', buffering=1)
    n = 0
    since = None
    for i in range(count):
        b = body(i, 'gzr')
        f.write(b + '\n')
        bodies.append(b)
        pause(i)
        if since is not None:
            since += 1
            if since == 100:
                compress(f'{path}.1', f'{path}.1.gz')
                since = None
        if (i + 1) % 500 == 0:
            n += 1
            f.close()
            for k in range(n, 0, -1):
                if os.path.exists(f'{path}.{k}.gz'):
                    os.rename(f'{path}.{k}.gz', f'{path}.{k + 1}.gz')
            os.rename(path, f'{path}.1')
            f = open(path, 'a', buffering=1)
            since = 0
    f.close()
    if since is not None:
        compress(f'{path}.1', f'{path}.1.gz')
elif mode == 'utf16le':
    with open(os.path.join(d, 'u16.log'), 'ab', buffering=0) as f:
        f.write(b'\xff\xfe')
        words = ['grüße', '日本語のログ', 'émoji 😀 ok', 'Ωμέγα', 'plain']
        for i in range(count):
            b = body(i, 'u16') + ' ' + words[i % len(words)]
            raw = (b + ('\r\n' if i % 2 else '\n')).encode('utf-16-le')
            f.write(raw[:7])  # odd: a unit split across writes
            f.write(raw[7:])
            bodies.append(b)
            pause(i)
else:
    sys.exit(f'unknown mode {mode}')

with open(expected, 'a') as e:
    for b in bodies:
        e.write(json.dumps(b) + '\n')
