#!/usr/bin/env python3
"""A structural check of Graphviz DOT without Graphviz: tokenizes and parses the DOT
grammar (graph/digraph, statements, attribute lists, subgraphs, quoted strings with
escapes, comments), refuses anything else, checks that edges use the graph's edge
operator and only join declared nodes, and prints what it read as JSON:
{"kind", "name", "attrs", "nodes": {id: attrs}, "edges": [{"a", "b", "attrs"}],
 "clusters": [{"name", "attrs", "nodes"}]}.

usage: dotcheck.py FILE.dot > model.json   (exit 1 with a message on bad DOT)
"""
import json
import re
import sys

TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/|^\#[^\n]*)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<op>--|->|[{}\[\];,=:])
  | (?P<id>[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
''', re.S | re.M | re.X)


def tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SyntaxError("bad character at offset %d: %r" % (pos, text[pos:pos + 20]))
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        val = m.group(kind)
        if kind == "str":
            val = re.sub(r'\\(["\\])', r'\1', val[1:-1])
            kind = "id"
        out.append((kind, val))
    return out


class Parser:
    def __init__(self, toks):
        self.t, self.i = toks, 0
        self.nodes, self.edges, self.clusters = {}, [], []

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else (None, None)

    def take(self, want=None):
        kind, val = self.peek()
        if kind is None or (want and val != want):
            raise SyntaxError("expected %r, got %r at token %d" % (want, val, self.i))
        self.i += 1
        return val

    def ident(self):
        kind, val = self.peek()
        if kind != "id":
            raise SyntaxError("expected an ID, got %r at token %d" % (val, self.i))
        self.i += 1
        return val

    def graph(self):
        if self.peek()[1] == "strict":
            self.take()
        self.kind = self.take()
        if self.kind not in ("graph", "digraph"):
            raise SyntaxError("not a graph: %r" % self.kind)
        self.edgeop = "--" if self.kind == "graph" else "->"
        self.name = self.ident() if self.peek()[0] == "id" else None
        self.attrs = {}
        self.take("{")
        self.stmts(self.attrs, None)
        self.take("}")
        if self.i != len(self.t):
            raise SyntaxError("text after the graph")

    def attr_list(self):
        attrs = {}
        while self.peek()[1] == "[":
            self.take("[")
            while self.peek()[1] != "]":
                k = self.ident()
                self.take("=")
                attrs[k] = self.ident()
                if self.peek()[1] in (",", ";"):
                    self.take()
            self.take("]")
        return attrs

    def node_id(self):
        n = self.ident()
        if self.peek()[1] == ":":  # port
            self.take(":")
            self.ident()
        return n

    def stmts(self, graph_attrs, cluster):
        while self.peek()[1] not in ("}", None):
            self.stmt(graph_attrs, cluster)
            if self.peek()[1] == ";":
                self.take(";")

    def stmt(self, graph_attrs, cluster):
        kind, val = self.peek()
        if val in ("graph", "node", "edge") and self.peek(1)[1] == "[":
            self.take()
            attrs = self.attr_list()
            if val == "graph":
                graph_attrs.update(attrs)
            return
        if val == "subgraph" or val == "{":
            sub = {"name": None, "attrs": {}, "nodes": []}
            if val == "subgraph":
                self.take()
                if self.peek()[0] == "id":
                    sub["name"] = self.ident()
            self.take("{")
            self.stmts(sub["attrs"], sub)
            self.take("}")
            if (sub["name"] or "").startswith("cluster"):
                self.clusters.append(sub)
            return
        if kind == "id" and self.peek(1)[1] == "=":
            k = self.ident()
            self.take("=")
            graph_attrs[k] = self.ident()
            return
        ends = [self.node_id()]
        while self.peek()[1] in ("--", "->"):
            op = self.take()
            if op != self.edgeop:
                raise SyntaxError("%s in a %s" % (op, self.kind))
            ends.append(self.node_id())
        attrs = self.attr_list()
        if len(ends) == 1:
            self.nodes.setdefault(ends[0], {}).update(attrs)
            if cluster is not None:
                cluster["nodes"].append(ends[0])
        else:
            for a, b in zip(ends, ends[1:]):
                self.edges.append({"a": a, "b": b, "attrs": attrs})


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    try:
        p = Parser(tokens(text))
        p.graph()
    except SyntaxError as e:
        sys.exit("dotcheck: %s: %s" % (sys.argv[1], e))
    for e in p.edges:
        for end in (e["a"], e["b"]):
            if end not in p.nodes:
                sys.exit("dotcheck: edge end %r is not a declared node" % end)
    json.dump({"kind": p.kind, "name": p.name, "attrs": p.attrs, "nodes": p.nodes,
               "edges": p.edges, "clusters": p.clusters}, sys.stdout, indent=1)


main()
