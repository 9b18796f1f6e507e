#!/usr/bin/env python3
"""scripts/verify-upstream.py: check netstitch's device-model subsets (yang/devices/) and the
payloads the drivers emit against a vendor's *published* YANG release.

Not part of `make check`: the vendors' trees are not in this repository and CI has no
network. Run it by hand against local copies (git clones of Juniper/yang, YangModels/yang,
nokia/7x50_YangModels, Huawei/yang, openconfig/public, aristanetworks/yang) whenever a
subset node is added or the followed release changes; record the result in
yang/devices/README.md ("Checked against the vendors' published models"). Python 3
standard library, yanglint (libyang 2) and git; nothing else.

  extract [--recursive] GITDIR OUTDIR TREEPATH ...
      Copy the YANG files directly in each TREEPATH (with --recursive: anywhere below it)
      at HEAD of the repository GITDIR into OUTDIR, flat: yanglint searches a directory
      recursively and would mix in other platforms' or releases' copies otherwise. A file
      name met twice keeps its first copy (reported). Blobs missing from a partial clone
      are listed, not fatal.

  nodes --ours DIR[:DIR...] --upstream DIR --load "MOD ..." [--load-opt "-i -i"]
      Every data and RPC node of the subset modules in --ours (compiled: groupings
      expanded, augments applied) is looked up in the upstream context (--load: the
      modules, with the platform's deviation modules) and compared: existence, kind,
      key, config, mandatory, presence, default, units, ordered-by, min/max-elements,
      the resolved type (ranges, lengths, patterns, enum names, leafref path), when and
      must. Prints OK / DIFF / MISSING per node and a summary line.

  payloads --upstream DIR --load "MOD ..." [--baseline vrp] FILE ...
      Validate each payload (a golden <config> file or a bare test payload) as
      configuration against the upstream modules, merged with what the router already
      has (--baseline vrp: MPLS enabled, the _public_ instance and its system-generated
      families, the class of existing ports). Silent on success.

Workarounds for libyang 2.1.30, all needed for the published trees: yanglint's -P lookup
of long paths can return the wrong node, so each "anchor" (top node or module boundary)
is printed whole and the rest of the path is walked here; the info printer's braces are
not always balanced (its indentation is), and it prints `unique "a b;` without the
closing quote; the tree printer crashes on the Huawei trees; merging files with -m
crashes validation of huawei-bgp, so baselines are merged here.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

# --------------------------------------------------------------------------- extract


def cmd_extract(a):
    os.makedirs(a.outdir, exist_ok=True)
    seen = {}
    missing = 0
    for tp in a.treepath:
        cmd = ['git', '-C', a.gitdir, 'ls-tree'] + (['-r'] if a.recursive else []) + \
            ['HEAD', '--', tp.rstrip('/') + '/']
        ls = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        for line in ls.splitlines():
            meta, path = line.split('\t', 1)
            kind, obj = meta.split()[1:3]
            base = os.path.basename(path)
            if kind != 'blob' or not base.endswith('.yang'):
                continue
            if base in seen:
                print('duplicate: %s (kept %s)' % (path, seen[base]))
                continue
            blob = subprocess.run(['git', '-C', a.gitdir, 'cat-file', 'blob', obj],
                                  capture_output=True)
            if blob.returncode != 0:
                print('missing: %s' % path)
                missing += 1
                continue
            with open(os.path.join(a.outdir, base), 'wb') as f:
                f.write(blob.stdout)
            seen[base] = path
    print('%d files extracted, %d missing' % (len(seen), missing))
    return 0

# --------------------------------------------------------------------------- nodes

TREE_LINE = re.compile(r'^(?P<ind>[ |]*)\+--(?P<flags>rw|ro|-x|-n|-w|--|:)\s*(?P<rest>.*)$')
TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([{};])|([^\s{};"\']+)', re.S)
SKIP = ('description', 'reference', 'status', 'value', 'position')
DATA = ('container', 'list', 'leaf', 'leaf-list', 'anydata', 'anyxml', 'rpc', 'action',
        'notification')
COMPARED = ('key', 'config', 'mandatory', 'presence', 'default', 'units', 'type',
            'ordered-by', 'min-elements', 'max-elements')


def yanglint_session(paths, mods, load_opt, cmds):
    script = ''.join('searchpath %s\n' % p for p in paths)
    script += 'load %s %s\n' % (load_opt, ' '.join(mods))
    script += ''.join(c + '\n' for c in cmds)
    p = subprocess.run(['yanglint'], input=script, capture_output=True, text=True)
    return p.stdout


def tree_lines(text):
    """(depth, flags, name) per node line of yanglint's tree output."""
    out = []
    for ln in text.splitlines():
        m = TREE_LINE.match(ln)
        if not m:
            continue
        rest = m.group('rest').strip()
        flags = m.group('flags')
        if flags == ':' or rest.startswith('('):
            out.append((len(m.group('ind')), 'choice', rest.split()[0]))
            continue
        out.append((len(m.group('ind')), flags, re.match(r'[^\s?*!\[]+', rest).group(0)))
    return out


def parse_info(text):
    """Statement tree (keyword, argument, children) of yanglint's info output, nested by
    indentation; descriptions, extensions and enum values dropped."""
    text = re.sub(r'^(\s*unique "[^"\n]*);$', r'\1";', text, flags=re.M)
    stmts, cur = [], None
    for m in TOKEN.finditer(text):
        col = m.start() - (text.rfind('\n', 0, m.start()) + 1)
        if m.group(3):
            if cur is not None:
                stmts.append(cur)
                cur = None
            continue
        val = next(g for g in (m.group(1), m.group(2), m.group(4)) if g is not None)
        if cur is None:
            cur = [col, val, None]
        elif val != '+':
            cur[2] = (cur[2] or '') + val
    if cur is not None:
        stmts.append(cur)
    root = (-1, None, None, [])
    stack = [root]
    for col, kw, arg in stmts:
        node = (col, kw, arg, [])
        while stack[-1][0] >= col:
            stack.pop()
        stack[-1][3].append(node)
        stack.append(node)

    def conv(n):
        return (n[1], n[2], [conv(k) for k in n[3] if not (k[1] in SKIP or ':' in k[1])])
    kids = [conv(k) for k in root[3] if not (k[1] in SKIP or ':' in k[1])]
    return kids[0] if kids else None


def find_child(st, name):
    for c in st[2]:
        if c[0] in DATA and c[1] == name:
            return c
        if c[0] in ('input', 'output') and c[0] == name:
            return (c[0], c[0], c[2])
    for c in st[2]:
        if c[0] in ('choice', 'case'):
            r = find_child(c, name)
            if r:
                return r
    return None


def canon(st):
    kw, arg, kids = st
    if kw in ('type', 'path', 'when', 'must', 'base') and arg and ':' in arg:
        arg = re.sub(r'[A-Za-z0-9_.-]+:(?=[A-Za-z_])', '', arg)  # prefixes differ
    if kw == 'key' and arg:
        arg = ' '.join(arg.replace(',', ' ').split())
    kids = [canon(k) for k in kids]
    if kw == 'type' and arg == 'enumeration':
        kids = sorted(kids, key=str)
    return (kw, arg, tuple(kids))


def sub(st, kw):
    vals = [canon(c) for c in st[2] if c[0] == kw]
    return bool(vals) if kw == 'presence' else vals


def subset_nodes(ourdirs, names):
    """Schema paths (module-qualified at module boundaries) of every node of the subset."""
    prefix = {}
    for d in ourdirs:
        for f in os.listdir(d):
            if f.endswith('.yang'):
                t = open(os.path.join(d, f)).read()
                mn = re.search(r'^\s*module\s+(\S+)', t, re.M)
                pp = re.search(r'^\s*prefix\s+"?([^";\s]+)', t, re.M)
                if mn and pp:
                    prefix[pp.group(1)] = mn.group(1)
    tops = []
    for n in names:
        section = None
        for ln in yanglint_session(ourdirs, names, '-i -i', ['print -f tree %s' % n]).splitlines():
            s = ln.strip()
            if s.startswith('module:'):
                section = 2
            elif s.startswith(('augment', 'grouping', 'notifications')):
                section = None
            elif s.startswith('rpcs:'):
                section = 4
            else:
                m = TREE_LINE.match(ln)
                if section and m and len(m.group('ind')) == section:
                    tops.append((n, tree_lines(ln)[0][2]))
    paths = []
    for mod, top in tops:
        stack = []  # (depth, module or None, segment or None)
        out = yanglint_session(ourdirs, names, '-i -i', ['print -f tree -P /%s:%s' % (mod, top)])
        for depth, flags, name in tree_lines(out):
            while stack and stack[-1][0] >= depth:
                stack.pop()
            if flags == 'choice':
                stack.append((depth, None, None))
                continue
            parent = next((s[1] for s in reversed(stack) if s[1]), None)
            if ':' in name:
                p, name = name.split(':', 1)
                nmod = prefix.get(p, p)
            else:
                nmod = parent or mod
            seg = name if nmod == parent else '%s:%s' % (nmod, name)
            paths.append(''.join('/' + s[2] for s in stack if s[2]) + '/' + seg)
            stack.append((depth, nmod, seg))
    return paths


def lookup(paths, dirs, mods, load_opt):
    def split(path):
        segs = path.strip('/').split('/')
        k = max(i for i, s in enumerate(segs) if ':' in s)
        return '/' + '/'.join(segs[:k + 1]), segs[k + 1:]
    anchors = sorted(set(split(p)[0] for p in paths))
    tmp = tempfile.mkdtemp()
    yanglint_session(dirs, mods, load_opt,
                     ['print -f info -P %s -o %s/%d' % (a, tmp, i) for i, a in enumerate(anchors)])
    trees = {}
    for i, a in enumerate(anchors):
        f = '%s/%d' % (tmp, i)
        st = parse_info(open(f).read()) if os.path.exists(f) and os.path.getsize(f) else None
        if st is not None and st[1] != a.rsplit('/', 1)[1].split(':')[-1]:
            st = None  # the lookup returned another node
        trees[a] = st
    res = []
    for p in paths:
        a, rel = split(p)
        st = trees[a]
        for name in rel:
            st = find_child(st, name) if st else None
        res.append(st)
    return res


def cmd_nodes(a):
    ourdirs = a.ours.split(':')
    names = sorted(set(re.sub(r'@.*', '', f[:-5]) for d in ourdirs for f in os.listdir(d)
                       if f.endswith('.yang') and d == ourdirs[0]))
    paths = subset_nodes(ourdirs, names)
    ours = lookup(paths, ourdirs, names, '-i -i')
    ups = lookup(paths, a.upstream.split(':'), a.load.split(), a.load_opt)
    count = {'OK': 0, 'DIFF': 0, 'MISSING': 0}
    for p, o, u in zip(paths, ours, ups):
        if u is None or o is None:
            count['MISSING'] += 1
            print('MISSING %s' % p)
            continue
        d = [] if o[0] == u[0] else ['kind: %s / %s' % (o[0], u[0])]
        for kw in COMPARED + ('when', 'must'):
            x, y = sub(o, kw), sub(u, kw)
            if x != y:
                d.append('%s: %s / %s' % (kw, str(x)[:300], str(y)[:300]))
        count['DIFF' if d else 'OK'] += 1
        print(('DIFF %s\n    ' % p + '\n    '.join(d)) if d else 'OK %s' % p)
    print('# %d nodes: %s (ours / upstream)' % (len(paths), count))
    return 0

# --------------------------------------------------------------------------- payloads

KEYS = ('name', 'id', 'type', 'address', 'position', 'sequence', 'ip', 'interface-name')


def fragment(text):
    text = re.sub(r'<\?xml[^>]*\?>', '', re.sub(r'<!--.*?-->', '', text, flags=re.S))
    root = ET.fromstring('<r>' + text + '</r>')
    if len(root) == 1 and root[0].tag.endswith('}config'):
        root = root[0]
    return root


def merge(a, b):
    def key(e):
        return (e.tag,) + tuple((c.tag, (c.text or '').strip()) for c in e
                                if c.tag.split('}')[-1] in KEYS and len(c) == 0)
    for c in list(b):
        if len(c):
            m = next((d for d in a if len(d) and key(d) == key(c)), None)
        else:
            m = next((d for d in a if d.tag == c.tag and not len(d)
                      and (d.text or '').strip() == (c.text or '').strip()), None)
        if m is None:
            a.append(c)
        elif len(c):
            merge(m, c)


def vrp_baseline(payload):
    """What a configured NE40E already has that a netstitch payload relies on."""
    t = ET.tostring(payload, encoding='unicode')
    mains = set(re.findall(r'parent-name>([^<]+)<', t))
    for e in payload.iter():
        if e.tag.endswith('}interface') and e.find('{urn:huawei:yang:huawei-ifm}name') is not None:
            name = e.find('{urn:huawei:yang:huawei-ifm}name').text
            if e.find('{urn:huawei:yang:huawei-ifm}class') is None and '.' not in name:
                mains.add(name)
    bgp_af = ('<bgp xmlns="urn:huawei:yang:huawei-bgp"><base-process><afs><af><type>ipv4uni'
              '</type></af></afs></base-process></bgp>') if 'huawei-bgp' in t else ''
    xml = ('<mpls xmlns="urn:huawei:yang:huawei-mpls"><common><global><mpls-enable>true'
           '</mpls-enable></global></common></mpls>'
           '<network-instance xmlns="urn:huawei:yang:huawei-network-instance"><instances>'
           '<instance><name>_public_</name><afs xmlns="urn:huawei:yang:huawei-l3vpn"><af>'
           '<type>ipv4-unicast</type></af></afs>' + bgp_af + '</instance></instances>'
           '</network-instance><ifm xmlns="urn:huawei:yang:huawei-ifm"><interfaces>' +
           ''.join('<interface><name>%s</name><class>main-interface</class></interface>' % m
                   for m in sorted(mains)) + '</interfaces></ifm>')
    return fragment(xml)


def cmd_payloads(a):
    bad = 0
    for f in a.files:
        raw = open(f).read()
        if a.baseline == 'vrp':
            # ElementTree renames namespace prefixes, which would break identityref values;
            # the Huawei models use enumerations, so merging through it is safe there.
            body = fragment(raw)
            base = vrp_baseline(body)
            merge(base, body)
            text = ''.join(ET.tostring(c, encoding='unicode') for c in base)
        else:
            text = re.sub(r'<\?xml[^>]*\?>', '', re.sub(r'<!--.*?-->', '', raw, flags=re.S))
            # The NETCONF <config> wrapper of a golden, not SR OS's own <configure>.
            text = re.sub(r'^\s*<config(\s[^>]*)?>|</config>\s*$', '', text.strip())
        with tempfile.NamedTemporaryFile('w', suffix='.xml', delete=False) as t:
            t.write(text)
        p = subprocess.run(['yanglint', '-i', '-i', '-p', '.', '-t', 'config'] + a.load.split() +
                           [t.name], cwd=a.upstream, capture_output=True, text=True)
        errs = [l for l in p.stderr.splitlines() if 'err' in l.lower() and 'warn' not in l]
        if p.returncode != 0 or errs:
            bad += 1
            print('INVALID %s (rc %d)\n    %s' % (f, p.returncode, '\n    '.join(errs[:5])))
        os.unlink(t.name)
    print('# %d payloads, %d invalid against %s' % (len(a.files), bad, a.upstream))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sp = ap.add_subparsers(dest='cmd', required=True)
    e = sp.add_parser('extract')
    e.add_argument('--recursive', action='store_true')
    e.add_argument('gitdir')
    e.add_argument('outdir')
    e.add_argument('treepath', nargs='+')
    n = sp.add_parser('nodes')
    n.add_argument('--ours', required=True, help='vendor directory[:extra search dirs]')
    n.add_argument('--upstream', required=True)
    n.add_argument('--load', required=True, help='upstream modules (and deviations)')
    n.add_argument('--load-opt', default='-i', help='yanglint load options')
    p = sp.add_parser('payloads')
    p.add_argument('--upstream', required=True)
    p.add_argument('--load', required=True, help='upstream module files')
    p.add_argument('--baseline', choices=('vrp',))
    p.add_argument('files', nargs='+')
    a = ap.parse_args()
    return {'extract': cmd_extract, 'nodes': cmd_nodes, 'payloads': cmd_payloads}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
